"""OpenAIRE Guidelines for Literature Repositories v4 (oai_openaire), field by field.

Each test names the guidelines' field it checks ("Access Rights (M)", "Title (M)", ...), as
the application profile at openaire-guidelines-for-literature-repository-managers lists them.
Expected values are written from reading each JATS file.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from app.config import REPO_ROOT
from app.crosswalks import openaire
from app.crosswalks.registry import Document, RenderContext
from app.jats.article import read_article
from app.jats.model import Affiliation, Article, Contributor, LangText
from app.jats.schemas import schema_directory
from app.jats.validation import validate_file
from tests.factories import make_article

NS = {
    "oaire": openaire.NS, "datacite": openaire.DATACITE, "dc": openaire.DC,
}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SEED = REPO_ROOT / "records" / "history" / "2023" / "04" / "5763.xml"
OPEN = "http://purl.org/coar/access_right/c_abf2"
EMBARGOED = "http://purl.org/coar/access_right/c_f1cf"
RESTRICTED = "http://purl.org/coar/access_right/c_16ec"
METADATA_ONLY = "http://purl.org/coar/access_right/c_14cb"


def render(article: Article, context: RenderContext | None = None) -> etree._Element:
    context = context or RenderContext("oai:test:1", landing_url="https://example.org/a/1")
    return etree.fromstring(openaire.render(Document(None, article), context))


def load(path: Path) -> Article:
    report = validate_file(path)
    assert report.root is not None, report.errors
    return read_article(report.root)


def texts(root: etree._Element, path: str) -> list[str]:
    return [el.text for el in root.findall(path, NS)]


def assert_valid(root: etree._Element, schema_dir: Path) -> None:
    schema = schema_directory(schema_dir).xsd(openaire.FORMAT.schema_file)
    assert schema.validate(root), schema.error_log


@pytest.fixture(scope="module")
def seed_article() -> Article:
    return load(SEED)


@pytest.fixture(scope="module")
def seed(seed_article: Article) -> etree._Element:
    return render(seed_article, RenderContext("oai:journals.bsu.by:history/5763",
                                              landing_url=seed_article.landing_page))


@pytest.fixture(scope="module")
def scielo(corpus_dir: Path) -> etree._Element:
    article = load(corpus_dir / "jats-real" / "scielo-0034-7167-2021-0534.xml")
    return render(article, RenderContext("oai:test:scielo",
                                         landing_url="http://127.0.0.1:5000/articles/x"))


def test_format_is_registered_with_the_official_namespace_and_schema() -> None:
    assert openaire.FORMAT.prefix == "oai_openaire"
    assert openaire.FORMAT.namespace == "http://namespace.openaire.eu/schema/oaire/"
    assert openaire.FORMAT.schema_location == (
        "https://www.openaire.eu/schema/repo-lit/4.0/openaire.xsd")


def test_seed_title_and_creators(seed: etree._Element) -> None:
    """Title (M) and Creator (M): "family, given", givenName/familyName, affiliation."""
    (title,) = seed.findall("datacite:titles/datacite:title", NS)
    assert title.text == ("The evolution of the SovietAmerican economic cooperation in 1920s – "
                          "early 1930s")
    assert title.get(XML_LANG) == "en"
    assert title.get("titleType") is None
    creators = seed.findall("datacite:creators/datacite:creator", NS)
    assert [c.findtext("datacite:creatorName", namespaces=NS) for c in creators] == [
        "Petachenka, Ryhor A.", "Shabasava, Maryna A."]
    first = creators[0]
    assert first.find("datacite:creatorName", NS).get("nameType") == "Personal"
    assert first.findtext("datacite:givenName", namespaces=NS) == "Ryhor A."
    assert first.findtext("datacite:familyName", namespaces=NS) == "Petachenka"
    # The institution alone: the postal address the aff tags is not part of its name.
    assert texts(first, "datacite:affiliation") == ["Belarusian State University"]
    assert first.find("datacite:nameIdentifier", NS) is None  # the seed gives no ORCID


def test_seed_access_right_is_metadata_only_never_open_by_default(seed: etree._Element) -> None:
    """Access Rights (M): the seed and its journal state none, so: metadata only access."""
    (rights,) = seed.findall("datacite:rights", NS)
    assert rights.get("rightsURI") == METADATA_ONLY
    assert rights.text == "metadata only access"
    assert seed.find("oaire:file", NS) is None
    assert seed.find("oaire:licenseCondition", NS) is None


def test_seed_identifier_date_type_version_citation(seed: etree._Element) -> None:
    """Resource Identifier (M), Publication Date (M), Resource Type (M), Version (R), Citation*."""
    (ident,) = seed.findall("datacite:identifier", NS)
    assert ident.get("identifierType") == "URL"
    assert ident.text == "https://journals.bsu.by/index.php/history/article/view/5763"
    assert [(d.get("dateType"), d.text) for d in seed.findall("datacite:dates/datacite:date",
                                                               NS)] == [("Issued", "2023")]
    (kind,) = seed.findall("oaire:resourceType", NS)
    assert (kind.get("uri"), kind.get("resourceTypeGeneral"), kind.text) == (
        "http://purl.org/coar/resource_type/c_6501", "literature", "journal article")
    (version,) = seed.findall("oaire:version", NS)
    assert version.get("uri") == "http://purl.org/coar/version/c_970fb48d4fbd8a85"
    assert texts(seed, "oaire:citationTitle") == [
        "Journal of the Belarusian State University. History"]
    assert texts(seed, "oaire:citationVolume") == []  # the seed has no volume
    assert texts(seed, "oaire:citationIssue") == ["4"]
    assert texts(seed, "oaire:citationStartPage") == ["63"]
    assert texts(seed, "oaire:citationEndPage") == ["72"]


def test_seed_description_subjects_and_no_invented_language(seed: etree._Element) -> None:
    (abstract,) = seed.findall("dc:description", NS)
    assert abstract.get(XML_LANG) == "en"
    assert abstract.text.endswith("with the USA to the full extent.")
    assert texts(seed, "datacite:subjects/datacite:subject") == [
        "new economic policy", "concession", "industrialisation", "USSR", "USA",
        "the Soviet-American economic cooperation"]
    # article/@xml:lang is not written, and the declared DTD's default is "en".
    assert texts(seed, "dc:language") == ["eng"]
    assert seed.find("dc:publisher", NS) is None  # nor is the publisher


def test_seed_has_every_mandatory_field(seed_article: Article, seed: etree._Element,
                                        schema_dir: Path) -> None:
    context = RenderContext("oai:x:1", landing_url=seed_article.landing_page)
    assert openaire.missing_mandatory(seed_article, context) == []
    assert_valid(seed, schema_dir)


def test_scielo_translated_titles_and_languages(scielo: etree._Element) -> None:
    """Title (M) with titleType TranslatedTitle; Language (MA) in ISO 639-3."""
    titles = scielo.findall("datacite:titles/datacite:title", NS)
    assert [(t.get(XML_LANG), t.get("titleType")) for t in titles] == [
        ("en", None), ("es", "TranslatedTitle"), ("pt", "TranslatedTitle")]
    assert titles[1].text == ("Lactancia materna y enfermedades prevalentes en los dos primeros "
                              "años de vida del niño: un estudio transversal")
    assert texts(scielo, "dc:language") == ["eng"]
    descriptions = scielo.findall("dc:description", NS)
    assert [d.get(XML_LANG) for d in descriptions] == ["en", "es", "pt"]
    assert descriptions[1].text.startswith("Objetivos: evaluar la asociación")


def test_scielo_creators_carry_orcid(scielo: etree._Element) -> None:
    creators = scielo.findall("datacite:creators/datacite:creator", NS)
    assert len(creators) == 8
    ident = creators[0].find("datacite:nameIdentifier", NS)
    assert ident.text == "0000-0002-5140-3104"
    assert ident.get("nameIdentifierScheme") == "ORCID"
    assert ident.get("schemeURI") == "https://orcid.org"
    assert texts(creators[5], "datacite:givenName") == ["Beatriz Rosana Gonçalves de Oliveira"]


def test_scielo_rights_licence_identifiers_citation(scielo: etree._Element) -> None:
    """Access Rights (M) open from license-type="open-access"; License Condition (R);
    Alternate Identifier (R) for the DOI; ISSNs as IsPartOf related identifiers."""
    assert scielo.find("datacite:rights", NS).get("rightsURI") == OPEN
    (licence,) = scielo.findall("oaire:licenseCondition", NS)
    assert licence.get("uri") == "https://creativecommons.org/licenses/by/4.0/"
    assert licence.text == "CC BY 4.0"
    alternates = scielo.findall("datacite:alternateIdentifiers/datacite:alternateIdentifier", NS)
    assert ("DOI", "10.1590/0034-7167-2021-0534") in [
        (a.get("alternateIdentifierType"), a.text) for a in alternates]
    related = scielo.findall("datacite:relatedIdentifiers/datacite:relatedIdentifier", NS)
    assert sorted(r.text for r in related) == ["0034-7167", "1984-0446"]
    assert {r.get("relationType") for r in related} == {"IsPartOf"}
    assert texts(scielo, "dc:publisher") == ["Associação Brasileira de Enfermagem"]
    assert texts(scielo, "oaire:citationVolume") == ["75"]
    assert texts(scielo, "oaire:citationIssue") == ["06"]
    assert texts(scielo, "oaire:citationStartPage") == []  # an elocation-id is not a page
    issued = [d.text for d in scielo.findall("datacite:dates/datacite:date", NS)
              if d.get("dateType") == "Issued"]
    # <pub-date date-type="pub"> 06/06/2022 is more precise than the collection's "2022".
    assert issued == ["2022-06-06"]


def test_group_author_is_an_organisational_creator(corpus_dir: Path, schema_dir: Path) -> None:
    article = load(corpus_dir / "jats-real" / "plos-journal.pone.0097541.xml")
    root = render(article)
    (name,) = root.findall("datacite:creators/datacite:creator/datacite:creatorName", NS)
    assert (name.text, name.get("nameType")) == ("The PLOS ONE Staff", "Organizational")
    assert root.find("datacite:creators/datacite:creator/datacite:givenName", NS) is None
    assert root.find("dc:description", NS) is None  # no abstract in the record
    assert_valid(root, schema_dir)


def test_editors_are_contributors_not_creators(corpus_dir: Path) -> None:
    article = load(corpus_dir / "jats-real" / "elife-preprint-103870-v2.xml")
    root = render(article)
    contributors = root.findall("datacite:contributors/datacite:contributor", NS)
    assert [(c.get("contributorType"), c.findtext("datacite:contributorName", namespaces=NS))
            for c in contributors] == [("Editor", "Portman, Douglas"), ("Editor", "Chen, Lu")]
    assert len(root.findall("datacite:creators/datacite:creator", NS)) == 9


def test_a_preprint_is_a_preprint_under_review_not_a_version_of_record(
    corpus_dir: Path, schema_dir: Path
) -> None:
    """Resource Type (M) and Resource Version (R): an eLife article-type="preprint" is the
    COAR "preprint" (c_816b) in JAV "SMUR", as its oai_dc gives preprint/submittedVersion;
    never a journal article's Version of Record."""
    root = render(load(corpus_dir / "jats-real" / "elife-preprint-84364-v2.xml"))
    kind = root.find("oaire:resourceType", NS)
    assert (kind.get("uri"), kind.text) == ("http://purl.org/coar/resource_type/c_816b",
                                            "preprint")
    version = root.find("oaire:version", NS)
    assert (version.get("uri"), version.text) == (
        "http://purl.org/coar/version/c_71e4c1898caa6e32", "SMUR")
    assert_valid(root, schema_dir)


def test_a_record_without_authors_says_why(corpus_dir: Path, schema_dir: Path) -> None:
    """PLOS Medicine synopses have no contrib: Creator (M) cannot be given, and the report
    says so instead of inventing one."""
    article = load(corpus_dir / "jats-real" / "plos-journal.pmed.0020402.xml")
    context = RenderContext("oai:test:1", landing_url="https://example.org/a")
    missing = openaire.missing_mandatory(article, context)
    assert len(missing) == 1 and missing[0].startswith("datacite:creator (M)")
    root = render(article, context)
    assert root.find("datacite:creators", NS) is None
    assert_valid(root, schema_dir)


@pytest.mark.parametrize(
    ("stated", "journal_default", "expected"),
    [
        ("open", None, OPEN),
        ("embargoed", None, EMBARGOED),
        ("restricted", "open", RESTRICTED),  # the record wins over the journal
        ("metadata", None, METADATA_ONLY),
        (None, "open", OPEN),  # the journal's stated policy applies when the record is silent
        (None, "restricted", RESTRICTED),
        (None, None, METADATA_ONLY),  # never open by default
        (None, "bogus", METADATA_ONLY),
    ],
)
def test_access_right_from_record_then_journal_then_metadata_only(
        stated: str | None, journal_default: str | None, expected: str) -> None:
    root = render(make_article(access_right=stated),
                  RenderContext("oai:test:1", landing_url="https://example.org/a",
                                default_access_right=journal_default))
    assert [r.get("rightsURI") for r in root.findall("datacite:rights", NS)] == [expected]


def test_embargo_gives_accepted_and_available_dates(schema_dir: Path) -> None:
    """Embargo Period Date (MA): Accepted = embargo start, Available = embargo end."""
    root = render(make_article(access_right="embargoed", embargo_end="2026-01-01"))
    dates = [(d.get("dateType"), d.text) for d in root.findall("datacite:dates/datacite:date", NS)]
    assert dates == [("Accepted", "2024-03-09"), ("Available", "2026-01-01"),
                     ("Issued", "2024-03-09")]
    assert_valid(root, schema_dir)


def test_embargo_without_an_end_date_is_reported() -> None:
    article = make_article(access_right="embargoed")
    missing = openaire.missing_mandatory(article, RenderContext("oai:t:1", landing_url="u"))
    assert missing == [
        "datacite:date Available (MA): embargoed, but no embargo end date given"]


def test_missing_title_date_and_identifier_are_reported(schema_dir: Path) -> None:
    article = Article(titles=())
    context = RenderContext("oai:test:1")
    missing = openaire.missing_mandatory(article, context)
    assert [m.split(" (")[0] for m in missing] == [
        "datacite:title", "datacite:creator", "datacite:date Issued", "datacite:identifier"]
    assert_valid(render(article, context), schema_dir)


def test_doi_is_the_identifier_when_no_landing_page_is_known() -> None:
    root = render(make_article(article_ids=(("doi", "10.1234/abc"),)), RenderContext("oai:t:1"))
    ident = root.find("datacite:identifier", NS)
    assert (ident.get("identifierType"), ident.text) == ("DOI", "10.1234/abc")
    assert root.find("datacite:alternateIdentifiers", NS) is None


def test_file_only_for_a_full_text_url_the_record_states(schema_dir: Path) -> None:
    """File Location (MA): a PDF self-uri is a file; a relative name or the page is not."""
    article = make_article(access_right="open", self_uris=(
        "https://example.org/article/1", "https://example.org/article/1.pdf", "local.pdf"))
    root = render(article)
    (file_,) = root.findall("oaire:file", NS)
    assert file_.text == "https://example.org/article/1.pdf"
    assert file_.get("mimeType") == "application/pdf"
    assert file_.get("objectType") == "fulltext"
    assert file_.get("accessRightsURI") == OPEN
    assert_valid(root, schema_dir)


def test_orcid_and_languages_of_a_constructed_article(schema_dir: Path) -> None:
    person = Contributor(surname="Іваноў", given_names="Іван", orcid="0000-0002-1825-0097",
                         affiliations=(Affiliation("БДУ"),))
    article = make_article(lang="be", contributors=(person,),
                       titles=(LangText("Назва", "be"), LangText("Title", "en")),
                       abstracts=(LangText("Анатацыя", "be"), LangText("Abstract", "en")))
    root = render(article)
    assert texts(root, "dc:language") == ["bel"]
    assert [(t.get(XML_LANG), t.get("titleType")) for t in
            root.findall("datacite:titles/datacite:title", NS)] == [
        ("be", None), ("en", "TranslatedTitle")]
    assert texts(root, "datacite:creators/datacite:creator/datacite:nameIdentifier") == [
        "0000-0002-1825-0097"]
    assert_valid(root, schema_dir)


def test_a_malformed_language_tag_is_left_off_not_emitted_broken(schema_dir: Path) -> None:
    root = render(make_article(titles=(LangText("Title", "en.us"),),
                           abstracts=(LangText("Text", "x y"),)))
    assert root.find("datacite:titles/datacite:title", NS).get(XML_LANG) is None
    assert root.find("dc:description", NS).get(XML_LANG) is None
    assert_valid(root, schema_dir)


MATH_TITLE = b"""<article xmlns:mml="http://www.w3.org/1998/Math/MathML" xml:lang="en">
<front><journal-meta><journal-title-group><journal-title>J</journal-title></journal-title-group>
</journal-meta><article-meta><title-group><article-title>Solving <inline-formula><mml:math>
<mml:msup><mml:mi>x</mml:mi><mml:mn>2</mml:mn></mml:msup><mml:mo>=</mml:mo><mml:mn>4</mml:mn>
</mml:math></inline-formula> in <italic>closed</italic> form<xref ref-type="fn" rid="f1">1</xref>
</article-title><trans-title-group xml:lang="de"><trans-title>Die Gleichung</trans-title>
</trans-title-group></title-group></article-meta></front></article>"""


def test_mathml_and_markup_in_a_title_read_as_text() -> None:
    """The title a reader sees: MathML as its tokens, no lost word between inline elements,
    no footnote marker."""
    article = read_article(etree.fromstring(MATH_TITLE))
    titles = render(article).findall("datacite:titles/datacite:title", NS)
    assert [(t.text, t.get(XML_LANG), t.get("titleType")) for t in titles] == [
        ("Solving x2=4 in closed form", "en", None), ("Die Gleichung", "de", "TranslatedTitle")]


def test_funding_references_name_the_tagged_funders_ids_and_awards(
    corpus_dir: Path, schema_dir: Path
) -> None:
    """Funding Reference (MA): eLife tags each award-group's funder with a FundRef DOI;
    the award number comes as the record writes it, and a funder without either keeps
    only its name. The identifier never leaks into the name."""
    root = render(load(corpus_dir / "jats-real" / "elife-03385.xml"))
    assert_valid(root, schema_dir)
    references = root.findall("oaire:fundingReferences/oaire:fundingReference", NS)
    found = [
        (
            ref.findtext("oaire:funderName", namespaces=NS),
            ref.findtext("oaire:funderIdentifier", namespaces=NS),
            ref.find("oaire:funderIdentifier", NS).get("funderIdentifierType")
            if ref.find("oaire:funderIdentifier", NS) is not None else None,
            ref.findtext("oaire:awardNumber", namespaces=NS),
        )
        for ref in references
    ]
    assert found[:4] == [
        ("National Institutes of Health", "https://doi.org/10.13039/100000002",
         "Crossref Funder ID", "R01 AI077058, R01 AI101400, R01 NS085296, P30 CA014195"),
        ("Leona M. and Harry B. Helmsley Charitable Trust",
         "https://doi.org/10.13039/100007028", "Crossref Funder ID", "2012-PG-MED002"),
        ("Leukemia and Lymphoma Society", "https://doi.org/10.13039/100005189",
         "Crossref Funder ID", None),
        ("Nomis Foundation", None, None, None),
    ]


def test_a_record_without_funding_gets_no_funding_references(seed: etree._Element) -> None:
    assert seed.find("oaire:fundingReferences", NS) is None
