"""``jats-oai convert FILE --to PREFIX``: the payload a harvester would get, without storing it.

A librarian previews any registered format for a JATS file before loading it. The output is
checked against the format's official schema, so the exit code says whether a harvester
would receive a valid record: 0 valid, 1 not valid (or not producible), 2 unusable input.
"""

from __future__ import annotations

import argparse
import sys

from lxml import etree

from app.config import Settings, load_settings
from app.crosswalks.registry import (
    CrosswalkError,
    Document,
    MetadataFormat,
    formats,
)
from app.ingest import context_for, read, read_file

EXIT_VALID, EXIT_INVALID, EXIT_UNUSABLE = 0, 1, 2


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "convert",
        help="print a JATS file in a metadata format (oai_dc, marcxml, ...) without storing it",
        description="Print the payload a harvester would get for FILE in the format PREFIX. "
        "Exit 0 when it is valid against the format's schema, 1 when not, 2 for unusable input.",
    )
    parser.add_argument("file", nargs="?", help="the JATS file ('-' reads standard input)")
    parser.add_argument("--to", dest="prefix", metavar="PREFIX", help="the metadataPrefix")
    parser.add_argument("--list", action="store_true", help="list the metadata prefixes and exit")
    parser.set_defaults(func=run)


def schema_problems(fmt: MetadataFormat, payload: bytes, settings: Settings) -> list[str]:
    """Why the payload is not valid against the format's official schema (empty when valid).

    Each format is compiled as its own schema set: oai_dc and OpenAIRE define the same
    Dublin Core namespace differently and cannot share one.
    """
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        doc = etree.fromstring(payload, parser)
    except etree.XMLSyntaxError as exc:
        return [f"the payload is not well-formed XML: {exc}"]
    schema = fmt.schema(settings.schema_dir)
    if schema.validate(doc):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log.filter_from_errors()]


def _list(settings: Settings) -> int:
    for fmt in formats().values():
        print(f"{fmt.prefix}\t{fmt.namespace}\t{fmt.schema_url(settings.public_url)}")
    return EXIT_VALID


def run(args: argparse.Namespace) -> int:
    if args.list:
        return _list(load_settings())
    if not args.file or not args.prefix:
        print("error: give a FILE and --to PREFIX (or --list)", file=sys.stderr)
        return EXIT_UNUSABLE
    known = formats()
    fmt = known.get(args.prefix)
    if fmt is None:
        print(f"error: no metadata format {args.prefix!r}; known: {', '.join(known)}",
              file=sys.stderr)
        return EXIT_UNUSABLE
    settings = load_settings()
    return convert(args.file, fmt, settings)


def convert(file: str, fmt: MetadataFormat, settings: Settings) -> int:
    """Validate and read the JATS, render it, print the payload, check it; return the exit code."""
    if file == "-":
        reading = read(sys.stdin.buffer.read(settings.max_upload_bytes + 1),
                       settings=settings, filename="<stdin>")
    else:
        reading = read_file(file, settings=settings)
    report, article = reading.report, reading.article
    if report.root is None or not report.usable:
        print(f"error: {file}: unusable input, nothing converted", file=sys.stderr)
        for problem in report.errors:
            print(f"  {problem.message}", file=sys.stderr)
        return EXIT_UNUSABLE
    if article is None:
        print(f"error: {file}: {reading.problem}", file=sys.stderr)
        return EXIT_UNUSABLE
    if not report.valid:
        count = sum(1 for p in report.errors if p.severity == "error")
        print(f"note: {file} is not valid JATS ({count} problem(s); run `jats-oai validate`); "
              "the payload shows what can be taken from it", file=sys.stderr)
    context = context_for(article, settings)
    try:
        payload = fmt.render(Document(report.root, article), context)
    except CrosswalkError as exc:
        print(f"error: {file}: no {fmt.prefix} record can be made: {exc}", file=sys.stderr)
        return EXIT_INVALID
    sys.stdout.buffer.write(payload + b"\n")
    sys.stdout.flush()
    for note in fmt.notes(article, context) if fmt.notes else ():
        print(f"note: {note}", file=sys.stderr)
    problems = schema_problems(fmt, payload, settings)
    if problems:
        print(f"error: the {fmt.prefix} payload is not valid against "
              f"{fmt.schema_url(settings.public_url)}:",
              file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_INVALID
    return EXIT_VALID

