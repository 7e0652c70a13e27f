"""OAI-PMH 2.0 section 3.6 (error and exception conditions), section 3.2 (the request element)
and section 3.1.1 (GET and POST): every malformed request gets HTTP 200 and the right error
code, in a response that is valid against OAI-PMH.xsd (the client validates each one).

The cases include the 15 malformed requests of the OAI registration validator
(HTTP::OAIPMH::Validator ``test_expected_errors`` and ``test_expected_v2_errors``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from app.config import Settings
from app.ingest import Prepared
from tests.oai_helpers import NS, Repository

T0 = datetime(2024, 3, 4, 10, 0, 0, tzinfo=UTC)
SEED = "history/5763"


@pytest.fixture
def empty_repo(store_settings: Settings, samples: list[Prepared]) -> Iterator[Repository]:
    repository = Repository(store_settings, samples)
    yield repository
    repository.close()


def one_year_before(value: datetime) -> str:
    return value.replace(year=value.year - 1).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- the registration validator's malformed requests ----------------------------------------

VALIDATOR_REQUESTS = [
    ("junk", {"badVerb"}),
    ("verb=junk", {"badVerb"}),
    ("verb=GetRecord&metadataPrefix=oai_dc", {"badArgument"}),
    ("verb=GetRecord&identifier={record_id}", {"badArgument"}),
    (
        'verb=GetRecord&identifier=invalid"id&metadataPrefix=oai_dc',
        {"badArgument", "idDoesNotExist"},
    ),
    ("verb=ListIdentifiers&until=junk", {"badArgument"}),
    ("verb=ListIdentifiers&from=junk", {"badArgument"}),
    ("verb=ListIdentifiers&resumptionToken=junk&until=2000-02-05", {"badArgument"}),
    ("verb=ListRecords&metadataPrefix=oai_dc&from=junk", {"badArgument"}),
    ("verb=ListRecords&resumptionToken=junk", {"badResumptionToken"}),
    (
        "verb=ListRecords&metadataPrefix=oai_dc&resumptionToken=junk&until=1990-01-10",
        {"badArgument"},
    ),
    ("verb=ListRecords&metadataPrefix=oai_dc&until=junk", {"badArgument"}),
    ("verb=ListRecords", {"badArgument"}),
    (
        "verb=ListRecords&metadataPrefix=oai_dc&from=2002-02-05&until=2002-02-06T05:35:00Z",
        {"badArgument"},
    ),
    ("verb=ListRecords&metadataPrefix=oai_dc&until={too_early}", {"noRecordsMatch"}),
]


@pytest.mark.parametrize(("query", "expected"), VALIDATOR_REQUESTS)
def test_registration_validator_malformed_requests(
    repo: Repository, query: str, expected: set[str]
) -> None:
    """Section 3.6: each of the validator's 15 requests gets one of the codes it accepts.

    The validator takes the record id from ListIdentifiers and the early date from one year
    before Identify's earliestDatestamp; so does this test.
    """
    record_id = repo.oai.get(verb="ListIdentifiers", metadataPrefix="oai_dc").identifiers[0]
    earliest = repo.oai.get(verb="Identify").root.findtext(".//oai:earliestDatestamp", None, NS)
    too_early = one_year_before(datetime.strptime(earliest, "%Y-%m-%dT%H:%M:%SZ"))
    answer = repo.oai.query(query.format(record_id=record_id, too_early=too_early))
    assert answer.error_codes
    assert set(answer.error_codes) <= expected, answer.body


def test_registration_validator_identifier_with_a_quote_is_escaped(repo: Repository) -> None:
    """Section 3.2: the request element repeats the identifier, escaped, so the answer parses."""
    answer = repo.oai.query('verb=GetRecord&identifier=invalid"id&metadataPrefix=oai_dc')
    assert answer.error_codes == ["idDoesNotExist"]
    assert answer.request_attributes["identifier"] == 'invalid"id'
    assert b'identifier="invalid&quot;id"' in answer.body


@pytest.mark.parametrize("value", ["<script>&amp;", "a'b\"c<d>e&f", "oai:x:Ж/ж"])
def test_markup_in_arguments_is_escaped_in_the_echo(repo: Repository, value: str) -> None:
    """Section 3.2: whatever a harvester sends comes back escaped inside a well-formed answer."""
    answer = repo.oai.get(verb="GetRecord", identifier=value, metadataPrefix="oai_dc")
    assert answer.error_codes == ["idDoesNotExist"]
    assert answer.request_attributes["identifier"] == value


# --- badVerb -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "",
        "junk",
        "verb=",
        "verb=junk",
        "verb=identify",
        "verb=Identify&verb=Identify",
        "verb=Identify&verb=ListSets",
        "Verb=Identify",
    ],
)
def test_bad_verb(repo: Repository, query: str) -> None:
    """Section 3.6 badVerb: missing, unknown (verbs are case-sensitive) or repeated verb.

    Section 3.2: the request element of a badVerb answer has no attributes.
    """
    answer = repo.oai.query(query)
    assert answer.error_codes == ["badVerb"]
    assert answer.request_attributes == {}
    assert answer.verb_element is None


# --- badArgument ---------------------------------------------------------------------------

BAD_ARGUMENTS = [
    # illegal arguments (section 4: each verb's argument list)
    "verb=Identify&test=test",
    "verb=Identify&metadataPrefix=oai_dc",
    "verb=ListSets&metadataPrefix=oai_dc",
    "verb=ListMetadataFormats&metadataPrefix=oai_dc",
    "verb=GetRecord&identifier=oai:journals.bsu.by:history/5763&metadataPrefix=oai_dc&set=history",
    "verb=ListRecords&metadataPrefix=oai_dc&identifier=oai:journals.bsu.by:history/5763",
    "verb=ListIdentifiers&metadataPrefix=oai_dc&junk=1",
    # repeated arguments
    "verb=ListRecords&metadataPrefix=oai_dc&metadataPrefix=oai_dc",
    "verb=ListRecords&metadataPrefix=oai_dc&metadataPrefix=jats",
    "verb=ListIdentifiers&metadataPrefix=oai_dc&from=2024-01-01&from=2024-01-02",
    "verb=GetRecord&identifier=a&identifier=b&metadataPrefix=oai_dc",
    # missing required arguments
    "verb=GetRecord",
    "verb=GetRecord&identifier=oai:journals.bsu.by:history/5763",
    "verb=ListIdentifiers",
    "verb=ListIdentifiers&set=history",
    "verb=ListRecords&from=2024-01-01",
    # resumptionToken is exclusive
    "verb=ListIdentifiers&resumptionToken=x&metadataPrefix=oai_dc",
    "verb=ListRecords&resumptionToken=x&set=history",
    "verb=ListSets&resumptionToken=x&set=history",
    # malformed dates (section 3.3.1)
    "verb=ListRecords&metadataPrefix=oai_dc&from=2024-13-01",
    "verb=ListRecords&metadataPrefix=oai_dc&from=2024-02-30",
    "verb=ListRecords&metadataPrefix=oai_dc&from=2024-1-1",
    "verb=ListRecords&metadataPrefix=oai_dc&from=20240101",
    "verb=ListRecords&metadataPrefix=oai_dc&from=2024-01-01T10:00:00",
    "verb=ListRecords&metadataPrefix=oai_dc&from=2024-01-01T10:00Z",
    "verb=ListRecords&metadataPrefix=oai_dc&from=2024-01-01T10:00:00.5Z",
    "verb=ListRecords&metadataPrefix=oai_dc&from=2024-01-01T10:00:00%2B01:00",
    "verb=ListRecords&metadataPrefix=oai_dc&from=2024-01-01T25:00:00Z",
    "verb=ListRecords&metadataPrefix=oai_dc&until=0000-01-01",
    "verb=ListRecords&metadataPrefix=oai_dc&until=%D9%A2%D9%A0%D9%A2%D9%A4-01-01",
    "verb=ListRecords&metadataPrefix=oai_dc&from=",
    # from later than until; different granularities
    "verb=ListRecords&metadataPrefix=oai_dc&from=2024-02-01&until=2024-01-31",
    "verb=ListRecords&metadataPrefix=oai_dc&from=2024-01-01T10:00:01Z&until=2024-01-01T10:00:00Z",
    "verb=ListIdentifiers&metadataPrefix=oai_dc&from=2024-01-01&until=2024-01-02T00:00:00Z",
    "verb=ListIdentifiers&metadataPrefix=oai_dc&from=2024-01-01T00:00:00Z&until=2024-01-02",
    # values the protocol's types do not admit
    "verb=ListRecords&metadataPrefix=oai%20dc",
    "verb=ListRecords&metadataPrefix=",
    "verb=ListRecords&metadataPrefix=oai_dc&set=history%3A%3A2023",
    "verb=ListRecords&metadataPrefix=oai_dc&set=",
    "verb=GetRecord&identifier=oai:journals.bsu.by:a%20b&metadataPrefix=oai_dc",
    "verb=GetRecord&identifier=oai:journals.bsu.by:a%01b&metadataPrefix=oai_dc",
    "verb=ListRecords&resumptionToken=%00",
]


@pytest.mark.parametrize("query", BAD_ARGUMENTS)
def test_bad_argument(repo: Repository, query: str) -> None:
    """Section 3.6 badArgument, with no attributes on the request element (section 3.2)."""
    answer = repo.oai.query(query)
    assert set(answer.error_codes) == {"badArgument"}, answer.body
    assert answer.request_attributes == {}
    assert answer.verb_element is None
    assert b"\x00" not in answer.body and b"\x01" not in answer.body


def test_every_bad_argument_is_reported_at_once(repo: Repository) -> None:
    """Section 3.6: several errors may be given; each problem gets its own error element."""
    answer = repo.oai.query("verb=ListRecords&from=junk&until=2024-01-01&until=x&bogus=1")
    assert answer.error_codes == ["badArgument"] * len(answer.error_codes)
    messages = " ".join(e.text for e in answer.root.iterfind("oai:error", NS))
    for fragment in ("bogus", "repeated", "metadataPrefix", "from"):
        assert fragment in messages


def test_a_day_range_of_one_day_is_legal(repo: Repository) -> None:
    """Section 3.3.1: from equal to until is legal; a day until ends at the day's last second."""
    answer = repo.oai.get(
        verb="ListIdentifiers",
        metadataPrefix="oai_dc",
        **{"from": "2024-03-04", "until": "2024-03-04"},
    )
    assert answer.error_codes == []
    assert len(answer.identifiers) == 3  # deposited at 10:00, 16:00 and 22:00


# --- errors found after the arguments were accepted -----------------------------------------


def test_cannot_disseminate_format(repo: Repository) -> None:
    """Section 4.1/4.3/4.5: an unknown metadataPrefix is cannotDisseminateFormat, echoed."""
    for verb in ("ListRecords", "ListIdentifiers"):
        answer = repo.oai.get(verb=verb, metadataPrefix="mods")
        assert answer.error_codes == ["cannotDisseminateFormat"]
        assert answer.request_attributes == {"verb": verb, "metadataPrefix": "mods"}
    answer = repo.oai.get(verb="GetRecord", identifier=repo.oai_id(SEED), metadataPrefix="mods")
    assert answer.error_codes == ["cannotDisseminateFormat"]


def test_the_seed_is_disseminated_as_jats(repo: Repository) -> None:
    """Section 4.1: the seed is valid JATS 1.3 Archiving, so ``jats`` gives it."""
    answer = repo.oai.get(verb="GetRecord", identifier=repo.oai_id(SEED), metadataPrefix="jats")
    assert answer.error_codes == []
    assert len(answer.records) == 1


def test_cannot_disseminate_a_format_the_record_lacks(empty_repo: Repository) -> None:
    """Section 4.1: a record stored without a ``jats`` payload answers cannotDisseminateFormat."""
    seed = empty_repo.records[SEED]
    formats = {p: data for p, data in seed.draft.formats.items() if p != "jats"}
    lacking = dataclasses.replace(seed, draft=dataclasses.replace(seed.draft, formats=formats))
    empty_repo.put(lacking, T0)
    answer = empty_repo.oai.get(verb="GetRecord", identifier=empty_repo.oai_id(SEED),
                                metadataPrefix="jats")
    assert answer.error_codes == ["cannotDisseminateFormat"]


@pytest.mark.parametrize(
    "identifier",
    [
        "oai:journals.bsu.by:history/0000",
        "oai:other.example.org:history/5763",
        "history/5763",
        "oai:journals.bsu.by:",
        "urn:nbn:de:1234",
    ],
)
def test_id_does_not_exist(repo: Repository, identifier: str) -> None:
    """Section 4.1 and 4.4: an identifier unknown here, or of another namespace."""
    for params in (
        {"verb": "GetRecord", "identifier": identifier, "metadataPrefix": "oai_dc"},
        {"verb": "ListMetadataFormats", "identifier": identifier},
    ):
        answer = repo.oai.get(**params)
        assert answer.error_codes == ["idDoesNotExist"]
        assert answer.request_attributes == params


def test_unknown_identifier_and_unknown_format_are_both_reported(repo: Repository) -> None:
    """Section 3.6: a request with two problems may get two error elements."""
    answer = repo.oai.get(verb="GetRecord", identifier="oai:journals.bsu.by:no", metadataPrefix="x")
    assert answer.error_codes == ["idDoesNotExist", "cannotDisseminateFormat"]


def test_no_records_match(repo: Repository) -> None:
    """Section 4.3/4.5 noRecordsMatch: an empty window, an unknown set, a format nobody has."""
    for params in (
        {"until": "2024-03-04T09:59:59Z"},
        {"from": "2030-01-01"},
        {"set": "no-such-journal"},
        {"set": "history:1999-1"},
        {"from": "2024-03-04T10:00:01Z", "until": "2024-03-04T15:59:59Z"},
    ):
        for verb in ("ListIdentifiers", "ListRecords"):
            answer = repo.oai.get(verb=verb, metadataPrefix="oai_dc", **params)
            assert answer.error_codes == ["noRecordsMatch"], params
            assert answer.request_attributes == {"verb": verb, "metadataPrefix": "oai_dc", **params}


def test_no_set_hierarchy_in_a_repository_without_sets(empty_repo: Repository) -> None:
    """Section 4.6 and 4.3/4.5: noSetHierarchy where the repository has no sets at all."""
    assert empty_repo.oai.get(verb="ListSets").error_codes == ["noSetHierarchy"]
    answer = empty_repo.oai.get(verb="ListRecords", metadataPrefix="oai_dc", set="history")
    assert answer.error_codes == ["noSetHierarchy"]


def test_empty_repository_lists_nothing(empty_repo: Repository) -> None:
    """Section 4.3/4.5: with no records every list is noRecordsMatch."""
    for verb in ("ListIdentifiers", "ListRecords"):
        assert empty_repo.oai.get(verb=verb, metadataPrefix="oai_dc").error_codes == [
            "noRecordsMatch"
        ]


@pytest.mark.parametrize("token", ["junk", "x.y", ".", "a" * 2000, "WzEsIkkiXQ.AAAA", "Ж", "%2e"])
def test_bad_resumption_token(repo: Repository, token: str) -> None:
    """Section 3.6 badResumptionToken: a token this repository never issued; it is echoed."""
    for verb in ("ListIdentifiers", "ListRecords"):
        answer = repo.oai.get(verb=verb, resumptionToken=token)
        assert answer.error_codes == ["badResumptionToken"]
        assert answer.request_attributes == {"verb": verb, "resumptionToken": token}


def test_list_sets_issues_no_tokens(repo: Repository) -> None:
    """Section 4.6: ListSets answers in one response, so any token is badResumptionToken."""
    assert repo.oai.get(verb="ListSets", resumptionToken="junk").error_codes == [
        "badResumptionToken"
    ]


# --- transport: HTTP 200, GET and POST alike --------------------------------------------

SAME_FOR_GET_AND_POST = [
    [("verb", "Identify")],
    [("verb", "ListMetadataFormats")],
    [("verb", "ListMetadataFormats"), ("identifier", "oai:journals.bsu.by:history/5763")],
    [("verb", "ListSets")],
    [
        ("verb", "GetRecord"),
        ("identifier", "oai:journals.bsu.by:history/5763"),
        ("metadataPrefix", "oai_dc"),
    ],
    [("verb", "ListIdentifiers"), ("metadataPrefix", "oai_dc"), ("set", "2050-084x")],
    [("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("from", "2024-03-05")],
    [("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("metadataPrefix", "oai_dc")],
    [("verb", "GetRecord"), ("identifier", 'invalid"id'), ("metadataPrefix", "oai_dc")],
    [("verb", "Nonsense")],
]


@pytest.mark.parametrize("pairs", SAME_FOR_GET_AND_POST)
def test_get_and_post_give_the_same_answer(repo: Repository, pairs: list[tuple[str, str]]) -> None:
    """Section 3.1.1: GET and POST (application/x-www-form-urlencoded) are answered alike.

    Section 3.1.2.1: OAI errors come with HTTP 200 too (the client asserts the status).
    """
    repo.now(datetime(2025, 1, 1, tzinfo=UTC))
    by_get = repo.oai.get(pairs)
    by_post = repo.oai.post(pairs)
    assert by_get.body == by_post.body
