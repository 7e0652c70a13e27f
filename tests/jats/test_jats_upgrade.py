"""Older NLM/JATS markup brought forward to JATS 1.3 for the ``jats`` format (app.jats.upgrade).

Each rule is a change the NLM/JATS release notes list between versions; the stored article is
never touched, only a copy.
"""

from __future__ import annotations

from lxml import etree

from app.jats.upgrade import ALI, OASIS_JATS, upgrade

NLM_23 = b"""<article xmlns:xlink="http://www.w3.org/1999/xlink"><front><journal-meta>
<journal-id journal-id-type="nlm-ta">J</journal-id><journal-title>Journal</journal-title>
<abbrev-journal-title>J.</abbrev-journal-title><issn>1234-5678</issn></journal-meta>
<article-meta><title-group><article-title>T</article-title></title-group>
<copyright-statement>(c) 2007</copyright-statement><copyright-year>2007</copyright-year>
<license><p>Free to use.</p></license></article-meta></front>
<back><ref-list><ref id="r1"><citation citation-type="journal">A. <source>S</source>
<access-date>1 May 2007</access-date></citation></ref></ref-list></back></article>"""


def names(element: etree._Element) -> list[str]:
    return [c.tag for c in element if isinstance(c.tag, str)]


def test_journal_titles_go_into_journal_title_group() -> None:
    """NLM 3.0 put journal titles in <journal-title-group>, in their order, before <issn>."""
    out, changes = upgrade(etree.fromstring(NLM_23))
    meta = out.find("front/journal-meta")
    assert names(meta) == ["journal-id", "journal-title-group", "issn"]
    assert names(meta.find("journal-title-group")) == ["journal-title", "abbrev-journal-title"]
    assert any("journal-title-group" in c for c in changes)


def test_copyright_and_licence_go_into_permissions_with_license_p() -> None:
    out, _ = upgrade(etree.fromstring(NLM_23))
    meta = out.find("front/article-meta")
    assert names(meta) == ["title-group", "permissions"]
    assert names(meta.find("permissions")) == ["copyright-statement", "copyright-year",
                                               "license"]
    assert meta.findtext("permissions/license/license-p") == "Free to use."


def test_citation_becomes_mixed_citation_with_publication_type_and_access_date() -> None:
    out, _ = upgrade(etree.fromstring(NLM_23))
    citation = out.find("back/ref-list/ref/mixed-citation")
    assert citation.attrib == {"publication-type": "journal"}
    date = citation.find("date-in-citation")
    assert (date.get("content-type"), date.text) == ("access-date", "1 May 2007")
    assert citation.text == "A. " and citation.findtext("source") == "S"


def test_ali_elements_move_to_the_namespace_the_dtd_declares() -> None:
    old = b"""<article xmlns:ali="http://www.niso.org/schemas/ali/1.0"><front><article-meta>
<permissions><ali:free_to_read/></permissions></article-meta></front></article>"""
    out, changes = upgrade(etree.fromstring(old))
    assert out.find(f".//{{{ALI}}}free_to_read") is not None
    assert changes == [f"ALI elements moved to the namespace {ALI}"]


def test_nlm_oasis_tables_move_to_the_namespace_jats_declares() -> None:
    """NLM 3.0 binds oasis: to OASIS's namespace, JATS 1.0 and later to NISO's."""
    nlm = (b'<article xmlns:oasis="http://docs.oasis-open.org/ns/oasis-exchange/table"><body>'
           b'<table-wrap><oasis:table frame="topbot"><oasis:tgroup cols="1"><oasis:tbody>'
           b"<oasis:row><oasis:entry>1</oasis:entry></oasis:row></oasis:tbody></oasis:tgroup>"
           b"</oasis:table></table-wrap></body></article>")
    out, changes = upgrade(etree.fromstring(nlm))
    table = out.find("body/table-wrap")[0]
    assert table.tag == f"{{{OASIS_JATS}}}table" and table.get("frame") == "topbot"
    assert {etree.QName(e).namespace for e in table.iter()} == {OASIS_JATS}
    assert any("OASIS" in c for c in changes)


def test_current_markup_and_the_original_are_left_alone() -> None:
    original = etree.fromstring(NLM_23)
    before = etree.tostring(original)
    upgrade(original)
    assert etree.tostring(original) == before
    current, _ = upgrade(etree.fromstring(NLM_23))
    again, changes = upgrade(current)
    assert changes == []
    assert etree.tostring(again) == etree.tostring(current)
