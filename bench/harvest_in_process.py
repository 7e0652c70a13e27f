"""Full ListRecords harvests in process: the app's own cost per page, without HTTP.

    python -m bench.harvest_in_process [--records 10000] [--repeat 7] [--profile]
        [--database-url postgresql://...]

Serves the collection ``python -m bench.harvest`` built (bench/data, generated and loaded
once) through the WSGI app itself: each request is an environ handed to the app, its body
read whole, resumption tokens followed with a regex, so what is timed is the app (fast
path, rate limiter, token signing, store query, framing, harvest counters) and not a
socket or a client. Prints records per second (median of ``--repeat`` full harvests),
and ``--profile`` adds the functions that take the most time over one harvest (cProfile).
With ``--database-url`` (a PostgreSQL server) the same records are copied into a database
of it, once, and harvested the same way after the SQLite store, in the same run.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import platform
import pstats
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from bench.harvest import (
    compact,
    copy_records,
    fresh_database,
    open_bench_store,
    prepare_collection,
)

_TOKEN = re.compile(rb"<resumptionToken[^>]*>([^<]+)</resumptionToken>")
_RECORD = re.compile(rb"<record[ >]")


def make_app(instance: Path, database_url: str) -> Callable:
    """The app as the server builds it, with the rate limit as high as the HTTP bench's."""
    from app.config import load_settings
    from app.factory import create_app

    settings = load_settings(
        instance_dir=instance,
        database_url=database_url,
        rate_limit_per_minute=10**9,
        oai_page_size=100,
    )
    return create_app(settings).wsgi_app


def request(app: Callable, query: str) -> bytes:
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/oai",
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "5000",
        "HTTP_HOST": "127.0.0.1:5000",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_USER_AGENT": "bench",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
    }
    status: list[str] = []
    body = b"".join(app(environ, lambda s, h, e=None: status.append(s)))
    if not status or not status[0].startswith("200"):
        raise SystemExit(f"{query}: {status}")
    return body


def harvest(app: Callable) -> tuple[int, float]:
    """One full ListRecords oai_dc harvest: (records, seconds)."""
    records = 0
    query = "verb=ListRecords&metadataPrefix=oai_dc"
    started = time.perf_counter()
    while True:
        body = request(app, query)
        records += len(_RECORD.findall(body))
        token = _TOKEN.search(body)
        if token is None:
            break
        query = "verb=ListRecords&resumptionToken=" + quote(token.group(1).decode(), safe="")
    return records, time.perf_counter() - started


def measure(label: str, app: Callable, expected: int, repeat: int, profile: bool) -> float:
    harvest(app)  # warm: compiled queries, pools, caches
    rates = []
    for _ in range(repeat):
        records, seconds = harvest(app)
        if records != expected:
            raise SystemExit(f"{label}: harvested {records} records, not {expected}")
        rates.append(records / seconds)
    runs = ", ".join(f"{r:,.0f}" for r in rates)
    median = statistics.median(rates)
    print(f"  {label:<12} {median:>9,.0f} records/s (median of: {runs})", flush=True)
    if profile:
        profiler = cProfile.Profile()
        profiler.runcall(harvest, app)
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
        print(out.getvalue(), flush=True)
    return median


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=7, help="full harvests per store")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one harvest")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("JATS_OAI_BENCH_DATABASE_URL", ""),
        help="also harvest a PostgreSQL copy (a database is created on this server once)",
    )
    args = parser.parse_args(argv)
    print(
        f"machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}; in process, page size 100, oai_dc",
        flush=True,
    )
    instance, database_url = prepare_collection(args.records, args.seed, args.records)
    compact(instance, database_url)
    found = {"SQLite": measure("SQLite", make_app(instance, database_url), args.records,
                               args.repeat, args.profile)}
    if args.database_url:
        pg_instance = instance.parent / "instance-pg-in-process"
        pg_url = fresh_database(args.database_url, f"jats_oai_in_process_{args.records}") \
            if not (pg_instance / "copied.ok").exists() else \
            args.database_url.rsplit("/", 1)[0] + f"/jats_oai_in_process_{args.records}"
        if not (pg_instance / "copied.ok").exists():
            _, source = open_bench_store(instance, database_url)
            _, target = open_bench_store(pg_instance, pg_url)
            try:
                copy_records(source, target)
            finally:
                source.close()
                target.close()
            compact(pg_instance, pg_url)
            (pg_instance / "copied.ok").write_text("copied\n")
        found["PostgreSQL"] = measure("PostgreSQL", make_app(pg_instance, pg_url),
                                      args.records, args.repeat, args.profile)
        print(f"  PostgreSQL / SQLite: {found['PostgreSQL'] / found['SQLite']:.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
