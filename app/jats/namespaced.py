"""JATS articles in a JATS namespace, alone or wrapped in an OAI-PMH response, made checkable.

The official JATS schemas have no namespace, but harvesters save what OAI-PMH providers give:
an ``<article>`` in PMC's ``https://jats.nlm.nih.gov/ns/archiving/1.3/`` (or this service's
``jats`` format, the same namespace), alone or inside a GetRecord or ListRecords response.
Such an article is taken out of its namespace (MathML, XLink and ALI keep theirs) and given
the DOCTYPE of the tag set and version its namespace names, so the ordinary validation checks
it against the official DTD of that tag set and version.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass

from lxml import etree

from app.jats.schemas import SchemaDirectory
from app.jats.text import is_jats_namespace

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
DEFAULT_TAG_SET, DEFAULT_VERSION = "archiving", "1.3"
_NS_PARTS = re.compile(r"/ns/(archiving|publishing|authoring)/(\d+\.\d+)/?$")
_TAG_SET_NAMES = {"archiving": "Journal Archiving and Interchange DTD",
                  "publishing": "Journal Publishing DTD",
                  "authoring": "Article Authoring DTD"}
# The loosest variant of a tag set first: OASIS tables and MathML 3 both declared.
_VARIANTS = ("with OASIS Tables with MathML3 ", "with MathML3 ", "with OASIS Tables ", "")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                          huge_tree=True)


@dataclass(frozen=True)
class Unwrapped:
    """One article taken out of its namespace: the bytes to validate and where it came from."""

    data: bytes
    namespace: str
    public_id: str | None
    identifier: str | None = None  # the OAI identifier when it came from an OAI-PMH response
    #: The article alone, still in its namespace: what is stored when a response holding
    #: several articles is loaded (each becomes its own record).
    original: bytes = b""


def _looks_namespaced(data: bytes) -> bool:
    head = bytes(data[:4096])
    return b"jats.nlm.nih.gov" in head or b"dtd.nlm.nih.gov" in head or OAI_NS.encode() in head


def _root(data: bytes) -> etree._Element | None:
    try:
        return etree.fromstring(bytes(data), _PARSER)
    except (etree.XMLSyntaxError, ValueError):
        return None  # the ordinary validation reports why


def is_oai_response(root: etree._Element) -> bool:
    return root.tag == f"{{{OAI_NS}}}OAI-PMH"


def is_namespaced_article(root: etree._Element) -> bool:
    name = etree.QName(root)
    return name.localname == "article" and is_jats_namespace(name.namespace)


def public_id(namespace: str, schemas: SchemaDirectory) -> str | None:
    """The public identifier of the official DTD for the tag set and version a namespace
    names (``…/ns/archiving/1.3/``); None when the catalog holds none."""
    match = _NS_PARTS.search(namespace)
    tag_set, version = match.groups() if match else (DEFAULT_TAG_SET, DEFAULT_VERSION)
    known = schemas.catalog.public
    for variant in _VARIANTS:
        prefix = f"-//NLM//DTD JATS (Z39.96) {_TAG_SET_NAMES[tag_set]} {variant}v{version} "
        found = sorted(p for p in known if p.startswith(prefix))
        if found:
            return found[-1]
    return None


def _system_id(pid: str, schemas: SchemaDirectory) -> str:
    """The official URL of the DTD a public identifier names (the catalog maps both)."""
    path = schemas.catalog.public[pid]
    urls = sorted(url for url, p in schemas.catalog.system.items() if p == path)
    return next((u for u in urls if u.startswith("https://")), urls[0] if urls else path.name)


def bare(article: etree._Element, schemas: SchemaDirectory,
         identifier: str | None = None) -> Unwrapped:
    """The article without its JATS namespace, under the DOCTYPE of its tag set and version."""
    namespace = etree.QName(article).namespace or ""
    out = copy.deepcopy(article)
    for el in out.iter(etree.Element):
        if is_jats_namespace(etree.QName(el).namespace):
            el.tag = etree.QName(el).localname
    out.attrib.pop(f"{{{XSI}}}schemaLocation", None)
    etree.cleanup_namespaces(out)
    pid = public_id(namespace, schemas)
    doctype = f'<!DOCTYPE article PUBLIC "{pid}" "{_system_id(pid, schemas)}">' if pid else ""
    body = etree.tostring(out, encoding="utf-8")
    # The article starts on the line it started on in the input, so the report's line numbers
    # point into the file the user gave (start tags written over several lines aside).
    lead = "\n" * max((article.sourceline or 1) - 1, 0)
    head = f'<?xml version="1.0" encoding="UTF-8"?>{lead}{doctype}'.encode()
    alone = copy.deepcopy(article)
    etree.cleanup_namespaces(alone)
    original = etree.tostring(alone, encoding="UTF-8", xml_declaration=True, with_tail=False)
    return Unwrapped(head + body, namespace, pid, identifier, original)


def unwrap(data: bytes, schemas: SchemaDirectory) -> list[Unwrapped] | None:
    """The articles of a namespaced article or of an OAI-PMH response holding JATS articles;
    None for anything else (an ordinary JATS file is validated as it is)."""
    if not _looks_namespaced(data):
        return None
    root = _root(data)
    if root is None:
        return None
    if is_namespaced_article(root):
        return [bare(root, schemas)]
    if not is_oai_response(root):
        return None
    found = []
    for number, record in enumerate(root.iter(f"{{{OAI_NS}}}record"), start=1):
        identifier = (record.findtext(f"{{{OAI_NS}}}header/{{{OAI_NS}}}identifier") or "").strip()
        for article in record.iterfind(f"{{{OAI_NS}}}metadata/*"):
            if is_namespaced_article(article):
                # a header without an identifier (not valid OAI-PMH) is named by its place
                found.append(bare(article, schemas, identifier or f"record-{number}"))
    return found
