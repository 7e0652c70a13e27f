"""A small migration runner: numbered SQL files per dialect, applied in order, once.

Why not Alembic: the schema is written in plain SQL per dialect (two short files), there is
no ORM model to diff against, and the runner must be safe when several processes start at
once (gunicorn workers, a loader) - which here is one lock around one transaction.

Files are ``migrations/NNNN_name.<dialect>.sql``. Each pending file runs inside the same
transaction as its ``schema_version`` row, so a migration is either applied whole or not at
all. The lock (SQLite's write lock via ``BEGIN IMMEDIATE``, a PostgreSQL advisory lock) makes a
second process wait and then find the work already done. An applied file whose text has
changed since is refused, as is a database newer than the code.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.(sqlite|postgres)\.sql$")


class MigrationError(RuntimeError):
    """The database and the migration files disagree; nothing was changed."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def migrations(dialect: str, directory: Path | None = None) -> list[Migration]:
    """The migration files of one dialect, in version order."""
    root = directory or Path(str(resources.files("app.store") / "migrations"))
    found: list[Migration] = []
    for path in sorted(root.iterdir()):
        m = _NAME.match(path.name)
        if m and m.group(3) == dialect:
            found.append(Migration(int(m.group(1)), m.group(2), path.read_text(encoding="utf-8")))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"two {dialect} migrations share a version number in {root}")
    return found


def split_statements(sql: str) -> list[str]:
    """Split a script into statements (SQLite runs one statement per call)."""
    import sqlite3

    statements: list[str] = []
    current = ""
    for line in sql.splitlines(keepends=True):
        if not current and (not line.strip() or line.lstrip().startswith("--")):
            continue
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    if current.strip():
        raise MigrationError(f"incomplete SQL statement: {current.strip()[:80]}")
    return statements


def pending(applied: dict[int, str], available: list[Migration]) -> list[Migration]:
    """What is left to apply; refuses edited or unknown applied migrations."""
    known = {m.version: m for m in available}
    for version, checksum in sorted(applied.items()):
        if version not in known:
            raise MigrationError(
                f"the database has schema version {version}, which this code does not know; "
                "upgrade the code"
            )
        if known[version].checksum != checksum:
            raise MigrationError(
                f"migration {version:04d}_{known[version].name} changed after it was applied"
            )
    return [m for m in available if m.version not in applied]


SCHEMA_VERSION_DDL = (
    "CREATE TABLE IF NOT EXISTS schema_version ("
    " version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL,"
    " applied_at TEXT NOT NULL)"
)
