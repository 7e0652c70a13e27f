"""Small builders shared by test modules: a hand-moved clock and a minimal article."""

from __future__ import annotations

from app.jats.model import Article, Contributor, LangText, PubDate

#: 2023-11-14T22:13:20Z, where hand-moved store clocks start.
T0 = 1_700_000_000


class Clock:
    """A clock the test moves by hand, so datestamps are predictable."""

    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def make_article(**changes: object) -> Article:
    """A minimal article (one English title, one author, a full date), with fields replaced."""
    base: dict[str, object] = {
        "titles": (LangText("Title", "en"),),
        "contributors": (Contributor(surname="Doe", given_names="Jane"),),
        "pub_dates": (PubDate(2024, 3, 9, "pub"),),
    }
    base.update(changes)
    return Article(**base)  # type: ignore[arg-type]
