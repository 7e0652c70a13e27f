"""Write N synthetic, valid JATS records for benchmarks (``tests/generator.py`` makes them).

    python -m bench.generate [N] [--seed S] [--out DIR] [--no-write]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from tests.generator import iter_records, write_records

DEFAULT_DATA_DIR = Path(__file__).resolve().parent / "data"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.generate",
        description="Write N synthetic, valid JATS 1.3 Publishing records for benchmarks, laid "
        "out like records/ (<series>/<year>/<issue>/<id>.xml). The same N and seed give the "
        "same files. Other benchmarks can use tests.generator.iter_records(n, seed) instead, "
        "which yields (path, bytes) without touching the disk.",
    )
    parser.add_argument("n", type=int, nargs="?", default=1000,
                        help="number of records (default 1000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--out", type=Path, default=None,
                        help="target folder (default bench/data/<N>/, ignored by git)")
    parser.add_argument("--no-write", action="store_true",
                        help="only generate in memory and print the rate")
    args = parser.parse_args(argv)
    if args.n < 0:
        parser.error("N must be 0 or more")
    if args.no_write:
        started, cpu_started = time.perf_counter(), time.process_time()
        size = sum(len(data) for _, data in iter_records(args.n, args.seed))
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        print(f"generated {args.n} records, {size / 1e6:.1f} MB, in {seconds:.2f} s: "
              f"{args.n / seconds if seconds else 0:,.0f} records/s "
              f"({args.n / cpu if cpu else 0:,.0f} per CPU second)")
        return 0
    out_dir = args.out or DEFAULT_DATA_DIR / str(args.n)
    size, gen_seconds, total = write_records(args.n, args.seed, out_dir)
    print(f"wrote {args.n} records, {size / 1e6:.1f} MB, to {out_dir} in {total:.2f} s "
          f"(generation {gen_seconds:.2f} s: "
          f"{args.n / gen_seconds if gen_seconds else 0:,.0f} records/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
