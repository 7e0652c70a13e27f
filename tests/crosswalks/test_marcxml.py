"""MARCXML crosswalk: the MARC 21 Format for Bibliographic Data, field by field.

Expected values are written from reading each JATS file, not from the crosswalk's output.
Field references are to the MARC 21 Bibliographic format (loc.gov/marc/bibliographic).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from app.config import REPO_ROOT
from app.crosswalks import marcxml
from app.crosswalks.registry import Document, RenderContext
from app.jats.article import read_article
from app.jats.model import Affiliation, Article, Contributor, LangText
from app.jats.schemas import schema_directory
from app.jats.validation import validate_file
from tests.factories import make_article

M = {"m": marcxml.NS}
SEED = REPO_ROOT / "records" / "history" / "2023" / "04" / "5763.xml"
JATS_URL = "http://127.0.0.1:5000/jats/test/1"


def render(article: Article, context: RenderContext | None = None) -> etree._Element:
    context = context or RenderContext("oai:test:1", jats_url=JATS_URL)
    return etree.fromstring(marcxml.render(Document(None, article), context))


def record_of(path: Path, landing: str | None = None) -> etree._Element:
    report = validate_file(path)
    assert report.root is not None, report.errors
    article = read_article(report.root)
    return render(article, RenderContext("oai:test:1", landing_url=landing or
                                         article.landing_page, jats_url=JATS_URL))


def fields(record: etree._Element, tag: str) -> list[etree._Element]:
    return record.findall(f"m:datafield[@tag='{tag}']", M)


def sub(field: etree._Element, code: str) -> list[str]:
    return [s.text for s in field.findall(f"m:subfield[@code='{code}']", M)]


def control(record: etree._Element, tag: str) -> str:
    return record.find(f"m:controlfield[@tag='{tag}']", M).text


def assert_valid(record: etree._Element, schema_dir: Path) -> None:
    schema = schema_directory(schema_dir).xsd(marcxml.FORMAT.schema_file)
    assert schema.validate(record), schema.error_log


@pytest.fixture(scope="module")
def seed() -> etree._Element:
    return record_of(SEED)


@pytest.fixture(scope="module")
def scielo(corpus_dir: Path) -> etree._Element:
    return record_of(corpus_dir / "jats-real" / "scielo-0034-7167-2021-0534.xml")


def test_format_is_registered_with_the_official_namespace_and_schema() -> None:
    assert marcxml.FORMAT.prefix == "marcxml"
    assert marcxml.FORMAT.namespace == "http://www.loc.gov/MARC21/slim"
    assert marcxml.FORMAT.schema_location == (
        "http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd")


def test_leader_describes_a_serial_component_part(seed: etree._Element) -> None:
    leader = seed.find("m:leader", M).text
    assert len(leader) == 24
    assert leader[6] == "a"  # Leader/06 type of record: language material
    assert leader[7] == "b"  # Leader/07 bibliographic level: serial component part
    assert leader[9] == "a"  # Leader/09 character coding: UCS/Unicode
    assert leader[20:] == "4500"


def test_008_is_the_continuing_resources_layout_with_the_year(seed: etree._Element) -> None:
    fixed = control(seed, "008")
    assert len(fixed) == 40
    assert fixed[6:11] == "s2023"  # single date, the year of <pub-date>
    assert fixed[21] == "p"  # periodical
    assert fixed[23] == "o"  # online
    assert fixed[35:38] == "eng"  # article/@xml:lang: the declared DTD's default, "en"


def test_seed_names_authors_with_affiliation(seed: etree._Element) -> None:
    (main,) = fields(seed, "100")
    assert main.get("ind1") == "1"
    assert sub(main, "a") == ["Petachenka, Ryhor A."]
    # 100 $u is the institution; the postal address the aff also tags has no place in MARC.
    assert sub(main, "u") == ["Belarusian State University"]
    assert sub(main, "4") == ["aut"]
    assert [sub(f, "a") for f in fields(seed, "700")] == [["Shabasava, Maryna A."]]


def test_seed_title_skips_the_leading_article_in_filing(seed: etree._Element) -> None:
    (title,) = fields(seed, "245")
    assert sub(title, "a") == [
        "The evolution of the SovietAmerican economic cooperation in 1920s – early 1930s"]
    assert title.get("ind1") == "1"  # a 1XX main entry exists
    assert title.get("ind2") == "4"  # "The " is not filed on
    assert fields(seed, "246") == []


def test_seed_host_item_entry_and_extent(seed: etree._Element) -> None:
    (host,) = fields(seed, "773")
    assert host.get("ind1") == "0"
    assert sub(host, "t") == ["Journal of the Belarusian State University. History"]
    assert sub(host, "g") == ["no. 4 (2023), p. 63-72"]
    assert sub(host, "x") == []  # the seed states no ISSN
    assert sub(fields(seed, "300")[0], "a") == ["1 online resource (10 pages)"]


def test_seed_keywords_abstract_and_links(seed: etree._Element) -> None:
    assert [sub(f, "a")[0] for f in fields(seed, "653")] == [
        "new economic policy", "concession", "industrialisation", "USSR", "USA",
        "the Soviet-American economic cooperation"]
    (abstract,) = fields(seed, "520")
    assert sub(abstract, "a")[0].startswith("The aim of the article is the examination")
    links = {(f.get("ind1"), f.get("ind2")): sub(f, "u") for f in fields(seed, "856")}
    assert links[("4", "0")] == ["https://journals.bsu.by/index.php/history/article/view/5763"]
    assert links[("4", "2")] == [JATS_URL]


def test_seed_claims_no_doi_licence_or_access(seed: etree._Element) -> None:
    assert fields(seed, "024") == []
    assert fields(seed, "540") == []
    # The record and the journal say nothing: metadata only, as every other format says.
    assert [sub(f, "a") for f in fields(seed, "506")] == [
        ["Full text not available from this repository"]]
    assert [sub(f, "a") for f in fields(seed, "546")] == [["Text in English."]]


def test_seed_is_valid_marcxml(seed: etree._Element, schema_dir: Path) -> None:
    assert_valid(seed, schema_dir)


def test_multilingual_scielo_article(scielo: etree._Element) -> None:
    (doi,) = fields(scielo, "024")
    assert (doi.get("ind1"), sub(doi, "a"), sub(doi, "2")) == (
        "7", ["10.1590/0034-7167-2021-0534"], ["doi"])
    (main,) = fields(scielo, "100")
    assert sub(main, "a") == ["Nass, Evelin Matilde Arcain"]
    assert sub(main, "0") == ["https://orcid.org/0000-0002-5140-3104"]
    assert sub(main, "1") == ["https://orcid.org/0000-0002-5140-3104"]
    assert len(fields(scielo, "700")) == 7
    (title,) = fields(scielo, "245")
    assert title.get("ind2") == "0"
    assert sub(title, "a")[0].endswith(
        "in the first two years of a child’s life: a cross-sectional study")
    parallel = [sub(f, "a")[0] for f in fields(scielo, "246")]
    assert parallel[0] == ("Lactancia materna y enfermedades prevalentes en los dos primeros años "
                           "de vida del niño: un estudio transversal")
    assert parallel[1].endswith("Amamentação e as doenças prevalentes nos primeiros dois anos de "
                                "vida da criança: estudo transversal")
    assert all(f.get("ind1") == "3" and f.get("ind2") == "1" for f in fields(scielo, "246"))
    assert len(fields(scielo, "520")) == 3  # English, Spanish and the Portuguese translation


def test_multilingual_scielo_languages_host_and_licence(scielo: etree._Element) -> None:
    assert control(scielo, "008")[35:38] == "eng"
    (codes,) = fields(scielo, "041")
    assert sub(codes, "a") == ["eng"]
    assert sub(codes, "b") == ["eng", "spa", "por"]
    assert sub(fields(scielo, "546")[0], "a") == [
        "Text in English; abstracts in English, Spanish and Portuguese."]
    (host,) = fields(scielo, "773")
    assert sub(host, "t") == ["Revista Brasileira de Enfermagem"]
    assert sub(host, "d") == ["Associação Brasileira de Enfermagem"]
    assert sub(host, "g") == ["Vol. 75, no. 06 (2022), article e20210534"]
    assert sub(host, "x") == ["1984-0446"]  # the electronic ISSN, before the print 0034-7167
    (licence,) = fields(scielo, "540")
    assert sub(licence, "u") == ["https://creativecommons.org/licenses/by/4.0/"]
    assert sub(licence, "f") == ["CC BY 4.0"]
    (access,) = fields(scielo, "506")
    assert access.get("ind1") == "0"
    assert sub(access, "f") == ["Unrestricted online access"]
    assert sub(fields(scielo, "300")[0], "a") == ["1 online resource"]  # no page range given


def test_group_author_is_a_corporate_main_entry(corpus_dir: Path) -> None:
    record = record_of(corpus_dir / "jats-real" / "plos-journal.pone.0097541.xml")
    assert fields(record, "100") == []
    (group,) = fields(record, "110")
    assert group.get("ind1") == "2"
    assert sub(group, "a") == ["The PLOS ONE Staff"]  # <italic> inside <collab> flattened
    assert fields(record, "520") == []  # a correction notice without an abstract
    assert sub(fields(record, "245")[0], "a")[0].startswith("Correction: Pollen and Phytolith")


def test_inline_markup_in_a_title_reads_as_text(corpus_dir: Path) -> None:
    record = record_of(corpus_dir / "jats-real" / "elife-preprint-103870-v2.xml")
    assert sub(fields(record, "245")[0], "a") == [
        "Flower/FLWR-1 regulates neuronal activity via the plasma membrane Ca2+-ATPase to "
        "promote recycling of synaptic vesicles"]
    orcids = [sub(f, "1") for f in fields(record, "700")]
    assert ["https://orcid.org/0000-0002-2050-0745"] in orcids  # http://orcid.org/... in JATS
    editors = [f for f in fields(record, "700") if sub(f, "4") == ["edt"]]
    assert [sub(f, "a") for f in editors] == [["Portman, Douglas"], ["Chen, Lu"]]


def test_spanish_title_and_its_english_translation(corpus_dir: Path) -> None:
    record = record_of(corpus_dir / "jats-real" / "redalyc-63543879003.xml")
    assert control(record, "008")[35:38] == "spa"
    (title,) = fields(record, "245")
    assert sub(title, "a") == [
        "EFICACIA DE LOS MAPAS CONCEPTUALES EN EL DESARROLLO DE LAS COMPETENCIAS "
        "INFORMACIONALES: EL CASO DE LA UNIVERSIDAD DE PUERTO RICO EN BAYAMÓN"]
    assert [sub(f, "a") for f in fields(record, "246")] == [[
        "EFFECTIVENESS OF CONCEPT MAPPING IN DEVELOPING INFORMATION SEARCH AND EVALUATION SKILLS"
    ]]
    assert sub(fields(record, "773")[0], "g") == ["Vol. 19, no. 1 (2016), p. 1-18"]
    assert sub(fields(record, "540")[0], "f") == ["CC BY-NC 4.0"]


@pytest.mark.parametrize(
    ("title", "lang", "skip"),
    [
        ("The evolution", "en", 4),
        ("An essay", None, 3),
        ("A history", "en", 2),
        ("“A hot day”", "en", 3),  # an opening quotation mark counts too
        ("Les Misérables", "fr", 4),
        ("L'économie", "fr", 2),
        ("Die Welt", "de", 4),
        ("Theory of everything", "en", 0),
        ("A", "en", 0),
        ("The war", "ru", 0),  # Russian has no articles
    ],
)
def test_nonfiling_characters(title: str, lang: str | None, skip: int) -> None:
    assert marcxml.nonfiling(title, lang) == skip


@pytest.mark.parametrize(
    ("right", "default", "ind1", "text"),
    [
        ("open", None, "0", "Open access"),
        (None, "open", "0", "Open access"),
        ("embargoed", "open", "1", "Embargoed"),
        ("restricted", None, "1", "Access restricted"),
        ("metadata", None, "1", "Full text not available from this repository"),
        (None, None, "1", "Full text not available from this repository"),
    ],
)
def test_506_follows_the_record_then_the_journal(right: str | None, default: str | None,
                                                  ind1: str, text: str) -> None:
    record = render(make_article(access_right=right, embargo_end="2025-01-01"),
                    RenderContext("oai:test:1", default_access_right=default))
    (access,) = fields(record, "506")
    assert access.get("ind1") == ind1
    assert sub(access, "a") == [text]


def test_without_any_author_the_title_is_the_main_entry() -> None:
    record = render(make_article(contributors=()))
    assert fields(record, "100") == [] and fields(record, "110") == []
    assert fields(record, "245")[0].get("ind1") == "0"


def test_orcid_and_affiliations_of_a_constructed_author(schema_dir: Path) -> None:
    person = Contributor(surname="Doe", given_names="Jane", orcid="0000-0002-1825-0097",
                         affiliations=(Affiliation("Uni A"), Affiliation("Uni B")))
    record = render(make_article(contributors=(person,)))
    (main,) = fields(record, "100")
    assert sub(main, "u") == ["Uni A", "Uni B"]
    assert sub(main, "0") == sub(main, "1") == ["https://orcid.org/0000-0002-1825-0097"]
    assert_valid(record, schema_dir)


def test_empty_values_never_make_empty_fields(schema_dir: Path) -> None:
    record = render(Article(titles=(LangText("  ", "en"),), keywords=(LangText(" ", None),),
                            abstracts=(LangText("", None),)))
    for field in record.findall("m:datafield", M):
        assert field.findall("m:subfield", M), field.get("tag")
        assert all(s.text and s.text.strip() for s in field.findall("m:subfield", M))
    assert fields(record, "245") == []
    assert_valid(record, schema_dir)


def test_control_characters_do_not_reach_the_record(schema_dir: Path) -> None:
    record = render(make_article(titles=(LangText("Bad\x0bchar\x01acters", "en"),)))
    assert sub(fields(record, "245")[0], "a") == ["Badcharacters"]
    assert_valid(record, schema_dir)


def test_every_doi_gets_its_own_024(corpus_dir: Path) -> None:
    record = record_of(corpus_dir / "jats-real" / "elife-preprint-103870-v2.xml")
    assert [sub(f, "a") for f in fields(record, "024")] == [
        ["10.7554/eLife.103870"], ["10.7554/eLife.103870.2"]]  # the article and its version


def test_a_long_author_list_is_abridged_in_the_statement_of_responsibility() -> None:
    people = tuple(Contributor(surname=f"Author{i}", given_names="A.") for i in range(5))
    record = render(make_article(contributors=people))
    assert sub(fields(record, "245")[0], "c") == ["A. Author0 [and 4 others]"]
    assert len(fields(record, "700")) == 4  # every author still has an added entry


def test_funding_notes_name_funders_without_their_identifiers(corpus_dir: Path) -> None:
    """536 $a: the funder as named and the award numbers; the FundRef DOI tagged beside the
    name (``institution-id``) is not part of it."""
    record = record_of(corpus_dir / "jats-real" / "elife-03385.xml")
    notes = [text for field in fields(record, "536") for text in sub(field, "a")]
    assert notes[:3] == [
        "National Institutes of Health (R01 AI077058, R01 AI101400, R01 NS085296, P30 CA014195)",
        "Leona M. and Harry B. Helmsley Charitable Trust (2012-PG-MED002)",
        "Leukemia and Lymphoma Society",
    ]
    assert not any("10.13039" in note for note in notes)
