"""Several app processes serve one store: ``jats-oai serve --workers 2`` runs gunicorn.

Resumption tokens are stateless and signed with the instance key every worker shares
(issue: "any worker continues any harvest"), so a harvest whose pages alternate between
two worker processes is complete and repeats nothing. The store is PostgreSQL when the
suite has one (JATS_OAI_TEST_DATABASE_URL), and SQLite (WAL, shared by both) as well.
Which worker answered each page is read from gunicorn's access log, which records the pid.
"""

from __future__ import annotations

import http.client
import re
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.oai_helpers import NS, validate_response
from tests.server import RunningServer, start_server, store_records, write_generated

pytestmark = pytest.mark.server

COLLECTION = 30
PAGE_SIZE = 4


@pytest.fixture
def two_workers(tmp_path: Path, store_url: str) -> Iterator[RunningServer]:
    folder = tmp_path / "records"
    write_generated(folder, COLLECTION)
    server = start_server(
        tmp_path / "instance",
        store_url,
        workers=2,
        access_log=True,
        oai_page_size=PAGE_SIZE,
        rate_limit_per_minute=100_000,
    )
    try:
        server.load(folder)
        yield server
    finally:
        server.stop()


def test_a_harvest_continues_on_another_worker(two_workers: RunningServer) -> None:
    """Pages alternate between two worker processes; the harvest is whole, each record once."""
    connections = _one_connection_per_worker(two_workers)
    try:
        answered_by, identifiers = _harvest_alternating(two_workers, connections)
    finally:
        for conn in connections.values():
            conn.close()
    pids = sorted(connections)
    assert answered_by == [pids[i % 2] for i in range(len(answered_by))]
    assert len(answered_by) == -(-COLLECTION // PAGE_SIZE)
    assert len(identifiers) == len(set(identifiers)), "a record came twice"
    assert set(identifiers) == set(store_records(two_workers))
    assert len(identifiers) == COLLECTION


def _harvest_alternating(
    server: RunningServer, connections: dict[int, http.client.HTTPConnection]
) -> tuple[list[int], list[str]]:
    """ListRecords, page n over the connection to worker n % 2; who answered, what came."""
    pids = sorted(connections)
    query = "verb=ListRecords&metadataPrefix=oai_dc"
    identifiers: list[str] = []
    answered_by: list[int] = []
    page = 0
    while True:
        agent = f"harvest-page-{page}"
        body = _get(connections[pids[page % 2]], query, agent)
        answered_by.append(_pid_of(server, agent))
        root = validate_response(body)
        assert not root.findall("oai:error", NS), body[:500]
        identifiers += [h.text for h in root.iterfind(".//oai:header/oai:identifier", NS)]
        token = root.find(".//oai:resumptionToken", NS)
        if token is None or not token.text:
            break
        query = f"verb=ListRecords&resumptionToken={quote(token.text, safe='')}"
        page += 1
    return answered_by, identifiers


def _get(conn: http.client.HTTPConnection, query: str, agent: str) -> bytes:
    conn.request("GET", f"/oai?{query}", headers={"User-Agent": agent})
    response = conn.getresponse()
    body = response.read()
    assert response.status == 200, body[:500]
    return body


def _pid_of(server: RunningServer, agent: str, timeout: float = 10.0) -> int:
    """The pid gunicorn logged for the request made with User-Agent ``agent``."""
    pattern = re.compile(rf'pid=<(\d+)> .*"{re.escape(agent)}"$')
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in server.access_lines():
            match = pattern.search(line)
            if match:
                return int(match.group(1))
        time.sleep(0.02)
    raise AssertionError(f"no access log line for {agent}:\n" + "\n".join(server.access_lines()))


def _one_connection_per_worker(
    server: RunningServer, attempts: int = 40
) -> dict[int, http.client.HTTPConnection]:
    """Keep-alive connections, opened until each of the two workers holds one."""
    host, port = server.url.removeprefix("http://").split(":")
    found: dict[int, http.client.HTTPConnection] = {}
    for attempt in range(attempts):
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        agent = f"probe-{attempt}"
        _get(conn, "verb=Identify", agent)
        pid = _pid_of(server, agent)
        if pid in found:
            conn.close()
        else:
            found[pid] = conn
        if len(found) == 2:
            return found
    raise AssertionError(f"{attempts} connections all reached the same worker")
