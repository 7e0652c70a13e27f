"""The pages' search index in each store's own engine (SQLite FTS5, PostgreSQL tsvector).

The issue's specification: full-text search over titles, abstracts, keywords, authors and
references in every language of the record; word forms match ("сотрудничество" finds
"сотрудничества", "cooperation" finds "cooperative"); filters narrow the facet counts; the
index follows every put and withdrawal in the same transaction.
"""

from __future__ import annotations

from app.jats.model import Contributor, LangText, Reference
from app.store.base import RecordDraft, Store
from app.store.search import SearchQuery, highlight, search_document, stem
from tests.factories import make_article


def _draft(identifier: str, *, series: str = "history", year: int = 2023,
           access: str | None = "open", **article: object) -> RecordDraft:
    made = make_article(**article)
    return RecordDraft(
        identifier=identifier,
        source=f"<article id='{identifier}'/>".encode(),
        content_hash=f"hash-{identifier}-{made.title}",
        sets=(series,),
        formats={"oai_dc": f"<oai_dc id='{identifier}'/>".encode()},
        summary={"title": made.title},
        search=search_document(made, series=series, year=year, access=access),
    )


RUSSIAN = _draft(
    "history/1",
    titles=(LangText("Эволюция советско-американского экономического сотрудничества", "ru"),
            LangText("The evolution of Soviet-American economic cooperation", "en")),
    abstracts=(LangText("Рассматривается торговля СССР и США в 1920-е годы.", "ru"),),
    keywords=(LangText("внешняя торговля", "ru"),),
    lang="ru",
)
ENGLISH = _draft(
    "law/2",
    series="law",
    year=2021,
    titles=(LangText("Cooperative housing law in Belarus", "en"),),
    contributors=(Contributor(surname="Ivanova", given_names="Maria"),),
    references=(Reference(text="Smith J. Treaties of the interwar years. 1999."),),
    lang="en",
    access=None,
)


def _ids(store: Store, text: str = "", **filters: str) -> list[str]:
    return [h.identifier for h in store.search(SearchQuery(text, filters)).hits]


def test_word_forms_match_in_russian_and_english(store: Store) -> None:
    store.put(RUSSIAN, actor="test")
    store.put(ENGLISH, actor="test")
    assert _ids(store, "сотрудничество") == ["history/1"]
    assert set(_ids(store, "cooperation")) == {"history/1", "law/2"}
    assert _ids(store, "торговли") == ["history/1"]


def test_authors_keywords_and_references_are_searched(store: Store) -> None:
    store.put(RUSSIAN, actor="test")
    store.put(ENGLISH, actor="test")
    assert _ids(store, "Ivanova") == ["law/2"]
    assert _ids(store, "treaty") == ["law/2"]
    assert _ids(store, "внешней") == ["history/1"]
    assert _ids(store, "nothing-like-this") == []


def test_filters_narrow_results_and_facet_counts(store: Store) -> None:
    store.put(RUSSIAN, actor="test")
    store.put(ENGLISH, actor="test")
    everything = store.search(SearchQuery("cooperation"))
    assert everything.total == 2
    assert dict(everything.facets["series"]) == {"history": 1, "law": 1}
    assert dict(everything.facets["year"]) == {"2023": 1, "2021": 1}
    narrowed = store.search(SearchQuery("cooperation", {"series": "law"}))
    assert narrowed.total == 1
    assert dict(narrowed.facets["series"]) == {"law": 1}
    assert dict(narrowed.facets["lang"]) == {"en": 1}
    assert _ids(store, "", year="2023") == ["history/1"]
    assert _ids(store, "", access="open") == ["history/1"]
    assert _ids(store, "", year="not-a-year") == []


def test_results_are_ranked_title_first(store: Store) -> None:
    store.put(ENGLISH, actor="test")
    store.put(_draft("law/3", series="law", lang="en",
                     titles=(LangText("Land reform", "en"),),
                     abstracts=(LangText("Mentions housing once.", "en"),)), actor="test")
    assert _ids(store, "housing") == ["law/2", "law/3"]


def test_withdrawal_and_replacement_keep_the_index_in_step(store: Store) -> None:
    store.put(RUSSIAN, actor="test")
    store.withdraw("history/1", actor="test")
    assert _ids(store, "сотрудничество") == []
    store.put(RUSSIAN, actor="test")
    assert _ids(store, "сотрудничество") == ["history/1"]
    store.put(_draft("history/1", titles=(LangText("Grain exports", "en"),)), actor="test")
    assert _ids(store, "сотрудничество") == []
    assert _ids(store, "export") == ["history/1"]


def test_pages_of_results(store: Store) -> None:
    for n in range(25):
        store.put(_draft(f"history/{n:03d}", titles=(LangText(f"Archive note {n}", "en"),)),
                  actor="test")
    first = store.search(SearchQuery("archive", per_page=10))
    third = store.search(SearchQuery("archive", page=3, per_page=10))
    assert first.total == third.total == 25
    assert len(first.hits) == 10 and len(third.hits) == 5
    assert not {h.identifier for h in first.hits} & {h.identifier for h in third.hits}


def test_records_stored_before_the_index_are_listed_for_indexing(store: Store) -> None:
    plain = RecordDraft("history/9", b"<article/>", "h9", ("history",),
                        {"oai_dc": b"<x/>"}, {"title": "t"})
    store.put(plain, actor="test")
    assert store.unindexed() == ["history/9"]
    store.index_for_search([("history/9", RUSSIAN.search or {})])
    assert store.unindexed() == []
    assert _ids(store, "сотрудничество") == ["history/9"]


def test_highlight_marks_every_form_of_the_asked_word() -> None:
    terms = {stem("сотрудничество")}
    pieces = highlight("Сотрудничества и сотрудничество, но не торговля", terms)
    assert [p for p, hit in pieces if hit] == ["Сотрудничества", "сотрудничество"]
    assert "".join(p for p, _ in pieces) == "Сотрудничества и сотрудничество, но не торговля"
