"""One builder from :class:`ArticleFields` to a JATS 1.3 Archiving document.

Every reader ends here, so every import is laid out the same way as the seed record: the
Archiving tag set (it does not require the ISSN many sources do not state), elements in the
order the DTD wants, and an element only for what the source stated. The output is a pure
function of the fields, so the same source record always gives the same bytes.
"""

from __future__ import annotations

import re

from lxml import etree, html

from app.importer.fields import ArticleFields, Person, Provenance, Text

DOCTYPE = (
    '<!DOCTYPE article PUBLIC "-//NLM//DTD JATS (Z39.96) Journal Archiving and Interchange DTD '
    'with MathML3 v1.3 20210610//EN" '
    '"https://jats.nlm.nih.gov/archiving/1.3/JATS-archivearticle1-3-mathml3.dtd">'
)
XLINK = "http://www.w3.org/1999/xlink"
MML = "http://www.w3.org/1998/Math/MathML"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
#: ``custom-meta/@specific-use`` of the provenance kept in the file; ``app.oai`` reads it back.
PROVENANCE_USE = "oai-pmh-provenance"
_HTML_BLOCKS = {"p", "div", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "pre"}


def _el(parent: etree._Element, tag: str, text: str | None = None,
        lang: str | None = None, **attrs: str) -> etree._Element:
    """A child element; ``lang`` becomes ``xml:lang``, ``snake_case`` attributes ``kebab-case``."""
    el = etree.SubElement(parent, tag, {k.replace("_", "-"): v for k, v in attrs.items()})
    if lang:
        el.set(XML_LANG, lang)
    if text is not None:
        el.text = text
    return el


def paragraphs(value: str) -> list[str]:
    """The paragraphs of a text that may be HTML (OJS keeps abstracts and biographies as HTML):
    block elements or blank lines separate them, markup is dropped, spaces are folded."""
    value = value.strip()
    if not value:
        return []
    if "<" in value and ">" in value:
        try:
            fragment = html.fragment_fromstring(value, create_parent="div")
        except etree.ParserError:
            fragment = None
        if fragment is not None:
            blocks = [b for b in fragment.iter() if b.tag in _HTML_BLOCKS and b is not fragment
                      and not any(a.tag in _HTML_BLOCKS for a in b.iterancestors()
                                  if a is not fragment)]
            texts = [b.text_content() for b in blocks] or [fragment.text_content()]
            return [t for t in (_fold(x) for x in texts) if t]
    return [t for t in (_fold(x) for x in re.split(r"\n\s*\n", value)) if t]


def _fold(text: str) -> str:
    return " ".join(text.split())


def _ordered(items: list[Text], lang: str | None) -> list[Text]:
    """The item in the article's language first (it becomes the main one), then the others."""
    if lang:
        primary = [t for t in items if t.lang and t.lang.split("-")[0] == lang.split("-")[0]]
        return primary[:1] + [t for t in items if t is not (primary[:1] or [None])[0]]
    return list(items)


def build(fields: ArticleFields) -> bytes:
    """The JATS document, serialised; validation is the writer's job."""
    article = etree.Element("article", nsmap={"xlink": XLINK, "mml": MML})
    article.set("dtd-version", "1.3")
    if fields.language:
        article.set(XML_LANG, fields.language)
    front = _el(article, "front")
    _journal_meta(front, fields)
    _article_meta(front, fields)
    if fields.references:
        ref_list = _el(_el(article, "back"), "ref-list")
        for n, citation in enumerate(fields.references, 1):
            ref = _el(ref_list, "ref", id=f"ref{n}")
            _el(ref, "label", str(n))
            _el(ref, "mixed-citation", citation)
    etree.indent(article, space="  ")
    body = etree.tostring(article, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{DOCTYPE}\n{body}\n'.encode()


def _journal_meta(front: etree._Element, f: ArticleFields) -> None:
    meta = _el(front, "journal-meta")
    _el(meta, "journal-id", f.series, journal_id_type="publisher-id")
    if f.journal_titles:
        group = _el(meta, "journal-title-group")
        for title in f.journal_titles:
            _el(group, "journal-title", title.text, title.lang)
    for value, form in f.issns:
        if form:
            _el(meta, "issn", value, publication_format=form)
        else:
            _el(meta, "issn", value)
    if f.publisher:
        _el(_el(meta, "publisher"), "publisher-name", f.publisher)


def _article_meta(front: etree._Element, f: ArticleFields) -> None:
    meta = _el(front, "article-meta")
    if f.publisher_id:
        _el(meta, "article-id", f.publisher_id, pub_id_type="publisher-id")
    if f.doi:
        _el(meta, "article-id", f.doi, pub_id_type="doi")
    if f.section:
        group = _el(_el(meta, "article-categories"), "subj-group", None, f.section.lang,
                    subj_group_type="heading")
        _el(group, "subject", f.section.text)
    _titles(meta, f)
    if f.authors:
        group = _el(meta, "contrib-group")
        for person in f.authors:
            _contrib(group, person)
    if f.year:
        date = _el(meta, "pub-date", date_type="pub")
        if f.month:
            if f.day:
                _el(date, "day", f.day)
            _el(date, "month", f.month)
        _el(date, "year", f.year)
    if f.volume:
        _el(meta, "volume", f.volume)
    if f.issue:
        _el(meta, "issue", f.issue)
    if f.fpage:
        _el(meta, "fpage", f.fpage)
    if f.lpage:
        _el(meta, "lpage", f.lpage)
    if f.page_range:
        _el(meta, "page-range", f.page_range)
    _permissions(meta, f)
    if f.landing_page:
        _el(meta, "self-uri", **{f"{{{XLINK}}}href": f.landing_page})
    abstracts = _ordered([a for a in f.abstracts if paragraphs(a.text)], f.language)
    for n, abstract in enumerate(abstracts):
        el = _el(meta, "abstract" if n == 0 else "trans-abstract", lang=abstract.lang)
        for para in paragraphs(abstract.text):
            _el(el, "p", para)
    for lang, words in f.keywords.items():
        if words:
            group = _el(meta, "kwd-group", lang=lang)
            for word in words:
                _el(group, "kwd", word)
    if f.provenance:
        add_provenance(meta, f.provenance)


def _titles(meta: etree._Element, f: ArticleFields) -> None:
    group = _el(meta, "title-group")
    titles = _ordered(f.titles, f.language)
    main = titles[0] if titles else Text("")
    _el(group, "article-title", main.text, main.lang)
    for sub in f.subtitles:
        if sub.lang == main.lang:
            _el(group, "subtitle", sub.text, sub.lang)
    for other in titles[1:]:
        trans = _el(group, "trans-title-group", lang=other.lang)
        _el(trans, "trans-title", other.text)
        for sub in f.subtitles:
            if sub.lang == other.lang and other.lang is not None:
                _el(trans, "trans-subtitle", sub.text)


def _contrib(group: etree._Element, person: Person) -> None:
    contrib = _el(group, "contrib", contrib_type="author")
    if person.orcid:
        _el(contrib, "contrib-id", person.orcid, contrib_id_type="orcid")
    if person.surname:
        name = _el(contrib, "name", name_style="western")
        _el(name, "surname", person.surname)
        if person.given:
            _el(name, "given-names", person.given)
    elif person.given:
        # A single name (OJS allows a given name only): JATS keeps it as the surname.
        _el(_el(contrib, "name", name_style="given-only"), "given-names", person.given)
    elif person.literal:
        _el(contrib, "string-name", person.literal)
    # One <aff> per language as direct children, the form the service's reader takes.
    for aff in person.affiliations:
        _el(contrib, "aff", aff.text, aff.lang)
    if person.country:
        _el(_el(contrib, "address"), "country", person.country, country=person.country)
    for bio in person.bios:
        paras = paragraphs(bio.text)
        if paras:
            el = _el(contrib, "bio", lang=bio.lang)
            for para in paras:
                _el(el, "p", para)
    if person.email:
        _el(contrib, "email", person.email)


def _permissions(meta: etree._Element, f: ArticleFields) -> None:
    if not (f.copyright_statements or f.copyright_year or f.copyright_holders or f.license_url):
        return
    perms = _el(meta, "permissions")
    for statement in f.copyright_statements:
        _el(perms, "copyright-statement", statement.text, statement.lang)
    if f.copyright_year:
        _el(perms, "copyright-year", f.copyright_year)
    for holder in f.copyright_holders:
        _el(perms, "copyright-holder", holder.text, holder.lang)
    if f.license_url:
        lic = _el(perms, "license", **{f"{{{XLINK}}}href": f.license_url})
        link = _el(_el(lic, "license-p"), "ext-link", f.license_url, ext_link_type="uri")
        link.set(f"{{{XLINK}}}href", f.license_url)


def add_provenance(meta: etree._Element, p: Provenance) -> None:
    """The custom-meta-group that keeps where a harvested record came from."""
    group = _el(meta, "custom-meta-group")
    for name, value in (("baseURL", p.base_url), ("identifier", p.identifier),
                        ("datestamp", p.datestamp), ("metadataNamespace", p.metadata_namespace),
                        ("harvestDate", p.harvest_date)):
        item = _el(group, "custom-meta", specific_use=PROVENANCE_USE)
        _el(item, "meta-name", name)
        _el(item, "meta-value", value)
