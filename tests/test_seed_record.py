"""The seed article as a JATS record: valid against the official JATS 1.3 DTD its DOCTYPE names,
and saying exactly what the public article page says, nothing more.

Every expected value below is written by hand from the seed page (../shared/seeds/), not read
from the record, so a change to the record that alters what it states makes a test fail.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from lxml import etree

from app.identifiers import identify
from app.ingest import journal_settings
from app.jats.article import read_article
from app.jats.validation import validate

SEED = Path("history/2023/04/5763.xml")
ARCHIVING_13_MATHML3 = (
    "-//NLM//DTD JATS (Z39.96) Journal Archiving and Interchange DTD with MathML3 v1.3 20210610//EN"
)
PUBLISHING_13_MATHML3 = (
    "-//NLM//DTD JATS (Z39.96) Journal Publishing DTD with MathML3 v1.3 20210610//EN"
)
CATALOG_NS = {"c": "urn:oasis:names:tc:entity:xmlns:xml:catalog"}
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"

TITLE = "The evolution of the SovietAmerican economic cooperation in 1920s – early 1930s"
JOURNAL_TITLE = "Journal of the Belarusian State University. History"
LANDING_PAGE = "https://journals.bsu.by/index.php/history/article/view/5763"
BIO = (
    "PhD (history), docent; associate professor at the department of Russian history, "
    "faculty of history"
)
ABSTRACT = (
    "The aim of the article is the examination of the different types of the Soviet-American "
    "economic cooperation in the 1920s – early 1930s. It is emphasised that the Soviet rulers "
    "admitted the need of borrowings of the advanced technique, technologies and the labour "
    "organisation from the Western countries, especially from the USA. The special attention is "
    "paid to the process of the choosing of suitable forms of economic cooperation. The practice "
    "of granting and curtailing of concessions in the 1920s is explored. It is shown the from the "
    "mid 1920s American businessmen were suppressed by both the Soviet government and trade "
    "unions. The authors analyse the role of the American leftists and reemigrants in the "
    "restoration of the Soviet economy. The examples of the industrial and agrarian colonies are "
    "given. The contribution of the USA to the fulfillment of the first five-year plan is "
    "scrutinised. The authors examine American participation in the designing of the Soviet "
    "enterprises, the ways of getting American loans, procurements of American technical "
    "equipment. The authors conclude that all forms of the Soviet-American economic cooperation "
    "between the countries were short-lived and practiced only for a few years. That did not allow "
    "the Soviets to use the potential of economic cooperation with the USA to the full extent."
)
KEYWORDS = [
    "new economic policy",
    "concession",
    "industrialisation",
    "USSR",
    "USA",
    "the Soviet-American economic cooperation",
]

# The reference list as the page prints it, entry by entry.
REFERENCE_TEXTS = [
    "Lenin VI. Polnoe sobranie sochinenii. Tom 34, Iyul’ – oktyabr’ 1917 [The complete works. "
    "Volume 34, July – October 1917]. Moscow: Politizdat; 1969. [The impending catastrophe and "
    "how to deal with its]; p. 151–199. Russian.",
    "Suponitskaya IM. [The Americanisation of Soviet Russia in the 1920s and 1930s]. Voprosy "
    "istorii. 2013;9:46–59. Russian.",
    "Lenin VI. Polnoe sobranie sochinenii. Tom 36, Mart – iyul’ 1918 [The complete works. Volume "
    "36, March – July 1918]. Moscow: Politizdat; 1969. [Plans of the article «The next tasks of "
    "the Soviet government»]; p. 543–552. Russian.",
    "Trotskii LD. Sochineniya. Tom 21, Kul’tura perekhodnogo perioda [Essays. Volume 21, Culture "
    "of the transition period]. Moscow: Politizdat; 1927. [Culture and socialism]; p. 425–446. "
    "Russian.",
    "Stalin IV. Sochineniya. Tom 6 [Essays. Volume 6]. Moscow: OGIZ; 1947. [On the foundations of "
    "Leninism: lectures given at the Sverdlovsk University]; p. 69–188. Russian.",
    "Lenin VI. Polnoe sobranie sochinenii. Tom 43, Mart – iyun’ 1921 [The complete works. Volume "
    "43, March – June 1921]. Moscow: Politizdat; 1970. [About concessions and the development of "
    "capitalism]; p. 248–249. Russian.",
    "Igolkin AA. Sovetskaya neftyanaya promyshlennost’ v 1921–1928 gg. [The Soviet oil industry "
    "in 1921–1928]. Moscow: Russian State University for the Humanities; 1999. 184 p. Russian.",
    "Martens LK. [Memories of Lenin]. Istoricheskii arkhiv. 1958;5:146–150. Russian.",
    "Simkhovich M. AMO v 1921–1924 gody (IV chast’ istorii avtozavoda imeni Stalina) [AMO in "
    "1921–1924 (4th part of the history of the automobile plant named after Stalin)]. Moscow: "
    "Avtozavod imeni Stalina; 1932. 139 p. Russian.",
    "Shpotov BM. Amerikanskii biznes i Sovetskii Soyuz, 1920–1930-e gody: labirinty "
    "ekonomicheskogo sotrudnichestva [American business and the Soviet Union, 1920–1930s: "
    "labyrinths of economic cooperation]. Moscow: Librokom; 2013. 320 p. Russian.",
    "Shpotov BM. [One step back and two steps forward. Western technical assistance and the "
    "«institutional traps» of Soviet industrialisation (1930s)]. The Bulletin of the Institute "
    "of Economics of the Russian Academy of Sciences. 2014;1:140–152. Russian.",
    "Meerovich MG. [Albert Kahn in the history of Soviet industrialisation]. Arkhitekton. "
    "Izvestiya vuzov [Internet]. 2009 [cited 2023 June 10];2(26). Available from: Russian.",
    "Shpotov BM. [Participation of American industrial companies in Soviet industrialisation, "
    "1928–1933]. In: Borodkin LI, Petrov YuA, editors. Ekonomicheskaya istoriya: ezhegodnik. "
    "Vypusk 7 [Economic history: yearbook. Issue 7]. Moscow: ROSSPEN; 2005. p. 172–196. Russian.",
]

# The tagged parts of each reference: (authors, source, trans-source, trans-title, place,
# publisher, year, issue, first page, last page, size in pages).
REFERENCE_PARTS = [
    (
        ["Lenin VI"],
        "Polnoe sobranie sochinenii. Tom 34, Iyul’ – oktyabr’ 1917",
        "The complete works. Volume 34, July – October 1917",
        "The impending catastrophe and how to deal with its",
        "Moscow",
        "Politizdat",
        "1969",
        None,
        "151",
        "199",
        None,
    ),
    (
        ["Suponitskaya IM"],
        "Voprosy istorii",
        None,
        "The Americanisation of Soviet Russia in the 1920s and 1930s",
        None,
        None,
        "2013",
        "9",
        "46",
        "59",
        None,
    ),
    (
        ["Lenin VI"],
        "Polnoe sobranie sochinenii. Tom 36, Mart – iyul’ 1918",
        "The complete works. Volume 36, March – July 1918",
        "Plans of the article «The next tasks of the Soviet government»",
        "Moscow",
        "Politizdat",
        "1969",
        None,
        "543",
        "552",
        None,
    ),
    (
        ["Trotskii LD"],
        "Sochineniya. Tom 21, Kul’tura perekhodnogo perioda",
        "Essays. Volume 21, Culture of the transition period",
        "Culture and socialism",
        "Moscow",
        "Politizdat",
        "1927",
        None,
        "425",
        "446",
        None,
    ),
    (
        ["Stalin IV"],
        "Sochineniya. Tom 6",
        "Essays. Volume 6",
        "On the foundations of Leninism: lectures given at the Sverdlovsk University",
        "Moscow",
        "OGIZ",
        "1947",
        None,
        "69",
        "188",
        None,
    ),
    (
        ["Lenin VI"],
        "Polnoe sobranie sochinenii. Tom 43, Mart – iyun’ 1921",
        "The complete works. Volume 43, March – June 1921",
        "About concessions and the development of capitalism",
        "Moscow",
        "Politizdat",
        "1970",
        None,
        "248",
        "249",
        None,
    ),
    (
        ["Igolkin AA"],
        "Sovetskaya neftyanaya promyshlennost’ v 1921–1928 gg.",
        "The Soviet oil industry in 1921–1928",
        None,
        "Moscow",
        "Russian State University for the Humanities",
        "1999",
        None,
        None,
        None,
        "184",
    ),
    (
        ["Martens LK"],
        "Istoricheskii arkhiv",
        None,
        "Memories of Lenin",
        None,
        None,
        "1958",
        "5",
        "146",
        "150",
        None,
    ),
    (
        ["Simkhovich M"],
        "AMO v 1921–1924 gody (IV chast’ istorii avtozavoda imeni Stalina)",
        "AMO in 1921–1924 (4th part of the history of the automobile plant named after Stalin)",
        None,
        "Moscow",
        "Avtozavod imeni Stalina",
        "1932",
        None,
        None,
        None,
        "139",
    ),
    (
        ["Shpotov BM"],
        "Amerikanskii biznes i Sovetskii Soyuz, 1920–1930-e gody: labirinty ekonomicheskogo "
        "sotrudnichestva",
        "American business and the Soviet Union, 1920–1930s: labyrinths of economic cooperation",
        None,
        "Moscow",
        "Librokom",
        "2013",
        None,
        None,
        None,
        "320",
    ),
    (
        ["Shpotov BM"],
        "The Bulletin of the Institute of Economics of the Russian Academy of Sciences",
        None,
        "One step back and two steps forward. Western technical assistance and the «institutional "
        "traps» of Soviet industrialisation (1930s)",
        None,
        None,
        "2014",
        "1",
        "140",
        "152",
        None,
    ),
    (
        ["Meerovich MG"],
        "Arkhitekton. Izvestiya vuzov",
        None,
        "Albert Kahn in the history of Soviet industrialisation",
        None,
        None,
        "2009",
        "2(26)",
        None,
        None,
        None,
    ),
    (
        ["Shpotov BM"],
        "Ekonomicheskaya istoriya: ezhegodnik. Vypusk 7",
        "Economic history: yearbook. Issue 7",
        "Participation of American industrial companies in Soviet industrialisation, 1928–1933",
        "Moscow",
        "ROSSPEN",
        "2005",
        None,
        "172",
        "196",
        None,
    ),
]


def _text(el: etree._Element | None) -> str | None:
    """An element's text as a reader sees it: all descendants, whitespace collapsed."""
    if el is None:
        return None
    return re.sub(r"\s+", " ", "".join(el.itertext())).strip()


def _texts(root: etree._Element, path: str) -> list[str | None]:
    return [_text(el) for el in root.xpath(path)]


def _hardened_parser() -> etree.XMLParser:
    """Reads the record without loading its DTD or any other file: nothing outside it is read."""
    return etree.XMLParser(load_dtd=False, resolve_entities=False, no_network=True, huge_tree=False)


def _dtd_for(public_id: str, schema_dir: Path) -> etree.DTD:
    """The official DTD a DOCTYPE public identifier names, found through the schema catalog."""
    catalog = etree.parse(str(schema_dir / "catalog.xml"), _hardened_parser())
    uris = catalog.xpath("//c:public[@publicId=$pid]/@uri", namespaces=CATALOG_NS, pid=public_id)
    assert uris, f"the schema catalog has no DTD for {public_id!r}"
    path = (schema_dir / uris[0]).resolve()
    assert path.is_relative_to((schema_dir / "dtd").resolve()), path
    return etree.DTD(str(path))


@pytest.fixture(scope="module")
def seed_path(records_dir: Path) -> Path:
    return records_dir / SEED


@pytest.fixture(scope="module")
def seed_tree(seed_path: Path) -> etree._ElementTree:
    return etree.parse(str(seed_path), _hardened_parser())


@pytest.fixture(scope="module")
def meta(seed_tree: etree._ElementTree) -> etree._Element:
    return seed_tree.getroot().find("front/article-meta")


# --- Where it lives and which schema it declares ------------------------------------------


def test_seed_path_shows_journal_year_and_issue(seed_path: Path) -> None:
    """records/<series>/<year>/<issue>/<publisher-id>.xml (records/README.md, "Layout")."""
    assert seed_path.is_file()
    assert SEED.parts == ("history", "2023", "04", "5763.xml")


def test_seed_declares_jats_13_archiving_with_mathml3(seed_tree: etree._ElementTree) -> None:
    """No ISSN is known, so the record is Archiving ("Green"), declared by its DOCTYPE."""
    info = seed_tree.docinfo
    assert info.root_name == "article"
    assert info.public_id == ARCHIVING_13_MATHML3
    assert (
        info.system_url
        == "https://jats.nlm.nih.gov/archiving/1.3/JATS-archivearticle1-3-mathml3.dtd"
    )
    assert seed_tree.getroot().get("dtd-version") == "1.3"


def test_seed_is_valid_against_the_dtd_its_doctype_names(
    seed_tree: etree._ElementTree, schema_dir: Path
) -> None:
    dtd = _dtd_for(seed_tree.docinfo.public_id, schema_dir)
    valid = dtd.validate(seed_tree)
    assert valid, [str(e) for e in dtd.error_log]


def test_seed_passes_the_service_validator(seed_path: Path) -> None:
    """The same verdict through the service's own validator (what `jats-oai validate` runs)."""
    report = validate(seed_path.read_bytes(), filename=str(seed_path))
    assert report.valid, [p.to_dict() for p in report.errors]
    assert (report.tag_set, report.version) == ("Archiving", "1.3")
    assert report.errors == []


def test_seed_identity_and_sets(seed_path: Path) -> None:
    """The identifier and sets everyone relies on: history/5763 in history and history:2023-4.

    The seed states no access right and the journal has no default, so it is in no open set.
    """
    article = read_article(validate(seed_path.read_bytes()).root)
    # records/journals.toml names the journal under the key "history".
    journals = journal_settings(seed_path.parents[3] / "journals.toml")
    identity = identify(article, article.access_right, journals)
    assert article.access_right is None
    assert identity.identifier == "history/5763"
    assert identity.set_specs == ("history", "history:2023-4", "openaire")


def test_seed_lacks_only_the_issn_that_publishing_would_require(
    seed_tree: etree._ElementTree, schema_dir: Path
) -> None:
    """Why Archiving: against the Publishing 1.3 DTD the one error is the missing <issn>."""
    dtd = _dtd_for(PUBLISHING_13_MATHML3, schema_dir)
    assert not dtd.validate(seed_tree)
    errors = list(dtd.error_log)
    assert len(errors) == 1, [str(e) for e in errors]
    assert "journal-meta" in errors[0].message and "issn+" in errors[0].message


# --- Journal and issue --------------------------------------------------------------------


def test_journal(seed_tree: etree._ElementTree) -> None:
    jm = seed_tree.getroot().find("front/journal-meta")
    assert _texts(jm, "journal-id[@journal-id-type='publisher-id']") == ["history"]
    assert _texts(jm, "journal-title-group/journal-title") == [JOURNAL_TITLE]


def test_issue_pages_and_year(meta: etree._Element) -> None:
    assert _texts(meta, "issue") == ["4"]
    assert _texts(meta, "volume") == []
    assert _texts(meta, "fpage") == ["63"]
    assert _texts(meta, "lpage") == ["72"]
    dates = meta.findall("pub-date")
    assert len(dates) == 1
    assert [child.tag for child in dates[0]] == ["year"], "the page states the year only"
    assert _text(dates[0].find("year")) == "2023"


def test_article_id_and_landing_page(meta: etree._Element) -> None:
    assert _texts(meta, "article-id[@pub-id-type='publisher-id']") == ["5763"]
    assert [el.get(XLINK_HREF) for el in meta.findall("self-uri")] == [LANDING_PAGE]


def test_nothing_the_seed_does_not_state(seed_tree: etree._ElementTree) -> None:
    """No DOI, ISSN, full date, full-text language, licence or publisher is invented."""
    root = seed_tree.getroot()
    assert root.xpath("//issn | //issn-l | //publisher | //permissions | //license") == []
    assert root.xpath("//article-id[@pub-id-type='doi'] | //pub-id[@pub-id-type='doi']") == []
    assert not re.search(r"\b10\.\d{4,9}/", etree.tostring(root, encoding="unicode"))
    assert root.xpath("//pub-date/month | //pub-date/day | //pub-date/season") == []
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") is None
    assert root.get("article-type") is None


# --- Title, authors, abstract, keywords ---------------------------------------------------


def test_title_as_the_page_shows_it(meta: etree._Element) -> None:
    assert _texts(meta, "title-group/article-title") == [TITLE]


def test_both_authors_in_page_order(meta: etree._Element) -> None:
    contribs = meta.findall("contrib-group/contrib")
    assert [c.get("contrib-type") for c in contribs] == ["author", "author"]
    assert [
        (_text(c.find("name/surname")), _text(c.find("name/given-names"))) for c in contribs
    ] == [("Petachenka", "Ryhor A."), ("Shabasava", "Maryna A.")]


def test_authors_affiliation_is_tagged_part_by_part(meta: etree._Element) -> None:
    contribs = meta.findall("contrib-group/contrib")
    affs = {a.get("id"): a for a in meta.xpath(".//aff")}
    for contrib in contribs:
        rids = [x.get("rid") for x in contrib.findall("xref[@ref-type='aff']")]
        inline = contrib.findall("aff")
        found = [affs[r] for r in rids] + inline
        assert len(found) == 1, "each author has exactly the one affiliation the page shows"
        aff = found[0]
        assert _text(aff.find("institution")) == "Belarusian State University"
        assert _text(aff.find("addr-line")) == "4 Niezaliezhnasci Avenue"
        assert _text(aff.find("city")) == "Minsk"
        assert _text(aff.find("postal-code")) == "220030"
        assert _text(aff.find("country")) == "Belarus"
        assert aff.find("country").get("country") == "BY"
        assert _text(aff) == (
            "Belarusian State University, 4 Niezaliezhnasci Avenue, Minsk 220030, Belarus"
        )


def test_authors_biographies_with_degree(meta: etree._Element) -> None:
    for contrib in meta.findall("contrib-group/contrib"):
        assert _texts(contrib, "bio") == [BIO]
        assert _texts(contrib, "degrees") == ["PhD (history)"]


def test_abstract(meta: etree._Element) -> None:
    assert _texts(meta, "abstract") == [ABSTRACT]


def test_keywords(meta: etree._Element) -> None:
    groups = meta.findall("kwd-group")
    assert len(groups) == 1
    assert _texts(groups[0], "kwd") == KEYWORDS


# --- References ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def refs(seed_tree: etree._ElementTree) -> list[etree._Element]:
    return seed_tree.getroot().findall("back/ref-list/ref")


def test_all_13_references_numbered_as_on_the_page(refs: list[etree._Element]) -> None:
    assert len(refs) == 13
    assert [_text(r.find("label")) for r in refs] == [str(n) for n in range(1, 14)]


@pytest.mark.parametrize("number", range(1, 14))
def test_reference_reads_as_printed(refs: list[etree._Element], number: int) -> None:
    citation = refs[number - 1].xpath("mixed-citation | element-citation")
    assert len(citation) == 1
    assert _text(citation[0]) == REFERENCE_TEXTS[number - 1]


@pytest.mark.parametrize("number", range(1, 14))
def test_reference_parts_are_tagged(refs: list[etree._Element], number: int) -> None:
    (
        authors,
        source,
        trans_source,
        trans_title,
        place,
        publisher,
        year,
        issue,
        fpage,
        lpage,
        size,
    ) = REFERENCE_PARTS[number - 1]
    cit = refs[number - 1].xpath("mixed-citation | element-citation")[0]

    def one(path: str) -> str | None:
        found = _texts(cit, path)
        assert len(found) <= 1, (path, found)
        return found[0] if found else None

    names = cit.findall("person-group[@person-group-type='author']/name")
    assert [f"{_text(n.find('surname'))} {_text(n.find('given-names'))}" for n in names] == authors
    assert one("source") == source
    assert one("trans-source") == trans_source
    assert one("trans-title") == trans_title
    assert one("publisher-loc") == place
    assert one("publisher-name") == publisher
    assert one("year") == year
    assert one("issue") == issue
    assert one("fpage") == fpage
    assert one("lpage") == lpage
    assert one("size[@units='pages']") == size
    assert one("comment[@content-type='language']") == "Russian"
    assert one("article-title") is None, "the page gives no original article or chapter title"
    for el in cit.xpath("trans-source | trans-title"):
        assert el.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"


def test_edited_book_reference_names_its_editors(refs: list[etree._Element]) -> None:
    editors = refs[12].findall("mixed-citation/person-group[@person-group-type='editor']/name")
    assert [(_text(n.find("surname")), _text(n.find("given-names"))) for n in editors] == [
        ("Borodkin", "LI"),
        ("Petrov", "YuA"),
    ]


def test_online_reference_keeps_its_access_date(refs: list[etree._Element]) -> None:
    cited = refs[11].findall("mixed-citation/date-in-citation[@content-type='access-date']")
    assert [(_text(d), d.get("iso-8601-date")) for d in cited] == [("2023 June 10", "2023-06-10")]


# --- The collection around the seed -------------------------------------------------------


def test_every_record_sits_where_its_content_says(records_dir: Path) -> None:
    """A person finds an article by journal, year and issue; the folder must not lie."""
    files = sorted(records_dir.rglob("*.xml"))
    assert files
    for path in files:
        root = etree.parse(str(path), _hardened_parser()).getroot()
        series = root.findtext("front/journal-meta/journal-id[@journal-id-type='publisher-id']")
        meta_el = root.find("front/article-meta")
        year = meta_el.findtext("pub-date/year")
        issue = meta_el.findtext("issue")
        volume = meta_el.findtext("volume")
        folder = f"{int(issue):02d}" if issue and issue.isdigit() else (issue or "no-issue")
        if volume:
            folder = f"v{volume}-{folder}"
        rel = path.relative_to(records_dir).parts
        assert rel[:3] == (series, year, folder), f"{path} is filed under {rel[:3]}"


def test_every_series_has_journal_settings_and_no_open_default(records_dir: Path) -> None:
    """records/journals.toml: English name; the access right is unset unless stated."""
    with (records_dir / "journals.toml").open("rb") as fh:
        journals = tomllib.load(fh)
    series = {p.relative_to(records_dir).parts[0] for p in records_dir.rglob("*.xml")}
    assert series <= set(journals)
    assert journals["history"]["name"] == {"en": JOURNAL_TITLE}
    assert "default_access_right" not in journals["history"]
    allowed = {"open", "embargoed", "restricted", "metadata"}
    for name, table in journals.items():
        assert set(table.get("name", {})) <= {"en", "ru", "be"}, name
        if "default_access_right" in table:
            assert table["default_access_right"] in allowed, name
