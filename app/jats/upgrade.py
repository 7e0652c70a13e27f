"""Older JATS markup brought forward to JATS 1.3, on a copy: the stored file is never rewritten.

The ``jats`` format serves every record as JATS 1.3 Archiving. Most older articles are already
valid 1.3 Archiving; the changes below are the ones the NLM/JATS release notes list where
older valid markup is not valid in 1.3 and has a one-to-one 1.3 form:

- NLM 2.3 puts ``journal-title``, ``journal-subtitle``, ``trans-title`` and
  ``abbrev-journal-title`` directly in ``journal-meta``; NLM 3.0 moved them into
  ``journal-title-group`` (one group, in document order), which 1.3 requires.
- NLM 2.3 puts ``copyright-statement``, ``copyright-year``, ``copyright-holder`` and
  ``license`` directly in ``article-meta``; NLM 3.0 requires them inside ``permissions``.
- NLM 2.3 writes a licence's paragraphs as ``p``; NLM 3.0 and later as ``license-p``.
- NLM 2.3 and 3.0 have a reference's ``citation``; JATS 1.0 replaced it by
  ``mixed-citation`` (punctuation and spacing kept as text), which takes the same content,
  and renamed its ``@citation-type`` to ``@publication-type``.
- NLM 2.3 and 3.0 have ``access-date`` in a citation; JATS 1.0 replaced it by
  ``date-in-citation`` with ``@content-type="access-date"``.
- NLM 3.0 binds the OASIS (CALS) table model to OASIS's namespace
  ``http://docs.oasis-open.org/ns/oasis-exchange/table``; JATS 1.0 and later bind it to
  ``http://www.niso.org/standards/z39-96/ns/oasis-exchange/table`` (JATS-oasis-namespace1.ent):
  the ``oasis:`` elements move to that namespace, names and attributes unchanged.
- JATS 1.1 and 1.2 articles were written with the ALI namespace without its final slash
  (``http://www.niso.org/schemas/ali/1.0``), while the JATS DTDs bind
  ``http://www.niso.org/schemas/ali/1.0/``: the elements move to the declared namespace.

Each change is applied only when the older form is present, so a 1.3 article is unchanged.
"""

from __future__ import annotations

import copy

from lxml import etree

from app.jats.text import local

ALI = "http://www.niso.org/schemas/ali/1.0/"
ALI_WITHOUT_SLASH = ALI.rstrip("/")
OASIS_NLM = "http://docs.oasis-open.org/ns/oasis-exchange/table"
OASIS_JATS = "http://www.niso.org/standards/z39-96/ns/oasis-exchange/table"
PERMISSIONS = ("copyright-statement", "copyright-year", "copyright-holder", "license")
JOURNAL_TITLES = ("journal-title", "journal-subtitle", "trans-title", "abbrev-journal-title")


def _same_namespace(el: etree._Element, name: str) -> str:
    """``name`` in the namespace of ``el`` (bare when the article has none)."""
    ns = etree.QName(el).namespace
    return f"{{{ns}}}{name}" if ns else name


def _group(parent: etree._Element, names: tuple[str, ...], wrapper: str) -> bool:
    """Move the children of ``parent`` named ``names`` into one new ``wrapper`` element, at
    the place of the first of them."""
    found = [c for c in parent if isinstance(c.tag, str) and local(c.tag) in names]
    if not found:
        return False
    group = etree.Element(_same_namespace(parent, wrapper))
    parent.insert(parent.index(found[0]), group)
    for child in found:
        tail = child.tail
        group.append(child)
        child.tail = tail
    return True


def _license_paragraphs(root: etree._Element) -> bool:
    changed = False
    for licence in [e for e in root.iter(etree.Element) if local(e.tag) == "license"]:
        for child in licence:
            if isinstance(child.tag, str) and local(child.tag) == "p":
                child.tag = _same_namespace(child, "license-p")
                changed = True
    return changed


def _move_namespace(root: etree._Element, old: str, new: str) -> bool:
    changed = False
    for el in root.iter(f"{{{old}}}*"):
        el.tag = f"{{{new}}}{etree.QName(el).localname}"
        changed = True
    return changed


def upgrade(article: etree._Element) -> tuple[etree._Element, list[str]]:
    """A JATS 1.3 copy of ``article`` and the changes made (empty when none was needed)."""
    out = copy.deepcopy(article)
    changes = []
    for meta in [e for e in out.iter(etree.Element) if local(e.tag) == "journal-meta"]:
        if _group(meta, JOURNAL_TITLES, "journal-title-group"):
            changes.append("journal titles grouped in journal-title-group (NLM 3.0)")
    for meta in [e for e in out.iter(etree.Element) if local(e.tag) == "article-meta"]:
        if _group(meta, PERMISSIONS, "permissions"):
            changes.append("copyright and licence grouped in permissions (NLM 3.0)")
    citations = [e for e in out.iter(etree.Element) if local(e.tag) == "citation"]
    for citation in citations:
        citation.tag = _same_namespace(citation, "mixed-citation")
        kind = citation.attrib.pop("citation-type", None)
        if kind is not None and "publication-type" not in citation.attrib:
            citation.set("publication-type", kind)
    if citations:
        changes.append("citation written as mixed-citation (JATS 1.0)")
    accessed = [e for e in out.iter(etree.Element) if local(e.tag) == "access-date"]
    for date in accessed:
        date.tag = _same_namespace(date, "date-in-citation")
        date.set("content-type", date.get("content-type") or "access-date")
    if accessed:
        changes.append("access-date written as date-in-citation (JATS 1.0)")
    if _license_paragraphs(out):
        changes.append("licence paragraphs written as license-p (NLM 3.0)")
    if _move_namespace(out, OASIS_NLM, OASIS_JATS):
        changes.append(f"OASIS table elements moved to the namespace {OASIS_JATS} (JATS 1.0)")
    if _move_namespace(out, ALI_WITHOUT_SLASH, ALI):
        changes.append(f"ALI elements moved to the namespace {ALI}")
    if changes:
        etree.cleanup_namespaces(out)
    return out, changes
