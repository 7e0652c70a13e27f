"""The search index of the pages, in each store's own full-text engine.

One document per live record: its words in every language it gives (titles, authors,
abstracts, keywords, references), the facets a reader filters by (series, year, language,
article type, access right) and what a result shows. The store keeps it in step in the same
transaction as the record (:meth:`SearchIndex.put`, :meth:`SearchIndex.remove`).

Word forms match: SQLite's FTS5 gets words already reduced to their Snowball stems (PyStemmer:
Russian for Cyrillic words, English for Latin ones) at index and at query time; PostgreSQL
reduces each piece of text with the configuration of its language (``russian``, ``english``,
else ``simple``) into a ``tsvector`` under a GIN index, and a query with all three. So
"сотрудничество" finds "сотрудничества" and "cooperation" finds "cooperative" in both.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import Stemmer

from app.jats.model import Article

#: The facets a search is narrowed by, as (query parameter, search_docs column).
FACETS: tuple[tuple[str, str], ...] = (
    ("series", "series"), ("year", "year"), ("lang", "lang"),
    ("type", "article_type"), ("access", "access"),
)
FIELDS = ("title", "authors", "abstract", "keywords", "refs")
MAX_QUERY_WORDS = 32
MAX_FACET_VALUES = 30
ABSTRACT_CHARS = 1200

_WORD = re.compile(r"\w+", re.UNICODE)
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_local = threading.local()


class Db(Protocol):
    def execute(self, sql: str, params: tuple | list = ()) -> Any: ...


def _stemmers() -> tuple[Any, Any]:
    """PyStemmer objects are not thread-safe: one pair per thread."""
    pair = getattr(_local, "stemmers", None)
    if pair is None:
        pair = (Stemmer.Stemmer("russian"), Stemmer.Stemmer("english"))
        _local.stemmers = pair
    return pair


def words(text: str) -> list[str]:
    """The words of a text, folded as the index folds them (case, ё = е)."""
    return [w.casefold().replace("ё", "е") for w in _WORD.findall(text)]


def stem(word: str) -> str:
    """The Snowball stem: Russian rules for a Cyrillic word, English for the rest."""
    russian, english = _stemmers()
    return (russian if _CYRILLIC.search(word) else english).stemWord(word)


def stems(text: str) -> list[str]:
    return [stem(w) for w in words(text)]


def highlight(text: str, terms: set[str]) -> list[tuple[str, bool]]:
    """The text cut into (piece, matched) so a page can mark each word whose stem was asked."""
    if not terms:
        return [(text, False)]
    pieces: list[tuple[str, bool]] = []
    last = 0
    for m in _WORD.finditer(text):
        if stem(m.group().casefold().replace("ё", "е")) in terms:
            if m.start() > last:
                pieces.append((text[last:m.start()], False))
            pieces.append((m.group(), True))
            last = m.end()
    if last < len(text):
        pieces.append((text[last:], False))
    return pieces


def search_document(
    article: Article, *, series: str | None, year: int | None, access: str | None
) -> dict[str, object]:
    """What the index keeps of an article: JSON-able, carried by the record draft."""
    lang = article.lang
    texts: list[tuple[str, str | None, str]] = []
    texts += [("title", t.lang or lang, t.text) for t in (*article.titles, *article.subtitles)]
    texts += [("authors", None, c.display_name) for c in article.contributors if c.display_name]
    texts += [("abstract", a.lang or lang, a.text) for a in article.abstracts]
    texts += [("keywords", k.lang or lang, k.text) for k in article.keywords]
    texts += [("refs", r.lang, r.text) for r in article.references if r.text]
    return {
        "series": series,
        "year": year,
        "lang": lang,
        "article_type": article.article_type,
        "access": access,
        "texts": [list(t) for t in texts if t[2]],
        "display": {
            "titles": [[t.text, t.lang or lang] for t in article.titles],
            "authors": [c.display_name for c in article.authors if c.display_name],
            "abstracts": [[a.text[:ABSTRACT_CHARS], a.lang or lang] for a in article.abstracts],
            "journal": article.journal_title,
            "volume": article.volume,
            "issue": article.issue,
            "pages": article.pages,
            "doi": article.doi,
        },
    }


@dataclass(frozen=True)
class SearchQuery:
    """A reader's question: words (may be empty: browse), exact-value filters, a page."""

    text: str = ""
    filters: Mapping[str, str] = field(default_factory=dict)
    page: int = 1
    per_page: int = 20

    @property
    def offset(self) -> int:
        return (max(self.page, 1) - 1) * self.per_page

    def terms(self) -> list[str]:
        return words(self.text)[:MAX_QUERY_WORDS]


@dataclass(frozen=True)
class Hit:
    identifier: str
    display: dict[str, Any]
    score: float


@dataclass(frozen=True)
class SearchResult:
    total: int
    hits: tuple[Hit, ...]
    facets: dict[str, list[tuple[str, int]]]
    terms: frozenset[str]


def _filters(query: SearchQuery) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    for name, column in FACETS:
        value = query.filters.get(name)
        if not value:
            continue
        if column == "year":
            if not value.isdigit():
                where.append("1 = 0")
                continue
            where.append("d.year = ?")
            params.append(int(value))
        else:
            where.append(f"d.{column} = ?")
            params.append(value)
    return where, params


class SearchIndex:
    """The dialect-independent half: filters, facets, pages."""

    def put(self, db: Db, identifier: str, document: Mapping[str, Any]) -> None:
        raise NotImplementedError

    def remove(self, db: Db, identifier: str) -> None:
        raise NotImplementedError

    def _match(self, query: SearchQuery) -> tuple[str, str, list[Any], tuple[str, str]]:
        """(FROM clause, WHERE on the words, its params, ORDER BY) for the query's words."""
        raise NotImplementedError

    def search(self, db: Db, query: SearchQuery) -> SearchResult:
        """One pass counts the matches by every facet at once; one more ranks a page."""
        source, match, match_params, order = self._match(query)
        where, params = _filters(query)
        clauses = ([match] if match else []) + where
        condition = (" WHERE " + " AND ".join(clauses)) if clauses else ""
        all_params = match_params + params
        columns = ", ".join(f"d.{column}" for _, column in FACETS)
        combos = db.execute(
            f"SELECT {columns}, count(*) FROM {source}{condition} GROUP BY {columns}",
            all_params,
        ).fetchall()
        total = 0
        counts: dict[str, dict[str, int]] = {name: {} for name, _ in FACETS}
        for row in combos:
            n = int(row[-1])
            total += n
            for (name, _), value in zip(FACETS, row[:-1], strict=False):
                if value is not None:
                    key = str(value)
                    counts[name][key] = counts[name].get(key, 0) + n
        facets = {
            name: sorted(found.items(), key=(lambda kv: kv[0]) if name == "year"
                         else (lambda kv: (-kv[1], kv[0])),
                         reverse=name == "year")[:MAX_FACET_VALUES]
            for name, found in counts.items()
        }
        rows = db.execute(
            f"SELECT d.identifier, {order[0]} FROM {source}{condition}"
            f" ORDER BY {order[1]} LIMIT ? OFFSET ?",
            [*all_params, query.per_page, query.offset],
        ).fetchall()
        shown = self._displays(db, [r[0] for r in rows])
        hits = tuple(Hit(i, shown.get(i, {}), float(s or 0)) for i, s in rows)
        terms = frozenset(stem(w) for w in query.terms())
        return SearchResult(total, hits, facets, terms)

    def _displays(self, db: Db, identifiers: list[str]) -> dict[str, dict[str, Any]]:
        raise NotImplementedError

    @staticmethod
    def _facet_values(document: Mapping[str, Any]) -> list[Any]:
        return [document.get(column) for _, column in FACETS]


class SqliteSearch(SearchIndex):
    """FTS5 over stemmed words; bm25 ranks, titles weighing most."""

    _WEIGHTS = "10.0, 4.0, 2.0, 4.0, 1.0"

    def put(self, db: Db, identifier: str, document: Mapping[str, Any]) -> None:
        self.remove(db, identifier)
        columns: dict[str, list[str]] = {f: [] for f in FIELDS}
        for kind, _lang, text in document.get("texts", []):
            if kind in columns:
                columns[kind].append(" ".join(stems(text)))
        db.execute(
            "INSERT INTO search_docs (identifier, series, year, lang, article_type, access)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [identifier, *self._facet_values(document)],
        )
        rowid = db.execute(
            "SELECT id FROM search_docs WHERE identifier = ?", (identifier,)
        ).fetchone()[0]
        db.execute("INSERT INTO search_display (id, display) VALUES (?, ?)",
                   (rowid, json.dumps(document.get("display", {}), ensure_ascii=False)))
        db.execute(
            "INSERT INTO search_fts (rowid, title, authors, abstract, keywords, refs)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [rowid, *(" ".join(columns[f]) for f in FIELDS)],
        )

    def remove(self, db: Db, identifier: str) -> None:
        row = db.execute("SELECT id FROM search_docs WHERE identifier = ?",
                         (identifier,)).fetchone()
        if row is not None:
            db.execute("DELETE FROM search_fts WHERE rowid = ?", (row[0],))
            db.execute("DELETE FROM search_display WHERE id = ?", (row[0],))
            db.execute("DELETE FROM search_docs WHERE id = ?", (row[0],))

    def _displays(self, db: Db, identifiers: list[str]) -> dict[str, dict[str, Any]]:
        if not identifiers:
            return {}
        marks = ", ".join("?" for _ in identifiers)
        rows = db.execute(
            "SELECT d.identifier, s.display FROM search_docs d JOIN search_display s"
            f" ON s.id = d.id WHERE d.identifier IN ({marks})", identifiers,
        ).fetchall()
        return {i: json.loads(v) for i, v in rows}

    def _match(self, query: SearchQuery) -> tuple[str, str, list[Any], tuple[str, str]]:
        terms = [stem(w) for w in query.terms()]
        if not terms:
            return "search_docs d", "", [], ("0", "d.year DESC NULLS LAST, d.identifier")
        expression = " ".join('"' + t.replace('"', '""') + '"' for t in terms)
        return (
            "search_fts JOIN search_docs d ON d.id = search_fts.rowid",
            "search_fts MATCH ?",
            [expression],
            (f"-bm25(search_fts, {self._WEIGHTS})", "2 DESC, d.identifier"),
        )


def pg_configuration(lang: str | None) -> str:
    """The PostgreSQL text search configuration for a language code."""
    code = (lang or "").lower()[:2]
    return {"ru": "russian", "en": "english"}.get(code, "simple")


_PG_WEIGHTS = {"title": "A", "keywords": "B", "authors": "B", "abstract": "C", "refs": "D"}
_PG_QUERY = (
    "(websearch_to_tsquery('russian', ?) || websearch_to_tsquery('english', ?)"
    " || websearch_to_tsquery('simple', ?))"
)


class PostgresSearch(SearchIndex):
    """All the words in a GIN-indexed tsvector; a small one of titles and keywords ranks
    (ts_rank_cd), so ranking thousands of matches never reads their whole text."""

    @staticmethod
    def _vector(pieces: dict[tuple[str, str], list[str]]) -> tuple[str, list[Any]]:
        parts = [f"setweight(to_tsvector(?::regconfig, ?), '{w}')" for (w, _c) in pieces]
        params: list[Any] = []
        for (_w, config), texts in pieces.items():
            params += [config, "\n".join(texts)]
        return " || ".join(parts) or "''::tsvector", params

    def search(self, db: Db, query: SearchQuery) -> SearchResult:
        """In one read-only transaction that keeps the planner off sequential scans: a
        word found in a third of the records still reads the GIN index, never every
        record's TOASTed words (which the planner does not count)."""
        db.execute("BEGIN READ ONLY")
        try:
            db.execute("SET LOCAL enable_seqscan = off")
            return super().search(db, query)
        finally:
            db.execute("COMMIT")

    def put(self, db: Db, identifier: str, document: Mapping[str, Any]) -> None:
        grouped: dict[tuple[str, str], list[str]] = {}
        ranking: dict[tuple[str, str], list[str]] = {}
        record_lang = document.get("lang")
        for kind, lang, text in document.get("texts", []):
            weight = _PG_WEIGHTS.get(kind, "D")
            config = "simple" if kind == "authors" else pg_configuration(lang or record_lang)
            grouped.setdefault((weight, config), []).append(text)
            if kind in ("title", "keywords"):
                ranking.setdefault((weight, config), []).append(text)
        words, words_params = self._vector(grouped)
        titles, titles_params = self._vector(ranking)
        db.execute(
            "INSERT INTO search_docs (identifier, series, year, lang, article_type, access,"
            f" title_words) VALUES (?, ?, ?, ?, ?, ?, {titles})"
            " ON CONFLICT (identifier) DO UPDATE SET series = excluded.series,"
            " year = excluded.year, lang = excluded.lang, article_type = excluded.article_type,"
            " access = excluded.access, title_words = excluded.title_words",
            [identifier, *self._facet_values(document), *titles_params],
        )
        db.execute(
            f"INSERT INTO search_words (identifier, words) VALUES (?, {words})"
            " ON CONFLICT (identifier) DO UPDATE SET words = excluded.words",
            [identifier, *words_params],
        )
        db.execute(
            "INSERT INTO search_display (identifier, display) VALUES (?, ?)"
            " ON CONFLICT (identifier) DO UPDATE SET display = excluded.display",
            (identifier, json.dumps(document.get("display", {}), ensure_ascii=False)),
        )

    def remove(self, db: Db, identifier: str) -> None:
        for table in ("search_docs", "search_words", "search_display"):
            db.execute(f"DELETE FROM {table} WHERE identifier = ?", (identifier,))

    def _displays(self, db: Db, identifiers: list[str]) -> dict[str, dict[str, Any]]:
        if not identifiers:
            return {}
        rows = db.execute(
            "SELECT identifier, display FROM search_display WHERE identifier = ANY(?)",
            (identifiers,),
        ).fetchall()
        return {i: json.loads(v) for i, v in rows}

    def _match(self, query: SearchQuery) -> tuple[str, str, list[Any], tuple[str, str]]:
        text = " ".join(query.terms())
        if not text:
            return "search_docs d", "", [], ("0", "d.year DESC NULLS LAST, d.identifier")
        return (
            f"search_words w CROSS JOIN (SELECT {_PG_QUERY} AS q) AS q"
            " JOIN search_docs d ON d.identifier = w.identifier",
            "w.words @@ q.q",
            [text, text, text],
            ("ts_rank_cd(d.title_words, q.q)", "2 DESC, d.identifier"),
        )


def index_for(dialect: str) -> SearchIndex:
    return PostgresSearch() if dialect == "postgres" else SqliteSearch()


def missing(db: Db, limit: int = 500) -> Sequence[str]:
    """Live records the index does not have yet (stored before it existed)."""
    rows = db.execute(
        "SELECT r.identifier FROM records r LEFT JOIN search_docs d"
        " ON d.identifier = r.identifier WHERE NOT r.deleted AND d.identifier IS NULL"
        " ORDER BY r.identifier LIMIT ?",
        (limit,),
    ).fetchall()
    return [r[0] for r in rows]


@dataclass(frozen=True)
class SeriesFigures:
    """What the home page says of a series: how many live articles, over which years."""

    articles: int
    first_year: int | None
    last_year: int | None


def series_figures(db: Db) -> dict[str, SeriesFigures]:
    rows = db.execute(
        "SELECT series, count(*), min(year), max(year) FROM search_docs"
        " WHERE series IS NOT NULL GROUP BY series"
    ).fetchall()
    return {s: SeriesFigures(int(n), lo, hi) for s, n, lo, hi in rows}


def issue_counts(db: Db, series: str) -> dict[str, int]:
    """Live articles per issue set of one series (``series:key``)."""
    rows = db.execute(
        "SELECT k.spec, count(*) FROM record_sets k JOIN records r ON r.identifier = k.identifier"
        " WHERE k.spec >= ? AND k.spec < ? AND NOT r.deleted GROUP BY k.spec",
        (series + ":", series + ";"),
    ).fetchall()
    return {spec: int(n) for spec, n in rows}
