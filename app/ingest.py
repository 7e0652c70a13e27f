"""From JATS bytes to a record ready to store: validate, read, identify, render every format.

The one pipeline for every way a file arrives: ``records load``, the deposit form and the
API (:func:`prepare`; :func:`parts` and :func:`prepare_part` for each article of a saved
OAI-PMH response), the validation page and refused deposits (:func:`preview`),
``jats-oai convert`` and the importer (:func:`read`), so a record is the same whichever door
it came through. Nothing here writes: :func:`prepare` is pure and can run in a worker
process; :func:`commit` stores the result.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from app.config import Settings
from app.crosswalks.registry import CrosswalkError, Document, RenderContext, formats
from app.identifiers import (
    article_url,
    identify,
    jats_url,
    local_identifier,
    named_sets,
    oai_identifier,
    series,
)
from app.importer.provenance import read_provenance
from app.jats.article import ArticleError, read_article
from app.jats.messages import Problem
from app.jats.model import Article
from app.jats.namespaced import Unwrapped
from app.jats.schemas import schema_directory
from app.jats.validation import ValidationReport, check_piece, split, validate, validate_file
from app.store.base import PutResult, RecordDraft, SetInfo, Store
from app.store.search import search_document

log = logging.getLogger(__name__)

#: The format every OAI-PMH item must be available in (protocol section 3.4).
REQUIRED_FORMAT = "oai_dc"


@dataclass(frozen=True)
class Prepared:
    """A valid article turned into a draft, with the sets it names and what was left out."""

    draft: RecordDraft
    sets: tuple[SetInfo, ...]
    article: Article
    left_out: dict[str, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rejected:
    """An input that cannot become a record; the report says why, with line numbers.

    ``article`` is what could be read of it, when it got that far (for a preview).
    """

    report: ValidationReport
    article: Article | None = None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.report.errors if p.severity == "error"]


@dataclass(frozen=True)
class Reading:
    """A validated file and the article read from it; ``problem`` says why none could be."""

    report: ValidationReport
    article: Article | None = None
    problem: str | None = None


def read(data: bytes, *, settings: Settings, filename: str | None = None) -> Reading:
    """Validate with this instance's schemas and size limit, then read the article."""
    return read_report(_validate(data, settings, filename), settings)


def _validate(data: bytes, settings: Settings, filename: str | None) -> ValidationReport:
    return validate(
        data,
        filename=filename,
        schemas=schema_directory(settings.schema_dir),
        max_bytes=settings.max_upload_bytes,
    )


@dataclass(frozen=True)
class Part:
    """One article of an input. A file holds one; an OAI-PMH response a harvester saved
    (GetRecord, ListRecords) may hold several, each then named by its OAI identifier and
    stored as the article alone, in its namespace."""

    identifier: str | None
    source: bytes
    report: ValidationReport


def pieces(data: bytes, settings: Settings) -> list[Unwrapped] | None:
    """The articles of a response holding more than one, unchecked (a load compares their
    hashes first); None when ``data`` is one article, which is checked as it is."""
    return split(data, schemas=schema_directory(settings.schema_dir),
                 max_bytes=settings.max_upload_bytes)


def check(piece: Unwrapped, settings: Settings, filename: str | None) -> Part:
    """One article of a response, validated and reported at its lines in the response."""
    report = check_piece(piece, filename=filename, schemas=schema_directory(settings.schema_dir),
                         max_bytes=settings.max_upload_bytes)
    return Part(piece.identifier, piece.original, report)


def parts(data: bytes, *, settings: Settings, filename: str | None = None) -> list[Part]:
    """Every article of ``data``, each validated: one for a file holding one (exactly as
    :func:`read` and :func:`prepare` see it), one per article of an OAI-PMH response."""
    found = pieces(data, settings)
    if found is None:
        return [Part(None, data, _validate(data, settings, filename))]
    return [check(piece, settings, filename) for piece in found]


def read_file(path: Path | str, *, settings: Settings) -> Reading:
    """:func:`read` of a file, which may be too large or unreadable (the report says so)."""
    return read_report(validate_file(
        path, schemas=schema_directory(settings.schema_dir), max_bytes=settings.max_upload_bytes,
    ), settings)


def read_report(report: ValidationReport, settings: Settings) -> Reading:
    """The article of a usable tree, valid or not: a preview shows what can be taken from it.

    The DTD defaults (an article's language) come from the instance's schema folder.
    """
    if report.root is None or not report.usable:
        return Reading(report)
    try:
        schemas = schema_directory(settings.schema_dir)
        return Reading(report, read_article(report.root, schemas=schemas))
    except ArticleError as exc:
        return Reading(report, None, str(exc))


def journal_settings(path: Path) -> dict[str, dict[str, object]]:
    """Per-journal settings (``journals.toml``), keyed by series slug; empty when absent."""
    if not path.is_file():
        return {}
    with path.open("rb") as fh:
        return tomllib.load(fh)


def journals_for(settings: Settings) -> dict[str, dict[str, object]]:
    """The journal settings of the records folder, for a preview.

    A ``journals.toml`` that cannot be read is logged and ignored here: a preview must not
    fail on it, whereas a load stops (``records load`` reports it).
    """
    path = Path(settings.records_dir) / "journals.toml"
    try:
        return journal_settings(path)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        log.warning("%s cannot be read (%s); no journal setting applies", path, exc)
        return {}


def context_for(article: Article, settings: Settings) -> RenderContext:
    """The render context of an article not being loaded (a preview, ``jats-oai convert``)."""
    journals = journals_for(settings)
    return render_context(article, settings, journals.get(series(article, journals), {}),
                          journals)


def _reject(
    report: ValidationReport, kind: str, message: str, article: Article | None = None
) -> Rejected:
    report.errors.append(Problem(kind, message))
    report.valid = False
    return Rejected(report, article)


def journal_default_access(journal: Mapping[str, object]) -> str | None:
    """The journal's stated access right (``journals.toml``), for records that state none."""
    value = journal.get("default_access_right")
    return value if isinstance(value, str) and value else None


def render_context(
    article: Article,
    settings: Settings,
    journal: Mapping[str, object],
    journals: Mapping[str, Mapping[str, object]] | None = None,
) -> RenderContext:
    """Where a record is served from, as every crosswalk sees it.

    One builder for the loader, the deposit form, the preview and ``jats-oai convert``, so a
    preview shows exactly what a harvester will get once the record is stored.
    """
    local = local_identifier(article, journals)
    return RenderContext(
        oai_identifier=oai_identifier(settings.repository_identifier, local),
        landing_url=article.landing_page or article_url(settings, local),
        jats_url=jats_url(settings, local),
        default_access_right=journal_default_access(journal),
        public_url=settings.public_url,
        schema_dir=settings.schema_dir,
        marc_organization_code=settings.marc_organization_code,
    )


def prepare(
    data: bytes,
    *,
    settings: Settings,
    origin: str | None,
    journals: Mapping[str, Mapping[str, object]] | None = None,
    filename: str | None = None,
) -> Prepared | Rejected:
    """Validate ``data`` and build its draft; never raises for bad input.

    ``journals`` is the per-journal settings table (read from ``records/journals.toml`` when
    not given). A format whose crosswalk raises :class:`CrosswalkError` is left out for this
    record; any other exception too, but it is logged as a fault. A record that cannot be
    given in ``oai_dc`` is rejected, since OAI-PMH requires that format of every item.
    """
    return prepare_part(Part(None, data, _validate(data, settings, filename)),
                        settings=settings, origin=origin, journals=journals)


def prepare_part(
    part: Part,
    *,
    settings: Settings,
    origin: str | None,
    journals: Mapping[str, Mapping[str, object]] | None = None,
) -> Prepared | Rejected:
    """:func:`prepare` of one article of an input, already validated; its source is stored."""
    report, data = part.report, part.source
    if not report.valid or report.root is None:
        return Rejected(report)
    reading = read_report(report, settings)
    article = reading.article
    if article is None:
        return _reject(report, "not-an-article", reading.problem or "no article")
    if journals is None:
        journals = journal_settings(settings.records_dir / "journals.toml")
    journal = journals.get(series(article, journals), {})
    context = render_context(article, settings, journal, journals)
    access = article.access_right or context.default_access_right
    identity = identify(article, access, journals)
    sets = named_sets(identity.sets, journal)
    ours = article_url(settings, identity.identifier)
    rendered, left_out = render_all(Document(report.root, article), context)
    if REQUIRED_FORMAT not in rendered:
        reason = left_out.get(REQUIRED_FORMAT, "no oai_dc crosswalk is registered")
        return _reject(report, "not-renderable", f"The record cannot be given in oai_dc: {reason}",
                       article=article)
    issued = article.issued
    summary: dict[str, object] = {
        "title": article.title,
        "authors": [c.display_name for c in article.authors],
        "journal_title": article.journal_title or sets[0].name,
        "series": identity.series,
        "issue_set": identity.issue_set,
        "year": issued.year if issued else None,
        "volume": article.volume,
        "issue": article.issue,
        "fpage": article.fpage,
        "lpage": article.lpage,
        "landing_url": context.landing_url,
        "article_url": ours,
        "doi": article.doi,
        "access_right": access,
        "lang": article.lang,
    }
    provenance = read_provenance(report.root)
    if provenance:
        summary["provenance"] = provenance
    draft = RecordDraft(
        identifier=identity.identifier,
        source=data,
        content_hash=content_hash(data),
        sets=identity.set_specs,
        formats=rendered,
        summary=summary,
        origin=origin,
        search=search_document(article, series=identity.series,
                               year=issued.year if issued else None, access=access),
    )
    warnings = tuple(p.message for p in report.errors if p.severity != "error")
    return Prepared(draft, sets, article, left_out, warnings + tuple(article.warnings))


@dataclass(frozen=True)
class Preview:
    """What a file would become, without storing it: the validation page, a refused deposit."""

    report: ValidationReport
    article: Article | None
    identifier: str | None
    rendered: Mapping[str, bytes] = field(default_factory=dict)
    left_out: Mapping[str, str] = field(default_factory=dict)


def preview(found: Reading | Rejected, settings: Settings) -> Preview:
    """The identifier the article would get and, for a valid one, every format.

    The formats are those a load would store; a rejected file is shown without them.
    """
    if isinstance(found, Rejected) and found.article is None:
        found = read_report(found.report, settings)
    report, article = found.report, found.article
    if article is None or report.root is None:
        return Preview(report, None, None)
    try:
        identifier: str | None = local_identifier(article, journals_for(settings))
    except ValueError:
        identifier = None
    if not report.valid:
        return Preview(report, article, identifier)
    rendered, left_out = render_all(Document(report.root, article), context_for(article, settings))
    return Preview(report, article, identifier, rendered, left_out)


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def render_all(doc: Document, context: RenderContext) -> tuple[dict[str, bytes], dict[str, str]]:
    """Every registered format; those that fail are left out with the reason."""
    rendered: dict[str, bytes] = {}
    left_out: dict[str, str] = {}
    for prefix, fmt in formats().items():
        try:
            rendered[prefix] = fmt.render(doc, context)
        except CrosswalkError as exc:
            left_out[prefix] = str(exc)
        except Exception as exc:  # noqa: BLE001 - one broken crosswalk must not lose the record
            log.exception("crosswalk %s failed on %s", prefix, context.oai_identifier)
            left_out[prefix] = f"internal error in the {prefix} crosswalk: {exc!r}"
    return rendered, left_out


def commit(store: Store, prepared: Prepared, *, actor: str) -> PutResult:
    """Store a prepared record: its sets' names first, then the record in one transaction."""
    return store_draft(store, prepared.draft, prepared.sets, actor=actor)


def store_draft(
    store: Store, draft: RecordDraft, sets: tuple[SetInfo, ...], *, actor: str
) -> PutResult:
    """One record: :func:`store_drafts` of a batch of one."""
    return store_drafts(store, [(draft, sets)], actor=actor)[0]


def store_drafts(
    store: Store, batch: Sequence[tuple[RecordDraft, tuple[SetInfo, ...]]], *, actor: str
) -> list[PutResult]:
    """Store records in one transaction (``put_many``), their sets' names first, so every
    membership of a stored record has a name and a description.

    A format with a ``date_entered`` hook (MARC 008/00-05) is stamped with the date the record
    entered this catalogue: the store's first datestamp of the record, or today for a new one;
    it is set here, where the store is known (one query for the whole batch).
    """
    for info in {info.spec: info for _, sets in batch for info in sets}.values():
        store.put_set(info)
    drafts = [draft for draft, _ in batch]
    hooks = {p: f.date_entered for p, f in formats().items() if f.date_entered is not None}
    stamped = [d for d in drafts if any(p in d.formats for p in hooks)]
    if stamped:
        firsts = store.entered([d.identifier for d in stamped])
        clock = getattr(store, "clock", time.time)  # the clock the store stamps records by
        today = dt.datetime.fromtimestamp(clock(), dt.UTC)
        drafts = [_date_entered(d, hooks, firsts.get(d.identifier) or today) for d in drafts]
    return store.put_many(drafts, actor=actor)


def _date_entered(
    draft: RecordDraft, hooks: Mapping[str, Callable[[bytes, dt.date], bytes]], entered: dt.datetime
) -> RecordDraft:
    day = entered.astimezone(dt.UTC).date()
    dated = {p: stamp(draft.formats[p], day) for p, stamp in hooks.items() if p in draft.formats}
    if any(dated[p] != draft.formats[p] for p in dated):
        return replace(draft, formats={**draft.formats, **dated})
    return draft
