"""``jats-oai store compact``: rewrite the store so that harvests read it in few, close reads.

Run it after a bulk load (``records load`` of a large folder) or once a year on a store that
has seen many changes, with the server stopped: on SQLite it rebuilds the file in 64 KiB
pages, table by table in key order; on PostgreSQL it clusters the harvest table.
"""

from __future__ import annotations

import argparse
import sys
import time

from app.cli.database import configured_store
from app.store.base import StoreBusy


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("store", help="maintain the record store")
    sub = parser.add_subparsers(dest="store_command", required=True, metavar="ACTION")
    compact = sub.add_parser(
        "compact",
        help="rewrite the store for fast harvesting (stop the server first)",
        description="Rewrite the store so that each harvest range lies together on disk.",
    )
    compact.set_defaults(func=_compact)


def _megabytes(size: int) -> str:
    return f"{size / 1e6:,.1f} MB"


def _compact(args: argparse.Namespace) -> int:
    started = time.monotonic()
    try:
        with configured_store() as store:
            sizes = store.compact()
    except StoreBusy as exc:
        print(f"jats-oai store compact: {exc}; stop the server and run it again",
              file=sys.stderr)
        return 2
    line = (
        f"compacted in {time.monotonic() - started:.1f} s: "
        f"{_megabytes(sizes['bytes_before'])} -> {_megabytes(sizes['bytes_after'])}"
    )
    if "page_size_after" in sizes:
        line += f"; pages of {sizes['page_size_before']} -> {sizes['page_size_after']} bytes"
    print(line)
    return 0
