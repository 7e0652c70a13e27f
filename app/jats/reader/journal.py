"""The journal: its titles and ISSNs."""

from __future__ import annotations

from lxml import etree

from app.jats.languages import language_tag
from app.jats.model import (
    LangText,
)
from app.jats.reader.tree import children_named, lang_of
from app.jats.text import (
    XML_LANG,
    local,
    text_of,
    title_text,
)


def read_journal_titles(journal: etree._Element | None) -> tuple[LangText, ...]:
    lang = None
    out: list[LangText] = []
    groups = children_named(journal, "journal-title-group")
    if not groups and journal is not None:
        groups = [journal]
    for group in groups:
        for el in children_named(group, "journal-title"):
            out.append(LangText(title_text(el), lang_of(el, lang)))
        for el in group.iter():
            if local(el.tag) == "trans-title":
                parent = el.getparent()
                t_lang = language_tag(el.get(XML_LANG)) or language_tag(parent.get(XML_LANG))
                out.append(LangText(title_text(el), t_lang))
    return tuple(t for i, t in enumerate(out) if t.text and t not in out[:i])


def read_issns(journal: etree._Element | None) -> tuple[tuple[str, str], ...]:
    kinds = {"print": "ppub", "electronic": "epub", "online": "epub"}
    out: list[tuple[str, str]] = []
    for el in children_named(journal, "issn") + children_named(journal, "issn-l"):
        value = text_of(el).upper()
        if not value:
            continue
        if local(el.tag) == "issn-l":
            kind = "issn-l"
        else:
            raw = (el.get("pub-type") or el.get("publication-format") or "").strip().lower()
            kind = kinds.get(raw, raw)
        if (kind, value) not in out:
            out.append((kind, value))
    return tuple(out)
