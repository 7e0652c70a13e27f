"""The embedded store: one SQLite file in WAL mode, one connection per thread.

WAL lets readers (every gunicorn worker) go on while one writer commits; ``busy_timeout``
makes a second writer wait for the lock instead of failing. Connections are never shared
between threads or across a fork: each thread of each process opens its own, closed when
the thread ends (a server that starts a thread per request leaks no file handles).

A new store gets 64 KiB database pages instead of SQLite's 4 KiB. Its rows are large
(a JATS source is tens of kilobytes, a harvest fragment a few): with 4 KiB pages nearly every
fragment spills into an overflow page, so a ListRecords page of 100 records costs some two
hundred page reads; with 64 KiB pages neighbouring fragments share a page and the same
range is a dozen reads, about half the time. :meth:`SqliteStore.compact` rewrites an
existing store that way (and regroups each table, which a long history of small writes
scatters through the file).
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from app.store import migrate
from app.store.base import Framer, StoreBusy, Window
from app.store.sql import Db, SqlStore

BUSY_TIMEOUT_SECONDS = 60.0
#: The page size of new stores (and of compacted ones); see the module's docstring.
PAGE_SIZE = 65536
#: How long ``compact`` waits for other connections to go away before it gives up.
COMPACT_WAIT_SECONDS = 5.0


class _Holder:
    """Owns one thread's connection and closes it when the thread ends (or on close())."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn: sqlite3.Connection | None = conn

    def __del__(self) -> None:
        if self.conn is not None:
            self.conn.close()


class SqliteStore(SqlStore):
    dialect = "sqlite"

    def __init__(
        self, path: str | Path, *, run_migrations: bool = True, framer: Framer | None = None
    ) -> None:
        self.path = Path(path)
        self.framer = framer
        if str(path) == ":memory:":
            raise ValueError("an in-memory SQLite store cannot be shared; give a file path")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._all: weakref.WeakSet[_Holder] = weakref.WeakSet()
        self._pid = os.getpid()
        if run_migrations:
            self.migrate()
            if framer is not None:
                self.ensure_framed()

    def _conn(self) -> sqlite3.Connection:
        if self._pid != os.getpid():
            # Forked: the parent's connections are not ours to use, nor to close.
            for inherited in list(self._all):
                inherited.conn = None
            self._local = threading.local()
            self._all = weakref.WeakSet()
            self._pid = os.getpid()
        holder = getattr(self._local, "holder", None)
        if holder is None:
            conn = sqlite3.connect(
                self.path,
                timeout=BUSY_TIMEOUT_SECONDS,
                isolation_level=None,
                check_same_thread=False,
            )
            conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
            # Takes effect only while the file is still empty: a new store.
            conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            holder = _Holder(conn)
            self._local.holder = holder
            with self._lock:
                self._all.add(holder)
        assert holder.conn is not None
        return holder.conn

    @contextmanager
    def _connection(self) -> Iterator[Db]:
        yield self._conn()

    @contextmanager
    def _writer(self) -> Iterator[Db]:
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def explain_page(
        self, window: Window, after: tuple[datetime, str] | None, limit: int = 100
    ) -> str:
        queries = [self._page_query(window, after, limit, True)]
        if window.prefix is not None:
            queries += self._framed_queries(window, after, limit)
        return "\n".join(
            str(r[-1])
            for query, params in queries
            for r in self._conn().execute("EXPLAIN QUERY PLAN " + query, params).fetchall()
        )

    def migrate(self, directory: Path | None = None) -> list[int]:
        """Apply pending migrations (from ``directory``, default the package's own)."""
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute(migrate.SCHEMA_VERSION_DDL)
            applied = dict(conn.execute("SELECT version, checksum FROM schema_version").fetchall())
            todo = migrate.pending(applied, migrate.migrations(self.dialect, directory))
            for m in todo:
                for statement in migrate.split_statements(m.sql):
                    conn.execute(statement)
                conn.execute(
                    "INSERT INTO schema_version (version, name, checksum, applied_at)"
                    " VALUES (?, ?, ?, ?)",
                    (m.version, m.name, m.checksum, _now()),
                )
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return [m.version for m in todo]

    def settle(self) -> None:
        """Copy what a bulk load left in the WAL into the database file, without waiting for
        readers (a passive checkpoint): later readers find their pages in the file, not by
        searching a long WAL. The load itself kept each harvest range in order."""
        self._conn().execute("PRAGMA wal_checkpoint(PASSIVE)")

    def compact(self) -> dict[str, int]:
        """Rewrite the file: each table and index in key order, in :data:`PAGE_SIZE` pages.

        SQLite changes the page size of a database only by rebuilding it (VACUUM) outside
        WAL mode, and leaving WAL mode needs every other connection closed: with a server
        running this raises :class:`StoreBusy` rather than wait. VACUUM is a transaction,
        so an interruption leaves the old file as it was. Returns the sizes before and after.
        """
        self.close()
        before = self._file_size()
        conn = sqlite3.connect(self.path, timeout=COMPACT_WAIT_SECONDS, isolation_level=None)
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(COMPACT_WAIT_SECONDS * 1000)}")
            old_page = conn.execute("PRAGMA page_size").fetchone()[0]
            try:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                mode = conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
            except sqlite3.OperationalError as exc:
                raise StoreBusy(f"the store is in use ({exc})") from None
            if mode.lower() != "delete":
                raise StoreBusy("the store is in use by another process")
            try:
                conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")
                conn.execute("VACUUM")
            finally:
                conn.execute("PRAGMA journal_mode = WAL")
            new_page = conn.execute("PRAGMA page_size").fetchone()[0]
        finally:
            conn.close()
        return {
            "bytes_before": before,
            "bytes_after": self._file_size(),
            "page_size_before": old_page,
            "page_size_after": new_page,
        }

    def _file_size(self) -> int:
        return sum(
            p.stat().st_size
            for p in (self.path, self.path.with_name(self.path.name + "-wal"))
            if p.exists()
        )

    def close(self) -> None:
        with self._lock:
            for holder in list(self._all):
                if holder.conn is not None:
                    holder.conn.close()
                    holder.conn = None
            self._all = weakref.WeakSet()
        self._local = threading.local()


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
