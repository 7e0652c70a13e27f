"""Coverage-guided fuzzing (atheris, libFuzzer) of the JATS reader and the validator's
message builder, for a bounded time.

    python -m bench.fuzz [--seconds 60] [--target reader|messages|both]

The reader target parses the input as untrusted XML (the same hardened parser a deposit
goes through) and reads it as an article: anything but the reader's own
:class:`~app.jats.article.ArticleError` is a crash. The messages target feeds the input, as
text, to :func:`~app.jats.messages.describe`, which turns libxml2's messages into plain
words: it must return a (kind, message) pair for any text. Inputs that crash are written to
``tests/data/fuzz/<target>-crash-*``, where ``tests/jats/test_fuzz_regressions.py`` replays every
one on each test run; the seed corpus is the repository's own records and test files.
Prints the executions per second and the coverage reached, as libFuzzer reports them.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.fuzz_targets import TARGETS, schema_dir

REPO_ROOT = Path(__file__).resolve().parent.parent
CRASH_DIR = REPO_ROOT / "tests" / "data" / "fuzz"
#: libxml2 message shapes, so the message target starts from the texts it really gets.
SEED_MESSAGES = (
    "Element article-meta content does not follow the DTD, expecting (article-id* , "
    "title-group), got (title-group contrib-group )",
    "No declaration for element shelf-mark",
    "No declaration for attribute foo of element article",
    "Element '{http://www.w3.org/1999/xlink}href': This element is not expected.",
    "Value \"x\" for attribute pub-id-type of article-id is not among the enumerated set",
    "Opening and ending tag mismatch: title line 3 and article-title",
)


def _seed_corpus(target: str, folder: Path) -> None:
    if target == "reader":
        sources = [*sorted((REPO_ROOT / "records").rglob("*.xml"))[:20],
                   *sorted((REPO_ROOT / "tests" / "data").glob("*.xml"))]
        for number, path in enumerate(sources):
            (folder / f"seed-{number}").write_bytes(path.read_bytes())
    else:
        for number, text in enumerate(SEED_MESSAGES):
            (folder / f"seed-{number}").write_text(text, encoding="utf-8")


def fuzz_child(target: str, seconds: int, corpus: Path) -> None:
    """Runs inside the child: instrument the app's modules, then hand over to libFuzzer."""
    import atheris

    with atheris.instrument_imports(include=["app"]):
        import app.jats.article  # noqa: F401
        import app.jats.messages  # noqa: F401
        import app.jats.parsing  # noqa: F401
    run = TARGETS[target]
    schema_dir()
    atheris.Setup(
        [sys.argv[0], f"-max_total_time={seconds}", f"-artifact_prefix={CRASH_DIR}/{target}-",
         "-rss_limit_mb=1024", "-max_len=65536", "-print_final_stats=1", str(corpus)],
        run,
    )
    atheris.Fuzz()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fuzz", description=__doc__.split(
        "\n\n")[0])
    parser.add_argument("--seconds", type=int, default=60, help="per target (default 60)")
    parser.add_argument("--target", choices=[*TARGETS, "both"], default="both")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        fuzz_child(args.child, args.seconds, args.corpus)
        return 0
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
          f"{platform.python_version()}, {platform.platform()}")
    CRASH_DIR.mkdir(parents=True, exist_ok=True)
    failed = 0
    for target in (TARGETS if args.target == "both" else [args.target]):
        with tempfile.TemporaryDirectory() as tmp:
            corpus = Path(tmp)
            _seed_corpus(target, corpus)
            before = set(CRASH_DIR.glob(f"{target}-*"))
            done = subprocess.run(
                [sys.executable, "-m", "bench.fuzz", "--child", target, "--seconds",
                 str(args.seconds), "--corpus", str(corpus)],
                cwd=REPO_ROOT, capture_output=True, text=True,
            )
            found = sorted(set(CRASH_DIR.glob(f"{target}-*")) - before)
        log = done.stdout + done.stderr
        runs = re.findall(r"stat::number_of_executed_units:\s*(\d+)", log)
        speed = re.findall(r"stat::average_exec_per_sec:\s*(\d+)", log)
        cov = re.findall(r"cov: (\d+) ft: (\d+)", log)
        print(f"{target}: {args.seconds} s, {runs[-1] if runs else '?'} inputs, "
              f"{speed[-1] if speed else '?'} inputs/s, coverage "
              f"{cov[-1][0] if cov else '?'} edges / {cov[-1][1] if cov else '?'} features, "
              f"{len(found)} crashes" + (f" kept in {found[0].parent}" if found else ""))
        if found or (done.returncode != 0 and not runs):
            failed += 1
            print(log[-3000:])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
