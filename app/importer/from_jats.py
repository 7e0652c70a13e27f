"""A JATS article taken out of an OAI-PMH response (``jats`` format) -> a JATS file here.

Sources put JATS in a namespace inside OAI-PMH (this service, OJS's JATS plugin, PMC): the
JATS elements are taken back out of it, the rest (XLink, MathML, ALI) kept, and the article
is declared JATS 1.3 Archiving, the tag set every import here uses. The source's own
provenance elements are replaced by this harvest's. Everything else is kept as it came.
"""

from __future__ import annotations

from lxml import etree

from app.importer.fields import Provenance
from app.importer.jats_build import DOCTYPE, MML, PROVENANCE_USE, XLINK, add_provenance
from app.importer.record import ConversionError

_JATS_NAMESPACES = ("jats.nlm.nih.gov", "dtd.nlm.nih.gov")
#: The prefixes the JATS DTDs declare for the namespaces they use besides their own.
_PREFIXES = {
    "xlink": XLINK, "mml": MML, "ali": "http://www.niso.org/schemas/ali/1.0/",
    "oasis": "http://www.niso.org/standards/z39-96/ns/oasis-exchange/table",
}


def _is_jats(namespace: str | None) -> bool:
    return not namespace or any(host in namespace for host in _JATS_NAMESPACES)


def plain_article(meta: etree._Element) -> etree._Element:
    """A copy of the article with its JATS elements in no namespace."""
    if etree.QName(meta).localname != "article":
        raise ConversionError(
            f"the metadata is <{etree.QName(meta).localname}>, not a JATS <article>")
    article = etree.Element("article", nsmap=_PREFIXES)

    def copy(source: etree._Element, target: etree._Element) -> None:
        target.text = source.text
        for name, value in source.attrib.items():
            if name.startswith("{http://www.w3.org/2001/XMLSchema-instance}"):
                continue
            target.set(name, value)
        for child in source:
            if not isinstance(child.tag, str):
                if isinstance(child, etree._Comment):
                    clone = etree.Comment(child.text)
                else:
                    clone = etree.ProcessingInstruction(child.target, child.text)
                target.append(clone)
                clone.tail = child.tail
                continue
            name = etree.QName(child)
            tag = name.localname if _is_jats(name.namespace) else child.tag
            new = etree.SubElement(target, tag)
            copy(child, new)
            new.tail = child.tail

    copy(meta, article)
    etree.cleanup_namespaces(article, keep_ns_prefixes=["xlink", "mml"])
    article.set("dtd-version", "1.3")
    return article


def to_jats(meta: etree._Element, provenance: Provenance) -> bytes:
    article = plain_article(meta)
    article_meta = article.find("front/article-meta")
    if article_meta is None:
        raise ConversionError("the article has no <front>/<article-meta>")
    ours = f"custom-meta-group/custom-meta[@specific-use='{PROVENANCE_USE}']"
    for item in article_meta.findall(ours):
        item.getparent().remove(item)
    for group in article_meta.findall("custom-meta-group"):
        if len(group) == 0:
            article_meta.remove(group)
    existing = article_meta.find("custom-meta-group")
    if existing is not None:
        scratch = etree.Element("scratch")
        add_provenance(scratch, provenance)
        existing.extend(list(scratch[0]))
    else:
        add_provenance(article_meta, provenance)
        group = article_meta[-1]
        group.tail = article_meta[-2].tail if len(article_meta) > 1 else None
    body = etree.tostring(article, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{DOCTYPE}\n{body}\n'.encode()
