"""OJS's ``oai_dc`` (OAI-PMH Dublin Core) -> :class:`ArticleFields`.

OJS 3 writes every title, abstract, subject and source once per locale with ``xml:lang``;
creators as "Family, Given" (the given name is the one OJS requires, so a name without a
comma is a given name); ``dc:identifier`` the landing page and the DOI; ``dc:source`` the
journal, issue and pages per locale and each ISSN on its own; ``dc:rights`` the copyright
statement and the licence URL. Fields Dublin Core cannot carry (affiliations, ORCID,
references, which ISSN is print and which online) stay out.
"""

from __future__ import annotations

import re

from lxml import etree

from app.importer.fields import ArticleFields, Person, Text
from app.importer.languages import bcp47
from app.importer.ojs_citation import ISSN, parse_source
from app.importer.record import ConversionError
from app.jats.pids import doi_of

DC = "http://purl.org/dc/elements/1.1/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
#: The OJS form of an OAI identifier: ``oai:<host>:article/<submission id>``.
OJS_ARTICLE = re.compile(r"^oai:[^:]+:article/(\d+)$")


def _values(meta: etree._Element, name: str) -> list[Text]:
    found = []
    for el in meta.iter(f"{{{DC}}}{name}"):
        text = " ".join("".join(el.itertext()).split()) if name != "description" else (
            "".join(el.itertext()).strip())
        if text:
            found.append(Text(text, bcp47(el.get(XML_LANG))))
    return found


def split_name(value: str) -> Person:
    """OJS's "Family, Given"; without a comma, OJS's required given name alone."""
    family, comma, given = value.partition(",")
    if comma:
        return Person(surname=family.strip() or None, given=given.strip() or None)
    return Person(given=value.strip())


def publisher_id(identifier: str) -> str | None:
    match = OJS_ARTICLE.match(identifier)
    return match.group(1) if match else None


def convert(meta: etree._Element, *, series: str, identifier: str) -> ArticleFields:
    titles = _values(meta, "title")
    if not titles:
        raise ConversionError("the record has no dc:title")
    f = ArticleFields(series=series, titles=titles, publisher_id=publisher_id(identifier))
    languages = _values(meta, "language")
    if languages:
        f.language = bcp47(languages[0].text)
    f.authors = [split_name(c.text) for c in _values(meta, "creator")]
    for subject in _values(meta, "subject"):
        f.add_keyword(subject.text, subject.lang)
    f.abstracts = _values(meta, "description")
    publishers = _values(meta, "publisher")
    f.publisher = publishers[0].text if publishers else None
    for date in _values(meta, "date")[:1]:
        match = _DATE.match(date.text)
        if match:
            f.year, f.month, f.day = match.groups()
    for ident in _values(meta, "identifier"):
        doi = doi_of(ident.text)
        if doi and not f.doi:
            f.doi = doi
        elif ident.text.startswith(("http://", "https://")) and not f.landing_page:
            f.landing_page = ident.text
    _sources(f, _values(meta, "source"))
    for rights in _values(meta, "rights"):
        if rights.text.startswith(("http://", "https://")) and " " not in rights.text:
            f.license_url = f.license_url or rights.text
        else:
            f.copyright_statements.append(rights)
    return f


def _sources(f: ArticleFields, sources: list[Text]) -> None:
    for source in sources:
        issn = ISSN.match(source.text)
        if issn:
            f.issns.append((issn.group(1).upper(), None))
            continue
        if doi_of(source.text):
            continue  # the issue's DOI: JATS has no place for it in article-meta
        cited = parse_source(source.text)
        if cited.journal:
            f.journal_titles.append(Text(cited.journal, source.lang))
        f.volume = f.volume or cited.volume
        f.issue = f.issue or cited.number
        f.fpage = f.fpage or cited.fpage
        f.lpage = f.lpage or cited.lpage
        f.page_range = f.page_range or cited.page_range
        if not f.year and cited.year:
            f.year = cited.year
