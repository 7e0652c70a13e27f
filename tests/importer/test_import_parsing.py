"""The small parsers of the importer: OJS's dc:source and issue identification, language tags."""

from __future__ import annotations

import pytest

from app.importer.from_oai_dc import split_name
from app.importer.languages import bcp47
from app.importer.ojs_citation import IssueCitation, parse_source


@pytest.mark.parametrize(("source", "expected"), [
    ("Journal of the Belarusian State University. History; Vol. 4 No. 4 (2023); 63-72",
     IssueCitation("Journal of the Belarusian State University. History", "4", "4", "2023",
                   "63", "72")),
    ("Журнал Белорусского государственного университета. История; № 4 (2023); 63-72",
     IssueCitation("Журнал Белорусского государственного университета. История", None, "4",
                   "2023", "63", "72")),
    ("Вестник; Том 2 № 3 (2021): Спецвыпуск; 5",
     IssueCitation("Вестник", "2", "3", "2021", "5")),
    ("Zeitschrift; Bd. 12 Nr. 1 (2019)", IssueCitation("Zeitschrift", "12", "1", "2019")),
    ("Revista; Vol. 7 Núm. 2 (2020); 10-20, 25",
     IssueCitation("Revista", "7", "2", "2020", page_range="10-20, 25")),
    # Not OJS's form: the whole string is the journal title, no issue is guessed.
    ("A title; with a semicolon", IssueCitation("A title; with a semicolon")),
    ("Journal; November issue", IssueCitation("Journal; November issue")),
])
def test_dc_source_gives_what_it_plainly_says(source: str, expected: IssueCitation) -> None:
    assert parse_source(source) == expected


@pytest.mark.parametrize(("tag", "expected"), [
    ("ru_RU", "ru-RU"), ("en-US", "en-US"), ("rus", "ru"), ("eng", "en"), ("ger", "de"),
    ("bel", "be"), ("sr@latin", "sr-Latn"), ("sr_RS@latin", "sr-Latn-RS"), ("bua", "bua"),
    ("", None), ("not a tag", None),
])
def test_locales_and_language_codes_become_bcp47(tag: str, expected: str | None) -> None:
    assert bcp47(tag) == expected


def test_creators_are_family_comma_given_and_a_single_name_is_a_given_name() -> None:
    assert (split_name("Петеченко, Григорий А.").surname, split_name("Петеченко, Григорий А.")
            .given) == ("Петеченко", "Григорий А.")
    assert (split_name("Plato").surname, split_name("Plato").given) == (None, "Plato")
