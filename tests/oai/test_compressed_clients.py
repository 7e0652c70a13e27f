"""Compressed answers as real clients take them, from the real server over TCP.

OAI-PMH 2.0 section 3.1.3 (compression, as Identify declares it, section 4.2) with HTTP
Content-Encoding (RFC 9110 section 8.4; gzip: RFC 1952, deflate: the zlib format of RFC
1950). A ListRecords page is assembled from fragments compressed when their records were
stored; every client the suite uses decodes it to exactly the bytes of the uncompressed
answer to the same request in the same second: pages with deleted records (section 2.5.1),
within a set (section 2.7.2), with a resumptionToken (section 3.5), in Cyrillic, in
``oai_dc`` and ``jats``. A client that asks for no encoding gets the plain bytes.
"""

from __future__ import annotations

import gzip
import http.client
import re
import shutil
import subprocess
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest
import requests
from sickle import Sickle

from tests.oai_helpers import validate_response
from tests.server import (
    STORE_KINDS,
    CapturingPyoai,
    RunningServer,
    fresh_store_url,
    start_server,
    write_generated,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.server

COLLECTION = 18
PAGE_SIZE = 4
WITHDRAWN = 3
_DATE = re.compile(rb"<responseDate>([^<]*)</responseDate>")
_TOKEN = re.compile(rb"<resumptionToken[^>]*>([^<]+)</resumptionToken>")
_SET_SPEC = re.compile(rb"<setSpec>([^<]+)</setSpec>")
_CYRILLIC = re.compile("[\u0400-\u04ff]".encode())

#: A client: the query string -> (the body as the client decoded it, its Content-Encoding).
Client = Callable[[str], tuple[bytes, str]]


@pytest.fixture(scope="module", params=STORE_KINDS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    """The real server holding generated records, a few of them withdrawn since."""
    folder = tmp_path_factory.mktemp(f"compressed-{request.param}")
    records = folder / "records"
    paths = write_generated(records, COLLECTION)
    with fresh_store_url(request.param, folder) as url:
        running = start_server(
            folder / "instance", url, oai_page_size=PAGE_SIZE, rate_limit_per_minute=100_000
        )
        try:
            running.load(records)
            for path in paths[2 : 2 + WITHDRAWN]:
                path.unlink()
            done = running.run_cli("records", "load", "--allow-withdrawals", str(records))
            assert done.returncode == 0, done.stderr
            yield running
        finally:
            running.stop()


def _get(server: RunningServer, query: str, accept: str | None) -> http.client.HTTPResponse:
    parts = urlsplit(server.oai_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    conn.putrequest("GET", f"{parts.path}?{query}", skip_accept_encoding=True)
    if accept is not None:
        conn.putheader("Accept-Encoding", accept)
    conn.endheaders()
    return conn.getresponse()


def _plain(server: RunningServer, query: str) -> bytes:
    """The uncompressed answer: a request with no Accept-Encoding at all."""
    response = _get(server, query, None)
    body = response.read()
    assert response.getheader("Content-Encoding") is None
    assert int(response.getheader("Content-Length")) == len(body)
    return body


@pytest.fixture(scope="module")
def queries(server: RunningServer) -> list[str]:
    """Every ListRecords oai_dc page (through its tokens), a jats page, a set's page, and
    answers compressed on the fly: ListIdentifiers, GetRecord, Identify."""
    found = ["verb=ListRecords&metadataPrefix=oai_dc"]
    while token := _TOKEN.search(_plain(server, found[-1])):
        found.append("verb=ListRecords&resumptionToken=" + token.group(1).decode())
    spec = _SET_SPEC.search(_plain(server, "verb=ListSets")).group(1).decode()  # type: ignore[union-attr]
    identifier = re.search(
        rb"<identifier>([^<]+)</identifier>", _plain(server, found[0])
    ).group(1).decode()  # type: ignore[union-attr]
    return [
        *found,
        "verb=ListRecords&metadataPrefix=jats",
        f"verb=ListRecords&metadataPrefix=oai_dc&set={spec}",
        "verb=ListIdentifiers&metadataPrefix=oai_dc",
        f"verb=GetRecord&metadataPrefix=jats&identifier={identifier}",
        "verb=Identify",
    ]


def test_the_pages_checked_hold_what_the_specification_names(
    server: RunningServer, queries: list[str]
) -> None:
    """The pages below hold deleted records, Cyrillic text, tokens and a set's records."""
    bodies = [_plain(server, q) for q in queries]
    assert sum(b.count(b'<header status="deleted">') for b in bodies[:-5]) == WITHDRAWN
    assert all(_CYRILLIC.search(b) for b in bodies if b"<metadata>" in b)
    assert len(queries) - 5 == -(-COLLECTION // PAGE_SIZE) and _TOKEN.search(bodies[0])
    assert b"<ListRecords>" in bodies[-4] and b"<setSpec>" in bodies[-4]


def _same_as_plain(server: RunningServer, client: Client, query: str) -> str:
    """The client's decoded body is the plain answer, asked in the same second (responseDate
    and the token's dates are to the second); the encoding the client received."""
    for _ in range(5):
        plain = _plain(server, query)
        decoded, encoding = client(query)
        if _DATE.search(decoded).group(1) == _DATE.search(plain).group(1):  # type: ignore[union-attr]
            assert decoded == plain, f"{query}: the decoded answer differs"
            return encoding
    raise AssertionError(f"{query}: never answered twice within one second")


def _check_client(server: RunningServer, queries: list[str], client: Client, encoding: str) -> None:
    for query in queries:
        assert _same_as_plain(server, client, query) == encoding, query


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_the_raw_compressed_page_is_one_stream_with_its_length(
    server: RunningServer, queries: list[str], encoding: str
) -> None:
    """The bytes on the wire: one gzip member or zlib stream, its exact Content-Length,
    ``Vary: Accept-Encoding``, smaller than the page, decoded by Python's zlib."""

    def raw(query: str) -> tuple[bytes, str]:
        response = _get(server, query, encoding)
        body = response.read()
        assert response.getheader("Vary") == "Accept-Encoding"
        if "verb=ListRecords" in query:
            assert int(response.getheader("Content-Length")) == len(body)
        decoded = gzip.decompress(body) if encoding == "gzip" else zlib.decompress(body)
        assert len(body) < len(decoded)
        return decoded, response.getheader("Content-Encoding")

    _check_client(server, queries, raw, encoding)


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_requests_decodes_compressed_pages(
    server: RunningServer, queries: list[str], encoding: str
) -> None:
    """requests (urllib3's decoders), as Sickle and most Python harvesters use it."""

    def client(query: str) -> tuple[bytes, str]:
        response = requests.get(
            f"{server.oai_url}?{query}", headers={"Accept-Encoding": encoding}, timeout=60
        )
        return response.content, response.headers["Content-Encoding"]

    _check_client(server, queries, client, encoding)


def test_sickle_harvests_the_compressed_list(server: RunningServer) -> None:
    """Sickle asks for gzip (requests' default) and takes the whole list through its tokens;
    every page it received is a valid OAI-PMH response."""
    received: list[requests.Response] = []

    class Recording(Sickle):
        def _request(self, kwargs: dict) -> requests.Response:
            response = super()._request(kwargs)
            received.append(response)
            return response

    harvest = Recording(server.oai_url, max_retries=0, timeout=60)
    records = list(harvest.ListRecords(metadataPrefix="oai_dc", ignore_deleted=False))
    assert len(records) == COLLECTION
    assert sum(r.header.deleted for r in records) == WITHDRAWN
    assert {r.headers["Content-Encoding"] for r in received} == {"gzip"}
    for response in received:
        validate_response(response.content)


def test_pyoai_asks_for_no_encoding_and_gets_the_plain_pages(server: RunningServer) -> None:
    """pyoai's client sends no Accept-Encoding: it gets identity, the XML as it is."""
    client = CapturingPyoai(server.oai_url)
    items = list(client.listRecords(metadataPrefix="oai_dc"))
    assert len(items) == COLLECTION
    for body in client.responses:
        assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
        validate_response(body)


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_curl_compressed_decodes_compressed_pages(
    server: RunningServer, queries: list[str], encoding: str, tmp_path: Path
) -> None:
    """curl --compressed (libcurl's zlib decoding), as shell harvesting scripts use it."""
    curl = shutil.which("curl")
    if curl is None:
        pytest.skip("curl is not installed")
    head = tmp_path / "headers"

    def client(query: str) -> tuple[bytes, str]:
        done = subprocess.run(
            [curl, "-sS", "--compressed", "-H", f"Accept-Encoding: {encoding}", "-D", str(head),
             f"{server.oai_url}?{query}"],
            capture_output=True, check=True, timeout=60,
        )
        found = re.search(r"(?im)^content-encoding:\s*(\S+)", head.read_text())
        return done.stdout, found.group(1) if found else ""

    _check_client(server, queries, client, encoding)


_LWP = r"""
use LWP::UserAgent; use HTTP::Message;
my $response = LWP::UserAgent->new(timeout => 60)->get($ARGV[0],
    'Accept-Encoding' => HTTP::Message::decodable());
die $response->status_line unless $response->is_success;
print STDERR $response->header('Content-Encoding') // '';
binmode STDOUT; print $response->decoded_content(charset => 'none');
"""


def test_perl_lwp_decodes_compressed_pages(server: RunningServer, queries: list[str]) -> None:
    """Perl's LWP with the encodings it can decode, as HTTP::OAI harvests through it."""
    perl = shutil.which("perl")
    if perl is None or subprocess.run([perl, "-MLWP::UserAgent", "-e1"]).returncode:
        pytest.skip("Perl's LWP (libwww-perl) is not installed")

    def client(query: str) -> tuple[bytes, str]:
        done = subprocess.run([perl, "-e", _LWP, f"{server.oai_url}?{query}"],
                              capture_output=True, check=True, timeout=60)
        return done.stdout, done.stderr.decode().strip()

    _check_client(server, queries, client, "gzip")


def test_chromium_decodes_compressed_pages(
    server: RunningServer, queries: list[str], browser: Browser
) -> None:
    """Chromium's network stack (it asks for gzip among others) gives the page's bytes."""
    context = browser.new_context()
    try:
        page = context.new_page()

        def client(query: str) -> tuple[bytes, str]:
            response = page.goto(f"{server.oai_url}?{query}")
            assert response is not None and response.ok
            return response.body(), response.headers.get("content-encoding", "")

        _check_client(server, queries, client, "gzip")
    finally:
        context.close()
