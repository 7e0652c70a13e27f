"""The validation report as a librarian reads it: problems grouped by kind, each with the
lines of source around it, plus a preview of the metadata a harvester would get.

The page and ``POST /api/validate`` build on the same :func:`build`, so the JSON a script
reads and the page a person reads can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext, lazy_gettext

from app.jats.messages import explain
from app.jats.model import Article
from app.jats.validation import ValidationReport

CONTEXT_LINES = 2
MAX_SHOWN_PER_KIND = 50
MAX_LINE_CHARS = 240

#: Headings of the kinds of problem, in words a librarian reads ("Not well-formed: 4 problems").
LABELS = {
    "malformed": lazy_gettext("Not well-formed"),
    "empty": lazy_gettext("Empty file"),
    "not-xml": lazy_gettext("Not XML"),
    "encoding": lazy_gettext("Wrong character encoding"),
    "unreadable": lazy_gettext("Unreadable file"),
    "too-large": lazy_gettext("File too large"),
    "external-refused": lazy_gettext("External file refused"),
    "entity-amplification": lazy_gettext("Entity expansion bomb"),
    "unknown-entity": lazy_gettext("Unknown entity"),
    "wrong-root": lazy_gettext("Not a JATS article"),
    "unknown-doctype": lazy_gettext("Unknown DOCTYPE"),
    "element-not-allowed": lazy_gettext("Element not allowed here"),
    "missing-required-child": lazy_gettext("Required element missing"),
    "content-model": lazy_gettext("Wrong content of an element"),
    "text-not-allowed": lazy_gettext("Text not allowed here"),
    "undeclared-element": lazy_gettext("Unknown element"),
    "undeclared-attribute": lazy_gettext("Unknown attribute"),
    "attribute-value-not-allowed": lazy_gettext("Attribute value not allowed"),
    "invalid-value": lazy_gettext("Invalid value"),
    "missing-required-attribute": lazy_gettext("Required attribute missing"),
    "dangling-idref": lazy_gettext("Reference to a missing id"),
    "duplicate-id": lazy_gettext("Duplicate id"),
    "schema-error": lazy_gettext("Not valid against the schema"),
}


@dataclass(frozen=True)
class SourceLine:
    number: int
    text: str
    is_error: bool


@dataclass(frozen=True)
class Problem:
    line: int | None
    column: int | None
    path: str | None
    kind: str
    message: str
    severity: str = "error"
    excerpt: tuple[SourceLine, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line, "column": self.column, "path": self.path, "kind": self.kind,
            "severity": self.severity, "message": self.message,
            "context": [{"line": s.number, "text": s.text} for s in self.excerpt],
        }


@dataclass(frozen=True)
class ProblemGroup:
    kind: str
    problems: tuple[Problem, ...]
    hidden: int = 0

    @property
    def explanation(self) -> str:
        return explain(self.kind)

    @property
    def label(self) -> str:
        if self.kind in LABELS:
            return str(LABELS[self.kind])
        return gettext(self.kind.replace("-", " ").replace("_", " ").capitalize())

    @property
    def count(self) -> int:
        return len(self.problems) + self.hidden


@dataclass(frozen=True)
class FormatPreview:
    """One metadata format's payload for this file, or the reason it cannot be made."""

    prefix: str
    payload: str | None
    reason: str | None = None
    clipped: bool = False


@dataclass(frozen=True)
class Preview:
    """What the crosswalks understood: the fields librarians check first."""

    identifier: str | None
    title: str
    translated_titles: tuple[tuple[str, str | None], ...]
    authors: tuple[tuple[str, tuple[str, ...], str | None], ...]
    journal: str | None
    issue: str | None
    abstracts: tuple[tuple[str, str | None], ...]
    keywords: tuple[str, ...]
    references: int
    access_right: str | None
    warnings: tuple[str, ...] = ()
    formats: tuple[FormatPreview, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "identifier": self.identifier,
            "title": self.title,
            "translated_titles": [{"text": t, "lang": lang} for t, lang in self.translated_titles],
            "authors": [
                {"name": n, "affiliations": list(a), "orcid": o} for n, a, o in self.authors
            ],
            "journal": self.journal,
            "issue": self.issue,
            "abstracts": [{"text": t, "lang": lang} for t, lang in self.abstracts],
            "keywords": list(self.keywords),
            "references": self.references,
            "access_right": self.access_right,
            "warnings": list(self.warnings),
            "formats": {f.prefix: {"available": f.payload is not None, "reason": f.reason}
                        for f in self.formats},
        }


@dataclass(frozen=True)
class ReportView:
    valid: bool
    usable: bool
    schema: str | None
    tag_set: str | None
    version: str | None
    filename: str | None
    size: int
    groups: tuple[ProblemGroup, ...]
    preview: Preview | None = None
    problems: tuple[Problem, ...] = field(default=(), repr=False)
    #: The OAI identifier of an article taken out of a saved OAI-PMH response.
    oai_identifier: str | None = None

    @property
    def error_count(self) -> int:
        return len(self.problems)

    def as_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "usable": self.usable,
            "schema": self.schema,
            "tag_set": self.tag_set,
            "version": self.version,
            "filename": self.filename,
            "size": self.size,
            "error_count": self.error_count,
            "errors": [p.as_dict() for p in self.problems],
            "preview": self.preview.as_dict() if self.preview else None,
            **({"oai_identifier": self.oai_identifier} if self.oai_identifier else {}),
        }


def source_lines(data: bytes) -> list[str]:
    """The document's lines as text, whatever its encoding, for quoting around errors."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16", errors="replace")
    else:
        text = data.decode("utf-8", errors="replace")
    return text.splitlines()


def excerpt(lines: list[str], line: int | None) -> tuple[SourceLine, ...]:
    if not line or line < 1 or line > len(lines):
        return ()
    first = max(1, line - CONTEXT_LINES)
    last = min(len(lines), line + CONTEXT_LINES)
    return tuple(
        SourceLine(n, _clip(lines[n - 1]), n == line) for n in range(first, last + 1)
    )


def _clip(text: str) -> str:
    text = text.replace("\t", "    ")
    return text if len(text) <= MAX_LINE_CHARS else text[:MAX_LINE_CHARS] + " …"


def preview_of(
    article: Article, identifier: str | None, formats: tuple[FormatPreview, ...] = ()
) -> Preview:
    authors = []
    for person in article.authors:
        affs = tuple(a.text for a in person.affiliations)
        authors.append((person.display_name, affs, person.orcid))
    issue_bits = [
        f"vol. {article.volume}" if article.volume else "",
        f"no. {article.issue}" if article.issue else "",
        str(article.issued.iso) if article.issued else "",
        f"pp. {article.pages}" if article.fpage else "",
        f"article {article.elocation_id}" if article.elocation_id and not article.fpage else "",
    ]
    return Preview(
        identifier=identifier,
        title=article.title,
        translated_titles=tuple((t.text, t.lang) for t in article.titles[1:]),
        authors=tuple(authors),
        journal=article.journal_title,
        issue=", ".join(b for b in issue_bits if b) or None,
        abstracts=tuple((a.text, a.lang) for a in article.abstracts),
        keywords=tuple(k.text for k in article.keywords),
        references=len(article.references),
        access_right=article.access_right,
        warnings=tuple(article.warnings),
        formats=formats,
    )


def build(
    report: ValidationReport, data: bytes, *, filename: str | None, preview: Preview | None,
    oai_identifier: str | None = None,
) -> ReportView:
    """Group the validator's errors by kind, the kind of the first problem first."""
    lines = source_lines(data) if report.errors else []
    problems = tuple(
        Problem(
            line=err.line, column=err.column,
            path=err.path, kind=err.kind,
            message=err.message, severity=err.severity or "error",
            excerpt=excerpt(lines, err.line),
        )
        for err in report.errors
    )
    by_kind: dict[str, list[Problem]] = {}
    # the first problem first: errors before notes, each in the order of the source
    for problem in sorted(problems, key=lambda p: (p.severity != "error", p.line or 0,
                                                   p.column or 0)):
        by_kind.setdefault(problem.kind, []).append(problem)
    groups = tuple(
        ProblemGroup(kind, tuple(items[:MAX_SHOWN_PER_KIND]),
                     max(0, len(items) - MAX_SHOWN_PER_KIND))
        for kind, items in by_kind.items()
    )
    return ReportView(
        valid=bool(report.valid), usable=bool(report.usable), schema=report.schema,
        tag_set=report.tag_set, version=report.version,
        filename=filename, size=len(data), groups=groups, preview=preview,
        problems=problems, oai_identifier=oai_identifier,
    )
