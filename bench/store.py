"""The store, measured on both databases: load rate, and page latency deep in a big store.

    python -m bench.store [--records 100000] [--big 1000000] [--database-url postgresql://...]

1. Load rate: ``records load`` of N generated records (tests/generator.py) into a fresh store,
   end to end (validation, reading, rendering every format in worker processes, storing), then
   the same load again (nothing changed: every file is skipped by its hash), the speed of an
   oai_dc harvest read from the store right after the load and after ``store compact``, and
   the store's own write rate (records already prepared: ``put``, one transaction each, and
   ``put_many`` in the load's batches).
2. Keyset paging: a store of ``--big`` records built with bulk inserts of pre-rendered
   payloads and their framed ``<record>`` fragments (real oai_dc payloads of generated
   records; every 100th record deleted), then the latency of the first page and of a page
   deep inside it (a ListRecords page of 100 framed records, and the same page as headers
   for ListIdentifiers; median of many), for the whole collection and inside one set, plus
   the cost of counting the list once.

PostgreSQL is measured when ``--database-url`` or ``JATS_OAI_TEST_DATABASE_URL`` is given;
the benchmark works in its own schema (``bench_store``), dropped and made again.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import shutil
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from app.cli.records import BATCH_SIZE, load_folder
from app.config import Settings, load_settings
from app.factory import open_store
from app.ingest import Prepared, prepare
from app.oai.framing import RecordFramer
from app.store import list_counts
from app.store.base import Header, RecordDraft, Store, Window
from bench import figures
from bench.timing import median_ms
from tests.generator import iter_records, write_records

DATA_DIR = Path(__file__).resolve().parent / "data"

SCHEMA = "bench_store"
PAGE = 100
BASE = 1_600_000_000
PER_SECOND = 50  # records sharing one datestamp in the big store, as after a bulk load
FRAMER = RecordFramer()


def pg_url(url: str) -> str:
    """A URL whose connections work in the benchmark's own schema."""
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{SCHEMA}"


def fresh(kind: str, workdir: Path, pg: str | None, name: str) -> tuple[str, Callable[[], None]]:
    """The URL of an empty store, and how to remove it."""
    if kind == "sqlite":
        path = workdir / f"{name}.sqlite3"

        def remove() -> None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)

        remove()
        return f"sqlite:///{path}", remove
    import psycopg

    assert pg is not None
    with psycopg.connect(pg, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        conn.execute(f"CREATE SCHEMA {SCHEMA}")

    def drop() -> None:
        with psycopg.connect(pg, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")

    return pg_url(pg), drop


def collection(n: int) -> Path:
    """bench/data/<n>/ with the generated records (seed 1), reused when already complete."""
    folder = DATA_DIR / str(n)
    if not folder.is_dir() or sum(1 for _ in folder.rglob("*.xml")) != n:
        shutil.rmtree(folder, ignore_errors=True)
        started = time.perf_counter()
        write_records(n, 1, folder)
        print(f"  generated {n:,} records in {time.perf_counter() - started:.0f} s")
    return folder


def bench_load(kind: str, n: int, settings: Settings, workdir: Path, pg: str | None) -> None:
    folder = collection(n)
    url, drop = fresh(kind, workdir, pg, "load")
    store = open_store(url)
    try:
        started, cpu = time.perf_counter(), cpu_seconds()
        report = load_folder(folder, settings=settings, store=store, jobs=os.cpu_count() or 1,
                             out=io.StringIO(), err=io.StringIO())
        first, cpu = time.perf_counter() - started, cpu_seconds() - cpu
        assert report.added == n and not report.rejected, report.line()
        started = time.perf_counter()
        report = load_folder(folder, settings=settings, store=store, out=io.StringIO(),
                             err=io.StringIO())
        again = time.perf_counter() - started
        assert report.unchanged == n, report.line()
        print(f"  load {n:,} new records: {first:.1f} s = {n / first:,.0f} records/s "
              f"(validate + read + render every format + store, batches of {BATCH_SIZE}); "
              f"{cpu:.0f} CPU s of this process and its workers = {n / cpu:,.0f} records per "
              "CPU second")
        print(f"  load again, nothing changed: {again:.1f} s = {n / again:,.0f} files/s")
        figures.record("load, new records", n / first, "records/s", store=kind, records=n)
        figures.record("load again, nothing changed", n / again, "files/s", store=kind,
                       records=n)
        loaded = harvest_rate(store)
        store.compact()
        compacted = harvest_rate(store)
        print(f"  in-store oai_dc harvest (pages of {PAGE}, medians of 5 walks): right after "
              f"the load {loaded[0]:,.0f} records per CPU second of this process, "
              f"{loaded[1]:,.0f}/s; after 'store compact' {compacted[0]:,.0f} per CPU "
              f"second, {compacted[1]:,.0f}/s ({loaded[0] / compacted[0]:.2f} x and "
              f"{loaded[1] / compacted[1]:.2f} x)")
    finally:
        store.close()
        drop()
    drafts = prepared_drafts(settings, min(n, 2000))
    for label, batch in (("store.put (one transaction each)", 1),
                         (f"store.put_many (batches of {BATCH_SIZE})", BATCH_SIZE)):
        url, drop = fresh(kind, workdir, pg, "put")
        store = open_store(url)
        try:
            started, cpu = time.perf_counter(), cpu_seconds()
            for i in range(0, len(drafts), batch):
                store.put_many(drafts[i:i + batch], actor="bench")
            seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
            print(f"  {label} of {len(drafts):,} prepared records: "
                  f"{len(drafts) / seconds:,.0f} records/s ({cpu / len(drafts) * 1000:.2f} ms "
                  "of client CPU each)")
            figures.record(label.split(" (")[0] + (", one transaction each" if batch == 1
                           else f", batches of {BATCH_SIZE}"), len(drafts) / seconds,
                           "records/s", store=kind, records=n)
        finally:
            store.close()
            drop()


def harvest_rate(store: Store, walks: int = 5) -> tuple[float, float]:
    """Records per CPU second (this process: the database engine runs in it for SQLite) of a
    whole oai_dc list read page by page from the store, the framed fragments a ListRecords
    response concatenates; median of ``walks``. CPU time, since the wall clock of a shared
    machine says more about the neighbours than about the file's layout; and per second of
    wall clock (PostgreSQL works in its own processes)."""
    window = Window("oai_dc", None, None, None, store.current_seq())
    cpu, wall = [], []
    for _ in range(walks):
        started, clock, total, after = time.process_time(), time.perf_counter(), 0, None
        while rows := store.list_framed(window, after, PAGE):
            total += len(rows)
            after = (datetime.fromtimestamp(rows[-1][0], UTC), rows[-1][1])
        cpu.append(total / max(time.process_time() - started, 1e-6))
        wall.append(total / (time.perf_counter() - clock))
    return statistics.median(cpu), statistics.median(wall)


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the load's workers): on a
    shared machine this says more than the wall clock."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def prepared_drafts(settings: Settings, n: int) -> list[RecordDraft]:
    drafts = []
    for rel, data in iter_records(n, 1):
        result = prepare(data, settings=settings, origin=rel)
        assert isinstance(result, Prepared), rel
        drafts.append(result.draft)
    return drafts


# --- the big store ----------------------------------------------------------------------


def big_rows(n: int, payloads: list[bytes]) -> Iterator[tuple]:
    """(identifier, datestamp, deleted, sets, payload) of the big store, in key order."""
    journals = 10
    for i in range(n):
        journal = i % journals
        sets = (f"j{journal}", f"j{journal}:{2000 + i // 100_000}-{i % 4 + 1}", "openaire")
        deleted = i % 100 == 99
        yield (f"bench/{i:07d}", BASE + i // PER_SECOND, deleted, " ".join(sets),
               None if deleted else payloads[i % len(payloads)])


def framed(ident: str, stamp: int, deleted: bool, specs: str, payload: bytes | None) -> tuple:
    """The ``framed_records`` row ``put`` would write: (prefix, fragment, packed)."""
    header = Header(ident, datetime.fromtimestamp(stamp, UTC), deleted, tuple(specs.split()))
    if payload is None:
        return "", *FRAMER.deleted(header)
    return "oai_dc", *(FRAMER.record(header, payload, {}) or (None, None))


def build_sqlite(url: str, n: int, payloads: list[bytes]) -> None:
    store = open_store(url)
    conn = store._conn()  # type: ignore[attr-defined]  # a bench may bulk-insert directly
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("BEGIN")
    rows = big_rows(n, payloads)
    for i, (ident, stamp, deleted, specs, payload) in enumerate(rows, 1):
        conn.execute(
            "INSERT INTO records (identifier, datestamp, deleted, content_hash, source, origin,"
            " summary, set_specs, seq) VALUES (?, ?, ?, ?, NULL, NULL, '{}', ?, ?)",
            (ident, stamp, deleted, ident, specs, i),
        )
        if payload is not None:
            conn.execute(
                "INSERT INTO record_formats (identifier, prefix, payload) VALUES (?, 'oai_dc', ?)",
                (ident, payload),
            )
        conn.executemany(
            "INSERT INTO record_sets (identifier, spec, datestamp) VALUES (?, ?, ?)",
            [(ident, s, stamp) for s in specs.split()],
        )
        prefix, fragment, packed = framed(ident, stamp, deleted, specs, payload)
        conn.execute(
            "INSERT INTO framed_records (prefix, datestamp, identifier, deleted, seq, fragment,"
            " packed) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (prefix, stamp, ident, deleted, i, fragment, packed),
        )
        if i % 100_000 == 0:
            conn.execute("COMMIT")
            conn.execute("BEGIN")
    conn.execute("UPDATE store_state SET seq = ?, last_datestamp = ?", (n, BASE + n // PER_SECOND))
    list_counts.rebuild(conn)
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    store.close()


def build_postgres(url: str, n: int, payloads: list[bytes]) -> None:
    import psycopg

    open_store(url).close()
    with psycopg.connect(url, autocommit=True) as conn:
        with conn.transaction(), conn.cursor() as cur:
            with cur.copy(
                "COPY records (identifier, datestamp, deleted, content_hash, set_specs, seq)"
                " FROM STDIN"
            ) as copy:
                for i, (ident, stamp, deleted, specs, _) in enumerate(big_rows(n, payloads), 1):
                    copy.write_row((ident, stamp, deleted, ident, specs, i))
            with cur.copy(
                "COPY record_formats (identifier, prefix, payload) FROM STDIN"
            ) as copy:
                for ident, _, _, _, payload in big_rows(n, payloads):
                    if payload is not None:
                        copy.write_row((ident, "oai_dc", payload))
            with cur.copy("COPY record_sets (identifier, spec, datestamp) FROM STDIN") as copy:
                for ident, stamp, _, specs, _ in big_rows(n, payloads):
                    for s in specs.split():
                        copy.write_row((ident, s, stamp))
            with cur.copy(
                "COPY framed_records (prefix, datestamp, identifier, deleted, seq, fragment,"
                " packed) FROM STDIN"
            ) as copy:
                for i, row in enumerate(big_rows(n, payloads), 1):
                    prefix, fragment, packed = framed(*row)
                    copy.write_row((prefix, row[1], row[0], row[2], i, fragment, packed))
            cur.execute(
                "UPDATE store_state SET seq = %s, last_datestamp = %s",
                (n, BASE + n // PER_SECOND),
            )
            cur.execute("DELETE FROM list_counts")
            cur.execute(list_counts.REBUILD)
        conn.execute("CLUSTER framed_records USING framed_records_pkey")
        conn.execute("VACUUM ANALYZE")


def key(i: int) -> tuple[datetime, str]:
    return datetime.fromtimestamp(BASE + i // PER_SECOND, UTC), f"bench/{i:07d}"


def bench_big(kind: str, n: int, settings: Settings, workdir: Path, pg: str | None,
              repeat: int) -> None:
    payloads = [d.formats["oai_dc"] for d in prepared_drafts(settings, 200)]
    size = statistics.mean(len(p) for p in payloads)
    url, drop = fresh(kind, workdir, pg, "big")
    try:
        started = time.perf_counter()
        (build_sqlite if kind == "sqlite" else build_postgres)(url, n, payloads)
        print(f"  built a store of {n:,} records (oai_dc payloads of {size / 1024:.1f} KB on "
              f"average, 3 sets each) by bulk insert in {time.perf_counter() - started:.0f} s")
        store: Store = open_store(url)
        try:
            whole = Window("oai_dc", None, None, None, store.current_seq())
            in_set = Window("oai_dc", "j3", None, None, store.current_seq())
            deep = key(n - 1000)
            deep_in_set = key((n - 1000) // 10 * 10 + 3 - 10)
            cases = [
                ("first page", whole, None),
                (f"page at record {n - 1000:,}", whole, deep),
                ("first page of set j3", in_set, None),
                ("deepest pages of set j3", in_set, deep_in_set),
            ]
            for label, window, after in cases:
                rows = store.list_framed(window, after, PAGE)
                assert len(rows) == PAGE or after is not None, label
                ms = median_ms(lambda w=window, a=after: store.list_framed(w, a, PAGE), repeat)
                heads = median_ms(
                    lambda w=window, a=after: store.list_page(w, a, PAGE, False), repeat
                )
                print(f"  {label:<28} {ms:7.2f} ms  ({len(rows)} records; headers only: "
                      f"{heads:.2f} ms)")
            print("  plan of the deep page (headers | records): "
                  + " | ".join(store.explain_page(whole, deep).splitlines()))  # type: ignore[attr-defined]
            bench_page_one(store, kind, n, repeat)
        finally:
            store.close()
    finally:
        drop()


def bench_page_one(store: Store, kind: str, n: int, repeat: int) -> None:
    """Page 1 of a harvest (the page and its completeListSize, from the tallies) against page
    10,000 (a page deep in the list, the size carried in the token), and what counting the
    list row by row, as page 1 did before the tallies, costs in the same store."""
    max_seq = store.current_seq()
    midnight = BASE // list_counts.DAY * list_counts.DAY
    windows = [
        ("whole list", Window("oai_dc", None, None, None, max_seq)),
        ("set j3", Window("oai_dc", "j3", None, None, max_seq)),
        ("from the loading day (a date)", Window(
            "oai_dc", None, datetime.fromtimestamp(midnight, UTC), None, max_seq)),
        ("from a second of a loaded day", Window(
            "oai_dc", None, datetime.fromtimestamp(BASE + n // PER_SECOND // 2, UTC), None,
            max_seq)),
    ]
    deep = key(min(n - PAGE, 9_999 * PAGE))
    for label, window in windows:
        exact = store.scan_count(window)  # type: ignore[attr-defined]
        assert store.count(window) == exact, label
        tally = median_ms(lambda w=window: store.count(w), repeat)
        scan = median_ms(lambda w=window: store.scan_count(w), max(3, repeat // 10))  # type: ignore[attr-defined]
        first = median_ms(
            lambda w=window: (store.list_framed(w, None, PAGE), store.count(w)), repeat
        )
        print(f"  {label:<30} {exact:>9,} records: completeListSize {tally:6.2f} ms "
              f"(counted row by row: {scan:7.1f} ms); page 1 with it {first:6.2f} ms")
        if window.set_spec is None and window.from_ is None:
            figures.record("completeListSize from the tallies", tally, "ms", store=kind,
                           records=n)
            figures.record("completeListSize counted row by row", scan, "ms", store=kind,
                           records=n)
    whole = windows[0][1]
    page = median_ms(lambda: store.list_framed(whole, deep, PAGE), repeat)
    first = median_ms(lambda: (store.list_framed(whole, None, PAGE), store.count(whole)), repeat)
    print(f"  page 1 vs page {min(n - PAGE, 9_999 * PAGE) // PAGE + 1:,} of the whole list: "
          f"{first:.2f} ms vs {page:.2f} ms (ratio {first / page:.2f})")
    figures.record("page 1 with its completeListSize", first, "ms", store=kind, records=n)
    figures.record("page 10,000 (deep page)", page, "ms", store=kind, records=n)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.store", description=__doc__.split(
        "\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000,
                        help="records for the load benchmark (default 100000; 0 skips it)")
    parser.add_argument("--big", type=int, default=1_000_000,
                        help="records in the big store for page latency (default 1000000; "
                        "0 skips it)")
    parser.add_argument("--repeat", type=int, default=50, help="timed runs per page (median)")
    parser.add_argument("--database-url", default=os.environ.get("JATS_OAI_TEST_DATABASE_URL"),
                        help="PostgreSQL to measure too (default $JATS_OAI_TEST_DATABASE_URL)")
    parser.add_argument("--only", choices=("sqlite", "postgres"), help="measure one store")
    args = parser.parse_args(argv)
    workdir = DATA_DIR / "store"
    workdir.mkdir(parents=True, exist_ok=True)
    settings = load_settings(instance_dir=workdir / "instance")
    kinds = ["sqlite"] + (["postgres"] if args.database_url else [])
    if args.only:
        kinds = [args.only]
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
          f"{platform.python_version()}")
    for kind in kinds:
        print(f"{kind}:")
        if args.records:
            bench_load(kind, args.records, settings, workdir, args.database_url)
        if args.big:
            bench_big(kind, args.big, settings, workdir, args.database_url, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
