"""Real harvesters against the real server: ``jats-oai serve`` in a subprocess on 127.0.0.1.

Sickle and pyoai's client each take the whole collection in ``oai_dc`` and ``jats`` through
many resumption tokens (a small page size is set), and every response they receive is
valid against OAI-PMH.xsd. A harvest during which records are added, changed and deleted
neither skips nor repeats a record (section 3.5: the list a harvester completes must be the
one it started; the guidelines' incremental harvesting: what changed after the harvest
started is in the next harvest ``from`` its first responseDate). A resumption token can be
replayed and returns the same page (section 3.5, "idempotent").
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from tests.oai_helpers import validate_response
from tests.server import (
    OAI,
    STORE_KINDS,
    CapturingPyoai,
    CapturingSickle,
    RunningServer,
    files_by_identifier,
    fresh_store_url,
    metadata_namespace,
    response_date,
    start_server,
    store_records,
    write_generated,
)

pytestmark = pytest.mark.server

COLLECTION = 40
PAGE_SIZE = 7
EXTRA = 3


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A collection of valid generated JATS records, written once for the module."""
    folder = tmp_path_factory.mktemp("generated")
    write_generated(folder, COLLECTION)
    return folder


@pytest.fixture(scope="module")
def extra_records(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Records generated after the collection's: new to the store when they are loaded."""
    return write_generated(tmp_path_factory.mktemp("extra"), EXTRA, skip=COLLECTION)


@pytest.fixture(scope="module", params=STORE_KINDS)
def harvested(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, generated: Path
) -> Iterator[RunningServer]:
    """The real server holding the generated collection, shared by the read-only tests."""
    folder = tmp_path_factory.mktemp(f"harvested-{request.param}")
    with fresh_store_url(request.param, folder) as url:
        server = _serve(folder, url)
        try:
            server.load(generated)
            yield server
        finally:
            server.stop()


@pytest.fixture
def loaded_server(tmp_path: Path, store_url: str, generated: Path) -> Iterator[RunningServer]:
    """The real server on a store of its own, holding a copy of the generated collection."""
    folder = tmp_path / "records"
    shutil.copytree(generated, folder)
    server = _serve(tmp_path, store_url)
    try:
        server.load(folder)
        yield server
    finally:
        server.stop()


def _serve(folder: Path, store_url: str) -> RunningServer:
    return start_server(
        folder / "instance", store_url, oai_page_size=PAGE_SIZE, rate_limit_per_minute=100_000
    )


@pytest.mark.parametrize("prefix", ["oai_dc", "jats"])
def test_sickle_harvests_the_whole_collection(harvested: RunningServer, prefix: str) -> None:
    """Section 4.5 ListRecords through every token: each record exactly once, none missing."""
    client = CapturingSickle(harvested.oai_url)
    records = list(client.ListRecords(metadataPrefix=prefix, ignore_deleted=False))
    identifiers = [r.header.identifier for r in records]
    assert len(identifiers) == len(set(identifiers)), "a record came twice"
    assert set(identifiers) == set(store_records(harvested))
    assert len(client.responses) == -(-len(identifiers) // PAGE_SIZE), "one page per token"
    for body in client.responses:
        validate_response(body)
    namespace = metadata_namespace(harvested, prefix)
    for record in records:
        payload = record.xml.find(f"{{{OAI}}}metadata")[0]
        assert etree.QName(payload).namespace == namespace


@pytest.mark.parametrize("prefix", ["oai_dc", "jats"])
def test_pyoai_harvests_the_whole_collection(harvested: RunningServer, prefix: str) -> None:
    """pyoai's client (HTTP POST, section 3.1.1.2) takes the same collection through tokens."""
    client = CapturingPyoai(harvested.oai_url, metadata_namespace(harvested, "jats"))
    items = list(client.listRecords(metadataPrefix=prefix))
    identifiers = [header.identifier() for header, _metadata, _about in items]
    assert len(identifiers) == len(set(identifiers)), "a record came twice"
    assert set(identifiers) == set(store_records(harvested))
    assert all(metadata.getField("title") for _h, metadata, _a in items)
    assert len(client.responses) == -(-len(identifiers) // PAGE_SIZE)
    for body in client.responses:
        validate_response(body)


def test_replayed_token_returns_the_same_page(harvested: RunningServer) -> None:
    """Section 3.5: a resumption token may be issued again and returns the same page."""
    client = CapturingSickle(harvested.oai_url)
    first = client.harvest(verb="ListRecords", metadataPrefix="oai_dc")
    token = _token(first.raw)
    assert token
    second = client.harvest(verb="ListRecords", resumptionToken=token)
    third = client.harvest(verb="ListRecords", resumptionToken=_token(second.raw))
    again = client.harvest(verb="ListRecords", resumptionToken=token)
    assert _without_response_date(again.raw) == _without_response_date(second.raw)
    assert _token(again.raw) == _token(second.raw)
    assert _identifiers(third.raw).isdisjoint(_identifiers(second.raw))
    for body in client.responses:
        validate_response(body)


def test_changes_during_a_harvest_are_neither_skipped_nor_repeated(
    loaded_server: RunningServer, tmp_path: Path, extra_records: list[Path]
) -> None:
    """Records added, changed and deleted mid-harvest: the harvest lists each record once,
    every record that did not change is in it, and everything that changed is in the next
    incremental harvest from the first harvest's responseDate (sections 3.5 and 2.7.1)."""
    folder = tmp_path / "records"
    by_id = files_by_identifier(loaded_server, folder)
    assert len(by_id) == sum(1 for _ in folder.rglob("*.xml"))
    time.sleep(1.1)  # the loaded records are now strictly older than the harvest
    client = CapturingSickle(loaded_server.oai_url)
    harvest = client.ListRecords(metadataPrefix="oai_dc", ignore_deleted=False)
    seen: list[str] = []
    for _ in range(2 * PAGE_SIZE):
        seen.append(next(harvest).header.identifier)
    started = response_date(client.responses[0])
    assert len(client.responses) == 2, "the third page must not be fetched yet"

    pending = sorted(set(by_id) - set(seen))
    changed = {seen[0], pending[0], pending[-1]}
    deleted = {seen[1], pending[1], pending[-2]}
    for oai_id in changed:
        path = by_id[oai_id]
        path.write_bytes(_retitled(path.read_bytes()))
    for oai_id in deleted:
        by_id[oai_id].unlink()
    for extra in extra_records:
        shutil.copy(extra, folder / f"new-{extra.name}")
    loaded_server.load(folder)
    added = set(store_records(loaded_server)) - set(by_id)
    assert len(added) == len(extra_records)

    before = set(seen)
    seen.extend(record.header.identifier for record in harvest)
    assert len(seen) == len(set(seen)), "the harvest repeated a record"
    unchanged = set(by_id) - changed - deleted
    assert unchanged <= set(seen), "the harvest skipped records that did not change"
    # The window is fixed when the harvest starts: what was written since waits for the next.
    assert set(seen) == unchanged | before

    incremental = CapturingSickle(loaded_server.oai_url)
    later = {
        r.header.identifier: r
        for r in incremental.ListRecords(
            metadataPrefix="oai_dc", ignore_deleted=False, **{"from": started}
        )
    }
    assert set(later) == changed | deleted | added
    assert all(later[i].header.deleted for i in deleted)
    assert not any(later[i].header.deleted for i in changed | added)
    for oai_id in changed:
        assert any("(revised)" in t for t in later[oai_id].metadata.get("title", []))
    for body in client.responses + incremental.responses:
        validate_response(body)


# --- helpers ---------------------------------------------------------------------------------
_TOKEN = re.compile(r"<resumptionToken[^>]*>([^<]*)</resumptionToken>")


def _token(raw: str) -> str:
    match = _TOKEN.search(raw)
    return match.group(1).replace("&amp;", "&") if match else ""


def _without_response_date(raw: str) -> str:
    return re.sub(r"<responseDate>[^<]*</responseDate>", "", raw)


def _identifiers(raw: str) -> set[str]:
    return set(re.findall(r"<identifier>([^<]*)</identifier>", raw))


def _retitled(data: bytes) -> bytes:
    """The same article (same identity) with a new title: a change of content."""
    new, count = re.subn(rb"(<article-title[^>]*>)", rb"\1(revised) ", data, count=1)
    assert count == 1
    return new
