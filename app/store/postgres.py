"""The store on PostgreSQL: psycopg 3 with a connection pool, for several app servers.

The pool is opened lazily and again after a fork, so a gunicorn master that built the app
never hands its sockets to the workers. SQL is shared with SQLite and written with ``?``;
this module turns it into psycopg's ``%s``.
"""

from __future__ import annotations

import datetime as dt
import os
import select
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from app.store import migrate
from app.store.base import FramedRow, Framer, Header, StoreBehind, StoreUnavailable, Window
from app.store.sql import SqlStore, to_epoch

#: Any fixed number: the advisory lock that makes concurrent start-ups migrate one at a time.
MIGRATION_LOCK = 0x4A41_5453


#: Every wait is bounded, so an outage becomes a quick "try again later" (StoreUnavailable),
#: never a hung request: connecting, waiting for a pooled connection, and one statement.
CONNECT_TIMEOUT_SECONDS = 5
POOL_WAIT_SECONDS = 5.0
STATEMENT_TIMEOUT_MS = 60_000

#: Pools inherited through a fork, kept alive so that they are never closed in the child.
_INHERITED: list[ConnectionPool] = []


def _pg(sql: str) -> str:
    return sql.replace("%", "%%").replace("?", "%s")


def _configure(conn: psycopg.Connection) -> None:
    """Session settings for short indexed reads: no JIT, no parallel workers.

    The planner misjudges the rows a set's first page joins (no keyset bound yet), prices
    it high, and then compiles it (JIT) and starts parallel workers: 25 ms instead of 1.4
    on a 1,000,000-record store, for a LIMIT 101 that one index range answers.
    """
    conn.execute("SET jit = off")
    conn.execute("SET max_parallel_workers_per_gather = 0")
    conn.execute(f"SET statement_timeout = {STATEMENT_TIMEOUT_MS}")


@contextmanager
def _reachable() -> Iterator[None]:
    """A lost server, a pool that cannot hand out a connection in time, or a statement
    past its time-out: one exception the web answers with 503 and ``Retry-After``."""
    try:
        yield
    except (psycopg.OperationalError, PoolTimeout) as exc:
        raise StoreUnavailable(f"the PostgreSQL store cannot be reached: {exc}") from exc


class _Db:
    """Adapts a psycopg connection to the ``?`` placeholders the shared SQL uses.

    Given the pool, a read (a ``SELECT``) that finds its connection cut (the server restarted
    or ended it since the pool's check) runs once more on another connection: reads are
    idempotent, and the pool no longer asks the server about each connection it hands out.
    """

    def __init__(self, conn: psycopg.Connection, pool: ConnectionPool | None = None) -> None:
        self.conn = conn
        self.state: tuple[int, int] | None = None
        self._pool = pool

    def execute(self, sql: str, params: tuple | list = ()) -> Any:
        # Binary results: payloads arrive as raw bytes, not hex text to decode.
        try:
            return self.conn.execute(_pg(sql), params, binary=True)
        except psycopg.OperationalError:
            pool, self._pool = self._pool, None
            if pool is None or not self.conn.broken or not sql.lstrip().startswith("SELECT"):
                raise
            pool.putconn(self.conn)  # broken: the pool drops it
            self.conn = pool.getconn()
            return self.conn.execute(_pg(sql), params, binary=True)

    def executemany(self, sql: str, rows: list[tuple]) -> None:
        with self.conn.cursor() as cur:
            cur.executemany(_pg(sql), rows)


def _check_quietly(conn: psycopg.Connection) -> None:
    """The pool's check of a connection before handing it out, without a round trip.

    An idle connection receives nothing unless the server ends it (a restart,
    ``pg_terminate_backend``): then its socket turns readable (the server's last message, or
    the end of the stream), and only then is the server asked (ConnectionPool's own check,
    which raises for a dead one, so the pool replaces it). Asking on every checkout cost a
    round trip per request: on the shared benchmark machine 0.1-0.9 ms of a 2-4 ms page.
    """
    if conn.closed:
        raise psycopg.OperationalError("the connection is closed")
    readable, _, _ = select.select([conn.pgconn.socket], [], [], 0)
    if readable:
        ConnectionPool.check_connection(conn)


#: A harvest page read from PostgreSQL brings this many pages' rows (one query instead of
#: four); the following pages are kept for the harvest's next requests (docs/store.md).
READ_AHEAD_PAGES = 8
#: Pages kept ahead per process, the oldest dropped first: memory stays bounded.
READ_AHEAD_KEPT = 32
#: The channel on which migration 0010's trigger announces every change to framed_records.
CHANGES_CHANNEL = "jats_oai_framed"
#: Seconds before listening is tried again after the database refused a connection for it.
LISTEN_RETRY_SECONDS = 30.0


class _ReadAhead:
    """Harvest pages read ahead in one process, dropped at any change to the fragments.

    A sequential harvester (every real one) asks for the page after the one it was given,
    over a kept-alive connection, so to the same worker: serving that page from the rows
    already read saves the round trip to the database, which on a busy machine costs more
    than the query. The pages are exactly what the database would answer: a connection of
    this process LISTENs to the changes of ``framed_records`` (migration 0010's trigger), and
    any notification, or the loss of that connection, drops every page before one is served.
    Checking costs no round trip: the notification arrives on the socket by itself.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.lock = threading.Lock()
        self.pages: OrderedDict[tuple, list[FramedRow]] = OrderedDict()
        self.listener: psycopg.Connection | None = None
        self.pid = 0
        self.retry_at = 0.0

    def _listen(self) -> None:
        """Open the listening connection (under the lock); none, for a while, when the
        database has no change trigger (migration 0010) or cannot take one more connection."""
        self.pages.clear()
        self.pid = os.getpid()
        self.listener = None  # an inherited one belongs to the parent: never closed here
        if time.monotonic() < self.retry_at:
            return
        try:
            conn = psycopg.connect(
                self.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_SECONDS
            )
            announced = conn.execute(
                "SELECT 1 FROM pg_trigger WHERE tgname = 'framed_records_changed'"
                " AND tgrelid = 'framed_records'::regclass"
            ).fetchone()
            if announced is None:
                conn.close()
                self.retry_at = float("inf")
                return
            conn.execute(f"LISTEN {CHANGES_CHANNEL}")
            self.listener = conn
        except psycopg.Error:
            self.retry_at = time.monotonic() + LISTEN_RETRY_SECONDS

    def _unchanged(self) -> bool:
        """Whether no change can have been committed since the kept pages were read (called
        under the lock); drops them, and listens anew, when that is not certain."""
        listener = self.listener
        if listener is None or self.pid != os.getpid() or listener.closed:
            self._listen()
            return False
        readable, _, _ = select.select([listener.pgconn.socket], [], [], 0)
        if not readable:
            return True
        self.pages.clear()
        try:
            listener.pgconn.consume_input()
            while listener.pgconn.notifies() is not None:
                pass
        except psycopg.Error:
            listener.close()
        return False

    def close(self) -> None:
        with self.lock:
            self.pages.clear()
            if self.listener is not None and self.pid == os.getpid():
                self.listener.close()
            self.listener = None

    def take(self, key: tuple | None) -> list[FramedRow] | None:
        """The page kept for ``key`` (None: the first page, never kept), and whether pages
        may be kept now is settled on the way."""
        with self.lock:
            if not self._unchanged() or key is None:
                return None
            return self.pages.pop(key, None)

    def keep(self, window: tuple, rows: list[FramedRow], limit: int, asked: int) -> None:
        """Keep the pages after the first of ``rows`` (read for ``asked`` rows), each under
        the request that will ask for it: the same window (and whether the page is packed),
        after the previous page's last record. A page is kept only when ``rows`` holds all
        of it."""
        step = limit - 1  # the provider asks for a page and one more record
        with self.lock:
            if self.listener is None:
                return
            for start in range(step, len(rows), step):
                page = rows[start : start + limit]
                if start + limit > len(rows) and len(rows) == asked:
                    break
                last = rows[start - 1]
                self.pages[(window, last[0], last[1], limit)] = page
                self.pages.move_to_end((window, last[0], last[1], limit))
            while len(self.pages) > READ_AHEAD_KEPT:
                self.pages.popitem(last=False)


class PostgresStore(SqlStore):
    dialect = "postgres"

    def __init__(
        self,
        url: str,
        *,
        max_size: int = 10,
        run_migrations: bool = True,
        framer: Framer | None = None,
        read_only: bool = False,
    ) -> None:
        self.url = url
        self.framer = framer
        self.max_size = max_size
        self.read_only = read_only
        #: The highest change a read replica is known to have replayed (it never goes back).
        self._replayed = -1
        self._read_ahead: _ReadAhead | None = None
        self._pool: ConnectionPool | None = None
        self._pid = os.getpid()
        self._lock = threading.Lock()
        if run_migrations and not read_only:
            self.migrate()
            if framer is not None:
                self.ensure_framed()

    def _get_pool(self) -> ConnectionPool:
        if self._pool is None or self._pid != os.getpid():
            with self._lock:
                if self._pool is None or self._pid != os.getpid():
                    if self._pool is not None:
                        # Forked: the parent's sockets must be neither used nor closed
                        # here (closing says goodbye to the server on the parent's behalf).
                        _INHERITED.append(self._pool)
                    self._pid = os.getpid()
                    self._pool = ConnectionPool(
                        self.url,
                        min_size=1,
                        max_size=self.max_size,
                        kwargs={"autocommit": True, "connect_timeout": CONNECT_TIMEOUT_SECONDS},
                        configure=_configure,
                        # A connection the server dropped (a restart) is found and replaced
                        # before it is handed out, so the first request afterwards succeeds.
                        check=_check_quietly,
                        timeout=POOL_WAIT_SECONDS,
                        open=True,
                        name="jats-oai",
                    )
        return self._pool

    @contextmanager
    def _connection(self) -> Iterator[_Db]:
        pool = self._get_pool()
        with _reachable():
            db = _Db(pool.getconn(), pool)
            try:
                yield db
            finally:
                pool.putconn(db.conn)

    @contextmanager
    def _checked(self) -> Iterator[psycopg.Connection]:
        """A pooled connection the server has just answered on: a write is never begun on
        one the server ended a moment ago (the quiet check may not see that yet)."""
        pool = self._get_pool()
        conn = pool.getconn()
        try:
            try:
                ConnectionPool.check_connection(conn)
            except psycopg.OperationalError:
                pool.putconn(conn)
                conn = pool.getconn()
            yield conn
        finally:
            pool.putconn(conn)

    @contextmanager
    def _writer(self) -> Iterator[_Db]:
        if self.read_only:
            raise PermissionError(f"{_safe(self.url)} is opened as a read replica: writes go "
                                  "to the primary (database_url)")
        with _reachable(), self._checked() as conn, conn.transaction():
            db = _Db(conn)
            seq, last = db.execute(
                "SELECT seq, last_datestamp FROM store_state WHERE id = 1 FOR UPDATE"
            ).fetchone()
            db.state = (int(seq), int(last))
            yield db

    @contextmanager
    def _batch_writer(self) -> Iterator[_Db]:
        """Pipeline mode: a batch's writes go without a round trip each (a read in between,
        such as a record met twice, still waits for its answer)."""
        with self._writer() as db, db.conn.pipeline():
            yield db

    def _framed_set_range(
        self, window: Window, after: tuple[datetime, str] | None, limit: int, packed: bool
    ) -> tuple[str, list[Any]]:
        """The same page as SQLite's, with the lookup written as a LATERAL subquery.

        PostgreSQL estimates the join on (datestamp, identifier) as if the two columns were
        independent, expects a handful of rows, and for a set's first page (no keyset bound
        yet) hashes the whole framed_records table: 840 ms on a 1,000,000-record store. A
        LATERAL lookup that is not flattened into the join (``OFFSET 0`` keeps it a
        subquery) can only be a nested loop under the set's index range: 1-2 ms, the same
        for the first page and the deepest.
        """
        where, params = self._framed_where(window, after, "k")
        return (
            "SELECT k.datestamp, k.identifier, f.deleted, f.fragment,"
            f" {'f.packed' if packed else 'NULL'} FROM record_sets k"
            " CROSS JOIN LATERAL (SELECT g.deleted, g.fragment, g.packed FROM framed_records g"
            " WHERE g.prefix IN (?, '') AND g.datestamp = k.datestamp"
            " AND g.identifier = k.identifier AND g.seq <= ? OFFSET 0) f"
            f" WHERE k.spec = ?{where} ORDER BY k.datestamp, k.identifier LIMIT ?",
            [window.prefix, window.max_seq, window.set_spec, *params, limit],
        )

    # --- a read replica ------------------------------------------------------------------
    def current_seq(self) -> int:
        """On a replica, the last change it has replayed: read without the writers' lock
        (a hot standby takes no row locks), and exact all the same, since ``store_state``
        is written in the transaction of each change and replay applies commits in order."""
        if not self.read_only:
            return super().current_seq()
        seq = int(self._value("SELECT seq FROM store_state WHERE id = 1", ()))
        self._replayed = max(self._replayed, seq)
        return seq

    def _caught_up(self, window: Window) -> None:
        """Refuse a page a lagging replica would answer short: a harvest fixed at change
        ``max_seq`` (on the primary, or on a replica further ahead) lists every record up to
        it, so this replica must have replayed that far. Asked of the database only when the
        window is beyond what this process has already seen replayed: free on a harvest."""
        if not self.read_only or window.max_seq <= self._replayed:
            return
        if window.max_seq > self.current_seq():
            raise StoreBehind(
                f"the read replica has replayed changes up to {self._replayed}; this harvest "
                f"was fixed at change {window.max_seq}"
            )

    def list_framed(
        self,
        window: Window,
        after: tuple[datetime, str] | None,
        limit: int,
        packed: bool = False,
    ) -> list[FramedRow]:
        """A page of framed records, read ahead (see :class:`_ReadAhead`) on the primary;
        a replica, where nothing can LISTEN, reads each page."""
        self._caught_up(window)
        if self.read_only or limit < 2:
            return super().list_framed(window, after, limit, packed)
        if self._read_ahead is None:
            with self._lock:
                if self._read_ahead is None:
                    self._read_ahead = _ReadAhead(self.url)
        ahead = self._read_ahead
        kind = (window, packed)
        kept = ahead.take(None if after is None else (kind, to_epoch(after[0]), after[1], limit))
        if kept is not None:
            return kept
        asked = (limit - 1) * READ_AHEAD_PAGES + 1
        rows = super().list_framed(window, after, asked, packed)
        ahead.keep(kind, rows, limit, asked)
        return rows[:limit]

    def list_page(
        self, window: Window, after: tuple[datetime, str] | None, limit: int, with_payload: bool
    ) -> list[tuple[Header, bytes | None]]:
        self._caught_up(window)
        return super().list_page(window, after, limit, with_payload)

    def count(self, window: Window) -> int:
        self._caught_up(window)
        return super().count(window)

    def _locked_state(self, db: _Db) -> tuple[int, int]:  # type: ignore[override]
        assert db.state is not None, "only inside _writer()"
        return db.state

    def _note_state(self, db: _Db, state: tuple[int, int]) -> None:  # type: ignore[override]
        db.state = state

    def explain_page(
        self,
        window: Window,
        after: tuple[datetime, str] | None,
        limit: int = 100,
        small_table_plan: bool = True,
    ) -> str:
        """The plan; ``small_table_plan=False`` shows the plan PostgreSQL uses on big tables
        (on a tiny one it may read the whole table, which is then cheaper)."""
        queries = [self._page_query(window, after, limit, True)]
        if window.prefix is not None:
            queries += self._framed_queries(window, after, limit)
        lines: list[str] = []
        with self._get_pool().connection() as conn, conn.transaction():
            db = _Db(conn)
            if small_table_plan is False:
                for knob in ("seqscan", "bitmapscan", "sort", "hashjoin"):
                    db.execute(f"SET LOCAL enable_{knob} = off")
            for query, params in queries:
                lines += [r[0] for r in db.execute("EXPLAIN " + query, params).fetchall()]
        return "\n".join(lines)

    def migrate(self, directory: Path | None = None) -> list[int]:
        """Apply pending migrations (from ``directory``, default the package's own)."""
        with psycopg.connect(
            self.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_SECONDS
        ) as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
            conn.execute(migrate.SCHEMA_VERSION_DDL)
            applied = dict(conn.execute("SELECT version, checksum FROM schema_version").fetchall())
            todo = migrate.pending(applied, migrate.migrations(self.dialect, directory))
            for m in todo:
                conn.execute(m.sql)
                conn.execute(
                    "INSERT INTO schema_version (version, name, checksum, applied_at)"
                    " VALUES (%s, %s, %s, %s)",
                    (m.version, m.name, m.checksum, _now()),
                )
        return [m.version for m in todo]

    #: The tables a load writes, which :meth:`settle` vacuums and analyses.
    SETTLED = ("records", "record_formats", "record_sets", "framed_records", "changes")

    def settle(self) -> None:
        """``VACUUM (ANALYZE)`` of the tables a load wrote, with the server running (it
        takes no lock that stops reads or writes): fresh statistics for the planner, and every
        new row's visibility settled once, so the first harvests do not each pay for it (hint
        bits, index-only counts). The load wrote each batch's fragments in key order."""
        with _reachable(), psycopg.connect(
            self.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_SECONDS
        ) as conn:
            conn.execute(f"VACUUM (ANALYZE) {', '.join(self.SETTLED)}")

    def compact(self) -> dict[str, int]:
        """Rewrite the harvest table in key order (CLUSTER), its fragments uncompressed, and
        refresh the statistics.

        A harvest reads ``framed_records`` range by range; rows written over months lie
        wherever there was room, and CLUSTER puts each range back on neighbouring pages.
        It locks the table while it runs (harvests wait), so it is a maintenance step.
        """
        with psycopg.connect(self.url, autocommit=True) as conn:
            before = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
            # Fragments stored compressed before migration 0010 are written again as they
            # are (a new value, so the column's storage now applies); CLUSTER then drops the
            # old row versions with everything else.
            conn.execute(
                "UPDATE framed_records SET fragment = fragment || ''::bytea"
                " WHERE pg_column_compression(fragment) IS NOT NULL"
            )
            conn.execute("CLUSTER framed_records USING framed_records_pkey")
            conn.execute("VACUUM (ANALYZE)")
            after = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
        return {"bytes_before": int(before), "bytes_after": int(after)}

    def close(self) -> None:
        if self._read_ahead is not None:
            self._read_ahead.close()
        if self._pool is not None and self._pid == os.getpid():
            self._pool.close()
        self._pool = None


def _safe(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return parts._replace(netloc=f"{parts.username}:***@{host}").geturl()


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
