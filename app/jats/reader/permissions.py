"""Licence, access right and embargo, and the article's own addresses (``self-uri``)."""

from __future__ import annotations

import datetime as dt
import re

from lxml import etree

from app.jats.reader.tree import children_named, href_of
from app.jats.text import (
    local,
    normalise_space,
    text_of,
)
from app.urls import safe_url

OPEN_LICENSE_TYPES = ("open-access", "open", "creative-commons", "cc", "public-domain", "free")
# self-uri content types of a web page (any other names a file).
PAGE_TYPES = frozenset({"html", "text/html", "landing-page", "abstract", "article"})
def read_permissions(
    meta: etree._Element, today: dt.date | None
) -> tuple[str | None, str | None, str | None, str | None]:
    """Licence URL and text, access right and embargo end, from ``<permissions>``."""
    permissions = children_named(meta, "permissions")
    licenses = [lic for p in permissions for lic in children_named(p, "license")]
    url: str | None = None
    text: str | None = None
    types: list[str] = []
    for lic in licenses:
        types.append((lic.get("license-type") or "").strip().lower())
        found = _license_url(lic)
        if url is None and found:
            url = found
        body = " ".join(text_of(p) for p in children_named(lic, "license-p")) or text_of(lic)
        if text is None and body:
            text = body
    for p in permissions:
        for ref in (e for e in p.iter(etree.Element) if local(e.tag) == "license_ref"):
            if url is None and text_of(ref):
                url = text_of(ref)
    access, embargo_end = _access_right(permissions, types, url, text, today)
    return url, text, access, embargo_end


def _license_url(lic: etree._Element) -> str | None:
    for ref in (e for e in lic.iter(etree.Element) if local(e.tag) == "license_ref"):
        if value := text_of(ref):
            return value
    if href_of(lic).strip():
        return href_of(lic).strip()
    for el in lic.iter():
        if local(el.tag) in ("ext-link", "uri"):
            href = (href_of(el) or text_of(el)).strip()
            if href.startswith(("http://", "https://")):
                return href
    return None


def _access_right(
    permissions: list[etree._Element],
    types: list[str],
    url: str | None,
    text: str | None,
    today: dt.date | None,
) -> tuple[str | None, str | None]:
    """"open", "embargoed", "restricted", "metadata" or None, with the embargo end if any."""
    today = today or dt.datetime.now(dt.UTC).date()
    for p in permissions:
        for ftr in (e for e in p.iter(etree.Element) if local(e.tag) == "free_to_read"):
            start = _iso_date(ftr.get("start_date"))
            end = _iso_date(ftr.get("end_date"))
            if start and start > today:
                return "embargoed", start.isoformat()
            if end and end < today:
                return "restricted", None
            return "open", None
    for kind in types:
        if any(kind.startswith(t) for t in OPEN_LICENSE_TYPES):
            return "open", None
        if kind.startswith("embargo"):
            return "embargoed", None
        if kind.startswith(("restricted", "closed", "subscription")):
            return "restricted", None
        if kind.startswith("metadata"):
            return "metadata", None
    if url and re.search(r"creativecommons\.org/(licenses|publicdomain)/", url):
        return "open", None
    if text and re.search(r"\bopen[- ]access\b", text, re.IGNORECASE):
        return "open", None
    return None, None


def _iso_date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat((value or "").strip()[:10])
    except ValueError:
        return None


def read_self_uris(meta: etree._Element) -> list[tuple[str, str]]:
    """Each ``self-uri`` address with its content type (lower case, "" when untyped)."""
    links = ((normalise_space(href_of(e) or text_of(e)), (e.get("content-type") or "").lower())
             for e in children_named(meta, "self-uri"))
    return [(safe, kind) for uri, kind in links if (safe := safe_url(uri))]


def read_landing_page(links: list[tuple[str, str]]) -> str | None:
    """The first absolute web address that is not a file download (PDF and the like)."""
    files = {uri for uri, kind in links if kind and kind not in PAGE_TYPES}
    return next(
        (uri for uri, _kind in links
         if uri.startswith(("http://", "https://")) and uri not in files
         and not re.search(r"\.(pdf|xml|epub|zip)$", uri, re.IGNORECASE)),
        None,
    )
