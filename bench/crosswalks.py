"""Crosswalk throughput per metadata format on the real JATS corpus.

    python -m bench.crosswalks [--repeat N] [--profile]

Each file is validated and read once (``read_article``, timed on its own row); then every
registered format renders it N times. Per format: the median over files of the per-file
median render time, the articles per second that median gives, the p95, and the plain
throughput (files / summed medians). ``jats`` validates its own payload while rendering, so
its figure includes that check; a record it declines (``CrosswalkError``) is timed too.
``--profile`` prints where ``read_article`` spends its time on the corpus (cProfile) instead.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import pstats
import statistics
from pathlib import Path

from lxml import etree

from app.config import REPO_ROOT, load_settings
from app.crosswalks.registry import (
    CrosswalkError,
    Document,
    MetadataFormat,
    RenderContext,
    formats,
)
from app.jats.article import read_article
from app.jats.validation import validate_file
from bench.timing import median_ms


def _render(fmt: MetadataFormat, document: Document, context: RenderContext) -> None:
    """A record the format declines costs time too, so it is timed like the others."""
    with contextlib.suppress(CrosswalkError):
        fmt.render(document, context)


def _row(name: str, per_file_ms: list[float], declined: int = 0) -> list[str]:
    median = statistics.median(per_file_ms)
    p95 = statistics.quantiles(per_file_ms, n=20)[-1] if len(per_file_ms) > 1 else median
    total = len(per_file_ms) / (sum(per_file_ms) / 1000)
    return [name, str(len(per_file_ms)), str(declined), f"{median:.2f}", f"{1000 / median:.0f}",
            f"{p95:.2f}", f"{total:.0f}"]


def _profile(roots: list[etree._Element]) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for root in roots:
        read_article(root)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(r"app/jats", 25)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="renders per file and format")
    parser.add_argument("--profile", action="store_true",
                        help="profile read_article over the corpus and print the top functions")
    args = parser.parse_args(argv)
    settings = load_settings()
    corpus = REPO_ROOT.parent / "shared" / "corpus"
    files = sorted((REPO_ROOT / "records").rglob("*.xml")) + sorted(corpus.rglob("*.xml"))

    if args.profile:
        _profile([r.root for r in map(validate_file, files) if r.root is not None])
        return
    documents: list[tuple[Document, RenderContext]] = []
    reading: list[float] = []
    for path in files:
        report = validate_file(path)
        if report.root is None:
            continue
        reading.append(median_ms(lambda r=report.root: read_article(r), args.repeat, warm_up=False))
        article = read_article(report.root)
        name = Path(path).stem
        documents.append((Document(report.root, article), RenderContext(
            oai_identifier=f"oai:bench:{name}",
            landing_url=article.landing_page or f"{settings.public_url}/articles/{name}",
            jats_url=f"{settings.public_url}/jats/{name}",
            public_url=settings.public_url,
            schema_dir=settings.schema_dir,
        )))

    rows = [_row("read_article (shared)", reading)]
    for prefix, fmt in formats().items():
        per_file, declined = [], 0
        for document, context in documents:
            try:
                fmt.render(document, context)  # warm-up, and compiles a derived schema once
            except CrosswalkError:
                declined += 1
            per_file.append(median_ms(lambda d=document, c=context, f=fmt: _render(f, d, c),
                                      args.repeat, warm_up=False))
        rows.append(_row(prefix, per_file, declined))

    header = ["format", "articles", "declined", "median ms", "articles/s (median)", "p95 ms",
              "articles/s (total)"]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    print(f"{len(documents)} articles ({len(files) - len(documents)} unusable files skipped), "
          f"{args.repeat} renders each")
    for row in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
