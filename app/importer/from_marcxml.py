"""OJS's ``marcxml`` (MARC 21 slim) -> :class:`ArticleFields`.

OJS's template gives: 022 $a ISSNs, 024 $a the DOI (with $2 ``doi``), 245 $a the title in
the journal's primary locale, 100/720 $a authors "Family, Given" with $u affiliation and $0
an ORCID or URL, 653 $a keywords, 520 $a the abstract, 260 $b publisher and $c the issue's
publication date, 856 $u the landing page, 773 $t journal and $g issue identification
(OJS writes this field with ``id``/``label`` attributes instead of ``tag``/``code``; both
are read), 546 $a language, 540 $a copyright statement. MARC carries no language per field
and OJS puts no pages in it, so those stay out.
"""

from __future__ import annotations

import re

from lxml import etree

from app.importer.fields import ArticleFields, Person, Text
from app.importer.from_oai_dc import publisher_id, split_name
from app.importer.languages import bcp47
from app.importer.ojs_citation import ISSN, issue_identification
from app.importer.record import ConversionError
from app.jats.pids import doi_of, orcid_url

MARC = "http://www.loc.gov/MARC21/slim"
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def _fields(meta: etree._Element, tag: str) -> list[dict[str, list[str]]]:
    found = []
    for field in meta:
        if not isinstance(field.tag, str) or etree.QName(field).localname.lower() != "datafield":
            continue
        if (field.get("tag") or field.get("id")) != tag:
            continue
        subfields: dict[str, list[str]] = {}
        for sub in field:
            code = sub.get("code") or sub.get("label")
            text = " ".join("".join(sub.itertext()).split())
            if code and text:
                subfields.setdefault(code, []).append(text)
        found.append(subfields)
    return found


def _first(meta: etree._Element, tag: str, code: str) -> str | None:
    for subfields in _fields(meta, tag):
        if subfields.get(code):
            return subfields[code][0]
    return None


def convert(meta: etree._Element, *, series: str, identifier: str) -> ArticleFields:
    title = _first(meta, "245", "a")
    if not title:
        raise ConversionError("the record has no title (245 $a)")
    f = ArticleFields(series=series, publisher_id=publisher_id(identifier))
    language = _first(meta, "546", "a")
    f.language = bcp47(language) if language else None
    f.titles = [Text(title)]
    for subfields in _fields(meta, "022"):
        for value in subfields.get("a", []):
            if ISSN.match(value):
                f.issns.append((value.upper(), None))
    for subfields in _fields(meta, "024"):
        if "doi" in [v.lower() for v in subfields.get("2", [])] and subfields.get("a"):
            f.doi = doi_of(subfields["a"][0]) or subfields["a"][0]
    for tag in ("100", "720"):
        for subfields in _fields(meta, tag):
            if subfields.get("a"):
                f.authors.append(_author(subfields))
    for subfields in _fields(meta, "653"):
        for word in subfields.get("a", []):
            f.add_keyword(word, None)
    abstract = _first(meta, "520", "a")
    if abstract:
        f.abstracts = [Text(abstract)]
    f.publisher = _first(meta, "260", "b")
    issued = _first(meta, "260", "c")
    match = _DATE.match(issued or "")
    if match:
        f.year, f.month, f.day = match.groups()
    for subfields in _fields(meta, "856"):
        for url in subfields.get("u", []):
            f.landing_page = f.landing_page or url
    journal = _first(meta, "773", "t")
    if journal:
        f.journal_titles = [Text(journal.rstrip(";").strip())]
    issue = _first(meta, "773", "g")
    if issue:
        f.volume, f.issue, year = issue_identification(issue)
        f.year = f.year or year
    statement = _first(meta, "540", "a")
    if statement:
        f.copyright_statements = [Text(statement)]
    return f


def _author(subfields: dict[str, list[str]]) -> Person:
    person = split_name(subfields["a"][0])
    person.affiliations = [Text(u) for u in subfields.get("u", [])]
    for value in subfields.get("0", []):
        url = orcid_url(value)
        if "orcid.org" in value and url:
            person.orcid = url
    return person
