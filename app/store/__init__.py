"""The record store: :func:`open_store` picks the implementation from a database URL."""

from __future__ import annotations

from pathlib import Path

from app.store.base import Framer, Store


def open_store(url: str, *, migrate: bool = True, framer: Framer | None = None) -> Store:
    """Open (and bring up to date) the store at ``url``.

    ``sqlite:///relative/file`` or ``sqlite:////absolute/file`` for the embedded store,
    ``postgresql://user@host:port/db`` (or ``postgres://``) for PostgreSQL.
    ``framer`` builds the harvest fragments stored with each record; by default the
    OAI-PMH provider's (this function is where the store and the protocol are wired).
    """
    if framer is None:
        from app.oai.framing import RecordFramer

        framer = RecordFramer()
    if url.startswith("sqlite:///"):
        from app.store.sqlite import SqliteStore

        return SqliteStore(Path(url[len("sqlite:///") :]), run_migrations=migrate, framer=framer)
    if url.startswith(("postgresql://", "postgres://")):
        from app.store.postgres import PostgresStore

        return PostgresStore(url, run_migrations=migrate, framer=framer)
    raise ValueError(f"unsupported database URL (use sqlite:/// or postgresql://): {url!r}")
