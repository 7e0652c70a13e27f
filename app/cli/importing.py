"""``jats-oai import``: bring articles in from OJS, as validated JATS files under records/.

``import oai`` harvests one OAI-PMH endpoint incrementally, ``import all`` every series that
``journals.toml`` gives an address (``oai.base_url``), ``import ojs-native`` reads an OJS 3
Native XML export. The files land in the records folder; ``jats-oai records load`` (or
``make run``) then loads them. Exit 0 when every record was taken, 1 when some were refused
(each is listed with its source identifier and the reason), 2 when a source failed.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path

from app.cli.progress import ProgressBar
from app.config import Settings, load_settings
from app.importer.client import HarvestFailed
from app.importer.harvest import Harvest, Summary
from app.importer.native import NativeError, import_native
from app.ingest import journal_settings
from app.runs import note_run

PREFIXES = ("auto", "jats", "marcxml", "oai_dc")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("import", help="import articles from OJS (OAI-PMH, Native XML)")
    sub = parser.add_subparsers(dest="import_command", required=True, metavar="SOURCE")
    oai = sub.add_parser("oai", help="harvest one OAI-PMH endpoint into JATS files")
    oai.add_argument("base_url", help="the OAI-PMH base URL, e.g. "
                     "https://journals.bsu.by/index.php/history/oai")
    _into(oai)
    oai.add_argument("--series", help="series slug of the records (default: the OJS journal "
                     "path in the address)")
    oai.add_argument("--set", dest="set_spec", help="harvest only this OAI-PMH set")
    oai.add_argument("--prefix", choices=PREFIXES, default="auto",
                     help="metadata format; auto takes the richest offered: jats, marcxml, oai_dc")
    oai.add_argument("--from", dest="from_date", help="harvest records changed since this date "
                     "(default: since the last complete harvest)")
    oai.add_argument("--dry-run", action="store_true",
                     help="convert and validate, report, write nothing")
    oai.set_defaults(func=_oai)
    every = sub.add_parser("all", help="refresh every series journals.toml gives an address")
    _into(every)
    every.add_argument("--dry-run", action="store_true", help="write nothing")
    every.add_argument("--progress", action="store_true",
                       help="show the progress bar even when stderr is not a terminal")
    every.set_defaults(func=_all)
    native = sub.add_parser("ojs-native", help="read an OJS 3 Native XML export")
    native.add_argument("file", type=Path, help="the export (issues or articles)")
    _into(native)
    native.add_argument("--series", required=True,
                        help="series slug of the articles (the export does not name its journal)")
    native.add_argument("--dry-run", action="store_true", help="write nothing")
    native.set_defaults(func=_native)


def _into(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--into", type=Path, help="the records folder (default: records_dir)")


def _report(summary: Summary, series: str) -> None:
    for identifier, reason in summary.refused:
        print(f"{identifier}: refused: {reason}")
    resumed = ", resumed" if summary.resumed else ""
    print(f"{series}: {summary.added} added, {summary.changed} changed, {summary.unchanged} "
          f"unchanged, {summary.deleted} deleted, {len(summary.refused)} refused "
          f"({summary.prefix}, {summary.requests} requests{resumed})")


def _note(settings: Settings, summary: Summary, source: str) -> None:
    """The import's outcome, for /metrics (app/runs.py)."""
    note_run(settings.instance_dir, "import", "refused" if summary.refused else "ok",
             f"{source}: {summary.added} added, {summary.changed} changed, "
             f"{summary.deleted} deleted, {len(summary.refused)} refused")


def _oai(args: argparse.Namespace) -> int:
    settings = load_settings()
    into = args.into or settings.records_dir
    harvest = Harvest(args.base_url, into, settings=settings, series=args.series,
                      set_spec=args.set_spec, prefix=args.prefix, from_date=args.from_date,
                      dry_run=args.dry_run)
    try:
        summary = harvest.run()
    except HarvestFailed as exc:
        note_run(settings.instance_dir, "import", "failed", str(exc))
        print(f"error: {exc}", file=sys.stderr)
        return 2
    _report(summary, harvest.series or args.base_url)
    _note(settings, summary, harvest.series or args.base_url)
    return 1 if summary.refused else 0


def configured_series(into: Path) -> dict[str, dict[str, str]]:
    """Series slug -> its ``oai`` table (``base_url``, optional ``set``, ``prefix``)."""
    found = {}
    for slug, table in journal_settings(into / "journals.toml").items():
        oai = table.get("oai") if isinstance(table, dict) else None
        if isinstance(oai, dict) and isinstance(oai.get("base_url"), str) and oai["base_url"]:
            found[slug] = oai
    return found


def _all(args: argparse.Namespace) -> int:
    settings = load_settings()
    into = args.into or settings.records_dir
    try:
        series = configured_series(into)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        print(f"error: {into / 'journals.toml'} cannot be read: {exc}", file=sys.stderr)
        return 2
    if not series:
        print(f"error: no series in {into / 'journals.toml'} has an oai.base_url",
              file=sys.stderr)
        return 2
    # One bar for every series, counting records: each series adds what its source says it
    # holds (or each page as it comes), so the total grows as the harvests start.
    bar = ProgressBar(0, sys.stderr, args.progress or sys.stderr.isatty(), rate=True,
                      unit="records")
    rows: list[tuple[str, Summary | str]] = []
    for slug, oai in series.items():
        harvest = Harvest(oai["base_url"], into, settings=settings, series=slug,
                          set_spec=oai.get("set"), prefix=oai.get("prefix", "auto"),
                          dry_run=args.dry_run,
                          on_record=lambda _identifier, slug=slug: bar.step(slug),
                          on_expected=bar.expect)
        try:
            rows.append((slug, harvest.run()))
        except HarvestFailed as exc:
            rows.append((slug, str(exc)))
    bar.close()
    return _table(rows)


def _table(rows: list[tuple[str, Summary | str]]) -> int:
    width = max(len("series"), *(len(s) for s, _ in rows))
    print(f"{'series':<{width}}  {'added':>7} {'changed':>7} {'deleted':>7} {'refused':>7}")
    worst = 0
    for slug, result in rows:
        if isinstance(result, str):
            print(f"{slug:<{width}}  failed: {result}")
            worst = 2
            continue
        print(f"{slug:<{width}}  {result.added:>7} {result.changed:>7} {result.deleted:>7} "
              f"{len(result.refused):>7}")
        for identifier, reason in result.refused:
            print(f"  {identifier}: refused: {reason}")
        worst = max(worst, 1 if result.refused else 0)
    return worst


def _native(args: argparse.Namespace) -> int:
    settings = load_settings()
    into = args.into or settings.records_dir
    try:
        summary = import_native(args.file, into, settings=settings, series=args.series,
                                dry_run=args.dry_run)
    except NativeError as exc:
        note_run(settings.instance_dir, "import", "failed", f"{args.file}: {exc}")
        print(f"error: {args.file}: {exc}", file=sys.stderr)
        return 2
    _report(summary, summary.source)
    _note(settings, summary, summary.source)
    return 1 if summary.refused else 0
