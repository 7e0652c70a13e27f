"""An imported record's provenance in every answer that carries its metadata.

OAI-PMH 2.0 section 2.5 (the optional ``about`` container of a record) and the Guidelines
for Repository Implementers' provenance container (provenance.xsd): the ``about`` that
GetRecord (section 4.1) gives an imported record is in its ListRecords record (section 4.5)
too, byte for byte, and the page validates against OAI-PMH.xsd and provenance.xsd.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree

from app.config import Settings
from app.ingest import Prepared
from tests.oai_helpers import NS, Repository

T0 = datetime(2024, 3, 4, 10, 0, 0, tzinfo=UTC)
PROVENANCE = {
    "baseURL": "https://journals.bsu.by/index.php/history/oai",
    "identifier": "oai:journals.bsu.by:article/5762",
    "datestamp": "2023-12-20T10:00:02Z",
    "metadataNamespace": "http://www.openarchives.org/OAI/2.0/oai_dc/",
    "harvestDate": "2024-03-01T08:00:00Z",
}


@pytest.fixture
def imported(store_settings: Settings, samples: list[Prepared]) -> Iterator[Repository]:
    """The samples, the first of them as an import brings it in (with its provenance), in
    one page."""
    first = samples[0]
    summary = {**first.draft.summary, "provenance": PROVENANCE}
    records = [replace(first, draft=replace(first.draft, summary=summary)), *samples[1:]]
    repository = Repository(replace(store_settings, oai_page_size=100), records)
    repository.put_all(T0, timedelta(hours=6))
    repository.now(datetime(2025, 1, 1, tzinfo=UTC))
    yield repository
    repository.close()


def _records_by_identifier(root: etree._Element) -> dict[str, bytes]:
    return {
        record.findtext("oai:header/oai:identifier", None, NS): etree.tostring(record)
        for record in root.iterfind(".//oai:record", NS)
    }


@pytest.mark.parametrize("prefix", ["oai_dc", "jats"])
def test_listrecords_gives_an_imported_record_the_about_of_getrecord(
    imported: Repository, prefix: str
) -> None:
    """Sections 2.5, 4.1 and 4.5: the same record element, ``about`` included, either way;
    both responses are valid against OAI-PMH.xsd with provenance.xsd (the client checks)."""
    local = next(iter(imported.records))
    oai_id = imported.oai_id(local)
    listed = imported.oai.get(verb="ListRecords", metadataPrefix=prefix)
    single = imported.oai.get(verb="GetRecord", metadataPrefix=prefix, identifier=oai_id)
    in_list = _records_by_identifier(listed.root)
    assert in_list[oai_id] == _records_by_identifier(single.root)[oai_id]
    (origin,) = listed.root.xpath(
        ".//oai:record[oai:header/oai:identifier=$id]/oai:about/prov:provenance", id=oai_id,
        namespaces={**NS, "prov": "http://www.openarchives.org/OAI/2.0/provenance"},
    )
    assert origin.findtext("{*}originDescription/{*}identifier") == PROVENANCE["identifier"]
    others = [body for identifier, body in in_list.items() if identifier != oai_id]
    assert others and all(b"<about>" not in body and b":about" not in body for body in others)


def test_the_raw_bytes_of_the_record_are_the_same_in_both_answers(imported: Repository) -> None:
    """Not only the same tree: the same bytes, since both come from the same framing."""
    local = next(iter(imported.records))
    oai_id = imported.oai_id(local)
    listed = imported.oai.get(verb="ListRecords", metadataPrefix="oai_dc").body
    single = imported.oai.get(verb="GetRecord", metadataPrefix="oai_dc", identifier=oai_id).body
    start = single.index(b"<record>")
    record = single[start : single.index(b"</record>\n", start) + len(b"</record>\n")]
    assert b"<about><provenance " in record
    assert record in listed
