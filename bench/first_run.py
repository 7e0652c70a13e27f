"""`make run` on a fresh clone without ../shared beside it: how long until Identify answers.

    python -m bench.first_run [--clones 3] [--runs 2]

Clones this repository into a temporary folder (committed files only, nothing beside it),
serves a schema mirror laid out from ../shared/schemas on 127.0.0.1 and runs `make run`
with JATS_OAI_SCHEMA_MIRROR pointing at it: virtualenv, schema fetch, load of records/,
gunicorn. Prints the seconds until Identify answers for each run (the first creates the
virtualenv and downloads the schemas; the later ones reuse both), what each fetched, and
the medians over the clones.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from app.config import REPO_ROOT
from tests.first_run import clone_without_shared, make_run


def main(argv: list[str] | None = None) -> None:
    from tests.schema_mirror import lay_out_mirror, serve_folder
    from tests.server import free_port

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clones", type=int, default=1, help="fresh clones, one after another")
    parser.add_argument("--runs", type=int, default=2, help="`make run`s in each clone")
    args = parser.parse_args(argv)
    seconds: dict[int, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        mirror = lay_out_mirror(REPO_ROOT.parent / "shared" / "schemas", root / "mirror")
        with serve_folder(mirror) as url:
            for c in range(1, args.clones + 1):
                clone = clone_without_shared(root / f"clone-{c}")
                for n in range(1, args.runs + 1):
                    run = make_run(clone, url, free_port(), root / f"run-{c}-{n}.log")
                    seconds.setdefault(n, []).append(run.seconds)
                    fetched = next((line for line in run.output.splitlines()
                                    if "schema files" in line), "")
                    print(f"clone {c}, make run #{n}: Identify answered after "
                          f"{run.seconds:.1f} s; {fetched.split(': ', 1)[-1]}")
    for n, values in seconds.items():
        print(f"make run #{n}: median {statistics.median(values):.1f} s over "
              f"{len(values)} clone(s)")


if __name__ == "__main__":
    main()
