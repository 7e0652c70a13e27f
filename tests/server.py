"""The real server in a subprocess, for tests that talk to it over TCP like any harvester.

``start_server`` runs ``jats-oai serve`` on 127.0.0.1 with a free port, its own instance
folder and the database it is given, and returns once the server answers Identify.
``RunningServer.load`` runs ``jats-oai records load`` against the same store.
Beside it: the real harvesters the tests use (Sickle, and pyoai's client as maintained in
the ``oaipmh`` package), each keeping every response so the tests can validate it, the
store's own view of the records to compare a harvest with, and generated JATS records.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests
from lxml import etree
from oaipmh.client import Client as PyoaiClient
from oaipmh.metadata import MetadataReader, MetadataRegistry, oai_dc_reader
from sickle import Sickle

from app.config import load_settings
from app.factory import open_store

READY_TIMEOUT = 90.0
TEST_DATABASE_URL = os.environ.get("JATS_OAI_TEST_DATABASE_URL", "")
#: The stores a server test runs against, as the ``store_url`` fixture of conftest.py has them.
STORE_KINDS = ["sqlite", "postgres"] if TEST_DATABASE_URL else ["sqlite"]
_ANNOUNCE = re.compile(r"OAI-PMH base URL: (\S+)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def command(*args: str) -> list[str]:
    """The installed ``jats-oai`` console script beside this Python, else the module."""
    script = shutil.which("jats-oai", path=str(Path(sys.executable).parent))
    if script:
        return [script, *args]
    return [sys.executable, "-c", "import sys; from app.cli import main; sys.exit(main())", *args]


@dataclass
class RunningServer:
    """A ``jats-oai serve`` process and what a test needs to reach and feed it."""

    url: str
    oai_url: str
    process: subprocess.Popen
    env: dict[str, str]
    instance_dir: Path
    log_path: Path
    access_log: Path | None = None
    loads: list[subprocess.CompletedProcess] = field(default_factory=list)

    def run_cli(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
        """Run a ``jats-oai`` subcommand with the server's settings (same store)."""
        return subprocess.run(
            command(*args), env=self.env, capture_output=True, text=True, timeout=timeout
        )

    def load(self, folder: Path) -> subprocess.CompletedProcess:
        """``jats-oai records load folder``; fails the test with the command's output."""
        done = self.run_cli("records", "load", str(folder))
        self.loads.append(done)
        assert done.returncode == 0, f"records load failed:\n{done.stdout}\n{done.stderr}"
        return done

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def access_lines(self) -> list[str]:
        """The gunicorn access log (one line per request, with the worker's pid)."""
        if self.access_log is None or not self.access_log.exists():
            return []
        return self.access_log.read_text().splitlines()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


def server_env(
    instance_dir: Path, database_url: str, public_url: str, **settings: object
) -> dict[str, str]:
    """The environment of a server and of its CLI companions: settings as JATS_OAI_* vars."""
    keep = {"JATS_OAI_SCHEMA_DIR", "JATS_OAI_TEST_DATABASE_URL"}
    env = {k: v for k, v in os.environ.items() if not k.startswith("JATS_OAI_") or k in keep}
    env.update(
        JATS_OAI_INSTANCE_DIR=str(instance_dir),
        JATS_OAI_DATABASE_URL=database_url,
        JATS_OAI_PUBLIC_URL=public_url,
        PYTHONUNBUFFERED="1",
    )
    # The subprocess runs the code of this checkout, whatever else is installed.
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(Path(__file__).resolve().parent.parent), env.get("PYTHONPATH")) if p
    )
    for name, value in settings.items():
        env["JATS_OAI_" + name.upper()] = str(value)
    return env


def start_server(
    instance_dir: Path,
    database_url: str,
    *,
    workers: int = 1,
    access_log: bool = False,
    serve_args: list[str] | None = None,
    **settings: object,
) -> RunningServer:
    """Start ``jats-oai serve`` and wait until it answers; settings become JATS_OAI_* vars."""
    instance_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = server_env(instance_dir, database_url, url, **settings)
    log_path = instance_dir / f"server-{port}.log"
    args = ["serve", "--host", "127.0.0.1", "--port", str(port)]
    args += ["--dev"] if workers == 1 else ["--workers", str(workers)]
    args += serve_args or []
    access_path = instance_dir / f"access-{port}.log" if access_log else None
    if access_path is not None:
        args += ["--access-log", str(access_path)]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command(*args), env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = RunningServer(
        url=url,
        oai_url=f"{url}/oai",
        process=process,
        env=env,
        instance_dir=instance_dir,
        log_path=log_path,
        access_log=access_path,
    )
    try:
        _wait_ready(server)
    except BaseException:
        server.stop()
        raise
    return server


def _wait_ready(server: RunningServer) -> None:
    """Wait for the announced base URL, then for an Identify answer from a worker."""
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"the server exited with {server.process.returncode}:\n{server.log()}"
            )
        match = _ANNOUNCE.search(server.log())
        if match:
            assert match.group(1) == server.oai_url, server.log()
            try:
                with urllib.request.urlopen(f"{server.oai_url}?verb=Identify", timeout=10) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
        time.sleep(0.1)
    raise RuntimeError(f"the server did not become ready in {READY_TIMEOUT:.0f} s:\n{server.log()}")


# --- real harvesting clients -------------------------------------------------------------------
OAI = "http://www.openarchives.org/OAI/2.0/"


class CapturingSickle(Sickle):
    """Sickle, keeping the bytes of every response it receives (for schema validation)."""

    def __init__(self, endpoint: str, **kwargs: object) -> None:
        super().__init__(endpoint, max_retries=0, timeout=60, **kwargs)
        self.responses: list[bytes] = []

    def _request(self, kwargs: dict) -> requests.Response:
        response = super()._request(kwargs)
        self.responses.append(response.content)
        return response


class CapturingPyoai(PyoaiClient):
    """pyoai's client (it POSTs its requests), keeping the bytes of every response."""

    def __init__(self, base_url: str, jats_namespace: str | None = None) -> None:
        registry = MetadataRegistry()
        registry.registerReader("oai_dc", oai_dc_reader)
        if jats_namespace:
            registry.registerReader(
                "jats",
                MetadataReader(
                    fields={"title": ("textList", "j:article/j:front//j:article-title//text()")},
                    namespaces={"j": jats_namespace},
                ),
            )
        super().__init__(base_url, registry)
        self.responses: list[bytes] = []

    def makeRequest(self, **kw: str) -> bytes:  # noqa: N802 - pyoai's name
        body = super().makeRequest(**kw)
        self.responses.append(body)
        return body


def metadata_namespace(server: RunningServer, prefix: str) -> str:
    """The namespace ListMetadataFormats declares for ``prefix`` (section 4.4)."""
    with urllib.request.urlopen(f"{server.oai_url}?verb=ListMetadataFormats", timeout=30) as r:
        root = etree.fromstring(r.read())
    for fmt in root.iter(f"{{{OAI}}}metadataFormat"):
        if fmt.findtext(f"{{{OAI}}}metadataPrefix") == prefix:
            return fmt.findtext(f"{{{OAI}}}metadataNamespace") or ""
    raise AssertionError(f"{prefix} is not in ListMetadataFormats")


def response_date(body: bytes) -> str:
    return etree.fromstring(body).findtext(f"{{{OAI}}}responseDate") or ""


# --- what the store holds, read through the store interface ------------------------------------
def store_records(server: RunningServer) -> dict[str, str]:
    """OAI identifier -> origin of every live record of the server's store."""
    settings = load_settings(
        instance_dir=server.instance_dir, database_url=server.env["JATS_OAI_DATABASE_URL"]
    )
    store = open_store(settings.effective_database_url, migrate=False)
    try:
        return {
            f"oai:{settings.repository_identifier}:{local}": origin or ""
            for local, origin in store.iter_identifiers()
        }
    finally:
        store.close()


def files_by_identifier(server: RunningServer, folder: Path) -> dict[str, Path]:
    """OAI identifier -> the file under ``folder`` each live record was loaded from."""
    files = {p.relative_to(folder).as_posix(): p for p in folder.rglob("*.xml")}
    found: dict[str, Path] = {}
    for oai_id, origin in store_records(server).items():
        matches = [path for rel, path in files.items() if origin.endswith(rel)]
        if len(matches) == 1:
            found[oai_id] = matches[0]
    return found


def write_generated(folder: Path, count: int, *, skip: int = 0, seed: int = 7) -> list[Path]:
    """Write built valid JATS records ``skip``..``skip+count`` (tests/builders.py) to disk.

    The builder yields the same records for the same seed, each run a prefix of a longer
    one, so records past ``skip`` are new to a store that holds the first ``skip``.
    """
    from tests.builders import jats_records

    paths = []
    for name, data in itertools.islice(jats_records(skip + count, seed), skip, None):
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        paths.append(path)
    return paths


@contextmanager
def fresh_store_url(kind: str, folder: Path) -> Iterator[str]:
    """An empty store of ``kind`` for a server shared by several tests (a module's worth).

    The same stores as conftest's ``store_url``: a SQLite file, or a PostgreSQL schema of
    its own on the test database, dropped afterwards.
    """
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'store.sqlite3'}"
        return
    import psycopg

    schema = f"test_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(TEST_DATABASE_URL, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in TEST_DATABASE_URL else "?"
    try:
        yield f"{TEST_DATABASE_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(TEST_DATABASE_URL, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")
