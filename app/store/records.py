"""The record store interface: records as deposited, their history, and the loader's view.

Writers (the ingest pipeline, the loader, deposits and withdrawals) and the pages that show a
record's source and history type against this; nothing here knows a metadata format's wire
form nor OAI-PMH.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from datetime import datetime

from app.store.types import Change, Header, PutResult, RecordDraft, SetInfo


class RecordStore(ABC):
    """Records, their versions and history, and the sets they belong to."""

    @abstractmethod
    def put(self, draft: RecordDraft, *, actor: str) -> PutResult:
        """Add or replace a record in one transaction.

        The datestamp (and the stored harvest fragments) change exactly when the content
        hash, the set memberships or the rendered formats (:func:`formats_digest`) change;
        putting an identical record again writes nothing. A deleted record is revived under
        the same identifier. The previous source version is kept in the history.
        """

    def put_many(self, drafts: Sequence[RecordDraft], *, actor: str) -> list[PutResult]:
        """Put several records, each exactly as :meth:`put` would, in one transaction: an
        interrupted batch leaves none of them written (the default puts them one by one)."""
        return [self.put(d, actor=actor) for d in drafts]

    def entered(self, identifiers: Sequence[str]) -> dict[str, datetime]:
        """When each known record first entered the store (its first history line)."""
        found = {}
        for identifier in identifiers:
            times = [c.at for c in self.history(identifier)]
            if times:
                found[identifier] = min(times)
        return found

    @abstractmethod
    def withdraw(self, identifier: str, *, actor: str) -> Header | None:
        """Mark a record deleted (it stays as a header, persistently); None if unknown."""

    @abstractmethod
    def put_set(self, info: SetInfo) -> None: ...

    @abstractmethod
    def header(self, identifier: str) -> Header | None: ...

    @abstractmethod
    def source(self, identifier: str) -> bytes | None:
        """The JATS bytes exactly as deposited (the current version of a live record)."""

    @abstractmethod
    def content_hash(self, identifier: str) -> str | None: ...

    @abstractmethod
    def history(self, identifier: str) -> list[Change]: ...

    @abstractmethod
    def old_source(self, identifier: str, content_hash: str) -> bytes | None:
        """A previous version of a record's source, kept when it was replaced."""

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

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections; the default has nothing to release."""
