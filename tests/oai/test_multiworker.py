"""Several app processes serve one store: ``jats-oai serve --workers 2`` runs gunicorn.

Resumption tokens are stateless and signed with the instance key every worker shares
(issue: "any worker continues any harvest"), so a harvest whose pages alternate between
two worker processes is complete and repeats nothing. The store is PostgreSQL when the
suite has one (JATS_OAI_TEST_DATABASE_URL), and SQLite (WAL, shared by both) as well.
Which worker answered each page is read from gunicorn's access log, which records the pid.
Before any of them forks, ``jats-oai serve`` checks the schemas and the store once.
"""

from __future__ import annotations

import http.client
import re
import subprocess
import time
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.oai_helpers import NS, validate_response
from tests.server import (
    RunningServer,
    command,
    free_port,
    server_env,
    start_server,
    store_records,
    write_generated,
)

pytestmark = pytest.mark.server

COLLECTION = 30
PAGE_SIZE = 4
_TOKEN = re.compile(rb"<resumptionToken[^>]*>([^<]+)</resumptionToken>")


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
    bodies: list[bytes] = []
    page = 0
    while True:
        agent = f"harvest-page-{page}"
        body = _get(connections[pids[page % 2]], query, agent)
        answered_by.append(_pid_of(server, agent))
        bodies.append(body)
        match = _TOKEN.search(body)
        if not match:
            break
        token = unescape(match.group(1).decode())
        query = f"verb=ListRecords&resumptionToken={quote(token, safe='')}"
        page += 1
    # Validated once the harvest is over, so that compiling the schemas never idles a
    # keep-alive connection long enough for the server to close it.
    for body in bodies:
        root = validate_response(body)
        assert not root.findall("oai:error", NS), body[:500]
        identifiers += [h.text for h in root.iterfind(".//oai:header/oai:identifier", NS)]
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


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("broken", ["schemas", "store"])
def test_serve_refuses_to_start_when_it_could_not_serve(
    tmp_path: Path, workers: int, broken: str
) -> None:
    """The schemas and the store are checked before anything listens, in the gunicorn
    master too: the command stops with a message naming what is wrong, never a half-working
    server."""
    missing = tmp_path / "missing"
    not_a_folder = tmp_path / "a-file"
    not_a_folder.write_text("")
    store_file = (not_a_folder if broken == "store" else tmp_path) / "store.sqlite3"
    settings = {"schema_dir": missing} if broken == "schemas" else {}
    env = server_env(
        tmp_path / "instance", f"sqlite:///{store_file}", "http://127.0.0.1:5000", **settings
    )
    done = subprocess.run(
        command("serve", "--port", str(free_port()), "--workers", str(workers)),
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert done.returncode == 2, done.stderr
    assert "OAI-PMH base URL" not in done.stdout
    assert "Traceback" not in done.stderr
    assert str(missing if broken == "schemas" else not_a_folder) in done.stderr
