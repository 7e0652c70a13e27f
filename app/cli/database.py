"""The store a command works on, opened so that a wrong database URL or an unreachable
server ends the command with one sentence instead of a traceback."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

from app.config import Settings, load_settings
from app.factory import open_store
from app.store.base import Store


class StoreUnavailable(Exception):
    """The configured database cannot be opened; :func:`app.cli.main` prints it, exit 2."""


def open_configured_store(settings: Settings) -> Store:
    url = settings.effective_database_url
    try:
        return open_store(url)
    except ValueError as exc:
        raise StoreUnavailable(str(exc)) from None
    except (sqlite3.Error, psycopg.Error, OSError) as exc:
        raise StoreUnavailable(f"the database cannot be opened: {exc}") from None


@contextmanager
def configured_store() -> Iterator[Store]:
    """The store of the current settings, closed when the command is done with it."""
    store = open_configured_store(load_settings())
    try:
        yield store
    finally:
        store.close()
