"""oai_dc in the BASE / OpenAIRE v3 profile (OpenAIRE Guidelines for Literature Repository
Managers v3, which extend DRIVER v2.0), valid against the official oai_dc.xsd.

OAI-PMH 2.0 section 3.4 makes oai_dc mandatory for every item; the expected values are
written by hand from each JATS file.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from app.crosswalks.oai_dc import FORMAT, NS, SCHEMA_LOCATION
from app.crosswalks.registry import Document, RenderContext
from app.jats.article import read_article
from app.jats.model import Article, Contributor, LangText

DC = "http://purl.org/dc/elements/1.1/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
XSI_LOCATION = "{http://www.w3.org/2001/XMLSchema-instance}schemaLocation"
PARSER = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, huge_tree=True)
OURS = "http://127.0.0.1:5000/articles/history/5763"


def parse(path: Path) -> etree._Element:
    return etree.parse(str(path), PARSER).getroot()


def corpus_files(corpus: Path) -> list[Path]:
    return sorted(corpus.glob("jats-real/*.xml")) + sorted(corpus.glob("jats-cyrillic/*.xml"))


@pytest.fixture(scope="module")
def schema(schema_dir: Path) -> etree.XMLSchema:
    return FORMAT.schema(schema_dir)


def render(root: etree._Element, **context: object) -> etree._Element:
    ctx = RenderContext(oai_identifier="oai:test:1", **context)  # type: ignore[arg-type]
    payload = FORMAT.render(Document(root, read_article(root)), ctx)
    return etree.fromstring(payload)


def values(dc: etree._Element, name: str) -> list[tuple[str | None, str]]:
    return [(e.get(XML_LANG), e.text) for e in dc.iter(f"{{{DC}}}{name}")]


def texts(dc: etree._Element, name: str) -> list[str]:
    return [e.text for e in dc.iter(f"{{{DC}}}{name}")]


@pytest.fixture(scope="module")
def seed_root(records_dir: Path) -> etree._Element:
    return parse(records_dir / "history" / "2023" / "04" / "5763.xml")


def test_seed_record(seed_root: etree._Element, schema: etree.XMLSchema) -> None:
    dc = render(seed_root, landing_url=OURS)
    assert schema.validate(dc), schema.error_log
    assert dc.tag == f"{{{NS}}}dc"
    assert dc.get(XSI_LOCATION) == f"{NS} {SCHEMA_LOCATION}"
    assert values(dc, "title") == [
        ("en", "The evolution of the SovietAmerican economic cooperation in 1920s – early 1930s")
    ]
    assert texts(dc, "creator") == ["Petachenka, Ryhor A.", "Shabasava, Maryna A."]
    assert texts(dc, "contributor") == []
    assert values(dc, "subject")[0] == ("en", "new economic policy")
    assert len(values(dc, "subject")) == 6
    assert [lang for lang, _ in values(dc, "description")] == ["en"]
    assert texts(dc, "date") == ["2023"]
    assert texts(dc, "type") == [
        "info:eu-repo/semantics/article", "info:eu-repo/semantics/publishedVersion"
    ]
    # The record's own OJS page is the landing page, ahead of ours; there is no DOI.
    assert texts(dc, "identifier") == [
        "https://journals.bsu.by/index.php/history/article/view/5763"
    ]
    # Title; year, No. issue; pages: the citation form BASE and OpenAIRE v3 show.
    assert texts(dc, "source") == [
        "Journal of the Belarusian State University. History; 2023, No. 4; 63–72"
    ]
    # The language is the DTD's default for article/@xml:lang; no publisher is stated.
    assert texts(dc, "language") == ["eng"] and texts(dc, "publisher") == []
    # Neither the record nor the journal states an access right: metadata only, as in
    # oai_openaire (OpenAIRE v3 requires dc:rights of every record in the openaire set).
    assert texts(dc, "rights") == ["info:eu-repo/semantics/closedAccess"]


def test_access_right_from_the_journal_setting_when_the_record_is_silent(
    seed_root: etree._Element,
) -> None:
    dc = render(seed_root, default_access_right="open")
    assert texts(dc, "rights") == ["info:eu-repo/semantics/openAccess"]
    dc = render(seed_root, default_access_right="metadata")
    assert texts(dc, "rights") == ["info:eu-repo/semantics/closedAccess"]


def test_every_language_with_xml_lang(corpus_dir: Path, schema: etree.XMLSchema) -> None:
    dc = render(parse(corpus_dir / "jats-real" / "scielo-0034-8910-rsp-48-2-0347.xml"))
    assert schema.validate(dc), schema.error_log
    assert values(dc, "title") == [
        ("pt", "Proposta conceitual de telessaúde no modelo da pesquisa translacional"),
        ("en", "Proposal for a telehealth concept in the translational research model"),
    ]
    assert [lang for lang, _ in values(dc, "description")] == ["pt", "en"]
    assert ("en", "Milk Banks") in values(dc, "subject")
    assert ("pt", "Bancos de Leite") in values(dc, "subject")
    assert texts(dc, "language") == ["por"]
    assert texts(dc, "date") == ["2014-04"]
    assert texts(dc, "identifier") == ["https://doi.org/10.1590/S0034-8910.2014048004923"]
    assert texts(dc, "source") == [
        "Revista de Saúde Pública; 2014, Vol. 48, No. 2; 347–356", "0034-8910", "1518-8787"]
    assert texts(dc, "publisher") == ["Faculdade de Saúde Pública da Universidade de São Paulo"]
    assert texts(dc, "rights") == [
        "info:eu-repo/semantics/openAccess", "http://creativecommons.org/licenses/by-nc/3.0/"
    ]


def test_group_authors_and_editors(corpus_dir: Path) -> None:
    dc = render(parse(corpus_dir / "jats-real" / "plos-journal.pone.0047391.xml"))
    creators = texts(dc, "creator")
    assert creators[0] == "Arnedo, Mireia" and creators[-1] == "Busia OR Study Group"
    assert texts(dc, "contributor") == ["Wainberg, Mark"]
    assert texts(dc, "identifier") == ["https://doi.org/10.1371/journal.pone.0047391"]
    # The licence is stated only in prose: the access right is kept, no URL is made up.
    assert texts(dc, "rights") == ["info:eu-repo/semantics/openAccess"]


def test_orcid_record_without_abstract(corpus_dir: Path) -> None:
    dc = render(parse(corpus_dir / "jats-real" / "scielo-1518-8345.0000.3285.xml"))
    assert texts(dc, "description") == []
    assert [lang for lang, _ in values(dc, "title")] == ["en", "es", "pt"]
    # The publication date (date-type="pub": 29 October 2021), not the bare "2021".
    assert texts(dc, "date") == ["2021-10-29"]
    assert texts(dc, "source") == [
        "Revista Latino-Americana de Enfermagem; 2021, Vol. 29; e3285", "0104-1169", "1518-8345"
    ]
    assert texts(dc, "language") == ["eng"]


def test_embargo_end_date_and_forbidden_characters(schema: etree.XMLSchema) -> None:
    article = Article(
        titles=(LangText("Bad\x0bcontrol\ufffe characters", "en"),),
        contributors=(Contributor(surname="Smith", given_names="Jo\x01"),),
        access_right="embargoed",
        embargo_end="2030-01-01",
        article_ids=(("doi", "10.1234/ABC"), ("pmid", "123"), ("pmcid", "PMC45")),
    )
    payload = FORMAT.render(Document(etree.Element("article"), article), RenderContext("x"))
    dc = etree.fromstring(payload)
    assert schema.validate(dc), schema.error_log
    assert texts(dc, "title") == ["Badcontrol characters"]
    assert texts(dc, "creator") == ["Smith, Jo"]
    assert texts(dc, "date") == ["info:eu-repo/date/embargoEnd/2030-01-01"]
    assert texts(dc, "rights") == ["info:eu-repo/semantics/embargoedAccess"]
    assert texts(dc, "identifier") == [
        "https://doi.org/10.1234/ABC",
        "info:pmid/123",
        "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC45/",
    ]


def test_every_corpus_file_and_the_seed_is_valid(
    corpus_dir: Path, records_dir: Path, schema: etree.XMLSchema
) -> None:
    """Including files that are not valid JATS: the crosswalk emits what it can, validly."""
    files = corpus_files(corpus_dir) + sorted(records_dir.glob("*/*/*/*.xml"))
    checked = 0
    failures = []
    for path in files:
        try:
            root = parse(path)
        except etree.XMLSyntaxError:
            continue  # not well-formed: refused before any crosswalk runs
        dc = render(root, landing_url=f"http://127.0.0.1:5000/articles/{path.stem}")
        checked += 1
        if not schema.validate(dc):
            failures.append(f"{path.name}: {schema.error_log.last_error}")
        assert texts(dc, "title"), f"{path.name}: no dc:title"
        assert texts(dc, "identifier"), f"{path.name}: no dc:identifier"
    assert failures == []
    assert checked >= 180
