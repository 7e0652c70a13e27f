"""The benchmarks' big collections: a bulk copy is a store a harvest reads like any other, and
the summary of ``python -m bench`` shows every figure handed to it."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from app.factory import open_store
from app.store import integrity
from app.store.base import RecordDraft, SetInfo, Store, Window
from app.store.sql import from_epoch
from bench import figures
from bench.bulk_copy import bulk_copy
from tests.factories import T0, Clock


def draft(identifier: str, sets: tuple[str, ...]) -> RecordDraft:
    source = f"<article id='{identifier}'/>".encode()
    return RecordDraft(
        identifier=identifier,
        source=source,
        content_hash=hashlib.sha256(source).hexdigest(),
        sets=sets,
        formats={p: f"<{p}>{identifier}</{p}>".encode() for p in ("oai_dc", "jats")},
        summary={"title": identifier},
    )


def framed_ids(store: Store, w: Window) -> list[str]:
    """Every identifier a ListRecords harvest of ``w`` sends, page by page."""
    listed: list[str] = []
    after = None
    while page := store.list_framed(w, after, 4):
        listed += [row[1] for row in page]
        after = (from_epoch(page[-1][0]), page[-1][1])
    return listed


@pytest.mark.parametrize("formats", [None, ("oai_dc",)])
def test_a_bulk_copy_lists_every_copy_in_key_order_with_exact_counts(
    store: Store, clock: Clock, tmp_path: Path, formats: tuple[str, ...] | None
) -> None:
    source = open_store(f"sqlite:///{tmp_path / 'source.sqlite3'}")
    try:
        source.clock = clock  # type: ignore[attr-defined]
        source.put_set(SetInfo("j", "Journal", None))
        for n in range(5):
            clock.now = T0 + n * 40_000
            source.put(draft(f"a/{n}", ("j",) if n % 2 else ()), actor="test")
        source.withdraw("a/3", actor="test")
        assert bulk_copy(source, store, 12, formats=formats) == 12
    finally:
        source.close()
    max_seq = store.current_seq()
    assert max_seq == 12
    whole = Window("oai_dc", None, None, None, max_seq)
    listed = framed_ids(store, whole)
    assert len(listed) == len(set(listed)) == 12
    assert {"a/0", "a/0-copy1", "a/0-copy2", "a/1-copy1"} <= set(listed)
    assert store.count(whole) == 12
    in_set = Window("oai_dc", "j", None, None, max_seq)
    assert store.count(in_set) == store.scan_count(in_set) > 0  # type: ignore[attr-defined]
    jats = Window("jats", None, None, None, max_seq)
    assert store.count(jats) == (12 if formats is None else 2)  # a/3 and a/3-copy1, deleted
    assert store.payload("a/2-copy1", "oai_dc") == b"<oai_dc>a/2-copy1</oai_dc>"
    assert [s.spec for s in store.sets()] == ["j"]
    problems = integrity.check(store)  # type: ignore[arg-type]
    assert problems and all("without its JATS source" in p or "history" in p for p in problems)


def test_the_summary_has_a_row_per_figure_and_a_column_per_store_and_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    handed = tmp_path / "figures.jsonl"
    monkeypatch.setenv(figures.ENV, str(handed))
    figures.record("harvest oai_dc, identity", 51234.4, "records/s", store="sqlite",
                   records=10_000)
    figures.record("harvest oai_dc, identity", 40321.0, "records/s", store="postgres",
                   records=10_000)
    figures.record("page 1 with its completeListSize", 1.234, "ms", store="sqlite",
                   records=1_000_000)
    figures.record("a figure of its own", 3.0, "x", store="yardstick", records=10_000)
    handed.open("a").write('{"what": "half a li')
    lines = figures.table(figures.read(handed))
    assert [h.strip() for h in lines[0].split(" | ")[1:]] == [
        "sqlite 10,000", "sqlite 1,000,000", "postgres 10,000", "yardstick 10,000"
    ]
    rows = {line.split(" | ")[0].strip(): line.split(" | ")[1:] for line in lines[2:-1]}
    assert [v.strip() for v in rows["harvest oai_dc, identity"]] == [
        "51,234 records/s", "-", "40,321 records/s", "-"
    ]
    assert rows["page 1 with its completeListSize"][1].strip() == "1.23 ms"
    assert rows["a figure of its own"][3].strip() == "3.00 x"
    assert lines[-1].startswith("not measured in this run: ") and "gzip" in lines[-1]
    assert json.loads(handed.read_text().splitlines()[0])["store"] == "sqlite"
