"""Reading real publishers' JATS into an Article, field by field.

Every expected value below was written by hand from the JATS file named in the test, not
copied from the reader's output. Files come from ../shared/corpus (never copied here).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from lxml import etree

from app.crosswalks.jats import to_namespace
from app.jats.article import ArticleError, read_article
from app.jats.languages import iso639_2b, iso639_3, language_tag, normalise_lang
from app.jats.model import Article, LangText, PubDate
from app.jats.text import text_of, title_text

PARSER = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, huge_tree=True)


def parse(path: Path) -> etree._Element:
    return etree.parse(str(path), PARSER).getroot()


@pytest.fixture(scope="module")
def read(corpus_dir: Path):
    def _read(name: str) -> Article:
        (path,) = [p for p in corpus_dir.glob(f"jats-*/{name}")]
        return read_article(parse(path))

    return _read


@pytest.fixture(scope="module")
def seed(records_dir: Path) -> Article:
    return read_article(parse(records_dir / "history" / "2023" / "04" / "5763.xml"))


# --- the seed: history/5763 ------------------------------------------------------------------


def test_seed_title_and_languages(seed: Article) -> None:
    assert seed.titles == (
        LangText(
            "The evolution of the SovietAmerican economic cooperation in 1920s – early 1930s", "en"
        ),
    )
    # The article element states no xml:lang; the JATS 1.3 Archiving DTD its DOCTYPE names
    # declares article/@xml:lang with the default "en" (XML 1.0 section 3.3.2).
    assert seed.lang == "en"
    assert seed.journal_title == "Journal of the Belarusian State University. History"
    assert seed.journal_ids == (("publisher-id", "history"),)
    assert seed.article_ids == (("publisher-id", "5763"),)
    assert seed.doi is None and seed.issns == () and seed.publisher_name is None


def test_seed_authors_with_shared_affiliation(seed: Article) -> None:
    assert [(c.surname, c.given_names, c.role) for c in seed.contributors] == [
        ("Petachenka", "Ryhor A.", "author"),
        ("Shabasava", "Maryna A.", "author"),
    ]
    assert seed.authors[0].inverted_name == "Petachenka, Ryhor A."
    for person in seed.authors:
        assert person.degrees == "PhD (history)"
        assert person.bio == (
            "PhD (history), docent; associate professor at the department of Russian history, "
            "faculty of history"
        )
        (aff,) = person.affiliations
        assert aff.text == (
            "Belarusian State University, 4 Niezaliezhnasci Avenue, Minsk 220030, Belarus"
        )
        assert (aff.institution, aff.city, aff.postal_code, aff.country, aff.country_code) == (
            "Belarusian State University", "Minsk", "220030", "Belarus", "BY"
        )
        assert aff.address == "4 Niezaliezhnasci Avenue"
        assert aff.name == "Belarusian State University" and aff.identifier is None


def test_seed_issue_pages_date_and_rights(seed: Article) -> None:
    assert (seed.volume, seed.issue, seed.fpage, seed.lpage) == (None, "4", "63", "72")
    assert seed.pages == "63–72"
    assert [(d.year, d.month, d.day, d.kind) for d in seed.pub_dates] == [(2023, None, None, "pub")]
    assert seed.issued.iso == "2023"
    assert seed.landing_page == "https://journals.bsu.by/index.php/history/article/view/5763"
    # No licence and no access status are stated: nothing is inferred.
    assert seed.license_url is None and seed.access_right is None


def test_seed_abstract_and_keywords(seed: Article) -> None:
    (abstract,) = seed.abstracts
    assert abstract.lang == "en"
    assert abstract.text.startswith("The aim of the article is the examination of the different")
    assert abstract.text.endswith(
        "potential of economic cooperation with the USA to the full extent."
    )
    assert [k.text for k in seed.keywords] == [
        "new economic policy", "concession", "industrialisation", "USSR", "USA",
        "the Soviet-American economic cooperation",
    ]
    assert {k.lang for k in seed.keywords} == {"en"}


def test_seed_references(seed: Article) -> None:
    assert len(seed.references) == 13
    first = seed.references[0]
    assert first.id == "ref1" and first.label == "1" and first.publication_type == "book"
    assert first.authors == ("Lenin, VI",)
    assert first.source == "Polnoe sobranie sochinenii. Tom 34, Iyul’ – oktyabr’ 1917"
    assert first.trans_source == "The complete works. Volume 34, July – October 1917"
    assert first.trans_title == "The impending catastrophe and how to deal with its"
    assert first.title is None
    assert (first.publisher_loc, first.publisher_name) == ("Moscow", "Politizdat")
    assert first.year == "1969"
    assert (first.fpage, first.lpage, first.comment) == ("151", "199", "Russian")
    # A mixed-citation reads exactly as printed: its own punctuation, no added spaces.
    assert first.text.startswith("Lenin VI. Polnoe sobranie sochinenii.")
    assert (
        "[The complete works. Volume 34, July – October 1917]. Moscow: Politizdat; 1969."
        in first.text
    )
    journal = seed.references[11]
    assert journal.source == "Arkhitekton. Izvestiya vuzov"
    assert (journal.year, journal.issue) == ("2009", "2(26)")
    editors = seed.references[12]
    assert editors.authors == ("Shpotov, BM",)  # the editors' person-group is not the authors'


# --- corpus files chosen for variety -------------------------------------------------------------


def test_translations_in_sub_articles_orcid_and_no_abstract(read) -> None:
    """SciELO editorial: English article, Spanish and Portuguese sub-article translations,
    three ORCIDs in contrib-id, affiliations by xref, no abstract at all."""
    a = read("scielo-1518-8345.0000.3285.xml")
    assert a.article_type == "editorial" and a.lang == "en"
    assert a.titles == (
        LangText("Diabetes and COVID-19: What we learned from the two ongoing pandemics", "en"),
        LangText("Diabetes y Covid-19: lo que aprendimos de las dos pandemias en curso", "es"),
        LangText("Diabetes e Covid-19: o que aprendemos com as duas pandemias em curso", "pt"),
    )
    assert a.abstracts == ()
    assert [(c.surname, c.orcid) for c in a.authors] == [
        ("Torquato", "0000-0002-6374-2189"),
        ("Santis", "0000-0001-9915-447X"),
        ("Zanetti", "0000-0003-1656-6626"),
    ]
    zanetti = a.authors[2]
    assert zanetti.corresponding and [f.id for f in zanetti.affiliations] == ["aff3", "aff4"]
    # institution[@content-type="original"] is the affiliation as the author wrote it.
    assert a.authors[0].affiliations[0].text == (
        "Secretaria Municipal de Saúde de Ribeirão Preto, Programa de Aprimoramento "
        "Multiprofissional em Hipertensão Arterial e Diabetes Mellitus, Ribeirão Preto, SP, Brazil."
    )
    assert a.doi == "10.1590/1518-8345.0000.3285"
    assert a.issns == (("epub", "1518-8345"), ("ppub", "0104-1169"))
    assert (a.volume, a.elocation_id, a.pages) == ("29", "e3285", "e3285")
    assert [(d.iso, d.kind) for d in a.pub_dates] == [("2021-10-29", "pub"), ("2021", "collection")]
    assert a.license_url == "https://creativecommons.org/licenses/by/4.0/"
    assert a.access_right == "open"


def test_structured_abstracts_and_keywords_per_language(read) -> None:
    """Revista de Saúde Pública: Portuguese article, English translation as a sub-article."""
    a = read("scielo-0034-8910-rsp-48-2-0347.xml")
    assert a.lang == "pt"
    assert [(t.lang, t.text) for t in a.titles] == [
        ("pt", "Proposta conceitual de telessaúde no modelo da pesquisa translacional"),
        ("en", "Proposal for a telehealth concept in the translational research model"),
    ]
    assert [x.lang for x in a.abstracts] == ["pt", "en"]
    # Each section's title is kept as its label, the way PubMed shows structured abstracts.
    assert a.abstracts[0].text.startswith(
        "OBJETIVO: Rever relação conceitual entre telessaúde e pesquisa translacional. MÉTODOS: "
    )
    assert a.abstracts[1].text.startswith("OBJECTIVE: To review the conceptual relationship")
    assert [k.text for k in a.keywords if k.lang == "pt"] == [
        "Pesquisa Médica Translacional", "Pesquisa nos Serviços de Saúde",
        "Política de Pesquisa em Saúde", "Bancos de Leite", "Aleitamento Materno", "Revisão",
    ]
    assert [k.text for k in a.keywords if k.lang == "en"] == [
        "Translational Medical Research", "Research in Health Services Health Research Policy",
        "Milk Banks", "Breast Feeding", "Review",
    ]
    assert [c.inverted_name for c in a.authors] == [
        "Silva, Angélica Baptista", "Morel, Carlos Médicis", "Moraes, Ilara Hämmerli Sozzi de",
    ]
    assert (a.volume, a.issue, a.fpage, a.lpage) == ("48", "2", "347", "356")
    assert a.issued.iso == "2014-04" and a.issued.kind == "epub-ppub"
    assert a.license_url == "http://creativecommons.org/licenses/by-nc/3.0/"


def test_group_author_editor_and_licence_without_url(read) -> None:
    """PLOS ONE: a collab author, an academic editor in a second contrib-group, and a licence
    stated only in prose ("an open-access article ... Creative Commons Attribution License")."""
    a = read("plos-journal.pone.0047391.xml")
    assert a.title == (
        "Monitoring HIV Viral Load in Resource Limited Settings: Still a Matter of Debate?"
    )
    assert a.authors[0].inverted_name == "Arnedo, Mireia"
    assert a.authors[-1].collab == "Busia OR Study Group"
    assert a.authors[-1].inverted_name == "Busia OR Study Group"
    (editor,) = [c for c in a.contributors if c.role != "author"]
    assert (editor.role, editor.inverted_name) == ("editor", "Wainberg, Mark")
    assert editor.affiliations[0].text == "McGill University AIDS Centre, Canada"
    assert a.license_url is None
    assert a.access_right == "open"


def test_elife_editor_suffix_digest_and_subjects(read) -> None:
    a = read("elife-09520-v2.xml")
    assert a.title == "Mapping residual transmission for malaria elimination"
    reiner = a.authors[0]
    assert (reiner.surname, reiner.given_names) == ("Reiner Jr", "Robert C")
    assert reiner.corresponding
    assert [f.text for f in reiner.affiliations] == [
        "Fogarty International Center, National Institutes of Health, Bethesda, United States",
        "Department of Epidemiology and Biostatistics, Indiana University School of Public "
        "Health, Bloomington, United States",
    ]
    (editor,) = [c for c in a.contributors if c.role == "editor"]
    assert editor.inverted_name == "Jit, Mark"
    assert editor.affiliations[0].text == (
        "London School of Hygiene & Tropical Medicine, and Public Health England, United Kingdom"
    )
    # The eLife digest is a plain-language summary, not the abstract; the DOI line goes too.
    (abstract,) = a.abstracts
    assert abstract.text.startswith("Eliminating malaria from a defined region involves")
    assert abstract.text.endswith(
        "where interventions will contribute most to malaria elimination."
    )
    # "Research Article" is the display channel: the section, not a subject. eLife types its
    # subject areas "heading" beside a display channel, so they stay subjects.
    assert a.subjects == ("Ecology", "Epidemiology and Global Health")
    assert a.section == "Research Article"
    assert a.license_url == "http://creativecommons.org/licenses/by/4.0/"
    assert a.landing_page is None and a.self_uris == ("elife-09520-v2.pdf",)


def test_section_headings_are_not_subjects(read) -> None:
    """JATS names an article's section with subj-group-type="heading" (or display-channel,
    author-type...): that is where it sits, not what it is about. Disciplines, taxa and
    places stay subjects."""
    plos = read("plos-journal.pbio.0030408.xml")
    assert plos.section == "Synopsis"
    assert plos.subjects == ("Neuroscience", "Homo (human)")  # Discipline, System Taxonomy
    scielo = read("scielo-0034-7167-2021-0534.xml")
    assert (scielo.section, scielo.subjects) == ("ORIGINAL ARTICLE", ())
    # bioRxiv: "Regular Article" is the author-type, "New Results" the heading.
    biorxiv = read("biorxiv-2022.10.17.512253.xml")
    assert (biorxiv.section, biorxiv.subjects) == ("New Results", ("Cell Biology",))
    # F1000: beside the heading, an untyped group holding only "Articles" names no subject.
    f1000 = read("f1000-research.19540.1.xml")
    assert (f1000.section, f1000.subjects) == ("Research Article", ())
    # PMGP: an untyped group of disciplines.
    pmgp = read("pmgp-id26.xml")
    assert (pmgp.section, pmgp.subjects) == (None, ("Neuroscience", "Psychiatry"))


def test_issued_is_the_most_precise_publication_date_of_the_issue_year(read) -> None:
    """Several pub-dates: the issue's year, and within it the most precise date of the version
    of record (docs/crosswalks.md, "Publication date")."""
    # <pub-date date-type="pub"> 06 06 2022 and <pub-date date-type="collection"> 2022.
    scielo = read("scielo-0034-7167-2021-0534.xml")
    assert [d.iso for d in scielo.pub_dates] == ["2022-06-06", "2022"]
    assert (scielo.issued.iso, scielo.issued.kind) == ("2022-06-06", "pub")
    # ppub 11/2005 and epub 18/10/2005: both publish the version of record; the day-precise
    # online one is also the first.
    plos = read("plos-journal.pbio.0030408.xml")
    assert (plos.issued.iso, plos.issued.kind) == ("2005-10-18", "epub")
    # ppub 3/2013, epub 12/11/2012: the 2013 issue keeps its year (citations, identifiers and
    # issue sets use it), and no date of 2013 is more precise than March.
    oup = read("pmc-oup-mds526.xml")
    assert (oup.issued.iso, oup.issued.kind) == ("2013-03", "ppub")


def test_issued_never_takes_a_preprint_or_correction_date() -> None:
    """Only dates of publishing the version of record refine the issue's year."""
    article = Article(titles=(), pub_dates=(
        PubDate(2020, 1, 5, "epreprint"), PubDate(2020, None, None, "collection"),
        PubDate(2020, 3, 2, "ecorrected"),
    ))
    assert (article.issued.iso, article.issued.kind) == ("2020", "collection")
    # Two dates as precise as each other: the first publication.
    both = Article(titles=(), pub_dates=(PubDate(2021, 6, 1, "ppub"), PubDate(2021, 3, 12, "epub")))
    assert both.issued.iso == "2021-03-12"
    # None of the kinds that date the version of record: the earliest date given.
    other = Article(titles=(), pub_dates=(PubDate(2017, 12, 4, "archival-date"),
                                          PubDate(2017, None, None, "publication-year")))
    assert other.issued.iso == "2017"
    assert Article(titles=()).issued is None


def test_alt_title_in_another_language_and_untagged_english(read) -> None:
    """PMGP: article/@xml:lang="uk", English title and abstract without xml:lang, the Ukrainian
    title in alt-title xml:lang="uk-UA". The English texts must not be labelled Ukrainian."""
    a = read("pmgp-v2i1.e020118.xml")
    assert a.lang == "uk"
    assert a.titles == (
        LangText(
            "Pharmacotherapy versus psychological interventions in recurrent abdominal pain: "
            "in light of new evidence",
            None,
        ),
        LangText(
            "Фармакотерапія проти психологічної допомоги при хронічному болю у животі: "
            "у світлі нових доказів",
            "uk-UA",  # the tag the record states, region subtag included (BCP 47)
        ),
    )
    assert all(x.lang is None for x in a.abstracts)
    assert a.journal_title is None and a.issns == (("", "2519-8572"),)
    assert a.publisher_name == "Private Publisher 'Chaban O. S.'"
    assert a.authors[0].inverted_name == "Bezsheiko, Vitaliy"
    assert a.pub_dates[0].iso == "2017-02-16"


def test_book_review_without_abstract_and_label_in_aff(read) -> None:
    a = read("pensoft-zookeys.154.2339.xml")
    assert a.title == "Book review: A long-awaited book about spiders from the Asian part of Russia"
    assert a.abstracts == () and a.keywords == ()
    omelko, penney = a.authors
    assert [f.text for f in omelko.affiliations] == [
        "Far Eastern Federal University, Sukhanova, 8, Vladivostok 690950 Russia",
        "Gornotaezhnaya Station FEB RAS, Gornotaezhnoe Vil., Ussuriyski Dist., "
        "Primorski Krai 692533 Russia",
    ]
    assert penney.affiliations[0].text == (
        "Faculty of Life Sciences, Michael Smith Bld, University of Manchester, M13 9PT, UK"
    )
    # The reviewed book's Cyrillic editors are in <product>, not contributors of the review.
    assert len(a.contributors) == 2
    assert a.license_url == "http://creativecommons.org/licenses/by/3.0"
    assert a.access_right == "open"


def test_words_kept_apart_between_inline_taxon_names(read) -> None:
    a = read("pensoft-phytokeys.99.26489.xml")
    assert a.title == (
        "Anemonastrum tenuicaule and A. antucense (Ranunculaceae), new combinations for a "
        "New Zealand endemic species and its South American relative"
    )


def test_cyrillic_references_with_translated_titles(read) -> None:
    """ZooKeys 377: a Cyrillic article-title, its English trans-title in brackets, and two
    authors' names run together in the mixed-citation."""
    (ref,) = [r for r in read("pensoft-zookeys.377.6032.xml").references if r.id == "B10"]
    assert ref.authors == ("Anistratenko, OYa", "Anistratenko, VV")
    assert ref.title == (
        "Зоогеография и экология среднесарматских гастропод Восточного Паратетиса"
    )
    assert ref.trans_title == (
        "Zoogeography and ecology of the Middle Sarmatian Gastropods of the Eastern Paratethys"
    )
    assert (ref.source, ref.year, ref.volume, ref.issue) == ("Ruthenica", "2012", "22", "2")
    assert (ref.fpage, ref.lpage) == ("115", "134")
    assert ref.comment == "[in Russian, English summary]"
    assert ref.uri == "http://www.ruthenica.com/documents/Vol22_Anistratenko_Anistratenko_115-134.pdf"
    assert ref.text.startswith("Anistratenko OYa Anistratenko VV (2012) Зоогеография")


def test_chapter_title_is_the_title_of_a_chapter(read) -> None:
    """Biodiversity Data Journal: a chapter whose book is tagged article-title."""
    (ref,) = [r for r in read("pensoft-bdj.2.e1018.xml").references if r.id == "B419213"]
    assert (ref.publication_type, ref.title, ref.source) == (
        "chapter", "Labiatae", "Flora of Turkmenistan"
    )
    assert ref.authors == ("Borisova, A. G.",)  # the editor Nikitin is not an author
    assert (ref.publisher_name, ref.publisher_loc) == (
        "Academy of Sciences of the Turkmen SSR", "Ashgabat"
    )
    # element-citation parts carry no punctuation: they are spaced apart, never glued.
    assert ref.text.startswith("Borisova A. G. 1954 Labiatae Nikitin V V. Flora of Turkmenistan")


def test_superscripts_flatten_and_footnote_markers_drop(read) -> None:
    assert read("elife-poa_e00012.xml").title == (
        'A title with Y1S2P3T4S5P6S7 repeats, Drosophila and "quotations".'
    )
    assert read("scielo-2236-8906-hoehnea-49-e1082020.xml").title == (
        "Florestas secundárias do Parque Estadual da Cantareira, São Paulo, SP, Brasil: "
        "Variações florísticas e estruturais"
    )


def test_mathml_in_abstract_reads_as_text(read) -> None:
    """Hindawi: ring locants tagged as MathML numbers inside brackets."""
    a = read("hindawi-2017-8147421.xml")
    assert "producing 1,2,4-triazolo-pyrido [2,3-b] [1,5] benzoxazepines with structural" in (
        a.abstracts[0].text
    )
    assert a.funding == ("National Institutes of Health (UL1TR001064)",)
    assert [(c.role, c.inverted_name) for c in a.contributors if c.role != "author"] == [
        ("academic editor", "Besson, Thierry")
    ]


def test_licence_with_prefix_left_to_the_dtd(read) -> None:
    """eLife vendor XML: xlink:href used without declaring xmlns:xlink (the DTD supplies it)."""
    a = read("elife-08-11-2020-FA-eLife-64719.xml")
    assert a.license_url == "http://creativecommons.org/licenses/by/4.0/"
    assert a.access_right == "open"


def test_wrapper_and_namespaced_article_read_alike(corpus_dir: Path) -> None:
    wrapped = parse(corpus_dir / "jats-real" / "pmc-mdpi-nu3010063.xml")
    assert etree.QName(wrapped).localname == "pmc-articleset"
    a = read_article(wrapped)
    assert a.title == "Vitamin A Metabolism: An Update"
    assert [c.inverted_name for c in a.authors] == [
        "D’Ambrosio, Diana N.", "Clugston, Robin D.", "Blaner, William S."
    ]
    plain = parse(corpus_dir / "jats-real" / "scielo-0034-8910-rsp-48-2-0347.xml")
    namespaced = to_namespace(plain)
    assert etree.QName(namespaced).namespace is not None
    assert read_article(namespaced) == read_article(plain)


def test_embargo_from_free_to_read_start_date() -> None:
    root = etree.fromstring(
        b"""<article xmlns:ali="http://www.niso.org/schemas/ali/1.0/"><front><article-meta>
        <title-group><article-title>T</article-title></title-group>
        <permissions><ali:free_to_read start_date="2030-01-01"/></permissions>
        </article-meta></front></article>"""
    )
    before = read_article(root, today=dt.date(2029, 12, 31))
    assert (before.access_right, before.embargo_end) == ("embargoed", "2030-01-01")
    assert read_article(root, today=dt.date(2030, 1, 1)).access_right == "open"


def test_not_an_article_is_a_clear_error() -> None:
    with pytest.raises(ArticleError, match="no <article>"):
        read_article(etree.fromstring(b"<record><title>x</title></record>"))
    with pytest.raises(ArticleError, match="article-meta"):
        read_article(etree.fromstring(b"<article><front/></article>"))


# --- text as a reader sees it ------------------------------------------------------------------


MML = 'xmlns:mml="http://www.w3.org/1998/Math/MathML"'


@pytest.mark.parametrize(
    ("xml", "expected"),
    [
        ("<article-title>CO<sub>2</sub> uptake in <italic>E. coli</italic></article-title>",
         "CO2 uptake in E. coli"),
        ("<article-title>Stress<xref ref-type='fn' rid='f1'>*</xref> and\n   sleep</article-title>",
         "Stress and sleep"),
        (f"<article-title {MML}>At <inline-formula><mml:math><mml:mi>T</mml:mi><mml:mo>=</mml:mo>"
         "<mml:mn>300</mml:mn></mml:math></inline-formula> K</article-title>", "At T=300 K"),
        (f"<article-title {MML}>Rate <inline-formula><mml:math alttext='k_{{2}}'><mml:msub>"
         "<mml:mi>k</mml:mi><mml:mn>2</mml:mn></mml:msub></mml:math></inline-formula></article-title>",
         "Rate k_2"),
        ("<article-title>Angle <inline-formula><alternatives><tex-math>$\\alpha \\le 2$</tex-math>"
         "</alternatives></inline-formula></article-title>", "Angle α ≤ 2"),
        ("<article-title>First line<break/>second line</article-title>", "First line second line"),
    ],
)
def test_title_text(xml: str, expected: str) -> None:
    assert title_text(etree.fromstring(xml)) == expected


def test_block_elements_never_glue_words() -> None:
    el = etree.fromstring(
        "<abstract><p>One.</p><p>Two</p><list><list-item>three</list-item></list></abstract>"
    )
    assert text_of(el) == "One. Two three"


def test_entities_left_unexpanded_still_separate_words() -> None:
    """Read without its DTD, ``a&nbsp;b`` keeps an entity reference node: it is a space."""
    lenient = etree.XMLParser(resolve_entities=False, recover=True, no_network=True)
    el = etree.fromstring(b"<p>a&nbsp;b &mdash; c</p>", lenient)
    assert text_of(el) == "a b — c"


def test_language_codes() -> None:
    assert normalise_lang("EN") == "en" and normalise_lang("uk-UA") == "uk"
    assert normalise_lang("") is None
    # BCP 47 tags keep every subtag, in the canonical case of each.
    assert language_tag("ru-Latn") == "ru-Latn" and language_tag("RU-latn") == "ru-Latn"
    assert language_tag("uk-ua") == "uk-UA" and language_tag("sr-Cyrl-RS") == "sr-Cyrl-RS"
    assert language_tag("es-419") == "es-419" and language_tag("en-x-Hant") == "en-x-hant"
    assert language_tag("ua") == "uk" and language_tag(" ") is None
    assert iso639_3("ru-Latn") == "rus" and iso639_2b("uk-UA") == "ukr"
    assert iso639_3("en") == "eng" and iso639_3("pt") == "por" and iso639_3("uk-UA") == "ukr"
    assert iso639_3("fre") == "fra"  # an ISO 639-2/B code is given as its 639-3 form
    assert iso639_3("zz") is None
    assert iso639_2b("fr") == "fre" and iso639_2b("ru") == "rus"


def test_a_placeholder_research_organism_is_not_a_keyword(read) -> None:
    """eLife 09560 (Homo naledi): author keywords, and a research-organism group saying None."""
    a = read("elife-09560-v1.xml")
    assert [k.text for k in a.keywords] == [
        "Homo naledi", "hominin", "Dinaledi Chamber", "paleoanthropology",
    ]
