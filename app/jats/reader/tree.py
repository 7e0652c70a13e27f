"""The tree the reader walks: wrappers and namespaces removed, children by local name."""

from __future__ import annotations

import copy

from lxml import etree

from app.jats.languages import language_tag
from app.jats.text import (
    XLINK_NS,
    XML_LANG,
    is_jats_namespace,
    local,
    text_of,
)


class ArticleError(ValueError):
    """The tree holds no usable article (no ``<article>`` or no ``<article-meta>``)."""




HREF = f"{{{XLINK_NS}}}href"
def plain_article(root: etree._Element) -> etree._Element:
    """The ``<article>`` element, its JATS namespace (if any) taken off."""
    if isinstance(root, etree._ElementTree):
        root = root.getroot()
    found = root if local(root.tag) == "article" else None
    if found is None:
        found = next((e for e in root.iter() if local(e.tag) == "article"), None)
    if found is None:
        raise ArticleError(f"no <article> element in <{local(root.tag)}>")
    if not _has_jats_namespace(found):
        return found
    plain = copy.deepcopy(found)
    for el in plain.iter():
        if _jats_ns(el.tag):
            el.tag = local(el.tag)
    etree.cleanup_namespaces(plain)
    return plain


def _has_jats_namespace(root: etree._Element) -> bool:
    """Whether any element is in a JATS namespace: a document uses few distinct tags, so they
    are gathered first and only those are looked at."""
    tags = {el.tag for el in root.iter(etree.Element)}
    return any(_jats_ns(tag) for tag in tags)


def href_of(el: etree._Element) -> str:
    """``xlink:href``, also when the record left the prefix to its DTD and it stayed unbound."""
    return el.get(HREF) or el.get("xlink:href") or ""


def _jats_ns(tag: object) -> bool:
    return (
        isinstance(tag, str) and tag.startswith("{") and is_jats_namespace(tag[1:].split("}")[0])
    )


def children_named(parent: etree._Element | None, name: str) -> list[etree._Element]:
    if parent is None:
        return []
    return [c for c in parent if local(c.tag) == name]


def child_named(parent: etree._Element | None, name: str) -> etree._Element | None:
    return next(iter(children_named(parent, name)), None)


def at_path(parent: etree._Element | None, path: str) -> list[etree._Element]:
    """Elements at a slash-separated path of local names below ``parent``."""
    if "/" not in path:
        return children_named(parent, path)
    level = [parent] if parent is not None else []
    for step in path.split("/"):
        level = [c for p in level for c in children_named(p, step)]
    return level


def first_text(parent: etree._Element | None, path: str) -> str | None:
    if parent is not None and "/" not in path:  # the common case, without building lists
        for el in parent:
            if local(el.tag) == path:
                text = text_of(el)
                if text:
                    return text
        return None
    for el in at_path(parent, path):
        text = text_of(el)
        if text:
            return text
    return None


def lang_of(el: etree._Element, default: str | None) -> str | None:
    return language_tag(el.get(XML_LANG)) or default
