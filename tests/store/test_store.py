"""The store contract, checked on every store (SQLite always, PostgreSQL when configured).

What OAI-PMH needs of it (protocol sections cited): datestamps of second granularity that
change exactly when a record changes (2.7.1, 3.3.1), persistent deletions that stay in their
sets (2.5.1), selective harvesting by set and date (3.3), and paging that neither skips nor
repeats while the collection changes (3.5).
"""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.factory import open_store
from app.store import migrate
from app.store.base import RecordDraft, SetInfo, Store, StoreBusy, Window
from app.store.postgres import PostgresStore
from tests.factories import T0, Clock


def draft(
    identifier: str,
    body: str = "v1",
    sets: tuple[str, ...] = ("j", "j:2023-1"),
    formats: tuple[str, ...] = ("oai_dc", "jats"),
    origin: str | None = None,
) -> RecordDraft:
    source = f"<article id='{identifier}'>{body}</article>".encode()
    return RecordDraft(
        identifier=identifier,
        source=source,
        content_hash=f"hash-{identifier}-{body}",
        sets=sets,
        formats={p: f"<{p} id='{identifier}'>{body}</{p}>".encode() for p in formats},
        summary={"title": f"Title {identifier} {body}", "authors": ["Ann Author"]},
        origin=origin,
    )


def at(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def window(store: Store, prefix: str | None = "oai_dc", **kw: object) -> Window:
    return Window(
        prefix=prefix,
        set_spec=kw.get("set_spec"),  # type: ignore[arg-type]
        from_=kw.get("from_"),  # type: ignore[arg-type]
        until=kw.get("until"),  # type: ignore[arg-type]
        max_seq=kw.get("max_seq", store.current_seq()),  # type: ignore[arg-type]
    )


def harvest(store: Store, w: Window, page: int = 2) -> Iterator[str]:
    after = None
    while True:
        rows = store.list_page(w, after, page, True)
        yield from (h.identifier for h, _ in rows)
        if len(rows) < page:
            return
        last = rows[-1][0]
        after = (last.datestamp, last.identifier)


# --- records ------------------------------------------------------------------------------


def test_put_stores_everything_a_record_holds(store: Store, clock: Clock) -> None:
    d = draft("j/1", origin="/folder/j/1.xml")
    result = store.put(d, actor="loader")
    assert result.changed
    header = store.header("j/1")
    assert header == result.header
    assert header.datestamp == at(T0) and header.datestamp.tzinfo is not None
    assert header.datestamp.microsecond == 0
    assert not header.deleted and header.sets == ("j", "j:2023-1")
    assert store.source("j/1") == d.source
    assert store.content_hash("j/1") == d.content_hash
    assert store.payload("j/1", "oai_dc") == d.formats["oai_dc"]
    assert store.payload("j/1", "marcxml") is None
    assert store.formats_of("j/1") == ("jats", "oai_dc")
    assert store.summary("j/1") == d.summary
    assert [c.action for c in store.history("j/1")] == ["add"]
    assert store.history("j/1")[0].actor == "loader"
    assert store.header("nope") is None and store.source("nope") is None


def test_datestamps_are_whole_utc_seconds(store: Store, clock: Clock) -> None:
    """Section 3.3.1: second granularity; a fraction of a second never reaches a header."""
    clock.now = T0 + 0.987
    store.put(draft("j/1"), actor="t")
    assert store.header("j/1").datestamp == at(T0)


def test_identical_content_changes_nothing(store: Store, clock: Clock) -> None:
    store.put(draft("j/1"), actor="t")
    seq = store.current_seq()
    clock.now += 100
    again = store.put(draft("j/1"), actor="t")
    assert not again.changed
    assert again.header.datestamp == at(T0)
    assert store.current_seq() == seq
    assert len(store.history("j/1")) == 1


def test_new_content_gets_a_new_datestamp_and_keeps_the_old_source(
    store: Store, clock: Clock
) -> None:
    first = draft("j/1", "v1")
    store.put(first, actor="t")
    seq = store.current_seq()
    clock.now += 60
    result = store.put(draft("j/1", "v2"), actor="editor")
    assert result.changed and result.header.datestamp == at(T0 + 60)
    assert store.current_seq() == seq + 1
    assert store.source("j/1") == draft("j/1", "v2").source
    assert store.old_source("j/1", first.content_hash) == first.source
    assert store.payload("j/1", "oai_dc") == draft("j/1", "v2").formats["oai_dc"]
    assert [(c.action, c.actor) for c in store.history("j/1")] == [
        ("add", "t"), ("update", "editor"),
    ]


def test_a_change_of_set_membership_alone_changes_the_datestamp(
    store: Store, clock: Clock
) -> None:
    store.put(draft("j/1", sets=("j",)), actor="t")
    clock.now += 5
    result = store.put(draft("j/1", sets=("j", "openaire")), actor="t")
    assert result.changed and result.header.datestamp == at(T0 + 5)
    assert store.header("j/1").sets == ("j", "openaire")


def rendered(d: RecordDraft, **formats: bytes) -> RecordDraft:
    """The same source and sets, rendered again (a fixed crosswalk, a new public_url)."""
    return replace(d, formats={**d.formats, **formats})


def framed(store: Store, identifier: str, prefix: str = "oai_dc") -> list[tuple[int, bytes]]:
    rows = store.list_framed(window(store, prefix), None, 100)
    return [(stamp, bytes(f)) for stamp, ident, _, f, _ in rows if ident == identifier]


def test_a_new_rendering_of_the_same_source_gets_a_new_datestamp(
    store: Store, clock: Clock
) -> None:
    """Section 2.7.1: the datestamp is that of the last change of the metadata harvesters get;
    a corrected payload is such a change even when the JATS source is the same."""
    d = draft("j/1")
    store.put(d, actor="t")
    seq = store.current_seq()
    clock.now += 60
    fixed = rendered(d, oai_dc=b"<oai_dc id='j/1'>corrected</oai_dc>")
    result = store.put(fixed, actor="records load")
    assert result.changed and result.header.datestamp == at(T0 + 60)
    assert store.current_seq() == seq + 1
    assert store.payload("j/1", "oai_dc") == b"<oai_dc id='j/1'>corrected</oai_dc>"
    assert store.payload("j/1", "jats") == d.formats["jats"]
    ((stamp, fragment),) = framed(store, "j/1")
    assert stamp == T0 + 60 and b"corrected" in fragment and b"v1</oai_dc>" not in fragment
    assert store.source("j/1") == d.source and store.content_hash("j/1") == d.content_hash
    assert [c.action for c in store.history("j/1")] == ["add", "rerender"]
    since = window(store, from_=at(T0 + 60))
    assert list(harvest(store, since)) == ["j/1"]
    clock.now += 60
    again = store.put(fixed, actor="records load")
    assert not again.changed and again.header.datestamp == at(T0 + 60)
    assert store.current_seq() == seq + 1


def test_a_format_gained_or_lost_is_a_change(store: Store, clock: Clock) -> None:
    d = draft("j/1", formats=("oai_dc", "jats"))
    store.put(d, actor="t")
    clock.now += 10
    fewer = replace(d, formats={"oai_dc": d.formats["oai_dc"]})
    assert store.put(fewer, actor="t").changed
    assert store.formats_of("j/1") == ("oai_dc",) and framed(store, "j/1", "jats") == []
    clock.now += 10
    more = rendered(d, marcxml=b"<record>j/1</record>")
    result = store.put(more, actor="t")
    assert result.changed and result.header.datestamp == at(T0 + 20)
    assert store.formats_of("j/1") == ("jats", "marcxml", "oai_dc")
    assert [s for s, _ in framed(store, "j/1", "marcxml")] == [T0 + 20]


def test_an_identical_put_writes_nothing(store: Store, clock: Clock) -> None:
    d = draft("j/1")
    store.put(d, actor="t")
    before = (store.current_seq(), framed(store, "j/1"), store.history("j/1"))
    clock.now += 100
    assert not store.put(replace(d, formats=dict(d.formats)), actor="t").changed
    assert (store.current_seq(), framed(store, "j/1"), store.history("j/1")) == before


def test_a_record_stored_before_formats_were_fingerprinted_is_rendered_again(
    store: Store, clock: Clock
) -> None:
    """Rows from before migration 0003 have no digest: unknown, so the next put is a change."""
    d = draft("j/1")
    store.put(d, actor="t")
    with store._writer() as db:  # type: ignore[attr-defined]
        db.execute("UPDATE records SET formats_digest = NULL WHERE identifier = ?", ("j/1",))
    clock.now += 30
    result = store.put(d, actor="records load")
    assert result.changed and result.header.datestamp == at(T0 + 30)
    assert not store.put(d, actor="records load").changed


def test_a_new_summary_alone_is_stored_without_a_new_datestamp(
    store: Store, clock: Clock
) -> None:
    """The summary feeds the pages only; harvesters see no change, so the datestamp stays."""
    d = draft("j/1")
    store.put(d, actor="t")
    seq = store.current_seq()
    clock.now += 30
    result = store.put(replace(d, summary={**d.summary, "title": "Renamed"}), actor="t")
    assert not result.changed and store.current_seq() == seq
    assert store.summary("j/1")["title"] == "Renamed"  # type: ignore[index]
    assert store.header("j/1").datestamp == at(T0)


def test_removed_formats_disappear_with_the_new_version(store: Store, clock: Clock) -> None:
    store.put(draft("j/1", "v1", formats=("oai_dc", "jats")), actor="t")
    store.put(draft("j/1", "v2", formats=("oai_dc",)), actor="t")
    assert store.formats_of("j/1") == ("oai_dc",)
    assert store.payload("j/1", "jats") is None


def test_datestamps_never_go_back_even_when_the_clock_does(store: Store, clock: Clock) -> None:
    store.put(draft("j/1"), actor="t")
    clock.now = T0 - 3600
    store.put(draft("j/2"), actor="t")
    assert store.header("j/2").datestamp == at(T0)


def test_moving_the_file_updates_the_origin_without_a_new_datestamp(
    store: Store, clock: Clock
) -> None:
    store.put(draft("j/1", origin="/a/1.xml"), actor="t")
    seq = store.current_seq()
    clock.now += 10
    result = store.put(draft("j/1", origin="/b/1.xml"), actor="t")
    assert not result.changed and store.current_seq() == seq
    assert store.header("j/1").datestamp == at(T0)
    assert list(store.iter_identifiers("/b/")) == [("j/1", "/b/1.xml")]
    assert list(store.iter_identifiers("/a/")) == []


# --- deletions (section 2.5.1: persistent) ------------------------------------------------


def test_withdrawn_record_stays_as_a_header_in_its_sets(store: Store, clock: Clock) -> None:
    d = draft("j/1")
    store.put(d, actor="t")
    clock.now += 30
    header = store.withdraw("j/1", actor="editor")
    assert header is not None and header.deleted
    assert header.datestamp == at(T0 + 30) and header.sets == ("j", "j:2023-1")
    assert store.payload("j/1", "oai_dc") is None and store.formats_of("j/1") == ()
    assert store.source("j/1") is None and store.content_hash("j/1") is None
    assert store.old_source("j/1", d.content_hash) == d.source
    for prefix in ("oai_dc", "jats", "marcxml"):
        for spec in (None, "j", "j:2023-1"):
            rows = store.list_page(window(store, prefix, set_spec=spec), None, 10, True)
            assert [(h.identifier, h.deleted, p) for h, p in rows] == [("j/1", True, None)]
    assert store.records_in_set("j") == []
    assert list(store.iter_identifiers()) == []
    assert [c.action for c in store.history("j/1")] == ["add", "withdraw"]


def test_withdrawing_twice_or_an_unknown_record(store: Store, clock: Clock) -> None:
    store.put(draft("j/1"), actor="t")
    first = store.withdraw("j/1", actor="t")
    seq = store.current_seq()
    clock.now += 10
    assert store.withdraw("j/1", actor="t") == first
    assert store.current_seq() == seq
    assert store.withdraw("j/404", actor="t") is None


def test_putting_a_withdrawn_record_again_revives_it(store: Store, clock: Clock) -> None:
    d = draft("j/1")
    store.put(d, actor="t")
    clock.now += 10
    store.withdraw("j/1", actor="t")
    clock.now += 10
    result = store.put(d, actor="t")
    assert result.changed and not result.header.deleted
    assert result.header.datestamp == at(T0 + 20)
    assert store.source("j/1") == d.source
    rows = store.list_page(window(store), None, 10, True)
    assert [(h.identifier, h.deleted) for h, _ in rows] == [("j/1", False)]
    assert [c.action for c in store.history("j/1")] == ["add", "withdraw", "revive"]


# --- harvesting (section 3.3 selective harvesting, 3.5 flow control) ----------------------


def test_pages_follow_datestamp_then_identifier(store: Store, clock: Clock) -> None:
    for n, ident in enumerate(["j/c", "j/a", "j/b", "j/e", "j/d"]):
        clock.now = T0 + (n // 2)
        store.put(draft(ident), actor="t")
    w = window(store)
    assert list(harvest(store, w)) == ["j/a", "j/c", "j/b", "j/e", "j/d"]
    assert store.count(w) == 5
    page = store.list_page(w, (at(T0), "j/c"), 2, True)
    assert [h.identifier for h, _ in page] == ["j/b", "j/e"]
    assert page[0][1] == draft("j/b").formats["oai_dc"]
    assert all(p is None for _, p in store.list_page(w, None, 5, False))


def test_from_and_until_are_inclusive_to_the_second(store: Store, clock: Clock) -> None:
    for n in range(5):
        clock.now = T0 + n
        store.put(draft(f"j/{n}"), actor="t")
    w = window(store, from_=at(T0 + 1), until=at(T0 + 3))
    assert list(harvest(store, w)) == ["j/1", "j/2", "j/3"]
    assert store.count(w) == 3
    assert store.count(window(store, from_=at(T0 + 5))) == 0


def test_a_set_selects_exactly_its_members(store: Store, clock: Clock) -> None:
    store.put(draft("j/1", sets=("j", "j:2023-1")), actor="t")
    store.put(draft("j/2", sets=("j", "j:2023-2")), actor="t")
    store.put(draft("k/1", sets=("k", "k:2020-1")), actor="t")
    assert list(harvest(store, window(store, set_spec="j"))) == ["j/1", "j/2"]
    assert list(harvest(store, window(store, set_spec="j:2023-2"))) == ["j/2"]
    assert list(harvest(store, window(store, set_spec="k:2020-1"))) == ["k/1"]
    assert store.count(window(store, set_spec="j")) == 2
    assert list(harvest(store, window(store, set_spec="none"))) == []


def test_live_records_are_listed_only_in_formats_they_have(store: Store, clock: Clock) -> None:
    store.put(draft("j/1", formats=("oai_dc", "jats")), actor="t")
    store.put(draft("j/2", formats=("oai_dc",)), actor="t")
    assert list(harvest(store, window(store, "jats"))) == ["j/1"]
    assert store.count(window(store, "jats")) == 1
    assert store.count(window(store, None)) == 2


def test_a_harvest_neither_skips_nor_repeats_while_records_change(
    store: Store, clock: Clock
) -> None:
    """Section 3.5: the window's max_seq hides changes made after the harvest began."""
    for n in range(10):
        clock.now = T0 + n
        store.put(draft(f"j/{n:02d}"), actor="t")
    w = window(store)
    first = store.list_page(w, None, 3, True)
    clock.now = T0 + 100
    store.put(draft("j/00", "v2"), actor="t")  # already harvested: must not come again
    store.put(draft("j/05", "v2"), actor="t")  # not yet harvested, now outside the window
    store.withdraw("j/07", actor="t")
    store.put(draft("j/99"), actor="t")  # new
    last = first[-1][0]
    rest: list[str] = []
    after = (last.datestamp, last.identifier)
    while True:
        rows = store.list_page(w, after, 3, True)
        rest += [h.identifier for h, _ in rows]
        if len(rows) < 3:
            break
        after = (rows[-1][0].datestamp, rows[-1][0].identifier)
    seen = [h.identifier for h, _ in first] + rest
    assert len(seen) == len(set(seen))
    assert seen == ["j/00", "j/01", "j/02", "j/03", "j/04", "j/06", "j/08", "j/09"]
    # The next incremental harvest (from = this harvest's start) picks up every change.
    later = list(harvest(store, window(store, from_=at(T0 + 100))))
    assert later == ["j/00", "j/05", "j/07", "j/99"]


def framed_ids(store: Store, w: Window) -> list[tuple[str, bool]]:
    return [(ident, bool(deleted)) for _, ident, deleted, _, _ in store.list_framed(w, None, 100)]


def test_a_deletion_after_a_harvest_without_any_shows_in_the_next_one(
    store: Store, clock: Clock
) -> None:
    """Section 2.5.1: a store with no deleted record skips their (empty) range; a record
    withdrawn later must still come as a deleted header in the next harvest."""
    store.put(draft("j/1"), actor="t")
    store.put(draft("j/2"), actor="t")
    before = window(store)
    assert framed_ids(store, before) == [("j/1", False), ("j/2", False)]
    clock.now = T0 + 10
    store.withdraw("j/1", actor="t")
    assert framed_ids(store, before) == [("j/2", False)]  # the old window: not yet deleted
    assert framed_ids(store, window(store)) == [("j/2", False), ("j/1", True)]
    clock.now = T0 + 20
    store.put(draft("j/1", "v2"), actor="t")  # revived: no deleted record any more
    assert framed_ids(store, window(store)) == [("j/2", False), ("j/1", False)]
    clock.now = T0 + 30
    store.withdraw("j/2", actor="t")
    assert framed_ids(store, window(store)) == [("j/1", False), ("j/2", True)]


def test_framed_pages_interleave_deleted_and_live_records_in_key_order(
    store: Store, clock: Clock
) -> None:
    """Section 3.5: small ListRecords pages over a list where deleted records fall inside
    pages, on their edges and after the last live one; nothing skipped, nothing repeated,
    the same order as the headers (read from another table)."""
    events = [("put", 0), ("put", 1), ("withdraw", 0), ("put", 3), ("put", 4),
              ("withdraw", 1), ("withdraw", 3), ("put", 7), ("put", 8), ("withdraw", 4),
              ("put", 10), ("put", 11), ("withdraw", 11)]  # fmt: skip
    for second, (action, n) in enumerate(events):
        clock.now = T0 + second
        if action == "put":
            store.put(draft(f"j/{n:02d}"), actor="t")
        else:
            store.withdraw(f"j/{n:02d}", actor="t")
    w = window(store)
    expected = [(h.identifier, h.deleted) for h, _ in store.list_page(w, None, 100, False)]
    assert [d for _, d in expected] == [True, True, True, False, False, True, False, True]
    for size in (1, 2, 3, 4, 5, 100):
        seen: list[tuple[str, bool]] = []
        after = None
        while True:
            rows = store.list_framed(w, after, size)
            seen += [(ident, bool(deleted)) for _, ident, deleted, _, _ in rows]
            if len(rows) < size:
                break
            after = (at(rows[-1][0]), rows[-1][1])
        assert seen == expected, size


def test_compacting_keeps_every_record_and_every_harvest_byte(
    store: Store, clock: Clock
) -> None:
    for n in range(30):
        clock.now = T0 + n
        store.put(draft(f"j/{n:02d}", body="x" * 5000), actor="t")
    store.withdraw("j/03", actor="t")
    w = window(store)
    before = store.list_framed(w, None, 100)
    sizes = store.compact()
    assert sizes["bytes_before"] > 0 and sizes["bytes_after"] > 0
    assert store.list_framed(w, None, 100) == before
    assert store.source("j/04") == draft("j/04", body="x" * 5000).source
    store.put(draft("j/99"), actor="t")  # still writable
    assert store.header("j/99") is not None


def test_a_new_sqlite_store_has_large_pages_and_compact_converts_an_old_one(
    tmp_path: Path,
) -> None:
    """64 KiB pages: a harvest page is a few page reads instead of hundreds."""
    fresh = open_store(f"sqlite:///{tmp_path / 'new.sqlite3'}")
    fresh.close()
    with sqlite3.connect(tmp_path / "new.sqlite3") as conn:
        assert conn.execute("PRAGMA page_size").fetchone()[0] == 65536  # before any compact
    old_path = tmp_path / "old.sqlite3"
    with sqlite3.connect(old_path) as conn:
        conn.execute("PRAGMA page_size = 4096")
        conn.execute("CREATE TABLE before_the_store (x)")
    old = open_store(f"sqlite:///{old_path}")
    old.put(draft("j/1"), actor="t")
    sizes = old.compact()
    assert (sizes["page_size_before"], sizes["page_size_after"]) == (4096, 65536)  # type: ignore[index]
    assert old.header("j/1") is not None
    old.close()
    with sqlite3.connect(old_path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_compacting_an_sqlite_store_in_use_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "busy.sqlite3"
    store = open_store(f"sqlite:///{path}")
    store.put(draft("j/1"), actor="t")
    other = sqlite3.connect(path)  # a server's open connection
    other.execute("SELECT COUNT(*) FROM records").fetchone()
    try:
        with pytest.raises(StoreBusy):
            store.compact()
    finally:
        other.close()
    assert store.header("j/1") is not None
    store.close()


def test_a_harvest_starting_during_a_write_waits_for_it(store: Store, clock: Clock) -> None:
    """Section 3.5: a write whose datestamp is chosen but not yet committed when a harvest
    starts must fall inside that harvest; otherwise its datestamp (earlier than the harvest's
    responseDate) would keep it out of the next incremental harvest too."""
    store.put(draft("j/00"), actor="t")
    writing, release = threading.Event(), threading.Event()
    seen: list[int] = []

    def slow_writer() -> None:
        with store._writer() as db:  # type: ignore[attr-defined]
            store._next_change(db)  # type: ignore[attr-defined]
            writing.set()
            release.wait(10)

    def harvester() -> None:
        seen.append(store.current_seq())

    writer = threading.Thread(target=slow_writer)
    writer.start()
    assert writing.wait(10)
    reader = threading.Thread(target=harvester)
    reader.start()
    reader.join(0.5)
    assert reader.is_alive(), "the harvest read its window while a write was in flight"
    release.set()
    writer.join(10)
    reader.join(10)
    assert seen == [2]


def test_earliest_datestamp_counts_deleted_records(store: Store, clock: Clock) -> None:
    assert store.earliest_datestamp() is None
    store.put(draft("j/1"), actor="t")
    clock.now += 50
    store.put(draft("j/2"), actor="t")
    store.withdraw("j/2", actor="t")
    assert store.earliest_datestamp() == at(T0)


def test_sets_have_names_and_descriptions(store: Store) -> None:
    assert store.sets() == [] and not store.set_exists("j")
    store.put_set(SetInfo("j", "Journal", "Articles of Journal."))
    store.put_set(SetInfo("j:2023-1", "Journal, 2023, no. 1"))
    store.put_set(SetInfo("j", "Journal (renamed)", "Articles."))
    assert store.sets() == [
        SetInfo("j", "Journal (renamed)", "Articles."),
        SetInfo("j:2023-1", "Journal, 2023, no. 1", None),
    ]
    assert store.set_exists("j:2023-1") and not store.set_exists("k")


def test_records_in_set_gives_live_records_with_summaries(store: Store, clock: Clock) -> None:
    store.put(draft("j/1"), actor="t")
    store.put(draft("j/2"), actor="t")
    store.withdraw("j/2", actor="t")
    rows = store.records_in_set("j:2023-1")
    assert [(h.identifier, s["title"]) for h, s in rows] == [("j/1", "Title j/1 v1")]


def test_iter_loaded_filters_by_folder(store: Store) -> None:
    store.put(draft("j/1", origin="/r/a/1.xml"), actor="t")
    store.put(draft("j/2", origin="/r/b/2.xml"), actor="t")
    store.put(draft("j/3", origin="deposit"), actor="t")
    assert [i for i, _, _ in store.iter_loaded("/r/a/")] == ["j/1"]
    assert [i for i, _, _ in store.iter_loaded("/r/")] == ["j/1", "j/2"]
    assert len(list(store.iter_identifiers())) == 3
    assert list(store.iter_loaded("/r/a/"))[0][2] == draft("j/1").content_hash


def test_paging_is_an_index_range(store: Store, clock: Clock) -> None:
    """Keyset pages are index lookups whatever their depth (no scan, no sort): the headers
    from the covering index of records, a ListRecords page from the framed records' key."""
    store.put(draft("j/1"), actor="t")
    kw = {"small_table_plan": False} if store.dialect == "postgres" else {}  # type: ignore[attr-defined]
    framed = "framed_records_pkey" if store.dialect == "postgres" else "PRIMARY KEY"  # type: ignore[attr-defined]
    for spec, indexes in (
        (None, ("records_harvest", framed)),
        ("j", ("record_sets_by_datestamp",)),
    ):
        w = window(store, set_spec=spec)
        plan = store.explain_page(w, (at(T0), "j/0"), **kw)  # type: ignore[attr-defined]
        assert all(index in plan for index in indexes), plan
        assert "TEMP B-TREE" not in plan and "SCAN r" not in plan and "SCAN f" not in plan, plan
        assert "Sort" not in plan and "Seq Scan on records" not in plan, plan
        assert "Seq Scan on framed_records" not in plan, plan


# --- editors ------------------------------------------------------------------------------


def test_users_and_tokens(store: Store) -> None:
    assert store.user("ann") is None
    store.add_user("ann", "hash1")
    user = store.user("ann")
    assert user is not None and user.password_hash == "hash1" and user.created.tzinfo
    store.add_token("ann", "tokhash")
    assert store.user_for_token("tokhash") == "ann"
    assert store.user_for_token("other") is None


# --- concurrency --------------------------------------------------------------------------


def test_concurrent_writers_get_distinct_consecutive_sequence_numbers(store: Store) -> None:
    errors: list[BaseException] = []

    def work(k: int) -> None:
        try:
            for n in range(10):
                store.put(draft(f"t{k}/{n}"), actor=f"thread{k}")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert store.current_seq() == 40
    assert store.count(window(store)) == 40


def _open_and_put(url: str, n: int) -> None:
    s = open_store(url)
    s.put(draft(f"p/{n}"), actor="process")
    s.close()


def test_several_processes_open_a_fresh_store_at_once(store_url: str) -> None:
    """Like gunicorn workers starting together: migrations run once, nobody fails."""
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_open_and_put, args=(store_url, n)) for n in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0, 0]
    s = open_store(store_url)
    try:
        assert s.current_seq() == 3
        assert sorted(i for i, _ in s.iter_identifiers()) == ["p/0", "p/1", "p/2"]
    finally:
        s.close()


# --- migrations ---------------------------------------------------------------------------


def test_migrations_apply_once_in_order(store_url: str) -> None:
    first = open_store(store_url, migrate=False)
    try:
        applied = first.migrate()  # type: ignore[attr-defined]
        assert applied == [m.version for m in migrate.migrations(first.dialect)]  # type: ignore[attr-defined]
        assert applied[0] == 1
        assert first.migrate() == []  # type: ignore[attr-defined]
    finally:
        first.close()


def test_records_from_before_0003_are_changed_on_their_next_put(
    store_url: str, tmp_path: Path
) -> None:
    """Migration 0003 adds the formats digest; existing rows get NULL ("unknown"), so the next
    put of the same record (``records load --full`` after an upgrade) renders it again."""
    old = tmp_path / "migrations-0002"
    old.mkdir()
    for dialect in ("sqlite", "postgres"):
        for m in migrate.migrations(dialect)[:2]:
            (old / f"{m.version:04d}_{m.name}.{dialect}.sql").write_text(m.sql)
    s = open_store(store_url, migrate=False)
    try:
        assert s.migrate(old) == [1, 2]  # type: ignore[attr-defined]
        clock = Clock()
        s.clock = clock  # type: ignore[attr-defined]
        with s._writer() as db:  # type: ignore[attr-defined]
            db.execute(
                "INSERT INTO records (identifier, datestamp, content_hash, source, set_specs, seq)"
                " VALUES ('j/1', ?, 'hash-j/1-v1', ?, 'j j:2023-1', 1)",
                (T0, draft("j/1").source),
            )
            db.execute("UPDATE store_state SET seq = 1, last_datestamp = ?", (T0,))
        assert s.migrate()[:1] == [3]  # type: ignore[attr-defined]
        assert s._value(  # type: ignore[attr-defined]
            "SELECT formats_digest FROM records WHERE identifier = 'j/1'", ()
        ) is None
        clock.now += 60
        result = s.put(draft("j/1"), actor="records load")
        assert result.changed and result.header.datestamp == at(T0 + 60)
        assert s.payload("j/1", "oai_dc") == draft("j/1").formats["oai_dc"]
        assert not s.put(draft("j/1"), actor="records load").changed
    finally:
        s.close()


def test_an_edited_migration_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    open_store(url).close()
    with sqlite3.connect(tmp_path / "db.sqlite3") as conn:
        conn.execute("UPDATE schema_version SET checksum = 'x' WHERE version = 1")
    with pytest.raises(migrate.MigrationError, match="changed after it was applied"):
        open_store(url)


def test_a_database_newer_than_the_code_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    open_store(url).close()
    with sqlite3.connect(tmp_path / "db.sqlite3") as conn:
        conn.execute("INSERT INTO schema_version VALUES (999, 'future', 'x', 'now')")
    with pytest.raises(migrate.MigrationError, match="upgrade the code"):
        open_store(url)


def test_a_failing_migration_leaves_nothing_behind(tmp_path: Path) -> None:
    good = migrate.migrations("sqlite")
    broken = tmp_path / "migrations"
    broken.mkdir()
    for m in good:
        (broken / f"{m.version:04d}_{m.name}.sqlite.sql").write_text(m.sql)
    (broken / "0999_broken.sqlite.sql").write_text(
        "CREATE TABLE extra (x INTEGER);\nINSERT INTO no_such_table VALUES (1);\n"
    )
    from app.store.sqlite import SqliteStore

    s = SqliteStore(tmp_path / "db.sqlite3", run_migrations=False)
    with pytest.raises(sqlite3.OperationalError):
        s.migrate(broken)
    tables = {r[0] for r in s._conn().execute("SELECT name FROM sqlite_master")}
    assert "extra" not in tables and "records" not in tables
    s.close()


def test_unsupported_urls_are_refused() -> None:
    with pytest.raises(ValueError, match="unsupported database URL"):
        open_store("mysql://localhost/db")
    with pytest.raises(ValueError, match="in-memory"):
        open_store("sqlite:///:memory:")


def test_a_thread_per_request_leaks_no_connections(store: Store) -> None:
    """A threaded server may start a thread per request: each one's connection must go."""
    import gc
    import os

    def request() -> None:
        store.header("j/1")

    def open_files() -> int:
        gc.collect()
        return len(os.listdir("/proc/self/fd"))

    def burst() -> None:
        threads = [threading.Thread(target=request) for _ in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    request()
    before = open_files()
    for _ in range(10):
        burst()
    # 200 threads: a leak would keep 200 connections (600 files for SQLite). What may stay is
    # a pool's worth (PostgreSQL keeps up to 10) or a file SQLite closes later.
    assert open_files() <= before + 16


def _put_in_child(store: Store, queue: multiprocessing.Queue) -> None:
    store.put(draft("child/1"), actor="child")
    queue.put(store.current_seq())


def test_a_forked_worker_opens_its_own_connections(store: Store) -> None:
    """gunicorn --preload forks workers from a master that already used the store."""
    store.put(draft("parent/1"), actor="parent")
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_put_in_child, args=(store, queue))
    child.start()
    child.join(60)
    assert child.exitcode == 0 and queue.get(timeout=5) == 2
    store.put(draft("parent/2"), actor="parent")  # the parent's connections still work
    assert store.current_seq() == 3
    assert {i for i, _ in store.iter_identifiers()} == {"parent/1", "parent/2", "child/1"}



def test_settling_after_a_bulk_write_lets_readers_and_writers_go_on(store: Store) -> None:
    """Issue 19: the store keeps itself fast without stopping the server. While ``settle``
    runs, another thread reads pages and writes records; after it every record is listed."""
    store.put_many([draft(f"settle/{i:03d}") for i in range(20)], actor="test")
    errors: list[BaseException] = []

    def settle() -> None:
        try:
            store.settle()
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    worker = threading.Thread(target=settle)
    worker.start()
    for i in range(5):
        store.put(draft(f"settle/during-{i}"), actor="test")
        assert len(store.list_framed(window(store), None, 100)) >= 20
    worker.join(60)
    assert not worker.is_alive() and errors == []
    assert len(store.list_framed(window(store), None, 100)) == 25
    if isinstance(store, PostgresStore):
        import psycopg

        with psycopg.connect(store.url, autocommit=True) as conn:
            settled = conn.execute(
                "SELECT relname FROM pg_stat_user_tables WHERE last_vacuum IS NOT NULL"
                " AND last_analyze IS NOT NULL AND schemaname = current_schema()"
            ).fetchall()
        assert {r[0] for r in settled} >= set(PostgresStore.SETTLED)
