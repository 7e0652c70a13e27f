"""The ``jats`` payload: the stored article in the JATS 1.3 Archiving namespace, valid against a
namespaced schema derived at start-up from the official JATS 1.3 Archiving DTD.

OAI-PMH 2.0 section 2.5 requires the metadata part to be in a namespace and to validate
against the schema ListMetadataFormats declares for its prefix (section 4.4).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from app.config import REPO_ROOT, load_settings
from app.crosswalks.jats import (
    DRIVER,
    FILES,
    FORMAT,
    NS,
    derived_schema,
    derived_schema_dir,
    to_namespace,
)
from app.crosswalks.registry import CrosswalkError, Document, RenderContext, formats
from app.ingest import Prepared, prepare
from app.jats.article import read_article
from app.jats.parsing import parse as parse_jats
from app.jats.schemas import schema_directory
from app.jats.text import MML_NS, XLINK_NS
from app.jats.validation import validate_file

XSI_LOCATION = "{http://www.w3.org/2001/XMLSchema-instance}schemaLocation"
PARSER = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, huge_tree=True)
PUBLIC = "https://journals.example.org"

MINIMAL = b"""<!DOCTYPE article PUBLIC "-//NLM//DTD JATS (Z39.96) Journal Publishing DTD with \
MathML3 v1.3 20210610//EN" "JATS-journalpublishing1-3-mathml3.dtd">
<article xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:mml="http://www.w3.org/1998/Math/MathML"
 article-type="research-article" dtd-version="1.3"><front><journal-meta>
<journal-id journal-id-type="publisher-id">demo</journal-id><issn>1234-5678</issn></journal-meta>
<article-meta><title-group><article-title>Growth at <inline-formula><mml:math><mml:mi>T</mml:mi>
<mml:mo>=</mml:mo><mml:mn>300</mml:mn></mml:math></inline-formula> K</article-title></title-group>
<permissions><license xlink:href="https://creativecommons.org/licenses/by/4.0/">
<license-p>CC BY&#160;4.0</license-p></license></permissions></article-meta></front></article>
"""


@pytest.fixture(scope="module")
def schema(schema_dir: Path) -> etree.XMLSchema:
    return FORMAT.schema(schema_dir)


def context(schema_dir: Path) -> RenderContext:
    return RenderContext("oai:test:1", public_url=PUBLIC, schema_dir=schema_dir)


def render(root: etree._Element, schema_dir: Path) -> bytes:
    return FORMAT.render(Document(root, read_article(root)), context(schema_dir))


@pytest.fixture(scope="module")
def minimal(schema_dir: Path) -> etree._Element:
    parsed = parse_jats(MINIMAL, schema_directory(schema_dir))
    assert parsed.root is not None, parsed.problems
    return parsed.root


def test_registered_with_the_namespace_and_schema_it_emits(
    minimal: etree._Element, schema_dir: Path, schema: etree.XMLSchema
) -> None:
    assert formats()["jats"] is FORMAT
    payload = etree.fromstring(render(minimal, schema_dir))
    assert payload.tag == f"{{{NS}}}article"
    location = FORMAT.schema_url(PUBLIC)
    assert location == f"{PUBLIC}/schemas/jats-archiving-ns-1.3/{DRIVER}"
    assert payload.get(XSI_LOCATION) == f"{FORMAT.namespace} {location}"
    assert schema.validate(payload), schema.error_log


def test_payload_keeps_mathml_xlink_and_characters(
    minimal: etree._Element, schema_dir: Path
) -> None:
    payload = etree.fromstring(render(minimal, schema_dir))
    assert payload.find(f".//{{{MML_NS}}}math/{{{MML_NS}}}mn").text == "300"
    licence = payload.find(f".//{{{NS}}}license")
    assert licence.get(f"{{{XLINK_NS}}}href") == "https://creativecommons.org/licenses/by/4.0/"
    assert licence.findtext(f"{{{NS}}}license-p") == "CC BY\u00a04.0"
    # DTD-defaulted attributes are not written out: the payload says what the record says.
    assert payload.find(f".//{{{NS}}}article-title").attrib == {}
    # The payload carries no DOCTYPE, so the default the record's DTD gives article/@xml:lang
    # ("en") is written out on the article: the payload reads exactly as the record does.
    assert payload.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    assert read_article(payload) == read_article(minimal)


def test_derived_schema_rejects_what_jats_does_not_define(
    minimal: etree._Element, schema_dir: Path, schema: etree.XMLSchema
) -> None:
    payload = etree.fromstring(render(minimal, schema_dir))
    payload.find(f"{{{NS}}}front").append(etree.Element(f"{{{NS}}}unknown-element"))
    assert not schema.validate(payload)
    assert "unknown-element" in str(schema.error_log.last_error)
    bare = etree.fromstring(etree.tostring(minimal))  # the official, namespace-less article
    assert not schema.validate(bare)


def test_derived_schema_is_built_outside_the_repository_and_compiled_once(
    schema_dir: Path,
) -> None:
    folder = derived_schema_dir(schema_dir)
    assert not folder.resolve().is_relative_to(REPO_ROOT)
    driver = (folder / DRIVER).read_text(encoding="utf-8")
    assert f'targetNamespace="{NS}"' in driver
    assert sorted(p.name for p in folder.iterdir()) == sorted(FILES.values())
    mathml = (folder / FILES[MML_NS]).read_text(encoding="utf-8")
    assert f'targetNamespace="{MML_NS}"' in mathml
    assert derived_schema(schema_dir) is derived_schema(schema_dir)
    assert FORMAT.schema(schema_dir) is derived_schema(schema_dir)


def test_archiving_markup_is_disseminated_as_jats(corpus_dir: Path, schema_dir: Path,
                                                  schema: etree.XMLSchema) -> None:
    """eLife archiving XML uses <x> (generated punctuation), which only Archiving has."""
    root = etree.parse(str(corpus_dir / "jats-real" / "elife-00007.xml"), PARSER).getroot()
    payload = etree.fromstring(render(root, schema_dir))
    assert payload.find(f".//{{{NS}}}x") is not None
    assert schema.validate(payload), schema.error_log


def test_what_archiving_does_not_allow_is_not_disseminated(
    minimal: etree._Element, schema_dir: Path
) -> None:
    broken = etree.fromstring(etree.tostring(minimal))
    broken.find("front").insert(0, etree.Element("body"))
    with pytest.raises(CrosswalkError, match=r"not valid against the JATS 1\.3 Archiving"):
        render(broken, schema_dir)


def test_unbound_prefixes_and_unprefixed_mathml_are_bound() -> None:
    """A record read without its DTD keeps "xlink:href" and "mml:math" as plain names, and a
    bare <math> has no namespace: the DTD would have supplied them, so the payload binds them."""
    lenient = etree.XMLParser(recover=True, no_network=True, resolve_entities=False)
    root = etree.fromstring(
        b'<article><front><article-meta><title-group><article-title xlink:href="https://e.org/">'
        b"A <mml:math><mml:mi>x</mml:mi></mml:math> and <math><mi>y</mi></math></article-title>"
        b"</title-group></article-meta></front></article>",
        lenient,
    )
    assert "xlink:href" in root.find(".//article-title").attrib
    out = to_namespace(root)
    title = out.find(f".//{{{NS}}}article-title")
    assert title.get(f"{{{XLINK_NS}}}href") == "https://e.org/"
    assert [mi.text for mi in out.iter(f"{{{MML_NS}}}mi")] == ["x", "y"]


def test_the_seed_is_disseminated_as_jats(records_dir: Path, schema_dir: Path,
                                          schema: etree.XMLSchema) -> None:
    """The seed declares JATS 1.3 Archiving and has no ISSN (none is known): it is valid
    Archiving, so it is given as jats."""
    root = etree.parse(str(records_dir / "history" / "2023" / "04" / "5763.xml"), PARSER)
    payload = etree.fromstring(render(root.getroot(), schema_dir))
    assert payload.find(f"{{{NS}}}front/{{{NS}}}journal-meta/{{{NS}}}issn") is None
    assert schema.validate(payload), schema.error_log


def test_corpus_payloads_are_valid_and_cover_the_valid_files(
    corpus_dir: Path, schema_dir: Path, schema: etree.XMLSchema
) -> None:
    """Every payload validates; at least 99% of the files valid against their own schema
    (NLM 2.3 to JATS 1.4) are disseminated, older markup brought forward to 1.3."""
    valid = given = 0
    for path in sorted(corpus_dir.glob("jats-*/*.xml")):
        report = validate_file(path, schemas=schema_directory(schema_dir))
        if report.root is None:
            continue
        valid += report.valid
        try:
            payload = render(report.root, schema_dir)
        except CrosswalkError as exc:
            assert "cannot be given as jats" in str(exc)
            continue
        given += report.valid
        doc = etree.fromstring(payload)
        assert schema.validate(doc), f"{path.name}: {schema.error_log.last_error}"
        assert doc.get(XSI_LOCATION) == f"{NS} {FORMAT.schema_url(PUBLIC)}"
    assert valid > 100
    assert given >= 0.99 * valid


def test_schema_dir_defaults_to_the_setting() -> None:
    assert FORMAT.schema(load_settings().schema_dir) is not None


def test_a_loaded_record_names_the_schema_list_metadata_formats_declares(
    tmp_path: Path, schema_dir: Path
) -> None:
    """OAI-PMH 2.0 section 4.4: the schema ListMetadataFormats gives for ``jats`` (built from
    ``public_url``) is the one every stored payload names, whatever address the service has."""
    settings = load_settings(instance_dir=tmp_path, public_url=PUBLIC, schema_dir=schema_dir)
    prepared = prepare(MINIMAL, settings=settings, origin=None, journals={})
    assert isinstance(prepared, Prepared), prepared
    payload = etree.fromstring(prepared.draft.formats["jats"])
    assert payload.get(XSI_LOCATION) == (
        "https://jats.nlm.nih.gov/ns/archiving/1.3/ "
        "https://journals.example.org/schemas/jats-archiving-ns-1.3/"
        "JATS-archive-oasis-article1-3-mathml3.xsd"
    )
