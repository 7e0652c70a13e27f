"""Funding: funders, their ids and awards."""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import etree

from app.jats.model import (
    Award,
)
from app.jats.reader.tree import HREF, children_named
from app.jats.text import (
    ALWAYS_DROP,
    local,
    text_of,
)


def _award_groups(meta: etree._Element) -> Iterator[etree._Element]:
    for group in children_named(meta, "funding-group"):
        for award in group.iter():
            if local(award.tag) == "award-group":
                yield award


def _funder_name(source: etree._Element) -> str:
    """The funder as named: its ``institution`` elements if tagged, else the text, never the
    identifier (``institution-id``) that sits beside the name."""
    names = [text_of(i) for i in source.iter() if local(i.tag) == "institution"]
    if any(names):
        return "; ".join(n for n in names if n)
    return text_of(source, drop=FUNDER_DROP)


def read_funding(meta: etree._Element) -> tuple[str, ...]:
    out: list[str] = []
    for award in _award_groups(meta):
        sources = [_funder_name(s) for s in award.iter() if local(s.tag) == "funding-source"]
        ids = [text_of(s) for s in award.iter() if local(s.tag) == "award-id"]
        line = "; ".join(s for s in sources if s)
        if ids:
            line = f"{line} ({', '.join(i for i in ids if i)})" if line else ", ".join(ids)
        if line and line not in out:
            out.append(line)
    return tuple(out)


#: ``institution-id-type`` values (lower case) and the DataCite funderIdentifierType they are.
FUNDER_ID_TYPES = {
    "fundref": "Crossref Funder ID",
    "crossref funder id": "Crossref Funder ID",
    "crossref-funder-id": "Crossref Funder ID",
    "ror": "ROR",
    "isni": "ISNI",
    "grid": "GRID",
}
FUNDER_DROP = frozenset({"institution-id"}) | ALWAYS_DROP
_FUNDREF_DOI = re.compile(r"10\.13039/\S+")


def _funder_id(source: etree._Element) -> tuple[str | None, str | None]:
    """The funder's identifier and its DataCite type, when the record tags one of a known
    kind (an ``institution-id``, or a Crossref Funder DOI in ``xlink:href``); else nothing."""
    candidates = [(i.get("institution-id-type") or "", text_of(i))
                  for i in source.iter() if local(i.tag) == "institution-id"]
    if source.get(HREF):
        candidates.append(("", source.get(HREF) or ""))
    for kind, value in candidates:
        doi = _FUNDREF_DOI.search(value)
        if doi:
            return f"https://doi.org/{doi.group(0)}", "Crossref Funder ID"
        named = FUNDER_ID_TYPES.get(kind.strip().lower())
        if named and value and named != "Crossref Funder ID":
            return value, named
    return None, None


def read_awards(meta: etree._Element) -> tuple[Award, ...]:
    """One entry per funder and award number of each ``award-group`` (an award-group without
    a number gives one entry per funder)."""
    out: list[Award] = []
    for award in _award_groups(meta):
        numbers = [n for n in (text_of(i) for i in award.iter() if local(i.tag) == "award-id")
                   if n] or [None]
        for source in (s for s in award.iter() if local(s.tag) == "funding-source"):
            name = _funder_name(source)
            if not name:
                continue
            ident, kind = _funder_id(source)
            for number in numbers:
                entry = Award(name, ident, kind, number)
                if entry not in out:
                    out.append(entry)
    return tuple(out)
