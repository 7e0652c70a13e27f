"""The validation page and its JSON twin: no sign-in, nothing stored, every problem located.

A librarian sees valid or not, the tag set detected, each problem with line, column,
element path, plain words and the source lines around it, grouped by kind, and a preview
of the metadata a harvester would get. ``POST /api/validate`` gives the same report.
"""

from __future__ import annotations

import io

from flask.testing import FlaskClient
from lxml import html
from werkzeug.test import TestResponse

from tests.web_support import (
    SEED_ID,
    Web,
    broken_seed,
    csrf_from,
    html_problems,
    seed_bytes,
)


def _validate(client: FlaskClient, data: bytes, name: str = "article.xml") -> TestResponse:
    token = csrf_from(client.get("/validate").get_data(as_text=True))
    return client.post("/validate", data={"csrf_token": token,
                                          "file": (io.BytesIO(data), name, "text/xml")})


def test_the_page_is_open_to_anyone(web: Web) -> None:
    answer = web.client().get("/validate")
    assert answer.status_code == 200
    assert html_problems(answer.get_data(as_text=True)) == []


def test_a_valid_file_gets_the_verdict_tag_set_and_preview(web: Web) -> None:
    answer = _validate(web.client(), seed_bytes(), "5763.xml")
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    assert html_problems(page) == []
    doc = html.document_fromstring(page)
    assert doc.xpath("string(//p[contains(@class, 'verdict')])").startswith("Valid.")
    facts = dict(zip(doc.xpath("//section[@class='preview']//dt/text()"),
                     [dd.text_content().strip() for dd in
                      doc.xpath("//section[@class='preview']//dd")], strict=True))
    assert facts["Identifier"] == SEED_ID
    assert facts["Title"].startswith("The evolution of the SovietAmerican")
    assert "Ryhor A. Petachenka" in facts["Authors"] and "Maryna A. Shabasava" in facts["Authors"]
    assert facts["Abstract"].startswith("The aim of the article")
    assert "concession" in facts["Keywords"]
    assert facts["References"] == "13"
    assert "Archiving" in doc.xpath("string(//dl[@class='facts']/dd[1])")
    payloads = {d.xpath("string(summary/code)"): d.xpath("string(pre)")
                for d in doc.xpath("//details[@class='payload']")}
    assert "oai_dc" in payloads and "marcxml" in payloads
    assert '<dc:creator>Petachenka, Ryhor A.</dc:creator>' in payloads["oai_dc"]


def test_each_problem_has_line_column_path_message_and_source(web: Web) -> None:
    data, line = broken_seed()
    page = _validate(web.client(), data).get_data(as_text=True)
    assert html_problems(page) == []
    doc = html.document_fromstring(page)
    assert doc.xpath("string(//p[contains(@class, 'verdict')])").startswith("Not valid")
    problems = doc.xpath("//li[@class='problem']")
    assert problems
    where = [p.xpath("string(.//p[@class='where'])") for p in problems]
    located = next(p for p, w in zip(problems, where, strict=True) if f"Line {line}" in w)
    assert located.xpath("string(.//p[@class='where'])").startswith(f"Line {line}, column 7")
    assert located.xpath("string(.//code)") == "/article/front/article-meta/shelf-mark"
    assert located.xpath("string(.//p[@class='message'])").strip()
    source = located.xpath("string(.//pre[@class='source'])")
    assert "<shelf-mark>B-17</shelf-mark>" in source and "<issue>4</issue>" in source
    assert "<shelf-mark>" in located.xpath("string(.//pre//mark)")
    kinds = doc.xpath("//section[@class='problems']/h3/code/text()")
    assert len(kinds) == len(set(kinds))


def test_pasted_xml_is_validated_like_a_file(web: Web) -> None:
    client = web.client()
    token = csrf_from(client.get("/validate").get_data(as_text=True))
    answer = client.post("/validate",
                         data={"csrf_token": token, "xml": "<article><oops></article>"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "Not usable" in page and "Not well-formed: 1 problem" in page and "Line 1" in page


def test_the_json_report_is_the_same_report(web: Web) -> None:
    client = web.client()
    data, line = broken_seed()
    report = client.post("/api/validate", data=data,
                         headers={"Content-Type": "application/jats+xml"}).get_json()
    assert report["valid"] is False and report["usable"] is True
    assert "Archiving" in report["schema"]
    assert any(e["line"] == line and e["path"] and e["message"] and e["kind"]
               for e in report["errors"])
    assert all({"line", "column", "path", "kind", "message", "context"} <= set(e)
               for e in report["errors"])
    page = html.document_fromstring(_validate(client, data).data)
    assert len(page.xpath("//li[@class='problem']")) == report["error_count"]
    multipart = client.post("/api/validate", data={
        "file": (io.BytesIO(seed_bytes()), "5763.xml", "application/xml")}).get_json()
    assert multipart["valid"] is True and multipart["preview"]["identifier"] == SEED_ID
    assert multipart["preview"]["references"] == 13
    assert multipart["preview"]["formats"]["oai_dc"]["available"] is True


def test_validating_stores_nothing(web: Web) -> None:
    client = web.client()
    other = seed_bytes().replace(b">5763<", b">7777<")
    assert _validate(client, other).status_code == 200
    client.post("/api/validate", data=other, headers={"Content-Type": "application/xml"})
    assert web.store.header("history/7777") is None
