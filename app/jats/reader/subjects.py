"""Abstracts, keywords and subject categories, in every language the record gives."""

from __future__ import annotations

from lxml import etree

from app.jats.languages import language_tag, script_agrees
from app.jats.model import (
    LangText,
)
from app.jats.reader.titles import settle_languages
from app.jats.reader.tree import at_path, children_named, lang_of
from app.jats.text import (
    XML_LANG,
    abstract_text,
    local,
    title_text,
)

# Abstract types that are summaries for another audience, not the abstract a catalogue shows.
SECONDARY_ABSTRACTS = frozenset(
    {
        "toc", "teaser", "graphical", "executive-summary", "editor", "editors-summary",
        "editor-summary", "summary", "key-points", "web-summary", "short", "precis",
        "plain-language-summary", "author-highlights", "highlights", "digest", "video",
    }
)
# Subject groups that say where the article sits in the issue or what kind it is (its section
# heading, "ORIGINAL ARTICLE", "Regular Article"), not what it is about.
HEADING_GROUPS = frozenset(
    {"heading", "toc-heading", "display-channel", "sub-display-channel", "article-type",
     "author-type", "section", "section-heading", "overline"}
)
# The groups the section heading is read from, in this order of preference ("" is untyped).
SECTION_GROUPS = ("display-channel", "heading", "toc-heading", "section", "section-heading",
                  "overline", "")
# Kinds of article that some publishers put in an untyped subj-group as its heading.
ARTICLE_KINDS = frozenset(
    {"article", "articles", "research article", "research articles", "original article",
     "original articles", "original research", "regular article", "review", "reviews",
     "review article", "editorial", "letter", "letters", "correction", "erratum", "retraction",
     "case report", "brief report", "short communication", "commentary", "perspective"}
)
def read_abstracts(
    meta: etree._Element, lang: str | None, translations: list[etree._Element]
) -> tuple[LangText, ...]:
    containers: list[tuple[etree._Element, str | None]] = [(meta, lang)]
    for sub in translations:
        for stub in children_named(sub, "front-stub"):
            containers.append((stub, lang_of(sub, None)))
        for front in children_named(sub, "front"):
            metas = children_named(front, "article-meta")
            containers.extend((m, lang_of(sub, None)) for m in metas)
    found: list[tuple[LangText, bool]] = []
    for container, default in containers:
        abstracts = children_named(container, "abstract")
        main = [a for a in abstracts if (a.get("abstract-type") or "") not in SECONDARY_ABSTRACTS]
        for el in main or abstracts[:1]:
            found.append((LangText(abstract_text(el), lang_of(el, default)),
                          el.get(XML_LANG) is not None))
        for el in children_named(container, "trans-abstract"):
            found.append((LangText(abstract_text(el), language_tag(el.get(XML_LANG))),
                          el.get(XML_LANG) is not None))
    return settle_languages(found)


#: Keyword groups that do not describe what the article is about.
NOT_SUBJECT_KEYWORDS = frozenset(
    {"abbreviations", "abbreviation", "evidence-strength", "claim-importance"}
)
#: Values publishers put in a keyword slot to say there is none (eLife's research organism).
PLACEHOLDER_KEYWORDS = frozenset({"none", "n/a", "not applicable"})


def read_keywords(
    meta: etree._Element, lang: str | None, translations: list[etree._Element]
) -> tuple[LangText, ...]:
    containers: list[tuple[etree._Element, str | None]] = [(meta, lang)]
    for sub in translations:
        containers.extend((s, lang_of(sub, None)) for s in children_named(sub, "front-stub"))
    out: list[LangText] = []
    for container, default in containers:
        for group in children_named(container, "kwd-group"):
            if (group.get("kwd-group-type") or "").lower() in NOT_SUBJECT_KEYWORDS:
                continue
            group_lang = lang_of(group, default)
            for kwd in group.iter():
                if local(kwd.tag) not in ("kwd", "compound-kwd"):
                    continue
                if local(kwd.getparent().tag) == "compound-kwd":
                    continue
                if local(kwd.tag) == "compound-kwd":
                    parts = [title_text(p) for p in kwd if local(p.tag) == "compound-kwd-part"]
                    text = " — ".join(p for p in parts if p)
                else:
                    text = title_text(kwd)
                kwd_lang = lang_of(kwd, group_lang)
                stated = kwd.get(XML_LANG) is not None or group.get(XML_LANG) is not None
                if not stated and not script_agrees(text, kwd_lang):
                    kwd_lang = None
                item = LangText(text, kwd_lang)
                if text and text.lower() not in PLACEHOLDER_KEYWORDS and item not in out:
                    out.append(item)
    return tuple(out)


def read_categories(meta: etree._Element) -> tuple[str | None, tuple[str, ...]]:
    """The section heading and the subjects (disciplines, taxa, places) of article-categories.

    A group typed as a heading (``heading``, ``display-channel``, ``author-type``...), or an
    untyped one holding only names of article kinds ("Articles"), is where the article sits,
    not what it is about. eLife types its section ``display-channel`` and its subject areas
    ``heading``: when a record has a display channel, its ``heading`` groups are subjects.
    """
    groups = at_path(meta, "article-categories/subj-group")
    kinds = [(g.get("subj-group-type") or "").strip().lower() for g in groups]
    channelled = "display-channel" in kinds
    headings: dict[str, str] = {}
    subjects: list[str] = []
    for group, kind in zip(groups, kinds, strict=True):
        texts = [t for t in (title_text(e) for e in group.iter() if local(e.tag) == "subject") if t]
        if kind == "heading" and channelled:
            heading = False
        elif kind:
            heading = kind in HEADING_GROUPS
        else:
            heading = bool(texts) and all(t.casefold() in ARTICLE_KINDS for t in texts)
        if heading:
            if texts:
                headings.setdefault(kind, texts[0])
        else:
            subjects.extend(t for t in texts if t not in subjects)
    section = next((headings[k] for k in SECTION_GROUPS if k in headings), None)
    return section, tuple(subjects)
