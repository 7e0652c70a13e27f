"""Search over every record's words, in every language it gives: ``/search`` and
``/api/search`` (JSON), both on the store's own full-text engine (:mod:`app.store.search`)."""

from __future__ import annotations

import weakref
from threading import Lock
from typing import Any

from flask import current_app, jsonify, render_template, request, url_for

from app import identifiers
from app.factory import services
from app.jats.article import ArticleError, read_article
from app.jats.parsing import parse
from app.jats.schemas import schema_directory
from app.store.search import FACETS, SearchQuery, SearchResult, highlight, search_document
from app.web.blueprint import bp
from app.web.i18n import pick
from app.web.paging import Pager, requested_page

PER_PAGE = 20
MAX_QUERY_CHARS = 300
SNIPPET_CHARS = 320

_backfilled: weakref.WeakSet[Any] = weakref.WeakSet()
_backfill_lock = Lock()


def _backfill() -> None:
    """Index, once per process and store, the records stored before the index existed."""
    store = services(current_app).store
    if store in _backfilled:
        return
    with _backfill_lock:
        if store in _backfilled:
            return
        settings = services(current_app).settings
        schemas = schema_directory(settings.schema_dir)
        while todo := store.unindexed():
            documents = []
            for identifier in todo:
                source = store.source(identifier)
                summary = store.summary(identifier) or {}
                parsed = parse(source or b"", schemas,
                               max_bytes=max(settings.max_upload_bytes, len(source or b"")))
                try:
                    article = read_article(parsed.root) if parsed.root is not None else None
                except ArticleError:
                    article = None
                document: dict[str, object] = {"series": summary.get("series"), "texts": [],
                                               "display": {"titles": [[summary.get("title")
                                                                       or identifier, None]]}}
                if article is not None:
                    year = summary.get("year")
                    document = search_document(
                        article, series=str(summary.get("series") or "") or None,
                        year=year if isinstance(year, int) else None,
                        access=str(summary.get("access_right") or "") or None)
                documents.append((identifier, document))
            store.index_for_search(documents)
        _backfilled.add(store)


def _query() -> SearchQuery:
    filters = {name: request.args.get(name, "").strip()[:100] for name, _ in FACETS}
    return SearchQuery(
        text=request.args.get("q", "").strip()[:MAX_QUERY_CHARS],
        filters={k: v for k, v in filters.items() if v},
        page=requested_page(),
        per_page=PER_PAGE,
    )


def _snippet(texts: list[list[str | None]], terms: frozenset[str]) -> tuple[str, str | None]:
    """A short passage around the first matched word of an abstract that has one, else of the
    abstract in the reader's language."""
    matching = [t for t in texts if any(hit for _, hit in highlight(str(t[0] or ""), set(terms)))]
    chosen = matching[0] if matching else pick(texts)
    if not chosen:
        return "", None
    text, lang = str(chosen[0] or ""), chosen[1]
    pieces = highlight(text, set(terms))
    offset = 0
    for piece, hit in pieces:
        if hit:
            break
        offset += len(piece)
    else:
        offset = 0
    start = max(0, offset - SNIPPET_CHARS // 3)
    if start:
        start = text.find(" ", start) + 1 or start
    passage = text[start:start + SNIPPET_CHARS]
    return (("… " if start else "") + passage
            + (" …" if start + SNIPPET_CHARS < len(text) else "")), lang


def hit_view(hit: Any, terms: frozenset[str]) -> dict[str, Any]:
    display = hit.display
    titles = display.get("titles") or [[hit.identifier, None]]
    title, title_lang = pick(titles)
    original = titles[0] if titles and titles[0][0] != title else None
    snippet, snippet_lang = _snippet(display.get("abstracts") or [], terms)
    local_id = identifiers.local_id_of(services(current_app).settings, hit.identifier)
    return {
        "identifier": hit.identifier,
        "url": url_for("web.article_page", local_id=local_id),
        "title": highlight(str(title), set(terms)),
        "title_text": title,
        "title_lang": title_lang,
        "original": original,
        "authors": display.get("authors") or [],
        "journal": display.get("journal"),
        "volume": display.get("volume"),
        "issue": display.get("issue"),
        "pages": display.get("pages"),
        "snippet": highlight(snippet, set(terms)),
        "snippet_text": snippet,
        "snippet_lang": snippet_lang,
        "score": hit.score,
    }


def run() -> tuple[SearchQuery, SearchResult]:
    _backfill()
    query = _query()
    return query, services(current_app).catalogue.search(query)


@bp.route("/search")
def search_page() -> Any:
    query, result = run()
    pager = Pager(query.page, query.per_page, result.total)
    return render_template(
        "search.html", query=query, result=result, pager=pager, search_text=query.text,
        hits=[hit_view(h, result.terms) for h in result.hits],
        facet_names=[name for name, _ in FACETS], filter_url=filter_url,
    )


def filter_url(name: str, value: str | None) -> str:
    """This search with one filter set (or removed, for None), back on the first page."""
    args = request.args.to_dict()
    args.pop("page", None)
    if value is None:
        args.pop(name, None)
    else:
        args[name] = value
    return url_for("web.search_page", **args)


@bp.route("/api/search")
def search_api() -> Any:
    query, result = run()
    return jsonify(
        query=query.text, filters=dict(query.filters), page=query.page,
        per_page=query.per_page, total=result.total,
        results=[
            {k: v for k, v in hit_view(h, result.terms).items()
             if k not in ("title", "snippet")}
            for h in result.hits
        ],
        facets={name: [{"value": v, "count": c} for v, c in values]
                for name, values in result.facets.items()},
    )
