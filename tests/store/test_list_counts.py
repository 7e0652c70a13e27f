"""completeListSize (OAI-PMH 2.0, section 3.5) from tallies kept by every write.

``Store.count`` must equal the row-by-row count (``scan_count``) of the same window at the
same frozen ``max_seq``: in every format, set and datestamp window, after withdrawals and
revivals, and while other threads write.
"""

from __future__ import annotations

import hashlib
import itertools
import random
import threading
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.factory import open_store
from app.store import integrity, list_counts, migrate
from app.store.base import RecordDraft, Store, Window
from tests.factories import T0, Clock

SETS = ("j", "j:2023-1", "j:2023-2", "k", "k:2024-1")


def draft(identifier: str, body: str = "v1", sets: tuple[str, ...] = ("j", "j:2023-1"),
          formats: tuple[str, ...] = ("oai_dc", "jats")) -> RecordDraft:
    source = f"<article id='{identifier}'>{body}</article>".encode()
    return RecordDraft(
        identifier=identifier,
        source=source,
        content_hash=hashlib.sha256(source).hexdigest(),
        sets=sets,
        formats={p: f"<{p} id='{identifier}'>{body}</{p}>".encode() for p in formats},
        summary={"title": f"Title {identifier} {body}"},
    )


def at(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def windows(store: Store, max_seq: int, low: int, high: int) -> list[Window]:
    """Windows of every shape: whole list, each set, date bounds at midnight and between,
    one bound only, both within one day."""
    midnight = (low // list_counts.DAY + 1) * list_counts.DAY
    bounds = [
        (None, None), (at(midnight), None), (None, at(midnight + list_counts.DAY - 1)),
        (at(low + 1234), at(high - 777)), (at(midnight), at(midnight + 3 * list_counts.DAY - 1)),
        (at(midnight + 100), at(midnight + 5000)), (at(midnight - 1), at(midnight)),
        (at(high + list_counts.DAY), None),
    ]
    return [
        Window(prefix, spec, from_, until, max_seq)
        for prefix in ("oai_dc", "jats", "marcxml")
        for spec in (None, *SETS)
        for from_, until in bounds
    ]


def assert_exact(store: Store, max_seq: int, low: int, high: int) -> int:
    checked = 0
    for w in windows(store, max_seq, low, high):
        assert store.count(w) == store.scan_count(w), w  # type: ignore[attr-defined]
        checked += 1
    return checked


def test_counts_equal_a_full_count_in_every_window(store: Store, clock: Clock) -> None:
    rng = random.Random(19)
    for n in range(60):
        clock.now = T0 + n * 4000
        formats = ("oai_dc", "jats") if n % 5 else ("oai_dc",)
        store.put(draft(f"r{n:03d}", sets=tuple(rng.sample(SETS, 2)), formats=formats),
                  actor="test")
    for n in range(0, 60, 7):
        clock.now += 500
        store.withdraw(f"r{n:03d}", actor="test")
    assert assert_exact(store, store.current_seq(), T0, int(clock.now)) > 100
    w = Window("oai_dc", None, None, None, store.current_seq())
    assert store.count(w) == 60


def test_withdraw_revive_and_a_change_of_sets_move_the_record_between_lists(
    store: Store, clock: Clock
) -> None:
    store.put(draft("a", sets=("j",)), actor="test")
    store.put(draft("b", sets=("j", "k")), actor="test")

    def size(prefix: str = "oai_dc", spec: str | None = None) -> int:
        return store.count(Window(prefix, spec, None, None, store.current_seq()))

    assert (size(), size(spec="j"), size(spec="k")) == (2, 2, 1)
    clock.now += list_counts.DAY
    store.withdraw("b", actor="test")
    # A deleted record is listed in every format and in its sets (section 2.5.1).
    assert (size(), size("marcxml"), size(spec="k")) == (2, 1, 1)
    clock.now += list_counts.DAY
    store.put(draft("b", "v2", sets=("k",)), actor="test")
    assert (size(), size("marcxml"), size(spec="j"), size(spec="k")) == (2, 0, 1, 1)
    store.put(draft("a", sets=("j",), formats=("jats",)), actor="test")
    assert (size(), size("jats")) == (1, 2)
    assert integrity.check(store) == []  # type: ignore[arg-type]


def test_a_harvest_counts_only_what_it_will_list(store: Store, clock: Clock) -> None:
    """Records written after the first request (above max_seq) are not in the size."""
    for n in range(5):
        store.put(draft(f"r{n}"), actor="test")
    w = Window("oai_dc", "j", None, None, store.current_seq())
    clock.now += 3 * list_counts.DAY
    store.put(draft("new"), actor="test")
    store.put(draft("r0", "v2"), actor="test")
    store.withdraw("r1", actor="test")
    assert store.count(w) == store.scan_count(w) == 3  # type: ignore[attr-defined]
    later = replace(w, max_seq=store.current_seq())
    assert store.count(later) == store.scan_count(later) == 6  # type: ignore[attr-defined]


def test_counts_stay_exact_while_threads_deposit_and_withdraw(store: Store) -> None:
    """Writers put, replace, withdraw and revive records across days while harvests start;
    each harvest's count, taken while writers keep going, is compared with a full count at
    its max_seq under the writers' lock (so both see the same rows)."""
    ticks = itertools.count(T0, 3001)
    store.clock = lambda: float(next(ticks))  # type: ignore[attr-defined]
    stop = threading.Event()
    errors: list[BaseException] = []

    def writer(k: int) -> None:
        rng = random.Random(k)
        try:
            while not stop.is_set():
                identifier = f"w{rng.randrange(40):02d}"
                if rng.random() < 0.25:
                    store.withdraw(identifier, actor="test")
                else:
                    sets = tuple(rng.sample(SETS, rng.randrange(0, 3)))
                    formats = ("oai_dc", "jats", "marcxml")[: rng.randrange(1, 4)]
                    store.put(draft(identifier, str(rng.random()), sets, formats), actor="test")
        except BaseException as error:  # noqa: BLE001 - reported by the test below
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(3)]
    for t in threads:
        t.start()
    checked, behind = 0, 0
    try:
        for _ in range(12):
            max_seq = store.current_seq()
            # The writers go on: the counts below are taken well after max_seq.
            while store.current_seq() < max_seq + 10 and not errors:
                pass
            with store._writer() as db:  # type: ignore[attr-defined]
                behind += store._locked_state(db)[0] > max_seq  # type: ignore[attr-defined]
                checked += assert_exact(store, max_seq, T0, T0 + 3001 * (max_seq + 50))
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert not errors, errors
    assert behind == 12 and checked > 1000
    assert integrity.check(store) == []  # type: ignore[arg-type]


@pytest.mark.parametrize("shape", ["whole", "set", "dates"])
def test_migration_0009_builds_the_tallies_from_existing_rows(
    store: Store, clock: Clock, shape: str
) -> None:
    for n in range(20):
        clock.now = T0 + n * 9000
        store.put(draft(f"r{n}", sets=(SETS[n % 5],)), actor="test")
    store.withdraw("r3", actor="test")
    with store._writer() as db:  # type: ignore[attr-defined]
        db.execute("DELETE FROM list_counts")
    assert integrity.check(store)  # type: ignore[arg-type]
    dialect = store.dialect  # type: ignore[attr-defined]
    sql = next(m.sql for m in migrate.migrations(dialect) if m.version == 9)
    statements = migrate.split_statements(sql)
    with store._writer() as db:  # type: ignore[attr-defined]
        db.execute(statements[-1])
    assert integrity.check(store) == []  # type: ignore[arg-type]
    spec = SETS[0] if shape == "set" else None
    bounds = (at(T0 + 5000), at(T0 + 100_000)) if shape == "dates" else (None, None)
    w = Window("oai_dc", spec, *bounds, store.current_seq())
    assert store.count(w) == store.scan_count(w)  # type: ignore[attr-defined]


def test_counting_reads_tallies_and_indexes_only(tmp_path: Path) -> None:
    """The plan of every shape of count (SQLite, no statistics gathered): index searches,
    never a scan of a format's rows."""
    store = open_store(f"sqlite:///{tmp_path / 'plan.sqlite3'}")
    try:
        week = 7 * list_counts.DAY
        for args in [("oai_dc", None, None, None), ("oai_dc", "j", None, None),
                     ("oai_dc", None, T0 + 7, None), ("oai_dc", "j", T0 + 7, T0 + week),
                     ("oai_dc", "j", T0, T0 + 60)]:
            query, params = list_counts.count_query(*args, 5)  # type: ignore[misc]
            with store._connection() as db:  # type: ignore[attr-defined]
                plan = [r[3] for r in db.execute("EXPLAIN QUERY PLAN " + query, params)]
            assert not [step for step in plan if step.startswith("SCAN ")
                        and step != "SCAN CONSTANT ROW"], (args, plan)
    finally:
        store.close()
