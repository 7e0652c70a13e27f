"""The store's logic in SQL both databases speak; the dialects only supply connections.

Every write runs in one transaction that first locks the single ``store_state`` row, so
changes are numbered (``seq``) in the order they commit: a harvest that fixes ``max_seq`` at
its first request sees every change numbered below it and none above. Datestamps never go
back either (``last_datestamp``), even when app servers' clocks disagree.

Datestamps are stored as UTC Unix seconds, so whole seconds hold by type and keyset pages
compare integers. A record's set memberships live in ``record_sets`` (one row per set,
carrying the record's datestamp so paging inside a set is one index range) and, for
headers, in ``records.set_specs``. ``records.formats_digest`` fingerprints the rendered
formats, so a re-rendering that changes a payload is a change and an identical one is not.

``framed_records`` keeps what a ListRecords page sends: per format, each record's fragment
as the :class:`~app.store.base.Framer` built it when the record was put (a deleted record
has one row under the prefix ``''``, listed in every format). The store keeps these bytes
and never looks inside them; a page is one range of that table.
"""

from __future__ import annotations

import json
import time
from abc import abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from app.store import list_counts
from app.store import search as search_index
from app.store.base import (
    AuditEntry,
    Change,
    FramedRow,
    Framer,
    Header,
    PutResult,
    RecordDraft,
    SetInfo,
    Store,
    User,
    Window,
    formats_digest,
)


class Cursor(Protocol):
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...


class Db(Protocol):
    """The slice of a DB-API connection the store uses; SQL is written with ``?``."""

    def execute(self, sql: str, params: tuple | list = ()) -> Cursor: ...
    def executemany(self, sql: str, rows: list[tuple]) -> None: ...


def to_epoch(when: datetime) -> int:
    if when.tzinfo is None:
        raise ValueError("datestamps must be timezone-aware (UTC)")
    return int(when.timestamp())


def from_epoch(seconds: int) -> datetime:
    return datetime.fromtimestamp(int(seconds), UTC)


def _packed_column(packed: bool) -> str:
    """The packed fragment when a page asks for it; else nothing read (NULL)."""
    return "f.packed" if packed else "NULL"


def _header(identifier: str, datestamp: int, deleted: Any, set_specs: str) -> Header:
    return Header(identifier, from_epoch(datestamp), bool(deleted), tuple(set_specs.split()))


def _framed_rows(
    framer: Framer,
    header: Header,
    seq: int,
    formats: Iterable[tuple[str, bytes]],
    summary: Mapping[str, object],
) -> list[tuple]:
    """The ``framed_records`` rows of a record: one per format of a live record, one under
    the prefix ``''`` for a deleted record (listed in every format). The framer gets the
    record's summary too, and takes from it what a fragment shows."""
    stamp = to_epoch(header.datestamp)
    if header.deleted:
        return [("", stamp, header.identifier, True, seq, *framer.deleted(header))]
    rows = []
    for prefix, payload in formats:
        framed = framer.record(header, bytes(payload), summary)
        rows.append((prefix, stamp, header.identifier, False, seq, *(framed or (None, None))))
    return rows


@dataclass(frozen=True)
class _Item:
    """A draft with what the store compares it by: its sets, formats digest and summary."""

    draft: RecordDraft
    set_specs: str
    digest: str
    summary: str

    @classmethod
    def of(cls, draft: RecordDraft) -> _Item:
        bad = [s for s in draft.sets if not s or any(c.isspace() for c in s)]
        if bad or not draft.identifier:
            raise ValueError(f"unusable identifier or setSpec in {draft.identifier!r}: {bad}")
        return cls(
            draft,
            " ".join(sorted(set(draft.sets))),
            formats_digest(draft.formats),
            json.dumps(draft.summary, ensure_ascii=False),
        )

    def unchanged(self, row: Any) -> bool:
        """Same source, sets and rendered formats; a NULL digest (stored before it was kept)
        is unknown, hence changed."""
        return (
            row is not None
            and not row[1]
            and row[2] == self.draft.content_hash
            and row[3] == self.set_specs
            and row[5] == self.digest
        )

    def header(self, datestamp: int) -> Header:
        return _header(self.draft.identifier, datestamp, False, self.set_specs)


class SqlStore(Store):
    """Store logic shared by SQLite and PostgreSQL."""

    #: Seconds since the epoch; tests replace it to make datestamps predictable.
    clock: Callable[[], float] = staticmethod(time.time)
    #: "sqlite" or "postgres": names the migrations and the search index's engine.
    dialect: str = ""
    #: Builds the harvest fragments at put time; a store without one can read but not write.
    framer: Framer | None = None

    @abstractmethod
    def _connection(self) -> AbstractContextManager[Db]:
        """A connection in autocommit mode: each statement sees committed data."""

    @abstractmethod
    def _writer(self) -> AbstractContextManager[Db]:
        """A connection inside a transaction holding the ``store_state`` row lock."""

    def _batch_writer(self) -> AbstractContextManager[Db]:
        """:meth:`_writer` for a batch of records, which reads nothing after its first query:
        a dialect with round trips may send its statements without waiting for each."""
        return self._writer()

    def _locked_state(self, db: Db) -> tuple[int, int]:
        row = db.execute("SELECT seq, last_datestamp FROM store_state WHERE id = 1").fetchone()
        seq, last = row
        return int(seq), int(last)

    def _next_change(self, db: Db) -> tuple[int, int]:
        """The next sequence number and a datestamp that never goes back."""
        seq, last = self._locked_state(db)
        stamp = max(int(self.clock()), last)
        db.execute(
            "UPDATE store_state SET seq = ?, last_datestamp = ? WHERE id = 1", (seq + 1, stamp)
        )
        self._note_state(db, (seq + 1, stamp))
        return seq + 1, stamp

    def _note_state(self, db: Db, state: tuple[int, int]) -> None:
        """Remember the state a transaction has written, for a dialect that reads it once per
        transaction (a batch takes many changes in one)."""

    # --- records -------------------------------------------------------------------------
    _ROW = (
        "SELECT datestamp, deleted, content_hash, set_specs, origin, formats_digest, summary"
        " FROM records"
    )
    #: :attr:`_ROW` led by the identifier, for reading a batch's rows at once.
    _ROW_ID = "SELECT identifier, " + _ROW[len("SELECT "):]

    def put(self, draft: RecordDraft, *, actor: str) -> PutResult:
        return self.put_many([draft], actor=actor)[0]

    def put_many(self, drafts: Sequence[RecordDraft], *, actor: str) -> list[PutResult]:
        """Put a batch in one transaction, each record exactly as :meth:`put` would.

        Records identical to what is stored are answered from one read, without a
        transaction (a rerun writes nothing). The others are written in identifier order and
        their harvest fragments inserted in key order at the end of the batch, so that a
        bulk load appends each format's range of ``framed_records`` in order (harvests read
        neighbouring rows, as after a compaction). One transaction: an interruption leaves
        the whole batch unwritten, never a record half-written.
        """
        items = [_Item.of(draft) for draft in drafts]
        results: list[PutResult | None] = [None] * len(items)
        rows = self._rows([i.draft.identifier for i in items])
        todo = []
        for n, item in enumerate(items):
            row = rows.get(item.draft.identifier)
            if item.unchanged(row) and item.draft.origin in (None, row[4]) and (
                row[6] == item.summary
            ):
                results[n] = PutResult(item.header(row[0]), changed=False)
            else:
                todo.append(n)
        if not todo:
            return [r for r in results if r is not None]
        framer = self._framer()
        todo.sort(key=lambda n: items[n].draft.identifier)
        tally = list_counts.Tally()
        with self._batch_writer() as db:
            rows = self._rows([items[n].draft.identifier for n in todo], db)
            written: set[str] = set()
            framed: dict[str, tuple[list[tuple], str]] = {}
            for n in todo:
                item = items[n]
                ident = item.draft.identifier
                if ident in written:  # the same record twice in a batch: the later wins
                    rows.update(self._rows([ident], db))
                    framed.pop(ident, None)
                results[n], fragments = self._write(
                    db, framer, item, rows.get(ident), actor, tally
                )
                written.add(ident)
                if fragments is not None:
                    framed[ident] = (fragments, item.set_specs)
            self._insert_framed(db, sorted(r for rs, _ in framed.values() for r in rs))
            for fragments, set_specs in framed.values():
                tally.add(((r[0], r[1]) for r in fragments), set_specs)
            tally.write(db)
        return [r for r in results if r is not None]

    def _rows(self, identifiers: Sequence[str], db: Db | None = None) -> dict[str, Any]:
        """The stored rows (:attr:`_ROW`) of these records, read in chunks."""
        found: dict[str, Any] = {}
        unique = sorted(set(identifiers))
        for start in range(0, len(unique), 500):
            chunk = unique[start:start + 500]
            sql = self._ROW_ID + f" WHERE identifier IN ({', '.join('?' for _ in chunk)})"
            if db is None:
                with self._connection() as conn:
                    fetched = conn.execute(sql, chunk).fetchall()
            else:
                fetched = db.execute(sql, chunk).fetchall()
            found.update((r[0], tuple(r[1:])) for r in fetched)
        return found

    def _write(
        self, db: Db, framer: Framer, item: _Item, row: Any, actor: str,
        tally: list_counts.Tally,
    ) -> tuple[PutResult, list[tuple] | None]:
        """The one place a record is written, inside the caller's transaction: returns the
        result and the ``framed_records`` rows to insert (None when the harvest fragments
        stay as they are); stale fragments are already deleted."""
        draft, set_specs, digest, summary = item.draft, item.set_specs, item.digest, item.summary
        if item.unchanged(row):
            # Not a change to harvesters: a moved file, or what only the pages show.
            if draft.origin is not None and draft.origin != row[4]:
                db.execute(
                    "UPDATE records SET origin = ? WHERE identifier = ?",
                    (draft.origin, draft.identifier),
                )
            if row[6] != summary:
                db.execute(
                    "UPDATE records SET summary = ? WHERE identifier = ?",
                    (summary, draft.identifier),
                )
                self._index(db, draft)
            return PutResult(item.header(row[0]), False), None
        seq, stamp = self._next_change(db)
        if row is not None and row[2] != draft.content_hash:
            self._keep_version(db, draft.identifier, stamp)
        if row is None:
            action = "add"
        elif row[1]:
            action = "revive"
        elif row[2] != draft.content_hash or row[3] != set_specs:
            action = "update"
        else:
            action = "rerender"
        db.execute(
            "INSERT INTO records (identifier, datestamp, deleted, content_hash, source,"
            " origin, summary, set_specs, seq, formats_digest)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (identifier) DO UPDATE SET datestamp = excluded.datestamp,"
            " deleted = excluded.deleted, content_hash = excluded.content_hash,"
            " source = excluded.source, origin = COALESCE(excluded.origin, records.origin),"
            " summary = excluded.summary, set_specs = excluded.set_specs, seq = excluded.seq,"
            " formats_digest = excluded.formats_digest",
            (
                draft.identifier, stamp, False, draft.content_hash, draft.source,
                draft.origin, summary, set_specs, seq, digest,
            ),
        )
        if row is not None:
            db.execute("DELETE FROM record_formats WHERE identifier = ?", (draft.identifier,))
            db.execute("DELETE FROM record_sets WHERE identifier = ?", (draft.identifier,))
        if draft.formats:
            db.executemany(
                "INSERT INTO record_formats (identifier, prefix, payload) VALUES (?, ?, ?)",
                [(draft.identifier, p, bytes(v)) for p, v in sorted(draft.formats.items())],
            )
        if set_specs:
            db.executemany(
                "INSERT INTO record_sets (identifier, spec, datestamp) VALUES (?, ?, ?)",
                [(draft.identifier, s, stamp) for s in set_specs.split()],
            )
        header = _header(draft.identifier, stamp, False, set_specs)
        if row is not None:
            self._drop_framed(db, draft.identifier, row[3], tally)
        self._index(db, draft)
        self._log(db, draft.identifier, action, actor, stamp, draft.content_hash)
        fragments = _framed_rows(
            framer, header, seq, sorted(draft.formats.items()), draft.summary
        )
        return PutResult(header, changed=True, action=action), fragments

    def _index(self, db: Db, draft: RecordDraft) -> None:
        """Keep the pages' search index in step with the record, in the same transaction."""
        if draft.search is not None:
            search_index.index_for(self.dialect).put(db, draft.identifier, draft.search)

    def search(self, query: search_index.SearchQuery) -> search_index.SearchResult:
        with self._connection() as db:
            return search_index.index_for(self.dialect).search(db, query)

    def index_for_search(self, documents: Iterable[tuple[str, dict[str, object]]]) -> None:
        """Index records stored before the search index existed (or rebuild their entries),
        in one transaction."""
        index = search_index.index_for(self.dialect)
        with self._writer() as db:
            for identifier, document in documents:
                index.put(db, identifier, document)

    def unindexed(self, limit: int = 500) -> list[str]:
        with self._connection() as db:
            return list(search_index.missing(db, limit))

    def series_figures(self) -> dict[str, search_index.SeriesFigures]:
        with self._connection() as db:
            return search_index.series_figures(db)

    def issue_counts(self, series: str) -> dict[str, int]:
        with self._connection() as db:
            return search_index.issue_counts(db, series)

    def _framer(self) -> Framer:
        if self.framer is None:
            raise RuntimeError("this store was opened without a framer: it cannot write records")
        return self.framer

    def ensure_framed(self) -> bool:
        """Rebuild every harvest fragment when they were built by another framing version.

        Runs once after a migration or a change of framing (in one transaction, under the
        writers' lock, so concurrent start-ups do it once); True when it rebuilt them.
        """
        framer = self._framer()
        with self._connection() as db:
            done = db.execute("SELECT framing FROM store_state WHERE id = 1").fetchone()[0]
        if done == framer.version:
            return False
        with self._writer() as db:
            if db.execute("SELECT framing FROM store_state WHERE id = 1").fetchone()[0] == (
                framer.version
            ):
                return False
            db.execute("DELETE FROM framed_records")
            last = ""
            while True:
                batch = db.execute(
                    "SELECT identifier, datestamp, deleted, set_specs, seq FROM records"
                    " WHERE identifier > ? ORDER BY identifier LIMIT 500",
                    (last,),
                ).fetchall()
                if not batch:
                    break
                self._frame_batch(db, framer, batch)
                last = batch[-1][0]
            list_counts.rebuild(db)
            db.execute("UPDATE store_state SET framing = ? WHERE id = 1", (framer.version,))
        return True

    def _frame_batch(self, db: Db, framer: Framer, batch: list[Any]) -> None:
        first, last = batch[0][0], batch[-1][0]
        payloads: dict[str, list[tuple[str, bytes]]] = {}
        for identifier, prefix, payload in db.execute(
            "SELECT identifier, prefix, payload FROM record_formats"
            " WHERE identifier >= ? AND identifier <= ? ORDER BY identifier, prefix",
            (first, last),
        ).fetchall():
            payloads.setdefault(identifier, []).append((prefix, bytes(payload)))
        summaries = dict(db.execute(
            "SELECT identifier, summary FROM records WHERE identifier >= ? AND identifier <= ?",
            (first, last),
        ).fetchall())
        rows: list[tuple] = []
        for identifier, stamp, deleted, set_specs, seq in batch:
            header = _header(identifier, stamp, deleted, set_specs)
            summary = json.loads(summaries.get(identifier) or "{}")
            rows += _framed_rows(framer, header, seq, payloads.get(identifier, []), summary)
        self._insert_framed(db, rows)

    def _replace_framed(
        self, db: Db, identifier: str, old_specs: str | None, rows: list[tuple], set_specs: str
    ) -> None:
        """Replace one record's harvest fragments with ``rows`` and keep the list tallies in
        step, in the caller's transaction. ``old_specs`` are the sets the record was in (None
        for a new record). A batch (:meth:`put_many`) does the same through one tally."""
        tally = list_counts.Tally()
        if old_specs is not None:
            self._drop_framed(db, identifier, old_specs, tally)
        self._insert_framed(db, rows)
        tally.add(((r[0], r[1]) for r in rows), set_specs)
        tally.write(db)

    @staticmethod
    def _drop_framed(db: Db, identifier: str, old_specs: str, tally: list_counts.Tally) -> None:
        """Delete a record's harvest fragments, taking them off ``tally``."""
        old = db.execute(
            "SELECT prefix, datestamp FROM framed_records WHERE identifier = ?", (identifier,)
        ).fetchall()
        if old:
            db.execute("DELETE FROM framed_records WHERE identifier = ?", (identifier,))
            tally.remove(old, old_specs)

    @staticmethod
    def _insert_framed(db: Db, rows: list[tuple]) -> None:
        """The one writer of ``framed_records`` (rows from :func:`_framed_rows`)."""
        if rows:
            db.executemany(
                "INSERT INTO framed_records (prefix, datestamp, identifier, deleted, seq,"
                " fragment, packed) VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows,
            )

    def _keep_version(self, db: Db, identifier: str, at: int) -> None:
        """Copy the record's current source (if it has one) into ``versions``, in the database."""
        db.execute(
            "INSERT INTO versions (identifier, content_hash, source, stored_at)"
            " SELECT identifier, content_hash, source, ? FROM records"
            " WHERE identifier = ? AND source IS NOT NULL"
            " ON CONFLICT (identifier, content_hash) DO NOTHING",
            (at, identifier),
        )

    def _log(
        self, db: Db, identifier: str, action: str, actor: str, at: int, h: str | None
    ) -> None:
        db.execute(
            "INSERT INTO changes (identifier, action, actor, at, content_hash)"
            " VALUES (?, ?, ?, ?, ?)",
            (identifier, action, actor, at, h),
        )

    def withdraw(self, identifier: str, *, actor: str) -> Header | None:
        framer = self._framer()
        with self._writer() as db:
            row = db.execute(self._ROW + " WHERE identifier = ?", (identifier,)).fetchone()
            if row is None:
                return None
            if row[1]:
                return _header(identifier, row[0], True, row[3])
            seq, stamp = self._next_change(db)
            self._keep_version(db, identifier, stamp)
            db.execute(
                "UPDATE records SET deleted = ?, source = NULL, formats_digest = NULL,"
                " datestamp = ?, seq = ? WHERE identifier = ?",
                (True, stamp, seq, identifier),
            )
            db.execute("DELETE FROM record_formats WHERE identifier = ?", (identifier,))
            db.execute(
                "UPDATE record_sets SET datestamp = ? WHERE identifier = ?", (stamp, identifier)
            )
            header = _header(identifier, stamp, True, row[3])
            self._replace_framed(
                db, identifier, row[3], _framed_rows(framer, header, seq, (), {}), row[3]
            )
            search_index.index_for(self.dialect).remove(db, identifier)
            self._log(db, identifier, "withdraw", actor, stamp, row[2])
        return header

    def header(self, identifier: str) -> Header | None:
        with self._connection() as db:
            row = db.execute(
                "SELECT datestamp, deleted, set_specs FROM records WHERE identifier = ?",
                (identifier,),
            ).fetchone()
        return None if row is None else _header(identifier, row[0], row[1], row[2])

    def _value(self, sql: str, params: tuple) -> Any:
        with self._connection() as db:
            row = db.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def payload(self, identifier: str, prefix: str) -> bytes | None:
        value = self._value(
            "SELECT payload FROM record_formats WHERE identifier = ? AND prefix = ?",
            (identifier, prefix),
        )
        return None if value is None else bytes(value)

    def formats_of(self, identifier: str) -> tuple[str, ...]:
        with self._connection() as db:
            rows = db.execute(
                "SELECT prefix FROM record_formats WHERE identifier = ? ORDER BY prefix",
                (identifier,),
            ).fetchall()
        return tuple(r[0] for r in rows)

    def source(self, identifier: str) -> bytes | None:
        value = self._value(
            "SELECT source FROM records WHERE identifier = ? AND NOT deleted", (identifier,)
        )
        return None if value is None else bytes(value)

    def summary(self, identifier: str) -> dict[str, object] | None:
        value = self._value("SELECT summary FROM records WHERE identifier = ?", (identifier,))
        return None if value is None else json.loads(value)

    def content_hash(self, identifier: str) -> str | None:
        return self._value(
            "SELECT content_hash FROM records WHERE identifier = ? AND NOT deleted", (identifier,)
        )

    def history(self, identifier: str) -> list[Change]:
        with self._connection() as db:
            rows = db.execute(
                "SELECT action, actor, at, content_hash FROM changes WHERE identifier = ?"
                " ORDER BY id",
                (identifier,),
            ).fetchall()
        return [Change(identifier, a, who, from_epoch(at), h) for a, who, at, h in rows]

    def entered(self, identifiers: Sequence[str]) -> dict[str, datetime]:
        found: dict[str, datetime] = {}
        unique = sorted(set(identifiers))
        with self._connection() as db:
            for start in range(0, len(unique), 500):
                chunk = unique[start:start + 500]
                found.update(
                    (i, from_epoch(at)) for i, at in db.execute(
                        "SELECT identifier, MIN(at) FROM changes WHERE identifier IN"
                        f" ({', '.join('?' for _ in chunk)}) GROUP BY identifier",
                        chunk,
                    ).fetchall()
                )
        return found

    def old_source(self, identifier: str, content_hash: str) -> bytes | None:
        value = self._value(
            "SELECT source FROM versions WHERE identifier = ? AND content_hash = ?"
            " UNION ALL SELECT source FROM records WHERE identifier = ? AND content_hash = ?"
            " AND source IS NOT NULL",
            (identifier, content_hash, identifier, content_hash),
        )
        return None if value is None else bytes(value)

    # --- harvesting ----------------------------------------------------------------------
    def current_seq(self) -> int:
        """Read under the writers' lock, so a write whose datestamp is already chosen but not yet
        committed is waited for: it is then inside the new harvest window, never outside both
        this harvest and the next incremental one."""
        with self._writer() as db:
            return self._locked_state(db)[0]

    def _window_sql(self, window: Window) -> tuple[str, str, list[Any]]:
        """FROM and WHERE of a window, and the (datestamp, identifier) columns it pages by."""
        params: list[Any] = []
        if window.set_spec is not None:
            sql = " FROM record_sets k JOIN records r ON r.identifier = k.identifier"
            where = ["k.spec = ?"]
            params.append(window.set_spec)
        else:
            sql = " FROM records r"
            where = []
        key = "k" if window.set_spec is not None else "r"
        if window.prefix is not None:
            sql += " LEFT JOIN record_formats f ON f.identifier = r.identifier AND f.prefix = ?"
            params.insert(0, window.prefix)
            where.append("(r.deleted OR f.identifier IS NOT NULL)")
        if window.from_ is not None:
            where.append(f"{key}.datestamp >= ?")
            params.append(to_epoch(window.from_))
        if window.until is not None:
            where.append(f"{key}.datestamp <= ?")
            params.append(to_epoch(window.until))
        where.append("r.seq <= ?")
        params.append(window.max_seq)
        return sql + " WHERE " + " AND ".join(where), key, params

    def _page_query(
        self, window: Window, after: tuple[datetime, str] | None, limit: int, with_payload: bool
    ) -> tuple[str, list[Any]]:
        sql, key, params = self._window_sql(window)
        if after is not None:
            sql += f" AND ({key}.datestamp, {key}.identifier) > (?, ?)"
            params += [to_epoch(after[0]), after[1]]
        payload = "f.payload" if with_payload and window.prefix is not None else "NULL"
        query = (
            f"SELECT r.identifier, r.datestamp, r.deleted, r.set_specs, {payload}{sql}"
            f" ORDER BY {key}.datestamp, {key}.identifier LIMIT ?"
        )
        return query, [*params, limit]

    @abstractmethod
    def explain_page(
        self, window: Window, after: tuple[datetime, str] | None, limit: int = 100
    ) -> str:
        """The database's plan for one harvest page, headers then framed records: proof that
        paging is an index range."""

    def list_page(
        self, window: Window, after: tuple[datetime, str] | None, limit: int, with_payload: bool
    ) -> list[tuple[Header, bytes | None]]:
        query, params = self._page_query(window, after, limit, with_payload)
        with self._connection() as db:
            rows = db.execute(query, params).fetchall()
        return [
            (_header(i, d, x, s), None if p is None or x else bytes(p)) for i, d, x, s, p in rows
        ]

    def _framed_where(
        self,
        window: Window,
        after: tuple[datetime, str] | None,
        key: str,
        upto: tuple[int, str] | None = None,
    ) -> tuple[str, list[Any]]:
        """The datestamp window, keyset position and change bound over ``key``'s columns,
        and optionally an upper bound on the key (stored epoch seconds, identifier)."""
        where, params = "", []
        if upto is not None:
            where += f" AND ({key}.datestamp, {key}.identifier) <= (?, ?)"
            params += [upto[0], upto[1]]
        if window.from_ is not None:
            where += f" AND {key}.datestamp >= ?"
            params.append(to_epoch(window.from_))
        if window.until is not None:
            where += f" AND {key}.datestamp <= ?"
            params.append(to_epoch(window.until))
        if after is not None:
            where += f" AND ({key}.datestamp, {key}.identifier) > (?, ?)"
            params += [to_epoch(after[0]), after[1]]
        return where, params

    def _framed_queries(
        self,
        window: Window,
        after: tuple[datetime, str] | None,
        limit: int,
        packed: bool = False,
    ) -> list[tuple[str, list[Any]]]:
        """The queries of one framed page: one index range within a set; otherwise two
        ranges of the table's own key, the live records in the format and then the deleted
        ones (prefix ``''``), which :meth:`list_framed` merges. Two statements, not one
        ``UNION ALL`` of subqueries: SQLite copies every fragment through the subquery's
        co-routine, which doubled the cost of a page."""
        if window.prefix is None:
            raise ValueError("a framed page needs the window's metadata format")
        if window.set_spec is not None:
            return [self._framed_set_range(window, after, limit, packed)]
        return [
            self._framed_range(window.prefix, window, after, limit, packed),
            self._framed_range("", window, after, limit, packed),
        ]

    def _framed_set_range(
        self, window: Window, after: tuple[datetime, str] | None, limit: int, packed: bool
    ) -> tuple[str, list[Any]]:
        """A page within a set: the ``record_sets`` range, one key lookup per record."""
        where, params = self._framed_where(window, after, "k")
        return (
            "SELECT k.datestamp, k.identifier, f.deleted, f.fragment,"
            f" {_packed_column(packed)} FROM record_sets k"
            " JOIN framed_records f ON f.prefix IN (?, '')"
            " AND f.datestamp = k.datestamp AND f.identifier = k.identifier"
            f" WHERE k.spec = ?{where} AND f.seq <= ?"
            " ORDER BY k.datestamp, k.identifier LIMIT ?",
            [window.prefix, window.set_spec, *params, window.max_seq, limit],
        )

    def _framed_range(
        self,
        prefix: str,
        window: Window,
        after: tuple[datetime, str] | None,
        limit: int,
        packed: bool,
        upto: tuple[int, str] | None = None,
    ) -> tuple[str, list[Any]]:
        where, params = self._framed_where(window, after, "f", upto)
        return (
            f"SELECT f.datestamp, f.identifier, f.deleted, f.fragment, {_packed_column(packed)}"
            " FROM framed_records f"
            f" WHERE f.prefix = ?{where} AND f.seq <= ?"
            " ORDER BY f.datestamp, f.identifier LIMIT ?",
            [prefix, *params, window.max_seq, limit],
        )

    def list_framed(
        self,
        window: Window,
        after: tuple[datetime, str] | None,
        limit: int,
        packed: bool = False,
    ) -> list[FramedRow]:
        queries = self._framed_queries(window, after, limit, packed)
        with self._connection() as db:
            rows = db.execute(*queries[0]).fetchall()
            if len(queries) == 1 or not self._deleted_within(db, window.max_seq):
                return rows
            # Deleted records (prefix '') are a range of their own, merged in. A full page
            # ends at its last live record: deleted ones after it belong to later pages.
            upto = (rows[-1][0], rows[-1][1]) if len(rows) == limit else None
            gone = db.execute(
                *self._framed_range("", window, after, limit, packed, upto)
            ).fetchall()
        if gone:
            rows = sorted(rows + gone, key=lambda r: (r[0], r[1]))[:limit]
        return rows

    #: Windows bounded at or below this ``seq`` list no deleted record (see _deleted_within).
    _clear_upto: int = -1

    def _deleted_within(self, db: Db, max_seq: int) -> bool:
        """Whether a window bounded by ``max_seq`` can list any deleted record: most
        collections have none, and then a page skips the empty second range.

        A "no" is final (a later deletion gets a higher ``seq``), so the highest bound known
        clear is remembered per process: about 4% of an in-process harvest (125,000 against
        118,000 records/s, 10,000 records, same run).
        """
        if max_seq <= self._clear_upto:
            return False
        found = (
            db.execute(
                "SELECT 1 FROM framed_records WHERE prefix = '' AND seq <= ? LIMIT 1", (max_seq,)
            ).fetchone()
            is not None
        )
        if not found:
            self._clear_upto = max(self._clear_upto, max_seq)
        return found

    def count(self, window: Window) -> int:
        """The exact size of the window's list at its ``max_seq``, from the tallies every
        write keeps (:mod:`app.store.list_counts`): page 1 costs what page 10,000 costs."""
        if window.prefix is None:
            return self.scan_count(window)
        query, params = list_counts.count_query(
            window.prefix,
            window.set_spec,
            None if window.from_ is None else to_epoch(window.from_),
            None if window.until is None else to_epoch(window.until),
            window.max_seq,
        )
        return int(self._value(query, tuple(params)))

    def scan_count(self, window: Window) -> int:
        """The same size counted row by row: the reference :meth:`count` is checked against
        (``jats-oai store check``, the tests, ``bench/store.py``)."""
        if window.prefix is None:
            sql, _, params = self._window_sql(window)
            return int(self._value("SELECT COUNT(*)" + sql, tuple(params)))
        if window.set_spec is not None:
            where, params = self._framed_where(window, None, "k")
            return int(
                self._value(
                    "SELECT COUNT(*) FROM record_sets k JOIN framed_records f"
                    " ON f.prefix IN (?, '') AND f.datestamp = k.datestamp"
                    f" AND f.identifier = k.identifier WHERE k.spec = ?{where} AND f.seq <= ?",
                    (window.prefix, window.set_spec, *params, window.max_seq),
                )
            )
        # Index-only: the (prefix, datestamp, seq) index of the live and the deleted rows.
        where, params = self._framed_where(window, None, "f")
        query = f"SELECT COUNT(*) FROM framed_records f WHERE f.prefix = ?{where} AND f.seq <= ?"
        with self._connection() as db:
            live = db.execute(query, [window.prefix, *params, window.max_seq]).fetchone()[0]
            gone = db.execute(query, ["", *params, window.max_seq]).fetchone()[0]
        return int(live) + int(gone)

    def earliest_datestamp(self) -> datetime | None:
        value = self._value("SELECT MIN(datestamp) FROM records", ())
        return None if value is None else from_epoch(value)

    def sets(self) -> list[SetInfo]:
        with self._connection() as db:
            rows = db.execute("SELECT spec, name, description FROM sets ORDER BY spec").fetchall()
        return [SetInfo(*r) for r in rows]

    def put_set(self, info: SetInfo) -> None:
        with self._connection() as db:
            row = db.execute(
                "SELECT name, description FROM sets WHERE spec = ?", (info.spec,)
            ).fetchone()
            if row is not None and tuple(row) == (info.name, info.description):
                return
            db.execute(
                "INSERT INTO sets (spec, name, description) VALUES (?, ?, ?)"
                " ON CONFLICT (spec) DO UPDATE SET name = excluded.name,"
                " description = excluded.description",
                (info.spec, info.name, info.description),
            )

    def set_exists(self, spec: str) -> bool:
        return (
            self._value(
                "SELECT 1 FROM sets WHERE spec = ? UNION ALL"
                " SELECT 1 FROM record_sets WHERE spec = ?",
                (spec, spec),
            )
            is not None
        )

    def iter_identifiers(
        self, origin_prefix: str | None = None
    ) -> Iterator[tuple[str, str | None]]:
        for identifier, origin, _ in self.iter_loaded(origin_prefix):
            yield identifier, origin

    def iter_loaded(
        self, origin_prefix: str | None = None
    ) -> Iterator[tuple[str, str | None, str]]:
        sql = "SELECT identifier, origin, content_hash FROM records WHERE NOT deleted"
        params: tuple = ()
        if origin_prefix is not None:
            sql += " AND substr(origin, 1, ?) = ?"
            params = (len(origin_prefix), origin_prefix)
        with self._connection() as db:
            rows = db.execute(sql + " ORDER BY identifier", params).fetchall()
        yield from ((i, o, h) for i, o, h in rows)

    def records_in_set(self, spec: str) -> list[tuple[Header, dict[str, object]]]:
        with self._connection() as db:
            rows = db.execute(
                "SELECT r.identifier, r.datestamp, r.set_specs, r.summary FROM record_sets k"
                " JOIN records r ON r.identifier = k.identifier"
                " WHERE k.spec = ? AND NOT r.deleted ORDER BY r.identifier",
                (spec,),
            ).fetchall()
        return [(_header(i, d, False, s), json.loads(m)) for i, d, s, m in rows]

    # --- editors -------------------------------------------------------------------------
    def add_user(self, name: str, password_hash: str, *, admin: bool | None = None) -> None:
        """Create an account or set a new password; a new password ends every session."""
        with self._writer() as db:
            db.execute(
                "INSERT INTO users (name, password_hash, created, admin) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (name) DO UPDATE SET password_hash = excluded.password_hash",
                (name, password_hash, int(self.clock()), bool(admin)),
            )
            if admin is not None:
                db.execute("UPDATE users SET admin = ? WHERE name = ?", (bool(admin), name))
            db.execute("DELETE FROM web_sessions WHERE name = ?", (name,))

    def set_admin(self, name: str, admin: bool) -> bool:
        with self._writer() as db:
            found = db.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone()
            db.execute("UPDATE users SET admin = ? WHERE name = ?", (bool(admin), name))
        return found is not None

    def user(self, name: str) -> User | None:
        with self._connection() as db:
            row = db.execute(
                "SELECT name, password_hash, created, admin FROM users WHERE name = ?", (name,)
            ).fetchone()
        return None if row is None else User(row[0], row[1], from_epoch(row[2]), bool(row[3]))

    def add_token(self, name: str, token_hash: str) -> None:
        with self._connection() as db:
            db.execute(
                "INSERT INTO tokens (token_hash, name, created) VALUES (?, ?, ?)",
                (token_hash, name, int(self.clock())),
            )

    def user_for_token(self, token_hash: str) -> str | None:
        return self._value("SELECT name FROM tokens WHERE token_hash = ?", (token_hash,))

    def users(self) -> list[tuple[User, int]]:
        with self._connection() as db:
            rows = db.execute(
                "SELECT u.name, u.password_hash, u.created, u.admin, COUNT(t.token_hash)"
                " FROM users u LEFT JOIN tokens t ON t.name = u.name"
                " GROUP BY u.name, u.password_hash, u.created, u.admin ORDER BY u.name"
            ).fetchall()
        return [(User(r[0], r[1], from_epoch(r[2]), bool(r[3])), int(r[4])) for r in rows]

    def remove_tokens(self, name: str) -> int:
        with self._writer() as db:
            count = db.execute("SELECT COUNT(*) FROM tokens WHERE name = ?", (name,)).fetchone()
            db.execute("DELETE FROM tokens WHERE name = ?", (name,))
        return int(count[0])

    def remove_user(self, name: str) -> bool:
        with self._writer() as db:
            found = db.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone()
            db.execute("DELETE FROM tokens WHERE name = ?", (name,))
            db.execute("DELETE FROM web_sessions WHERE name = ?", (name,))
            db.execute("DELETE FROM users WHERE name = ?", (name,))
        return found is not None

    # --- sessions, sign-in attempts, audit -----------------------------------------------
    def load_session(self, id_hash: str, now: int) -> tuple[str | None, str] | None:
        with self._connection() as db:
            row = db.execute(
                "SELECT name, data FROM web_sessions WHERE id_hash = ? AND expires > ?",
                (id_hash, now),
            ).fetchone()
        return None if row is None else (row[0], row[1])

    def save_session(self, id_hash: str, name: str | None, data: str, expires: int) -> None:
        with self._connection() as db:
            db.execute(
                "INSERT INTO web_sessions (id_hash, name, data, expires) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (id_hash) DO UPDATE SET name = excluded.name,"
                " data = excluded.data, expires = excluded.expires",
                (id_hash, name, data, expires),
            )
            db.execute("DELETE FROM web_sessions WHERE expires <= ?", (int(self.clock()),))

    def delete_session(self, id_hash: str) -> None:
        with self._connection() as db:
            db.execute("DELETE FROM web_sessions WHERE id_hash = ?", (id_hash,))

    def end_sessions(self, name: str) -> int:
        with self._writer() as db:
            count = db.execute(
                "SELECT COUNT(*) FROM web_sessions WHERE name = ?", (name,)
            ).fetchone()
            db.execute("DELETE FROM web_sessions WHERE name = ?", (name,))
        return int(count[0])

    def login_attempt(self, keys: Sequence[str], window: int, now: int) -> dict[str, int]:
        counts: dict[str, int] = {}
        with self._writer() as db:
            db.execute("DELETE FROM login_attempts WHERE at <= ?", (now - window,))
            for key in keys:
                db.execute("INSERT INTO login_attempts (key, at) VALUES (?, ?)", (key, now))
                counts[key] = int(db.execute(
                    "SELECT COUNT(*) FROM login_attempts WHERE key = ? AND at > ?",
                    (key, now - window),
                ).fetchone()[0])
        return counts

    def clear_login_attempts(self, keys: Sequence[str]) -> None:
        with self._connection() as db:
            for key in keys:
                db.execute("DELETE FROM login_attempts WHERE key = ?", (key,))

    def audit(self, actor: str, action: str, subject: str = "") -> None:
        with self._connection() as db:
            db.execute(
                "INSERT INTO audit_trail (at, actor, action, subject) VALUES (?, ?, ?, ?)",
                (int(self.clock()), actor, action, subject),
            )

    def audit_trail(self, limit: int = 100) -> list[AuditEntry]:
        with self._connection() as db:
            rows = db.execute(
                "SELECT at, actor, action, subject FROM audit_trail ORDER BY id DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [AuditEntry(from_epoch(a), who, what, subject) for a, who, what, subject in rows]
