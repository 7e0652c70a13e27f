"""The reader's site without a browser: languages, the switch, search and its JSON, browse
figures, the validation page's order (issue "A site the journal's readers and librarians use").
"""

from __future__ import annotations

import re

from babel.messages.pofile import read_po
from lxml import html

from app.web.i18n import SOURCE
from tests.web_support import SEED_ID, Web, csrf_from, html_problems

CATALOGUES = {code: SOURCE / code / "LC_MESSAGES" / "messages.po" for code in ("ru", "be")}
PLACEHOLDER = re.compile(r"%\(\w+\)s")


# --- languages ------------------------------------------------------------------------------

def test_every_message_is_translated_into_russian_and_belarusian_with_its_placeholders() -> None:
    with (SOURCE / "messages.pot").open("rb") as handle:
        wanted = {m.id for m in read_po(handle) if m.id}
    for code, path in CATALOGUES.items():
        with path.open("rb") as handle:
            catalogue = read_po(handle, locale=code)
        found = {m.id: m for m in catalogue if m.id}
        assert set(found) == wanted, code
        for message in found.values():
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            assert all(strings), (code, message.id)
            assert len(strings) == (3 if isinstance(message.id, tuple) else 1)
            for text in strings:
                assert set(PLACEHOLDER.findall(text)) <= set(PLACEHOLDER.findall(ids[-1])), \
                    (code, message.id, text)


def test_accept_language_chooses_the_interface_language(web: Web) -> None:
    client = web.client()
    for header, lang, word in (("ru-RU,ru;q=0.9,en;q=0.5", "ru", "Журналы"),
                               ("be,ru;q=0.8", "be", "Часопісы"),
                               ("de-DE,de;q=0.9", "en", "Journals")):
        answer = client.get("/", headers={"Accept-Language": header})
        doc = html.document_fromstring(answer.data)
        assert doc.get("lang") == lang
        assert word in answer.get_data(as_text=True)
        assert "Accept-Language" in answer.headers["Vary"]


def test_the_switch_keeps_the_page_and_wins_over_accept_language(web: Web) -> None:
    client = web.client()
    answer = client.get("/language/be?next=/journals/history%3Fpage%3D1")
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/journals/history?page=1"
    page = client.get("/journals/history", headers={"Accept-Language": "ru"})
    assert html.document_fromstring(page.data).get("lang") == "be"
    assert "Выпускі" in page.get_data(as_text=True)


def test_the_switch_links_back_to_this_very_page(web: Web) -> None:
    doc = html.document_fromstring(web.client().get("/search?q=cooperation&page=1").data)
    links = doc.xpath("//nav[@class='languages']//a/@href")
    assert "/language/ru?next=/search?q%3Dcooperation%26page%3D1" in links


def test_the_switch_never_sends_the_reader_to_another_site(web: Web) -> None:
    client = web.client()
    for target in ("//evil.example/", "https://evil.example/", "javascript:alert(1)"):
        answer = client.get("/language/ru", query_string={"next": target})
        assert answer.headers["Location"] == "/"
    assert client.get("/language/xx").status_code == 404


def test_the_article_page_in_russian_keeps_the_record_in_its_own_language(web: Web) -> None:
    text = web.client().get(f"/articles/{SEED_ID}",
                            headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert html_problems(text) == []
    doc = html.document_fromstring(text)
    assert doc.get("lang") == "ru"
    (h1,) = doc.iter("h1")
    assert h1.get("lang") == "en"  # the seed has its title in English only
    assert "Аннотация" in text and "Как цитировать" in text


# --- the article page -------------------------------------------------------------------------

def test_the_article_page_gives_doi_access_and_references(web: Web) -> None:
    doc = html.document_fromstring(web.client().get(f"/articles/{SEED_ID}").data)
    assert doc.xpath("//dd[contains(@class, 'access')]/text()")
    dois = doc.xpath("//a[@class='doi']/@href")
    assert all(d.startswith("https://doi.org/10.") for d in dois)
    assert doc.xpath("//ol[@class='references']/li")


# --- search -------------------------------------------------------------------------------------

def test_search_finds_a_word_form_and_marks_it(web: Web) -> None:
    answer = web.client().get("/search?q=cooperative")
    text = answer.get_data(as_text=True)
    assert html_problems(text) == []
    doc = html.document_fromstring(text)
    assert doc.xpath("//li[@class='hit']//a[@class='title']/@href") == [f"/articles/{SEED_ID}"]
    assert [m.text_content() for m in doc.xpath("//li[@class='hit']//a//mark")] == ["cooperation"]


def test_the_search_box_is_on_every_page(web: Web) -> None:
    client = web.client()
    for path in ("/", "/validate", f"/articles/{SEED_ID}", "/journals/history"):
        doc = html.document_fromstring(client.get(path).data)
        assert doc.xpath("//form[@role='search']/input[@name='q']"), path


def test_search_api_gives_results_and_facets_as_json(web: Web) -> None:
    data = web.client().get("/api/search?q=cooperation").get_json()
    assert data["total"] == 1
    assert data["results"][0]["identifier"].endswith(SEED_ID)
    assert {"value": "history", "count": 1} in data["facets"]["series"]
    narrowed = web.client().get("/api/search?q=cooperation&series=law").get_json()
    assert narrowed["total"] == 0 and narrowed["facets"]["series"] == []


def test_a_withdrawn_article_leaves_the_search(web: Web) -> None:
    web.store.withdraw(SEED_ID, actor="editor")
    assert web.client().get("/api/search?q=cooperation").get_json()["total"] == 0


# --- browse -------------------------------------------------------------------------------------

def test_series_page_gives_issues_by_year_with_counts(web: Web) -> None:
    doc = html.document_fromstring(web.client().get("/journals/history").data)
    assert doc.xpath("//section/h3/text()") == ["2023"]
    (item,) = doc.xpath("//ul[@class='issues']/li")
    assert "1 article" in item.text_content()


# --- the validation page ------------------------------------------------------------------------

def test_the_report_comes_before_the_form_with_a_clear_heading(web: Web) -> None:
    client = web.client()
    token = csrf_from(client.get("/validate").get_data(as_text=True))
    text = client.post("/validate", data={
        "csrf_token": token, "xml": "<article>\n<a>&</a>\n<b></c>\n</article>",
    }).get_data(as_text=True)
    assert html_problems(text) == []
    assert text.index('id="report-heading"') < text.index('<form method="post" action="/validate')
    doc = html.document_fromstring(text)
    heading = doc.xpath("string(//h2[@id='report-heading'])")
    assert re.match(r"Not well-formed: \d+ problems?", heading), heading
    lines = [int(m) for m in re.findall(r"Line (\d+)", doc.xpath("string(//ol)"))]
    assert lines == sorted(lines) and lines[0] == 2


def test_records_stored_before_the_index_existed_are_found(web: Web) -> None:
    """A store migrated from before the search index: the first search indexes its records."""
    from app.store.base import RecordDraft
    from tests.web_support import seed_bytes

    web.store.put(RecordDraft("history/9999", seed_bytes(), "older", ("history",),
                              {"oai_dc": b"<x/>"}, {"series": "history", "year": 2023}),
                  actor="loader")
    assert web.store.unindexed() == ["history/9999"]
    data = web.client().get("/api/search?q=cooperation").get_json()
    assert {r["identifier"] for r in data["results"]} >= {"history/9999"}
    assert data["total"] == 2
    assert web.store.unindexed() == []
