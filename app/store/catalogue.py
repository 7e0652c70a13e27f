"""The catalogue store interface: what the reader's pages ask beyond single records.

Search with facets, and the figures that browsing shows (articles per series and issue).
The pages type against this alone; the index itself lives in :mod:`app.store.search`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable

from app.store.search import SearchQuery, SearchResult, SeriesFigures


class CatalogueStore(ABC):
    """Full-text search and browsing figures over the live records."""

    @abstractmethod
    def search(self, query: SearchQuery) -> SearchResult:
        """Ranked, filtered, paginated hits with their facet counts."""

    @abstractmethod
    def index_for_search(self, documents: Iterable[tuple[str, dict[str, object]]]) -> None:
        """Index records stored before the search index existed, in one transaction."""

    @abstractmethod
    def unindexed(self, limit: int = 500) -> list[str]:
        """Live records the search index does not hold yet."""

    @abstractmethod
    def series_figures(self) -> dict[str, SeriesFigures]:
        """Per series: article count and year range."""

    @abstractmethod
    def issue_counts(self, series: str) -> dict[str, int]:
        """Articles per issue set of one series."""
