"""``jats-oai stats``: the figures of ``/stats`` and ``/stats/harvesters`` in the terminal.

Plain aligned text by default, ``--json`` for scripts (the same members as ``/stats.json``,
with ``harvesters`` added).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from app.cli.database import configured_store
from app.config import load_settings
from app.stats import Table, collection_stats, harvest_stats


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "stats",
        help="the collection in figures, and who harvested it",
        description="Records per series, year, issue, language and format; valid, rejected "
        "and withdrawn counts; deposits and withdrawals per month; per harvester the "
        "requests, records served, errors, 503s and last complete harvest.",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.set_defaults(func=run, needs_schemas=False)


def run(args: argparse.Namespace, out: Any = None) -> int:
    out = out or sys.stdout
    settings = load_settings()
    with configured_store() as store:
        collection = collection_stats(store, settings)
        since = int(time.time()) - settings.harvest_stats_days * 86400
        harvest = harvest_stats(store, since)
    if args.json:
        harvested = harvest.as_json()
        data = collection.as_json() | {"harvesters": harvested["harvesters"],
                                       "harvest_tables": harvested["tables"]}
        json.dump(data, out, ensure_ascii=False, indent=1)
        out.write("\n")
        return 0
    out.write(f"Counted {collection.generated:%Y-%m-%d %H:%M} UTC\n")
    for table in collection.tables:
        _print_table(table, out)
    out.write("\nHarvesters (client networks only, kept "
              f"{settings.harvest_stats_days} days)\n")
    if not harvest.harvesters:
        out.write("  none counted yet\n")
    for h in harvest.harvesters:
        out.write(f"  {h.harvester:<10} {h.requests:>8} requests {h.records:>9} records "
                  f"{h.errors:>5} errors {h.unavailable:>5} x 503\n")
        out.write(f"  {'':<10} last complete harvest: {h.last_complete or 'none yet'}\n")
    for table in harvest.tables:
        _print_table(table, out)
    return 0


def _print_table(table: Table, out: Any) -> None:
    out.write(f"\n{table.title}\n")
    if not table.rows:
        out.write("  nothing yet\n")
        return
    width = max(len(label) for label, _ in table.rows)
    if len(table.columns) > 1:
        out.write(f"  {'':<{width}} " + " ".join(f"{c:>10}" for c in table.columns) + "\n")
    for label, values in table.rows:
        out.write(f"  {label:<{width}} " + " ".join(f"{v:>10}" for v in values) + "\n")
