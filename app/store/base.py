"""The whole store: what the OAI-PMH provider, the pages and the loader may ask of a store.

It is three small interfaces, each in its own module, which callers type against:
:class:`~app.store.records.RecordStore` (records, history, the loader's view),
:class:`~app.store.harvest.HarvestStore` (rendered payloads, harvest pages, sets) and
:class:`~app.store.accounts.AccountStore` (editors, tokens, sessions, throttling, audit).
Two implementations sit behind them (SQLite, the embedded default, and PostgreSQL), each one
class for all three; nothing outside ``app.store`` knows which one it talks to, nor any SQL.
"""

from __future__ import annotations

from abc import abstractmethod

from app.store.accounts import AccountStore
from app.store.catalogue import CatalogueStore
from app.store.harvest import HarvestStore
from app.store.records import RecordStore
from app.store.types import (
    AuditEntry,
    Change,
    Framed,
    FramedRow,
    Framer,
    Header,
    PutResult,
    RecordDraft,
    SetInfo,
    StoreBehind,
    StoreBusy,
    StoreUnavailable,
    User,
    Window,
    formats_digest,
)

__all__ = [
    "AccountStore",
    "AuditEntry",
    "CatalogueStore",
    "Change",
    "Framed",
    "FramedRow",
    "Framer",
    "HarvestStore",
    "Header",
    "PutResult",
    "RecordDraft",
    "RecordStore",
    "SetInfo",
    "Store",
    "StoreBehind",
    "StoreBusy",
    "StoreUnavailable",
    "User",
    "Window",
    "formats_digest",
]


class Store(RecordStore, HarvestStore, AccountStore, CatalogueStore):
    """Records, rendered payloads and harvest pages, editor accounts and the catalogue's
    search index, in one database."""

    @abstractmethod
    def compact(self) -> dict[str, int]:
        """Rewrite the storage so each harvest range lies together (after a bulk load or
        months of changes); a maintenance step that may lock the store. Returns sizes."""

    def settle(self) -> None:  # noqa: B027 - optional hook
        """After a bulk write, bring the database's own bookkeeping up to date with the
        server running (readers and writers go on): no manual step keeps harvests fast."""
