"""Publication and history dates, as far as the record gives them."""

from __future__ import annotations

import datetime as dt
import re

from lxml import etree

from app.jats.model import (
    PubDate,
)
from app.jats.reader.tree import at_path, children_named, first_text

MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
            ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
            ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
            ("dec", "december"),
        ]
    )
    for m in names
}
def read_pub_dates(meta: etree._Element) -> tuple[PubDate, ...]:
    out: list[PubDate] = []
    for el in children_named(meta, "pub-date"):
        kind = (el.get("pub-type") or el.get("date-type") or "").strip().lower() or None
        if kind in ("publication", "published"):
            kind = "pub"
        date = _date(el, kind)
        if date is not None and date not in out:
            out.append(date)
    return tuple(out)


def read_history_dates(meta: etree._Element) -> tuple[PubDate, ...]:
    """The dates of ``history`` (received, accepted...), each with its ``date-type``."""
    out: list[PubDate] = []
    for el in at_path(meta, "history/date"):
        kind = (el.get("date-type") or "").strip().lower() or None
        date = _date(el, kind)
        if date is not None and date not in out:
            out.append(date)
    return tuple(out)


def _date(el: etree._Element, kind: str | None) -> PubDate | None:
    year = _int(first_text(el, "year"), 4)
    month = _month(first_text(el, "month"))
    day = _int(first_text(el, "day"), 2)
    iso = el.get("iso-8601-date") or ""
    m = re.match(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", iso)
    if year is None and m:
        year = int(m.group(1))
        month = int(m.group(2)) if m.group(2) else None
        day = int(m.group(3)) if m.group(3) else None
    if year is None:
        return None
    if month is not None and not 1 <= month <= 12:
        month = None
    if month is None or day is None or not _valid_day(year, month, day):
        day = None
    return PubDate(year=year, month=month, day=day, kind=kind)


def _int(text: str | None, digits: int) -> int | None:
    m = re.match(rf"^\s*(\d{{1,{digits}}})\b", text or "")
    return int(m.group(1)) if m else None


def _month(text: str | None) -> int | None:
    if not text:
        return None
    if text.strip().isdigit():
        return int(text.strip())
    return MONTHS.get(re.split(r"[\s\-/.]", text.strip().lower())[0])


def _valid_day(year: int, month: int, day: int) -> bool:
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True
