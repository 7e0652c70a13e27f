"""Every benchmark in one go, at sizes small enough for a laptop (a few minutes in all).

    python -m bench [NAME ...] [--big | --full] [--list]

Runs each benchmark script as its own process (``python -m bench.NAME``, so each one stays
runnable alone and a failure in one does not stop the others), prints its figures as they
come, then one line per script with its time and outcome, and the summary table of the
performance figures (issue #19: harvest records/s and MB/s beside the yardstick server, load
and rerun rates, page 1 against a deep page), one column per store and collection size, on
a machine named by CPU model, cores and memory. The scripts hand those figures over through
``bench/figures.py``.

The quick run measures the harvest (``bench.harvest``) and the store (``bench.store``) at
10,000 records. ``--big`` measures both at 10,000 and at 1,000,000 records (the million
copied in bulk from the loaded ten thousand by ``bench/bulk_copy.py``, oai_dc only; about
half an hour on a 2-core machine). ``--full`` runs every script at its own default sizes
instead (hours). Not run here: ``bench.corpus_report`` (it writes the corpus figures of
docs/validation.md), ``bench.field_report`` (the field-level report of
docs/crosswalks.md) and the helpers ``bench.generate`` (records from ``tests/generator.py``),
``bench.bulk_copy`` and ``bench.yardstick``. PostgreSQL is measured too when
``JATS_OAI_TEST_DATABASE_URL`` (or ``JATS_OAI_BENCH_DATABASE_URL``) is set, for example under
``scripts/with-test-services``, which starts a throw-away cluster.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench import figures

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Benchmark:
    name: str
    what: str
    small: tuple[str, ...]  # arguments for the quick run; the script's defaults for --full
    big: tuple[str, ...] | None = None  # arguments for --big (else the quick ones)


BENCHMARKS = (
    Benchmark("validate", "parse + validate per article, lxml vs xmlschema",
              ("--repeat", "3", "--xmlschema-repeat", "1")),
    Benchmark("crosswalks", "render time per metadata format on the corpus",
              ("--repeat", "2")),
    Benchmark("jats_format", "jats on the corpus: tag sets, derived XSD vs DTD, costs, harvest",
              ("--repeat", "2")),
    Benchmark("web_pages", "validation page, API and article pages in process",
              ("--repeat", "3")),
    Benchmark("store", "load rate, page 1 with its completeListSize against a deep page",
              ("--records", "1000", "--big", "10000", "--repeat", "10"),
              ("--records", "10000", "--big", "1000000", "--repeat", "20")),
    Benchmark("search", "the pages' search: median and p95 per kind of query, both stores",
              ("--records", "10000", "--base", "1000", "--repeat", "10")),
    Benchmark("page_size", "SQLite page size: put rate against harvest query time",
              ("--records", "2000", "--puts", "100")),
    Benchmark("harvest", "full ListRecords harvests through the real server vs the yardstick",
              ("--records", "10000", "--loaded", "500", "--repeat", "2"),
              ("--records", "10000", "1000000", "--loaded", "10000", "--repeat", "3",
               "--no-sickle")),
    Benchmark("harvest_counters", "what counting one OAI-PMH answer costs its worker",
              ("--rounds", "5")),
    Benchmark("import_oai", "OAI-PMH import from a local OJS-like endpoint, and a rerun",
              ("--records", "2000", "--repeat", "1")),
    Benchmark("first_run", "`make run` on a fresh clone without ../shared until Identify answers",
              ("--clones", "1")),
)


def machine() -> str:
    """The machine the figures belong to: CPU model, cores, memory, Python."""
    model = platform.processor() or platform.machine()
    memory = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f", {int(line.split()[1]) / 1024 / 1024:.1f} GiB RAM"
                break
    except OSError:
        pass
    return (f"{model}, {os.cpu_count()} cores{memory}, {platform.system()} "
            f"{platform.machine()}, Python {platform.python_version()}")


def arguments(bench: Benchmark, size: str) -> tuple[str, ...]:
    if size == "full":
        return ()
    return bench.big if size == "big" and bench.big is not None else bench.small


def environment(figures_file: Path) -> dict[str, str]:
    """The scripts' environment: where to hand figures over, and PostgreSQL for both the
    store and the harvest benchmarks when either variable names one."""
    env = dict(os.environ, **{figures.ENV: str(figures_file)})
    pg = env.get("JATS_OAI_TEST_DATABASE_URL") or env.get("JATS_OAI_BENCH_DATABASE_URL")
    if pg:
        env.setdefault("JATS_OAI_TEST_DATABASE_URL", pg)
        env.setdefault("JATS_OAI_BENCH_DATABASE_URL", pg)
    return env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split(
        "\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="benchmarks: " + ", ".join(b.name for b in BENCHMARKS))
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help="run only these benchmarks (default: all)")
    sizes = parser.add_mutually_exclusive_group()
    sizes.add_argument("--big", action="store_true",
                       help="the harvest and the store at 10,000 and 1,000,000 records")
    sizes.add_argument("--full", action="store_true",
                       help="each script's own default sizes instead of the small ones")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    args = parser.parse_args(argv)
    size = "full" if args.full else "big" if args.big else "small"
    known = {b.name: b for b in BENCHMARKS}
    if args.list:
        for b in BENCHMARKS:
            print(f"{b.name:12} {b.what}\n{'':12} python -m bench.{b.name} "
                  f"{' '.join(arguments(b, size))}")
        return 0
    unknown = [n for n in args.names if n not in known]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(known)}")
    chosen = [known[n] for n in args.names] if args.names else list(BENCHMARKS)

    described = machine()
    print(f"machine: {described}; {size} sizes", flush=True)
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="jats-oai-bench-") as scratch:
        figures_file = Path(scratch) / "figures.jsonl"
        env = environment(figures_file)
        if "JATS_OAI_TEST_DATABASE_URL" not in env:
            print("PostgreSQL: not measured (set JATS_OAI_TEST_DATABASE_URL, or run under "
                  "scripts/with-test-services)", flush=True)
        for bench in chosen:
            command = [sys.executable, "-m", f"bench.{bench.name}", *arguments(bench, size)]
            print(f"\n== {bench.name}: {bench.what}\n$ python -m bench.{bench.name} "
                  f"{' '.join(command[3:])}".rstrip(), flush=True)
            started = time.perf_counter()
            try:
                code = subprocess.run(command, cwd=REPO_ROOT, env=env, check=False).returncode
            except KeyboardInterrupt:
                print(f"\ninterrupted during {bench.name}", file=sys.stderr)
                return 130
            outcomes.append((bench.name, code, time.perf_counter() - started))
        found = figures.read(figures_file)

    print("\n== summary")
    for name, code, seconds in outcomes:
        print(f"{name:12} {'ok' if code == 0 else f'FAILED (exit {code})':18} {seconds:7.1f} s")
    if found:
        print(f"\n== performance figures (issue #19), medians; machine: {described}")
        for line in figures.table(found):
            print(line)
    return 0 if all(code == 0 for _, code, _ in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
