"""MARC 21 slim (MARCXML): the article as a serial component part, for library catalogues.

A journal article is catalogued as a component part of a serial (leader/07 ``b``) whose
host is given in 773, so a catalogue can link it to the journal it holds. Field choices
follow the MARC 21 Format for Bibliographic Data; docs/crosswalks.md lists them with the
rule each one follows.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from lxml import etree

from app.crosswalks.common import (
    XSI,
    article_renderer,
    clean,
    license_name,
    named,
    page_range,
    rendered_access_right,
    resource_kind,
    subject_terms,
)
from app.crosswalks.registry import MetadataFormat, RenderContext
from app.jats.languages import english_name, iso639_2b
from app.jats.model import Article, Contributor, LangText
from app.jats.pids import orcid_id

NS = "http://www.loc.gov/MARC21/slim"
SCHEMA_LOCATION = "http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd"


# Leading articles skipped in filing (245 second indicator), by language of the title.
_ARTICLES: dict[str, tuple[str, ...]] = {
    "en": ("the ", "an ", "a "),
    "fr": ("les ", "le ", "la ", "l'", "l’", "une ", "un "),
    "de": ("der ", "die ", "das ", "eine ", "ein "),
    "es": ("los ", "las ", "el ", "la ", "una ", "un "),
    "pt": ("os ", "as ", "o ", "a ", "uma ", "um "),
    "it": ("gli ", "il ", "lo ", "la ", "le ", "l'", "l’", "i ", "una ", "uno ", "un "),
    "nl": ("het ", "een ", "de "),
}


def nonfiling(title: str, lang: str | None) -> int:
    """Characters a catalogue skips when filing the title: leading punctuation plus an article."""
    primary = (lang or "en").lower()[:2]
    articles = _ARTICLES.get(primary, ())
    lead = len(title) - len(title.lstrip("\"'“”‘«„([¿¡ "))
    rest = title[lead:].lower()
    for article in articles:
        if rest.startswith(article) and len(rest) > len(article):
            return min(lead + len(article), 9)
    return 0


@dataclass
class Field:
    """One variable data field: tag, two indicators and its non-empty subfields."""

    tag: str
    ind1: str = " "
    ind2: str = " "
    subfields: list[tuple[str, str]] = field(default_factory=list)

    def add(self, code: str, value: str | None) -> Field:
        """Append a subfield; empty values are dropped, since MARC has no empty subfields."""
        text = clean(value)
        if text:
            self.subfields.append((code, text))
        return self


def _field(tag: str, ind1: str, ind2: str, *pairs: tuple[str, str | None]) -> Field:
    made = Field(tag, ind1, ind2)
    for code, value in pairs:
        made.add(code, value)
    return made


_RELATORS = {
    "author": ("author", "aut"), "editor": ("editor", "edt"),
    "translator": ("translator", "trl"), "reviewer": ("reviewer", "rev"),
    "illustrator": ("illustrator", "ill"), "compiler": ("compiler", "com"),
}


def relator(role: str | None) -> tuple[str, str]:
    """MARC relator term and code for a JATS contrib-type ("senior_editor" is an editor)."""
    role = (role or "").lower()
    if role in _RELATORS:
        return _RELATORS[role]
    return next((v for k, v in _RELATORS.items() if k in role), ("contributor", "ctb"))


def _name_field(tag_person: str, tag_group: str, person: Contributor) -> Field:
    term, code = relator(person.role)
    if person.collab:
        made = _field(tag_group, "2", " ", ("a", person.collab))
    else:
        ind1 = "1" if person.surname else "0"
        made = _field(tag_person, ind1, " ", ("a", person.inverted_name))
    made.add("e", term)
    for aff in person.affiliations:
        made.add("u", aff.name)  # the institution; the postal address has no place here
    orcid = orcid_id(person.orcid)
    if orcid:
        made.add("0", f"https://orcid.org/{orcid}")
        made.add("1", f"https://orcid.org/{orcid}")
    made.add("4", code)
    return made


def _main_title(article: Article) -> LangText | None:
    return next((t for t in article.titles if clean(t.text)), None)


def _responsibility(article: Article) -> str:
    """245 $c: the authors, or the first and "[and N others]" beyond three (RDA 2.4.1.5)."""
    names = [c.display_name for c in article.authors if clean(c.display_name)]
    if len(names) > 3:
        return f"{names[0]} [and {len(names) - 1} others]"
    return "; ".join(names)


def _title_fields(article: Article, has_main_entry: bool) -> list[Field]:
    main = _main_title(article)
    if main is None:
        return []
    main_lang = main.lang or article.lang
    text = clean(main.text)
    title = _field("245", "1" if has_main_entry else "0", str(nonfiling(text, main_lang)))
    title.add("a", text)
    subtitles = [s for s in article.subtitles if clean(s.text)]
    own = [s for s in subtitles if s.lang in (None, main.lang, main_lang)]
    if own:
        title.add("b", own[0].text)
    title.add("c", _responsibility(article))
    made = [title]
    for other in article.titles:
        if other is main or not clean(other.text):
            continue
        parallel = _field("246", "3", "1", ("a", other.text))
        sub = next((s for s in subtitles if s.lang and s.lang == other.lang), None)
        if sub is not None:
            parallel.add("b", sub.text)
        made.append(parallel)
    return made


def _abstract_languages(article: Article, convert: Callable[[str | None], str | None]
                        ) -> list[str]:
    """The languages of the abstracts (an untagged one is in the article's), each once."""
    found = (convert(abstract.lang or article.lang) for abstract in article.abstracts)
    return list(dict.fromkeys(code for code in found if code))


def _language_note(article: Article) -> str | None:
    """"Text in Russian; abstracts in Russian and English.": only when the record states the
    language of its text (a title's language says nothing about the full text's)."""
    text = english_name(article.lang)
    if not text:
        return None
    others = _abstract_languages(article, english_name)
    note = f"Text in {text}"
    if others and others != [text]:
        listed = f"{', '.join(others[:-1])} and {others[-1]}" if len(others) > 1 else others[0]
        note += f"; abstracts in {listed}"
    return note + "."


def _pages(article: Article) -> int | None:
    if article.fpage and article.lpage and article.fpage.isdigit() and article.lpage.isdigit():
        count = int(article.lpage) - int(article.fpage) + 1
        return count if count > 0 else None
    return None


def _host_enumeration(article: Article) -> str:
    parts = []
    if article.volume:
        parts.append(f"Vol. {clean(article.volume)}")
    if article.issue:
        parts.append(f"no. {clean(article.issue)}")
    text = ", ".join(parts)
    issued = article.issued
    if issued:
        text = f"{text} ({issued.year})" if text else f"({issued.year})"
    pages = page_range(article)
    if pages:
        text = f"{text}, p. {pages}" if text else f"p. {pages}"
    elif article.elocation_id:
        text = f"{text}, article {clean(article.elocation_id)}" if text else (
            f"article {clean(article.elocation_id)}"
        )
    return text


def _issn(article: Article) -> str | None:
    """The electronic ISSN, else the print one, else the linking one (773 $x is not repeatable)."""
    order = {"epub": 0, "ppub": 1, "issn-l": 3}
    ranked = sorted(article.issns, key=lambda pair: order.get(pair[0], 2))
    for _kind, value in ranked:
        match = re.search(r"\d{4}-?\d{3}[\dXx]", value)
        if match:
            digits = match.group(0).replace("-", "").upper()
            return f"{digits[:4]}-{digits[4:]}"
    return None


def _fixed_008(article: Article, entered: dt.date) -> str:
    """Continuing-resources 008 for a serial component part (40 positions)."""
    issued = article.issued
    known = issued is not None and 1000 <= issued.year <= 9999
    dates = f"s{issued.year:04d}    " if issued is not None and known else "nuuuuuuuu"
    return (
        entered.strftime("%y%m%d")  # 00-05 date entered on file: when this catalogue got it
        + dates                  # 06 type of date, 07-10 date 1, 11-14 date 2
        + "xx "                  # 15-17 place of publication: not coded
        + "||"                   # 18 frequency, 19 regularity: not coded
        + " "                    # 20 undefined
        + "p"                    # 21 type of continuing resource: periodical
        + " o"                   # 22 form of original item, 23 form of item: online
        + resource_kind(article).nature  # 24 nature of entire work ("o" reviews)
        + "   "                  # 25-27 nature of contents
        + "|"                    # 28 government publication: not coded
        + "0"                    # 29 conference publication: no
        + "   "                  # 30-32 undefined
        + "||"                   # 33 original alphabet of title, 34 entry convention
        + (iso639_2b(article.lang) or "und")[:3].ljust(3)  # 35-37 language
        + " "                    # 38 modified record
        + "d"                    # 39 cataloging source: other
    )


_DATE_ENTERED = re.compile(rb'(<controlfield tag="008">)\d{6}')


def with_date_entered(payload: bytes, entered: dt.date) -> bytes:
    """A rendered record with 008/00-05 set to the day it entered the catalogue, which only
    the store knows (its first datestamp of the record); the rest is as rendered."""
    stamp = entered.strftime("%y%m%d").encode()
    return _DATE_ENTERED.sub(lambda m: m.group(1) + stamp, payload, count=1)


LEADER = "00000nab a22000007c 4500"
"""n new, a language material, b serial component part, a UCS/Unicode, 7 minimal level,
c ISBD punctuation omitted; lengths and base address are left to the receiving system."""


def _access_field(article: Article, context: RenderContext) -> Field:
    right = rendered_access_right(article, context)
    if right == "open":
        return _field("506", "0", " ", ("a", "Open access"),
                      ("f", "Unrestricted online access"), ("2", "star"))
    if right == "embargoed":
        made = _field("506", "1", " ", ("a", "Embargoed"))
        if article.embargo_end:
            made.add("g", article.embargo_end)
        return made
    if right == "restricted":
        return _field("506", "1", " ", ("a", "Access restricted"))
    return _field("506", "1", " ", ("a", "Full text not available from this repository"))


def fields(article: Article, context: RenderContext) -> list[Field]:
    """Every variable data field of the record, in tag order."""
    out: list[Field] = []
    for doi in dict.fromkeys(clean(v) for k, v in article.article_ids if k == "doi"):
        if doi:
            out.append(_field("024", "7", " ", ("a", doi), ("2", "doi")))
    # Cataloging source: the agency (when set), English notes, RDA content/media/carrier.
    agency = clean(context.marc_organization_code)
    out.append(_field("040", " ", " ", ("a", agency), ("b", "eng"), ("e", "rda"), ("c", agency)))
    main_lang = iso639_2b(article.lang)
    summary_langs = _abstract_languages(article, iso639_2b)
    if main_lang and summary_langs and summary_langs != [main_lang]:
        made = _field("041", "0", " ", ("a", main_lang))
        for code in summary_langs:
            made.add("b", code)
        out.append(made)

    people = named(article.contributors)
    main_entry = next((c for c in people if c.role == "author"), None)
    if main_entry is not None:
        out.append(_name_field("100", "110", main_entry))
    out.extend(_title_fields(article, main_entry is not None))

    issued = article.issued
    if article.publisher_name or issued:
        year = str(issued.year) if issued else None
        out.append(_field("264", " ", "1", ("a", article.publisher_loc),
                          ("b", article.publisher_name), ("c", year)))
    count = _pages(article)
    out.append(_field("300", " ", " ", ("a", f"1 online resource ({count} pages)" if count
                                         else "1 online resource")))
    out.append(_field("336", " ", " ", ("a", "text"), ("b", "txt"), ("2", "rdacontent")))
    out.append(_field("337", " ", " ", ("a", "computer"), ("b", "c"), ("2", "rdamedia")))
    out.append(_field("338", " ", " ", ("a", "online resource"), ("b", "cr"), ("2", "rdacarrier")))

    for abstract in article.abstracts:
        out.extend(_field("520", "3", " ", ("a", part))
                   for part in split_text(clean(abstract.text), MAX_SUBFIELD_BYTES))
    out.append(_access_field(article, context))
    for statement in article.funding:
        out.append(_field("536", " ", " ", ("a", statement)))
    if article.license_url or article.license_text or article.copyright_statement:
        name = license_name(article.license_url)
        made = _field("540", " ", " ",
                      ("a", article.license_text or name or article.copyright_statement))
        if name and name.startswith("CC"):
            made.add("f", name)
            made.add("2", "cc")
        made.add("u", article.license_url)
        out.append(made)
    note = _language_note(article)
    if note:
        out.append(_field("546", " ", " ", ("a", note)))

    kind = resource_kind(article)
    out.append(_field("655", " ", "4", ("a", kind.genre), ("1", kind.coar[0])))

    seen: set[str] = set()
    for term in subject_terms(article):
        if term.text.casefold() not in seen:  # 653 states no language: a term in two goes once
            seen.add(term.text.casefold())
            out.append(_field("653", " ", " ", ("a", term.text)))

    for person in people:
        if person is not main_entry:
            out.append(_name_field("700", "710", person))

    host = _field("773", "0", " ", ("t", article.journal_title), ("d", article.publisher_name),
                  ("g", _host_enumeration(article)), ("x", _issn(article)))
    if host.subfields:
        host.add("7", "nnas")
        out.append(host)

    landing = context.landing_url or article.landing_page
    if landing:
        # $q only for our own article page, whose media type is known; a publisher's page is
        # not fetched, so its type is not stated.
        ours = bool(context.public_url) and landing.startswith(
            context.public_url.rstrip("/") + "/articles/")
        out.append(_field("856", "4", "0", ("q", "text/html" if ours else None),
                          ("u", landing), ("z", "Article page")))
    if context.jats_url:
        out.append(_field("856", "4", "2", ("3", "JATS XML"), ("q", JATS_MEDIA_TYPE),
                          ("u", context.jats_url)))
    out = [f for f in out if f.subfields]
    out.sort(key=lambda f: f.tag)
    return out


#: The media type the JATS download (``/jats/<id>``) is served with.
JATS_MEDIA_TYPE = "application/jats+xml"
#: ISO 2709: a field's length has four digits, a record's five (both in bytes).
MAX_FIELD_BYTES = 9_999
MAX_RECORD_BYTES = 99_999
#: Room for one subfield's text in a field: indicators, delimiters and terminator aside.
MAX_SUBFIELD_BYTES = MAX_FIELD_BYTES - 16
_CONTROL_BYTES = 24 + 1 + 12 * 4 + 100 + 1  # leader, directory end, 001-008 and their entries


def split_text(text: str, limit: int) -> list[str]:
    """The text in pieces of at most ``limit`` UTF-8 bytes, cut after a sentence when one ends
    near the limit, else at a space (each piece then its own 520, as MARC allows)."""
    pieces: list[str] = []
    while len(text.encode()) > limit:
        head = text.encode()[:limit].decode("utf-8", "ignore")
        cut = max(head.rfind(". "), head.rfind("; "))
        cut = cut + 1 if cut > len(head) // 2 else head.rfind(" ")
        cut = cut if cut > 0 else len(head)
        pieces.append(head[:cut].strip())
        text = text[cut:].strip()
    return [*pieces, text] if text else pieces


def field_bytes(made: Field) -> int:
    """The field's length in ISO 2709: indicators, each subfield (delimiter, code, data) and
    the field terminator, plus its 12-byte directory entry."""
    return 12 + 2 + sum(2 + len(value.encode()) for _code, value in made.subfields) + 1


def _fit_field(made: Field) -> Field:
    """A field within :data:`MAX_FIELD_BYTES`: its longest subfields cut (at a space, "…")."""
    while field_bytes(made) - 12 > MAX_FIELD_BYTES:
        i = max(range(len(made.subfields)), key=lambda n: len(made.subfields[n][1].encode()))
        code, value = made.subfields[i]
        excess = field_bytes(made) - 12 - MAX_FIELD_BYTES
        keep = max(len(value.encode()) - excess - 3, 0)
        short = value.encode()[:keep].decode("utf-8", "ignore")
        short = short.rsplit(" ", 1)[0] if " " in short[-100:] else short
        made.subfields[i] = (code, short + "…")
    return made


def fit_record(made: list[Field]) -> list[Field]:
    """Fields that fit an ISO 2709 record: each within 9,999 bytes, and the whole within
    99,999, added contributors (700/710) left off from the last when a record would not fit
    (245 $c still says how many others there are)."""
    fitted = [_fit_field(f) for f in made]
    total = _CONTROL_BYTES + sum(field_bytes(f) for f in fitted)
    while total > MAX_RECORD_BYTES:
        last = next((i for i in range(len(fitted) - 1, -1, -1)
                     if fitted[i].tag in ("700", "710", "653")), None)
        if last is None:
            break
        total -= field_bytes(fitted.pop(last))
    return fitted


def _record(article: Article, context: RenderContext) -> etree._Element:
    root = etree.Element(f"{{{NS}}}record", nsmap={None: NS, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", f"{NS} {SCHEMA_LOCATION}")
    root.set("type", "Bibliographic")
    # Leader and control fields are positional: their spaces are data, so they are not cleaned
    # like text (and are made of codes and the identifier, which XML allows).
    etree.SubElement(root, f"{{{NS}}}leader").text = LEADER
    entered = context.entered or dt.datetime.now(dt.UTC).date()
    controls = [("001", clean(context.oai_identifier)),
                ("003", clean(context.marc_organization_code)),
                ("007", "cr |||||||||||"),
                ("008", _fixed_008(article, entered))]
    for tag, value in controls:
        if value:
            etree.SubElement(root, f"{{{NS}}}controlfield", tag=tag).text = value
    for made in fit_record(fields(article, context)):
        data = etree.SubElement(root, f"{{{NS}}}datafield", tag=made.tag, ind1=made.ind1,
                                ind2=made.ind2)
        for code, value in made.subfields:  # cleaned by Field.add
            etree.SubElement(data, f"{{{NS}}}subfield", code=code).text = value
    return root


render = article_renderer(_record)


FORMAT = MetadataFormat(
    prefix="marcxml",
    namespace=NS,
    schema_location=SCHEMA_LOCATION,
    schema_file="marc21/MARC21slim.xsd",
    render=render,
    date_entered=with_date_entered,
)
