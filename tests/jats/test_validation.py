"""The validator (issue 2, section 3): the schema a document declares is the one it is checked
against, and every finding carries line, column, element path and plain words."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from lxml import etree

from app.jats.schemas import SchemaDirectory, SchemaMissingError, schema_directory
from app.jats.validation import validate, validate_file

DATA = Path(__file__).resolve().parents[1] / "data"
ARCHIVING_13 = ('<!DOCTYPE article PUBLIC "-//NLM//DTD JATS (Z39.96) Journal Archiving and '
                'Interchange DTD with MathML3 v1.3 20210610//EN" '
                '"JATS-archivearticle1-3-mathml3.dtd">')


@pytest.fixture(scope="module")
def schemas(schema_dir: Path) -> SchemaDirectory:
    return schema_directory(schema_dir)


@pytest.fixture(scope="module")
def seed(records_dir: Path) -> Path:
    return records_dir / "history" / "2023" / "04" / "5763.xml"


def check(data: bytes | str, schemas: SchemaDirectory):
    if isinstance(data, str):
        data = data.encode()
    return validate(data, schemas=schemas, max_bytes=20 * 1024 * 1024)


def kinds(report) -> list[str]:
    return [p.kind for p in report.errors]


def test_seed_record_is_valid_against_the_jats_13_archiving_dtd(
    seed: Path, schemas: SchemaDirectory
) -> None:
    report = validate_file(seed, schemas=schemas)
    assert report.valid and report.usable, report.errors
    assert report.schema == "JATS 1.3 Archiving (MathML 3) DTD"
    assert (report.tag_set, report.version) == ("Archiving", "1.3")
    assert report.root is not None and report.root.tag == "article"


def test_a_broken_copy_gets_line_column_path_and_plain_words(
    seed: Path, schemas: SchemaDirectory
) -> None:
    text = seed.read_text(encoding="utf-8").replace("</contrib-group>",
                                                    "</contrib-group><bogus/>", 1)
    report = check(text, schemas)
    assert report.usable and not report.valid
    bogus_line = next(i for i, line in enumerate(text.splitlines(), 1) if "<bogus/>" in line)
    problem = next(p for p in report.errors if p.kind == "undeclared-element")
    assert problem.line == bogus_line
    assert problem.path == "/article/front/article-meta/bogus"
    assert "<bogus>" in problem.message and "JATS 1.3 Archiving" in problem.message
    assert problem.raw == "No declaration for element bogus"
    placed = next(p for p in report.errors if p.kind == "element-not-allowed")
    assert placed.path == "/article/front/article-meta"


HAND_MADE = ARCHIVING_13 + """
<article article-type="research-article">
<front><article-meta>
<kwd-group><kwd>один</kwd><kwd bogus="1">два</kwd><kwd>три</kwd></kwd-group>
<permissions><license
    license-type="open" wrong="x"><license-p>L</license-p></license></permissions>
</article-meta></front>
<body><p>x</p><p><sec/></p><p>y</p></body>
</article>
"""


def at(problem) -> tuple[int, int]:
    return problem.line, problem.column


def test_dtd_errors_get_the_column_libxml2_does_not_give(schemas: SchemaDirectory) -> None:
    """libxml2 reports validity errors with column 0; the report works the column out from
    the source: the attribute the message names, else the element's start tag. Columns
    count characters (Cyrillic included) from 1."""
    report = check(HAND_MADE, schemas)
    found = {(p.path, p.raw.split(" of ")[0]): p for p in report.errors}
    bogus = found[("/article/front/article-meta/kwd-group/kwd[2]",
                   "No declaration for attribute bogus")]
    assert at(bogus) == (4, 32), "the second of three <kwd> start tags on the line"
    wrong = found[("/article/front/article-meta/permissions/license",
                   "No declaration for attribute wrong")]
    assert at(wrong) == (6, 25), "a start tag over two lines is reported on its last line"
    sec = next(p for p in report.errors if p.path == "/article/body/p[2]")
    assert at(sec) == (8, 15), "the second <p> on the line, not the first"
    assert bogus.column_derived and wrong.column_derived and sec.column_derived
    assert all(p.column for p in report.errors if p.line)


def test_xsd_errors_get_a_column_too(schemas: SchemaDirectory) -> None:
    text = (DATA / "minimal-jats-1.3-no-doctype.xml").read_text().replace(
        "<volume>1</volume>", "<volume>1</volume><bogus/>")
    report = check(text, schemas)
    problem = report.errors[0]
    line = text.splitlines()[problem.line - 1]
    assert problem.column == line.index("<bogus/>") + 1 and problem.column_derived


def test_parse_errors_keep_the_column_libxml2_gives(schemas: SchemaDirectory) -> None:
    report = check("<article>\n  <front>&</front></article>", schemas)
    assert not report.usable
    assert report.errors[0].line == 2 and report.errors[0].column
    assert not report.errors[0].column_derived


@pytest.mark.parametrize("version", ["1.3", "1.4"])
def test_no_doctype_uses_the_publishing_xsd_of_its_dtd_version(
    version: str, schemas: SchemaDirectory
) -> None:
    report = validate_file(DATA / f"minimal-jats-{version}-no-doctype.xml", schemas=schemas)
    assert report.valid, report.errors
    assert report.schema == f"JATS {version} Publishing (MathML 3) XSD"
    assert report.errors == []


def test_other_dtd_version_falls_back_to_the_newest_xsd_with_a_note(
    schemas: SchemaDirectory
) -> None:
    text = (DATA / "minimal-jats-1.4-no-doctype.xml").read_text().replace(
        'dtd-version="1.4"', 'dtd-version="1.1"')
    report = check(text, schemas)
    assert report.valid
    assert report.schema == "JATS 1.4 Publishing (MathML 3) XSD"
    assert kinds(report) == ["version-fallback"]
    assert report.errors[0].severity == "note"


def test_xsd_errors_have_paths_and_line_numbers(schemas: SchemaDirectory) -> None:
    text = (DATA / "minimal-jats-1.3-no-doctype.xml").read_text().replace(
        "<volume>1</volume>", "<volume>1</volume><bogus/>")
    report = check(text, schemas)
    assert not report.valid and report.usable
    problem = report.errors[0]
    assert problem.kind == "element-not-allowed"
    assert problem.path == "/article/front/article-meta/bogus"
    assert problem.line == next(i for i, line in enumerate(text.splitlines(), 1)
                                if "<bogus/>" in line)


def test_doctype_we_do_not_hold_gets_unknown_document_type_plus_the_xsd(
    schemas: SchemaDirectory
) -> None:
    text = (DATA / "minimal-jats-1.4-no-doctype.xml").read_text().replace(
        "<article ", '<!DOCTYPE article PUBLIC "-//Example//DTD Custom JATS v9//EN" '
        '"https://example.org/custom.dtd">\n<article ', 1)
    report = check(text, schemas)
    assert kinds(report)[0] == "unknown-doctype"
    assert "Unknown document type" in report.errors[0].message
    assert "-//Example//DTD Custom JATS v9//EN" in report.errors[0].message
    assert report.schema == "JATS 1.4 Publishing (MathML 3) XSD"
    assert report.valid, "the XSD check passed, so the verdict is valid (with a warning)"


@pytest.mark.parametrize(("public_id", "label"), [
    ("-//NLM//DTD Journal Publishing DTD v2.3 20070202//EN", "NLM 2.3 Publishing DTD"),
    ("-//NLM//DTD Journal Archiving and Interchange DTD v3.0 20080202//EN",
     "NLM 3.0 Archiving DTD"),
    ("-//NLM//DTD JATS (Z39.96) Journal Publishing DTD v1.0 20120330//EN",
     "JATS 1.0 Publishing DTD"),
    ("-//NLM//DTD JATS (Z39.96) Journal Archiving and Interchange DTD v1.1 20151215//EN",
     "JATS 1.1 Archiving DTD"),
    ("-//NLM//DTD JATS (Z39.96) Journal Publishing DTD v1.2 20190208//EN",
     "JATS 1.2 Publishing DTD"),
    ("-//NLM//DTD JATS (Z39.96) Journal Publishing DTD with MathML3 v1.3 20210610//EN",
     "JATS 1.3 Publishing (MathML 3) DTD"),
    ("-//NLM//DTD JATS (Z39.96) Journal Archiving and Interchange DTD v1.4 20241031//EN",
     "JATS 1.4 Archiving DTD"),
])
def test_doctype_public_id_selects_the_official_dtd(
    public_id: str, label: str, schemas: SchemaDirectory
) -> None:
    assert public_id in schemas.catalog.public, "the catalog must map this identifier"
    doc = f'<!DOCTYPE article PUBLIC "{public_id}" "whatever.dtd"><article><front/></article>'
    report = check(doc, schemas)
    assert report.schema == label
    assert report.usable and not report.valid
    assert report.errors and all(p.path and p.path.startswith("/article") for p in report.errors)


def test_named_entities_are_expanded_from_the_dtd(schemas: SchemaDirectory, seed: Path) -> None:
    text = seed.read_text(encoding="utf-8")
    text = text.replace("</article-title>", "&nbsp;&mdash;</article-title>", 1)
    report = check(text, schemas)
    assert report.valid, report.errors
    title = report.root.find(".//article-title")
    assert title.xpath("string()").endswith("\u00a0\u2014")


def test_undefined_entity_in_a_dtd_document_is_reported(
    schemas: SchemaDirectory, seed: Path
) -> None:
    text = seed.read_text(encoding="utf-8").replace("</article-title>",
                                                    "&nosuchthing;</article-title>", 1)
    report = check(text, schemas)
    assert not report.valid
    assert "unknown-entity" in kinds(report)
    assert "&nosuchthing;" in next(p for p in report.errors if p.kind == "unknown-entity").message


def test_duplicate_ids_do_not_make_a_document_malformed(
    schemas: SchemaDirectory, seed: Path
) -> None:
    text = seed.read_text(encoding="utf-8")
    # &nbsp; forces the parse with the DTD loaded, where libxml2 reports duplicate IDs early.
    text = text.replace("</article-title>", "&nbsp;</article-title>", 1)
    text = text.replace("<abstract", '<abstract id="dup"', 1).replace(
        "<kwd-group", '<kwd-group id="dup"', 1)
    report = check(text, schemas)
    assert report.usable, report.errors
    assert "malformed" not in kinds(report)
    assert "duplicate-id" in kinds(report)
    dup = next(p for p in report.errors if p.kind == "duplicate-id")
    assert '"dup"' in dup.message and dup.path


def test_dangling_rid_is_explained(schemas: SchemaDirectory) -> None:
    doc = ARCHIVING_13 + ('<article><front><journal-meta><journal-title-group><journal-title>J'
                          '</journal-title></journal-title-group></journal-meta><article-meta>'
                          '<title-group><article-title>T <xref ref-type="bibr" rid="nowhere">1'
                          '</xref></article-title></title-group></article-meta></front>'
                          '</article>')
    report = check(doc, schemas)
    problem = next(p for p in report.errors if p.kind == "dangling-idref")
    assert '"nowhere"' in problem.message and "no element" in problem.message


def test_unprefixed_mathml_is_named_as_such(schemas: SchemaDirectory) -> None:
    doc = ARCHIVING_13 + ('<article><front><journal-meta><journal-title-group><journal-title>J'
                          '</journal-title></journal-title-group></journal-meta><article-meta>'
                          '<title-group><article-title>T</article-title></title-group>'
                          '</article-meta></front><body><p><inline-formula><math><mi>x</mi>'
                          '</math></inline-formula></p></body></article>')
    report = check(doc, schemas)
    assert "unprefixed-mathml" in kinds(report)
    assert "mml:" in next(p for p in report.errors if p.kind == "unprefixed-mathml").message


def test_element_newer_than_the_declared_version_is_named_as_such(schemas: SchemaDirectory) -> None:
    doc = ('<!DOCTYPE article PUBLIC "-//NLM//DTD JATS (Z39.96) Journal Publishing DTD v1.0 '
           '20120330//EN" "JATS-journalpublishing1.dtd"><article><front><journal-meta>'
           '<journal-title-group><journal-title>J</journal-title></journal-title-group>'
           '</journal-meta><article-meta><title-group><article-title>T</article-title>'
           '</title-group><pub-history><event><date><year>2020</year></date></event>'
           '</pub-history></article-meta></front></article>')
    report = check(doc, schemas)
    newer = [p for p in report.errors if p.kind == "newer-element"]
    assert {p.path.rsplit("/", 1)[-1] for p in newer} >= {"pub-history", "event"}
    assert "later JATS version" in newer[0].message


def test_report_serialises_to_json(schemas: SchemaDirectory, seed: Path) -> None:
    report = validate_file(seed, schemas=schemas)
    data = json.loads(json.dumps(report.to_dict()))
    assert data["status"] == "valid" and data["schema"] == report.schema
    broken = check("<article><front></article>", schemas).to_dict()
    assert broken["status"] == "unusable" and broken["errors"][0]["kind"] == "malformed"
    assert {"line", "column", "path", "kind", "message", "raw"} <= set(broken["errors"][0])


def test_xsd_and_dtd_are_compiled_once_and_shared_between_threads(schema_dir: Path) -> None:
    fresh = SchemaDirectory(schema_dir)
    got: list[object] = []
    threads = [threading.Thread(target=lambda: got.append(fresh.jats_xsd("1.4")))
               for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(x) for x in got}) == 1
    path = fresh.dtd_for("-//NLM//DTD JATS (Z39.96) Journal Publishing DTD v1.2 20190208//EN",
                         None)
    assert fresh.dtd(path) is fresh.dtd(path)


def test_xsd_imports_resolve_through_the_catalog_without_environment(
    schemas: SchemaDirectory
) -> None:
    for name in ("oai-pmh/oai_dc.xsd", "oai-pmh/OAI-PMH.xsd", "marc21/MARC21slim.xsd",
                 "openaire/4.0/openaire.xsd"):
        assert isinstance(schemas.xsd(name), etree.XMLSchema)
    dc = etree.fromstring(
        b'<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
        b'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title xml:lang="en">T</dc:title>'
        b"</oai_dc:dc>")
    assert schemas.xsd("oai-pmh/oai_dc.xsd").validate(dc)
    assert schemas.xmlschema("oai-pmh/oai_dc.xsd").is_valid(dc)


def test_missing_schema_stops_start_up_naming_the_file(tmp_path: Path, schema_dir: Path) -> None:
    partial = tmp_path / "schemas"
    partial.mkdir()
    (partial / "catalog.xml").write_bytes((schema_dir / "catalog.xml").read_bytes())
    with pytest.raises(SchemaMissingError) as info:
        SchemaDirectory(partial).check()
    assert "jats-1.3/publishing/JATS-journalpublishing1-3-mathml3.xsd" in str(info.value)

    from app.config import load_settings
    from app.factory import create_app

    with pytest.raises(SchemaMissingError, match="schema file missing"):
        create_app(load_settings(schema_dir=partial, instance_dir=tmp_path / "instance"))


def test_the_configured_schema_directory_is_complete(schemas: SchemaDirectory) -> None:
    schemas.check()


def test_duplicate_id_in_an_xsd_checked_document(schemas: SchemaDirectory) -> None:
    text = (DATA / "minimal-jats-1.4-no-doctype.xml").read_text().replace(
        '<aff id="aff1">', '<aff id="aff1"><institution>Other</institution></aff><aff id="aff1">')
    report = check(text, schemas)
    assert [p.kind for p in report.errors] == ["duplicate-id"]
    assert report.errors[0].path == "/article/front/article-meta/aff[2]"


def test_an_id_that_is_not_an_xml_name_is_explained(schemas: SchemaDirectory) -> None:
    text = (DATA / "minimal-jats-1.4-no-doctype.xml").read_text().replace(
        'id="aff1"', 'id="1aff"').replace('rid="aff1"', 'rid="1aff"')
    report = check(text, schemas)
    assert "invalid-id" in kinds(report)
    assert "not a valid XML ID" in next(p for p in report.errors if p.kind == "invalid-id").message
