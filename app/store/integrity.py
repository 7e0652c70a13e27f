"""What ``jats-oai store check`` verifies, and the portable backup of a store.

The check asks the database directly (plain SQL both dialects speak), so it finds what the
store's own code would never write: a live record without its source or a required format,
a format without its harvest fragment, set memberships that disagree, rows left behind by a
record that is gone, a datestamp or change number past the store's own counters.

A backup is one JSON-lines file: every table that holds something a person made (records
with their formats and sets, kept versions, the history, sets, accounts, tokens and the
audit trail), byte columns in base64. Harvest fragments are not in it: a restore rebuilds
them with the store's framer, so a backup taken under one framing restores under another.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from typing import IO, Any

from app.store import list_counts
from app.store.sql import Db, SqlStore

#: Every table a backup carries, parents first, with its columns.
BACKUP_TABLES: dict[str, tuple[str, ...]] = {
    "store_state": ("id", "seq", "last_datestamp"),
    "sets": ("spec", "name", "description"),
    "records": ("identifier", "datestamp", "deleted", "content_hash", "source", "origin",
                "summary", "set_specs", "seq", "formats_digest"),
    "record_formats": ("identifier", "prefix", "payload"),
    "record_sets": ("identifier", "spec", "datestamp"),
    "versions": ("identifier", "content_hash", "source", "stored_at"),
    "changes": ("identifier", "action", "actor", "at", "content_hash"),
    "users": ("name", "password_hash", "created", "admin"),
    "tokens": ("token_hash", "name", "created"),
    "audit_trail": ("at", "actor", "action", "subject"),
}
BINARY = {("records", "source"), ("record_formats", "payload"), ("versions", "source")}
BOOLEAN = {("records", "deleted"), ("users", "admin")}
FORMAT_VERSION = 1
#: Each table's key order, so two backups of the same store are the same file.
ORDER = {
    "store_state": "id", "sets": "spec", "records": "identifier",
    "record_formats": "identifier, prefix", "record_sets": "identifier, spec",
    "versions": "identifier, content_hash", "changes": "id", "users": "name",
    "tokens": "token_hash", "audit_trail": "id",
}


class BackupError(ValueError):
    """A backup file that cannot be restored; nothing was changed."""


def check(store: SqlStore, required_formats: tuple[str, ...] = ()) -> list[str]:
    """Every integrity problem found, one sentence each; an empty list is a sound store."""
    problems: list[str] = []

    def each(sql: str, params: tuple = ()) -> list[Any]:
        with store._connection() as db:
            return db.execute(sql, params).fetchall()

    for (identifier,) in each(
        "SELECT identifier FROM records WHERE NOT deleted AND source IS NULL"
    ):
        problems.append(f"{identifier}: a live record without its JATS source")
    for identifier, source, stored in each(
        "SELECT identifier, source, content_hash FROM records WHERE source IS NOT NULL"
    ):
        if hashlib.sha256(bytes(source)).hexdigest() != stored:
            problems.append(f"{identifier}: the source does not match its content hash")
    for prefix in required_formats:
        for (identifier,) in each(
            "SELECT r.identifier FROM records r WHERE NOT r.deleted AND NOT EXISTS"
            " (SELECT 1 FROM record_formats f WHERE f.identifier = r.identifier"
            " AND f.prefix = ?)", (prefix,)
        ):
            problems.append(f"{identifier}: a live record without its {prefix} format")
    for identifier, prefix in each(
        "SELECT f.identifier, f.prefix FROM record_formats f JOIN records r"
        " ON r.identifier = f.identifier WHERE NOT r.deleted AND NOT EXISTS"
        " (SELECT 1 FROM framed_records g WHERE g.identifier = f.identifier"
        " AND g.prefix = f.prefix AND g.datestamp = r.datestamp AND g.seq = r.seq)"
    ):
        problems.append(f"{identifier}: the {prefix} format has no current harvest fragment")
    for identifier, prefix in each(
        "SELECT g.identifier, g.prefix FROM framed_records g LEFT JOIN records r"
        " ON r.identifier = g.identifier WHERE r.identifier IS NULL"
        " OR g.datestamp <> r.datestamp OR g.seq <> r.seq"
        " OR (g.prefix = '' AND NOT r.deleted) OR (g.prefix <> '' AND r.deleted)"
        " OR (g.prefix <> '' AND NOT EXISTS (SELECT 1 FROM record_formats f"
        " WHERE f.identifier = g.identifier AND f.prefix = g.prefix))"
    ):
        problems.append(f"{identifier}: a stale harvest fragment (format {prefix or 'deleted'!r})")
    for (identifier,) in each(
        "SELECT r.identifier FROM records r WHERE r.deleted AND NOT EXISTS"
        " (SELECT 1 FROM framed_records g WHERE g.identifier = r.identifier AND g.prefix = '')"
    ):
        problems.append(f"{identifier}: a deleted record that harvests do not list")
    for (identifier,) in each(
        "SELECT DISTINCT f.identifier FROM record_formats f JOIN records r"
        " ON r.identifier = f.identifier WHERE r.deleted"
    ):
        problems.append(f"{identifier}: a deleted record still has formats")
    memberships: dict[str, list[tuple[str, int]]] = {}
    for identifier, spec, stamp in each("SELECT identifier, spec, datestamp FROM record_sets"):
        memberships.setdefault(identifier, []).append((spec, int(stamp)))
    for identifier, set_specs, stamp in each(
        "SELECT identifier, set_specs, datestamp FROM records"
    ):
        found = memberships.pop(identifier, [])
        if sorted(s for s, _ in found) != sorted(set_specs.split()):
            problems.append(f"{identifier}: its sets disagree ({set_specs!r} in the record)")
        if any(when != int(stamp) for _, when in found):
            problems.append(f"{identifier}: a set membership has another datestamp")
    for identifier in memberships:
        problems.append(f"{identifier}: set memberships of a record that does not exist")
    for table in ("record_formats", "versions", "changes"):
        for (identifier,) in each(
            f"SELECT DISTINCT t.identifier FROM {table} t WHERE NOT EXISTS"
            " (SELECT 1 FROM records r WHERE r.identifier = t.identifier)"
        ):
            problems.append(f"{identifier}: orphan rows in {table}")
    for (name,) in each(
        "SELECT DISTINCT t.name FROM tokens t WHERE NOT EXISTS"
        " (SELECT 1 FROM users u WHERE u.name = t.name)"
    ):
        problems.append(f"{name}: API tokens of an account that does not exist")
    seq, last = each("SELECT seq, last_datestamp FROM store_state WHERE id = 1")[0]
    for identifier, rseq, stamp in each(
        "SELECT identifier, seq, datestamp FROM records WHERE seq > ? OR datestamp > ?",
        (seq, last),
    ):
        problems.append(f"{identifier}: change {rseq} or datestamp {stamp} is past the store's")
    for (identifier,) in each(
        "SELECT r.identifier FROM records r WHERE NOT EXISTS"
        " (SELECT 1 FROM changes c WHERE c.identifier = r.identifier)"
    ):
        problems.append(f"{identifier}: a record without any history")
    with store._connection() as db:
        wrong = list_counts.discrepancies(db)
    for prefix, spec, day, kept, counted in wrong:
        problems.append(
            f"list size tally of {prefix or 'deleted records'!r} in {spec or 'the repository'!r}"
            f" on day {day}: {kept} kept, {counted} rows"
        )
    return problems


def _encode(table: str, column: str, value: Any) -> Any:
    if value is None:
        return None
    if (table, column) in BINARY:
        return base64.b64encode(bytes(value)).decode("ascii")
    if (table, column) in BOOLEAN:
        return bool(value)
    return value


def _decode(table: str, column: str, value: Any) -> Any:
    if value is None:
        return None
    if (table, column) in BINARY:
        return base64.b64decode(value)
    if (table, column) in BOOLEAN:
        return bool(value)
    return value


def _rows(store: SqlStore, table: str, batch: int = 200) -> Iterator[tuple]:
    """A table's backup columns in key order, a batch at a time (sources are large)."""
    keys = ORDER[table].split(", ")
    columns = BACKUP_TABLES[table]
    select = f"SELECT {', '.join(keys + list(columns))} FROM {table}"
    after: tuple | None = None
    while True:
        where = ""
        if after is not None:
            where = f" WHERE ({', '.join(keys)}) > ({', '.join('?' for _ in keys)})"
        with store._connection() as db:
            rows = db.execute(
                f"{select}{where} ORDER BY {ORDER[table]} LIMIT ?", (*(after or ()), batch)
            ).fetchall()
        for row in rows:
            yield tuple(row[len(keys):])
        if len(rows) < batch:
            return
        after = tuple(rows[-1][: len(keys)])


def backup_lines(store: SqlStore) -> Iterator[str]:
    """The backup, one JSON object a line: a heading, then one line per row."""
    yield json.dumps({"jats_oai_backup": FORMAT_VERSION, "tables": list(BACKUP_TABLES)})
    for table, columns in BACKUP_TABLES.items():
        for row in _rows(store, table):
            yield json.dumps(
                {"t": table, "r": [_encode(table, c, v) for c, v in zip(columns, row,
                                                                        strict=True)]},
                ensure_ascii=False,
            )


def write_backup(store: SqlStore, out: IO[str]) -> int:
    """Write the backup; the number of rows written."""
    rows = -1
    for line in backup_lines(store):
        out.write(line + "\n")
        rows += 1
    return rows


def restore(store: SqlStore, lines: IO[str]) -> int:
    """Replace everything the store holds with the backup, in one transaction; the number
    of rows restored. The harvest fragments are rebuilt by the store's framer."""
    heading = json.loads(lines.readline() or "{}")
    if heading.get("jats_oai_backup") != FORMAT_VERSION:
        raise BackupError("this is not a jats-oai backup file (or of an unknown version)")
    count = 0
    with store._writer() as db:
        for table in ("framed_records", "web_sessions", "login_attempts",
                      *reversed(list(BACKUP_TABLES))):
            if table != "store_state":
                db.execute(f"DELETE FROM {table}")
        for number, line in enumerate(lines, start=2):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                table, values = item["t"], item["r"]
                columns = BACKUP_TABLES[table]
            except (ValueError, KeyError, TypeError):
                raise BackupError(f"line {number} of the backup cannot be read") from None
            row = tuple(_decode(table, c, v) for c, v in zip(columns, values, strict=True))
            if table == "store_state":
                db.execute("UPDATE store_state SET seq = ?, last_datestamp = ? WHERE id = 1",
                           row[1:])
            else:
                db.execute(
                    f"INSERT INTO {table} ({', '.join(columns)})"
                    f" VALUES ({', '.join('?' for _ in columns)})", row,
                )
            count += 1
        _reframe(store, db)
    store._clear_upto = -1
    return count


def _reframe(store: SqlStore, db: Db) -> None:
    """Rebuild every harvest fragment inside the restoring transaction."""
    framer = store._framer()
    last = ""
    while True:
        batch = db.execute(
            "SELECT identifier, datestamp, deleted, set_specs, seq FROM records"
            " WHERE identifier > ? ORDER BY identifier LIMIT 500", (last,),
        ).fetchall()
        if not batch:
            break
        store._frame_batch(db, framer, batch)
        last = batch[-1][0]
    list_counts.rebuild(db)
    db.execute("UPDATE store_state SET framing = ? WHERE id = 1", (framer.version,))
