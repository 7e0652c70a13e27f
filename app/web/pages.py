"""The reader's side: journals and their issues, article pages, and the JATS download."""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass, replace
from threading import Lock
from typing import Any

from flask import Response, abort, current_app, render_template, request, url_for

from app import identifiers
from app.crosswalks.common import license_name
from app.crosswalks.registry import formats as registered_formats
from app.factory import services
from app.identifiers import CONVENTION_SETS
from app.jats.article import read_article
from app.jats.model import Article
from app.jats.parsing import parse
from app.jats.schemas import schema_directory
from app.store.base import Header, SetInfo
from app.urls import safe_url
from app.web import citation
from app.web.auth import current_user
from app.web.blueprint import bp
from app.web.i18n import pick
from app.web.paging import Pager, requested_page

ARTICLE_CACHE_SIZE = 256
SERIES_PER_PAGE = 20
YEARS_PER_PAGE = 10
ARTICLES_PER_PAGE = 50


@bp.app_context_processor
def _site_globals() -> dict[str, Any]:
    settings = services(current_app).settings
    return {
        "settings": settings,
        "oai_base": identifiers.oai_base(settings),
        "max_upload_mb": settings.max_upload_bytes // (1024 * 1024),
    }


@dataclass(frozen=True)
class IssueLink:
    spec: str
    key: str
    name: str
    articles: int = 0

    @property
    def year(self) -> str | None:
        """The year an issue key starts with ("2023-4" -> "2023"), None when it has none."""
        head = re.split(r"[-.:_ ]", self.key, maxsplit=1)[0]
        return head if len(head) == 4 and head.isdigit() else None


@dataclass(frozen=True)
class Series:
    spec: str
    name: str
    description: str | None
    issues: tuple[IssueLink, ...]
    articles: int = 0
    first_year: int | None = None
    last_year: int | None = None

    def issues_by_year(self) -> list[tuple[str | None, list[IssueLink]]]:
        """Issues grouped by year, newest year first; issues stay newest first inside."""
        groups: dict[str | None, list[IssueLink]] = {}
        for issue in self.issues:
            groups.setdefault(issue.year, []).append(issue)
        return list(groups.items())


def _number_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """Natural order: "2023-12" after "2023-4"; words after numbers."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part)
        for part in re.split(r"[-.:]", text) if part
    )


def journal_series() -> list[Series]:
    """Series sets with their issue sets (newest issue first) and their figures."""
    sets: list[SetInfo] = services(current_app).harvest.sets()
    children: dict[str, list[IssueLink]] = {}
    tops: dict[str, SetInfo] = {}
    for info in sets:
        parent, sep, key = info.spec.partition(":")
        if sep:
            children.setdefault(parent, []).append(IssueLink(info.spec, key, info.name))
        elif info.spec not in CONVENTION_SETS:
            tops[info.spec] = info
    figures = services(current_app).catalogue.series_figures()
    found = []
    for spec, info in tops.items():
        issues = sorted(children.get(spec, []), key=lambda i: _number_key(i.key), reverse=True)
        known = figures.get(spec)
        found.append(Series(
            spec, info.name, info.description, tuple(issues),
            known.articles if known else 0,
            known.first_year if known else None, known.last_year if known else None,
        ))
    return sorted(found, key=lambda s: s.name.casefold())


@bp.route("/")
def home() -> Any:
    series = journal_series()
    pager = Pager(requested_page(), SERIES_PER_PAGE, len(series))
    shown = series[pager.start:pager.start + pager.per_page]
    return render_template("home.html", series=shown, pager=pager,
                           total_articles=sum(s.articles for s in series))


@bp.route("/journals/<series>")
def series_page(series: str) -> Any:
    found = next((s for s in journal_series() if s.spec == series), None)
    if found is None:
        abort(404, description=f"There is no journal series '{series}'.")
    counts = services(current_app).catalogue.issue_counts(series)
    issues = tuple(IssueLink(i.spec, i.key, i.name, counts.get(i.spec, 0)) for i in found.issues)
    found = replace(found, issues=issues)
    years = found.issues_by_year()
    pager = Pager(requested_page(), YEARS_PER_PAGE, len(years))
    return render_template("series.html", series=found, pager=pager,
                           years=years[pager.start:pager.start + pager.per_page])


def _page_key(summary: dict[str, object], identifier: str) -> tuple[Any, ...]:
    """Page order: first page as a number, then as text, then the identifier."""
    first = str(summary.get("fpage") or summary.get("elocation_id") or "")
    number = int(first) if first.isdigit() else float("inf")
    return (number, first, identifier)


@bp.route("/journals/<series>/<issue>")
def issue_page(series: str, issue: str) -> Any:
    store = services(current_app).harvest
    spec = f"{series}:{issue}"
    info = next((s for s in store.sets() if s.spec == spec), None)
    if info is None:
        abort(404, description=f"There is no issue '{issue}' in the series '{series}'.")
    parent = next((s for s in journal_series() if s.spec == series), None)
    records = sorted(store.records_in_set(spec), key=lambda r: _page_key(r[1], r[0].identifier))
    pager = Pager(requested_page(), ARTICLES_PER_PAGE, len(records))
    entries = [_entry(h, s) for h, s in records[pager.start:pager.start + pager.per_page]]
    return render_template("issue.html", info=info, series=parent, entries=entries, pager=pager)


def _entry(header: Header, summary: dict[str, object]) -> dict[str, Any]:
    local_id = identifiers.local_id_of(services(current_app).settings, header.identifier)
    authors = summary.get("authors") or []
    names = [str(a) for a in authors] if isinstance(authors, list) else []
    fpage, lpage = summary.get("fpage"), summary.get("lpage")
    pages = f"{fpage}–{lpage}" if fpage and lpage else (fpage or summary.get("elocation_id"))
    return {
        "url": url_for("web.article_page", local_id=local_id),
        "title": summary.get("title") or local_id,
        "authors": [n for n in names if n],
        "pages": pages,
        "lang": summary.get("title_lang") or summary.get("lang"),
    }


class _ArticleCache:
    """Articles read from stored JATS, keyed by content hash: a page view parses nothing twice."""

    def __init__(self, size: int) -> None:
        self._items: OrderedDict[str, Article] = OrderedDict()
        self._size = size
        self._lock = Lock()

    def get(self, content_hash: str, source: bytes) -> Article:
        with self._lock:
            if content_hash in self._items:
                self._items.move_to_end(content_hash)
                return self._items[content_hash]
        article = _read(source)
        with self._lock:
            self._items[content_hash] = article
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return article


def _read(source: bytes) -> Article:
    """Parse the stored JATS with the hardened parser; it was validated when it came in."""
    settings = services(current_app).settings
    schemas = schema_directory(settings.schema_dir)
    parsed = parse(source, schemas, max_bytes=max(settings.max_upload_bytes, len(source)))
    if parsed.root is None:
        abort(500, description="The stored JATS of this article cannot be read.")
    return read_article(parsed.root, schemas=schemas)


_articles = _ArticleCache(ARTICLE_CACHE_SIZE)


def _tombstone(local_id: str, header: Header) -> Any:
    return render_template("withdrawn.html", local_id=local_id, header=header), 410


@bp.route("/articles/<path:local_id>")
def article_page(local_id: str) -> Any:
    svc = services(current_app)
    store, settings = svc.store, svc.settings
    header = store.header(local_id)
    if header is None:
        abort(404, description=f"There is no article '{local_id}' here.")
    if header.deleted:
        return _tombstone(local_id, header)
    source = store.source(local_id)
    content_hash = store.content_hash(local_id)
    if source is None or content_hash is None:
        return _tombstone(local_id, header)
    article = _articles.get(content_hash, source)
    known = registered_formats()
    have = set(store.formats_of(local_id))
    prefixes = {p: fmt.namespace for p, fmt in known.items() if p in have}
    links = citation.links_for(settings, local_id, article, prefixes)
    signposts = citation.signposting(article, links)
    issue = _issue_of(header)
    editor = current_user()
    body = render_template(
        "article.html",
        article=article,
        local_id=local_id,
        header=header,
        links=links,
        issue=issue,
        keyword_groups=_keyword_groups(article),
        full_text=full_text_links(article),
        licence_name=license_name(article.license_url),
        licence_url=safe_url(article.license_url),
        doi_url=safe_url(f"doi:{article.doi}") if article.doi else None,
        reader_title=pick(article.titles),
        reader_abstracts=_reader_first(article.abstracts),
        ref_doi=lambda ref: safe_url(f"doi:{ref.doi}") if ref.doi else None,
        highwire=citation.highwire_tags(article, links),
        dublin_core=citation.dublin_core_tags(article, links),
        json_ld=citation.json_ld(article, links),
        signposts=signposts,
        cite=citation.how_to_cite(article, links),
        orcid_url=citation.orcid_url,
        history=store.history(local_id) if editor else None,
        provenance=(store.summary(local_id) or {}).get("provenance"),
    )
    response = Response(body, mimetype="text/html")
    response.headers["Link"] = citation.link_header(signposts)
    response.last_modified = header.datestamp
    return response


def full_text_links(article: Article) -> list[tuple[str, str]]:
    """(kind, address) of the full text the JATS names in ``self-uri``: absolute addresses
    of a PDF or an HTML page (a relative one points into the publisher's site, not ours)."""
    found = []
    for uri in article.self_uris:
        safe = safe_url(uri)
        if not safe or not safe.startswith(("http://", "https://")):
            continue
        path = safe.split("?", 1)[0].lower()
        if path.endswith(".pdf"):
            found.append(("PDF", safe))
        elif path.endswith((".html", ".htm")):
            found.append(("HTML", safe))
    return found


def _reader_first(texts: tuple[Any, ...]) -> list[Any]:
    """The reader's language first, then the others in the record's order."""
    chosen = pick(texts)
    return [chosen, *(t for t in texts if t is not chosen)] if chosen else []


def _keyword_groups(article: Article) -> list[tuple[str | None, list[str]]]:
    """Keywords by language, in the order the record gives the languages."""
    groups: dict[str | None, list[str]] = {}
    for keyword in article.keywords:
        groups.setdefault(keyword.lang, []).append(keyword.text)
    return list(groups.items())


def _issue_of(header: Header) -> dict[str, str] | None:
    """The issue set a record belongs to, for the breadcrumb."""
    for spec in header.sets:
        series, sep, key = spec.partition(":")
        if sep and series not in CONVENTION_SETS:
            return {
                "series": series,
                "key": key,
                "url": url_for("web.issue_page", series=series, issue=key),
                "series_url": url_for("web.series_page", series=series),
            }
    return None


def download_name(local_id: str) -> str:
    """``history/5763`` -> ``history-5763.xml``: ASCII only, no path separators."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", local_id).strip("-.") or "article"
    return f"{stem}.xml"


@bp.route("/jats/<path:local_id>")
def jats_download(local_id: str) -> Any:
    store = services(current_app).records
    header = store.header(local_id)
    if header is None:
        abort(404, description=f"There is no article '{local_id}' here.")
    source = None if header.deleted else store.source(local_id)
    if source is None:
        abort(410, description=f"The article '{local_id}' was withdrawn; its JATS is not served.")
    response = Response(source)
    response.headers["Content-Type"] = "application/jats+xml"
    response.headers["Content-Disposition"] = f'attachment; filename="{download_name(local_id)}"'
    response.headers["Cache-Control"] = "public, no-cache"
    page = identifiers.article_url(services(current_app).settings, local_id)
    response.headers["Link"] = f'<{page}>; rel="describes"; type="text/html"'
    response.set_etag(store.content_hash(local_id) or "")
    response.last_modified = header.datestamp
    response = response.make_conditional(request)
    # make_conditional stamps a Date header, and every HTTP server sends its own: keep one
    response.headers.pop("Date", None)
    return response
