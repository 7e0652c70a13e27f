"""The store interface: what the OAI-PMH provider, the pages and the loader may ask of a store.

Two implementations sit behind it (SQLite, the embedded default, and PostgreSQL); nothing
outside ``app.store`` knows which one it talks to, nor any SQL.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


class StoreBusy(Exception):
    """A maintenance operation needs the store to itself, and another process is using it."""


class StoreUnavailable(Exception):
    """The database cannot be reached (down, restarting, out of connections) within the
    time-outs: a passing condition, so callers answer "try again later", never a crash."""


@dataclass(frozen=True)
class Header:
    """What OAI-PMH calls a record header. ``datestamp`` is UTC, whole seconds."""

    identifier: str
    datestamp: datetime
    deleted: bool
    sets: tuple[str, ...] = ()


@dataclass(frozen=True)
class RecordDraft:
    """A validated article, ready to store: source bytes plus every format already rendered.

    ``identifier`` is the local identifier (the part after ``oai:<repository>:``), derived from
    the article itself. ``formats`` maps a metadataPrefix to the serialized payload element.
    ``summary`` is small JSON-able data the pages list without re-reading the JATS.
    ``origin`` says where the record came from: a path relative to a loaded folder, or
    ``deposit``; the loader withdraws only records whose origin lies under the folder it loads.
    ``search`` is the record's document for the pages' search index (:mod:`app.store.search`).
    """

    identifier: str
    source: bytes
    content_hash: str
    sets: tuple[str, ...]
    formats: dict[str, bytes]
    summary: dict[str, object] = field(default_factory=dict)
    origin: str | None = None
    search: dict[str, object] | None = None


def formats_digest(formats: Mapping[str, bytes]) -> str:
    """SHA-256 of a record's rendered formats: which prefixes, and each payload's bytes.

    The store keeps it per record so that a re-rendering (a fixed crosswalk, a new
    ``public_url``) of unchanged source is recognised as a change, and an identical one is not.
    Each prefix and payload is length-prefixed, so no two different mappings share a digest.
    """
    h = hashlib.sha256()
    for prefix in sorted(formats):
        name, payload = prefix.encode(), bytes(formats[prefix])
        h.update(len(name).to_bytes(8, "big") + name + len(payload).to_bytes(8, "big") + payload)
    return h.hexdigest()


@dataclass(frozen=True)
class SetInfo:
    spec: str
    name: str
    description: str | None = None


@dataclass(frozen=True)
class Change:
    """One line of a record's history: who did what, when, to which version of the source."""

    identifier: str
    action: str
    actor: str
    at: datetime
    content_hash: str | None


@dataclass(frozen=True)
class PutResult:
    header: Header
    changed: bool


@dataclass(frozen=True)
class User:
    name: str
    password_hash: str
    created: datetime
    admin: bool = False


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit trail: who did what to which account or session."""

    at: datetime
    actor: str
    action: str
    subject: str


@dataclass(frozen=True)
class Window:
    """A selective-harvest window, fixed when a harvest starts and carried in its tokens.

    ``max_seq`` is the store's change sequence at the first request: a record written after
    the harvest began is outside the window, so a harvest never repeats a record. It shows
    up in the next incremental harvest instead, whose ``from`` is this harvest's responseDate.
    """

    prefix: str | None
    set_spec: str | None
    from_: datetime | None
    until: datetime | None
    max_seq: int


class Framer(Protocol):
    """Builds the bytes a harvest sends for one record in one format, once, at put time.

    The protocol side supplies it (the store never looks inside what it returns), so a harvest
    page is a concatenation of stored fragments. ``version`` names the framing: a store
    opened with a framer of another version rebuilds every fragment.
    """

    version: str

    def record(self, header: Header, payload: bytes) -> bytes | None:
        """The fragment of a live record; None when the payload cannot be sent."""
        ...

    def deleted(self, header: Header) -> bytes:
        """The fragment of a deleted record (listed in every format)."""
        ...


#: One row of a framed harvest page: (datestamp in UTC Unix seconds, identifier, deleted (truthy),
#: fragment or None when the record's payload could not be framed).
FramedRow = tuple[int, str, bool, bytes | None]


class Store(ABC):
    """Records, their history, sets and editor accounts."""

    # --- records -------------------------------------------------------------------------
    @abstractmethod
    def put(self, draft: RecordDraft, *, actor: str) -> PutResult:
        """Add or replace a record in one transaction.

        The datestamp (and the stored harvest fragments) change exactly when the content
        hash, the set memberships or the rendered formats (:func:`formats_digest`) change;
        putting an identical record again writes nothing. A deleted record is revived under
        the same identifier. The previous source version is kept in the history.
        """

    @abstractmethod
    def withdraw(self, identifier: str, *, actor: str) -> Header | None:
        """Mark a record deleted (it stays as a header, persistently); None if unknown."""

    @abstractmethod
    def header(self, identifier: str) -> Header | None: ...

    @abstractmethod
    def payload(self, identifier: str, prefix: str) -> bytes | None:
        """The pre-rendered payload of a live record in one format, or None."""

    @abstractmethod
    def formats_of(self, identifier: str) -> tuple[str, ...]:
        """The metadataPrefixes a record can be disseminated in."""

    @abstractmethod
    def source(self, identifier: str) -> bytes | None:
        """The JATS bytes exactly as deposited (the current version of a live record)."""

    @abstractmethod
    def summary(self, identifier: str) -> dict[str, object] | None: ...

    @abstractmethod
    def content_hash(self, identifier: str) -> str | None: ...

    @abstractmethod
    def history(self, identifier: str) -> list[Change]: ...

    @abstractmethod
    def old_source(self, identifier: str, content_hash: str) -> bytes | None:
        """A previous version of a record's source, kept when it was replaced."""

    # --- harvesting ----------------------------------------------------------------------
    @abstractmethod
    def current_seq(self) -> int:
        """The sequence number of the last change: the upper bound of a new harvest window."""

    @abstractmethod
    def list_page(
        self, window: Window, after: tuple[datetime, str] | None, limit: int, with_payload: bool
    ) -> list[tuple[Header, bytes | None]]:
        """One page of a harvest, ordered by (datestamp, identifier), strictly after ``after``.

        Live records must have the window's prefix; deleted records are listed in every
        format. An index lookup, whatever the depth of the page.
        """

    @abstractmethod
    def list_framed(
        self, window: Window, after: tuple[datetime, str] | None, limit: int
    ) -> list[FramedRow]:
        """One ListRecords page as the fragments the framer built at put time.

        The same records, in the same order, as ``list_page`` with payloads; ``window.prefix``
        must be set. An index range, whatever the depth of the page.
        """

    @abstractmethod
    def count(self, window: Window) -> int:
        """How many records ``list_page`` lists in the window (an index-only count)."""

    @abstractmethod
    def earliest_datestamp(self) -> datetime | None: ...

    @abstractmethod
    def sets(self) -> list[SetInfo]: ...

    @abstractmethod
    def put_set(self, info: SetInfo) -> None: ...

    @abstractmethod
    def set_exists(self, spec: str) -> bool: ...

    @abstractmethod
    def iter_identifiers(
        self, origin_prefix: str | None = None
    ) -> Iterator[tuple[str, str | None]]:
        """(identifier, origin) of live records, optionally only those loaded from a folder."""

    @abstractmethod
    def iter_loaded(
        self, origin_prefix: str | None = None
    ) -> Iterator[tuple[str, str | None, str]]:
        """(identifier, origin, content_hash) of live records, optionally under a folder.

        The loader compares a file's hash with the record loaded from that same path, so an
        unchanged file is skipped without parsing it.
        """

    @abstractmethod
    def records_in_set(self, spec: str) -> list[tuple[Header, dict[str, object]]]:
        """Live records of a set with their summaries, for the pages."""

    # --- editors -------------------------------------------------------------------------
    @abstractmethod
    def add_user(self, name: str, password_hash: str) -> None: ...

    @abstractmethod
    def user(self, name: str) -> User | None: ...

    @abstractmethod
    def add_token(self, name: str, token_hash: str) -> None: ...

    @abstractmethod
    def user_for_token(self, token_hash: str) -> str | None: ...

    @abstractmethod
    def users(self) -> list[tuple[User, int]]:
        """Every editor account with the number of its API tokens, by name."""

    @abstractmethod
    def remove_tokens(self, name: str) -> int:
        """Revoke every API token of an editor; how many there were."""

    @abstractmethod
    def remove_user(self, name: str) -> bool:
        """Delete an editor account and its tokens (the history keeps the name)."""

    @abstractmethod
    def set_admin(self, name: str, admin: bool) -> bool:
        """Grant or take back the administrator role; False when there is no such account."""

    # --- sessions, sign-in attempts, audit -----------------------------------------------
    @abstractmethod
    def load_session(self, id_hash: str, now: int) -> tuple[str | None, str] | None:
        """(editor or None, JSON data) of an unexpired session, or None."""

    @abstractmethod
    def save_session(self, id_hash: str, name: str | None, data: str, expires: int) -> None:
        """Create or replace a session; expired sessions are swept on the way."""

    @abstractmethod
    def delete_session(self, id_hash: str) -> None: ...

    @abstractmethod
    def end_sessions(self, name: str) -> int:
        """End every session of an editor (password change, removal); how many there were."""

    @abstractmethod
    def login_attempt(self, keys: Sequence[str], window: int, now: int) -> dict[str, int]:
        """Count one sign-in attempt under each key; the attempts of the last ``window``
        seconds per key, this one included. Counted before the password is checked, so
        concurrent guesses on several workers can never exceed the limit."""

    @abstractmethod
    def clear_login_attempts(self, keys: Sequence[str]) -> None: ...

    @abstractmethod
    def audit(self, actor: str, action: str, subject: str = "") -> None:
        """Add a line to the audit trail."""

    @abstractmethod
    def audit_trail(self, limit: int = 100) -> list[AuditEntry]:
        """The latest lines of the audit trail, newest first."""

    @abstractmethod
    def compact(self) -> dict[str, int]:
        """Rewrite the storage so each harvest range lies together (after a bulk load or
        months of changes); a maintenance step that may lock the store. Returns sizes."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections; the default has nothing to release."""

    def put_many(self, drafts: Sequence[RecordDraft], *, actor: str) -> list[PutResult]:
        """Put several records; each is its own transaction, so an interrupted batch is safe."""
        return [self.put(d, actor=actor) for d in drafts]
