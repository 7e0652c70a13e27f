"""Compressed ListRecords pages assembled from pieces packed at put time.

HTTP Content-Encoding gzip (RFC 1952) and deflate (the zlib format, RFC 1950) for OAI-PMH
2.0 section 3.1.3: whatever the pieces, the stream they make decodes to their concatenation;
a page with deleted records (section 2.5.1) or a set (section 2.7.2) decodes to the plain
page; a page whose packed fragments are missing or cut short is compressed on the fly
instead, and still decodes to the plain page.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.config import Settings
from app.ingest import Prepared
from app.oai import deflate
from app.store.sql import SqlStore
from tests.oai_helpers import Repository

T0 = datetime(2024, 3, 4, 10, 0, 0, tzinfo=UTC)
QUERY = "/oai?verb=ListRecords&metadataPrefix=oai_dc"


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.booleans(), st.binary(max_size=70_000) | st.text().map(str.encode))),
    st.sampled_from(["gzip", "deflate"]),
)
def test_pieces_concatenate_into_one_stream(parts: list[tuple[bool, bytes]], encoding: str) -> None:
    """Compressed and stored pieces, in any order and of any size (stored blocks hold at most
    65,535 bytes each), make one stream that decodes to the parts joined."""
    plain = b"".join(data for _, data in parts)
    pieces = [deflate.piece(data) if packed else deflate.stored(data) for packed, data in parts]
    assert all(deflate.sound(deflate.piece(data)) for _, data in parts)
    body = deflate.wrap(encoding, pieces, plain)
    assert (gzip.decompress(body) if encoding == "gzip" else zlib.decompress(body)) == plain


def test_a_cut_short_piece_is_not_sound() -> None:
    piece = deflate.piece(b"<record>...</record>\n" * 50)
    assert deflate.sound(piece) and not deflate.sound(piece[:-1]) and not deflate.sound(None)


@pytest.fixture
def repo(store_settings: Settings, samples: list[Prepared]) -> Iterator[Repository]:
    """The samples six hours apart, the second one withdrawn since, in pages of 3."""
    repository = Repository(replace(store_settings, oai_page_size=3), samples)
    repository.put_all(T0, timedelta(hours=6))
    repository.withdraw(list(repository.records)[1], T0 + timedelta(days=30))
    repository.now(datetime(2025, 1, 1, tzinfo=UTC))
    yield repository
    repository.close()


def _pages(repo: Repository, query: str, encoding: str) -> Iterator[tuple[bytes, bytes, str]]:
    """(plain, decoded, Content-Encoding) of each page of a list, following its tokens."""
    client = repo.app.test_client()
    while query:
        plain = client.get(query)
        packed = client.get(query, headers={"Accept-Encoding": encoding})
        raw = packed.get_data()
        assert int(packed.headers["Content-Length"]) == len(raw)
        decoded = gzip.decompress(raw) if encoding == "gzip" else zlib.decompress(raw)
        yield plain.get_data(), decoded, packed.headers["Content-Encoding"]
        token = repo.oai.check(plain).token
        query = f"/oai?verb=ListRecords&resumptionToken={token.text}" if token is not None and (
            token.text) else ""


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_every_page_decodes_to_the_plain_page(repo: Repository, encoding: str) -> None:
    """Sections 3.1.3, 2.5.1 and 3.5: through every token, deleted records included."""
    pages = list(_pages(repo, QUERY, encoding))
    assert len(pages) > 1
    assert any(b'<header status="deleted">' in plain for plain, _, _ in pages)
    for plain, decoded, sent in pages:
        assert sent == encoding and decoded == plain


def test_a_set_page_decodes_to_the_plain_page(repo: Repository) -> None:
    """Section 2.7.2: a page within a set is assembled from the same pieces."""
    spec = repo.store.sets()[0].spec
    (plain, decoded, _), *_ = _pages(repo, f"{QUERY}&set={spec}", "gzip")
    assert b"<setSpec>" in plain and decoded == plain


@pytest.mark.parametrize(
    "damage",
    ["UPDATE framed_records SET packed = NULL",
     "UPDATE framed_records SET packed = substr(packed, 1, length(packed) - 2)"],
)
def test_missing_or_cut_short_packed_fragments_fall_back_to_compressing_the_page(
    repo: Repository, damage: str
) -> None:
    """Stored pieces that cannot be trusted are not sent: the page is compressed whole, on
    the fly, and still decodes to the plain page."""
    store = repo.store
    assert isinstance(store, SqlStore)
    with store._writer() as db:
        db.execute(damage + " WHERE identifier = ?", (list(repo.records)[0],))
    client = repo.app.test_client()
    plain = client.get(QUERY).get_data()
    packed = client.get(QUERY, headers={"Accept-Encoding": "gzip"}, buffered=False)
    try:
        assert packed.is_streamed and "Content-Length" not in packed.headers
        assert gzip.decompress(b"".join(packed.response)) == plain
    finally:
        packed.close()
