"""The reference list, one plain reference per citation."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from lxml import etree

from app.jats.languages import language_tag
from app.jats.model import (
    Reference,
)
from app.jats.pids import bare_doi, is_doi_reference
from app.jats.reader.tree import child_named, first_text, href_of
from app.jats.text import (
    XML_LANG,
    citation_text,
    local,
    normalise_space,
    text_of,
    title_text,
)
from app.urls import safe_url

CITATIONS = ("element-citation", "mixed-citation", "citation", "nlm-citation")


def read_references(article: etree._Element) -> Iterator[Reference]:
    back = child_named(article, "back")
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
                surname = first_text(el, "surname")
                given = first_text(el, "given-names")
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
    links = ((href_of(e) or text_of(e)).strip() for e, name in elements
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
    label_el = child_named(ref, "label")
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
