"""What the store's interfaces speak of: headers, drafts, windows, accounts, the framer."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


class StoreBusy(Exception):
    """A maintenance operation needs the store to itself, and another process is using it."""


class StoreUnavailable(Exception):
    """The database cannot be reached (down, restarting, out of connections) within the
    time-outs: a passing condition, so callers answer "try again later", never a crash."""

    #: Seconds a client is asked to wait (HTTP ``Retry-After``).
    retry_after: int = 30


class StoreBehind(StoreUnavailable):
    """A read replica has not yet replayed the changes a harvest was fixed at (its resumption
    token's ``max_seq``): answering from it would send a page with records missing, so the
    client is asked to retry in a moment, when replay has caught up."""

    retry_after = 2


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
    #: What the put did when it changed the record: add, revive, update or rerender.
    action: str | None = None


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


#: What a framer builds for one record in one format: the fragment, and the same bytes
#: packed (compressed) the way the protocol side assembles compressed pages from.
Framed = tuple[bytes, bytes]


class Framer(Protocol):
    """Builds the bytes a harvest sends for one record in one format, once, at put time.

    The protocol side supplies it (the store never looks inside what it returns), so a harvest
    page is a concatenation of stored fragments, plain or packed. ``version`` names the
    framing: a store opened with a framer of another version rebuilds every fragment.
    """

    version: str

    def record(
        self, header: Header, payload: bytes, summary: Mapping[str, object]
    ) -> Framed | None:
        """The fragment of a live record, given the record's summary (what the framer takes
        from it is its own business); None when the payload cannot be sent."""
        ...

    def deleted(self, header: Header) -> Framed:
        """The fragment of a deleted record (listed in every format)."""
        ...


#: One row of a framed harvest page: (datestamp in UTC Unix seconds, identifier, deleted (truthy),
#: fragment or None when the record's payload could not be framed, the packed fragment when
#: the page was asked for packed, else None).
FramedRow = tuple[int, str, bool, bytes | None, bytes | None]
