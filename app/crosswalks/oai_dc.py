"""Unqualified Dublin Core (``oai_dc``) in the profile BASE and OpenAIRE v3 harvest.

The OpenAIRE Guidelines for Literature Repository Managers v3 (which extend the DRIVER
Guidelines v2.0) fix how each element is read: ``info:eu-repo/semantics/`` terms in
``dc:type`` and ``dc:rights``, ISO 8601 in ``dc:date``, ISO 639-3 in ``dc:language``, creators
as "Family, Given", the journal citation in ``dc:source``. Every title, abstract and keyword
is given in each language the record has, with ``xml:lang``. docs/crosswalks.md has the table.
"""

from __future__ import annotations

from lxml import etree

from app.crosswalks.common import (
    XSI,
    append,
    article_renderer,
    clean,
    rendered_access_right,
    resource_kind,
    subject_terms,
)
from app.crosswalks.registry import MetadataFormat, RenderContext
from app.jats.languages import iso639_3
from app.jats.model import Article, LangText

NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC = "http://purl.org/dc/elements/1.1/"
SCHEMA_LOCATION = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"

# OpenAIRE v3 / DRIVER access-right terms (info:eu-repo-Access-Terms vocabulary).
ACCESS_TERMS = {
    "open": "info:eu-repo/semantics/openAccess",
    "embargoed": "info:eu-repo/semantics/embargoedAccess",
    "restricted": "info:eu-repo/semantics/restrictedAccess",
    "metadata": "info:eu-repo/semantics/closedAccess",
}
# Other identifiers, written as resolvable URLs or registered info URIs.
ID_FORMS = {
    "pmid": "info:pmid/{}",
    "pmcid": "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC{}/",
    "pmc": "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC{}/",
    "arxiv": "https://arxiv.org/abs/{}",
    "handle": "https://hdl.handle.net/{}",
    "urn": "{}",
}


def build(article: Article, context: RenderContext) -> etree._Element:
    """The ``oai_dc:dc`` element for one article."""
    root = etree.Element(f"{{{NS}}}dc", nsmap={"oai_dc": NS, "dc": DC, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", f"{NS} {SCHEMA_LOCATION}")

    def add(name: str, value: str | None, lang: str | None = None) -> None:
        text = clean(value)
        if text:
            append(root, f"{{{DC}}}{name}", text, lang=lang)

    for title in titles_with_subtitles(article):
        add("title", title.text, title.lang)
    for person in article.contributors:
        add("creator" if person.role == "author" else "contributor", person.inverted_name)
    for term in subject_terms(article):
        add("subject", term.text, term.lang)
    for abstract in article.abstracts:
        add("description", abstract.text, abstract.lang)
    add("publisher", article.publisher_name)
    issued = article.issued
    if issued is not None:
        add("date", issued.iso)
    access = rendered_access_right(article, context)
    if access == "embargoed" and article.embargo_end:
        add("date", f"info:eu-repo/date/embargoEnd/{article.embargo_end}")
    kind = resource_kind(article)
    add("type", f"info:eu-repo/semantics/{kind.eu_repo}")
    add(
        "type",
        "info:eu-repo/semantics/submittedVersion"
        if kind.preprint
        else "info:eu-repo/semantics/publishedVersion",
    )
    for identifier in identifiers(article, context):
        add("identifier", identifier)
    add("source", source_citation(article))
    for issn in issn_sources(article):
        add("source", issn)
    add("language", iso639_3(article.lang))
    add("rights", ACCESS_TERMS[access])
    add("rights", article.license_url)
    return root


def titles_with_subtitles(article: Article) -> list[LangText]:
    """Each title, joined to its subtitle in the same language ("Title: Subtitle")."""
    out: list[LangText] = []
    used: set[int] = set()
    for title in article.titles:
        text = title.text
        for i, sub in enumerate(article.subtitles):
            if i not in used and sub.lang == title.lang:
                text = f"{text.rstrip(':')}: {sub.text}"
                used.add(i)
                break
        out.append(LangText(text, title.lang))
    return out


def landing_page(article: Article, context: RenderContext) -> str | None:
    """The record's own page (self-uri / OJS) when it has one, else ours."""
    return article.landing_page or context.landing_url


def identifiers(article: Article, context: RenderContext) -> list[str]:
    """Landing page first (BASE links the first URL), then every DOI as a https://doi.org/ URL,
    then other identifiers that resolve outside the publisher."""
    out: list[str] = []
    landing = landing_page(article, context)
    if landing:
        out.append(landing)
    for kind, value in article.article_ids:
        if kind == "doi":
            out.append(f"https://doi.org/{value}")
        elif kind in ("pmc", "pmcid"):
            out.append(ID_FORMS[kind].format(value.upper().removeprefix("PMC")))
        elif kind in ID_FORMS:
            out.append(ID_FORMS[kind].format(value))
    return list(dict.fromkeys(out))


def source_citation(article: Article) -> str | None:
    """The journal citation in the form BASE and OpenAIRE v3 show: "Journal of the Belarusian
    State University. History; 2023, No. 4; 63–72" (title; year, Vol. volume, No. issue;
    pages), each part only when the record gives it; None when it names no journal."""
    journal = clean(article.journal_title)
    if not journal:
        return None
    issued = article.issued
    numbering = [str(issued.year)] if issued else []
    if clean(article.volume):
        numbering.append(f"Vol. {clean(article.volume)}")
    if clean(article.issue):
        numbering.append(f"No. {clean(article.issue)}")
    parts = [journal, ", ".join(numbering), clean(article.pages)]
    return "; ".join(p for p in parts if p)


def issn_sources(article: Article) -> list[str]:
    """Each ISSN of the journal as its own ``dc:source`` (as OJS gives it), print first."""
    order = {"ppub": 0, "epub": 1, "issn-l": 3}
    ranked = sorted(article.issns, key=lambda pair: order.get(pair[0], 2))
    return list(dict.fromkeys(v for v in (clean(value) for _kind, value in ranked) if v))


render = article_renderer(build)

FORMAT = MetadataFormat(
    prefix="oai_dc",
    namespace=NS,
    schema_location=SCHEMA_LOCATION,
    schema_file="oai-pmh/oai_dc.xsd",
    render=render,
)
