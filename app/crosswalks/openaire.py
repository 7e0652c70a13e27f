"""OpenAIRE Guidelines for Literature Repositories v4 (``oai_openaire``).

The profile mixes DataCite, Dublin Core and OpenAIRE's own elements. Two rules matter most
to aggregators: the COAR access right must come from what the record says (or the
journal's stated policy), never "open" by default; and every field the guidelines mark
Mandatory is either present or explained by :func:`missing_mandatory`.
"""

from __future__ import annotations

from lxml import etree

from app.crosswalks.common import (
    XSI,
    access_right,
    append,
    article_renderer,
    clean,
    license_name,
    named,
    rendered_access_right,
    resource_kind,
    subject_terms,
)
from app.crosswalks.registry import MetadataFormat, RenderContext
from app.jats.languages import iso639_3
from app.jats.model import Article, Contributor
from app.jats.pids import orcid_id

NS = "http://namespace.openaire.eu/schema/oaire/"
SCHEMA_LOCATION = "https://www.openaire.eu/schema/repo-lit/4.0/openaire.xsd"
DATACITE = "http://datacite.org/schema/kernel-4"
DC = "http://purl.org/dc/elements/1.1/"
NSMAP = {"oaire": NS, "datacite": DATACITE, "dc": DC, "xsi": XSI}

# COAR Access Rights vocabulary, as the guidelines list it (Access Rights, M).
COAR_ACCESS_RIGHTS = {
    "open": ("http://purl.org/coar/access_right/c_abf2", "open access"),
    "embargoed": ("http://purl.org/coar/access_right/c_f1cf", "embargoed access"),
    "restricted": ("http://purl.org/coar/access_right/c_16ec", "restricted access"),
    "metadata": ("http://purl.org/coar/access_right/c_14cb", "metadata only access"),
}
VERSION_OF_RECORD = ("http://purl.org/coar/version/c_970fb48d4fbd8a85", "VoR")
# A preprint (JATS article-type "preprint", COAR "preprint") is in the JAV version "Submitted
# Manuscript Under Review": what oai_dc says of it with submittedVersion.
SUBMITTED_VERSION = ("http://purl.org/coar/version/c_71e4c1898caa6e32", "SMUR")
AFFILIATION_SCHEMES = {"ROR": "https://ror.org/", "ISNI": "https://isni.org/isni/",
                       "Ringgold": None}
ALTERNATE_IDS = {"doi": "DOI", "pmid": "PMID", "pmcid": "PMCID", "arxiv": "arXiv"}
FULL_TEXT_TYPES = {".pdf": "application/pdf", ".epub": "application/epub+zip"}


def _q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"


def _add(parent: etree._Element, ns: str, name: str, text: str | None = None, *,
         lang: str | None = None, **attrs: str | None) -> etree._Element:
    return append(parent, _q(ns, name), text, lang=lang, **attrs)


def identifier(article: Article, context: RenderContext) -> tuple[str, str] | None:
    """The resource identifier: the landing page (URL), else the DOI, as the guidelines prefer
    a link to a jump-off page."""
    landing = clean(context.landing_url or article.landing_page)
    if landing:
        return landing, "URL"
    if article.doi:
        return clean(article.doi), "DOI"
    return None


def _full_text_files(article: Article) -> list[tuple[str, str]]:
    """Self-URIs that name a full-text file (PDF, EPUB): the only file locations the record
    states. The landing page is not a file; nothing is guessed."""
    out = []
    for uri in article.self_uris:
        path = uri.split("?", 1)[0].lower()
        for ending, mime in FULL_TEXT_TYPES.items():
            if path.endswith(ending) and uri.startswith(("http://", "https://")):
                out.append((clean(uri), mime))
    return out


def missing_mandatory(article: Article, context: RenderContext | None = None) -> list[str]:
    """Why a Mandatory field (or a Mandatory-if-applicable one that applies) is absent.

    Access right, resource type and version are always present: they never need a reason.
    """
    missing = []
    if not any(clean(t.text) for t in article.titles):
        missing.append("datacite:title (M): the record has no article-title")
    if not named(article.authors):
        missing.append("datacite:creator (M): the record names no author (no contrib or collab)")
    if article.issued is None:
        missing.append("datacite:date Issued (M): the record has no pub-date with a year")
    if context is not None and identifier(article, context) is None:
        missing.append("datacite:identifier (M): no landing page URL and no DOI are known")
    effective = access_right(article, context or RenderContext(oai_identifier=""))
    if effective == "embargoed" and not article.embargo_end:
        missing.append("datacite:date Available (MA): embargoed, but no embargo end date given")
    return missing


def contributor_type(role: str | None) -> str:
    """DataCite contributorType for a JATS contrib-type: any kind of editor is an Editor."""
    return "Editor" if "editor" in (role or "").lower() else "Other"


def _creator(parent: etree._Element, person: Contributor, kind: str) -> None:
    element = "creator" if kind == "creator" else "contributor"
    if kind != "creator":
        el = _add(parent, DATACITE, element, contributorType=contributor_type(person.role))
    else:
        el = _add(parent, DATACITE, element)
    name_type = "Organizational" if person.collab else "Personal"
    _add(el, DATACITE, f"{element}Name", clean(person.inverted_name), nameType=name_type)
    if not person.collab:
        if clean(person.given_names):
            _add(el, DATACITE, "givenName", clean(person.given_names))
        if clean(person.surname):
            _add(el, DATACITE, "familyName", clean(person.surname))
    orcid = orcid_id(person.orcid)
    if orcid:
        _add(el, DATACITE, "nameIdentifier", orcid,
             nameIdentifierScheme="ORCID", schemeURI="https://orcid.org")
    for aff in person.affiliations:
        if clean(aff.name):
            # DataCite 4.3 affiliation: the institution, its identifier when the JATS tags one.
            ident = aff.identifier
            _add(el, DATACITE, "affiliation", clean(aff.name),
                 affiliationIdentifier=ident[0] if ident else None,
                 affiliationIdentifierScheme=ident[1] if ident else None,
                 schemeURI=AFFILIATION_SCHEMES.get(ident[1]) if ident else None)


def _titles(root: etree._Element, article: Article) -> None:
    titles = [t for t in article.titles if clean(t.text)]
    if not titles:
        return
    main, translations = titles[0], titles[1:]
    subtitles = [s for s in article.subtitles if clean(s.text)]
    own = [s for s in subtitles if s.lang in (None, main.lang)]
    group = _add(root, DATACITE, "titles")
    # The main title and its subtitle first, then the translations and theirs.
    for text, kind in [(main, None), *((s, "Subtitle") for s in own),
                       *((t, "TranslatedTitle") for t in translations),
                       *((s, "Subtitle") for s in subtitles if s not in own)]:
        _add(group, DATACITE, "title", text.text, lang=text.lang, titleType=kind)


def _people(root: etree._Element, article: Article) -> None:
    people = named(article.contributors)
    authors = [c for c in people if c.role == "author"]
    others = [c for c in people if c.role != "author"]
    for kind, members in (("creator", authors), ("contributor", others)):
        if members:
            group = _add(root, DATACITE, f"{kind}s")
            for person in members:
                _creator(group, person, kind)


def _identifiers(root: etree._Element, article: Article, context: RenderContext) -> None:
    primary = identifier(article, context)
    if primary is not None:
        _add(root, DATACITE, "identifier", primary[0], identifierType=primary[1])
    alternates: list[tuple[str, str]] = []
    for kind, value in article.article_ids:
        entry = (clean(value), ALTERNATE_IDS.get(kind, ""))
        if entry[0] and entry[1] and entry not in alternates and entry != primary:
            alternates.append(entry)
    _wrapped(root, "alternateIdentifiers", [
        (value, {"alternateIdentifierType": kind}) for value, kind in alternates
    ])
    issns = dict.fromkeys(v for v in (clean(value) for _kind, value in article.issns) if v)
    _wrapped(root, "relatedIdentifiers", [
        (value, {"relatedIdentifierType": "ISSN", "relationType": "IsPartOf"}) for value in issns
    ])


def _dates(root: etree._Element, article: Article, right: str) -> None:
    issued = article.issued
    dates = []
    if right == "embargoed" and article.embargo_end:
        if issued:
            dates.append(("Accepted", issued.iso))
        dates.append(("Available", clean(article.embargo_end)))
    if issued:
        dates.append(("Issued", issued.iso))
    _wrapped(root, "dates", [(value, {"dateType": kind}) for kind, value in dates])


def _citation(root: etree._Element, article: Article) -> None:
    for name, value in (
        ("citationTitle", article.journal_title),
        ("citationVolume", article.volume),
        ("citationIssue", article.issue),
        ("citationStartPage", article.fpage),
        ("citationEndPage", article.lpage),
    ):
        if clean(value):
            _add(root, NS, name, clean(value))


def _funding(root: etree._Element, article: Article) -> None:
    """Funding Reference (MA): a funder name for each tagged award, its identifier when the
    record gives one of a kind DataCite names, and the award number."""
    if not article.awards:
        return
    group = _add(root, NS, "fundingReferences")
    for award in article.awards:
        reference = _add(group, NS, "fundingReference")
        _add(reference, NS, "funderName", award.funder)
        if award.funder_id and award.funder_id_type:
            _add(reference, NS, "funderIdentifier", award.funder_id,
                 funderIdentifierType=award.funder_id_type)
        if award.number:
            _add(reference, NS, "awardNumber", award.number)


def _subjects(root: etree._Element, article: Article) -> None:
    _wrapped(root, "subjects", [(t.text, {"lang": t.lang}) for t in subject_terms(article)])


def _wrapped(root: etree._Element, wrapper: str,
             entries: list[tuple[str, dict[str, str | None]]]) -> None:
    """A DataCite list element (``dates``, ``subjects``...) with one child per entry (text and
    attributes), the child named for the list; nothing at all when there are no entries."""
    if entries:
        group = _add(root, DATACITE, wrapper)
        for text, attrs in entries:
            _add(group, DATACITE, wrapper[:-1], text, **attrs)


def resource(article: Article, context: RenderContext) -> etree._Element:
    """The ``oaire:resource`` element for an article."""
    root = etree.Element(_q(NS, "resource"), nsmap=NSMAP)
    root.set(_q(XSI, "schemaLocation"), f"{NS} {SCHEMA_LOCATION}")
    right = rendered_access_right(article, context)

    _titles(root, article)
    _people(root, article)
    _funding(root, article)
    _identifiers(root, article, context)
    _dates(root, article, right)
    language = iso639_3(article.lang)
    if language:
        _add(root, DC, "language", language)
    if clean(article.publisher_name):
        _add(root, DC, "publisher", clean(article.publisher_name))
    kind = resource_kind(article)
    version = SUBMITTED_VERSION if kind.preprint else VERSION_OF_RECORD
    _add(root, NS, "resourceType", kind.coar[1], resourceTypeGeneral="literature",
         uri=kind.coar[0])
    for abstract in article.abstracts:
        if clean(abstract.text):
            _add(root, DC, "description", clean(abstract.text), lang=abstract.lang)
    uri, label = COAR_ACCESS_RIGHTS[right]
    _add(root, DATACITE, "rights", label, rightsURI=uri)
    _subjects(root, article)
    if article.license_url or article.license_text:
        name = license_name(article.license_url) or clean(article.license_text) or None
        _add(root, NS, "licenseCondition", name or clean(article.license_url),
             uri=clean(article.license_url) or None)
    _add(root, NS, "version", version[1], uri=version[0])
    for url, mime in _full_text_files(article):
        _add(root, NS, "file", url, accessRightsURI=uri, mimeType=mime, objectType="fulltext")
    _citation(root, article)
    return root


render = article_renderer(resource)


FORMAT = MetadataFormat(
    prefix="oai_openaire",
    namespace=NS,
    schema_location=SCHEMA_LOCATION,
    schema_file="openaire/4.0/openaire.xsd",
    render=render,
    notes=missing_mandatory,
)
