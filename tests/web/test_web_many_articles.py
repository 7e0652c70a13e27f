"""A saved OAI-PMH response holding several JATS articles, given to the validation page and
to the deposit API (issue "JATS for every record", namespaced JATS in): one report per
article, each named by its OAI identifier, its problems at their lines in the file given;
the API deposits each valid article and reports each refused one.
"""

from __future__ import annotations

import io

import pytest
from flask.testing import FlaskClient
from lxml import html
from werkzeug.test import TestResponse

from tests.builders import oai_response
from tests.web_support import Web, csrf_from, html_problems

Harvested = list[tuple[str, str, bytes]]


def _validate(client: FlaskClient, data: bytes, name: str = "harvest.xml") -> TestResponse:
    token = csrf_from(client.get("/validate").get_data(as_text=True))
    return client.post("/validate", data={"csrf_token": token,
                                          "file": (io.BytesIO(data), name, "text/xml")})


@pytest.fixture
def one_broken(harvested: Harvested) -> tuple[bytes, str]:
    """A ListRecords response whose second article has an element JATS does not know; the
    response and the OAI identifier of that article."""
    articles = [(oai, payload) for oai, _, payload in harvested]
    oai, payload = articles[1]
    articles[1] = (oai, payload.replace(b"<front>", b"<front>\n<no-such-element/>", 1))
    return oai_response(articles), oai


def test_the_page_shows_one_section_per_article(web: Web, harvested: Harvested,
                                                one_broken: tuple[bytes, str]) -> None:
    data, broken = one_broken
    answer = _validate(web.client(), data)
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    assert html_problems(page) == []
    doc = html.document_fromstring(page)
    assert "3 articles, 2 valid" in doc.xpath("string(//h2[@id='report-heading'])")
    sections = doc.xpath("//section[@class='report']")
    assert len(sections) == 3
    for (oai, local, _), section in zip(harvested, sections, strict=True):
        heading = section.xpath("string(h2)")
        assert f"harvest.xml#{oai}" in heading
        verdict = section.xpath("string(p[contains(@class, 'verdict')])")
        assert verdict.startswith("Not valid" if oai == broken else "Valid.")
        if oai != broken:  # a valid article shows what harvesters would get, under its id
            assert local in section.xpath("string(.//section[@class='preview']//dd[1])")
    # the problem is located at its line in the response, and quoted from there
    marked = sections[1].xpath(".//pre[@class='source']//mark/text()")
    assert any("no-such-element" in m or "<front>" in m for m in marked)


def test_the_json_report_gives_each_article_with_its_identifier(
    web: Web, harvested: Harvested, one_broken: tuple[bytes, str],
) -> None:
    data, broken = one_broken
    answer = web.client().post("/api/validate", data=data,
                               headers={"Content-Type": "application/xml"})
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["valid"] is False
    assert [a["oai_identifier"] for a in body["articles"]] == [oai for oai, _, _ in harvested]
    assert [a["valid"] for a in body["articles"]] == [oai != broken for oai, _, _ in harvested]
    lines = data.decode().splitlines()
    errors = [e for e in body["articles"][1]["errors"] if e["severity"] == "error"]
    assert errors and all(e["line"] for e in errors)
    assert any("no-such-element" in lines[e["line"] - 1] for e in errors)
    assert "no-such-element" in errors[0]["message"]


def test_a_single_article_response_is_reported_as_one_file(web: Web,
                                                           harvested: Harvested) -> None:
    oai, _, payload = harvested[0]
    answer = web.client().post("/api/validate", data=oai_response([(oai, payload)], "GetRecord"),
                               headers={"Content-Type": "application/xml"})
    body = answer.get_json()
    assert "articles" not in body
    assert body["valid"] is True


def test_the_deposit_api_deposits_each_valid_article_and_reports_each_refused_one(
    web: Web, api_token: str, harvested: Harvested, one_broken: tuple[bytes, str],
) -> None:
    data, broken = one_broken
    auth = {"Authorization": f"Bearer {api_token}", "Content-Type": "application/xml"}
    answer = web.client().post("/api/articles", data=data, headers=auth)
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert (body["deposited"], body["refused"]) == (2, 1)
    by_source = {a["source_identifier"]: a for a in body["articles"]}
    assert list(by_source) == [oai for oai, _, _ in harvested]
    for oai, local, payload in harvested:
        entry = by_source[oai]
        if oai == broken:
            assert entry["deposited"] is False
            assert "not valid" in entry["error"]
            assert entry["report"]["oai_identifier"] == oai
            assert web.store.header(local) is None  # nothing half-written
            continue
        assert entry["deposited"] is True and entry["identifier"] == local
        assert not web.store.header(local).deleted
        # stored as the article alone, in its namespace: the download is that article
        assert web.store.source(local).endswith(payload.rstrip())
    # a second deposit of the same response refuses the two that exist: 409 each, nothing new
    again = web.client().post("/api/articles", data=data, headers=auth)
    assert again.status_code == 409
    assert again.get_json()["deposited"] == 0
