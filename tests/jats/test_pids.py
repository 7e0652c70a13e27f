"""ORCID iDs and DOIs in their canonical forms (app/jats/pids.py), whatever form a record wrote."""

from __future__ import annotations

import pytest

from app.jats.pids import bare_doi, doi_of, is_doi_reference, orcid_id, orcid_url


@pytest.mark.parametrize("written", [
    "0000-0002-1825-0097",
    "https://orcid.org/0000-0002-1825-0097",
    "http://orcid.org/0000-0002-1825-0097 ",
])
def test_an_orcid_is_the_same_however_it_was_written(written: str) -> None:
    assert orcid_id(written) == "0000-0002-1825-0097"
    assert orcid_url(written) == "https://orcid.org/0000-0002-1825-0097"


def test_the_orcid_check_character_x_is_uppercase() -> None:
    assert orcid_id("0000-0002-1694-233x") == "0000-0002-1694-233X"


@pytest.mark.parametrize("value", [None, "", "orcid pending", "0000-0002-1825"])
def test_no_orcid_is_made_up(value: str | None) -> None:
    assert orcid_id(value) is None
    assert orcid_url(value) is None


@pytest.mark.parametrize("written", [
    "10.1371/journal.pone.0000001",
    "https://doi.org/10.1371/journal.pone.0000001",
    "http://dx.doi.org/10.1371/journal.pone.0000001",
    "doi: 10.1371/journal.pone.0000001",
])
def test_a_doi_is_read_bare_from_a_resolver_url_or_a_doi_prefix(written: str) -> None:
    assert doi_of(written) == "10.1371/journal.pone.0000001"
    assert bare_doi(written).strip() == "10.1371/journal.pone.0000001"


def test_only_a_prefixed_doi_is_a_doi_reference() -> None:
    assert is_doi_reference("https://doi.org/10.1/x")
    assert not is_doi_reference("https://example.org/10.1/x")
    assert doi_of("https://example.org/10.1/x") is None
