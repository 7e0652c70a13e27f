"""SQLite page size: what it costs a write and what it saves a harvest.

    python -m bench.page_size [--records 10000] [--puts 400] [--sizes 4096 ... 65536]

For each page size: ``put`` of prepared generated records, one transaction each, into a new
store with that page size (rate and CPU per put), and the ``ListRecords`` query of a whole
harvest (pages of 100 ``oai_dc`` fragments, keyset order, median of 5 passes) over the
harvest benchmark's collection of ``--records`` records rewritten in that page size with
``VACUUM INTO``. The table of docs/store.md ("Page size and compaction") comes from here.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

from app.config import load_settings
from app.factory import open_store
from app.store import sqlite
from bench.harvest import prepare_collection
from bench.store import prepared_drafts

SIZES = (4096, 8192, 16384, 32768, 65536)
PAGE = (
    "SELECT f.datestamp, f.identifier, f.deleted, f.fragment FROM framed_records f"
    " WHERE f.prefix = 'oai_dc' AND (f.datestamp, f.identifier) > (?, ?) AND f.seq <= ?"
    " ORDER BY f.datestamp, f.identifier LIMIT 101"
)


def put_rate(path: Path, drafts: list, page_size: int) -> tuple[float, float]:
    """Puts per second and CPU milliseconds per put into a new store of ``page_size``."""
    sqlite.PAGE_SIZE = page_size
    store = open_store(f"sqlite:///{path}")
    try:
        started, cpu = time.perf_counter(), time.process_time()
        for draft in drafts:
            store.put(draft, actor="bench")
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        store.close()
    return len(drafts) / wall, cpu / len(drafts) * 1000


def harvest_query_ms(path: Path, passes: int = 5) -> float:
    """Median time of one page's query over a whole harvest, in milliseconds."""
    db = sqlite3.connect(path)
    per_page = []
    for _ in range(passes):
        after, pages, started = (0, ""), 0, time.perf_counter()
        while True:
            rows = db.execute(PAGE, (*after, 2**62)).fetchall()
            pages += 1
            if len(rows) <= 100:
                break
            after = rows[99][:2]
        per_page.append((time.perf_counter() - started) / pages * 1000)
    db.close()
    return statistics.median(per_page)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=10000,
                        help="size of the harvested collection (default 10000)")
    parser.add_argument("--puts", type=int, default=400, help="records put per page size")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    args = parser.parse_args(argv)
    instance, _ = prepare_collection(args.records, 1, args.records)
    source = instance / "jats-oai.sqlite3"
    with tempfile.TemporaryDirectory() as work:
        drafts = prepared_drafts(load_settings(instance_dir=Path(work) / "instance"), args.puts)
        print(f"page size | put | CPU per put | harvest query per page of 100 | file "
              f"({args.records:,} records)")
        for size in args.sizes:
            rate, cpu_ms = put_rate(Path(work) / f"put-{size}.sqlite3", drafts, size)
            copy = Path(work) / f"read-{size}.sqlite3"
            db = sqlite3.connect(source)
            db.execute(f"PRAGMA page_size = {size}")
            db.execute("VACUUM INTO ?", (str(copy),))
            db.close()
            print(f"{size // 1024:>5} KiB | {rate:,.0f}/s | {cpu_ms:.2f} ms | "
                  f"{harvest_query_ms(copy):.3f} ms | {os.path.getsize(copy) / 1e6:,.0f} MB",
                  flush=True)
            copy.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
