"""``jats-oai validate``: check JATS files against the official schema each one declares.

Exit status: 0 when every file is valid, 1 when one is invalid, 2 when one is unusable
(not well-formed, hostile, too large, unreadable, not a JATS article); the worst wins.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from app.cli.progress import ProgressBar
from app.config import Settings, load_settings
from app.jats.schemas import SchemaDirectory, schema_directory
from app.jats.validation import ValidationReport, validate_each, validate_file_each

PROGRESS_MIN_FILES = 5
STDIN = "-"
STDIN_NAME = "<stdin>"
EPILOG = """\
Each problem is printed as FILE:LINE:COLUMN: ELEMENT PATH: what is wrong [kind].
A folder is searched for *.xml files (hidden files and folders are skipped); "-" reads one
document from standard input. --json prints one JSON document for scripts.

exit status: 0 every file valid, 1 a file is invalid, 2 a file is unusable (not well-formed,
refused, too large, unreadable, not a JATS article) or no file was found; the worst wins.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "validate", help="validate JATS files against the official DTD/XSD they declare",
        description="Check JATS files against the official schema each one declares: its "
                    "DOCTYPE's DTD, or the JATS Publishing XSD of its @dtd-version.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("paths", nargs="+", metavar="FILE|DIR|-",
                   help='JATS files, folders searched for *.xml, or "-" for standard input')
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")
    p.add_argument("--progress", action="store_true",
                   help="show a progress bar on stderr even when it is not a terminal")
    p.add_argument("--quiet", "-q", action="store_true",
                   help="print only the files that are not valid (and the summary)")
    p.set_defaults(func=run)


@dataclass
class Inputs:
    """What the arguments name: files in order, each once, and folders holding no XML."""

    files: list[str] = field(default_factory=list)
    empty_folders: list[str] = field(default_factory=list)
    folders: int = 0


def _visible_xml(folder: Path) -> list[Path]:
    found = []
    for path in folder.rglob("*"):
        parts = path.relative_to(folder).parts
        if path.suffix.lower() == ".xml" and not any(p.startswith(".") for p in parts) \
                and path.is_file():
            found.append(path)
    return sorted(found)


def collect(paths: list[str]) -> Inputs:
    """Expand folders; a name that is neither a folder nor "-" stays a file, so that a
    missing one is reported like any unreadable file instead of vanishing."""
    inputs = Inputs()
    seen: set[str] = set()

    def add(name: str) -> None:
        key = name if name == STDIN else str(Path(name).resolve())
        if key not in seen:
            seen.add(key)
            inputs.files.append(name)

    for name in paths:
        path = Path(name)
        if name != STDIN and path.is_dir():
            inputs.folders += 1
            found = _visible_xml(path)
            if not found:
                inputs.empty_folders.append(name)
            for file in found:
                add(str(file))
        else:
            add(name)
    return inputs


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def human(report: ValidationReport) -> str:
    """The report as a librarian reads it: verdict, schema, then one line per problem,
    FILE:LINE:COLUMN: PATH: message [kind], leaving out what is not known (never "0")."""
    name = report.filename or STDIN_NAME
    schema = f" against {report.schema}" if report.schema else ""
    errors = sum(1 for p in report.errors if p.severity == "error")
    count = f" ({_plural(errors, 'error')})" if report.status == "invalid" else ""
    lines = [f"{name}: {report.status.upper()}{schema}{count}"]
    for p in report.errors:
        where = ":".join(str(n) for n in (p.line, p.column) if n) if p.line else ""
        prefix = f"{name}:{where}:" if where else f"{name}:"
        path = f" {p.path}:" if p.path else ""
        tag = "" if p.severity == "error" else f"{p.severity}: "
        lines.append(f"{prefix}{path} {tag}{p.message} [{p.kind}]")
    return "\n".join(lines)


def _check(name: str, settings: Settings, schemas: SchemaDirectory) -> list[ValidationReport]:
    """One report per article (an OAI-PMH response saved by a harvester may hold many)."""
    if name == STDIN:
        data = sys.stdin.buffer.read(settings.max_upload_bytes + 1)
        return validate_each(data, filename=STDIN_NAME, schemas=schemas,
                             max_bytes=settings.max_upload_bytes)
    return validate_file_each(name, schemas=schemas, max_bytes=settings.max_upload_bytes)


def _dump(reports: list[dict[str, object]], counts: dict[str, int]) -> None:
    json.dump({"files": reports, "summary": counts}, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    schemas = schema_directory(settings.schema_dir)
    inputs = collect(args.paths)
    for folder in inputs.empty_folders:
        print(f"jats-oai validate: no .xml files in the folder {folder}", file=sys.stderr)
    if not inputs.files:
        if args.json:
            _dump([], {"valid": 0, "invalid": 0, "unusable": 0})
        return 2
    files = inputs.files
    many = len(files) >= PROGRESS_MIN_FILES or inputs.folders > 0
    progress = ProgressBar(len(files), sys.stderr,
                         args.progress or (many and sys.stderr.isatty()))
    worst = 0
    reports = []
    counts = {"valid": 0, "invalid": 0, "unusable": 0}
    try:
        for name in files:
            progress.step(name)
            for report in _check(name, settings, schemas):
                worst = max(worst, report.exit_code)
                counts[report.status] += 1
                if args.json:
                    reports.append(report.to_dict())
                elif not (args.quiet and report.valid):
                    progress.close()
                    print(human(report), flush=True)
    except KeyboardInterrupt:
        progress.close()
        done = sum(counts.values())
        print(f"jats-oai validate: interrupted after {done} of {len(files)} files "
              f"({counts['valid']} valid, {counts['invalid']} invalid, "
              f"{counts['unusable']} unusable)", file=sys.stderr)
        raise
    progress.close()
    if args.json:
        _dump(reports, counts)
    elif len(files) > 1 or inputs.folders or sum(counts.values()) > len(files):
        articles = sum(counts.values())
        what = _plural(len(files), "file") + (
            f", {_plural(articles, 'article')}" if articles != len(files) else "")
        print(f"{what}: {counts['valid']} valid, "
              f"{counts['invalid']} invalid, {counts['unusable']} unusable")
    return worst
