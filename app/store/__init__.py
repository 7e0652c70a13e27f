"""The record store: :func:`open_store` picks the implementation from a database URL.

The store knows no protocol: the framer that builds the harvest fragments is passed in by
whoever opens it, and only the application factory (:func:`app.factory.open_store`) does.
"""

from __future__ import annotations

from pathlib import Path

from app.store.base import Framer, Store


def open_store(
    url: str, *, framer: Framer | None, migrate: bool = True, read_only: bool = False
) -> Store:
    """Open (and bring up to date) the store at ``url``.

    ``sqlite:///relative/file`` or ``sqlite:////absolute/file`` for the embedded store,
    ``postgresql://user@host:port/db`` (or ``postgres://``) for PostgreSQL.
    ``framer`` builds the harvest fragments stored with each record; a store opened without
    one can read but not write. ``read_only`` opens a PostgreSQL streaming replica: never
    migrated or written, its harvest pages refused while it lags behind their harvest.
    """
    if read_only and not url.startswith(("postgresql://", "postgres://")):
        raise ValueError(f"a read replica must be a PostgreSQL URL (postgresql://...): {url!r}")
    if url.startswith("sqlite:///"):
        from app.store.sqlite import SqliteStore

        return SqliteStore(Path(url[len("sqlite:///") :]), run_migrations=migrate, framer=framer)
    if url.startswith(("postgresql://", "postgres://")):
        from app.store.postgres import PostgresStore

        return PostgresStore(url, run_migrations=migrate, framer=framer, read_only=read_only)
    raise ValueError(f"unsupported database URL (use sqlite:/// or postgresql://): {url!r}")
