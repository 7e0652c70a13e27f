"""OAI-PMH 2.0 sections 4.3 ListIdentifiers and 4.5 ListRecords: selective harvesting by date
(section 2.7.1) and by set (section 2.7.2), deleted records (section 2.5.1), and flow control
by resumption tokens (section 3.5), plus the incremental-harvest checks of BASE's OVAL.

Nine records are deposited six hours apart from 2024-03-04T10:00:00Z, three per page.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from app.config import Settings
from app.ingest import Prepared
from app.oai import tokens
from tests.oai_helpers import NS, OAIResponse, Repository

T0 = datetime(2024, 3, 4, 10, 0, 0, tzinfo=UTC)
STEP = timedelta(hours=6)
PAGE = 3
SEED = "history/5763"
FMT = "%Y-%m-%dT%H:%M:%SZ"


@pytest.fixture
def repo(store_settings: Settings, samples: list[Prepared]) -> Iterator[Repository]:
    repository = Repository(replace(store_settings, oai_page_size=PAGE), samples)
    repository.stamps = repository.put_all(T0, STEP)
    yield repository
    repository.close()


def listed(pages: list[OAIResponse]) -> list[str]:
    return [i for page in pages for i in page.identifiers]


def stamp(value: datetime) -> str:
    return value.strftime(FMT)


def in_order(repo: Repository) -> list[str]:
    """Every identifier in harvest order: by datestamp, then identifier."""
    return [repo.oai_id(i) for i, _ in sorted(repo.stamps.items(), key=lambda kv: (kv[1], kv[0]))]


# --- complete lists and resumption tokens (3.5) ----------------------------------------------


@pytest.mark.parametrize("verb", ["ListIdentifiers", "ListRecords"])
def test_a_complete_list_arrives_once_in_order(repo: Repository, verb: str) -> None:
    """Section 3.5: an incomplete list continues through tokens until an empty token; every
    record comes exactly once."""
    pages = repo.oai.harvest(verb, metadataPrefix="oai_dc")
    assert len(pages) == 3
    assert listed(pages) == in_order(repo)
    if verb == "ListRecords":
        for page in pages:
            assert all(r.find("oai:metadata", NS) is not None for r in page.records)


def test_cursor_and_complete_list_size_are_exact(repo: Repository) -> None:
    """Section 3.5: cursor counts the records sent before this response (0 on the first),
    completeListSize is the whole list; the last response carries an empty token."""
    pages = repo.oai.harvest("ListRecords", metadataPrefix="oai_dc")
    tokens_seen = [page.token for page in pages]
    assert [t.get("cursor") for t in tokens_seen] == ["0", "3", "6"]
    assert {t.get("completeListSize") for t in tokens_seen} == {"9"}
    assert [bool(t.text) for t in tokens_seen] == [True, True, False]
    assert tokens_seen[-1].get("expirationDate") is None


def test_tokens_last_seven_days_and_say_so(repo: Repository) -> None:
    """Section 3.5 expirationDate; BASE's OVAL wants at least 23 hours, the issue 7 days."""
    repo.now(datetime(2025, 6, 1, 12, 0, 0, tzinfo=UTC))
    answer = repo.oai.get(verb="ListIdentifiers", metadataPrefix="oai_dc")
    assert answer.response_date == "2025-06-01T12:00:00Z"
    assert answer.token.get("expirationDate") == "2025-06-08T12:00:00Z"


def test_a_list_that_fits_one_page_has_no_token(repo: Repository) -> None:
    """Section 3.5: a complete list in one response carries no resumptionToken at all."""
    answer = repo.oai.get(verb="ListRecords", metadataPrefix="oai_dc", set="history")
    assert len(answer.records) == 1
    assert answer.token is None


def test_a_list_ending_on_a_page_boundary_ends_with_that_page(
    store_settings: Settings, samples: list[Prepared]
) -> None:
    """Section 3.5: six records, three a page: the second page carries the empty token, and no
    token ever leads to an empty page."""
    repository = Repository(replace(store_settings, oai_page_size=PAGE), samples[:6])
    try:
        repository.put_all(T0, STEP)
        pages = repository.oai.harvest("ListIdentifiers", metadataPrefix="oai_dc")
        assert [len(p.identifiers) for p in pages] == [3, 3]
        assert pages[-1].token.text is None
        assert pages[-1].token.get("cursor") == "3"
        assert pages[-1].token.get("completeListSize") == "6"
        whole = Repository(replace(store_settings, oai_page_size=6), [])
        try:
            answer = whole.oai.get(verb="ListIdentifiers", metadataPrefix="oai_dc")
            assert len(answer.identifiers) == 6
            assert answer.token is None
        finally:
            whole.close()
    finally:
        repository.close()


def test_replaying_a_token_returns_the_same_page(repo: Repository) -> None:
    """Section 3.5.1 (idempotency of resumptionTokens): a reissued token answers the same
    records again."""
    first = repo.oai.get(verb="ListRecords", metadataPrefix="oai_dc")
    token = first.token.text
    again = [repo.oai.get(verb="ListRecords", resumptionToken=token) for _ in range(2)]
    assert again[0].identifiers == again[1].identifiers == in_order(repo)[3:6]
    bodies = [r.root.find("oai:ListRecords", NS) for r in again]
    records = [[_record_bytes(rec) for rec in b.iterfind("oai:record", NS)] for b in bodies]
    assert records[0] == records[1]
    assert again[0].token.get("cursor") == again[1].token.get("cursor") == "3"


def _record_bytes(record) -> bytes:  # noqa: ANN001
    from lxml import etree

    return etree.tostring(record, method="c14n")


def test_any_worker_continues_a_harvest(repo: Repository, samples: list[Prepared]) -> None:
    """Section 3.5 with no server state: a second app process (same store, same secret key)
    answers a token the first one issued."""
    first = repo.oai.get(verb="ListIdentifiers", metadataPrefix="oai_dc")
    other = Repository(repo.settings, samples)
    try:
        second = other.oai.get(verb="ListIdentifiers", resumptionToken=first.token.text)
        assert second.identifiers == in_order(repo)[3:6]
    finally:
        other.close()


def test_an_expired_token_is_refused(repo: Repository) -> None:
    """Section 3.5: past its expirationDate a token is badResumptionToken (clock injected)."""
    issued = datetime(2025, 6, 1, 12, 0, 0, tzinfo=UTC)
    repo.now(issued)
    token = repo.oai.get(verb="ListIdentifiers", metadataPrefix="oai_dc").token.text
    repo.now(issued + timedelta(days=7))
    assert repo.oai.get(verb="ListIdentifiers", resumptionToken=token).identifiers
    repo.now(issued + timedelta(days=7, seconds=1))
    answer = repo.oai.get(verb="ListIdentifiers", resumptionToken=token)
    assert answer.error_codes == ["badResumptionToken"]
    assert "expired" in answer.root.findtext("oai:error", None, NS)


def test_a_tampered_token_is_refused(repo: Repository) -> None:
    """Section 3.6 badResumptionToken: any change to a token's text breaks its signature."""
    token = repo.oai.get(verb="ListIdentifiers", metadataPrefix="oai_dc").token.text
    body, _, signature = token.rpartition(".")
    state = tokens.decode(token, repo.settings.secret_key, now=T0, lifetime=timedelta(days=9999))
    forged_window = replace(state.window, set_spec="history")
    forged = tokens.encode(replace(state, window=forged_window), "not the secret key")
    altered = [
        forged,
        body[:-1] + ("A" if body[-1] != "A" else "B") + "." + signature,
        body + "." + signature[:-1] + ("A" if signature[-1] != "A" else "B"),
        body,
        token + "x",
    ]
    for bad in altered:
        answer = repo.oai.get(verb="ListIdentifiers", resumptionToken=bad)
        assert answer.error_codes == ["badResumptionToken"], bad


def test_a_token_belongs_to_its_verb(repo: Repository) -> None:
    """Section 3.5: a ListIdentifiers token does not continue a ListRecords list."""
    token = repo.oai.get(verb="ListIdentifiers", metadataPrefix="oai_dc").token.text
    answer = repo.oai.get(verb="ListRecords", resumptionToken=token)
    assert answer.error_codes == ["badResumptionToken"]


def test_the_request_echo_of_a_resumed_list(repo: Repository) -> None:
    """Section 3.2: the request element repeats exactly the arguments of this request."""
    token = repo.oai.get(verb="ListRecords", metadataPrefix="oai_dc").token.text
    answer = repo.oai.get(verb="ListRecords", resumptionToken=token)
    assert answer.request_attributes == {"verb": "ListRecords", "resumptionToken": token}


# --- a harvest while the collection changes ----------------------------------------------------


def test_changes_during_a_harvest_neither_skip_nor_repeat(repo: Repository) -> None:
    """Section 3.5 and the guidelines' incremental harvesting: the window is fixed when the
    harvest starts. Records added, changed or deleted meanwhile are not repeated in it, and the
    next harvest ``from`` this one's first responseDate brings each of them."""
    order = in_order(repo)
    local = {repo.oai_id(k): k for k in repo.stamps}
    repo.now(T0 + timedelta(days=5))
    first = repo.oai.get(verb="ListIdentifiers", metadataPrefix="oai_dc")
    assert first.identifiers == order[:3]
    later = T0 + timedelta(days=5, minutes=1)
    repo.put(repo.records[local[order[0]]], later)  # unchanged: keeps its datestamp
    changed_sent = local[order[1]]  # already sent, then changed
    changed_unsent = local[order[5]]  # not yet sent, then changed
    deleted_unsent = local[order[7]]  # not yet sent, then deleted
    for n, key in enumerate((changed_sent, changed_unsent)):
        prepared = repo.records[key]
        draft = replace(
            prepared.draft,
            source=prepared.draft.source + b"\n",
            content_hash=prepared.draft.content_hash + "-v2",
        )
        repo.put(replace(prepared, draft=draft), later + timedelta(seconds=n))
    repo.withdraw(deleted_unsent, later + timedelta(seconds=5))
    pages = [first]
    while pages[-1].token is not None and pages[-1].token.text:
        pages.append(repo.oai.get(verb="ListIdentifiers", resumptionToken=pages[-1].token.text))
    harvested = listed(pages)
    assert len(harvested) == len(set(harvested))
    assert set(harvested) == set(order) - {repo.oai_id(changed_unsent), repo.oai_id(deleted_unsent)}
    nxt = repo.oai.get(
        verb="ListIdentifiers", metadataPrefix="oai_dc", **{"from": first.response_date}
    )
    assert set(nxt.identifiers) == {
        repo.oai_id(changed_sent),
        repo.oai_id(changed_unsent),
        repo.oai_id(deleted_unsent),
    }
    deleted = [h for h in nxt.headers_listed if h.get("status") == "deleted"]
    assert [h.findtext("oai:identifier", None, NS) for h in deleted] == [
        repo.oai_id(deleted_unsent)
    ]


def test_a_record_added_during_a_harvest_waits_for_the_next(
    store_settings: Settings, samples: list[Prepared]
) -> None:
    """Section 3.5: a record deposited after the first page is not slipped into this list
    (whose completeListSize stays what it said); the next harvest, ``from`` this one's first
    responseDate, brings it."""
    repository = Repository(replace(store_settings, oai_page_size=PAGE), samples[:8])
    try:
        repository.put_all(T0, STEP)
        repository.now(T0 + timedelta(days=4))
        first = repository.oai.get(verb="ListIdentifiers", metadataPrefix="oai_dc")
        newcomer = samples[8]
        repository.put(newcomer, T0 + timedelta(days=4, seconds=1))
        pages = [first]
        while pages[-1].token.text:
            pages.append(
                repository.oai.get(verb="ListIdentifiers", resumptionToken=pages[-1].token.text)
            )
        newcomer_id = repository.oai_id(newcomer.draft.identifier)
        assert newcomer_id not in listed(pages)
        assert len(listed(pages)) == 8
        assert {p.token.get("completeListSize") for p in pages} == {"8"}
        nxt = repository.oai.get(
            verb="ListIdentifiers", metadataPrefix="oai_dc", **{"from": first.response_date}
        )
        assert nxt.identifiers == [newcomer_id]
    finally:
        repository.close()


# --- selective harvesting by date (2.7.1) -----------------------------------------------------


def test_from_and_until_are_inclusive_to_the_second(repo: Repository) -> None:
    """Section 2.7.1: from and until are inclusive, exact to the second."""
    at = repo.stamps[SEED] + 4 * STEP  # the fifth record
    fifth = in_order(repo)[4]

    def ids(**window: str) -> list[str]:
        pages = repo.oai.harvest("ListIdentifiers", metadataPrefix="oai_dc", **window)
        return [] if pages[0].error_codes else listed(pages)

    assert fifth in ids(**{"from": stamp(at), "until": stamp(at)})
    assert ids(**{"from": stamp(at), "until": stamp(at)}) == [fifth]
    assert fifth not in ids(**{"from": stamp(at + timedelta(seconds=1))})
    assert fifth not in ids(until=stamp(at - timedelta(seconds=1)))
    assert fifth in ids(until=stamp(at))
    assert fifth in ids(**{"from": stamp(at)})


def test_day_granularity_covers_whole_days(repo: Repository) -> None:
    """Section 3.3.1 and 2.7.1: a day from starts at 00:00:00, a day until ends at 23:59:59."""
    night = datetime(2024, 3, 10, 23, 59, 59, tzinfo=UTC)
    morning = datetime(2024, 3, 11, 0, 0, 0, tzinfo=UTC)
    repo.withdraw(SEED, night)
    repo.withdraw("2050-084x/00007", morning)
    until_day = listed(
        repo.oai.harvest("ListIdentifiers", metadataPrefix="oai_dc", until="2024-03-10")
    )
    assert repo.oai_id(SEED) in until_day
    assert repo.oai_id("2050-084x/00007") not in until_day
    from_day = repo.oai.get(
        verb="ListIdentifiers", metadataPrefix="oai_dc", **{"from": "2024-03-11"}
    )
    assert from_day.identifiers == [repo.oai_id("2050-084x/00007")]
    one_day = repo.oai.get(
        verb="ListIdentifiers",
        metadataPrefix="oai_dc",
        **{"from": "2024-03-10", "until": "2024-03-10"},
    )
    assert one_day.identifiers == [repo.oai_id(SEED)]


def test_a_window_is_kept_across_pages(repo: Repository) -> None:
    """Section 3.5: the selective-harvest arguments of the first request hold for every page."""
    start, end = stamp(T0 + STEP), stamp(T0 + 6 * STEP)
    pages = repo.oai.harvest(
        "ListIdentifiers", metadataPrefix="oai_dc", **{"from": start, "until": end}
    )
    assert listed(pages) == in_order(repo)[1:7]
    assert pages[0].token.get("completeListSize") == "6"


def test_oval_incremental_harvest_by_day_and_by_second(repo: Repository) -> None:
    """BASE OVAL: a harvest from a record's datestamp, at day and at full granularity, returns
    that record (OVAL reports "No incremental harvesting" otherwise)."""
    answer = repo.oai.get(verb="GetRecord", identifier=repo.oai_id(SEED), metadataPrefix="oai_dc")
    reference = answer.root.findtext(".//oai:datestamp", None, NS)
    for value in (reference, reference[:10]):
        pages = repo.oai.harvest("ListRecords", metadataPrefix="oai_dc", **{"from": value})
        assert repo.oai_id(SEED) in listed(pages)


def test_registration_validator_until_before_earliest(repo: Repository) -> None:
    """Section 4.2/4.5: one year before earliestDatestamp there is nothing: noRecordsMatch."""
    answer = repo.oai.get(verb="ListRecords", metadataPrefix="oai_dc", until="2023-03-04T10:00:00Z")
    assert answer.error_codes == ["noRecordsMatch"]


# --- selective harvesting by set (2.7.2) -------------------------------------------------------


@pytest.mark.parametrize(
    "spec",
    ["history", "history:2023-4", "2050-084x", "2050-084x:2012-1", "openaire", "driver",
     "open_access"],
)
def test_a_set_lists_exactly_its_members(repo: Repository, spec: str) -> None:
    """Section 2.7.2: set=X lists the records of X and of every set below it in the hierarchy."""
    expected = {repo.oai_id(k) for k, p in repo.records.items() if spec in p.draft.sets}
    assert expected
    pages = repo.oai.harvest("ListIdentifiers", metadataPrefix="oai_dc", set=spec)
    assert sorted(listed(pages)) == sorted(expected)
    for header in (h for page in pages for h in page.headers_listed):
        assert spec in [e.text for e in header.iterfind("oai:setSpec", NS)]


def test_a_parent_set_holds_its_children(repo: Repository) -> None:
    """Section 2.6: the members of eLife's issue sets are all in its series (ISSN 2050-084X)."""
    parent = set(listed(
        repo.oai.harvest("ListIdentifiers", metadataPrefix="oai_dc", set="2050-084x")))
    for child in ("2050-084x:2012-1", "2050-084x:2013-2"):
        members = listed(repo.oai.harvest("ListIdentifiers", metadataPrefix="oai_dc", set=child))
        assert members and set(members) <= parent


def test_open_access_set_leaves_out_records_without_an_open_access_right(repo: Repository) -> None:
    """Section 2.7.2 with the convention sets: the seed states no access right, so it is in
    openaire (all articles) but not in driver or open_access, never open by default."""
    for spec, member in (("openaire", True), ("driver", False), ("open_access", False)):
        pages = repo.oai.harvest("ListIdentifiers", metadataPrefix="oai_dc", set=spec)
        assert (repo.oai_id(SEED) in listed(pages)) is member


# --- deleted records (2.5.1) ------------------------------------------------------------


def test_deleted_records_stay_in_lists_sets_and_windows(repo: Repository) -> None:
    """Section 2.5.1, deletedRecord persistent: a withdrawn record is a header with
    status="deleted" and no metadata, in full lists, in its sets, in date windows, in every
    format."""
    gone = T0 + timedelta(days=10)
    repo.withdraw(SEED, gone)
    for params in (
        {},
        {"set": "history"},
        {"set": "history:2023-4"},
        {"set": "openaire"},
        {"from": stamp(gone), "until": stamp(gone)},
        {"from": "2024-03-14"},
    ):
        for prefix in ("oai_dc", "jats"):
            pages = repo.oai.harvest("ListRecords", metadataPrefix=prefix, **params)
            records = [r for page in pages for r in page.records]
            (mine,) = [
                r
                for r in records
                if r.findtext("oai:header/oai:identifier", None, NS) == repo.oai_id(SEED)
            ]
            assert mine.find("oai:header", NS).get("status") == "deleted"
            assert mine.find("oai:metadata", NS) is None
            assert mine.findtext("oai:header/oai:datestamp", None, NS) == stamp(gone)
            heads = repo.oai.harvest("ListIdentifiers", metadataPrefix=prefix, **params)
            assert listed(heads).count(repo.oai_id(SEED)) == 1


def test_a_revived_record_is_listed_once_with_its_new_datestamp(repo: Repository) -> None:
    """Section 2.5.1: re-deposit brings the record back under the same identifier, once."""
    repo.withdraw(SEED, T0 + timedelta(days=10))
    revived = repo.put(repo.records[SEED], T0 + timedelta(days=11))
    pages = repo.oai.harvest("ListRecords", metadataPrefix="oai_dc")
    assert listed(pages).count(repo.oai_id(SEED)) == 1
    assert listed(pages)[-1] == repo.oai_id(SEED)
    last = pages[-1].records[-1]
    assert last.find("oai:header", NS).get("status") is None
    assert last.findtext("oai:header/oai:datestamp", None, NS) == stamp(revived.datestamp)
    assert last.find("oai:metadata", NS) is not None


# --- formats in lists -------------------------------------------------------------------


def test_list_records_in_a_format_lists_only_records_that_have_it(repo: Repository) -> None:
    """Section 4.5: records not available in the format are not listed (no error)."""
    expected = {repo.oai_id(k) for k, p in repo.records.items() if "jats" in p.draft.formats}
    assert expected and len(expected) < len(repo.records)
    pages = repo.oai.harvest("ListRecords", metadataPrefix="jats")
    assert set(listed(pages)) == expected
    heads = repo.oai.harvest("ListIdentifiers", metadataPrefix="jats")
    assert listed(heads) == listed(pages)
