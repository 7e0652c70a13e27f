"""``jats-oai store``: maintenance of the record store.

``check`` verifies the store's integrity (exit 1 on any problem); ``backup FILE`` and
``restore FILE`` copy everything a person made (records and their history, accounts, the
audit trail) to one file and back, between SQLite and PostgreSQL alike.

``compact`` rewrites the store so that harvests read it in few, close reads.

Run it after a bulk load (``records load`` of a large folder) or once a year on a store that
has seen many changes, with the server stopped: on SQLite it rebuilds the file in 64 KiB
pages, table by table in key order; on PostgreSQL it clusters the harvest table.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from app.cli.database import configured_store
from app.ingest import REQUIRED_FORMAT
from app.store import integrity
from app.store.base import StoreBusy, StoreUnavailable
from app.store.sql import SqlStore


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("store", help="maintain the record store")
    sub = parser.add_subparsers(dest="store_command", required=True, metavar="ACTION")
    compact = sub.add_parser(
        "compact",
        help="rewrite the store for fast harvesting (stop the server first)",
        description="Rewrite the store so that each harvest range lies together on disk.",
    )
    compact.set_defaults(func=_compact)
    check = sub.add_parser(
        "check", help="verify the store's integrity; exit 1 when a problem is found",
        description="Every live record has its source and required formats, harvest "
        "fragments and set memberships agree with the records, and no row is orphaned.",
    )
    check.set_defaults(func=_check)
    backup = sub.add_parser("backup", help="write the whole store to FILE (JSON lines)")
    backup.add_argument("file", type=Path, help="the backup file to write ('-' for stdout)")
    backup.set_defaults(func=_backup)
    restore = sub.add_parser(
        "restore", help="replace the store's whole content with a backup FILE",
    )
    restore.add_argument("file", type=Path, help="a file written by 'jats-oai store backup'")
    restore.add_argument("--yes", action="store_true",
                         help="confirm that the store's current content is replaced")
    restore.set_defaults(func=_restore)


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


def _check(args: argparse.Namespace) -> int:
    with configured_store() as store:
        assert isinstance(store, SqlStore)
        problems = integrity.check(store, (REQUIRED_FORMAT,))
        live = sum(1 for _ in store.iter_identifiers())
    for problem in problems:
        print(problem)
    if problems:
        print(f"jats-oai store check: {len(problems)} problems", file=sys.stderr)
        return 1
    print(f"the store is sound: {live} live records")
    return 0


def _backup(args: argparse.Namespace) -> int:
    with configured_store() as store:
        assert isinstance(store, SqlStore)
        if str(args.file) == "-":
            rows = integrity.write_backup(store, sys.stdout)
        else:
            tmp = args.file.with_name(args.file.name + ".part")
            with tmp.open("w", encoding="utf-8") as out:
                rows = integrity.write_backup(store, out)
            tmp.replace(args.file)
    print(f"backed up {rows} rows to {args.file}", file=sys.stderr)
    return 0


def _restore(args: argparse.Namespace) -> int:
    if not args.yes:
        print("jats-oai store restore: this replaces everything in the store; "
              "add --yes to confirm", file=sys.stderr)
        return 2
    try:
        with configured_store() as store, args.file.open(encoding="utf-8") as lines:
            assert isinstance(store, SqlStore)
            rows = integrity.restore(store, lines)
    except OSError as exc:
        print(f"jats-oai store restore: {exc}", file=sys.stderr)
        return 2
    except (integrity.BackupError, StoreUnavailable) as exc:
        print(f"jats-oai store restore: {exc}; nothing was changed", file=sys.stderr)
        return 1
    print(f"restored {rows} rows from {args.file}")
    return 0
