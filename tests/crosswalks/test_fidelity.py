"""What the formats say agrees with what the JATS says, field by field, in every language.

Each test reads one point as an aggregator's metadata librarian would: the seed, real corpus
files (named in each test), and small probe records for cases the corpus lacks. Guidelines:
OpenAIRE Guidelines for Literature Repository Managers v3 (oai_dc) and for Literature
Repositories v4 (oai_openaire), BCP 47 (RFC 5646) for ``xml:lang``, the COAR vocabularies
and MARC 21 Bibliographic.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

from lxml import etree

from app.config import Settings
from app.crosswalks import marcxml, oai_dc, openaire
from app.crosswalks.registry import Document, RenderContext
from app.ingest import Prepared, prepare, render_context, store_draft
from app.jats.article import read_article
from app.jats.model import Affiliation, Article, Contributor, LangText
from app.store.base import Store
from tests.factories import Clock

DC = "http://purl.org/dc/elements/1.1/"
MARC = "http://www.loc.gov/MARC21/slim"
NS = {"dc": DC, "datacite": openaire.DATACITE, "oaire": openaire.NS, "marc": MARC}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
PARSER = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True)
SEED = Path("history/2023/04/5763.xml")


def probe(meta: str, *, lang: str | None = "ru", article_type: str = "research-article",
          doctype: bool = False) -> bytes:
    """A small JATS 1.3 record around an ``article-meta`` body (journal and pages given)."""
    head = ('<!DOCTYPE article PUBLIC "-//NLM//DTD JATS (Z39.96) Journal Archiving and '
            'Interchange DTD with MathML3 v1.3 20210610//EN" '
            '"https://jats.nlm.nih.gov/archiving/1.3/JATS-archivearticle1-3-mathml3.dtd">'
            if doctype else "")
    lang_attr = f' xml:lang="{lang}"' if lang else ""
    return (
        f'{head}<article xmlns:xlink="http://www.w3.org/1999/xlink" dtd-version="1.3"'
        f' article-type="{article_type}"{lang_attr}><front><journal-meta>'
        '<journal-id journal-id-type="publisher-id">probe</journal-id>'
        '<journal-title-group><journal-title>Probe Journal</journal-title></journal-title-group>'
        '</journal-meta><article-meta>' + meta + '</article-meta></front></article>'
    ).encode()


def read(data: bytes) -> tuple[etree._Element, Article]:
    root = etree.fromstring(data, PARSER)
    return root, read_article(root)


def render(module: object, root: etree._Element, article: Article,
           **context: object) -> etree._Element:
    ctx = RenderContext(oai_identifier="oai:test:1", **context)  # type: ignore[arg-type]
    return etree.fromstring(module.FORMAT.render(Document(root, article), ctx))  # type: ignore[attr-defined]


def all_formats(root: etree._Element, article: Article,
                **context: object) -> dict[str, etree._Element]:
    return {m.FORMAT.prefix: render(m, root, article, **context)
            for m in (oai_dc, openaire, marcxml)}


def seed(records_dir: Path) -> tuple[etree._Element, Article]:
    root = etree.parse(str(records_dir / SEED), PARSER).getroot()
    return root, read_article(root)


def corpus(corpus_dir: Path, name: str) -> tuple[etree._Element, Article]:
    found = sorted(corpus_dir.glob(f"*/{name}"))
    assert found, f"corpus file {name} is missing"
    root = etree.parse(str(found[0]), PARSER).getroot()
    return root, read_article(root)


def langs(el: etree._Element, path: str) -> list[tuple[str | None, str]]:
    return [(e.get(XML_LANG), e.text or "") for e in el.findall(path, NS)]


def marc(record: etree._Element, tag: str, code: str) -> list[str]:
    return [s.text or "" for f in record.findall(f"marc:datafield[@tag='{tag}']", NS)
            for s in f.findall(f"marc:subfield[@code='{code}']", NS)]


def control(record: etree._Element, tag: str) -> str:
    return record.find(f"marc:controlfield[@tag='{tag}']", NS).text or ""


# --- 1. languages ---------------------------------------------------------------------------

TRANSLITERATED = probe(
    '<title-group><article-title>Эволюция советско-американского сотрудничества</article-title>'
    '<trans-title-group xml:lang="ru-Latn"><trans-title>Evolyutsiya sovetsko-amerikanskogo '
    'sotrudnichestva</trans-title></trans-title-group>'
    '<trans-title-group xml:lang="en"><trans-title>The evolution of Soviet-American '
    'cooperation</trans-title></trans-title-group></title-group>'
    '<pub-date pub-type="epub"><year>2023</year></pub-date><fpage>1</fpage><lpage>9</lpage>'
    '<abstract><p>Статья рассматривает сотрудничество.</p></abstract>'
    '<trans-abstract xml:lang="en"><p>The article examines cooperation.</p></trans-abstract>'
)


def test_a_transliteration_keeps_its_script_subtag_in_every_format() -> None:
    """BCP 47: "ru-Latn" is a transliteration, never the Russian title; the Cyrillic title
    keeps "ru" (inherited from article/@xml:lang)."""
    root, article = read(TRANSLITERATED)
    out = all_formats(root, article)
    assert langs(out["oai_dc"], "dc:title") == [
        ("ru", "Эволюция советско-американского сотрудничества"),
        ("ru-Latn", "Evolyutsiya sovetsko-amerikanskogo sotrudnichestva"),
        ("en", "The evolution of Soviet-American cooperation"),
    ]
    assert [lang for lang, _ in langs(out["oai_openaire"], "datacite:titles/datacite:title")] \
        == ["ru", "ru-Latn", "en"]
    # Only the language of the content is reduced to a code: ISO 639-3, MARC 041/008 639-2/B.
    assert [e.text for e in out["oai_dc"].findall("dc:language", NS)] == ["rus"]
    assert [e.text for e in out["oai_openaire"].findall("dc:language", NS)] == ["rus"]
    assert control(out["marcxml"], "008")[35:38] == "rus"
    assert marc(out["marcxml"], "041", "a") == ["rus"] and marc(out["marcxml"], "041", "b") == [
        "rus", "eng"]


def test_a_stated_region_subtag_survives(corpus_dir: Path) -> None:
    """PMGP (pmgp-v2i1.e020118.xml): alt-title xml:lang="uk-UA" stays "uk-UA" in oai_dc and
    OpenAIRE; dc:language is the article's "ukr"."""
    root, article = corpus(corpus_dir, "pmgp-v2i1.e020118.xml")
    out = all_formats(root, article)
    assert ("uk-UA", article.titles[1].text) in langs(out["oai_dc"], "dc:title")
    assert "uk-UA" in [lang for lang, _ in
                       langs(out["oai_openaire"], "datacite:titles/datacite:title")]
    assert [e.text for e in out["oai_dc"].findall("dc:language", NS)] == ["ukr"]


def test_the_declared_dtd_default_gives_the_language(records_dir: Path) -> None:
    """The seed writes no article/@xml:lang; the JATS 1.3 Archiving DTD its DOCTYPE names
    declares the default "en" (read from that DTD), so every format says English."""
    root, article = seed(records_dir)
    assert root.get(XML_LANG) is None and article.lang == "en"
    out = all_formats(root, article)
    assert [e.text for e in out["oai_dc"].findall("dc:language", NS)] == ["eng"]
    assert control(out["marcxml"], "008")[35:38] == "eng"


def test_a_dtd_default_applies_only_where_a_dtd_is_declared() -> None:
    meta = ('<title-group><article-title>Title</article-title></title-group>'
            '<pub-date><year>2020</year></pub-date>')
    assert read(probe(meta, lang=None, doctype=True))[1].lang == "en"
    _root, bare = read(probe(meta, lang=None))  # no DOCTYPE: no DTD, so no default
    assert bare.lang is None
    assert read(probe(meta, lang="be", doctype=True))[1].lang == "be"  # stated wins


# --- 2. structured abstracts ----------------------------------------------------------------

STRUCTURED = probe(
    '<title-group><article-title>Structured</article-title></title-group>'
    '<pub-date><year>2020</year></pub-date>'
    '<abstract xml:lang="en"><title>Abstract</title>'
    '<sec><title>Aim</title><p>To test structured abstracts.</p></sec>'
    '<sec><title>Results:</title><p>Labels are kept.</p></sec>'
    '<sec><p>An untitled closing section.</p></sec></abstract>',
    lang="en",
)
LABELLED = ("Aim: To test structured abstracts. Results: Labels are kept. "
            "An untitled closing section.")


def test_each_section_title_is_a_label_in_every_format() -> None:
    root, article = read(STRUCTURED)
    out = all_formats(root, article)
    assert langs(out["oai_dc"], "dc:description") == [("en", LABELLED)]
    assert langs(out["oai_openaire"], "dc:description") == [("en", LABELLED)]
    assert marc(out["marcxml"], "520", "a") == [LABELLED]


def test_a_real_structured_abstract_keeps_its_labels(corpus_dir: Path) -> None:
    """Revista de Saúde Pública (scielo-0034-8910-rsp-48-2-0347.xml): OBJETIVO, MÉTODOS,
    RESULTADOS, CONCLUSÕES, and the English translation's OBJECTIVE, METHODS..."""
    root, article = corpus(corpus_dir, "scielo-0034-8910-rsp-48-2-0347.xml")
    (pt, en) = [text for _lang, text in
                langs(render(oai_dc, root, article), "dc:description")]
    for label in ("OBJETIVO:", "MÉTODOS:", "RESULTADOS:"):
        assert label in pt
    for label in ("OBJECTIVE:", "METHODS:", "RESULTS:"):
        assert label in en


# --- 4. affiliations ------------------------------------------------------------------------


def test_the_seed_affiliation_is_the_institution_not_its_address(records_dir: Path) -> None:
    """The seed's aff tags <institution>, <addr-line>, <city>, <postal-code> and <country>:
    the name is the institution; the address is kept apart in the reading."""
    root, article = seed(records_dir)
    out = all_formats(root, article)
    creator = out["oai_openaire"].find("datacite:creators/datacite:creator", NS)
    assert [e.text for e in creator.findall("datacite:affiliation", NS)] == [
        "Belarusian State University"]
    assert marc(out["marcxml"], "100", "u") == ["Belarusian State University"]
    assert marc(out["marcxml"], "700", "u") == ["Belarusian State University"]
    aff = article.authors[0].affiliations[0]
    assert (aff.address, aff.city, aff.postal_code, aff.country) == (
        "4 Niezaliezhnasci Avenue", "Minsk", "220030", "Belarus")


def test_a_ror_identifier_goes_with_the_institution(corpus_dir: Path) -> None:
    """eLife 90747 (elife-90747.xml) tags ROR ids; SciELO Bragantia
    (scielo-0006-8705-brag-81-e2022.xml) a bare one, given as its https://ror.org/ URL."""
    root, article = corpus(corpus_dir, "elife-90747.xml")
    creator = render(openaire, root, article).find("datacite:creators/datacite:creator", NS)
    aff = creator.find("datacite:affiliation", NS)
    assert aff.text == ("Lundquist Institute for Biomedical Innovation at the Harbor-UCLA "
                        "Medical Center")
    assert (aff.get("affiliationIdentifier"), aff.get("affiliationIdentifierScheme"),
            aff.get("schemeURI")) == ("https://ror.org/04vq5kb54", "ROR", "https://ror.org/")
    _root, scielo = corpus(corpus_dir, "scielo-0006-8705-brag-81-e2022.xml")
    first = scielo.authors[0].affiliations[0]
    assert first.identifier == ("https://ror.org/00987cb86", "ROR")
    # The tagged parts, not the "original" line with its department and town.
    assert first.name == ("Faculdade de Ciências Agronômicas, "
                          "Universidade Estadual Paulista “Júlio de Mesquita Filho”")


# --- 3. access and rights -------------------------------------------------------------------

ACCESS = {
    "open": ("http://purl.org/coar/access_right/c_abf2", "info:eu-repo/semantics/openAccess",
             "0", "Open access"),
    "embargoed": ("http://purl.org/coar/access_right/c_f1cf",
                  "info:eu-repo/semantics/embargoedAccess", "1", "Embargoed"),
    "restricted": ("http://purl.org/coar/access_right/c_16ec",
                   "info:eu-repo/semantics/restrictedAccess", "1", "Access restricted"),
    "metadata": ("http://purl.org/coar/access_right/c_14cb",
                 "info:eu-repo/semantics/closedAccess", "1",
                 "Full text not available from this repository"),
}


def stated_access(out: dict[str, etree._Element]) -> tuple[str | None, list[str], str, list[str]]:
    rights = out["oai_openaire"].find("datacite:rights", NS)
    access = [t.text for t in out["oai_dc"].findall("dc:rights", NS)
              if (t.text or "").startswith("info:eu-repo/semantics/")]
    field = out["marcxml"].find("marc:datafield[@tag='506']", NS)
    return rights.get("rightsURI"), access, field.get("ind1"), marc(out["marcxml"], "506", "a")


def test_the_seed_says_metadata_only_in_every_format(records_dir: Path) -> None:
    """The seed and records/journals.toml state no access right: the formats agree on the
    only thing the repository can vouch for, metadata only (nothing is called open)."""
    root, article = seed(records_dir)
    coar, dc, ind1, text = ACCESS["metadata"]
    assert stated_access(all_formats(root, article)) == (coar, [dc], ind1, [text])


def test_every_access_right_is_the_same_in_every_format(records_dir: Path) -> None:
    root, article = seed(records_dir)
    for right, (coar, dc, ind1, text) in ACCESS.items():
        out = all_formats(root, article, default_access_right=right)
        assert stated_access(out) == (coar, [dc], ind1, [text]), right


def test_a_licence_url_is_given_wherever_the_jats_gives_one(corpus_dir: Path) -> None:
    """eLife 90747 (elife-90747.xml): a CC BY licence, so open access, and its URL in
    dc:rights, oaire:licenseCondition/@uri and MARC 540 $u."""
    root, article = corpus(corpus_dir, "elife-90747.xml")
    url = article.license_url
    assert url and "creativecommons.org" in url
    out = all_formats(root, article)
    coar, dc, ind1, text = ACCESS["open"]
    assert stated_access(out) == (coar, [dc], ind1, [text])
    assert url in [t.text for t in out["oai_dc"].findall("dc:rights", NS)]
    assert out["oai_openaire"].find("oaire:licenseCondition", NS).get("uri") == url
    assert marc(out["marcxml"], "540", "u") == [url]


# --- 5. citation ----------------------------------------------------------------------------


def test_the_seed_citation_has_title_year_issue_and_pages(records_dir: Path) -> None:
    root, article = seed(records_dir)
    dc = render(oai_dc, root, article)
    # The seed states no ISSN: no second dc:source, and none is made up.
    assert [e.text for e in dc.findall("dc:source", NS)] == [
        "Journal of the Belarusian State University. History; 2023, No. 4; 63–72"]


def test_a_citation_with_volume_and_the_issn_apart(corpus_dir: Path) -> None:
    """Revista de Saúde Pública (scielo-0034-8910-rsp-48-2-0347.xml): volume 48, issue 2,
    pages 347-356; each ISSN (print 0034-8910, electronic 1518-8787) its own dc:source."""
    root, article = corpus(corpus_dir, "scielo-0034-8910-rsp-48-2-0347.xml")
    dc = render(oai_dc, root, article)
    assert [e.text for e in dc.findall("dc:source", NS)] == [
        "Revista de Saúde Pública; 2014, Vol. 48, No. 2; 347–356", "0034-8910", "1518-8787"]


# --- 7. article types -----------------------------------------------------------------------

KINDS = [
    # corpus file, COAR concept (oai_openaire), info:eu-repo type (oai_dc), MARC 655 $a
    ("plos-journal.pcbi.1000204.xml", "c_dcae04bc", "review", "Review article"),
    ("elife-00351.xml", "c_ba08", "review", "Book review"),
    ("elife-00270.xml", "c_b239", "contributionToPeriodical", "Editorial"),
    ("elife-07586.xml", "c_3e5a", "contributionToPeriodical", "Correction"),
    ("plos-journal.pmed.0030205.xml", "c_545b", "contributionToPeriodical",
     "Letter to the editor"),
    ("plos-journal.pcbi.0030158.xml", "c_3e5a", "contributionToPeriodical",
     "Retraction notice"),
    ("elife-preprint-84364-v2.xml", "c_816b", "preprint", "Preprint"),
    ("scielo-0034-8910-rsp-48-2-0322.xml", "c_6501", "article",
     "Journal article"),
]


def test_each_article_type_keeps_its_kind_in_every_format(corpus_dir: Path,
                                                           schema_dir: Path) -> None:
    """JATS article-type -> COAR Resource Types (oai_openaire), OpenAIRE v3 info:eu-repo
    types (oai_dc), MARC 21 655 genre/form (source not specified, the COAR URI in $1); a
    type with no mapping (rapid-communication) stays a journal article."""
    for name, coar, eu_repo, genre in KINDS:
        root, article = corpus(corpus_dir, name)
        out = all_formats(root, article)
        kind = out["oai_openaire"].find("oaire:resourceType", NS)
        assert kind.get("uri") == f"http://purl.org/coar/resource_type/{coar}", name
        assert openaire.FORMAT.schema(schema_dir).validate(out["oai_openaire"]), name
        types = [t.text for t in out["oai_dc"].findall("dc:type", NS)]
        assert types[0] == f"info:eu-repo/semantics/{eu_repo}", name
        assert marc(out["marcxml"], "655", "a") == [genre], name
        assert out["marcxml"].findtext("marc:leader", namespaces=NS)[6:8] == "ab"


def test_reviews_are_coded_as_reviews_in_marc_008(corpus_dir: Path) -> None:
    root, article = corpus(corpus_dir, "elife-00351.xml")  # a book review
    assert control(render(marcxml, root, article), "008")[24] == "o"
    root, article = corpus(corpus_dir, "elife-00270.xml")  # an editorial
    assert control(render(marcxml, root, article), "008")[24] == " "


def test_the_seed_states_no_type_and_is_a_journal_article(records_dir: Path) -> None:
    root, article = seed(records_dir)
    assert article.article_type is None
    out = all_formats(root, article)
    assert out["oai_openaire"].find("oaire:resourceType", NS).text == "journal article"
    assert marc(out["marcxml"], "655", "a") == ["Journal article"]


# --- 9. publication date --------------------------------------------------------------------


def test_without_a_pub_date_the_acceptance_date_is_issued(corpus_dir: Path) -> None:
    """eLife POA 00012 (elife-poa_e00012.xml) has no pub-date; its history gives received
    2012-05-04 and accepted 2012-11-29: the issued date is the acceptance, in every format,
    and the record gets its issue set."""
    from app.identifiers import issue_spec

    root, article = corpus(corpus_dir, "elife-poa_e00012.xml")
    assert article.pub_dates == ()
    assert (article.issued.iso, article.issued.kind) == ("2012-11-29", "accepted")
    out = all_formats(root, article)
    assert [e.text for e in out["oai_dc"].findall("dc:date", NS)] == ["2012-11-29"]
    issued = out["oai_openaire"].find("datacite:dates/datacite:date[@dateType='Issued']", NS)
    assert issued.text == "2012-11-29"
    assert issue_spec(article) is not None and issue_spec(article).endswith(":2012")


def test_a_publication_date_in_history_wins_over_acceptance() -> None:
    meta = ('<title-group><article-title>Dated</article-title></title-group>'
            '<history><date date-type="received"><day>02</day><month>01</month><year>2019'
            '</year></date><date date-type="accepted"><day>03</day><month>05</month>'
            '<year>2019</year></date><date date-type="pub"><month>07</month><year>2019</year>'
            '</date></history>')
    assert read(probe(meta))[1].issued.iso == "2019-07"
    no_dates = '<title-group><article-title>Undated</article-title></title-group>'
    assert read(probe(no_dates))[1].issued is None  # nothing is made up


def test_the_seed_is_issued_in_its_pub_date_year(records_dir: Path) -> None:
    _root, article = seed(records_dir)
    assert (article.issued.iso, article.issued.kind) == ("2023", "pub")


# --- 6. MARC 21 -----------------------------------------------------------------------------


def test_008_starts_with_the_day_the_record_entered_the_catalogue(records_dir: Path) -> None:
    """MARC 21 008/00-05 (yymmdd): the date entered on file, passed in the render context,
    never the publication year with an invented "0101"."""
    root, article = seed(records_dir)
    record = render(marcxml, root, article, entered=dt.date(2024, 3, 4))
    assert control(record, "008")[:6] == "240304"
    assert control(record, "008")[6:11] == "s2023"  # the publication year stays in 07-10


def test_the_store_keeps_the_first_datestamp_as_date_entered(
    records_dir: Path, settings: Settings, store: Store, clock: Clock
) -> None:
    """Stored, 008/00-05 is the store's first datestamp of the record; re-rendering it later
    (``records load --full``) keeps that day, so the payload does not change."""
    data = (records_dir / SEED).read_bytes()
    prepared = prepare(data, settings=settings, origin=None)
    assert isinstance(prepared, Prepared)
    first = store_draft(store, prepared.draft, prepared.sets, actor="test")
    day = first.header.datestamp.strftime("%y%m%d")
    stored = etree.fromstring(store.payload(prepared.draft.identifier, "marcxml"))
    assert control(stored, "008")[:6] == day
    clock.now += 40 * 86_400
    again = prepare(data, settings=settings, origin=None)
    assert isinstance(again, Prepared)
    second = store_draft(store, again.draft, again.sets, actor="test")
    assert not second.changed
    stored = etree.fromstring(store.payload(prepared.draft.identifier, "marcxml"))
    assert control(stored, "008")[:6] == day


def test_003_and_040_come_from_the_settings(records_dir: Path) -> None:
    root, article = seed(records_dir)
    record = render(marcxml, root, article, marc_organization_code="BY-MiBGU")
    assert control(record, "003") == "BY-MiBGU"
    assert (marc(record, "040", "a"), marc(record, "040", "b"), marc(record, "040", "e"),
            marc(record, "040", "c")) == (["BY-MiBGU"], ["eng"], ["rda"], ["BY-MiBGU"])
    # Unset (the default): no organization is claimed; the language and rules still are.
    plain = render(marcxml, root, article)
    assert plain.find("marc:controlfield[@tag='003']", NS) is None
    assert marc(plain, "040", "a") == [] and marc(plain, "040", "b") == ["eng"]


def test_856_q_is_the_media_type_each_link_serves(records_dir: Path, settings: Settings) -> None:
    """The JATS download is served as application/jats+xml (app/web), our article page as
    text/html; a publisher's page (the seed's OJS page) is not fetched, so no type is stated."""
    root, article = seed(records_dir)
    context = render_context(article, settings, {})
    record = etree.fromstring(marcxml.FORMAT.render(Document(root, article), context))
    links = {f.get("ind2"): f for f in record.findall("marc:datafield[@tag='856']", NS)}
    jats = [s.text for s in links["2"].findall("marc:subfield[@code='q']", NS)]
    assert jats == ["application/jats+xml"]
    assert links["0"].find("marc:subfield[@code='q']", NS) is None
    ours = replace(context, landing_url="http://127.0.0.1:5000/articles/history/5763",
                   public_url="http://127.0.0.1:5000")
    record = etree.fromstring(marcxml.FORMAT.render(Document(root, article), ours))
    assert marc(record, "856", "q") == ["text/html", "application/jats+xml"]


def test_fields_fit_iso_2709(records_dir: Path) -> None:
    """ISO 2709: no field over 9,999 bytes, no record over 99,999; a long abstract is given in
    several 520 fields rather than cut, and nothing of it is lost."""
    long_text = " ".join(f"Sentence {n} of a very long abstract in Кириллица." for n in range(900))
    root, article = seed(records_dir)
    long = replace(article, abstracts=(LangText(long_text, "en"),))
    record = render(marcxml, root, long)
    parts = marc(record, "520", "a")
    assert len(parts) > 1 and " ".join(parts) == long_text
    fitted = marcxml.fit_record(marcxml.fields(long, RenderContext("oai:test:1")))
    assert all(marcxml.field_bytes(f) - 12 <= marcxml.MAX_FIELD_BYTES for f in fitted)
    many = replace(article, contributors=tuple(
        Contributor(surname=f"Author{n:05d}", given_names="Given Names",
                    affiliations=(Affiliation("A university with a long name, Minsk"),))
        for n in range(3000)))
    fitted = marcxml.fit_record(marcxml.fields(many, RenderContext("oai:test:1")))
    assert sum(marcxml.field_bytes(f) for f in fitted) + 200 <= marcxml.MAX_RECORD_BYTES
    assert [f.tag for f in fitted].count("100") == 1


# --- 8. series identity ---------------------------------------------------------------------


def test_plos_journals_are_series_of_their_own(corpus_dir: Path) -> None:
    """Every PLOS file says journal-id publisher-id "plos" (or "PLoS"); each journal is its own
    series, identified by its ISSN, the same for all its records (PLOS Medicine: some records
    give both ISSNs, some only the online one, 1549-1676)."""
    from app.identifiers import series

    found: dict[str, set[str]] = {}
    for path in sorted(corpus_dir.glob("jats-real/plos-journal.*.xml")):
        article = read_article(etree.parse(str(path), PARSER).getroot())
        assert (article.journal_id("publisher-id") or "").lower() == "plos"
        found.setdefault(path.name.split(".")[1], set()).add(series(article))
    assert found["pone"] == {"1932-6203"} and found["pmed"] == {"1549-1676"}
    assert all(len(specs) == 1 for specs in found.values())
    assert len(set().union(*found.values())) == len(found)


def test_the_seed_stays_in_the_history_set(records_dir: Path, settings: Settings) -> None:
    """records/journals.toml files the seed's journal (it states no ISSN) under "history"."""
    prepared = prepare((records_dir / SEED).read_bytes(), settings=settings, origin=None)
    assert isinstance(prepared, Prepared)
    assert prepared.draft.identifier == "history/5763"
    assert prepared.draft.sets == ("history", "history:2023-4", "openaire")


# --- 10. the field report -------------------------------------------------------------------


def test_the_field_report_reads_fields_and_language_tags(records_dir: Path) -> None:
    """The field report (bench/field_report.py) counts a field once per record and every
    language tag it sees."""
    from tests.field_paths import fields_of

    root, article = read(TRANSLITERATED)
    out = all_formats(root, article)
    found, langs = fields_of("oai_dc", out["oai_dc"])
    assert {"dc:title", "dc:language", "dc:rights", "dc:source"} <= found
    assert langs["xml:lang ru-Latn"] == 1 and langs["dc:language rus"] == 1
    found, langs = fields_of("oai_openaire", out["oai_openaire"])
    assert "datacite:titles/datacite:title" in found and langs["xml:lang ru-Latn"] == 1
    found, langs = fields_of("marcxml", out["marcxml"])
    assert {"leader", "008", "245$a", "520$a", "655$a"} <= found
    assert langs["008/35-37 rus"] == 1 and langs["041$b eng"] == 1
