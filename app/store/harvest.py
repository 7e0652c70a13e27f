"""The payload and harvest store interface: what OAI-PMH and the pages read.

Each record's formats are rendered once, when it is stored; this interface hands back those
payloads, the framed fragments of a ListRecords page and the headers of a ListIdentifiers
page, by index ranges whatever the depth of a page. It never builds a payload or a fragment.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime

from app.store.types import FramedRow, Header, SetInfo, Window


class HarvestStore(ABC):
    """Rendered payloads, harvest pages, sets, and the summaries the pages list."""

    @abstractmethod
    def header(self, identifier: str) -> Header | None: ...

    @abstractmethod
    def payload(self, identifier: str, prefix: str) -> bytes | None:
        """The pre-rendered payload of a live record in one format, or None."""

    @abstractmethod
    def formats_of(self, identifier: str) -> tuple[str, ...]:
        """The metadataPrefixes a record can be disseminated in."""

    @abstractmethod
    def summary(self, identifier: str) -> dict[str, object] | None: ...

    @abstractmethod
    def current_seq(self) -> int:
        """The sequence number of the last change: the upper bound of a new harvest window."""

    @abstractmethod
    def list_page(
        self, window: Window, after: tuple[datetime, str] | None, limit: int, with_payload: bool
    ) -> list[tuple[Header, bytes | None]]:
        """One page of headers (ListIdentifiers), ordered by (datestamp, identifier), strictly
        after ``after``, optionally with the bare payloads.

        Live records must have the window's prefix; deleted records are listed in every
        format. A range of the records' covering index, which never reads a fragment: that
        is why it stays apart from :meth:`list_framed`.
        """

    @abstractmethod
    def list_framed(
        self,
        window: Window,
        after: tuple[datetime, str] | None,
        limit: int,
        packed: bool = False,
    ) -> list[FramedRow]:
        """One ListRecords page as the fragments the framer built at put time.

        The same records, in the same order, as ``list_page`` with payloads; ``window.prefix``
        must be set. An index range, whatever the depth of the page. With ``packed``, each
        row also carries its packed fragment (for a compressed answer); else None there.
        """

    @abstractmethod
    def count(self, window: Window) -> int:
        """How many records ``list_page`` lists in the window (an index-only count)."""

    @abstractmethod
    def earliest_datestamp(self) -> datetime | None: ...

    @abstractmethod
    def sets(self) -> list[SetInfo]: ...

    @abstractmethod
    def set_exists(self, spec: str) -> bool: ...

    @abstractmethod
    def records_in_set(self, spec: str) -> list[tuple[Header, dict[str, object]]]:
        """Live records of a set with their summaries, for the pages."""
