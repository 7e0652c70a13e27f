"""``jats-oai validate FILE|DIR...``: check JATS files against their official schemas.

Exit status: 0 when every file is valid, 1 when one is invalid, 2 when one is unusable
(not well-formed, hostile, too large, unreadable, not a JATS article); the worst wins.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from app.config import load_settings
from app.jats.schemas import schema_directory
from app.jats.validation import ValidationReport, validate_file

PROGRESS_MIN_FILES = 5


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "validate", help="validate JATS files against the official DTD/XSD they declare",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("paths", nargs="+", metavar="FILE|DIR",
                   help="JATS files, or folders searched for *.xml")
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")
    p.add_argument("--progress", action="store_true",
                   help="show a progress bar on stderr even when it is not a terminal")
    p.add_argument("--quiet", "-q", action="store_true", help="print only invalid files")
    p.set_defaults(func=run)


def _files(paths: list[str]) -> Iterator[Path]:
    for name in paths:
        path = Path(name)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*.xml") if p.is_file())
        else:
            yield path


class _Progress:
    """A one-line bar on stderr, redrawn in place; silent unless asked or on a terminal."""

    def __init__(self, total: int, stream: TextIO, enabled: bool) -> None:
        self.total, self.stream, self.enabled, self.done = total, stream, enabled, 0

    def step(self, name: str) -> None:
        if not self.enabled:
            return
        self.done += 1
        width = 30
        filled = int(width * self.done / max(self.total, 1))
        label = name if len(name) <= 40 else "…" + name[-39:]
        self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] "
                          f"{self.done}/{self.total} {label:<40}")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\r" + " " * 80 + "\r")
            self.stream.flush()


def human(report: ValidationReport) -> str:
    """The report as a librarian reads it: verdict, schema, then file:line:col: path: message."""
    name = report.filename or "<input>"
    schema = f" against {report.schema}" if report.schema else ""
    lines = [f"{name}: {report.status.upper()}{schema}"]
    for p in report.errors:
        where = f"{p.line or 0}:{p.column or 0}"
        path = f" {p.path}:" if p.path else ""
        tag = "" if p.severity == "error" else f"{p.severity}: "
        lines.append(f"{name}:{where}:{path} {tag}{p.message} [{p.kind}]")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    schemas = schema_directory(settings.schema_dir)
    files = list(_files(args.paths))
    many = len(files) >= PROGRESS_MIN_FILES or any(Path(p).is_dir() for p in args.paths)
    progress = _Progress(len(files), sys.stderr,
                         args.progress or (many and sys.stderr.isatty()))
    worst = 0
    reports = []
    counts = {"valid": 0, "invalid": 0, "unusable": 0}
    for path in files:
        progress.step(str(path))
        report = validate_file(path, schemas=schemas, max_bytes=settings.max_upload_bytes)
        worst = max(worst, report.exit_code)
        counts[report.status] += 1
        if args.json:
            reports.append(report.to_dict())
        elif not (args.quiet and report.valid):
            progress.close()
            print(human(report), flush=True)
    progress.close()
    if not files:
        print("jats-oai validate: no XML files found", file=sys.stderr)
        return 2
    if args.json:
        json.dump({"files": reports, "summary": counts}, sys.stdout, ensure_ascii=False,
                  indent=2)
        sys.stdout.write("\n")
    elif len(files) > 1:
        print(f"{len(files)} files: {counts['valid']} valid, {counts['invalid']} invalid, "
              f"{counts['unusable']} unusable")
    return worst
