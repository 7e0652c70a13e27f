"""Read an :class:`Article` from a JATS tree, whatever dialect the publisher wrote.

Real records come as NLM 2.3/3.0 or JATS 1.0-1.4, with or without a namespace, sometimes
wrapped (``pmc-articleset``, an OAI-PMH envelope). Each quirk is handled here once, so that
every crosswalk sees the same plain data: translations found wherever they are tagged,
affiliations resolved, licences and access rights read from what the record says.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Iterable, Iterator

from lxml import etree

from app.jats.dtd_defaults import declared_default
from app.jats.languages import language_tag, script_agrees
from app.jats.model import (
    Affiliation,
    Article,
    Award,
    Contributor,
    LangText,
    PubDate,
    Reference,
)
from app.jats.pids import bare_doi, is_doi_reference, orcid_id
from app.jats.schemas import SchemaDirectory
from app.jats.text import (
    ALWAYS_DROP,
    BLOCK,
    XLINK_NS,
    XML_LANG,
    abstract_text,
    citation_text,
    is_jats_namespace,
    local,
    normalise_space,
    text_of,
    title_text,
)
from app.urls import safe_url

HREF = f"{{{XLINK_NS}}}href"
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
# The parts of an affiliation that never share a word with their neighbours.
AFF_PARTS = frozenset(
    {"institution", "institution-wrap", "addr-line", "city", "state", "country", "postal-code",
     "named-content", "email", "uri", "ext-link"}
)
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
OPEN_LICENSE_TYPES = ("open-access", "open", "creative-commons", "cc", "public-domain", "free")
# self-uri content types of a web page (any other names a file).
PAGE_TYPES = frozenset({"html", "text/html", "landing-page", "abstract", "article"})


class ArticleError(ValueError):
    """The tree holds no usable article (no ``<article>`` or no ``<article-meta>``)."""


def read_article(
    root: etree._Element,
    *,
    today: dt.date | None = None,
    schemas: SchemaDirectory | None = None,
) -> Article:
    """The article's metadata as plain data.

    ``root`` may be the ``<article>`` itself or any wrapper around one. ``today`` decides
    whether an ``ali:free_to_read`` start date still lies ahead (an embargo); it defaults to
    the current UTC date. An ``<article>`` without ``xml:lang`` is in the language its
    declared DTD gives as the default (``en`` in every JATS DTD), read from ``schemas``
    (the configured schema directory when None); without a DTD default it has none.
    """
    article = _plain_article(root)
    front = _child(article, "front")
    meta = _child(front, "article-meta") if front is not None else None
    if meta is None:
        raise ArticleError("the record has no <front>/<article-meta>: no article metadata")
    journal = _child(front, "journal-meta")
    lang = language_tag(article.get(XML_LANG))
    if article.get(XML_LANG) is None:
        lang = language_tag(declared_default(root, "article", "xml:lang", schemas))
    translations = [
        sub
        for sub in _children(article, "sub-article")
        if (sub.get("article-type") or "").lower() in ("translation", "translated-article")
    ]
    warnings: list[str] = []

    titles = _titles(meta, lang, translations)
    if not titles:
        warnings.append("the record has no article-title")
    license_url, license_text, access, embargo_end = _permissions(meta, today)
    license_url = safe_url(license_url)
    self_uri_links = _self_uris(meta)
    self_uris = tuple(uri for uri, _kind in self_uri_links)
    journal_titles = _journal_titles(journal)
    article_ids = _article_ids(meta)
    categories = _categories(meta)
    return Article(
        titles=titles,
        article_type=article.get("article-type") or None,
        lang=lang,
        dtd_version=article.get("dtd-version") or None,
        journal_title=journal_titles[0].text if journal_titles else None,
        journal_titles=journal_titles,
        journal_ids=tuple(
            ((e.get("journal-id-type") or "").strip(), text_of(e))
            for e in _children(journal, "journal-id")
            if text_of(e)
        ),
        issns=_issns(journal),
        publisher_name=_first_text(journal, "publisher/publisher-name"),
        publisher_loc=_first_text(journal, "publisher/publisher-loc"),
        subtitles=_subtitles(meta, lang, translations),
        contributors=_contributors(meta, lang),
        abstracts=_abstracts(meta, lang, translations),
        keywords=_keywords(meta, lang, translations),
        subjects=categories[1],
        section=categories[0],
        article_ids=article_ids,
        pub_dates=_pub_dates(meta),
        history_dates=_history_dates(meta),
        volume=_first_text(meta, "volume"),
        issue=_first_text(meta, "issue"),
        fpage=_first_text(meta, "fpage"),
        lpage=_first_text(meta, "lpage"),
        elocation_id=_first_text(meta, "elocation-id"),
        license_url=license_url,
        license_text=license_text,
        copyright_statement=_first_text(meta, "permissions/copyright-statement"),
        access_right=access,
        embargo_end=embargo_end,
        landing_page=_landing_page(self_uri_links),
        self_uris=self_uris,
        references=tuple(_references(article)),
        funding=_funding(meta),
        awards=_awards(meta),
        warnings=tuple(warnings),
    )


# --- the tree -------------------------------------------------------------------------------


def _plain_article(root: etree._Element) -> etree._Element:
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


def _href(el: etree._Element) -> str:
    """``xlink:href``, also when the record left the prefix to its DTD and it stayed unbound."""
    return el.get(HREF) or el.get("xlink:href") or ""


def _jats_ns(tag: object) -> bool:
    return (
        isinstance(tag, str) and tag.startswith("{") and is_jats_namespace(tag[1:].split("}")[0])
    )


def _children(parent: etree._Element | None, name: str) -> list[etree._Element]:
    if parent is None:
        return []
    return [c for c in parent if local(c.tag) == name]


def _child(parent: etree._Element | None, name: str) -> etree._Element | None:
    return next(iter(_children(parent, name)), None)


def _path(parent: etree._Element | None, path: str) -> list[etree._Element]:
    """Elements at a slash-separated path of local names below ``parent``."""
    if "/" not in path:
        return _children(parent, path)
    level = [parent] if parent is not None else []
    for step in path.split("/"):
        level = [c for p in level for c in _children(p, step)]
    return level


def _first_text(parent: etree._Element | None, path: str) -> str | None:
    if parent is not None and "/" not in path:  # the common case, without building lists
        for el in parent:
            if local(el.tag) == path:
                text = text_of(el)
                if text:
                    return text
        return None
    for el in _path(parent, path):
        text = text_of(el)
        if text:
            return text
    return None


def _lang_of(el: etree._Element, default: str | None) -> str | None:
    return language_tag(el.get(XML_LANG)) or default


# --- titles, abstracts, keywords ------------------------------------------------------------


def _title_groups(
    meta: etree._Element, translations: list[etree._Element], lang: str | None
) -> Iterator[tuple[etree._Element, str | None]]:
    """Each title-group with the language its untagged titles are in."""
    for group in _children(meta, "title-group"):
        yield group, lang
    for sub in translations:
        sub_lang = _lang_of(sub, None)
        for stub in _children(sub, "front-stub") + _children(sub, "front"):
            target = _child(stub, "article-meta") if local(stub.tag) == "front" else stub
            for group in _children(target, "title-group"):
                yield group, sub_lang


def _titles(
    meta: etree._Element, lang: str | None, translations: list[etree._Element]
) -> tuple[LangText, ...]:
    found: list[tuple[LangText, bool]] = []
    for group, group_lang in _title_groups(meta, translations, lang):
        found.extend(_own(group, "article-title", group_lang))
        found.extend(_trans(group, "trans-title"))
        stated = {language_tag(t.get(XML_LANG)) for t in _children(group, "article-title")}
        for alt in _children(group, "alt-title"):
            # An alt-title in another language is a translation; without one it is a running head.
            alt_lang = language_tag(alt.get(XML_LANG))
            if alt_lang and alt_lang not in stated:
                found.append((LangText(title_text(alt), alt_lang), True))
    return _settle_languages(found)


def _subtitles(
    meta: etree._Element, lang: str | None, translations: list[etree._Element]
) -> tuple[LangText, ...]:
    found: list[tuple[LangText, bool]] = []
    for group, group_lang in _title_groups(meta, translations, lang):
        found.extend(_own(group, "subtitle", group_lang))
        found.extend(_trans(group, "trans-subtitle"))
    return _settle_languages(found)


def _own(group: etree._Element, name: str, lang: str | None) -> Iterator[tuple[LangText, bool]]:
    """Each ``article-title``/``subtitle`` of a title-group: its own language, else the group's
    (and whether the record stated it)."""
    for el in _children(group, name):
        yield LangText(title_text(el), _lang_of(el, lang)), el.get(XML_LANG) is not None


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


def _settle_languages(found: list[tuple[LangText, bool]]) -> tuple[LangText, ...]:
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


def _abstracts(
    meta: etree._Element, lang: str | None, translations: list[etree._Element]
) -> tuple[LangText, ...]:
    containers: list[tuple[etree._Element, str | None]] = [(meta, lang)]
    for sub in translations:
        for stub in _children(sub, "front-stub"):
            containers.append((stub, _lang_of(sub, None)))
        for front in _children(sub, "front"):
            containers.extend((m, _lang_of(sub, None)) for m in _children(front, "article-meta"))
    found: list[tuple[LangText, bool]] = []
    for container, default in containers:
        abstracts = _children(container, "abstract")
        main = [a for a in abstracts if (a.get("abstract-type") or "") not in SECONDARY_ABSTRACTS]
        for el in main or abstracts[:1]:
            found.append((LangText(abstract_text(el), _lang_of(el, default)),
                          el.get(XML_LANG) is not None))
        for el in _children(container, "trans-abstract"):
            found.append((LangText(abstract_text(el), language_tag(el.get(XML_LANG))),
                          el.get(XML_LANG) is not None))
    return _settle_languages(found)


#: Keyword groups that do not describe what the article is about.
NOT_SUBJECT_KEYWORDS = frozenset(
    {"abbreviations", "abbreviation", "evidence-strength", "claim-importance"}
)
#: Values publishers put in a keyword slot to say there is none (eLife's research organism).
PLACEHOLDER_KEYWORDS = frozenset({"none", "n/a", "not applicable"})


def _keywords(
    meta: etree._Element, lang: str | None, translations: list[etree._Element]
) -> tuple[LangText, ...]:
    containers: list[tuple[etree._Element, str | None]] = [(meta, lang)]
    for sub in translations:
        containers.extend((s, _lang_of(sub, None)) for s in _children(sub, "front-stub"))
    out: list[LangText] = []
    for container, default in containers:
        for group in _children(container, "kwd-group"):
            if (group.get("kwd-group-type") or "").lower() in NOT_SUBJECT_KEYWORDS:
                continue
            group_lang = _lang_of(group, default)
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
                kwd_lang = _lang_of(kwd, group_lang)
                stated = kwd.get(XML_LANG) is not None or group.get(XML_LANG) is not None
                if not stated and not script_agrees(text, kwd_lang):
                    kwd_lang = None
                item = LangText(text, kwd_lang)
                if text and text.lower() not in PLACEHOLDER_KEYWORDS and item not in out:
                    out.append(item)
    return tuple(out)


def _categories(meta: etree._Element) -> tuple[str | None, tuple[str, ...]]:
    """The section heading and the subjects (disciplines, taxa, places) of article-categories.

    A group typed as a heading (``heading``, ``display-channel``, ``author-type``...), or an
    untyped one holding only names of article kinds ("Articles"), is where the article sits,
    not what it is about. eLife types its section ``display-channel`` and its subject areas
    ``heading``: when a record has a display channel, its ``heading`` groups are subjects.
    """
    groups = _path(meta, "article-categories/subj-group")
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


# --- journal ----------------------------------------------------------------------------------


def _journal_titles(journal: etree._Element | None) -> tuple[LangText, ...]:
    lang = None
    out: list[LangText] = []
    groups = _children(journal, "journal-title-group")
    if not groups and journal is not None:
        groups = [journal]
    for group in groups:
        for el in _children(group, "journal-title"):
            out.append(LangText(title_text(el), _lang_of(el, lang)))
        for el in group.iter():
            if local(el.tag) == "trans-title":
                parent = el.getparent()
                t_lang = language_tag(el.get(XML_LANG)) or language_tag(parent.get(XML_LANG))
                out.append(LangText(title_text(el), t_lang))
    return tuple(t for i, t in enumerate(out) if t.text and t not in out[:i])


def _issns(journal: etree._Element | None) -> tuple[tuple[str, str], ...]:
    kinds = {"print": "ppub", "electronic": "epub", "online": "epub"}
    out: list[tuple[str, str]] = []
    for el in _children(journal, "issn") + _children(journal, "issn-l"):
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


# --- people -----------------------------------------------------------------------------------


def _contributors(meta: etree._Element, lang: str | None) -> tuple[Contributor, ...]:
    affs = _affiliation_index(meta, lang)
    linked = {
        rid
        for x in meta.iter()
        if local(x.tag) == "xref" and (x.get("ref-type") or "") == "aff"
        for rid in (x.get("rid") or "").split()
    }
    out: list[Contributor] = []
    for group in _contrib_groups(meta):
        shared = [
            a
            for el in _children(group, "aff")
            if (a := _affiliation(el, lang)) and a.id not in linked
        ]
        for contrib in _children(group, "contrib"):
            person = _contributor(contrib, group, affs, lang, shared)
            if person is not None:
                out.append(person)
    return tuple(out)


def _contrib_groups(meta: etree._Element) -> Iterator[etree._Element]:
    """Contributor groups of the article itself (not those listing a collaboration's members)."""
    stack = _children(meta, "contrib-group")
    while stack:
        group = stack.pop(0)
        yield group
        stack.extend(_children(group, "contrib-group"))


def _contributor(
    contrib: etree._Element,
    group: etree._Element,
    affs: dict[str, Affiliation],
    lang: str | None,
    shared: list[Affiliation],
) -> Contributor | None:
    role = (contrib.get("contrib-type") or group.get("content-type") or "author").strip().lower()
    if role in ("authors",):
        role = "author"
    surname, given = _name(contrib, lang)
    collab_el = next((c for c in contrib if local(c.tag) == "collab"), None)
    if collab_el is None:
        collab_el = next(
            (c for alt in _children(contrib, "collab-alternatives") for c in alt
             if local(c.tag) == "collab"),
            None,
        )
    collab = (
        text_of(collab_el, drop={"contrib-group", "xref", "fn", "address", "aff", "email"})
        if collab_el is not None
        else None
    ) or None
    if not (surname or given or collab):
        return None
    own: list[Affiliation] = []
    for el in contrib.iter():
        name = local(el.tag)
        if name == "xref" and (el.get("ref-type") or "") == "aff":
            own.extend(affs[r] for r in (el.get("rid") or "").split() if r in affs)
        elif name == "aff" and el.getparent() is contrib:
            aff = _affiliation(el, lang)
            if aff:
                own.append(aff)
    if not own:
        own = shared
    unique = tuple(a for i, a in enumerate(own) if a not in own[:i])
    email = next((text_of(e) for e in contrib.iter() if local(e.tag) == "email"), None)
    corresponding = (contrib.get("corresp") or "").lower() == "yes" or any(
        local(x.tag) == "xref" and x.get("ref-type") == "corresp" for x in contrib
    )
    degrees = "; ".join(text_of(d) for d in _children(contrib, "degrees")) or None
    bio = "; ".join(text_of(b) for b in _children(contrib, "bio")) or None
    return Contributor(
        role=role,
        surname=surname,
        given_names=given,
        collab=collab,
        orcid=_orcid(contrib),
        email=email or None,
        affiliations=unique,
        degrees=degrees,
        bio=bio,
        corresponding=corresponding,
    )


def _name(contrib: etree._Element, lang: str | None) -> tuple[str | None, str | None]:
    """Surname and given names; from ``name-alternatives`` the one in the article's language."""
    candidates = _children(contrib, "name") + _children(contrib, "string-name")
    for alt in _children(contrib, "name-alternatives"):
        names = [n for n in alt if local(n.tag) in ("name", "string-name")]
        same = [n for n in names if language_tag(n.get(XML_LANG)) == lang]
        candidates.extend(same + [n for n in names if n not in same])
    for name in candidates:
        surname = _first_text(name, "surname")
        given = _first_text(name, "given-names")
        if local(name.tag) == "string-name" and not (surname or given):
            return text_of(name) or None, None
        if surname or given:
            suffix = _first_text(name, "suffix")
            if suffix and surname:
                surname = f"{surname} {suffix}"
            return surname, given
    return None, None


def _orcid(contrib: etree._Element) -> str | None:
    """The bare ORCID iD (0000-0002-1825-0097), from contrib-id, uri or ext-link."""
    for el in contrib:
        name = local(el.tag)
        kind = (el.get("contrib-id-type") or "").lower()
        value = f"{_href(el) or ''} {text_of(el)}"
        if (name == "contrib-id" and (kind == "orcid" or "orcid.org" in value)) or (
            name in ("uri", "ext-link") and "orcid.org" in value
        ):
            found = orcid_id(value)
            if found:
                return found
    return None


def _affiliation_index(meta: etree._Element, lang: str | None) -> dict[str, Affiliation]:
    """Every ``aff`` with an id, wherever the record put it; ``aff-alternatives`` resolved to the
    article's language."""
    index: dict[str, Affiliation] = {}
    for el in meta.iter():
        name = local(el.tag)
        if name == "aff-alternatives" and el.get("id"):
            options = _children(el, "aff")
            chosen = next(
                (a for a in options if language_tag(a.get(XML_LANG)) == lang),
                options[0] if options else None,
            )
            aff = _affiliation(chosen, lang) if chosen is not None else None
            if aff:
                index[el.get("id")] = Affiliation(**{**aff.__dict__, "id": el.get("id")})
        elif name == "aff" and el.get("id") and el.get("id") not in index:
            aff = _affiliation(el, lang)
            if aff:
                index[el.get("id")] = aff
    return index


def _affiliation(aff: etree._Element, lang: str | None) -> Affiliation | None:
    institutions = [
        i for i in aff.iter() if local(i.tag) == "institution"
    ]
    original = next(
        (text_of(i) for i in institutions if (i.get("content-type") or "") == "original"), None
    )
    tagged = [i for i in institutions if (i.get("content-type") or "") != "original"]
    main = next((i for i in tagged if (i.get("content-type") or "") in ("", "orgname")), None)
    dept = next(
        (i for i in tagged if (i.get("content-type") or "").startswith(("orgdiv", "dept"))), None
    )
    country_el = next((c for c in aff.iter() if local(c.tag) == "country"), None)
    city = next(
        (text_of(c) for c in aff.iter()
         if local(c.tag) == "city" or (local(c.tag) == "named-content"
                                       and c.get("content-type") == "city")),
        None,
    )
    postal = next(
        (text_of(c) for c in aff.iter()
         if local(c.tag) == "postal-code" or (local(c.tag) == "named-content"
                                              and c.get("content-type") == "postal-code")),
        None,
    )
    ids = _institution_ids(aff)
    text = original or _aff_line(aff)
    if not text:
        return None
    address = " ".join(text_of(a) for a in aff.iter() if local(a.tag) == "addr-line") or None
    return Affiliation(
        text=text,
        id=aff.get("id"),
        institution=text_of(main) if main is not None else None,
        department=text_of(dept) if dept is not None else None,
        address=address,
        city=city,
        postal_code=postal,
        country=text_of(country_el).rstrip(".") if country_el is not None else None,
        country_code=(country_el.get("country") if country_el is not None else None) or None,
        ror=ids.get("ror"),
        isni=ids.get("isni"),
        ringgold=ids.get("ringgold"),
    )


_BARE_ROR = re.compile(r"^0[a-z0-9]{6}[0-9]{2}$")


def _institution_ids(aff: etree._Element) -> dict[str, str]:
    """The first ``institution-id`` of each known type (ror, isni, ringgold), as tagged."""
    out: dict[str, str] = {}
    for el in aff.iter():
        if local(el.tag) != "institution-id":
            continue
        kind = (el.get("institution-id-type") or "").strip().lower()
        value = text_of(el)
        if kind == "ror" and _BARE_ROR.match(value):
            value = f"https://ror.org/{value}"  # the form ROR and DataCite give an identifier
        if kind in ("ror", "isni", "ringgold") and value and kind not in out:
            out[kind] = value
    return out


def _aff_line(aff: etree._Element) -> str:
    """The affiliation on one line. When the record puts punctuation between the parts it is
    kept; when it only tags them, the parts are joined with commas."""
    skip = {"label", "sup", "institution-id", "email", "fn", "xref"}
    loose = (aff.text or "") + "".join(c.tail or "" for c in aff)
    if re.search(r"[^\s]", loose):
        return text_of(aff, drop=skip | {"object-id"}, blocks=BLOCK | AFF_PARTS)
    parts: list[str] = []
    for child in aff:
        name = local(child.tag)
        if name in skip or not name:
            continue
        if name in ("addr-line", "institution-wrap") and len(child):
            parts.extend(t for t in (text_of(c, drop=skip) for c in child
                                     if local(c.tag) not in skip) if t)
            continue
        t = text_of(child, drop=skip)
        if t:
            parts.append(t)
    return ", ".join(parts)


# --- identifiers, dates, rights -------------------------------------------------------------


def _article_ids(meta: etree._Element) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    for el in _children(meta, "article-id"):
        kind = (el.get("pub-id-type") or "other").strip().lower()
        value = text_of(el)
        if kind == "doi":
            value = bare_doi(value).strip()
        if value and (kind, value) not in out:
            out.append((kind, value))
    return tuple(out)


def _pub_dates(meta: etree._Element) -> tuple[PubDate, ...]:
    out: list[PubDate] = []
    for el in _children(meta, "pub-date"):
        kind = (el.get("pub-type") or el.get("date-type") or "").strip().lower() or None
        if kind in ("publication", "published"):
            kind = "pub"
        date = _date(el, kind)
        if date is not None and date not in out:
            out.append(date)
    return tuple(out)


def _history_dates(meta: etree._Element) -> tuple[PubDate, ...]:
    """The dates of ``history`` (received, accepted...), each with its ``date-type``."""
    out: list[PubDate] = []
    for el in _path(meta, "history/date"):
        kind = (el.get("date-type") or "").strip().lower() or None
        date = _date(el, kind)
        if date is not None and date not in out:
            out.append(date)
    return tuple(out)


def _date(el: etree._Element, kind: str | None) -> PubDate | None:
    year = _int(_first_text(el, "year"), 4)
    month = _month(_first_text(el, "month"))
    day = _int(_first_text(el, "day"), 2)
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


def _permissions(
    meta: etree._Element, today: dt.date | None
) -> tuple[str | None, str | None, str | None, str | None]:
    """Licence URL and text, access right and embargo end, from ``<permissions>``."""
    permissions = _children(meta, "permissions")
    licenses = [lic for p in permissions for lic in _children(p, "license")]
    url: str | None = None
    text: str | None = None
    types: list[str] = []
    for lic in licenses:
        types.append((lic.get("license-type") or "").strip().lower())
        found = _license_url(lic)
        if url is None and found:
            url = found
        body = " ".join(text_of(p) for p in _children(lic, "license-p")) or text_of(lic)
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
    if _href(lic).strip():
        return _href(lic).strip()
    for el in lic.iter():
        if local(el.tag) in ("ext-link", "uri"):
            href = (_href(el) or text_of(el)).strip()
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


def _self_uris(meta: etree._Element) -> list[tuple[str, str]]:
    """Each ``self-uri`` address with its content type (lower case, "" when untyped)."""
    links = ((normalise_space(_href(e) or text_of(e)), (e.get("content-type") or "").lower())
             for e in _children(meta, "self-uri"))
    return [(safe, kind) for uri, kind in links if (safe := safe_url(uri))]


def _landing_page(links: list[tuple[str, str]]) -> str | None:
    """The first absolute web address that is not a file download (PDF and the like)."""
    files = {uri for uri, kind in links if kind and kind not in PAGE_TYPES}
    return next(
        (uri for uri, _kind in links
         if uri.startswith(("http://", "https://")) and uri not in files
         and not re.search(r"\.(pdf|xml|epub|zip)$", uri, re.IGNORECASE)),
        None,
    )


def _award_groups(meta: etree._Element) -> Iterator[etree._Element]:
    for group in _children(meta, "funding-group"):
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


def _funding(meta: etree._Element) -> tuple[str, ...]:
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


def _awards(meta: etree._Element) -> tuple[Award, ...]:
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


# --- references -------------------------------------------------------------------------------


CITATIONS = ("element-citation", "mixed-citation", "citation", "nlm-citation")


def _references(article: etree._Element) -> Iterator[Reference]:
    back = _child(article, "back")
    if back is None:
        return
    for ref in back.iter():
        if local(ref.tag) != "ref":
            continue
        cites = [c for c in ref.iter() if local(c.tag) in CITATIONS]
        if not cites:
            continue
        yield _reference(ref, cites)


def _reference(ref: etree._Element, cites: list[etree._Element]) -> Reference:
    tagged = next((c for c in cites if local(c.tag) == "element-citation"), cites[0])
    readable = next((c for c in cites if local(c.tag) != "element-citation"), None)
    text = citation_text(readable if readable is not None else tagged)

    # One walk over the citation: each part by name, in document order, and whether it names
    # a person (inside a person-group) rather than the work.
    elements = [(el, local(el.tag)) for el in tagged.iter(etree.Element)]
    parts: dict[str, list[etree._Element]] = {}
    for el, name in elements:
        parts.setdefault(name, []).append(el)
    groups = parts.get("person-group", [])
    in_groups = {d for group in groups for d in group.iter(etree.Element)}

    def first(*names: str) -> str | None:
        for name in names:
            for el in parts.get(name, ()):
                if el not in in_groups:
                    # A leaf (most parts are) has only its text: no markers to drop.
                    value = title_text(el) if len(el) else normalise_space(el.text or "")
                    if value:
                        return value
        return None

    authors: list[str] = []
    people = [g for g in groups if (g.get("person-group-type") or "author") == "author"]
    scopes: Iterable[etree._Element] = people or ([] if groups else [tagged])
    for scope in scopes:
        for el in scope.iter():
            name = local(el.tag)
            if name == "name" or (name == "string-name" and not _inside(el, "name", scope)):
                surname = _first_text(el, "surname")
                given = _first_text(el, "given-names")
                label = ", ".join(p for p in (surname, given) if p) or text_of(el)
                if label:
                    authors.append(label)
            elif name == "collab" and (collab := text_of(el)):
                authors.append(collab)
    doi = next(
        (text_of(e) for e in parts.get("pub-id", ())
         if (e.get("pub-id-type") or "").lower() == "doi"),
        None,
    )
    links = ((_href(e) or text_of(e)).strip() for e, name in elements
             if name in ("ext-link", "uri"))
    uri = next((safe for link in links if (safe := safe_url(link))), None)
    if doi:
        doi = bare_doi(doi)
    elif uri and is_doi_reference(uri):
        doi = bare_doi(uri)
    comments = (text_of(c) for c in parts.get("comment", ()))
    comment = "; ".join(c for c in comments if c) or None
    kind = (tagged.get("publication-type") or tagged.get("citation-type") or "").lower()
    source = first("source")
    if kind in ("chapter", "book-chapter") and first("chapter-title"):
        # A chapter's own title is its chapter-title; an article-title beside it names the book.
        title = first("chapter-title")
        source = source or first("article-title")
    else:
        title = first("article-title", "chapter-title", "part-title", "data-title")
    label_el = _child(ref, "label")
    return Reference(
        text=text,
        id=ref.get("id"),
        label=text_of(label_el) if label_el is not None else None,
        publication_type=tagged.get("publication-type") or tagged.get("citation-type") or None,
        authors=tuple(authors),
        title=title,
        trans_title=first("trans-title"),
        source=source,
        trans_source=first("trans-source"),
        year=first("year"),
        volume=first("volume"),
        issue=first("issue"),
        fpage=first("fpage"),
        lpage=first("lpage"),
        publisher_name=first("publisher-name"),
        publisher_loc=first("publisher-loc"),
        doi=doi,
        uri=uri,
        lang=language_tag(tagged.get(XML_LANG)),
        comment=comment,
    )


def _inside(el: etree._Element, name: str, stop: etree._Element) -> bool:
    for anc in el.iterancestors():
        if anc is stop:
            return False
        if local(anc.tag) == name:
            return True
    return False
