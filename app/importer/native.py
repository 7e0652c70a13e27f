"""OJS 3 Native XML export (``native.xsd``, namespace ``http://pkp.sfu.ca``) -> JATS files.

The richest thing OJS exports: per article, its publications (the current one is imported),
each with titles, subtitles, abstracts, keywords per locale, authors with given and family
names, affiliations (OJS 3.3/3.4's and 3.5's form), country, ORCID and biography per locale,
licence and copyright, citations (the reference list), DOI, pages and the issue
identification (volume, number, year) either on the publication or on the enclosing issue.
Authors' e-mail addresses, which OJS exports but does not show readers, are left out of the
public record. The export names no journal, so the series slug is given by the caller; it
has no landing page either.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from app.config import Settings
from app.importer.fields import ArticleFields, Person, Text
from app.importer.harvest import Summary
from app.importer.jats_build import build
from app.importer.languages import bcp47
from app.importer.ojs_citation import pages
from app.importer.record import ConversionError
from app.importer.writer import Invalid, check, write_if_changed

PKP = "http://pkp.sfu.ca"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)


class NativeError(ValueError):
    """The file is not an OJS Native XML export that can be read."""


def _q(name: str) -> str:
    return f"{{{PKP}}}{name}"


def _text(el: etree._Element | None) -> str | None:
    if el is None:
        return None
    value = "".join(el.itertext()).strip()
    return value or None


def _localised(parent: etree._Element, name: str) -> list[Text]:
    found = []
    for el in parent.findall(_q(name)):
        value = _text(el)
        if value:
            found.append(Text(value, bcp47(el.get("locale"))))
    return found


def articles(root: etree._Element) -> Iterator[tuple[etree._Element, etree._Element | None]]:
    """Every article of the export, with its issue when the export is of issues."""
    if root.tag == _q("article"):
        yield root, None
        return
    for article in root.iter(_q("article")):
        issue = next((a for a in article.iterancestors(_q("issue"))), None)
        yield article, issue


def current_publication(article: etree._Element) -> etree._Element:
    publications = article.findall(_q("publication"))
    if not publications:
        raise ConversionError("the article has no <publication>")
    current = article.get("current_publication_id")
    for pub in publications:
        if current and any(i.get("type") == "internal" and _text(i) == current
                           for i in pub.findall(_q("id"))):
            return pub
    return max(publications, key=lambda p: int(p.get("version") or 0))


def convert(article: etree._Element, issue: etree._Element | None, series: str) -> ArticleFields:
    pub = current_publication(article)
    locale = bcp47(pub.get("locale"))
    f = ArticleFields(series=series, language=locale.split("-")[0] if locale else None)
    f.titles = _localised(pub, "title")
    if not f.titles:
        raise ConversionError("the publication has no title")
    prefixes = {t.lang: t.text for t in _localised(pub, "prefix")}
    f.titles = [Text(f"{prefixes[t.lang]} {t.text}" if t.lang in prefixes else t.text, t.lang)
                for t in f.titles]
    f.subtitles = _localised(pub, "subtitle")
    f.abstracts = _localised(pub, "abstract")
    for ident in article.findall(_q("id")):
        if ident.get("type") == "internal" and _text(ident):
            f.publisher_id = _text(ident)
    for ident in pub.findall(_q("id")):
        if ident.get("type") == "doi" and _text(ident):
            f.doi = _text(ident)
    for group in pub.findall(_q("keywords")):
        for word in group.findall(_q("keyword")):
            if _text(word):
                f.add_keyword(_text(word) or "", bcp47(group.get("locale")))
    f.authors = [_author(a, locale) for a in pub.iter(_q("author"))]
    f.license_url = _text(pub.find(_q("licenseUrl")))
    f.copyright_holders = _localised(pub, "copyrightHolder")
    f.copyright_year = _text(pub.find(_q("copyrightYear")))
    f.references = [c for c in (_text(el) for el in pub.iter(_q("citation"))) if c]
    f.fpage, f.lpage, f.page_range = pages(_text(pub.find(_q("pages"))))
    ident = pub.find(_q("issue_identification"))
    if ident is None and issue is not None:
        ident = issue.find(_q("issue_identification"))
    if ident is not None:
        f.volume = _text(ident.find(_q("volume")))
        f.issue = _text(ident.find(_q("number")))
        f.year = _text(ident.find(_q("year")))
    published = pub.get("date_published") or (
        _text(issue.find(_q("date_published"))) if issue is not None else None)
    if published and len(published) >= 10 and published[:4].isdigit():
        f.year, f.month, f.day = published[:4], published[5:7], published[8:10]
    if issue is not None and pub.get("section_ref"):
        for section in issue.iter(_q("section")):
            if section.get("ref") == pub.get("section_ref"):
                titles = _localised(section, "title")
                chosen = [t for t in titles if t.lang == locale] or titles
                f.section = chosen[0] if chosen else None
    return f


def _author(el: etree._Element, locale: str | None) -> Person:
    def pick(name: str) -> str | None:
        values = _localised(el, name)
        chosen = [v for v in values if v.lang == locale] or values
        return chosen[0].text if chosen else None

    orcid = _text(el.find(_q("orcid")))
    return Person(
        surname=pick("familyname"), given=pick("givenname"),
        orcid=orcid if orcid and "orcid.org/" in orcid else None,
        affiliations=_affiliations(el),
        country=_text(el.find(_q("country"))),
        bios=_localised(el, "biography"),
    )


def _affiliations(author: etree._Element) -> list[Text]:
    """Each affiliation in each of its languages. OJS up to 3.4 writes one
    ``<affiliation locale="…">`` per language; 3.5 one ``<affiliation>`` per institution (a
    ``<rorAffiliation>`` when it is registered with ROR) holding a ``<name locale="…">`` per
    language."""
    found = []
    for el in author:
        if el.tag not in (_q("affiliation"), _q("rorAffiliation")):
            continue
        if el.find(_q("name")) is not None:
            found += _localised(el, "name")
        elif value := _text(el):
            found.append(Text(value, bcp47(el.get("locale"))))
    return found


def import_native(path: Path, into: Path, *, settings: Settings, series: str | None,
                  dry_run: bool = False) -> Summary:
    if not series:
        raise NativeError("an OJS export does not name its journal: give --series")
    try:
        root = etree.parse(str(path), _PARSER).getroot()
    except (OSError, etree.XMLSyntaxError) as exc:
        raise NativeError(f"cannot be read as XML: {exc}") from exc
    if etree.QName(root).namespace != PKP:
        raise NativeError(f"the root element is not in OJS's namespace {PKP}")
    summary = Summary(str(path), "ojs-native")
    for article, issue in articles(root):
        name = f"article {_text(article.find(_q('id'))) or '?'} (line {article.sourceline})"
        try:
            data = build(convert(article, issue, series))
            checked = check(data, settings=settings, name=name)
        except (ConversionError, Invalid, ValueError) as exc:
            summary.refused.append((name, str(exc)))
            continue
        target = into / checked.relative
        existed = target.is_file()
        if dry_run:
            written = not existed or target.read_bytes() != checked.data
        else:
            written = write_if_changed(target, checked.data)
        if not written:
            summary.unchanged += 1
        elif existed:
            summary.changed += 1
        else:
            summary.added += 1
    return summary
