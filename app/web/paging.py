"""Pages of a list that can grow: which slice to show and the links to the others."""

from __future__ import annotations

from dataclasses import dataclass

from flask import request, url_for

MAX_PAGE = 10_000


def requested_page() -> int:
    """``?page=N`` (1 when absent or unusable; capped, so nobody asks for page 10**9)."""
    raw = request.args.get("page", "1")
    return min(max(int(raw), 1), MAX_PAGE) if raw.isdigit() else 1


@dataclass(frozen=True)
class Pager:
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def start(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def first_shown(self) -> int:
        return min(self.start + 1, self.total)

    @property
    def last_shown(self) -> int:
        return min(self.start + self.per_page, self.total)

    def url(self, page: int) -> str:
        """This very address with another page number (the other parameters kept)."""
        args = request.args.to_dict(flat=False)
        args["page"] = [str(page)]
        return url_for(request.endpoint or "web.home", **(request.view_args or {}), **args)

    @property
    def window(self) -> list[int]:
        """Page numbers to offer: the first, the last and a few around this one."""
        near = range(max(1, self.page - 2), min(self.pages, self.page + 2) + 1)
        return sorted({1, self.pages, *near})
