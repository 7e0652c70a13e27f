"""Exact list sizes without counting the list: tallies kept by every write.

A harvest's list in a format is the ``framed_records`` rows of that format (live records)
and of the prefix ``''`` (deleted records, listed in every format), within the harvest's
set and datestamp window and with ``seq <= max_seq``. Counting those rows costs a scan of
the list (88 ms at 1,000,000 records) on the first page of every harvest. Instead
``list_counts`` holds, per (prefix, set or ``''`` for the whole repository, UTC day of the
datestamp), how many rows there are now, changed in the same transaction as the rows
(:class:`Tally`, the one helper every write path calls).

The count of a window at its frozen ``max_seq`` is then, read in one statement (one
snapshot): the tallies of the window's whole days, minus the rows of those days written
after ``max_seq`` (the few changes since the harvest began, found through the unique index
on ``records.seq``), plus an index range count of the part-days at a ``from`` or ``until``
that is not midnight (bounded by a day's changes). Day buckets, not a count cached in the
token, because the token already carries the size after page 1: what costs is page 1, and
harvesters' windows (``from``/``until`` as dates, the common granularity) fall on whole
days, so they are a sum of a few tally rows like the whole list.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any, Protocol

#: Seconds in a tally's bucket: one UTC day.
DAY = 86400
#: The set of a tally row that counts the whole repository.
WHOLE = ""

#: The tallies recomputed from the rows; migration 0009 and a rebuild of the fragments use it.
_COUNTED = (
    "SELECT prefix, '', datestamp / 86400, COUNT(*) FROM framed_records"
    " GROUP BY prefix, datestamp / 86400"
    " UNION ALL"
    " SELECT f.prefix, k.spec, f.datestamp / 86400, COUNT(*) FROM framed_records f"
    " JOIN record_sets k ON k.identifier = f.identifier"
    " GROUP BY f.prefix, k.spec, f.datestamp / 86400"
)
REBUILD = "INSERT INTO list_counts (prefix, set_spec, day, n) " + _COUNTED

_UPSERT = (
    "INSERT INTO list_counts (prefix, set_spec, day, n) VALUES (?, ?, ?, ?)"
    " ON CONFLICT (prefix, set_spec, day) DO UPDATE SET n = list_counts.n + excluded.n"
)


class _Db(Protocol):
    def execute(self, sql: str, params: tuple | list = ()) -> Any: ...
    def executemany(self, sql: str, rows: list[tuple]) -> None: ...


class Tally:
    """The changes of one transaction to the tallies, written once at its end, so a batch of
    records costs one statement however many rows it touches."""

    def __init__(self) -> None:
        self._deltas: Counter[tuple[str, str, int]] = Counter()

    def _each(self, rows: Iterable[tuple[str, int]], set_specs: str) -> Iterable[tuple]:
        specs = (WHOLE, *set_specs.split())
        for prefix, datestamp in rows:
            for spec in specs:
                yield prefix, spec, int(datestamp) // DAY

    def add(self, rows: Iterable[tuple[str, int]], set_specs: str) -> None:
        """Rows (prefix, datestamp) of a record in the sets ``set_specs`` (space-separated)."""
        for key in self._each(rows, set_specs):
            self._deltas[key] += 1

    def remove(self, rows: Iterable[tuple[str, int]], set_specs: str) -> None:
        for key in self._each(rows, set_specs):
            self._deltas[key] -= 1

    def write(self, db: _Db) -> None:
        changed = [(*key, n) for key, n in sorted(self._deltas.items()) if n]
        if changed:
            db.executemany(_UPSERT, changed)
        self._deltas.clear()


def rebuild(db: _Db) -> None:
    """Recompute every tally from the rows (after the fragments were rebuilt wholesale)."""
    db.execute("DELETE FROM list_counts")
    db.execute(REBUILD)


def _range(
    prefix: str, set_spec: str | None, low: int | None, high: int | None, max_seq: int
) -> tuple[str, list[Any]]:
    """An index range count of the list's rows with datestamps in [low, high]."""
    where, params = "", []
    if low is not None:
        where += " AND {k}.datestamp >= ?"
        params.append(low)
    if high is not None:
        where += " AND {k}.datestamp <= ?"
        params.append(high)
    if set_spec is None:
        return (
            "(SELECT COUNT(*) FROM framed_records f WHERE f.prefix IN (?, '')"
            + where.format(k="f") + " AND f.seq <= ?)",
            [prefix, *params, max_seq],
        )
    return (
        "(SELECT COUNT(*) FROM record_sets k JOIN framed_records f ON f.prefix IN (?, '')"
        " AND f.datestamp = k.datestamp AND f.identifier = k.identifier"
        " WHERE k.spec = ?" + where.format(k="k") + " AND f.seq <= ?)",
        [prefix, set_spec, *params, max_seq],
    )


def count_query(
    prefix: str, set_spec: str | None, low: int | None, high: int | None, max_seq: int
) -> tuple[str, list[Any]]:
    """One statement counting a window exactly: whole days from the tallies, less what was
    written after ``max_seq``, and the part-days at either end by index range."""
    first = None if low is None else -(-low // DAY)
    last = None if high is None else (high + 1) // DAY - 1
    if first is not None and last is not None and first > last:
        sql, params = _range(prefix, set_spec, low, high, max_seq)
        return "SELECT " + sql, params  # within one day: a short range
    terms: list[str] = []
    params: list[Any] = []
    days, after = "", ""
    if first is not None:
        days += " AND day >= ?"
        after += " AND f.datestamp >= ?"
    if last is not None:
        days += " AND day <= ?"
        after += " AND f.datestamp <= ?"
    bounds = [v for v in (first, last) if v is not None]
    stamps = [] if first is None else [first * DAY]
    stamps += [] if last is None else [(last + 1) * DAY - 1]
    terms.append(
        "(SELECT COALESCE(SUM(n), 0) FROM list_counts WHERE prefix IN (?, '')"
        f" AND set_spec = ?{days})"
    )
    params += [prefix, WHOLE if set_spec is None else set_spec, *bounds]
    member = "" if set_spec is None else (
        " AND EXISTS (SELECT 1 FROM record_sets k WHERE k.identifier = r.identifier"
        " AND k.spec = ?)"
    )
    terms.append(
        "- (SELECT COUNT(*) FROM records r CROSS JOIN framed_records f"
        " WHERE r.seq > ? AND f.identifier = r.identifier AND f.prefix IN (?, '')"
        f"{after}{member})"
    )
    params += [max_seq, prefix, *stamps, *([] if set_spec is None else [set_spec])]
    if low is not None and first is not None and low < first * DAY:
        sql, more = _range(prefix, set_spec, low, first * DAY - 1, max_seq)
        terms.append("+ " + sql)
        params += more
    if last is not None and high is not None and high > (last + 1) * DAY - 1:
        sql, more = _range(prefix, set_spec, (last + 1) * DAY, high, max_seq)
        terms.append("+ " + sql)
        params += more
    return "SELECT " + " ".join(terms), params


def discrepancies(db: _Db) -> list[tuple[str, str, int, int, int]]:
    """Tallies that disagree with the rows: (prefix, set, day, kept, counted)."""
    kept = {
        (p, s, int(d)): int(n)
        for p, s, d, n in db.execute("SELECT prefix, set_spec, day, n FROM list_counts")
        .fetchall()
        if int(n)
    }
    counted = {
        (p, s, int(d)): int(n)
        for p, s, d, n in db.execute(_COUNTED).fetchall()
    }
    return [
        (*key, kept.get(key, 0), counted.get(key, 0))
        for key in sorted(kept.keys() | counted.keys())
        if kept.get(key, 0) != counted.get(key, 0)
    ]
