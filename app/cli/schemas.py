"""``jats-oai schemas fetch``: download the official schemas the service needs, pinned by SHA-256.

The one command that may touch the network, and only when asked; a second run finds every
file in place and downloads nothing.
"""

from __future__ import annotations

import argparse
import sys
import threading

from app.cli.progress import ProgressBar
from app.config import load_settings
from app.jats.fetch import CONNECTIONS, FetchError, PinnedFile, fetch_schemas


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "schemas", help="fetch the official schemas into the schema directory"
    )
    sub = parser.add_subparsers(dest="schemas_command", required=True, metavar="ACTION")
    fetch = sub.add_parser(
        "fetch",
        help="download the official schema files that are missing, checked against "
        "schemas/manifest.json",
        description="Download every official schema file the service needs from where it is "
        "published (or from JATS_OAI_SCHEMA_MIRROR), check each against its pinned SHA-256 "
        "and install them into the schema directory (setting schema_dir).",
    )
    fetch.add_argument("--connections", type=int, default=CONNECTIONS,
                       help=f"downloads at a time (default {CONNECTIONS})")
    fetch.add_argument("--progress", action="store_true",
                       help="show the progress bar even when stderr is not a terminal")
    fetch.set_defaults(func=_fetch, needs_schemas=False)


def _fetch(args: argparse.Namespace) -> int:
    settings = load_settings()
    target = settings.schema_dir
    bar: list[ProgressBar] = []
    lock = threading.Lock()  # downloads finish on several threads

    def planned(files: int, size: int) -> None:
        if files:
            where = settings.schema_mirror or "their official homes"
            print(f"fetching {files} schema files ({size / 1e6:.1f} MB) from {where}",
                  flush=True)
        bar.append(ProgressBar(files, sys.stderr, args.progress or sys.stderr.isatty()))

    def progress(item: PinnedFile) -> None:
        with lock:
            bar[0].step(item.path)

    try:
        report = fetch_schemas(target, mirror=settings.schema_mirror,
                               connections=args.connections, progress=progress,
                               planned=planned)
    except FetchError as exc:
        if bar:
            bar[0].close()
        print(f"jats-oai schemas fetch: {exc}", file=sys.stderr)
        return 2
    if bar:
        bar[0].close()
    if report.downloaded or report.resumed:
        print(f"{target}: {report.downloaded} files downloaded, {report.resumed} kept from an "
              f"interrupted fetch, {report.present} already in place; all "
              f"{report.total} match their pinned SHA-256")
    else:
        print(f"{target}: all {report.total} schema files in place; nothing to download")
    return 0
