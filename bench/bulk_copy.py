"""A big collection in minutes: a loaded store's rows copied in bulk under new identifiers.

Loading a million generated JATS files takes hours; the harvest benchmarks need only the
rows a harvest reads. :func:`bulk_copy` copies every record of a loaded store (its rendered
payloads, set memberships and framed harvest fragments, the identifier replaced in each)
as many times as needed, copy k > 0 of a record named ``<identifier>-copy<k>`` as
``bench.harvest.copy_records`` names them, inserted in harvest key order (so the copy needs
no compaction), then sets ``store_state`` and rebuilds the list tallies. It writes straight
into the tables (executemany on SQLite, COPY on PostgreSQL) instead of ``put``, which is what
makes it fast; the JATS sources are not copied (a harvest never reads them), so the copy is
for benchmarks only. ``formats`` keeps only some formats (a million ``jats`` payloads would
take tens of gigabytes).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from app.store import list_counts
from app.store.base import SetInfo

CHUNK = 5000


class _Rows:
    """The source's rows held in memory, and the copies' rows made from them in key order."""

    def __init__(self, source: Any, size: int, formats: tuple[str, ...] | None) -> None:
        with source._connection() as db:
            self.records = db.execute(
                "SELECT identifier, datestamp, deleted, content_hash, origin, summary,"
                " set_specs, formats_digest FROM records ORDER BY datestamp, identifier"
            ).fetchall()
            self.sets = db.execute("SELECT spec, name, description FROM sets").fetchall()
            self.payloads: dict[str, list[tuple[str, bytes]]] = defaultdict(list)
            for identifier, prefix, payload in db.execute(
                "SELECT identifier, prefix, payload FROM record_formats ORDER BY prefix"
            ).fetchall():
                if formats is None or prefix in formats:
                    self.payloads[identifier].append((prefix, bytes(payload)))
            self.fragments: dict[str, list[tuple[str, Any, bytes | None]]] = defaultdict(list)
            for prefix, identifier, deleted, fragment in db.execute(
                "SELECT prefix, identifier, deleted, fragment FROM framed_records"
            ).fetchall():
                if prefix == "" or formats is None or prefix in formats:
                    kept = None if fragment is None else bytes(fragment)
                    self.fragments[identifier].append((prefix, deleted, kept))
        if not self.records:
            raise SystemExit("the source store holds no records to copy")
        copies = -(-size // len(self.records))
        chosen = [(i, k) for k in range(copies) for i in range(len(self.records))][:size]
        self.order = sorted(
            chosen, key=lambda ik: (self.records[ik[0]][1], self._name(ik[0], ik[1]))
        )

    def _name(self, i: int, k: int) -> str:
        return self.records[i][0] + (f"-copy{k}" if k else "")

    def each(self) -> Iterator[tuple[int, str, tuple, str, bytes, bytes]]:
        """(seq, new identifier, source row, suffix, old and new identifier bytes)."""
        for seq, (i, k) in enumerate(self.order, 1):
            row = self.records[i]
            name = self._name(i, k)
            yield seq, name, row, "" if not k else f"-copy{k}", row[0].encode(), name.encode()

    def records_rows(self) -> Iterator[tuple]:
        for seq, name, r, suffix, _, _ in self.each():
            origin = None if r[4] is None else r[4] + suffix
            yield (name, r[1], bool(r[2]), r[3] + suffix, None, origin, r[5], r[6], seq, r[7])

    def format_rows(self) -> Iterator[tuple]:
        for _, name, r, _, old, new in self.each():
            for prefix, payload in self.payloads.get(r[0], ()):
                yield name, prefix, payload.replace(old, new)

    def set_rows(self) -> Iterator[tuple]:
        for _, name, r, _, _, _ in self.each():
            for spec in r[6].split():
                yield name, spec, r[1]

    def framed_rows(self) -> Iterator[tuple]:
        for seq, name, r, _, old, new in self.each():
            for prefix, deleted, fragment in self.fragments.get(r[0], ()):
                kept = None if fragment is None else fragment.replace(old, new)
                yield prefix, r[1], name, bool(deleted), seq, kept


_TABLES = (
    ("records", "identifier, datestamp, deleted, content_hash, source, origin, summary,"
     " set_specs, seq, formats_digest", "records_rows"),
    ("record_formats", "identifier, prefix, payload", "format_rows"),
    ("record_sets", "identifier, spec, datestamp", "set_rows"),
    ("framed_records", "prefix, datestamp, identifier, deleted, seq, fragment", "framed_rows"),
)


def _chunks(rows: Iterator[tuple]) -> Iterator[list[tuple]]:
    chunk: list[tuple] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def bulk_copy(
    source: Any, target: Any, size: int, formats: tuple[str, ...] | None = None
) -> int:
    """Fill the empty store ``target`` with ``size`` records copied from ``source``; the
    number of records written."""
    rows = _Rows(source, size, formats)
    last = max(r[1] for r in rows.records)
    for spec, name, description in rows.sets:
        target.put_set(SetInfo(spec, name, description))
    if target.dialect == "sqlite":
        conn = target._conn()
        conn.execute("PRAGMA synchronous = OFF")
        for table, columns, make in _TABLES:
            marks = ", ".join("?" for _ in columns.split(","))
            for chunk in _chunks(getattr(rows, make)()):
                conn.execute("BEGIN")
                conn.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", chunk)
                conn.execute("COMMIT")
        conn.execute("BEGIN")
        conn.execute("UPDATE store_state SET seq = ?, last_datestamp = ?", (len(rows.order), last))
        list_counts.rebuild(conn)
        conn.execute("COMMIT")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("ANALYZE")
    else:
        import psycopg

        with psycopg.connect(target.url, autocommit=True) as conn:
            with conn.transaction(), conn.cursor() as cur:
                for table, columns, make in _TABLES:
                    with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                        for row in getattr(rows, make)():
                            copy.write_row(row)
                cur.execute(
                    "UPDATE store_state SET seq = %s, last_datestamp = %s", (len(rows.order), last)
                )
                cur.execute("DELETE FROM list_counts")
                cur.execute(list_counts.REBUILD)
            conn.execute("VACUUM ANALYZE")
    return len(rows.order)
