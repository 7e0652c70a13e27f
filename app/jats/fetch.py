"""Fetching the official schemas from where they are published, checked against pinned SHA-256.

`schemas/manifest.json` names every file the service needs: its URL, its path in the schema
directory and its SHA-256 (generated once by `schemas/make_manifest.py`). Fetching is an
explicit step (`jats-oai schemas fetch`); validation never touches the network.

Files are downloaded a few at a time into a staging folder beside the schema directory, each
checked as it arrives; only when every file is there and verified are they moved in, so a
failed or refused fetch installs nothing. The staging folder survives an interruption, so the
next fetch downloads only what is still missing. The XML catalog is not an official file: it
is written here from the catalog entries the manifest keeps.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from xml.sax.saxutils import quoteattr

from app.config import REPO_ROOT

MANIFEST = REPO_ROOT / "schemas" / "manifest.json"
CONNECTIONS = 4
TIMEOUT_SECONDS = 30
CHUNK = 64 * 1024
CATALOG_NAME = "catalog.xml"


class FetchError(RuntimeError):
    """The schemas could not be fetched; nothing was installed."""


class ChecksumMismatch(FetchError):
    """A downloaded file is not the pinned one: refused, and nothing installed."""

    def __init__(self, path: str, url: str, expected: str, actual: str) -> None:
        self.path, self.url, self.expected, self.actual = path, url, expected, actual
        super().__init__(
            f"refused {path} (from {url}): its SHA-256 is {actual}, "
            f"the pinned one is {expected}; nothing was installed"
        )


class NetworkUnreachable(FetchError):
    """No connection to a schema's home (or to the mirror)."""


@dataclass(frozen=True)
class PinnedFile:
    path: str
    url: str
    sha256: str
    size: int


@dataclass(frozen=True)
class Manifest:
    files: tuple[PinnedFile, ...]
    catalog: tuple[tuple[str, str, str], ...]


@dataclass
class FetchReport:
    total: int = 0
    present: int = 0
    resumed: int = 0
    downloaded: int = 0
    bytes: int = 0
    catalog_written: bool = False


def load_manifest(path: Path = MANIFEST) -> Manifest:
    data = json.loads(path.read_text(encoding="utf-8"))
    files = tuple(PinnedFile(f["path"], f["url"], f["sha256"], int(f["size"]))
                  for f in data["files"])
    catalog = tuple((kind, key, target) for kind, key, target in data["catalog"])
    return Manifest(files, catalog)


def source_url(url: str, mirror: str = "") -> str:
    """Where to download `url` from: itself, or `<mirror>/<host>/<path>` when a mirror is set."""
    if not mirror:
        return url
    parts = urlsplit(url)
    return f"{mirror.rstrip('/')}/{parts.netloc}{parts.path}"


def file_sha256(path: Path) -> str | None:
    try:
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()
    except OSError:
        return None


def catalog_xml(entries: Iterable[tuple[str, str, str]]) -> str:
    """An OASIS XML catalog of the manifest's entries, relative to the schema directory."""
    attrs = {
        "public": ("publicId", "uri"), "system": ("systemId", "uri"), "uri": ("name", "uri"),
        "rewriteSystem": ("systemIdStartString", "rewritePrefix"),
        "rewriteURI": ("uriStartString", "rewritePrefix"),
        "systemSuffix": ("systemIdSuffix", "uri"),
    }
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        "<!-- Written by `jats-oai schemas fetch` from schemas/manifest.json: remote schema URLs",
        "     and JATS/NLM DOCTYPE identifiers -> the official files in this folder. -->",
        '<catalog xmlns="urn:oasis:names:tc:entity:xmlns:xml:catalog" prefer="public">',
    ]
    for kind, key, target in entries:
        name, value = attrs[kind]
        lines.append(f"  <{kind} {name}={quoteattr(key)} {value}={quoteattr(target)}/>")
    lines.append("</catalog>")
    return "\n".join(lines) + "\n"


def missing_files(schema_dir: Path, manifest: Manifest) -> list[PinnedFile]:
    """The pinned files that are absent from `schema_dir` or differ from their SHA-256."""
    return [f for f in manifest.files
            if file_sha256(schema_dir / f.path) != f.sha256]


def staging_dir(schema_dir: Path) -> Path:
    return schema_dir.parent / f".{schema_dir.name}.download"


def fetch_schemas(
    schema_dir: Path,
    *,
    mirror: str = "",
    connections: int = CONNECTIONS,
    manifest: Manifest | None = None,
    progress: Callable[[PinnedFile], None] | None = None,
    planned: Callable[[int, int], None] | None = None,
) -> FetchReport:
    """Make `schema_dir` hold every pinned file, downloading only those it lacks.

    `planned(files, bytes)` is told what will be downloaded, `progress(file)` each file
    done. Raises ChecksumMismatch, NetworkUnreachable or FetchError; nothing is installed then.
    """
    manifest = manifest or load_manifest()
    report = FetchReport(total=len(manifest.files))
    needed = missing_files(schema_dir, manifest)
    report.present = report.total - len(needed)
    staging = staging_dir(schema_dir)
    todo = []
    for item in needed:
        if file_sha256(staging / item.path) == item.sha256:
            report.resumed += 1
        else:
            todo.append(item)
    if planned:
        planned(len(todo), sum(f.size for f in todo))
    if todo:
        _download_all(todo, staging, mirror, max(1, connections), progress)
        report.downloaded = len(todo)
        report.bytes = sum(f.size for f in todo)
    if needed:
        _install(needed, staging, schema_dir)
    catalog = schema_dir / CATALOG_NAME
    if needed or not catalog.is_file():
        _write_atomic(catalog, catalog_xml(manifest.catalog).encode("utf-8"))
        report.catalog_written = True
    return report


def _download_all(
    todo: list[PinnedFile], staging: Path, mirror: str, connections: int,
    progress: Callable[[PinnedFile], None] | None,
) -> None:
    stop = threading.Event()

    def one(item: PinnedFile) -> None:
        if stop.is_set():
            return
        _download(item, staging / item.path, source_url(item.url, mirror), stop)
        if progress:
            progress(item)

    with ThreadPoolExecutor(max_workers=connections) as pool:
        futures = [pool.submit(one, item) for item in todo]
        done, _ = wait(futures, return_when=FIRST_EXCEPTION)
        failed = next((f for f in futures if f.done() and f.exception()), None)
        if failed is not None:
            stop.set()
            for future in futures:
                future.cancel()
            wait(futures)
            raise failed.exception()  # type: ignore[misc]


def _download(item: PinnedFile, target: Path, url: str, stop: threading.Event) -> None:
    """One file into the staging folder, kept there only when its SHA-256 is the pinned one."""
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    digest = hashlib.sha256()
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response, \
                part.open("wb") as out:
            while block := response.read(CHUNK):
                if stop.is_set():
                    return
                digest.update(block)
                out.write(block)
    except urllib.error.HTTPError as exc:
        raise FetchError(f"{url} answered HTTP {exc.code} {exc.reason} ({item.path})") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        host = urlsplit(url).netloc
        raise NetworkUnreachable(
            f"cannot reach {host} to fetch {item.path}: {reason}. Without network access, "
            "set JATS_OAI_SCHEMA_DIR to a local copy of the official schemas, or "
            "JATS_OAI_SCHEMA_MIRROR to a mirror laid out as <mirror>/<host>/<path>"
        ) from None
    actual = digest.hexdigest()
    if actual != item.sha256:
        part.unlink(missing_ok=True)
        raise ChecksumMismatch(item.path, url, item.sha256, actual)
    os.replace(part, target)


def _install(items: list[PinnedFile], staging: Path, schema_dir: Path) -> None:
    """Move the verified files in; the staging folder goes when everything is in place."""
    for item in items:
        source = staging / item.path
        if file_sha256(source) != item.sha256:
            raise FetchError(f"{source} changed after it was checked; run the fetch again")
    if not schema_dir.exists():
        schema_dir.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging, schema_dir)
        return
    for item in items:
        target = schema_dir / item.path
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging / item.path, target)
    shutil.rmtree(staging, ignore_errors=True)


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
