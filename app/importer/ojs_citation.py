"""The journal, issue and pages OJS packs into one string (``dc:source``, MARC 773 $g).

OJS builds ``dc:source`` as ``<journal title>; <issue identification>; <pages>`` once per
locale, and the issue identification as ``Vol. 4 No. 4 (2023): <issue title>`` with the
words of that locale (``Том 4 № 4 (2023)``, ``Bd. 4 Nr. 4 (2023)``...), any part left out
when the issue does not show it. Only what the string plainly says is taken.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ISSN = re.compile(r"^\s*(\d{4}-\d{3}[\dXx])\s*$")
_VOLUME_WORDS = r"(?:Vol\.?|Volume|Том|Т\.|Тom|Tom\.?|Bd\.|Band|Vol\.|Svazak|Svazek|Cilt|Вып\.)"
_NUMBER_WORDS = r"(?:No\.?|Nr\.?|Núm\.?|Num\.?|N[º°o]\.?|№|Номер|Broj|Sayı|Issue|Heft)"
_VOLUME = re.compile(r"(?<!\w)" + _VOLUME_WORDS + r"\s*(\d[\w.\-/]*)", re.IGNORECASE)
_NUMBER = re.compile(r"(?<!\w)" + _NUMBER_WORDS + r"\s*(\d[\w.\-/]*)", re.IGNORECASE)
_YEAR = re.compile(r"\((\d{4})\)")
_PAGES = re.compile(r"^\s*(\d+|[ivxlcdm]+)\s*(?:[-–—]\s*(\d+|[ivxlcdm]+))?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class IssueCitation:
    journal: str | None = None
    volume: str | None = None
    number: str | None = None
    year: str | None = None
    fpage: str | None = None
    lpage: str | None = None
    page_range: str | None = None


def issue_identification(text: str) -> tuple[str | None, str | None, str | None]:
    """(volume, number, year) from an OJS issue identification; None where it is silent."""
    label = text.split("):", 1)[0] + ")" if "):" in text else text
    volume = _VOLUME.search(label)
    number = _NUMBER.search(label)
    year = _YEAR.search(label)
    return (
        volume.group(1).rstrip(".") if volume else None,
        number.group(1).rstrip(".") if number else None,
        year.group(1) if year else None,
    )


def pages(text: str | None) -> tuple[str | None, str | None, str | None]:
    """(fpage, lpage, page-range) from OJS's free-text pages: "63-72" gives the first two,
    anything else ("63-72, 80") only the range, as written."""
    if not text or not text.strip():
        return None, None, None
    match = _PAGES.match(text)
    if match:
        return match.group(1), match.group(2), None
    return None, None, text.strip()


def _looks_like_pages(text: str) -> bool:
    """OJS's pages are free text ("63-72", "10-20, 25", "e101"): digits, no issue words."""
    return bool(re.search(r"\d", text)) and not any(issue_identification(text))


def parse_source(text: str) -> IssueCitation:
    """Parse one localised ``dc:source``; a string that is not OJS's form gives only a
    journal title (the whole string), never a guessed volume or issue."""
    parts = [p.strip() for p in text.split(";")]
    if len(parts) < 2:
        return IssueCitation(journal=text.strip() or None)
    page_part = parts[-1] if len(parts) >= 3 and _looks_like_pages(parts[-1]) else None
    body = parts[1:-1] if page_part is not None else parts[1:]
    volume, number, year = issue_identification("; ".join(body))
    fpage, lpage, page_range = pages(page_part)
    if not (volume or number or year):
        # Not an issue identification: the journal title itself holds a semicolon.
        title = "; ".join(parts[:-1] if page_part is not None else parts)
        return IssueCitation(journal=title, fpage=fpage, lpage=lpage, page_range=page_range)
    return IssueCitation(parts[0] or None, volume, number, year, fpage, lpage, page_range)
