"""A load killed with SIGKILL at an arbitrary moment leaves a consistent store, and the next
load finishes the job (store issue: "atomic per record and safe to interrupt")."""

from __future__ import annotations

import hashlib
import io
import multiprocessing
import os
import select
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.cli.records import load_folder
from app.config import load_settings
from app.factory import open_store
from app.store.base import Store, Window
from app.store.integrity import check
from app.store.sql import SqlStore
from tests.builders import jats_records

N = 30

pytestmark = pytest.mark.slow


def jats_oai() -> list[str]:
    script = Path(sys.executable).with_name("jats-oai")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from app.cli import main; sys.exit(main())"]


def start_load(folder: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*jats_oai(), "records", "load", str(folder), "--verbose", "--jobs", "1",
         "--batch-size", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )


def kill_after(proc: subprocess.Popen[str], changes: int) -> int:
    """SIGKILL the load once it has reported ``changes`` stored records; returns how many."""
    seen = 0
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith(("added ", "changed ")):
            seen += 1
            if seen >= changes:
                break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(30)
    assert proc.returncode == -signal.SIGKILL
    return seen


def assert_consistent(store: Store) -> set[str]:
    """Every live record is whole: source, hash, oai_dc payload, sets that exist."""
    known_sets = {s.spec for s in store.sets()}
    live = set()
    for identifier, origin in store.iter_identifiers():
        source = store.source(identifier)
        assert source is not None and origin is not None
        assert hashlib.sha256(source).hexdigest() == store.content_hash(identifier)
        assert Path(origin).read_bytes() == source
        assert "oai_dc" in store.formats_of(identifier)
        header = store.header(identifier)
        assert header is not None and header.sets and set(header.sets) <= known_sets
        live.add(identifier)
    w = Window("oai_dc", None, None, None, store.current_seq())
    listed = store.list_page(w, None, 10 * N, True)
    assert {h.identifier for h, _ in listed} == live
    assert all(p is not None for _, p in listed)
    return live


def test_sigkill_mid_load_then_the_next_load_finishes(tmp_path: Path, store_url: str) -> None:
    folder = tmp_path / "records"
    for rel, data in jats_records(N, seed=5):
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    env = {
        **os.environ,
        "JATS_OAI_INSTANCE_DIR": str(tmp_path / "instance"),
        "JATS_OAI_DATABASE_URL": store_url,
    }

    assert kill_after(start_load(folder, env), 8) == 8
    store = open_store(store_url)
    try:
        first = assert_consistent(store)
        assert 8 <= len(first) < N
        stamps = {i: store.header(i).datestamp for i in first}  # type: ignore[union-attr]

        kill_after(start_load(folder, env), 5)
        second = assert_consistent(store)
        assert first < second

        done = subprocess.run(
            [*jats_oai(), "records", "load", str(folder)], env=env, capture_output=True,
            text=True, timeout=300,
        )
        assert done.returncode == 0, done.stderr
        assert len(assert_consistent(store)) == N
        assert {i: store.header(i).datestamp for i in first} == stamps  # type: ignore[union-attr]
        again = subprocess.run(
            [*jats_oai(), "records", "load", str(folder)], env=env, capture_output=True,
            text=True, timeout=300,
        )
        assert again.returncode == 0 and f"{N} unchanged" in again.stdout, again.stdout
    finally:
        store.close()
    if store_url.startswith("sqlite:///"):
        with sqlite3.connect(store_url[len("sqlite:///"):]) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


BATCH = 10


def _load_then_stall(folder: Path, store_url: str, instance: Path, ready: int, after: int) -> None:
    """A child process: a real load whose store announces its ``after``-th record written
    (inside a batch's transaction, not yet committed) and then waits to be killed."""
    from app.store import sql

    write = sql.SqlStore._write
    written = 0

    def announcing(self: sql.SqlStore, *args: object, **kwargs: object) -> object:
        nonlocal written
        result = write(self, *args, **kwargs)  # type: ignore[arg-type]
        written += 1
        if written == after:
            os.write(ready, b"x")
            time.sleep(300)
        return result

    sql.SqlStore._write = announcing  # type: ignore[method-assign]
    settings = load_settings(instance_dir=instance, database_url=store_url)
    store = open_store(store_url)
    load_folder(folder, settings=settings, store=store, jobs=1, batch_size=BATCH,
                out=io.StringIO(), err=io.StringIO())


def test_sigkill_inside_a_batch_loses_the_batch_whole_and_the_next_load_completes(
    tmp_path: Path, store_url: str
) -> None:
    """Issue 19: "a kill -9 mid-load still leaves a consistent store that the next load
    completes", with records stored in batches of one transaction each."""
    folder = tmp_path / "records"
    for rel, data in jats_records(3 * BATCH, seed=7):
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    instance = tmp_path / "instance"
    ready, announce = os.pipe()
    child = multiprocessing.get_context("fork").Process(
        target=_load_then_stall, args=(folder, store_url, instance, announce, BATCH + 5)
    )
    child.start()
    try:
        assert select.select([ready], [], [], 120)[0], "the load never reached its second batch"
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.join(30)
    assert child.exitcode == -signal.SIGKILL

    store = open_store(store_url)
    try:
        assert isinstance(store, SqlStore)
        assert check(store, ("oai_dc",)) == []
        first = assert_consistent(store)
        assert len(first) == BATCH, "the first batch whole, nothing of the second"
        assert store.current_seq() == BATCH, "no change number taken by the lost batch"
        stamps = {i: store.header(i).datestamp for i in first}  # type: ignore[union-attr]

        settings = load_settings(instance_dir=instance, database_url=store_url)
        report = load_folder(folder, settings=settings, store=store, jobs=1, batch_size=BATCH,
                             out=io.StringIO(), err=io.StringIO())
        assert (report.added, report.unchanged, report.rejected) == (2 * BATCH, BATCH, [])
        assert check(store, ("oai_dc",)) == []
        assert len(assert_consistent(store)) == 3 * BATCH
        assert {i: store.header(i).datestamp for i in first} == stamps  # type: ignore[union-attr]
    finally:
        store.close()
