"""OAI-PMH 2.0 section 4.1 GetRecord, 4.2 Identify, 4.4 ListMetadataFormats and 4.6 ListSets,
with the identifier guidelines (oai-identifier) and the deleted-record rules of section 2.5.1.

Every response is validated against OAI-PMH.xsd, and each payload against the schema its
format declares, by the client in tests/oai_helpers.py.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree

from app.config import Settings
from app.crosswalks.registry import formats
from app.ingest import Prepared
from app.oai.provider import SAMPLE_ID_RE
from app.store.base import RecordDraft
from tests.oai_helpers import NS, Repository

T0 = datetime(2024, 3, 4, 10, 0, 0, tzinfo=UTC)
SEED = "history/5763"
XSI_LOCATION = "{http://www.w3.org/2001/XMLSchema-instance}schemaLocation"


def identify_field(answer, name: str) -> list[str]:  # noqa: ANN001
    return [e.text for e in answer.root.iterfind(f"oai:Identify/oai:{name}", NS)]


# --- Identify (4.2) ------------------------------------------------------------------------


def test_identify_describes_the_repository(repo: Repository) -> None:
    """Section 4.2: every required element, with this repository's policies."""
    answer = repo.oai.get(verb="Identify")
    settings = repo.settings
    assert identify_field(answer, "repositoryName") == [settings.repository_name]
    assert identify_field(answer, "protocolVersion") == ["2.0"]
    assert identify_field(answer, "adminEmail") == [settings.admin_email]
    assert identify_field(answer, "deletedRecord") == ["persistent"]
    assert identify_field(answer, "granularity") == ["YYYY-MM-DDThh:mm:ssZ"]
    assert identify_field(answer, "compression") == ["gzip", "deflate"]
    assert answer.request_attributes == {"verb": "Identify"}


def test_earliest_datestamp_comes_from_the_store(repo: Repository) -> None:
    """Section 4.2: earliestDatestamp is the lower bound of every datestamp, deletions too."""
    answer = repo.oai.get(verb="Identify")
    assert identify_field(answer, "earliestDatestamp") == ["2024-03-04T10:00:00Z"]
    repo.withdraw(SEED, T0 + timedelta(days=30))
    later = repo.oai.get(verb="Identify")
    assert identify_field(later, "earliestDatestamp") == ["2024-03-04T16:00:00Z"]


@pytest.mark.parametrize(
    ("base_url", "expected"),
    [
        ("http://localhost", "http://localhost/oai"),
        ("https://journals.example.org", "https://journals.example.org/oai"),
        ("http://127.0.0.1:5055", "http://127.0.0.1:5055/oai"),
        ("https://example.org/jats-oai", "https://example.org/jats-oai/oai"),
    ],
)
def test_base_url_is_exactly_the_one_requested(
    repo: Repository, base_url: str, expected: str
) -> None:
    """Section 4.2 baseURL and section 3.2 request element: scheme, host, port and path as
    the harvester used them (the registration validator compares them character by character)."""
    response = repo.app.test_client().get("/oai?verb=Identify", base_url=base_url)
    answer = repo.oai.check(response)
    assert identify_field(answer, "baseURL") == [expected]
    assert answer.root.findtext("oai:request", None, NS) == expected


def test_configured_base_url_wins_behind_a_proxy(
    store_settings: Settings, samples: list[Prepared]
) -> None:
    """Section 4.2: behind a proxy the public baseURL is configured (``oai_base_url``)."""
    public = "https://oai.journals.example.org/oai"
    repository = Repository(replace(store_settings, oai_base_url=public), samples)
    try:
        answer = repository.oai.get(verb="Identify")
        assert identify_field(answer, "baseURL") == [public]
        assert answer.root.findtext("oai:request", None, NS) == public
    finally:
        repository.close()


def test_oai_identifier_description_has_a_real_sample(repo: Repository) -> None:
    """Identify description per the OAI identifier guidelines: the repository identifier, and
    a sample identifier that GetRecord answers."""
    answer = repo.oai.get(verb="Identify")
    description = answer.root.find(".//id:oai-identifier", NS)
    assert description.findtext("id:scheme", None, NS) == "oai"
    assert description.findtext("id:repositoryIdentifier", None, NS) == "journals.bsu.by"
    assert description.findtext("id:delimiter", None, NS) == ":"
    sample = description.findtext("id:sampleIdentifier", None, NS)
    assert repo.oai.get(verb="GetRecord", identifier=sample, metadataPrefix="oai_dc").records


def test_empty_repository_identifies_itself(store_settings: Settings, samples) -> None:  # noqa: ANN001
    """Section 4.2 with no records: the epoch as earliestDatestamp, a well-formed sample."""
    repository = Repository(store_settings, samples)
    try:
        answer = repository.oai.get(verb="Identify")
        assert identify_field(answer, "earliestDatestamp") == ["1970-01-01T00:00:00Z"]
        sample = answer.root.findtext(".//id:sampleIdentifier", None, NS)
        assert SAMPLE_ID_RE.fullmatch(sample)
    finally:
        repository.close()


def test_a_repository_identifier_that_is_no_domain_gets_no_description(
    store_settings: Settings, samples: list[Prepared]
) -> None:
    """oai-identifier guidelines 2.1: repositoryIdentifier is a domain name; otherwise the
    description would be invalid, so Identify leaves it out and stays valid."""
    repository = Repository(replace(store_settings, repository_identifier="localhost"), samples)
    try:
        answer = repository.oai.get(verb="Identify")
        assert answer.root.find(".//id:oai-identifier", NS) is None
    finally:
        repository.close()


# --- ListMetadataFormats (4.4) -------------------------------------------------------------


def test_list_metadata_formats_declares_each_registered_format(repo: Repository) -> None:
    """Section 4.4: every format with exactly the schema and namespace its payloads use."""
    answer = repo.oai.get(verb="ListMetadataFormats")
    declared = {
        f.findtext("oai:metadataPrefix", None, NS): (
            f.findtext("oai:schema", None, NS),
            f.findtext("oai:metadataNamespace", None, NS),
        )
        for f in answer.root.iterfind(".//oai:metadataFormat", NS)
    }
    public_url = repo.settings.public_url
    assert declared == {
        prefix: (fmt.schema_url(public_url), fmt.namespace) for prefix, fmt in formats().items()
    }
    assert {"oai_dc", "jats"} <= set(declared)


def test_payloads_are_in_the_declared_namespace_and_schema(repo: Repository) -> None:
    """Section 4.4: the namespace and schema location a payload carries equal the declaration,
    and the payload is valid against that schema (the client validates it)."""
    public_url = repo.settings.public_url
    seen = set()
    for local, prepared in repo.records.items():
        for prefix in prepared.draft.formats:
            fmt = formats()[prefix]
            answer = repo.oai.get(
                verb="GetRecord", identifier=repo.oai_id(local), metadataPrefix=prefix
            )
            payload = answer.root.find(".//oai:metadata", NS)[0]
            assert etree.QName(payload).namespace == fmt.namespace
            pairs = (payload.get(XSI_LOCATION) or "").split()
            located = dict(zip(pairs[::2], pairs[1::2], strict=True))
            assert located.get(fmt.namespace) == fmt.schema_url(public_url)
            seen.add(prefix)
    assert seen == set(formats())


def test_list_metadata_formats_of_one_record(repo: Repository) -> None:
    """Section 4.4: with an identifier, only the formats that record can be given in."""
    for local, prepared in repo.records.items():
        answer = repo.oai.get(verb="ListMetadataFormats", identifier=repo.oai_id(local))
        prefixes = [e.text for e in answer.root.iterfind(".//oai:metadataPrefix", NS)]
        assert set(prefixes) == set(prepared.draft.formats)
        assert "oai_dc" in prefixes


def test_list_metadata_formats_of_a_deleted_record(repo: Repository) -> None:
    """Section 2.5.1: a deleted record is listed as a header in every format, so every format
    is offered for it (a GetRecord in each returns the deleted header)."""
    repo.withdraw(SEED, T0 + timedelta(days=10))
    answer = repo.oai.get(verb="ListMetadataFormats", identifier=repo.oai_id(SEED))
    prefixes = {e.text for e in answer.root.iterfind(".//oai:metadataPrefix", NS)}
    assert prefixes == set(formats())


# --- ListSets (4.6) ------------------------------------------------------------------------


def test_list_sets_names_and_describes_every_set(repo: Repository) -> None:
    """Section 4.6: setSpec, setName and an oai_dc setDescription (validated) for each set;
    every set a record belongs to is listed, with its ancestors (section 2.6 hierarchy)."""
    answer = repo.oai.get(verb="ListSets")
    sets = answer.root.findall(".//oai:set", NS)
    specs = [s.findtext("oai:setSpec", None, NS) for s in sets]
    assert len(specs) == len(set(specs))
    for element in sets:
        assert element.findtext("oai:setName", None, NS)
        assert element.find("oai:setDescription/oai_dc:dc/dc:title", NS) is not None
    members = {spec for p in repo.records.values() for spec in p.draft.sets}
    assert members <= set(specs)
    for spec in specs:
        assert spec.isascii()
        if ":" in spec:
            assert spec.rsplit(":", 1)[0] in specs
    assert {"openaire", "driver", "open_access", "history", "history:2023-4"} <= set(specs)


def test_cyrillic_set_names_are_utf8_and_set_specs_ascii(repo: Repository) -> None:
    """Section 2.6 and 3.1.2.1: setSpec is ASCII, names are UTF-8 text, never double-encoded."""
    answer = repo.oai.get(verb="ListSets")
    for info in repo.store.sets():
        element = answer.root.xpath("//oai:set[oai:setSpec=$s]", namespaces=NS, s=info.spec)[0]
        assert element.findtext("oai:setName", None, NS) == info.name
    assert "Ã" not in answer.body.decode("utf-8")


# --- GetRecord (4.1) -----------------------------------------------------------------------


def test_get_record_in_every_format_it_has(repo: Repository) -> None:
    """Section 4.1: header (identifier, datestamp, every setSpec) and the stored payload."""
    for local, prepared in repo.records.items():
        for prefix in prepared.draft.formats:
            answer = repo.oai.get(
                verb="GetRecord", identifier=repo.oai_id(local), metadataPrefix=prefix
            )
            (record,) = answer.records
            header = record.find("oai:header", NS)
            assert header.get("status") is None
            assert header.findtext("oai:identifier", None, NS) == repo.oai_id(local)
            specs = [e.text for e in header.iterfind("oai:setSpec", NS)]
            assert sorted(specs) == sorted(set(prepared.draft.sets))
            payload = etree.tostring(record.find("oai:metadata", NS)[0])
            assert etree.QName(etree.fromstring(payload)).namespace == formats()[prefix].namespace


def test_get_record_keeps_non_latin_text(repo: Repository) -> None:
    """Section 3.1.2.1: UTF-8, never double-encoded: a Cyrillic title arrives intact."""
    local = "10.3897/mycokeys.1.2066"
    title = str(repo.records[local].draft.summary["title"])
    assert "Изменения требований" in title
    for prefix in repo.records[local].draft.formats:
        answer = repo.oai.get(
            verb="GetRecord", identifier=repo.oai_id(local), metadataPrefix=prefix
        )
        assert "Изменения требований".encode() in answer.body
        assert "Ð".encode() not in answer.body  # the mark of UTF-8 read as Latin-1
    answer = repo.oai.get(verb="GetRecord", identifier=repo.oai_id(local), metadataPrefix="oai_dc")
    assert title in [e.text for e in answer.root.iterfind(".//dc:title", NS)]


def test_get_record_of_a_deleted_record(repo: Repository) -> None:
    """Section 2.5.1 and 4.1: a deleted record is a header with status="deleted" and its sets,
    without metadata, in any format."""
    withdrawn = repo.withdraw(SEED, T0 + timedelta(days=10))
    for prefix in formats():
        answer = repo.oai.get(verb="GetRecord", identifier=repo.oai_id(SEED), metadataPrefix=prefix)
        (record,) = answer.records
        header = record.find("oai:header", NS)
        assert header.get("status") == "deleted"
        assert header.findtext("oai:datestamp", None, NS) == "2024-03-14T10:00:00Z"
        assert record.find("oai:metadata", NS) is None
        assert [e.text for e in header.iterfind("oai:setSpec", NS)] == list(withdrawn.sets)


def test_redeposit_revives_under_the_same_identifier(repo: Repository) -> None:
    """Section 2.5.1: a re-deposited record is live again, same identifier, new datestamp."""
    repo.withdraw(SEED, T0 + timedelta(days=10))
    repo.put(repo.records[SEED], T0 + timedelta(days=20))
    answer = repo.oai.get(verb="GetRecord", identifier=repo.oai_id(SEED), metadataPrefix="oai_dc")
    header = answer.records[0].find("oai:header", NS)
    assert header.get("status") is None
    assert header.findtext("oai:datestamp", None, NS) == "2024-03-24T10:00:00Z"
    listed = repo.oai.harvest("ListIdentifiers", metadataPrefix="oai_dc")
    identifiers = [i for page in listed for i in page.identifiers]
    assert identifiers.count(repo.oai_id(SEED)) == 1


def test_unchanged_redeposit_keeps_the_datestamp(repo: Repository) -> None:
    """Section 2.7.1 (datestamp): it changes only when the record changes."""
    repo.put(repo.records[SEED], T0 + timedelta(days=20))
    answer = repo.oai.get(verb="GetRecord", identifier=repo.oai_id(SEED), metadataPrefix="oai_dc")
    assert answer.root.findtext(".//oai:datestamp", None, NS) == "2024-03-04T10:00:00Z"


# --- a damaged stored payload is isolated ----------------------------------------------------

BROKEN_PAYLOADS = {
    "truncated": lambda p: p[: len(p) // 2],
    "control character": lambda p: p.replace(b"<dc:title", b"<dc:title\x01", 1),
    "not UTF-8": lambda p: p.replace(b"<dc:title", b"\xff\xfe<dc:title", 1),
    "U+FFFE": lambda p: p.replace(b"<dc:title", "\ufffe".encode() + b"<dc:title", 1),
    "not XML": lambda p: b"oops",
}


@pytest.mark.parametrize("damage", sorted(BROKEN_PAYLOADS))
def test_a_damaged_payload_never_breaks_a_page(
    repo: Repository, damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Section 3.1.2.1 (responses are well-formed XML) and the issue's isolation rule: a record
    whose stored payload is damaged is left out of the page, with a log line; the others come.
    GetRecord answers cannotDisseminateFormat for it."""
    _damage(repo, SEED, T0 + timedelta(days=1, hours=1), BROKEN_PAYLOADS[damage])
    with caplog.at_level(logging.ERROR, logger="app.oai"):
        pages = repo.oai.harvest("ListRecords", metadataPrefix="oai_dc")
        identifiers = [i for page in pages for i in page.identifiers]
        assert repo.oai_id(SEED) not in identifiers
        assert len(identifiers) == len(repo.records) - 1
        answer = repo.oai.get(
            verb="GetRecord", identifier=repo.oai_id(SEED), metadataPrefix="oai_dc"
        )
        assert answer.error_codes == ["cannotDisseminateFormat"]
    assert any(SEED in r.getMessage() for r in caplog.records)
    headers = repo.oai.harvest("ListIdentifiers", metadataPrefix="oai_dc")
    assert repo.oai_id(SEED) in [i for page in headers for i in page.identifiers]


def _damage(
    repo: Repository,
    local: str,
    at: datetime,
    spoil: Callable[[bytes], bytes] = lambda payload: payload[:-20],
) -> None:
    """Store a new version of ``local`` at ``at`` whose oai_dc payload ``spoil`` damaged."""
    good = repo.records[local].draft
    damaged = RecordDraft(
        identifier=good.identifier,
        source=good.source + b"\n",
        content_hash=good.content_hash + "-damaged",
        sets=good.sets,
        formats={**good.formats, "oai_dc": spoil(good.formats["oai_dc"])},
        summary=good.summary,
    )
    repo.store.clock = lambda: at.timestamp()
    repo.store.put(damaged, actor="test")


def _in_order(repo: Repository) -> list[str]:
    return sorted(repo.records, key=lambda k: (repo.store.header(k).datestamp, k))


def test_a_page_of_damaged_payloads_moves_on_to_the_next_records(repo: Repository) -> None:
    """Section 4.5: a ListRecords response holds at least one record, so when every record of
    a page is damaged the response carries the next ones instead; nothing sound is lost."""
    order = _in_order(repo)
    later = T0 + timedelta(days=30)
    for n, local in enumerate(order[:3]):  # these move behind the others: datestamp later
        _damage(repo, local, later + timedelta(seconds=n))
    for n, local in enumerate(order[3:6]):  # and these behind them: the damage is mid-list
        repo.put(repo.records[local], later)  # unchanged: keeps its datestamp
        prepared = repo.records[local]
        draft = replace(prepared.draft, content_hash=prepared.draft.content_hash + "-v2")
        repo.put(replace(prepared, draft=draft), later + timedelta(minutes=1, seconds=n))
    pages = repo.oai.harvest("ListRecords", metadataPrefix="oai_dc")
    harvested = [i for page in pages for i in page.identifiers]
    assert harvested == [repo.oai_id(k) for k in order[6:] + order[3:6]]
    assert all(page.records for page in pages)
    assert [p.token.get("cursor") for p in pages] == ["0", "6"]
    assert {p.token.get("completeListSize") for p in pages} == {"9"}


def test_damaged_payloads_at_the_end_of_a_list_get_no_token(repo: Repository) -> None:
    """Section 3.5: no token leads to a response with nothing to send, even when the records
    after a page all have damaged payloads."""
    order = _in_order(repo)
    for n, local in enumerate(order[:3]):  # moved to the end of the list, damaged
        _damage(repo, local, T0 + timedelta(days=30, seconds=n))
    pages = repo.oai.harvest("ListRecords", metadataPrefix="oai_dc")
    assert [len(p.records) for p in pages] == [3, 3]
    assert pages[-1].token.text is None
    heads = repo.oai.harvest("ListIdentifiers", metadataPrefix="oai_dc")
    assert [len(p.identifiers) for p in heads] == [3, 3, 3]
