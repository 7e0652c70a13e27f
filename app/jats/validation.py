"""Validate a JATS document against the official schema it declares.

Selection: a DOCTYPE public/system identifier picks the official DTD through the catalog
(NLM 2.3/3.0, JATS 1.0-1.4 Archiving and Publishing); a document without a DOCTYPE is checked
against the JATS Publishing XSD of its @dtd-version (1.3 or 1.4, else the newest, with a
note); a DOCTYPE we do not hold gets an "unknown-doctype" warning plus that XSD check. The
DTD or XSD is compiled once per process (see `app.jats.schemas`); nothing is ever fetched.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from lxml import etree

from app.config import DEFAULT_SCHEMA_DIR
from app.jats.columns import derive_columns
from app.jats.messages import EXPLANATIONS, Problem, describe
from app.jats.namespaced import Unwrapped, unwrap
from app.jats.parsing import DEFAULT_MAX_BYTES, Parsed, parse, size_problem, unknown_doctype
from app.jats.schemas import (
    JATS_PUBLISHING_XSD,
    NEWEST_XSD_VERSION,
    SchemaDirectory,
    describe_dtd,
    schema_directory,
)

__all__ = [
    "DEFAULT_MAX_BYTES", "EXPLANATIONS", "Problem", "ValidationReport", "check_piece", "split",
    "validate", "validate_file",
]

NEWEST_DTD = "archiving-1.4/JATS-archivearticle1-4-mathml3.dtd"


@dataclass
class ValidationReport:
    """The verdict on one document. `usable` is False when no article tree could be had."""

    valid: bool
    usable: bool
    schema: str | None = None
    tag_set: str | None = None
    version: str | None = None
    errors: list[Problem] = field(default_factory=list)
    filename: str | None = None
    tree: etree._ElementTree | None = field(default=None, repr=False, compare=False)

    @property
    def root(self) -> etree._Element | None:
        return self.tree.getroot() if self.tree is not None else None

    @property
    def status(self) -> str:
        return "valid" if self.valid else ("invalid" if self.usable else "unusable")

    @property
    def exit_code(self) -> int:
        """0 valid, 1 invalid, 2 unusable input: the command line's exit codes."""
        return 0 if self.valid else (1 if self.usable else 2)

    def to_dict(self) -> dict[str, object]:
        return {
            "file": self.filename, "status": self.status, "valid": self.valid,
            "usable": self.usable, "schema": self.schema, "tag_set": self.tag_set,
            "version": self.version, "errors": [p.to_dict() for p in self.errors],
        }


@lru_cache(maxsize=1)
def _defaults() -> tuple[SchemaDirectory, int]:
    """For a caller that passes no schemas (a library call): the default folder and limit.

    The service, the CLI and the pipeline always pass their settings' own.
    """
    return schema_directory(DEFAULT_SCHEMA_DIR), DEFAULT_MAX_BYTES


def _lock(schemas: SchemaDirectory, key: object) -> threading.Lock:
    return schemas.cached(("lock", key), threading.Lock)


def _vocabulary(schemas: SchemaDirectory, path: Path) -> tuple[set[str], set[tuple[str, str]]]:
    """Element names and (element, attribute) pairs a DTD declares (cached)."""
    def build() -> tuple[set[str], set[tuple[str, str]]]:
        dtd = schemas.dtd(path)
        elements = {el.name if not el.prefix else f"{el.prefix}:{el.name}"
                    for el in dtd.elements()}
        attrs = {(el.name, a.name if not a.prefix else f"{a.prefix}:{a.name}")
                 for el in dtd.elements() for a in el.iterattributes()}
        return elements, attrs
    return schemas.cached(("vocab", path), build)


def _log_problems(log: etree._ListErrorLog, *, declared: set[str] | None = None,
                  newest: tuple[set[str], set[tuple[str, str]]] | None = None,
                  version: str | None = None) -> list[Problem]:
    problems = []
    for entry in log:
        if entry.level < etree.ErrorLevels.ERROR:
            continue
        kind, message = describe(entry.message, declared=declared,
                                 newest=newest[0] if newest else None,
                                 newest_attrs=newest[1] if newest else None, version=version)
        problems.append(Problem(kind, message, entry.line or None, entry.column or None,
                                entry.path or None, entry.message.strip()))
    return problems


def _check_dtd(report: ValidationReport, parsed: Parsed, schemas: SchemaDirectory) -> None:
    info = describe_dtd(parsed.dtd_path)
    report.schema, report.tag_set, report.version = info.label, info.tag_set, info.version
    dtd = schemas.dtd(parsed.dtd_path)
    with _lock(schemas, parsed.dtd_path):
        try:
            ok = dtd.validate(parsed.tree)
        except etree.LxmlError as exc:
            report.errors.append(Problem("schema-error", "The DTD validator could not check "
                                         f"this document: {exc}.", raw=str(exc)))
            return
        log = dtd.error_log.filter_from_errors()
    if not ok:
        declared = _vocabulary(schemas, parsed.dtd_path)[0]
        newest = _vocabulary(schemas, schemas.dtd_dir / NEWEST_DTD)
        report.errors += _log_problems(log, declared=declared, newest=newest,
                                       version=info.label.removesuffix(" DTD"))


def _check_xsd(report: ValidationReport, root: etree._Element,
               schemas: SchemaDirectory) -> None:
    declared = (root.get("dtd-version") or "").strip()
    version = declared if declared in JATS_PUBLISHING_XSD else NEWEST_XSD_VERSION
    if version != declared:
        said = f'dtd-version="{declared}"' if declared else "no dtd-version"
        report.errors.append(Problem(
            "version-fallback",
            f"The document has {said}; there is no JATS Publishing XSD for that here, so the "
            f"newest one (JATS {version}) was used.", severity="note"))
    report.schema = f"JATS {version} Publishing (MathML 3) XSD"
    report.tag_set, report.version = "Publishing", version
    schema = schemas.jats_xsd(version)
    with _lock(schemas, ("xsd", version)):
        try:
            ok = schema.validate(root.getroottree())
        except etree.LxmlError as exc:  # libxml2 gives up on some trees; say so, never crash
            report.errors.append(Problem("schema-error", "The XSD validator could not check "
                                         f"this document: {exc}.", raw=str(exc)))
            return
        log = schema.error_log.filter_from_errors()
    if not ok:
        report.errors += _log_problems(log, version=f"JATS {version} Publishing")


def validate(data: bytes, *, filename: str | None = None,
             schemas: SchemaDirectory | None = None,
             max_bytes: int | None = None) -> ValidationReport:
    """Well-formedness, then the official schema the document declares; never raises for
    bad input: every problem is in the report, with the best column known for it (libxml2
    gives validity errors none; `column_derived` marks the ones worked out from the source)."""
    reports = validate_each(data, filename=filename, schemas=schemas, max_bytes=max_bytes)
    if len(reports) == 1:
        return reports[0]
    shown = ", ".join(r.filename or "" for r in reports[:3]) + (", ..." if len(reports) > 3
                                                                 else "")
    return ValidationReport(False, False, filename=filename, errors=[Problem(
        "many-articles", f"This OAI-PMH response holds {len(reports)} JATS articles ({shown}); "
        "give one article at a time here; the validation page, 'jats-oai validate', the deposit "
        "API and 'jats-oai records load' take each of them.")])


def validate_each(data: bytes, *, filename: str | None = None,
                  schemas: SchemaDirectory | None = None,
                  max_bytes: int | None = None) -> list[ValidationReport]:
    """One report per article: a JATS file, an article in a JATS namespace, or each article
    of an OAI-PMH response (GetRecord, ListRecords) taken out of its namespace."""
    if schemas is None:
        schemas = _defaults()[0]
    pieces = unwrap(bytes(data), schemas) if size_problem(len(data), max_bytes or
                                                          _defaults()[1]) is None else None
    if not pieces:  # an ordinary file, or a response with no JATS article in it
        return [_checked(data, filename=filename, schemas=schemas, max_bytes=max_bytes)]
    return [check_piece(piece, filename=filename, schemas=schemas, max_bytes=max_bytes)
            for piece in pieces]


def split(data: bytes, *, schemas: SchemaDirectory | None = None,
          max_bytes: int | None = None) -> list[Unwrapped] | None:
    """The articles of an OAI-PMH response holding more than one, not yet checked; None for
    anything else (one article, or input too large to be parsed: checked as it is)."""
    if schemas is None:
        schemas = _defaults()[0]
    if size_problem(len(data), max_bytes or _defaults()[1]) is not None:
        return None
    pieces = unwrap(bytes(data), schemas)
    return pieces if pieces and len(pieces) > 1 else None


def check_piece(piece: Unwrapped, *, filename: str | None,
                schemas: SchemaDirectory | None = None,
                max_bytes: int | None = None) -> ValidationReport:
    """One article taken out of its namespace, reported as ``filename#identifier`` at its
    lines in the file given."""
    name = f"{filename or 'input'}#{piece.identifier}" if piece.identifier else filename
    report = _checked(piece.data, filename=name, schemas=schemas, max_bytes=max_bytes)
    report.errors.insert(0, Problem(
        "namespaced", f"The article is in the namespace {piece.namespace}; it was checked "
        f"without it against the DTD {piece.public_id or 'its DOCTYPE names'}.",
        severity="note"))
    return report


def _checked(data: bytes, *, filename: str | None, schemas: SchemaDirectory | None,
             max_bytes: int | None) -> ValidationReport:
    report = _validate(data, filename=filename, schemas=schemas, max_bytes=max_bytes)
    if report.errors and report.tree is not None:
        derive_columns(report.errors, bytes(data), report.tree)
    return report


def _validate(data: bytes, *, filename: str | None, schemas: SchemaDirectory | None,
              max_bytes: int | None) -> ValidationReport:
    if schemas is None or max_bytes is None:
        default_schemas, default_max = _defaults()
        schemas = schemas or default_schemas
        max_bytes = max_bytes if max_bytes is not None else default_max
    parsed = parse(data, schemas, max_bytes=max_bytes)
    report = ValidationReport(valid=False, usable=parsed.tree is not None, filename=filename,
                              errors=list(parsed.problems), tree=parsed.tree)
    root = parsed.root
    if root is None:
        return report
    if root.tag != "article":
        name = etree.QName(root)
        where = f" in namespace {name.namespace}" if name.namespace else ""
        report.usable = False
        report.errors.insert(0, Problem(
            "wrong-root", f"The root element is <{name.localname}>{where}, not a JATS "
            "<article>; this is not a JATS journal article.",
            root.sourceline, None, f"/{name.localname}"))
        return report
    if parsed.dtd_path is not None:
        _check_dtd(report, parsed, schemas)
    else:
        if parsed.has_doctype and (parsed.public_id or parsed.system_id):
            report.errors.append(unknown_doctype(parsed))
        _check_xsd(report, root, schemas)
    report.valid = not any(p.severity == "error" for p in report.errors)
    return report


def validate_file(path: Path | str, *, schemas: SchemaDirectory | None = None,
                  max_bytes: int | None = None) -> ValidationReport:
    """Validate a file; its size is checked before a byte of it is read."""
    data = _read(Path(path), max_bytes)
    if isinstance(data, ValidationReport):
        return data
    return validate(data, filename=str(path), schemas=schemas, max_bytes=max_bytes)


def validate_file_each(path: Path | str, *, schemas: SchemaDirectory | None = None,
                       max_bytes: int | None = None) -> list[ValidationReport]:
    """One report per article of a file (an OAI-PMH response may hold many)."""
    data = _read(Path(path), max_bytes)
    if isinstance(data, ValidationReport):
        return [data]
    return validate_each(data, filename=str(path), schemas=schemas, max_bytes=max_bytes)


def _read(path: Path, max_bytes: int | None) -> bytes | ValidationReport:
    if max_bytes is None:
        max_bytes = _defaults()[1]
    try:
        size = path.stat().st_size
        too_big = size_problem(size, max_bytes)
        if too_big:
            return ValidationReport(False, False, errors=[too_big], filename=str(path))
        with path.open("rb") as fh:
            return fh.read(max_bytes + 1)
    except OSError as exc:
        return ValidationReport(False, False, filename=str(path), errors=[Problem(
            "unreadable", _unreadable(exc), raw=str(exc))])


def _unreadable(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "There is no such file; check the name and the folder."
    if isinstance(exc, PermissionError):
        return "The file cannot be read: permission denied."
    if isinstance(exc, IsADirectoryError):
        return "This is a folder, not a file."
    return f"The file cannot be read: {exc.strerror or exc}."
