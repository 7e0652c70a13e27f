"""The article's own ids (``article-id``), DOIs bare."""

from __future__ import annotations

from lxml import etree

from app.jats.pids import bare_doi
from app.jats.reader.tree import children_named
from app.jats.text import (
    text_of,
)


def read_article_ids(meta: etree._Element) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    for el in children_named(meta, "article-id"):
        kind = (el.get("pub-id-type") or "other").strip().lower()
        value = text_of(el)
        if kind == "doi":
            value = bare_doi(value).strip()
        if value and (kind, value) not in out:
            out.append((kind, value))
    return tuple(out)
