"""Identity from content (app/identifiers.py): the local identifier and the set memberships.

OAI-PMH 2.0 section 2.4: an identifier must unambiguously name one item, and setSpecs
(section 4.6) are limited to unreserved ASCII characters with ``:`` for hierarchy.
"""

from __future__ import annotations

import re

from app.identifiers import identify, local_identifier, series, slug, transliterate
from app.jats.model import Article, Contributor, LangText, PubDate

#: records/journals.toml keys the seed's series "history" and names its journal.
JOURNALS = {"history": {"name": {"en": "Journal of the Belarusian State University. History"}}}
SETSPEC = re.compile(r"^[A-Za-z0-9\-_.!~*'()]+(:[A-Za-z0-9\-_.!~*'()]+)*$")


def article(**kw: object) -> Article:
    base: dict[str, object] = {
        "titles": (LangText("A title", "en"),),
        "journal_title": "Journal of the Belarusian State University. History",
        "journal_ids": (("publisher-id", "history"),),
        "article_ids": (("publisher-id", "5763"),),
        "pub_dates": (PubDate(2023, kind="pub"),),
        "issue": "4",
        "fpage": "63",
        "contributors": (Contributor(surname="Petachenka", given_names="Ryhor A."),),
    }
    base.update(kw)
    return Article(**base)  # type: ignore[arg-type]


def test_the_seed_is_history_5763_in_history_and_its_issue() -> None:
    ident = identify(article(), None, JOURNALS)
    assert ident.identifier == "history/5763"
    assert ident.set_specs == ("history", "history:2023-4", "openaire")
    assert ident.sets[1].name == "Journal of the Belarusian State University. History, 2023, no. 4"
    assert all(s.description for s in ident.sets)


def test_series_is_the_issn_else_the_title_else_a_journal_id() -> None:
    # Without journals.toml, the seed's series is its title's slug (it states no ISSN).
    assert series(article()) == "journal-of-the-belarusian-state-university-history"
    assert series(article(), JOURNALS) == "history"  # the key journals.toml files it under
    # An ISSN identifies the series whatever journal-id the publisher shares between journals.
    plos_one = article(journal_ids=(("publisher-id", "plos"),), journal_title="PLoS ONE",
                       issns=(("epub", "1932-6203"),))
    plos_med = article(journal_ids=(("publisher-id", "plos"),), journal_title="PLoS Medicine",
                       issns=(("ppub", "1549-1277"), ("epub", "1549-1676")))
    assert (series(plos_one), series(plos_med)) == ("1932-6203", "1549-1676")
    # The linking ISSN first, then online, then print; the check digit X as a letter.
    linked = article(issns=(("epub", "2050-084X"), ("issn-l", "2050084x")))
    assert series(linked) == "2050-084x"
    # journals.toml may list a series' ISSNs: the series keeps its key when they appear.
    listed = {"history": {"issn": ["2520-6338"]}}
    assert series(article(issns=(("ppub", "2520-6338"),)), listed) == "history"
    cyrillic = article(journal_ids=(), journal_title="Журнал Белорусского университета")
    assert series(cyrillic) == "zhurnal-belorusskogo-universiteta"
    assert series(article(journal_title=None, journal_ids=(("nlm-ta", "Hist J"),))) == "hist-j"
    assert series(article(journal_title=None, journal_ids=())) == "journal"


def test_identifier_falls_back_from_publisher_id_to_doi_to_citation_to_hash() -> None:
    doi = article(article_ids=(("doi", "10.5555/ABC.1"),))
    assert local_identifier(doi) == "10.5555/abc.1"
    cited = article(article_ids=(), volume="12")
    assert local_identifier(cited, JOURNALS) == "history/2023-12-4-63"
    bare = article(article_ids=(), volume=None)
    first = local_identifier(bare, JOURNALS)
    assert re.fullmatch(r"history/h-[0-9a-f]{12}", first)
    assert local_identifier(article(article_ids=(), volume=None), JOURNALS) == first
    assert local_identifier(
        article(article_ids=(), volume=None, titles=(LangText("B"),)), JOURNALS) != first


def test_identifiers_stay_valid_in_an_oai_identifier() -> None:
    odd = article(article_ids=(("publisher-id", "art 12<3>"),))
    assert local_identifier(odd, JOURNALS) == "history/art%2012%3C3%3E"


def test_set_specs_are_ascii_even_for_cyrillic_sources() -> None:
    a = article(
        journal_ids=(),
        journal_title="Веснік БДУ. Гісторыя",
        volume="Т. 5",
        issue="№ 2",
    )
    ident = identify(a, "open")
    assert ident.set_specs == (
        "vesnik-bdu-gistoryya", "vesnik-bdu-gistoryya:2023-t-5-2", "openaire", "driver",
        "open_access",
    )
    assert all(SETSPEC.match(s) for s in ident.set_specs)
    assert ident.sets[0].name == "Веснік БДУ. Гісторыя"


def test_only_open_records_join_the_open_access_sets() -> None:
    for right in (None, "embargoed", "restricted", "metadata"):
        assert "driver" not in identify(article(), right).set_specs
    assert {"driver", "open_access"} <= set(identify(article(), "open").set_specs)


def test_transliteration() -> None:
    assert transliterate("Щука и ёж, Ўладзімір") == "Shchuka i yozh, Uladzimir"
    assert slug("  Résumé — Œuvres ") == "resume-oeuvres"
