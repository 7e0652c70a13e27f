"""A schema mirror as an institution would run one: `<mirror>/<host>/<path>` of every pinned
file, laid out from ../shared/schemas and served by a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from app.jats.fetch import load_manifest


def lay_out_mirror(source: Path, mirror: Path) -> Path:
    """Copy each pinned file of `source` to where its official URL says, under `mirror`."""
    for item in load_manifest().files:
        url = urlsplit(item.url)
        target = mirror / url.netloc / url.path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / item.path, target)
    return mirror


def mirror_path(mirror: Path, url: str) -> Path:
    parts = urlsplit(url)
    return mirror / parts.netloc / parts.path.lstrip("/")


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serve_folder(folder: Path) -> Iterator[str]:
    """Serve `folder` over HTTP on 127.0.0.1 (a free port); yields the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
