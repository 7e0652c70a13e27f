"""Titles and subtitles, with their translations wherever the record tags them."""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from app.jats.languages import language_tag, script_agrees
from app.jats.model import (
    LangText,
)
from app.jats.reader.tree import child_named, children_named, lang_of
from app.jats.text import (
    XML_LANG,
    local,
    title_text,
)


def _title_groups(
    meta: etree._Element, translations: list[etree._Element], lang: str | None
) -> Iterator[tuple[etree._Element, str | None]]:
    """Each title-group with the language its untagged titles are in."""
    for group in children_named(meta, "title-group"):
        yield group, lang
    for sub in translations:
        sub_lang = lang_of(sub, None)
        for stub in children_named(sub, "front-stub") + children_named(sub, "front"):
            target = child_named(stub, "article-meta") if local(stub.tag) == "front" else stub
            for group in children_named(target, "title-group"):
                yield group, sub_lang


def read_titles(
    meta: etree._Element, lang: str | None, translations: list[etree._Element]
) -> tuple[LangText, ...]:
    found: list[tuple[LangText, bool]] = []
    for group, group_lang in _title_groups(meta, translations, lang):
        found.extend(_own(group, "article-title", group_lang))
        found.extend(_trans(group, "trans-title"))
        stated = {language_tag(t.get(XML_LANG)) for t in children_named(group, "article-title")}
        for alt in children_named(group, "alt-title"):
            # An alt-title in another language is a translation; without one it is a running head.
            alt_lang = language_tag(alt.get(XML_LANG))
            if alt_lang and alt_lang not in stated:
                found.append((LangText(title_text(alt), alt_lang), True))
    return settle_languages(found)


def read_subtitles(
    meta: etree._Element, lang: str | None, translations: list[etree._Element]
) -> tuple[LangText, ...]:
    found: list[tuple[LangText, bool]] = []
    for group, group_lang in _title_groups(meta, translations, lang):
        found.extend(_own(group, "subtitle", group_lang))
        found.extend(_trans(group, "trans-subtitle"))
    return settle_languages(found)


def _own(group: etree._Element, name: str, lang: str | None) -> Iterator[tuple[LangText, bool]]:
    """Each ``article-title``/``subtitle`` of a title-group: its own language, else the group's
    (and whether the record stated it)."""
    for el in children_named(group, name):
        yield LangText(title_text(el), lang_of(el, lang)), el.get(XML_LANG) is not None


def _trans(group: etree._Element, name: str) -> Iterator[tuple[LangText, bool]]:
    """``trans-title``/``trans-subtitle``, in a trans-title-group (JATS) or bare (NLM 2.3)."""
    for el in group.iter():
        if local(el.tag) != name:
            continue
        parent = el.getparent()
        lang = language_tag(el.get(XML_LANG))
        if lang is None and parent is not None and local(parent.tag) == "trans-title-group":
            lang = language_tag(parent.get(XML_LANG))
        yield LangText(title_text(el), lang), lang is not None


def settle_languages(found: list[tuple[LangText, bool]]) -> tuple[LangText, ...]:
    """Drop empty and repeated texts; an inherited language that another text states explicitly
    is doubtful (the record put two texts in one language), so it becomes unknown."""
    explicit = {t.lang for t, stated in found if stated and t.lang}
    out: list[LangText] = []
    seen: set[tuple[str, str | None]] = set()
    for text, stated in found:
        if not text.text:
            continue
        if not stated and not script_agrees(text.text, text.lang):
            text = LangText(text.text, None)
        if not stated and text.lang in explicit and any(
            o.lang == text.lang for o, s in found if s and o.text != text.text
        ):
            text = LangText(text.text, None)
        key = (text.text, text.lang)
        if key in seen or any(text.text == o.text for o in out):
            continue
        seen.add(key)
        out.append(text)
    return tuple(out)
