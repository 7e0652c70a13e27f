"""``put_many``: a batch of records in one transaction, each exactly as ``put`` would store it
(issue 19, "write in batches ... crash-safe as today"), on every store kind."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from app.store.base import RecordDraft, Store, Window
from app.store.integrity import check
from app.store.sql import SqlStore
from tests.factories import T0, Clock


def source(identifier: str, body: str) -> bytes:
    return f"<article id='{identifier}'>{body}</article>".encode()


def draft(identifier: str, body: str = "v1", sets: tuple[str, ...] = ("j",)) -> RecordDraft:
    return RecordDraft(
        identifier=identifier,
        source=source(identifier, body),
        content_hash=hashlib.sha256(source(identifier, body)).hexdigest(),
        sets=sets,
        formats={p: f"<{p} id='{identifier}'>{body}</{p}>".encode() for p in ("oai_dc", "jats")},
        summary={"title": f"{identifier} {body}"},
    )


def now(clock: Clock) -> datetime:
    return datetime.fromtimestamp(clock.now, UTC)


def framed_keys(store: Store, prefix: str = "oai_dc") -> list[str]:
    window = Window(prefix, None, None, None, store.current_seq())
    return [row[1] for row in store.list_framed(window, None, 1000)]


@pytest.fixture
def clock(store: Store) -> Clock:
    ticking = Clock(T0)
    store.clock = ticking  # type: ignore[attr-defined]
    return ticking


def test_a_batch_is_numbered_and_dated_as_the_same_puts_one_by_one(
    store: Store, clock: Clock
) -> None:
    results = store.put_many([draft("b/2"), draft("b/1"), draft("b/3")], actor="loader")
    assert [r.header.identifier for r in results] == ["b/2", "b/1", "b/3"], "input order"
    assert all(r.changed and r.action == "add" for r in results)
    assert store.current_seq() == 3
    stamps = {r.header.identifier: r.header.datestamp for r in results}
    assert set(stamps.values()) == {now(clock)}
    assert framed_keys(store) == ["b/1", "b/2", "b/3"]
    assert [c.action for c in store.history("b/2")] == ["add"]
    assert isinstance(store, SqlStore) and check(store, ("oai_dc",)) == []


def test_unchanged_records_in_a_batch_are_skipped_without_a_write(
    store: Store, clock: Clock
) -> None:
    store.put_many([draft("u/1"), draft("u/2")], actor="loader")
    seq, stored = store.current_seq(), now(clock)
    clock.now += 60
    results = store.put_many([draft("u/1"), draft("u/2", "v2"), draft("u/3")], actor="loader")
    assert [r.changed for r in results] == [False, True, True]
    assert [r.action for r in results] == [None, "update", "add"]
    assert store.current_seq() == seq + 2
    assert results[0].header.datestamp == stored
    assert results[1].header.datestamp == now(clock)
    old = source("u/2", "v1")
    assert store.old_source("u/2", hashlib.sha256(old).hexdigest()) == old
    assert [c.action for c in store.history("u/2")] == ["add", "update"]
    again = store.put_many([draft("u/1"), draft("u/2", "v2")], actor="loader")
    assert not any(r.changed for r in again) and store.current_seq() == seq + 2


def test_a_batch_never_moves_a_datestamp_back(store: Store, clock: Clock) -> None:
    store.put_many([draft("d/1")], actor="loader")
    first = store.header("d/1")
    clock.now -= 3600  # a clock that went back
    results = store.put_many([draft("d/2"), draft("d/1", "v2")], actor="loader")
    assert first is not None
    assert all(r.header.datestamp >= first.datestamp for r in results)


def test_a_withdrawn_record_in_a_batch_is_revived(store: Store, clock: Clock) -> None:
    store.put_many([draft("w/1")], actor="loader")
    store.withdraw("w/1", actor="editor")
    (result,) = store.put_many([draft("w/1", "v2")], actor="loader")
    assert result.changed and result.action == "revive"
    header = store.header("w/1")
    assert header is not None and not header.deleted
    assert framed_keys(store) == ["w/1"]
    assert isinstance(store, SqlStore) and check(store, ("oai_dc",)) == []


def test_the_same_record_twice_in_a_batch_ends_as_the_later_one(
    store: Store, clock: Clock
) -> None:
    results = store.put_many([draft("t/1"), draft("t/1", "v2")], actor="loader")
    assert [r.action for r in results] == ["add", "update"]
    assert store.source("t/1") == source("t/1", "v2")
    assert store.payload("t/1", "oai_dc") == b"<oai_dc id='t/1'>v2</oai_dc>"
    assert framed_keys(store) == ["t/1"]
    assert isinstance(store, SqlStore) and check(store, ("oai_dc",)) == []


def test_a_bad_draft_in_a_batch_stores_none_of_it(store: Store) -> None:
    with pytest.raises(ValueError, match="unusable"):
        store.put_many([draft("x/1"), replace(draft("x/2"), sets=("has space",))],
                       actor="loader")
    assert store.header("x/1") is None and store.current_seq() == 0


def test_a_batch_that_fails_midway_leaves_nothing_of_it(store: Store) -> None:
    """One transaction: a failure inside the batch rolls back the records before it."""
    store.put_many([draft("f/0")], actor="loader")
    assert isinstance(store, SqlStore)
    write = SqlStore._write
    calls = 0

    def failing(self: SqlStore, *args: object) -> object:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("the disk is full")
        return write(self, *args)  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(SqlStore, "_write", failing)
        with pytest.raises(RuntimeError):
            store.put_many([draft("f/1"), draft("f/2"), draft("f/3")], actor="loader")
    assert [store.header(f"f/{i}") is None for i in range(4)] == [False, True, True, True]
    assert store.current_seq() == 1 and check(store, ("oai_dc",)) == []
