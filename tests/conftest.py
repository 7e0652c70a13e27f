"""Shared fixtures: settings pointing at a temporary instance, the schema and corpus folders."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from app.config import REPO_ROOT, Settings, load_settings
from app.factory import open_store
from app.ingest import Prepared, prepare
from app.store.base import Store
from tests.builders import jats_records
from tests.factories import Clock
from tests.oai_helpers import Repository, sample_records
from tests.pg_replica import Replica, start_replica
from tests.schema_mirror import lay_out_mirror, serve_folder
from tests.server import RunningServer, start_server
from tests.web_support import CHROMIUM, CHROMIUM_ARGS

if TYPE_CHECKING:  # imported in the fixture, after the check that Chromium is there
    from playwright.sync_api import Browser


@pytest.fixture(scope="session")
def schema_dir() -> Path:
    """The official schemas, from the same setting the service reads."""
    return load_settings().schema_dir


#: Development material beside the repository (schemas, corpus, seeds); never copied into it.
SHARED_DIR = REPO_ROOT.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    assert SHARED_DIR.is_dir(), f"the development material is missing: {SHARED_DIR}"
    return SHARED_DIR


@pytest.fixture(scope="session")
def corpus_dir(shared_dir: Path) -> Path:
    """Real publishers' JATS, kept in ../shared and never copied into the repository."""
    path = shared_dir / "corpus"
    assert path.is_dir(), f"the JATS corpus is missing: {path}"
    return path


@pytest.fixture(scope="session")
def schema_mirror_dir(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A mirror of the official schemas (`<host>/<path>`), laid out from ../shared/schemas."""
    return lay_out_mirror(shared_dir / "schemas", tmp_path_factory.mktemp("mirror"))


@pytest.fixture(scope="session")
def schema_mirror(schema_mirror_dir: Path) -> Iterator[str]:
    """The base URL of that mirror, served by a real HTTP server on 127.0.0.1."""
    with serve_folder(schema_mirror_dir) as url:
        yield url


@pytest.fixture(scope="session")
def records_dir() -> Path:
    return REPO_ROOT / "records"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with a private instance folder, so tests never touch the developer's store."""
    return load_settings(instance_dir=tmp_path / "instance")


#: Stores every store-backed test runs against: SQLite always, PostgreSQL when CI points at one.
TEST_DATABASE_URL = os.environ.get("JATS_OAI_TEST_DATABASE_URL", "")
STORE_KINDS = ["sqlite", "postgres"] if TEST_DATABASE_URL else ["sqlite"]


def _with_search_path(url: str, schema: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"


@pytest.fixture(params=STORE_KINDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty store of each kind; PostgreSQL gets a fresh schema per test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.sqlite3'}"
        return
    import psycopg

    schema = f"test_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(TEST_DATABASE_URL, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield _with_search_path(TEST_DATABASE_URL, schema)
    finally:
        with psycopg.connect(TEST_DATABASE_URL, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(scope="session")
def pg_replica() -> Iterator[Replica]:
    """A real streaming replica of the test cluster (``pg_basebackup -R``), for all tests."""
    if not TEST_DATABASE_URL:
        pytest.skip("no PostgreSQL for the tests (JATS_OAI_TEST_DATABASE_URL; `make test` sets it)")
    replica = start_replica(TEST_DATABASE_URL)
    try:
        yield replica
    finally:
        replica.stop()


@pytest.fixture
def pg_store_url() -> Iterator[str]:
    """A fresh schema of the PostgreSQL test database (skipped without one)."""
    if not TEST_DATABASE_URL:
        pytest.skip("no PostgreSQL for the tests (JATS_OAI_TEST_DATABASE_URL; `make test` sets it)")
    import psycopg

    schema = f"test_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(TEST_DATABASE_URL, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield _with_search_path(TEST_DATABASE_URL, schema)
    finally:
        with psycopg.connect(TEST_DATABASE_URL, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """An open, migrated, empty store (SQLite, and PostgreSQL when configured)."""
    opened = open_store(store_url)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def store_settings(tmp_path: Path, store_url: str) -> Settings:
    """Settings whose database is the test's ``store_url``."""
    return load_settings(instance_dir=tmp_path / "instance", database_url=store_url)


@pytest.fixture
def live_server(tmp_path: Path, store_url: str) -> Iterator[RunningServer]:
    """``jats-oai serve`` in a subprocess on 127.0.0.1 (a free port), on the test's store.

    ``live_server.url`` / ``.oai_url`` to reach it, ``.load(folder)`` to run ``jats-oai
    records load`` on the same store; stopped at teardown. See tests/server.py for more.
    """
    server = start_server(tmp_path / "server", store_url, rate_limit_per_minute=100_000)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def samples(
    records_dir: Path, corpus_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> list[Prepared]:
    """The seed and a varied handful of corpus articles, prepared once for the protocol tests."""
    settings = load_settings(instance_dir=tmp_path_factory.mktemp("samples") / "instance")
    return sample_records(records_dir, corpus_dir, settings)


@pytest.fixture
def repo(store_settings: Settings, samples: list[Prepared]) -> Iterator[Repository]:
    """The samples stored six hours apart from 2024-03-04T10:00:00Z, served in pages of 3
    (protocol test modules that need another page size or clock define their own)."""
    repository = Repository(replace(store_settings, oai_page_size=3), samples)
    repository.put_all(datetime(2024, 3, 4, 10, 0, 0, tzinfo=UTC), timedelta(hours=6))
    yield repository
    repository.close()


@pytest.fixture
def clock(store: Store) -> Clock:
    """The store's clock, moved by hand by the test."""
    c = Clock()
    store.clock = c  # type: ignore[attr-defined]
    return c


@pytest.fixture(scope="session")
def harvested(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, str, bytes]]:
    """Three generated articles as another service's ``jats`` format gives them: (OAI
    identifier there, the identifier they get here, the article in its JATS namespace)."""
    settings = load_settings(instance_dir=tmp_path_factory.mktemp("elsewhere") / "instance")
    found = []
    for _, data in jats_records(3, seed=20):
        prepared = prepare(data, settings=settings, origin=None)
        assert isinstance(prepared, Prepared)
        local = prepared.draft.identifier
        found.append((f"oai:elsewhere.example.org:{local}", local,
                      prepared.draft.formats["jats"]))
    return found


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless Chromium (Debian's, or the one ``make test`` provisioned), for the whole run."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is missing ({CHROMIUM}): apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                      args=CHROMIUM_ARGS)
        yield launched
        launched.close()
