"""A real PostgreSQL streaming replica of the test cluster, for the read-replica tests.

Made the way an operator makes one: ``pg_basebackup -R`` (a copy of the primary's data
folder that starts as a hot standby following it), from the same server binaries as the
primary (the server tells where they are: ``pg_config``'s BINDIR), started on a free port
of 127.0.0.1 and removed at the end. As root, the server programs run as ``postgres``
(they refuse root), as scripts/with-test-services runs the primary.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

from tests.server import free_port

#: Seconds a replica gets to start, or to replay what the primary wrote.
WAIT_SECONDS = 60.0


def _as_server_user() -> list[str]:
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def _run(*args: str) -> None:
    done = subprocess.run([*_as_server_user(), *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")


def with_host(url: str, host: str, port: int) -> str:
    """``url`` (query and all) pointed at another server."""
    parts = urlsplit(url)
    user = parts.netloc.rpartition("@")[0]
    return parts._replace(netloc=f"{user}@{host}:{port}" if user else f"{host}:{port}").geturl()


@dataclass
class Replica:
    """A running hot standby of the primary at ``primary_url``."""

    primary_url: str
    port: int
    folder: Path
    bindir: Path

    def url(self, primary_url: str | None = None) -> str:
        """The replica's URL for a URL of the primary (same database, user and options)."""
        return with_host(primary_url or self.primary_url, "127.0.0.1", self.port)

    def query(self, sql: str) -> object:
        with psycopg.connect(self.url(), autocommit=True) as conn:
            return conn.execute(sql).fetchone()[0]

    def wait_replayed(self) -> None:
        """Until the replica has replayed everything the primary has written so far."""
        with psycopg.connect(self.primary_url, autocommit=True) as conn:
            target = conn.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
        deadline = time.monotonic() + WAIT_SECONDS
        with psycopg.connect(self.url(), autocommit=True) as conn:
            while time.monotonic() < deadline:
                behind = conn.execute(
                    "SELECT pg_wal_lsn_diff(%s, pg_last_wal_replay_lsn())", (target,)
                ).fetchone()[0]
                if behind <= 0:
                    return
                time.sleep(0.05)
        raise TimeoutError(f"the replica did not replay up to {target} in {WAIT_SECONDS} s")

    def pause_replay(self) -> None:
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute("SELECT pg_wal_replay_pause()")
            deadline = time.monotonic() + WAIT_SECONDS
            while conn.execute("SELECT pg_get_wal_replay_pause_state()").fetchone()[0] != "paused":
                if time.monotonic() > deadline:
                    raise TimeoutError("replay did not pause")
                time.sleep(0.05)

    def resume_replay(self) -> None:
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute("SELECT pg_wal_replay_resume()")

    def stop(self) -> None:
        subprocess.run(
            [*_as_server_user(), str(self.bindir / "pg_ctl"), "-D", str(self.folder / "data"),
             "-m", "fast", "stop"],
            capture_output=True,
        )
        shutil.rmtree(self.folder, ignore_errors=True)


def start_replica(primary_url: str) -> Replica:
    """``pg_basebackup -R`` of the primary, started as a hot standby on a free port."""
    parts = urlsplit(primary_url)
    with psycopg.connect(primary_url, autocommit=True) as conn:
        bindir = Path(
            conn.execute("SELECT setting FROM pg_config WHERE name = 'BINDIR'").fetchone()[0]
        )
    folder = Path(tempfile.mkdtemp(prefix="jats-oai-replica."))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    data = folder / "data"
    port = free_port()
    replica = Replica(primary_url, port, folder, bindir)
    try:
        _run(
            str(bindir / "pg_basebackup"), "-h", parts.hostname or "127.0.0.1",
            "-p", str(parts.port or 5432), "-U", parts.username or "postgres",
            "-D", str(data), "-R", "-X", "stream", "-c", "fast",
        )  # fmt: skip
        _run(
            str(bindir / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"), "-w",
            "-o", f"-h 127.0.0.1 -p {port} -k {folder}", "start",
        )  # fmt: skip
        replica.wait_replayed()
    except BaseException:
        replica.stop()
        raise
    return replica
