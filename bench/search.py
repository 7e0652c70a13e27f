"""The pages' search, timed on both stores over a big generated collection.

    python -m bench.search [--records 100000] [--base 2000] [--repeat 30] [--database-url URL]
                           [--stores sqlite,postgres]

``--base`` generated records (tests/generator.py: Russian and English titles, abstracts,
keywords and references) are read once and their search documents copied under new
identifiers up to ``--records``, indexed through the store in batches; then each kind of
query (one Russian word in another form, one English word, two words, a word with a filter,
a filter alone, a deep page) is run ``--repeat`` times and its median and 95th percentile
printed, facet counts included (a results page runs them all). PostgreSQL is measured when
``--database-url`` or ``JATS_OAI_TEST_DATABASE_URL`` is given, in its own schema.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from app.jats.article import read_article
from app.store import open_store
from app.store.search import SearchQuery, search_document
from bench.store import fresh
from tests.generator import iter_records

BATCH = 1000

QUERIES: dict[str, SearchQuery] = {
    "Russian word, other form (государства)": SearchQuery("государства"),
    "English word (cooperation)": SearchQuery("cooperation"),
    "two words (economic model)": SearchQuery("economic model"),
    "word + series filter": SearchQuery("государство", {"series": "synth-history"}),
    "filter alone (series, year)": SearchQuery("", {"series": "synth-law", "year": "2020"}),
    "word, page 40": SearchQuery("model", page=40),
}


def base_documents(n: int) -> list[tuple[str, dict[str, object]]]:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    found = []
    for name, data in iter_records(n, 1):
        article = read_article(etree.fromstring(data, parser))
        issued = article.issued
        series = name.split("/", 1)[0]
        found.append((name.removesuffix(".xml"), search_document(
            article, series=series, year=issued.year if issued else None,
            access=article.access_right)))
    return found


def documents(base: list[tuple[str, dict[str, object]]], n: int
              ) -> Iterator[tuple[str, dict[str, object]]]:
    for i in range(n):
        identifier, document = base[i % len(base)]
        yield f"{identifier}-{i // len(base)}", document


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def bench(kind: str, url: str, base: list[tuple[str, dict[str, object]]], n: int,
          repeat: int) -> None:
    store = open_store(url)
    try:
        started = time.perf_counter()
        batch: list[tuple[str, dict[str, object]]] = []
        for item in documents(base, n):
            batch.append(item)
            if len(batch) == BATCH:
                store.index_for_search(batch)
                batch = []
        if batch:
            store.index_for_search(batch)
        if kind == "postgres":
            import psycopg

            # as autovacuum does after a bulk load: the planner needs the table's statistics
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute("ANALYZE search_docs")
                conn.execute("ANALYZE search_words")
        took = time.perf_counter() - started
        print(f"{kind}: indexed {n:,} records in {took:.0f} s ({n / took:,.0f} records/s)")
        print(f"  {'query':<42} {'hits':>8} {'median ms':>10} {'p95 ms':>8}")
        for label, query in QUERIES.items():
            total = store.search(query).total
            times = []
            for _ in range(repeat):
                t0 = time.perf_counter()
                store.search(query)
                times.append((time.perf_counter() - t0) * 1000)
            print(f"  {label:<42} {total:>8,} {statistics.median(times):>10.1f}"
                  f" {percentile(times, 0.95):>8.1f}")
    finally:
        store.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--base", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--database-url", default=os.environ.get("JATS_OAI_TEST_DATABASE_URL"))
    parser.add_argument("--stores", default="sqlite,postgres",
                        help="which stores to measure (PostgreSQL only with a database URL)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    base = base_documents(args.base)
    print(f"read {len(base):,} generated articles in {time.perf_counter() - started:.0f} s")
    with tempfile.TemporaryDirectory() as tmp:
        wanted = args.stores.split(",")
        kinds = [k for k in ("sqlite", "postgres")
                 if k in wanted and (k == "sqlite" or args.database_url)]
        for kind in kinds:
            url, drop = fresh(kind, Path(tmp), args.database_url, "search")
            try:
                bench(kind, url, base, args.records, args.repeat)
            finally:
                drop()


if __name__ == "__main__":
    main()
