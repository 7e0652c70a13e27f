"""The namespaced JATS 1.3 Archiving XSD written from the official DTD (app.jats.dtd_to_xsd).

The derivation is right when the derived schema, on the namespaced article, says what the
official DTD says on the same article without namespace: checked here on every file of the
corpus and on the seed. The few disagreements are each of a kind docs/validation.md explains.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from lxml import etree

from app.crosswalks import jats
from app.jats.dtd_to_xsd import convert
from tests.jats_verdicts import EXPLAINED, corpus_files, verdict

NS = "urn:example:jats"
TOY_DTD = """
<!ELEMENT doc (head, (para | list)*, tail?)>
<!ATTLIST doc id ID #REQUIRED kind (a | b) "a" version CDATA #FIXED "1" refs IDREFS #IMPLIED>
<!ELEMENT head (#PCDATA)>
<!ELEMENT para (#PCDATA | em)*>
<!ELEMENT em (#PCDATA)>
<!ELEMENT list (item+)>
<!ELEMENT item EMPTY>
<!ATTLIST item xml:lang NMTOKEN #IMPLIED>
<!ELEMENT tail (#PCDATA)>
"""


@pytest.fixture(scope="module")
def toy() -> etree.XMLSchema:
    dtd = etree.DTD(io.StringIO(TOY_DTD))
    files = convert(dtd, NS, {}, {NS: "toy.xsd", "http://www.w3.org/XML/1998/namespace": "x.xsd"})

    class Local(etree.Resolver):
        """The imported schema documents come from memory."""

        def resolve(self, url: str, public_id: str, context: object) -> object:
            return self.resolve_string(files[url.rsplit("/", 1)[-1]], context)

    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(Local())
    return etree.XMLSchema(etree.fromstring(files["toy.xsd"], parser))


@pytest.mark.parametrize(("body", "valid"), [
    ('<doc id="d"><head>h</head></doc>', True),
    ('<doc id="d"><head>h</head><para>a <em>b</em> c</para><list><item/></list>'
     "<tail>t</tail></doc>", True),
    ('<doc id="d" kind="b" version="1" refs="d"><head/><list><item xml:lang="en"/></list></doc>',
     True),
    ("<doc><head>h</head></doc>", False),  # #REQUIRED
    ('<doc id="d" kind="c"><head>h</head></doc>', False),  # not in the list of values
    ('<doc id="d" version="2"><head>h</head></doc>', False),  # #FIXED
    ('<doc id="d"><tail>t</tail><head>h</head></doc>', False),  # sequence order
    ('<doc id="d"><head>h</head><list/></doc>', False),  # + needs one
    ('<doc id="d"><head>h</head><tail/><tail/></doc>', False),  # ? at most one
    ('<doc id="d"><head>h</head><list><item>x</item></list></doc>', False),  # EMPTY
    ('<doc id="d"><head><em>x</em></head></doc>', False),  # #PCDATA only
    ('<doc id="d" other="x"><head/></doc>', False),  # undeclared attribute
])
def test_content_models_and_attributes_carry_over(toy: etree.XMLSchema, body: str,
                                                  valid: bool) -> None:
    dtd = etree.DTD(io.StringIO(TOY_DTD))
    bare = etree.fromstring(body)
    namespaced = etree.fromstring(body.replace("<doc ", f'<doc xmlns="{NS}" ', 1))
    assert dtd.validate(bare) is valid
    assert toy.validate(namespaced) is valid, toy.error_log


PREFIXED_DTD = """
<!ELEMENT wrap (caption?, (table | o:table)*, pair?)>
<!ATTLIST wrap xmlns:o CDATA #FIXED "urn:example:oasis">
<!ELEMENT caption (#PCDATA | table | o:table)*>
<!ELEMENT table (row+)>
<!ELEMENT row EMPTY>
<!ELEMENT pair (row, row)>
<!ELEMENT o:table (o:row+)>
<!ELEMENT o:row EMPTY>
"""


@pytest.mark.parametrize(("body", "valid"), [
    ("<wrap><table><row/></table><o:table><o:row/></o:table></wrap>", True),
    ("<wrap><caption>a <o:table><o:row/></o:table> b <table><row/></table></caption></wrap>",
     True),
    ("<wrap><pair><row/><row/></pair></wrap>", True),  # a sequence naming one element twice
    ("<wrap><pair><row/><o:row/></pair></wrap>", False),
    ("<wrap><table><o:row/></table></wrap>", False),
])
def test_a_group_naming_two_elements_of_one_local_name_keeps_both(body: str,
                                                                  valid: bool) -> None:
    """JATS's table-wrap allows ``table | oasis:table``: lxml gives both as ``table``, and
    the derived schema must still allow the OASIS one (as the DTD does)."""
    dtd = etree.DTD(io.StringIO(PREFIXED_DTD))
    oasis = "urn:example:oasis"
    files = convert(dtd, NS, {"o": oasis}, {NS: "toy.xsd", oasis: "o.xsd",
                                             "http://www.w3.org/XML/1998/namespace": "x.xsd"})

    class Local(etree.Resolver):
        def resolve(self, url: str, public_id: str, context: object) -> object:
            return self.resolve_string(files[url.rsplit("/", 1)[-1]], context)

    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(Local())
    schema = etree.XMLSchema(etree.fromstring(files["toy.xsd"], parser))
    declared = body.replace("<wrap>", f'<wrap xmlns:o="{oasis}">', 1)
    assert dtd.validate(etree.fromstring(declared)) is valid
    namespaced = body.replace("<wrap>", f'<wrap xmlns="{NS}" xmlns:o="{oasis}">', 1)
    assert schema.validate(etree.fromstring(namespaced)) is valid, schema.error_log


def test_derived_schema_agrees_with_the_official_dtd_on_the_corpus_and_seed(
    corpus_dir: Path, schema_dir: Path
) -> None:
    verdicts = [v for v in (verdict(p, schema_dir) for p in corpus_files(corpus_dir)) if v]
    assert len(verdicts) > 150
    seed = next(v for v in verdicts if v.name == "5763.xml")
    assert seed.dtd_valid and seed.xsd_valid
    disagreements = [v for v in verdicts if not v.agree]
    for v in disagreements:
        # Only ever looser, and only for the kinds docs/validation.md explains.
        assert (v.dtd_valid, v.xsd_valid) == (False, True), v
        assert v.kind in EXPLAINED.values(), f"{v.name}: {v.dtd_error}"
    assert sum(v.agree for v in verdicts) >= 0.95 * len(verdicts)
    assert sum(v.dtd_valid for v in verdicts) > 100  # both verdicts are exercised
    assert sum(not v.dtd_valid and not v.xsd_valid for v in verdicts) > 10


def test_cache_is_keyed_by_the_dtd_files(schema_dir: Path, tmp_path: Path) -> None:
    """A changed DTD module gives another derived folder; the same files reuse the cached one."""
    copy = tmp_path / "schemas"
    shutil.copytree(schema_dir / jats.SOURCE_DIR, copy / jats.SOURCE_DIR)
    first = jats.derived_schema_dir(copy)
    assert jats.derived_schema_dir(copy) == first
    assert first == jats.derived_schema_dir(schema_dir)
    module = copy / jats.SOURCE_DIR / "JATS-archivecustom-models1-3.ent"
    module.write_text(module.read_text(encoding="utf-8") + "\n<!-- changed -->\n",
                      encoding="utf-8")
    assert jats.derived_schema_dir(copy) != first
