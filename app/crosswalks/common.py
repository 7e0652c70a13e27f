"""What every crosswalk shares: safe text and elements, and the readings of an article that
several formats give the same way (access right, licence name, ORCID, subject terms, pages).

Each format module holds only its own mapping. Every string a crosswalk writes goes through
:func:`clean` (directly or through :func:`append`), so no payload can carry a character XML 1.0
forbids, a broken language tag, or a text node too long for a harvester's parser.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from lxml import etree

from app.crosswalks.registry import Document, RenderContext
from app.jats.model import Article, Contributor, LangText
from app.jats.text import XML_LANG, xml_safe

XSI = "http://www.w3.org/2001/XMLSchema-instance"

# Longest value written, in characters. libxml2 (behind lxml, xmllint and many harvesters)
# refuses a text node over 10,000,000 bytes unless told to accept huge documents; no real
# metadata value comes near this, so a longer one is cut (at a space) and marked with "…".
MAX_VALUE_CHARS = 100_000
# xs:language, which xml:lang must match; a tag that does not is left off, never emitted broken.
_XS_LANGUAGE = re.compile(r"^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$")
_CC = re.compile(
    r"creativecommons\.org/(?:licenses/(?P<kind>[a-z-]+)|publicdomain/(?P<pd>zero|mark))"
    r"/(?P<version>\d(?:\.\d)?)",
    re.IGNORECASE,
)
ACCESS_RIGHTS = ("open", "embargoed", "restricted", "metadata")

# The same values (names, titles, abstracts) are cleaned again by every format of a record;
# the shorter ones are remembered, so the cache stays small whatever the records hold.
_CACHED_CHARS = 4_000


def clean(text: str | None) -> str:
    """One line of XML-safe text: characters XML forbids dropped, whitespace collapsed, and no
    longer than :data:`MAX_VALUE_CHARS`."""
    if not text:
        return ""
    if len(text) <= _CACHED_CHARS:
        return _clean_short(text)
    return _clean(text)


def _clean(text: str) -> str:
    line = " ".join(xml_safe(text).split())
    if len(line) > MAX_VALUE_CHARS:
        cut = line[: MAX_VALUE_CHARS - 1]
        line = (cut.rsplit(" ", 1)[0] if " " in cut[-200:] else cut) + "…"
    return line


_clean_short = functools.lru_cache(maxsize=1024)(_clean)


def xml_lang(tag: str | None) -> str | None:
    """The tag when it is a valid ``xs:language`` (what ``xml:lang`` must hold), else None."""
    return tag if tag and _XS_LANGUAGE.match(tag) else None


def append(parent: etree._Element, qname: str, text: str | None = None, /, *,
           lang: str | None = None, **attrs: str | None) -> etree._Element:
    """A child element with cleaned text, ``xml:lang`` only when valid, and the non-empty
    attributes (cleaned too)."""
    el = etree.SubElement(parent, qname)
    if xml_lang(lang):
        el.set(XML_LANG, lang)
    for name, value in attrs.items():
        if value := clean(value):
            el.set(name, value)
    if text is not None:
        el.text = clean(text)
    return el


def article_renderer(
    build: Callable[[Article, RenderContext], etree._Element],
) -> Callable[[Document, RenderContext], bytes]:
    """A format's ``render``: the article built into its element, as UTF-8 bytes without an
    XML declaration (the OAI-PMH envelope has its own)."""

    def render(document: Document, context: RenderContext) -> bytes:
        return etree.tostring(build(document.article, context), encoding="utf-8")

    return render


def access_right(article: Article, context: RenderContext | None) -> str | None:
    """What the record says, else the journal's setting; None when neither says anything.
    Never "open" by default."""
    stated = (article.access_right, context.default_access_right if context else None)
    return next((value for value in stated if value in ACCESS_RIGHTS), None)


@dataclass(frozen=True)
class ResourceKind:
    """What kind of contribution a JATS ``article-type`` is, in each format's vocabulary.

    ``coar``: the COAR Resource Types concept (URI, label) oai_openaire takes, always one the
    OpenAIRE v4 schema lists; ``eu_repo``: the OpenAIRE v3 / DRIVER ``info:eu-repo/semantics``
    publication type; ``genre``: the MARC 21 655 genre/form term; ``nature``: MARC 008/24
    (continuing resources, nature of entire work: "o" reviews), blank for none.
    """

    coar: tuple[str, str]
    eu_repo: str
    genre: str
    nature: str = " "
    preprint: bool = False


_COAR = "http://purl.org/coar/resource_type/"
_JOURNAL_ARTICLE = ResourceKind((f"{_COAR}c_6501", "journal article"), "article",
                                "Journal article")
_CONTRIBUTION = ((f"{_COAR}c_3e5a", "contribution to journal"), "contributionToPeriodical")
#: JATS article-type (lower case) -> its kind. COAR's "corrigendum" and "retraction" are not
#: among the concepts the OpenAIRE v4 schema admits, so they are its parent, "contribution to
#: journal"; a type not listed (or none) is a journal article, as before any mapping.
RESOURCE_KINDS: dict[str, ResourceKind] = {
    "research-article": ResourceKind((f"{_COAR}c_2df8fbb1", "research article"), "article",
                                     "Research article"),
    "review-article": ResourceKind((f"{_COAR}c_dcae04bc", "review article"), "review",
                                   "Review article", "o"),
    "book-review": ResourceKind((f"{_COAR}c_ba08", "book review"), "review", "Book review", "o"),
    "product-review": ResourceKind(*_CONTRIBUTION, "Review", "o"),
    "editorial": ResourceKind((f"{_COAR}c_b239", "editorial"), "contributionToPeriodical",
                              "Editorial"),
    "letter": ResourceKind((f"{_COAR}c_545b", "letter to the editor"),
                           "contributionToPeriodical", "Letter to the editor"),
    "reply": ResourceKind((f"{_COAR}c_545b", "letter to the editor"),
                          "contributionToPeriodical", "Letter to the editor"),
    "correction": ResourceKind(*_CONTRIBUTION, "Correction"),
    "addendum": ResourceKind(*_CONTRIBUTION, "Addendum"),
    "retraction": ResourceKind(*_CONTRIBUTION, "Retraction notice"),
    "expression-of-concern": ResourceKind(*_CONTRIBUTION, "Expression of concern"),
    "article-commentary": ResourceKind(*_CONTRIBUTION, "Commentary"),
    "commentary": ResourceKind(*_CONTRIBUTION, "Commentary"),
    "discussion": ResourceKind(*_CONTRIBUTION, "Discussion"),
    "news": ResourceKind(*_CONTRIBUTION, "News"),
    "obituary": ResourceKind(*_CONTRIBUTION, "Obituary"),
    "meeting-report": ResourceKind(*_CONTRIBUTION, "Meeting report"),
    "data-paper": ResourceKind((f"{_COAR}c_beb9", "data paper"), "article", "Data paper"),
    "preprint": ResourceKind((f"{_COAR}c_816b", "preprint"), "preprint", "Preprint",
                             preprint=True),
}


def resource_kind(article: Article) -> ResourceKind:
    """The kind of the article, from its ``article-type`` (see :data:`RESOURCE_KINDS`)."""
    return RESOURCE_KINDS.get((article.article_type or "").strip().lower(), _JOURNAL_ARTICLE)


def rendered_access_right(article: Article, context: RenderContext | None) -> str:
    """The one access right every format states for a record: what the record says, else the
    journal's setting, else "metadata". OpenAIRE v4 makes Access Rights mandatory and v3's
    ``openaire`` set requires ``dc:rights``; when nothing is stated, the only access this
    repository can vouch for is to the metadata, so all formats say that and nothing more
    (COAR "metadata only access", ``info:eu-repo/semantics/closedAccess``, MARC 506 restricted).
    """
    return access_right(article, context) or "metadata"


def license_name(url: str | None) -> str | None:
    """"CC BY-NC 4.0", "CC0 1.0"... read from a Creative Commons URL; None for other licences."""
    match = _CC.search(url or "")
    if not match:
        return None
    if match.group("pd"):
        name = "CC0" if match.group("pd").lower() == "zero" else "Public Domain Mark"
        return f"{name} {match.group('version')}"
    return f"CC {match.group('kind').upper()} {match.group('version')}"


def subject_terms(article: Article) -> list[LangText]:
    """Keywords (each in its language), then the record's subjects (disciplines; never its
    section heading), each term once per language regardless of case."""
    seen: set[tuple[str, str | None]] = set()
    terms: list[LangText] = []
    candidates = [*article.keywords, *(LangText(s) for s in article.subjects)]
    for term in candidates:
        text = clean(term.text)
        key = (text.casefold(), term.lang)
        same_text = term.lang is None and any(k[0] == key[0] for k in seen)
        if text and key not in seen and not same_text:
            seen.add(key)
            terms.append(LangText(text, term.lang))
    return terms


def named(people: Iterable[Contributor]) -> list[Contributor]:
    """The contributors that still have a name (a person's or a group's) once cleaned."""
    return [person for person in people if clean(person.inverted_name)]


def page_range(article: Article) -> str | None:
    """"63-72", or the first page alone when the last is missing or the same; None without one."""
    first, last = clean(article.fpage), clean(article.lpage)
    if not first:
        return None
    return f"{first}-{last}" if last and last != first else first
