"""The reader's pages, the JATS download and the editor's deposit flow.

Expected values are written by hand from the seed record (records/history/2023/04/5763.xml):
two authors at Belarusian State University, 2023, issue 4, pages 63-72, no DOI, its OJS
landing page. Meta tags follow Google Scholar's inclusion guidelines (Highwire Press
``citation_*``), Dublin Core in HTML (DCMI "Expressing Dublin Core metadata using HTML"),
schema.org ``ScholarlyArticle``, and FAIR Signposting level 1 (``Link`` headers).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from lxml import etree, html
from werkzeug.test import TestResponse

from tests.web_support import (
    ADMIN,
    EDITOR,
    SEED_ID,
    Web,
    broken_seed,
    csrf_from,
    html_problems,
    seed_bytes,
    variant,
)

PUBLIC = "http://journals.example"
SEED_TITLE = "The evolution of the SovietAmerican economic cooperation in 1920s – early 1930s"
JOURNAL = "Journal of the Belarusian State University. History"
LANDING = "https://journals.bsu.by/index.php/history/article/view/5763"
OAI = "{http://www.openarchives.org/OAI/2.0/}"


@pytest.fixture
def web_settings() -> dict[str, object]:
    return {"public_url": PUBLIC}


def _meta(doc: html.HtmlElement, name: str) -> list[str]:
    return [m.get("content") for m in doc.xpath("//head/meta[@name=$n]", n=name)]


def _deposit(client: FlaskClient, data: bytes, name: str = "a.xml") -> TestResponse:
    token = csrf_from(client.get("/deposit").get_data(as_text=True))
    return client.post("/deposit", data={"csrf_token": token,
                                         "file": (io.BytesIO(data), name, "text/xml")})


# --- the seed's article page ---------------------------------------------------------------

def test_the_seed_article_page_passes_basic_html_checks(web: Web) -> None:
    answer = web.client().get(f"/articles/{SEED_ID}")
    assert answer.status_code == 200 and answer.mimetype == "text/html"
    text = answer.get_data(as_text=True)
    assert html_problems(text) == []
    doc = html.document_fromstring(text)
    assert doc.get("lang") == "en"
    assert doc.findtext(".//head/title").startswith(SEED_TITLE)
    assert [h.text_content() for h in doc.iter("h1")] == [SEED_TITLE]


def test_citation_tags_carry_the_seed_values(web: Web) -> None:
    doc = html.document_fromstring(web.client().get(f"/articles/{SEED_ID}").data)
    assert _meta(doc, "citation_title") == [SEED_TITLE]
    assert _meta(doc, "citation_author") == ["Petachenka, Ryhor A.", "Shabasava, Maryna A."]
    assert _meta(doc, "citation_author_institution") == ["Belarusian State University"] * 2
    assert _meta(doc, "citation_publication_date") == ["2023"]
    assert _meta(doc, "citation_journal_title") == [JOURNAL]
    assert _meta(doc, "citation_issue") == ["4"]
    assert _meta(doc, "citation_firstpage") == ["63"]
    assert _meta(doc, "citation_lastpage") == ["72"]
    assert _meta(doc, "citation_volume") == [] and _meta(doc, "citation_doi") == []
    assert _meta(doc, "citation_abstract_html_url") == [f"{PUBLIC}/articles/{SEED_ID}"]
    assert len(_meta(doc, "citation_keywords")) == 6
    assert len(_meta(doc, "citation_reference")) == 13
    names = [m.get("name") for m in doc.xpath("//head/meta[@name]")]
    first_author = names.index("citation_author")
    assert names[first_author + 1] == "citation_author_institution"


def test_dublin_core_tags_and_json_ld_describe_the_seed(web: Web) -> None:
    doc = html.document_fromstring(web.client().get(f"/articles/{SEED_ID}").data)
    assert doc.xpath("//head/link[@rel='schema.DC']/@href") == ["http://purl.org/dc/elements/1.1/"]
    assert _meta(doc, "DC.title") == [SEED_TITLE]
    assert _meta(doc, "DC.creator") == ["Petachenka, Ryhor A.", "Shabasava, Maryna A."]
    assert _meta(doc, "DC.date") == ["2023"]
    assert _meta(doc, "DC.source") == [JOURNAL]
    (script,) = doc.xpath("//script[@type='application/ld+json']")
    data = json.loads(script.text)
    assert data["@context"] == "https://schema.org" and data["@type"] == "ScholarlyArticle"
    assert data["headline"] == SEED_TITLE
    assert [a["familyName"] for a in data["author"]] == ["Petachenka", "Shabasava"]
    assert data["author"][0]["affiliation"][0]["name"] == "Belarusian State University"
    assert data["datePublished"] == "2023"
    assert (data["pageStart"], data["pageEnd"]) == ("63", "72")
    assert data["isPartOf"]["@type"] == "PublicationIssue"
    assert data["isPartOf"]["issueNumber"] == "4"
    assert data["isPartOf"]["isPartOf"]["name"] == JOURNAL
    assert len(data["citation"]) == 13


def test_signposting_links_point_to_the_citable_page_and_the_metadata(web: Web) -> None:
    answer = web.client().get(f"/articles/{SEED_ID}")
    links = {(link.get("url"), link.get("rel"), link.get("type"))
             for link in _parse_link_header(answer.headers["Link"])}
    assert (LANDING, "cite-as", None) in links
    assert (f"{PUBLIC}/jats/{SEED_ID}", "describedby", "application/jats+xml") in links
    oai_dc = (f"{PUBLIC}/oai?verb=GetRecord&metadataPrefix=oai_dc"
              f"&identifier=oai:journals.bsu.by:{SEED_ID}")
    assert (oai_dc, "describedby", "text/xml") in links
    assert not any(rel == "author" for _, rel, _ in links)


def test_authors_with_an_orcid_get_a_link_and_an_author_signpost(web: Web) -> None:
    client = web.client()
    web.login(client)
    orcid = "0000-0002-1825-0097"
    assert _deposit(client, variant("7000", orcid=orcid)).status_code == 303
    answer = client.get("/articles/history/7000")
    doc = html.document_fromstring(answer.data)
    assert doc.xpath("//a[@class='orcid']/@href") == [f"https://orcid.org/{orcid}"]
    assert _meta(doc, "citation_author_orcid") == [f"https://orcid.org/{orcid}"]
    rels = {(link["url"], link["rel"]) for link in _parse_link_header(answer.headers["Link"])}
    assert (f"https://orcid.org/{orcid}", "author") in rels


def test_a_month_without_its_day_gives_google_scholar_the_year(web: Web) -> None:
    """Google Scholar's inclusion guidelines: "Provide full dates in the "2010/5/12" format if
    available; or a year alone otherwise." A year and month is neither."""
    client = web.client()
    web.login(client)
    pub_date = b'<pub-date date-type="pub">'
    month_only = variant("7001").replace(pub_date, pub_date + b"<month>3</month>")
    full = variant("7002").replace(pub_date, pub_date + b"<day>7</day><month>3</month>")
    for data in (month_only, full):
        assert _deposit(client, data).status_code == 303
    dates = [_meta(html.document_fromstring(client.get(f"/articles/history/{n}").data),
                   "citation_publication_date") for n in ("7001", "7002")]
    assert dates == [["2023"], ["2023/03/07"]]


def test_a_preprint_is_typed_as_one_in_the_dublin_core_tags(web: Web) -> None:
    """The page's DC.type says what the record's oai_dc says (info:eu-repo-Types, OpenAIRE
    Guidelines v3): a JATS article-type="preprint" is info:eu-repo/semantics/preprint."""
    client = web.client()
    web.login(client)
    data = variant("7004").replace(b"<article ", b'<article article-type="preprint" ', 1)
    assert _deposit(client, data).status_code == 303
    doc = html.document_fromstring(client.get("/articles/history/7004").data)
    assert _meta(doc, "DC.type") == ["Text", "info:eu-repo/semantics/preprint"]


def test_a_landing_page_outside_ascii_is_percent_encoded_in_the_link_header(web: Web) -> None:
    """RFC 8288 section 3: a Link target is a URI, and a header carries ASCII only; the IRI of
    a Cyrillic landing page is mapped to its URI (RFC 3987 section 3.1), never sent raw."""
    client = web.client()
    web.login(client)
    landing = "https://journals.bsu.by/статья/7003"
    data = variant("7003").replace(LANDING.encode(), landing.encode())
    assert _deposit(client, data).status_code == 303
    answer = client.get("/articles/history/7003")
    assert answer.status_code == 200
    assert answer.headers["Link"].isascii()
    rels = {(link["url"], link["rel"]) for link in _parse_link_header(answer.headers["Link"])}
    assert ("https://journals.bsu.by/%D1%81%D1%82%D0%B0%D1%82%D1%8C%D1%8F/7003", "cite-as") in rels


def test_the_page_shows_references_how_to_cite_and_the_links(web: Web) -> None:
    doc = html.document_fromstring(web.client().get(f"/articles/{SEED_ID}").data)
    assert len(doc.xpath("//ol[@class='references']/li")) == 13
    cite = doc.xpath("string(//p[@class='cite'])")
    assert cite.startswith("Petachenka RA, Shabasava MA. The evolution")
    assert f"{JOURNAL}. 2023;(4):63–72." in cite
    hrefs = doc.xpath("//a/@href")
    assert f"/jats/{SEED_ID}" in hrefs and LANDING in hrefs
    assert any("verb=GetRecord" in h for h in hrefs)
    assert [a.text_content() for a in doc.xpath("//ul[@class='authors']//span[@class='name']")] \
        == ["Ryhor A. Petachenka", "Maryna A. Shabasava"]
    assert "4 Niezaliezhnasci Avenue, Minsk 220030, Belarus" in doc.text_content()


def _parse_link_header(value: str) -> list[dict[str, str]]:
    found = []
    for part in value.split(", <"):
        target, _, params = part.lstrip("<").partition(">")
        entry = {"url": target}
        for param in params.split(";"):
            key, _, val = param.strip().partition("=")
            if key:
                entry[key] = val.strip('"')
        found.append(entry)
    return found


# --- the JATS download -----------------------------------------------------------------------

def test_the_jats_download_is_the_stored_bytes_with_type_and_name(web: Web) -> None:
    answer = web.client().get(f"/jats/{SEED_ID}")
    assert answer.status_code == 200
    assert answer.data == seed_bytes()
    assert answer.headers["Content-Type"] == "application/jats+xml"
    assert answer.headers["Content-Disposition"] == 'attachment; filename="history-5763.xml"'
    assert answer.headers["ETag"] == f'"{web.store.content_hash(SEED_ID)}"'
    assert answer.headers["Last-Modified"]
    page = f"{PUBLIC}/articles/{SEED_ID}"
    assert answer.headers["Link"] == f'<{page}>; rel="describes"; type="text/html"'


def test_the_jats_download_answers_304_when_the_client_has_it(web: Web) -> None:
    client = web.client()
    first = client.get(f"/jats/{SEED_ID}")
    by_etag = client.get(f"/jats/{SEED_ID}", headers={"If-None-Match": first.headers["ETag"]})
    by_date = client.get(f"/jats/{SEED_ID}",
                         headers={"If-Modified-Since": first.headers["Last-Modified"]})
    other = client.get(f"/jats/{SEED_ID}", headers={"If-None-Match": '"something-else"'})
    assert (by_etag.status_code, by_date.status_code, other.status_code) == (304, 304, 200)
    assert by_etag.data == b""


def test_unknown_articles_are_404_and_withdrawn_ones_410(web: Web) -> None:
    client = web.client()
    assert client.get("/articles/history/nope").status_code == 404
    assert client.get("/jats/history/nope").status_code == 404
    web.store.withdraw(SEED_ID, actor=EDITOR)
    assert client.get(f"/articles/{SEED_ID}").status_code == 410
    assert client.get(f"/jats/{SEED_ID}").status_code == 410


# --- home and issue pages ---------------------------------------------------------------------

def test_home_lists_series_and_issues_newest_first(web: Web) -> None:
    client = web.client()
    web.login(client)
    assert _deposit(client, variant("8001", year="2024", issue="1")).status_code == 303
    assert _deposit(client, variant("8002", year="2022", issue="12")).status_code == 303
    doc = html.document_fromstring(client.get("/").data)
    assert html_problems(client.get("/").get_data(as_text=True)) == []
    assert doc.xpath("//table[@class='series-list']//th/a/text()") == [JOURNAL]
    assert doc.xpath("//table[@class='series-list']//td[@class='num']/text()") == ["3"]
    issues = doc.xpath("//table[@class='series-list']//td/a/@href")
    assert issues == ["/journals/history/2024-1", "/journals/history/2023-4",
                      "/journals/history/2022-12"]


def test_an_issue_page_lists_its_articles_in_page_order(web: Web) -> None:
    client = web.client()
    web.login(client)
    for ident, first, last in (("8100", "100", "110"), ("8009", "9", "20")):
        answer = _deposit(client, variant(ident, fpage=first, lpage=last,
                                               title=f"Article on page {first}"))
        assert answer.status_code == 303
    page = client.get("/journals/history/2023-4")
    assert html_problems(page.get_data(as_text=True)) == []
    doc = html.document_fromstring(page.data)
    assert doc.xpath("//ol[@class='toc']/li/a/@href") == [
        "/articles/history/8009", f"/articles/{SEED_ID}", "/articles/history/8100"]
    assert doc.xpath("//ol[@class='toc']/li/a/text()")[1] == SEED_TITLE


# --- deposit, replace, withdraw --------------------------------------------------------------

def _oai(client: FlaskClient, **args: str) -> etree._Element:
    answer = client.get("/oai", query_string=args)
    assert answer.status_code == 200
    return etree.fromstring(answer.data)


def test_a_deposit_is_live_in_oai_pmh_at_once(web: Web) -> None:
    client = web.client()
    web.login(client)
    answer = _deposit(client, variant("7100", title="A freshly deposited article"))
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/articles/history/7100"
    listed = _oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc", set="history:2023-4")
    identifiers = [e.text for e in listed.iter(f"{OAI}identifier")]
    assert "oai:journals.bsu.by:history/7100" in identifiers
    history = web.store.history("history/7100")
    assert [(c.action, c.actor) for c in history][-1][1] == EDITOR
    assert history[-1].content_hash == web.store.content_hash("history/7100")


def test_an_invalid_deposit_is_refused_with_its_report_and_stores_nothing(web: Web) -> None:
    client = web.client()
    web.login(client)
    data, line = broken_seed()
    answer = _deposit(client, data.replace(b">5763<", b">7200<"))
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert "Deposit refused" in page and f"Line {line}" in page and "shelf-mark" in page
    assert web.store.header("history/7200") is None


def test_depositing_an_existing_article_as_new_is_refused(web: Web) -> None:
    client = web.client()
    web.login(client)
    answer = _deposit(client, variant("5763", lpage="80"))
    assert answer.status_code == 409
    assert "exists already" in answer.get_data(as_text=True)
    assert web.store.source(SEED_ID) == seed_bytes()


def test_replacing_keeps_the_previous_version_and_changes_the_datestamp(web: Web) -> None:
    client = web.client()
    web.login(client, ADMIN)
    before = web.store.header(SEED_ID)
    old_hash = web.store.content_hash(SEED_ID)
    page = client.get(f"/articles/{SEED_ID}").get_data(as_text=True)
    new = variant("5763", lpage="80")
    answer = client.post(f"/deposit/replace/{SEED_ID}", data={
        "csrf_token": csrf_from(page), "file": (io.BytesIO(new), "5763.xml", "text/xml")})
    assert answer.status_code == 303
    assert web.store.source(SEED_ID) == new
    assert web.store.old_source(SEED_ID, old_hash) == seed_bytes()
    assert web.store.header(SEED_ID).datestamp >= before.datestamp
    assert web.store.history(SEED_ID)[-1].actor == ADMIN
    assert "72" not in _meta(html.document_fromstring(client.get(f"/articles/{SEED_ID}").data),
                             "citation_lastpage")


def test_a_replacement_must_be_the_same_article(web: Web) -> None:
    client = web.client()
    web.login(client, ADMIN)
    page = client.get(f"/articles/{SEED_ID}").get_data(as_text=True)
    answer = client.post(f"/deposit/replace/{SEED_ID}", data={
        "csrf_token": csrf_from(page),
        "file": (io.BytesIO(variant("7300")), "7300.xml", "text/xml")})
    assert answer.status_code == 409
    assert "history/7300" in answer.get_data(as_text=True)
    assert web.store.source(SEED_ID) == seed_bytes()


def test_a_withdrawn_article_is_a_deleted_record(web: Web) -> None:
    client = web.client()
    web.login(client, ADMIN)
    page = client.get(f"/articles/{SEED_ID}").get_data(as_text=True)
    answer = client.post(f"/deposit/withdraw/{SEED_ID}",
                         data={"csrf_token": csrf_from(page), "confirm": "yes"})
    assert answer.status_code == 303
    record = _oai(client, verb="GetRecord", metadataPrefix="oai_dc",
                  identifier=f"oai:journals.bsu.by:{SEED_ID}")
    header = record.find(f".//{OAI}header")
    assert header.get("status") == "deleted"
    assert record.find(f".//{OAI}metadata") is None
    assert client.get("/journals/history/2023-4").get_data(as_text=True).count(SEED_TITLE) == 0


def test_editors_see_the_history_readers_do_not(web: Web) -> None:
    reader = web.client()
    assert "Manage this article" not in reader.get(f"/articles/{SEED_ID}").get_data(as_text=True)
    editor = web.client()
    web.login(editor)
    page = editor.get(f"/articles/{SEED_ID}").get_data(as_text=True)
    assert "Manage this article" in page and "loader" in page


# --- real publishers' JATS -------------------------------------------------------------------

VARIED = {
    "jats-real/scielo-0102-469838419.xml": ("pt", 2, "e38419"),
    "jats-real/redalyc-63543879003.xml": ("es", 0, None),
    "jats-cyrillic/pensoft-mycokeys.1.2066.xml": (None, 0, None),
    "jats-real/elife-36842.xml": (None, None, None),
    "jats-real/peerj-182.xml": (None, None, None),
}


@pytest.mark.parametrize("name", sorted(VARIED))
def test_pages_of_real_articles_pass_the_same_checks(web: Web, corpus_dir: Path,
                                                     name: str) -> None:
    """Titles in several languages, ORCID iDs, e-locators, Cyrillic, large articles."""
    from app.ingest import Prepared, commit, prepare

    prepared = prepare((corpus_dir / name).read_bytes(), settings=web.settings, origin=name)
    assert isinstance(prepared, Prepared), [e.message for e in prepared.errors][:3]
    commit(web.store, prepared, actor=EDITOR)
    article = prepared.article
    answer = web.client().get(f"/articles/{prepared.draft.identifier}")
    assert answer.status_code == 200
    text = answer.get_data(as_text=True)
    assert html_problems(text) == []
    doc = html.document_fromstring(text)
    assert doc.get("lang") == "en"
    (h1,) = doc.iter("h1")
    title_lang, orcids, elocation = VARIED[name]
    # the reader's language (English here) when the record has a title in it, else the original
    english = [t for t in article.titles if (t.lang or "").startswith("en")]
    assert h1.get("lang") == (english[0].lang if english else
                              (title_lang or article.titles[0].lang))
    assert _meta(doc, "citation_title") == [article.title]
    assert len(_meta(doc, "citation_author")) == len(article.authors)
    # every other title beside the one shown, the original among them, each with its lang
    translated = doc.xpath("//dd[@class='trans-title']")
    shown = (h1.text_content(), h1.get("lang"))
    assert [(p.text_content(), p.get("lang")) for p in translated] == \
        [(t.text, t.lang) for t in article.titles if (t.text, t.lang) != shown]
    data = json.loads(doc.xpath("string(//script[@type='application/ld+json'])"))
    assert data["headline"] == article.title
    if orcids is not None:
        rels = [link for link in _parse_link_header(answer.headers["Link"])
                if link["rel"] == "author"]
        assert len(rels) == orcids
    if elocation:
        assert _meta(doc, "citation_firstpage") == [elocation]
        assert f"article {elocation}" in doc.xpath("string(//p[@class='journal'])")


def test_the_article_page_tells_the_original_file_from_the_harvested_jats(web: Web) -> None:
    """The download is the deposited file byte for byte; ``jats`` is its namespaced form."""
    doc = html.document_fromstring(web.client().get(f"/articles/{SEED_ID}").data)
    items = [li.text_content() for li in doc.xpath("//section[@aria-labelledby='get']//li")]
    download = next(i for i in items if "Download the JATS XML" in i)
    assert "original file" in download
    harvested = next(i for i in items if "OAI-PMH record in jats" in i)
    assert "as harvested" in harvested
    assert "https://jats.nlm.nih.gov/ns/archiving/1.3/" in harvested
