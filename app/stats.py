"""The collection in figures: what the statistics page, its CSV and JSON, ``/metrics`` and
``jats-oai stats`` all show, computed once from the store and the rejected files.

Each figure is a :class:`Table` (rows of a label and one count per column), so a chart, its
data table, a CSV line and a JSON member are four views of the same numbers.
"""

from __future__ import annotations

import csv
import io
import threading
import time
import weakref
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from app.config import Settings
from app.rejections import read_rejections
from app.store.base import Store
from app.store.collection_stats import WITHDRAW_ACTION, collection_rows

UNKNOWN = "not stated"


@dataclass(frozen=True)
class Table:
    """One figure: ``rows`` are (label, counts), one count per name in ``columns``."""

    key: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, tuple[int, ...]], ...]

    @property
    def largest(self) -> int:
        return max((v for _, values in self.rows for v in values), default=0)

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "columns": list(self.columns),
            "rows": [{"label": label, "counts": dict(zip(self.columns, values, strict=True))}
                     for label, values in self.rows],
        }


@dataclass(frozen=True)
class CollectionStats:
    generated: datetime
    tables: tuple[Table, ...] = field(default_factory=tuple)
    store_ref: Callable[[], Store | None] = field(default=lambda: None, repr=False,
                                                    compare=False)

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)

    def count(self, key: str, label: str, column: int = 0) -> int:
        return next((v[column] for lab, v in self.table(key).rows if lab == label), 0)

    def as_json(self) -> dict[str, Any]:
        return {
            "generated": self.generated.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "tables": [t.as_json() for t in self.tables],
        }

    def as_csv(self) -> str:
        """Long form, one count per line: ``table,label,column,count``."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["table", "label", "column", "count"])
        for t in self.tables:
            for label, values in t.rows:
                for column, value in zip(t.columns, values, strict=True):
                    writer.writerow([t.key, label, column, value])
        return out.getvalue()


def _single(key: str, title: str, counts: Counter, order: str = "count") -> Table:
    if order == "label":
        items = sorted(counts.items(), key=lambda kv: kv[0])
    else:
        items = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return Table(key, title, ("records",), tuple((str(k), (v,)) for k, v in items))


def _month(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m")


#: Seconds a process reuses the figures it computed (a page view and a scrape read every
#: record's summary; a burst of requests must not each do it again).
FRESH_SECONDS = 30.0
_recent: dict[int, tuple[float, CollectionStats]] = {}
_recent_lock = threading.Lock()


def recent_collection_stats(store: Store, settings: Settings) -> CollectionStats:
    """The figures of at most :data:`FRESH_SECONDS` ago, computed once per store meanwhile."""
    now = time.monotonic()
    with _recent_lock:
        found = _recent.get(id(store))
        if found and now - found[0] < FRESH_SECONDS and found[1].store_ref() is store:
            return found[1]
    figures = collection_stats(store, settings)
    with _recent_lock:
        _recent[id(store)] = (now, figures)
    return figures


def collection_stats(store: Store, settings: Settings) -> CollectionStats:
    """Every figure of the collection as it is now: live records grouped by series, year,
    issue and language; valid, rejected and withdrawn counts; records per format; deposits
    and withdrawals per month."""
    rows = collection_rows(store)
    live = [r for r in rows.records if not r.deleted]
    withdrawn = len(rows.records) - len(live)
    rejected = len(read_rejections(settings.instance_dir))
    months: dict[str, list[int]] = {}
    for action, at in rows.changes:
        slot = months.setdefault(_month(at), [0, 0])
        slot[1 if action == WITHDRAW_ACTION else 0] += 1
    tables = (
        Table("state", "Records by state", ("records",),
              (("valid", (len(live),)), ("rejected", (rejected,)),
               ("withdrawn", (withdrawn,)))),
        _single("series", "Records per series", Counter(r.series or UNKNOWN for r in live)),
        _single("year", "Records per year",
                Counter(str(r.year) if r.year else UNKNOWN for r in live), order="label"),
        _single("issue", "Records per issue",
                Counter(r.issue_set or UNKNOWN for r in live), order="label"),
        _single("language", "Records by language", Counter(r.lang or UNKNOWN for r in live)),
        _single("format", "Records given in each metadata format",
                Counter(rows.formats), order="label"),
        Table("changes", "Deposits and withdrawals per month", ("deposits", "withdrawals"),
              tuple((m, (d, w)) for m, (d, w) in sorted(months.items()))),
    )
    return CollectionStats(datetime.now(UTC).replace(microsecond=0), tables,
                           weakref.ref(store))


@dataclass(frozen=True)
class HarvesterSummary:
    """One harvester family's activity over the kept period."""

    harvester: str
    requests: int
    records: int
    errors: int
    unavailable: int
    last_seen: datetime | None
    last_complete: str  # "ListRecords oai_dc (all) at 2026-12-04 16:50 UTC, 120 records"


@dataclass(frozen=True)
class HarvestStats:
    harvesters: tuple[HarvesterSummary, ...]
    tables: tuple[Table, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "harvesters": [
                {**{k: getattr(h, k) for k in ("harvester", "requests", "records", "errors",
                                                "unavailable", "last_complete")},
                 "last_seen": h.last_seen.strftime("%Y-%m-%dT%H:%M:%SZ") if h.last_seen
                 else None}
                for h in self.harvesters
            ],
            "tables": [t.as_json() for t in self.tables],
        }


def _stamp(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def harvest_stats(store: Store, since: int = 0) -> HarvestStats:
    """Per harvester family: requests, records served, errors, 503s, the last complete list;
    records served per day and requests per verb, for the librarians' page."""
    from app.store.harvest_stats import completions, hourly

    rows = hourly(store, since)
    done = completions(store)
    per: dict[str, dict[str, Any]] = {}
    days: dict[str, Counter] = {}
    verbs: dict[str, Counter] = {}
    for key, counts in rows:
        h = per.setdefault(key.harvester, {"requests": 0, "records": 0, "errors": 0,
                                           "unavailable": 0, "last": 0})
        h["requests"] += counts.requests
        h["records"] += counts.records
        h["errors"] += counts.requests if key.error else 0
        h["unavailable"] += counts.requests if key.status == 503 else 0
        h["last"] = max(h["last"], key.hour)
        days.setdefault(_stamp(key.hour).strftime("%Y-%m-%d"), Counter())[key.harvester] += \
            counts.records
        verbs.setdefault(key.verb, Counter())[key.harvester] += counts.requests
    latest: dict[str, str] = {}
    for c in done:  # newest first
        if c.harvester not in latest:
            latest[c.harvester] = (f"{c.verb} {c.prefix or '-'} ({c.set_spec or 'all'}) at "
                                   f"{_stamp(c.finished):%Y-%m-%d %H:%M} UTC, "
                                   f"{c.records} records")
    names = tuple(sorted(per))
    summaries = tuple(
        HarvesterSummary(name, per[name]["requests"], per[name]["records"],
                         per[name]["errors"], per[name]["unavailable"],
                         _stamp(per[name]["last"]) if per[name]["requests"] else None,
                         latest.get(name, ""))
        for name in names
    )
    tables = (
        Table("served", "Records served per day", names,
              tuple((d, tuple(c[n] for n in names)) for d, c in sorted(days.items()))),
        Table("verbs", "Requests per verb", names,
              tuple((v, tuple(c[n] for n in names)) for v, c in sorted(verbs.items()))),
    )
    return HarvestStats(summaries, tables)
