"""OAI-PMH 2.0 section 3.1 (HTTP): response compression (section 3.1.3, declared by Identify's
``compression``, section 4.2; HTTP Content-Encoding), streamed XML responses (section
3.1.2.1) and flow control with HTTP 503 and Retry-After (section 3.1.2.2).
"""

from __future__ import annotations

import gzip
import re
import zlib
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import limits.storage.memory
import pytest

from app.config import Settings
from app.ingest import Prepared
from app.oai.ratelimit import RateLimiter
from app.oai.views import choose_encoding, oai_state
from tests.oai_helpers import Repository, validate_response

T0 = datetime(2024, 3, 4, 10, 0, 0, tzinfo=UTC)
QUERY = "/oai?verb=ListRecords&metadataPrefix=oai_dc"


@pytest.fixture
def repo(store_settings: Settings, samples: list[Prepared]) -> Iterator[Repository]:
    repository = Repository(replace(store_settings, rate_limit_per_minute=0), samples)
    repository.put_all(T0, timedelta(hours=6))
    repository.now(datetime(2025, 1, 1, tzinfo=UTC))
    yield repository
    repository.close()


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("gzip", "gzip"),
        ("gzip, deflate, br", "gzip"),
        ("deflate", "deflate"),
        ("br;q=1.0, deflate;q=0.5", "deflate"),
        ("gzip;q=0, deflate", "deflate"),
        ("*", "gzip"),
        ("identity", None),
        ("gzip;q=0", None),
        ("", None),
    ],
)
def test_content_encoding_follows_accept_encoding(accept: str, expected: str | None) -> None:
    """Section 4.2 compression and RFC 9110 Accept-Encoding: gzip first, then deflate."""
    assert choose_encoding(accept) == expected


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_compressed_responses_hold_the_same_document(repo: Repository, encoding: str) -> None:
    """Section 4.2: the compression Identify declares is honoured when the client asks."""
    client = repo.app.test_client()
    plain = client.get(QUERY)
    packed = client.get(QUERY, headers={"Accept-Encoding": encoding})
    assert "Content-Encoding" not in plain.headers
    repo.oai.check(plain)
    assert packed.headers["Content-Encoding"] == encoding
    assert packed.headers["Vary"] == "Accept-Encoding"
    raw = packed.get_data()
    body = gzip.decompress(raw) if encoding == "gzip" else zlib.decompress(raw)
    assert body == plain.get_data()
    assert len(raw) < len(body)
    repo.oai.check(packed)


def _without_response_date(body: bytes) -> bytes:
    return re.sub(rb"<responseDate>[^<]*</responseDate>", b"", body)


def test_responses_are_xml_sent_in_one_write_or_streamed_compressed(repo: Repository) -> None:
    """Section 3.1.2.1: text/xml in UTF-8. A response is decided whole before its first byte
    and bounded by the page size, so a plain one is sent in one write with its exact
    Content-Length, and so is a compressed ListRecords page (assembled from the packed
    fragments); another compressed answer is streamed through zlib as it is compressed."""
    response = repo.app.test_client().get(QUERY, buffered=False)
    try:
        assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
        body = b"".join(response.response)
    finally:
        response.close()
    assert int(response.headers["Content-Length"]) == len(body)
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    validate_response(body, repo.settings.schema_dir)
    client = repo.app.test_client()
    packed = client.get(QUERY, headers={"Accept-Encoding": "gzip"}, buffered=False)
    try:
        sent = b"".join(packed.response)
        assert int(packed.headers["Content-Length"]) == len(sent)
        assert _without_response_date(gzip.decompress(sent)) == _without_response_date(body)
    finally:
        packed.close()
    identify = client.get("/oai?verb=Identify", headers={"Accept-Encoding": "gzip"},
                          buffered=False)
    try:
        assert identify.is_streamed and "Content-Length" not in identify.headers
        assert b"<Identify>" in gzip.decompress(b"".join(identify.response))
    finally:
        identify.close()


def test_oai_errors_are_http_200(repo: Repository) -> None:
    """Section 3.1.2.1 and 3.6: an OAI error is a normal response, not an HTTP error."""
    response = repo.app.test_client().get("/oai?verb=Nonsense")
    assert response.status_code == 200
    assert repo.oai.check(response).error_codes == ["badVerb"]


def test_a_client_past_the_rate_gets_503_with_retry_after(
    repo: Repository, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Section 3.1.2.2: flow control is HTTP 503 with Retry-After; the limit is per client,
    the configured number of requests a minute from the client's first (a clock the test
    moves, no sleeping: the in-memory counter of the ``limits`` library reads ``time.time``)."""
    now = [1000.0]
    monkeypatch.setattr(limits.storage.memory, "time", SimpleNamespace(time=lambda: now[0]))
    oai_state(repo.app).limiter = RateLimiter(6, clock=lambda: now[0])
    client = repo.app.test_client()
    other = repo.app.test_client()
    for _ in range(6):
        repo.oai.check(client.get("/oai?verb=Identify"))
    refused = client.get("/oai?verb=Identify")
    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == "60"  # the client's minute ends then
    repo.oai.check(other.get("/oai?verb=Identify", environ_base={"REMOTE_ADDR": "192.0.2.7"}))
    now[0] += 59.0
    assert client.get("/oai?verb=Identify").headers["Retry-After"] == "1"
    now[0] += 1.5
    repo.oai.check(client.get("/oai?verb=Identify"))


def test_post_requests_are_counted_too(store_settings: Settings, samples: list[Prepared]) -> None:
    """Section 3.1.2.2: the limit applies to GET (answered in front of Flask) and POST alike."""
    limited = Repository(replace(store_settings, rate_limit_per_minute=2), samples)
    try:
        client = limited.app.test_client()
        assert client.get("/oai?verb=Identify").status_code == 200
        assert client.post("/oai", data={"verb": "Identify"}).status_code == 200
        refused = client.post("/oai", data={"verb": "Identify"})
        assert refused.status_code == 503 and int(refused.headers["Retry-After"]) >= 1
    finally:
        limited.close()


def test_the_configured_rate_applies(store_settings: Settings, samples: list[Prepared]) -> None:
    """Section 3.1.2.2: ``rate_limit_per_minute`` sets the limit; 0 switches it off."""
    limited = Repository(replace(store_settings, rate_limit_per_minute=2), samples)
    try:
        client = limited.app.test_client()
        responses = [client.get("/oai?verb=Identify") for _ in range(3)]
        assert [r.status_code for r in responses] == [200, 200, 503]
        for response in responses[:2]:
            limited.oai.check(response)
    finally:
        limited.close()
    unlimited = Repository(replace(store_settings, rate_limit_per_minute=0), samples)
    try:
        client = unlimited.app.test_client()
        for _ in range(50):
            unlimited.oai.check(client.get("/oai?verb=Identify"))
    finally:
        unlimited.close()


FORWARDED = {
    "X-Forwarded-For": "203.0.113.5",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "journals.example.org",
}


def _base_url(response: object) -> str:
    match = re.search(rb"<baseURL>([^<]+)</baseURL>", response.data)  # type: ignore[attr-defined]
    assert match, response.data  # type: ignore[attr-defined]
    return match.group(1).decode()


@pytest.mark.parametrize("trusted", [0, 1])
def test_forwarded_headers_count_only_from_trusted_proxies(
    store_settings: Settings, samples: list[Prepared], trusted: int
) -> None:
    """Behind one proxy (``trusted_proxies = 1``) the baseURL follows the public https
    address and the rate limit of section 3.1.2.2 counts each client, not the proxy; with
    no trusted proxy the same headers, which any client can send, change nothing."""
    repo = Repository(
        replace(store_settings, rate_limit_per_minute=2, trusted_proxies=trusted), samples
    )
    try:
        proxy = repo.app.test_client()
        first = proxy.get("/oai?verb=Identify", headers=FORWARDED)
        repo.oai.check(first)
        expected = "https://journals.example.org/oai" if trusted else "http://localhost/oai"
        assert _base_url(first) == expected
        assert proxy.get("/oai?verb=Identify", headers=FORWARDED).status_code == 200
        assert proxy.get("/oai?verb=Identify", headers=FORWARDED).status_code == 503
        other_client = {**FORWARDED, "X-Forwarded-For": "198.51.100.9"}
        answer = proxy.get("/oai?verb=Identify", headers=other_client)
        assert answer.status_code == (200 if trusted else 503)
    finally:
        repo.close()
