"""Faults in the middle of a write (issue 14): ``records load``, a deposit and a gunicorn
worker killed with SIGKILL, PostgreSQL dropping every connection mid-harvest. Each ends with
``jats-oai store check`` clean, nothing lost, and the harvest complete."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import requests

from tests.builders import jats_records
from tests.server import RunningServer, command, server_env, start_server
from tests.web_support import PASSWORD, variant

pytestmark = [pytest.mark.slow, pytest.mark.server]
OAI_TOKEN = re.compile(rb"<resumptionToken[^>]*>([^<]+)</resumptionToken>")
OAI_IDENTIFIER = re.compile(rb"<identifier>([^<]+)</identifier>")


def _folder(root: Path, count: int, seed: int) -> Path:
    for rel, data in jats_records(count, seed=seed):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    return root


def _check(env: dict[str, str]) -> str:
    done = subprocess.run(command("store", "check"), env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _live(env: dict[str, str]) -> int:
    found = re.search(r"sound: (\d+) live records", _check(env))
    assert found
    return int(found.group(1))


@pytest.fixture
def cli_env(tmp_path: Path, store_url: str) -> dict[str, str]:
    return server_env(tmp_path / "instance", store_url, "http://127.0.0.1:5000")


def test_a_load_killed_mid_write_leaves_a_sound_store(tmp_path: Path,
                                                      cli_env: dict[str, str]) -> None:
    folder = _folder(tmp_path / "records", 40, seed=21)
    load = subprocess.Popen(command("records", "load", str(folder), "--verbose", "--jobs", "1",
                                    "--batch-size", "5"),
                            env=cli_env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True)
    assert load.stdout is not None
    for count, line in enumerate(load.stdout, start=1):
        if line.startswith("added ") and count >= 10:
            break
    os.kill(load.pid, signal.SIGKILL)
    load.wait(30)
    assert 10 <= _live(cli_env) < 40
    done = subprocess.run(command("records", "load", str(folder)), env=cli_env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert _live(cli_env) == 40


DEPOSITOR = """
import sys
from app.config import load_settings
from app.factory import create_app, services
from app.ingest import commit, prepare
from tests.web_support import variant

settings = load_settings()
store = services(create_app(settings)).store
for n in range(9400, 9400 + int(sys.argv[1])):
    prepared = prepare(variant(str(n)), settings=settings, origin="deposit")
    commit(store, prepared, actor="editor")
    print(n, flush=True)
"""


def test_a_deposit_killed_mid_write_leaves_a_sound_store(cli_env: dict[str, str]) -> None:
    """The deposit pipeline (prepare, then commit) in a process killed between writes."""
    env = {**cli_env, "PYTHONPATH": cli_env["PYTHONPATH"]}
    depositor = subprocess.Popen([sys.executable, "-c", DEPOSITOR, "40"], env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert depositor.stdout is not None
    done = [line for _, line in zip(range(6), depositor.stdout, strict=False)]
    os.kill(depositor.pid, signal.SIGKILL)
    depositor.wait(30)
    assert len(done) == 6, depositor.stderr.read() if depositor.stderr else ""
    assert _live(cli_env) >= 6


def _token_for(server: RunningServer, name: str) -> str:
    added = subprocess.run(command("users", "add", "--password-stdin", name), env=server.env,
                           input=PASSWORD + "\n", capture_output=True, text=True, timeout=120)
    assert added.returncode == 0, added.stderr
    made = server.run_cli("users", "token", name)
    assert made.returncode == 0, made.stderr
    return made.stdout.strip()


def _workers(master: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:
            children.append(int(stat.parent.name))
    return children


@pytest.fixture
def gunicorn(tmp_path: Path, store_url: str) -> Iterator[RunningServer]:
    server = start_server(tmp_path / "server", store_url, workers=2,
                          rate_limit_per_minute=100_000, oai_page_size=7)
    try:
        yield server
    finally:
        server.stop()


def test_a_worker_killed_mid_deposit_loses_no_acknowledged_deposit(
    gunicorn: RunningServer,
) -> None:
    token = _token_for(gunicorn, "editor")
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/jats+xml"}
    stored: set[str] = set()
    failures: list[str] = []

    def deposit_all() -> None:
        for n in range(9500, 9530):
            for _attempt in range(5):
                try:
                    answer = requests.post(f"{gunicorn.url}/api/articles", headers=auth,
                                           data=variant(str(n)), timeout=60)
                except requests.ConnectionError:
                    time.sleep(0.2)
                    continue
                if answer.status_code in (201, 409):  # 409: stored before the worker died
                    stored.add(f"history/{n}")
                    break
                failures.append(f"{n}: {answer.status_code} {answer.text[:200]}")
                time.sleep(0.2)

    thread = threading.Thread(target=deposit_all)
    thread.start()
    while len(stored) < 8 and thread.is_alive():
        time.sleep(0.05)
    victims = _workers(gunicorn.process.pid)
    assert victims, "no gunicorn worker found"
    os.kill(victims[0], signal.SIGKILL)
    thread.join(600)
    assert len(stored) == 30, failures
    for identifier in stored:
        answer = requests.get(f"{gunicorn.url}/api/articles/{identifier}", timeout=30)
        assert answer.status_code == 200 and answer.json()["deleted"] is False
    _check(gunicorn.env)


def _harvest(server: RunningServer, during: object = None) -> tuple[set[bytes], int]:
    """ListIdentifiers to the end; ``during`` runs after the second page. Answers 503
    (section 3.1.2.2) are retried after Retry-After, as a harvester does; returns the
    identifiers and how many 503 answers came."""
    url = f"{server.oai_url}?verb=ListIdentifiers&metadataPrefix=oai_dc"
    found: set[bytes] = set()
    pages = unavailable = 0
    while url:
        answer = requests.get(url, timeout=60)
        if answer.status_code == 503:
            unavailable += 1
            assert unavailable < 10
            time.sleep(min(int(answer.headers["Retry-After"]), 1))
            continue
        assert answer.status_code == 200, answer.text[:300]
        found.update(OAI_IDENTIFIER.findall(answer.content))
        pages += 1
        if pages == 2 and callable(during):
            during()
        token = OAI_TOKEN.search(answer.content)
        url = (f"{server.oai_url}?verb=ListIdentifiers&resumptionToken={token.group(1).decode()}"
               if token else "")
    return found, unavailable


def test_postgresql_dropping_every_connection_mid_harvest_loses_nothing(
    gunicorn: RunningServer, tmp_path: Path,
) -> None:
    """What a PostgreSQL restart does to its clients: every connection is cut. The harvest
    goes on with the same resumptionToken and the first request afterwards succeeds."""
    url = gunicorn.env["JATS_OAI_DATABASE_URL"]
    if not url.startswith("postgresql"):
        pytest.skip("PostgreSQL only")
    gunicorn.load(_folder(tmp_path / "records", 30, seed=22))

    def cut_every_connection() -> None:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )

    found, unavailable = _harvest(gunicorn, cut_every_connection)
    assert len(found) == 30 and unavailable == 0
    _check(gunicorn.env)
