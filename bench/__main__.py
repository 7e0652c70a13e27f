"""Every benchmark in one go, at sizes small enough for a laptop (a few minutes in all).

    python -m bench [NAME ...] [--full] [--list]

Runs each benchmark script as its own process (``python -m bench.NAME``, so each one stays
runnable alone and a failure in one does not stop the others), prints its figures as they
come, then one line per script with its time and outcome. ``--full`` runs them at their own
default sizes instead (tens of minutes to hours: 100,000-record collections, a store of a
million records). Not run here: ``bench.corpus_report`` (it writes the corpus figures of
docs/validation.md), ``bench.field_report`` (the field-level report of
docs/crosswalks.md) and the helpers ``bench.generate`` (records from ``tests/generator.py``)
and ``bench.yardstick``.
PostgreSQL is measured too when ``JATS_OAI_TEST_DATABASE_URL`` (store) or
``JATS_OAI_BENCH_DATABASE_URL`` (harvest) is set, as each script documents.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Benchmark:
    name: str
    what: str
    small: tuple[str, ...]  # arguments for the quick run; the script's defaults for --full


BENCHMARKS = (
    Benchmark("validate", "parse + validate per article, lxml vs xmlschema",
              ("--repeat", "3", "--xmlschema-repeat", "1")),
    Benchmark("crosswalks", "render time per metadata format on the corpus",
              ("--repeat", "2")),
    Benchmark("jats_format", "jats on the corpus: tag sets, derived XSD vs DTD, costs, harvest",
              ("--repeat", "2")),
    Benchmark("web_pages", "validation page, API and article pages in process",
              ("--repeat", "3")),
    Benchmark("store", "load rate and keyset paging deep in a big store",
              ("--records", "300", "--big", "20000", "--repeat", "10")),
    Benchmark("search", "the pages' search: median and p95 per kind of query, both stores",
              ("--records", "10000", "--base", "1000", "--repeat", "10")),
    Benchmark("page_size", "SQLite page size: put rate against harvest query time",
              ("--records", "2000", "--puts", "100")),
    Benchmark("harvest", "full ListRecords harvests through the real server vs the yardstick",
              ("--records", "2000", "--loaded", "500", "--repeat", "2")),
    Benchmark("harvest_counters", "what counting one OAI-PMH answer costs its worker",
              ("--rounds", "5")),
    Benchmark("import_oai", "OAI-PMH import from a local OJS-like endpoint, and a rerun",
              ("--records", "2000", "--repeat", "1")),
    Benchmark("first_run", "`make run` on a fresh clone without ../shared until Identify answers",
              ("--clones", "1")),
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split(
        "\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="benchmarks: " + ", ".join(b.name for b in BENCHMARKS))
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help="run only these benchmarks (default: all)")
    parser.add_argument("--full", action="store_true",
                        help="each script's own default sizes instead of the small ones")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    args = parser.parse_args(argv)
    known = {b.name: b for b in BENCHMARKS}
    if args.list:
        for b in BENCHMARKS:
            print(f"{b.name:12} {b.what}\n{'':12} python -m bench.{b.name} {' '.join(b.small)}")
        return 0
    unknown = [n for n in args.names if n not in known]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(known)}")
    chosen = [known[n] for n in args.names] if args.names else list(BENCHMARKS)

    print(f"machine: {os.cpu_count()} cores, {platform.machine()}, Python "
          f"{platform.python_version()}; {'full' if args.full else 'small'} sizes", flush=True)
    outcomes = []
    for bench in chosen:
        command = [sys.executable, "-m", f"bench.{bench.name}",
                   *(() if args.full else bench.small)]
        print(f"\n== {bench.name}: {bench.what}\n$ python -m bench.{bench.name} "
              f"{' '.join(command[3:])}".rstrip(), flush=True)
        started = time.perf_counter()
        try:
            code = subprocess.run(command, cwd=REPO_ROOT, check=False).returncode
        except KeyboardInterrupt:
            print(f"\ninterrupted during {bench.name}", file=sys.stderr)
            return 130
        outcomes.append((bench.name, code, time.perf_counter() - started))

    print("\n== summary")
    for name, code, seconds in outcomes:
        print(f"{name:12} {'ok' if code == 0 else f'FAILED (exit {code})':18} {seconds:7.1f} s")
    return 0 if all(code == 0 for _, code, _ in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
