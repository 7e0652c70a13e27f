"""Figures a benchmark hands to ``python -m bench`` for its summary table.

A script prints its figures as it always has, and also calls :func:`record` for each one the
summary shows. ``python -m bench`` sets ``JATS_OAI_BENCH_FIGURES`` to a file; each call adds
one JSON line to it (nothing happens when a script runs alone). The table has one row per
``what`` (in the order first recorded) and one column per store and collection size, so a
new figure needs no change to the summary: record it under a name that says what it is,
with its unit (``records/s``, ``MB/s``, ``ms``, ``x``, ``CPU s``).

Names the summary expects for issue #19 (and says "not measured" for when none came):
:data:`EXPECTED`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

ENV = "JATS_OAI_BENCH_FIGURES"

#: The figures of issue #19, in the order the summary shows them.
EXPECTED = (
    "harvest oai_dc, identity",
    "harvest oai_dc, identity, MB/s",
    "harvest oai_dc, gzip",
    "harvest oai_dc, gzip, MB/s",
    "harvest oai_dc, server CPU per 1,000 records, identity",
    "harvest oai_dc, server CPU per 1,000 records, gzip",
    "harvest jats, identity",
    "harvest jats, identity, MB/s",
    "harvest jats, gzip",
    "harvest jats, gzip, MB/s",
    "harvest oai_dc, ratio to the yardstick (tuned like ours)",
    "harvest, first page",
    "harvest, last page",
    "load, new records",
    "load again, nothing changed",
    "store.put, one transaction each",
    "page 1 with its completeListSize",
    "page 10,000 (deep page)",
    "completeListSize from the tallies",
    "completeListSize counted row by row",
)


def record(what: str, value: float, unit: str, *, store: str, records: int) -> None:
    """Hand one figure to the summary: ``store`` is ``sqlite``, ``postgres`` or the name of
    what was measured beside them (``yardstick``); ``records`` is the collection's size."""
    target = os.environ.get(ENV)
    if not target:
        return
    line = json.dumps(
        {"what": what, "value": value, "unit": unit, "store": store, "records": records}
    )
    with Path(target).open("a", encoding="utf-8") as out:
        out.write(line + "\n")


def read(path: Path) -> list[dict[str, object]]:
    """The figures recorded in ``path``; a line a crashed script left half-written is skipped."""
    found = []
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                found.append(json.loads(line))
            except ValueError:
                continue
    return found


def _shown(value: float, unit: str) -> str:
    if unit == "ms":
        return f"{value:.2f} ms"
    if unit == "x":
        return f"{value:.2f} x"
    if abs(value) >= 100:
        return f"{value:,.0f} {unit}"
    return f"{value:.1f} {unit}"


def table(found: list[dict[str, object]]) -> list[str]:
    """The summary: a row per figure, a column per (store, size); the last value recorded
    for a cell wins (a script's median is recorded once)."""
    cells: dict[tuple[str, str, int], str] = {}
    rows: list[str] = [w for w in EXPECTED]
    columns: list[tuple[str, int]] = []
    for f in found:
        what, store, records = str(f["what"]), str(f["store"]), int(f["records"])  # type: ignore[call-overload]
        cells[(what, store, records)] = _shown(float(f["value"]), str(f["unit"]))  # type: ignore[arg-type]
        if what not in rows:
            rows.append(what)
        if (store, records) not in columns:
            columns.append((store, records))
    order = {"sqlite": 0, "postgres": 1}
    columns.sort(key=lambda c: (order.get(c[0], 2), c[0], c[1]))
    heads = [f"{store} {records:,}" for store, records in columns]
    width = max(len(r) for r in rows)
    widths = [max(12, len(h), *(len(cells.get((r, *c), "")) for r in rows))
              for h, c in zip(heads, columns, strict=True)]
    lines = [" | ".join([f"{'figure':<{width}}", *(f"{h:>{w}}" for h, w in
                                                   zip(heads, widths, strict=True))])]
    lines.append("-+-".join(["-" * width, *("-" * w for w in widths)]))
    missing = []
    for r in rows:
        values = [cells.get((r, *c), "") for c in columns]
        if not any(values):
            missing.append(r)
            continue
        lines.append(" | ".join([f"{r:<{width}}", *(f"{v or '-':>{w}}" for v, w in
                                                     zip(values, widths, strict=True))]))
    if missing:
        lines.append("not measured in this run: " + "; ".join(missing))
    return lines
