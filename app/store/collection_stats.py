"""What the collection holds, read in a few grouped queries for the statistics page.

Kept apart from the record store's interface: these are read-only reports over the tables
the store writes, and they do not change how records are stored or harvested.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from app.store.base import Store

#: Changes that bring a record in (a deposit or a load), and the one that takes it out.
DEPOSIT_ACTIONS = ("add", "revive")
WITHDRAW_ACTION = "withdraw"


@dataclass(frozen=True)
class RecordFacts:
    """The few summary fields the figures group by, for one record."""

    deleted: bool
    series: str | None
    year: int | None
    issue_set: str | None
    lang: str | None


@dataclass
class CollectionRows:
    """Raw rows: every record's facts, framed records per format, dated changes."""

    records: list[RecordFacts] = field(default_factory=list)
    formats: dict[str, int] = field(default_factory=dict)
    changes: list[tuple[str, int]] = field(default_factory=list)  # (action, Unix seconds)


def _connection(store: Store) -> Any:
    opener = getattr(store, "_connection", None)
    if opener is None:
        raise TypeError(f"{type(store).__name__} keeps no SQL tables to report on")
    return opener()


def _facts(deleted: Any, summary: str | None) -> RecordFacts:
    try:
        data = json.loads(summary or "{}")
    except ValueError:
        data = {}
    year = data.get("year")
    return RecordFacts(
        deleted=bool(deleted),
        series=data.get("series") or None,
        year=int(year) if isinstance(year, int) or (isinstance(year, str) and year.isdigit())
        else None,
        issue_set=data.get("issue_set") or None,
        lang=data.get("lang") or None,
    )


def collection_rows(store: Store) -> CollectionRows:
    """One pass over records (summaries only), framed formats and the change log.

    A live record counts under a format only when it could be framed in it, as a harvest
    lists it (a record that is not valid in ``jats`` is not given as ``jats``).
    """
    rows = CollectionRows()
    with _connection(store) as db:
        for deleted, summary in db.execute("SELECT deleted, summary FROM records").fetchall():
            rows.records.append(_facts(deleted, summary))
        for prefix, count in db.execute(
            "SELECT prefix, COUNT(*) FROM framed_records"
            " WHERE NOT deleted AND fragment IS NOT NULL GROUP BY prefix"
        ).fetchall():
            rows.formats[str(prefix)] = int(count)
        rows.changes = [
            (str(action), int(at))
            for action, at in db.execute(
                "SELECT action, at FROM changes WHERE action IN (?, ?, ?) ORDER BY at",
                (*DEPOSIT_ACTIONS, WITHDRAW_ACTION),
            ).fetchall()
        ]
    return rows
