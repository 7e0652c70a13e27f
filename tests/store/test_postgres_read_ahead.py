"""PostgreSQL reads a harvest's pages ahead, and never serves one a change has made stale.

A page request brings the rows of the following pages too (one round trip instead of
several); they are kept in the process for the harvest's next requests, and dropped when
the database announces any change to the harvest fragments (migration 0010's trigger), so
every page is what the database itself would answer.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from app.factory import open_store
from app.store.base import Store, Window
from app.store.postgres import READ_AHEAD_PAGES, PostgresStore
from tests.factories import T0, Clock
from tests.store.test_store import draft

PAGE = 3


@pytest.fixture
def pg(pg_store_url: str) -> Iterator[tuple[PostgresStore, Store]]:
    """The store a harvest reads, and a second one on the same database for writes, as
    another worker or a loader would write."""
    reader, writer = open_store(pg_store_url), open_store(pg_store_url)
    assert isinstance(reader, PostgresStore)
    clock = Clock()
    writer.clock = clock  # type: ignore[attr-defined]
    for n in range(PAGE * READ_AHEAD_PAGES + 5):  # more than one read ahead holds
        clock.now = T0 + n
        writer.put(draft(f"j/{n:02d}"), actor="t")
    try:
        yield reader, writer
    finally:
        reader.close()
        writer.close()


def _page(store: Store, w: Window, after: tuple[datetime, str] | None) -> list:
    """A page as the provider asks for it: a page and one more row."""
    return store.list_framed(w, after, PAGE + 1)


def _next(rows: list) -> tuple[datetime, str]:
    last = rows[PAGE - 1]
    return datetime.fromtimestamp(last[0], UTC), last[1]


def _window(store: Store) -> Window:
    return Window("oai_dc", None, None, None, store.current_seq())


def test_pages_read_ahead_are_the_databases_own(pg: tuple[PostgresStore, Store]) -> None:
    reader, writer = pg
    w = _window(reader)
    first = _page(reader, w, None)
    assert len(reader._read_ahead.pages) == READ_AHEAD_PAGES - 1  # type: ignore[union-attr]
    after, pages = _next(first), []
    for _ in range(READ_AHEAD_PAGES):
        pages.append(_page(reader, w, after))
        after = _next(pages[-1])
    after = _next(first)
    for page in pages:
        assert page == writer.list_framed(w, after, PAGE + 1)
        after = _next(page)


def test_a_change_elsewhere_drops_the_pages_read_ahead(pg: tuple[PostgresStore, Store]) -> None:
    """Section 3.5 of the store's harvest rule: a record changed after the harvest began is
    left out of it (its new version has a later change number), even from a page read ahead."""
    reader, writer = pg
    w = _window(reader)
    first = _page(reader, w, None)
    on_page_two = [row[1] for row in reader._read_ahead.pages[  # type: ignore[union-attr]
        ((w, False), first[PAGE - 1][0], first[PAGE - 1][1], PAGE + 1)]]
    changed = on_page_two[0]
    writer.put(draft(changed, body="v2"), actor="t")
    time.sleep(0.2)  # the notification travels to the reader's listening connection
    second = _page(reader, w, _next(first))
    assert changed not in [row[1] for row in second]
    assert second == writer.list_framed(w, _next(first), PAGE + 1)
