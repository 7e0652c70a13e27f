"""What an article page tells machines: Highwire ``citation_*`` and Dublin Core meta tags,
schema.org JSON-LD, FAIR Signposting links, and the human "how to cite" line.

All of it is computed from the :class:`~app.jats.model.Article` read from the stored JATS,
so the page, the meta tags and the harvested records never disagree.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from urllib.parse import quote

from app.config import Settings
from app.identifiers import article_url, get_record_url, jats_url
from app.jats import pids
from app.jats.model import Article, Contributor
from app.urls import safe_url


@dataclass(frozen=True)
class Links:
    """The URLs of one article's representations."""

    page: str
    jats: str
    oai_record: str
    cite_as: str
    landing: str | None
    formats: tuple[tuple[str, str, str], ...] = ()


def links_for(
    settings: Settings, local_id: str, article: Article, formats: dict[str, str] | None = None
) -> Links:
    """``formats`` maps each metadataPrefix the record has to its namespace."""
    formats = formats or {}
    page = article_url(settings, local_id)
    landing = safe_url(article.landing_page or next(iter(article.self_uris), None))
    doi = article.doi
    cite_as = f"https://doi.org/{doi}" if doi else (landing or page)
    main = "jats" if "jats" in formats or not formats else next(iter(formats))
    return Links(
        page=page,
        jats=jats_url(settings, local_id),
        oai_record=get_record_url(settings, local_id, main),
        cite_as=cite_as,
        landing=landing if landing and landing != page else None,
        formats=tuple(
            (p, get_record_url(settings, local_id, p), ns) for p, ns in formats.items()
        ),
    )


def orcid_url(contributor: Contributor) -> str | None:
    """The canonical https://orcid.org/ URL, whatever form the record wrote the iD in."""
    return pids.orcid_url(contributor.orcid)


def initials(given: str | None) -> str:
    """"Ryhor A." -> "RA", "Jean-Paul" -> "JP": the Vancouver form of given names."""
    if not given:
        return ""
    return "".join(part[0].upper() for part in re.split(r"[\s.\-]+", given) if part)


def highwire_date(article: Article) -> str | None:
    """Google Scholar reads a full date as ``YYYY/MM/DD`` "or a year alone otherwise"
    (inclusion guidelines): a month without its day is neither, so it gives the year."""
    issued = article.issued
    if issued is None:
        return None
    if issued.month and issued.day:
        return f"{issued.year:04d}/{issued.month:02d}/{issued.day:02d}"
    return f"{issued.year:04d}"


def issn_list(article: Article) -> list[str]:
    return [value for _, value in article.issns]


def how_to_cite(article: Article, links: Links) -> str:
    """A Vancouver-style line, the style the journal's own reference lists use."""
    names = []
    for person in article.authors:
        if person.collab:
            names.append(person.collab)
        elif person.surname:
            names.append(" ".join(p for p in (person.surname, initials(person.given_names)) if p))
    if len(names) > 6:
        names = names[:6] + ["et al"]
    parts = []
    if names:
        parts.append(", ".join(names) + ".")
    title = article.title.rstrip(".")
    if title:
        parts.append(title + ".")
    if article.journal_title:
        parts.append(article.journal_title.rstrip(".") + ".")
    issued = article.issued
    locator = str(issued.year) if issued else ""
    if article.volume:
        locator += f";{article.volume}"
    if article.issue:
        locator += f"({article.issue})" if article.volume else f";({article.issue})"
    if article.pages:
        locator += f":{article.pages}"
    if locator:
        parts.append(locator.lstrip(";") + ".")
    if article.doi:
        parts.append(f"doi:{article.doi}")
    else:
        parts.append(f"Available from: {links.landing or links.page}")
    return " ".join(parts)


def highwire_tags(article: Article, links: Links) -> list[tuple[str, str]]:
    """``citation_*`` meta tags in the order Google Scholar's inclusion guidelines show."""
    tags: list[tuple[str, str]] = []
    if article.title:
        tags.append(("citation_title", article.title))
    for person in article.authors:
        name = person.inverted_name
        if not name:
            continue
        tags.append(("citation_author", name))
        for aff in person.affiliations:
            tags.append(("citation_author_institution", aff.institution or aff.text))
        orcid = orcid_url(person)
        if orcid:
            tags.append(("citation_author_orcid", orcid))
    date = highwire_date(article)
    if date:
        tags.append(("citation_publication_date", date))
    if article.journal_title:
        tags.append(("citation_journal_title", article.journal_title))
    for issn in issn_list(article):
        tags.append(("citation_issn", issn))
    for key, value in (
        ("citation_volume", article.volume),
        ("citation_issue", article.issue),
        ("citation_firstpage", article.fpage or article.elocation_id),
        ("citation_lastpage", article.lpage),
        ("citation_doi", article.doi),
        ("citation_publisher", article.publisher_name),
        ("citation_language", article.lang),
    ):
        if value:
            tags.append((key, value))
    for keyword in article.keywords:
        tags.append(("citation_keywords", keyword.text))
    tags.append(("citation_abstract_html_url", links.page))
    for ref in article.references:
        tags.append(("citation_reference", ref.text))
    return tags


def dublin_core_tags(article: Article, links: Links) -> list[tuple[str, str, str | None]]:
    """(name, content, lang) for ``DC.*`` / ``DCTERMS.*`` meta tags."""
    tags: list[tuple[str, str, str | None]] = []
    for title in article.titles:
        tags.append(("DC.title", title.text, title.lang))
    for person in article.authors:
        if person.inverted_name:
            tags.append(("DC.creator", person.inverted_name, None))
    issued = article.issued
    if issued:
        tags.append(("DCTERMS.issued", issued.iso, None))
        tags.append(("DC.date", issued.iso, None))
    tags.append(("DC.identifier", links.page, None))
    if article.doi:
        tags.append(("DC.identifier", f"https://doi.org/{article.doi}", None))
    for abstract in article.abstracts:
        tags.append(("DC.description", abstract.text, abstract.lang))
    for keyword in article.keywords:
        tags.append(("DC.subject", keyword.text, keyword.lang))
    if article.publisher_name:
        tags.append(("DC.publisher", article.publisher_name, None))
    if article.lang:
        tags.append(("DC.language", article.lang, None))
    tags.append(("DC.type", "Text", None))
    preprint = (article.article_type or "").lower() == "preprint"  # as oai_dc types it
    tags.append(("DC.type", f"info:eu-repo/semantics/{'preprint' if preprint else 'article'}",
                 None))
    if article.journal_title:
        tags.append(("DC.source", article.journal_title, None))
    for issn in issn_list(article):
        tags.append(("DC.source.issn", issn, None))
    if safe_url(article.license_url):
        tags.append(("DC.rights", article.license_url, None))
    elif article.copyright_statement:
        tags.append(("DC.rights", article.copyright_statement, None))
    return tags


def json_ld(article: Article, links: Links) -> str:
    """schema.org ``ScholarlyArticle``, safe to embed in a ``<script>`` element."""
    authors = []
    for person in article.authors:
        entry: dict[str, object] = {"@type": "Organization" if person.collab else "Person",
                                    "name": person.display_name}
        if not person.collab:
            if person.given_names:
                entry["givenName"] = person.given_names
            if person.surname:
                entry["familyName"] = person.surname
        orcid = orcid_url(person)
        if orcid:
            entry["@id"] = orcid
            entry["sameAs"] = orcid
        if person.affiliations:
            entry["affiliation"] = [
                {"@type": "Organization", "name": aff.institution or aff.text}
                for aff in person.affiliations
            ]
        authors.append(entry)
    periodical: dict[str, object] = {"@type": "Periodical"}
    if article.journal_title:
        periodical["name"] = article.journal_title
    if article.issns:
        periodical["issn"] = issn_list(article)
    if article.publisher_name:
        periodical["publisher"] = {"@type": "Organization", "name": article.publisher_name}
    part_of: dict[str, object] = periodical
    if article.volume:
        part_of = {"@type": "PublicationVolume", "volumeNumber": article.volume,
                   "isPartOf": part_of}
    if article.issue:
        part_of = {"@type": "PublicationIssue", "issueNumber": article.issue,
                   "isPartOf": part_of}
    data: dict[str, object] = {
        "@context": "https://schema.org",
        "@type": "ScholarlyArticle",
        "@id": links.cite_as,
        "url": links.page,
        "headline": article.title,
        "name": article.title,
        "author": authors,
        "isPartOf": part_of,
    }
    others = [t.text for t in article.titles[1:]]
    if others:
        data["alternativeHeadline"] = others if len(others) > 1 else others[0]
    if article.issued:
        data["datePublished"] = article.issued.iso
    if article.fpage:
        data["pageStart"] = article.fpage
    if article.lpage:
        data["pageEnd"] = article.lpage
    if article.pages:
        data["pagination"] = article.pages
    if article.abstracts:
        data["abstract"] = article.abstracts[0].text
    if article.keywords:
        data["keywords"] = [k.text for k in article.keywords]
    if article.lang:
        data["inLanguage"] = article.lang
    if article.doi:
        data["identifier"] = {"@type": "PropertyValue", "propertyID": "DOI",
                              "value": article.doi}
        data["sameAs"] = f"https://doi.org/{article.doi}"
    if safe_url(article.license_url):
        data["license"] = article.license_url
    if article.publisher_name:
        data["publisher"] = {"@type": "Organization", "name": article.publisher_name}
    data["encoding"] = {"@type": "MediaObject", "contentUrl": links.jats,
                        "encodingFormat": "application/jats+xml"}
    if article.references:
        data["citation"] = [{"@type": "CreativeWork", "name": r.text} for r in article.references]
    text = json.dumps(data, ensure_ascii=False, indent=1)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def signposting(article: Article, links: Links) -> list[tuple[str, dict[str, str]]]:
    """FAIR Signposting level 1 links: (target, attributes) for ``Link`` headers and ``<link>``."""
    found: list[tuple[str, dict[str, str]]] = [
        (links.cite_as, {"rel": "cite-as"}),
        (links.jats, {"rel": "describedby", "type": "application/jats+xml"}),
    ]
    for _prefix, url, namespace in links.formats:
        found.append((url, {"rel": "describedby", "type": "text/xml", "profile": namespace}))
    for person in article.authors:
        orcid = orcid_url(person)
        if orcid:
            found.append((orcid, {"rel": "author"}))
    found.append(("https://schema.org/ScholarlyArticle", {"rel": "type"}))
    found.append(("https://schema.org/AboutPage", {"rel": "type"}))
    if article.license_url:
        found.append((article.license_url, {"rel": "license"}))
    return [(target, attrs) for target, attrs in found if safe_url(target)]


def header_uri(target: str) -> str:
    """The target as a URI an HTTP header can carry: a header holds ASCII only, and a Link
    target is a URI (RFC 8288 section 3), so the non-ASCII characters of an IRI (a Cyrillic
    landing page) and those a URI never holds ("<", ">", '"', spaces) are percent-encoded
    (RFC 3987 section 3.1); reserved characters and existing escapes stay as they are."""
    return quote(target, safe="!#$%&'()*+,/:;=?@[]~")


def link_header(entries: list[tuple[str, dict[str, str]]]) -> str:
    parts = []
    for target, attrs in entries:
        params = "".join(f'; {k}="{v}"' for k, v in attrs.items())
        parts.append(f"<{header_uri(target)}>{params}")
    return ", ".join(parts)
