"""Harvest counters kept in the store: hourly aggregates and each list's last complete run.

Written in batches by the OAI-PMH side (one upsert per distinct key per flush, never one
write per request), read by the harvesters page, ``/metrics`` and ``jats-oai stats``. Plain
upserts in autocommit mode, outside the record store's change lock, so counting never
waits on a load nor holds one up. SQL both databases speak (``ON CONFLICT ... DO UPDATE``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from app.store.base import Store

HOUR = 3600


class HourKey(NamedTuple):
    """What one hourly row counts: a harvester's requests of one kind in one hour (a tuple:
    one is made per request, and hashing it must cost next to nothing)."""

    hour: int
    harvester: str
    client: str
    verb: str
    prefix: str
    set_spec: str
    status: int
    error: str


@dataclass
class HourCounts:
    requests: int = 0
    records: int = 0
    duration_ms: int = 0


@dataclass(frozen=True)
class Completion:
    """A list request sequence that reached its last page."""

    harvester: str
    verb: str
    prefix: str
    set_spec: str
    client: str
    finished: int
    records: int


def _connection(store: Store) -> Any:
    opener = getattr(store, "_connection", None)
    if opener is None:
        raise TypeError(f"{type(store).__name__} keeps no SQL tables for harvest counters")
    return opener()


def add_counts(store: Store, counts: dict[HourKey, HourCounts],
               completions: Iterable[Completion] = ()) -> None:
    """Add a batch of aggregated counts and completions."""
    rows = [(k.hour, k.harvester, k.client, k.verb, k.prefix, k.set_spec, k.status, k.error,
             c.requests, c.records, c.duration_ms) for k, c in counts.items()]
    done = [(c.harvester, c.verb, c.prefix, c.set_spec, c.client, c.finished, c.records)
            for c in completions]
    with _connection(store) as db:
        if rows:
            db.executemany(
                "INSERT INTO harvest_hourly (hour, harvester, client, verb, prefix, set_spec,"
                " status, error, requests, records, duration_ms)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (hour, harvester, client, verb, prefix, set_spec, status, error)"
                " DO UPDATE SET requests = harvest_hourly.requests + excluded.requests,"
                " records = harvest_hourly.records + excluded.records,"
                " duration_ms = harvest_hourly.duration_ms + excluded.duration_ms",
                rows,
            )
        if done:
            db.executemany(
                "INSERT INTO harvest_complete (harvester, verb, prefix, set_spec, client,"
                " finished, records) VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (harvester, verb, prefix, set_spec, client) DO UPDATE SET"
                " records = CASE WHEN excluded.finished >= harvest_complete.finished"
                " THEN excluded.records ELSE harvest_complete.records END,"
                " finished = CASE WHEN excluded.finished >= harvest_complete.finished"
                " THEN excluded.finished ELSE harvest_complete.finished END",
                done,
            )


def hourly(store: Store, since: int = 0) -> list[tuple[HourKey, HourCounts]]:
    """Every hourly row from ``since`` (Unix seconds) on, oldest first."""
    with _connection(store) as db:
        found = db.execute(
            "SELECT hour, harvester, client, verb, prefix, set_spec, status, error,"
            " requests, records, duration_ms FROM harvest_hourly WHERE hour >= ?"
            " ORDER BY hour, harvester",
            (since,),
        ).fetchall()
    return [(HourKey(int(r[0]), r[1], r[2], r[3], r[4], r[5], int(r[6]), r[7]),
             HourCounts(int(r[8]), int(r[9]), int(r[10]))) for r in found]


def completions(store: Store) -> list[Completion]:
    """The last complete run of each list, per harvester and client, newest first."""
    with _connection(store) as db:
        found = db.execute(
            "SELECT harvester, verb, prefix, set_spec, client, finished, records"
            " FROM harvest_complete ORDER BY finished DESC"
        ).fetchall()
    return [Completion(r[0], r[1], r[2], r[3], r[4], int(r[5]), int(r[6])) for r in found]


def prune(store: Store, before: int) -> int:
    """Forget hourly rows and completions older than ``before``; how many rows went."""
    with _connection(store) as db:
        gone = db.execute("DELETE FROM harvest_hourly WHERE hour < ?", (before,))
        db.execute("DELETE FROM harvest_complete WHERE finished < ?", (before,))
    return int(getattr(gone, "rowcount", 0) or 0)
