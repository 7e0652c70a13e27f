"""Hostile input (issue 2, section 3): each gets a clear error, never hangs, never reads a file
outside the official DTD folder and never leaks a file's contents into the report."""

from __future__ import annotations

import json
import threading
import uuid
from pathlib import Path

import pytest

from app.jats.schemas import SchemaDirectory, schema_directory
from app.jats.validation import ValidationReport, validate, validate_file

JATS_PUBLIC = "-//NLM//DTD JATS (Z39.96) Journal Archiving and Interchange DTD v1.3 20210610//EN"
LIMIT = 20 * 1024 * 1024
NEVER_HANGS_SECONDS = 60


@pytest.fixture(scope="module")
def schemas(schema_dir: Path) -> SchemaDirectory:
    return schema_directory(schema_dir)


@pytest.fixture
def secret(tmp_path: Path) -> tuple[Path, str]:
    """A local file an attacker would like to read; its content must never appear."""
    content = f"TOP-SECRET-{uuid.uuid4().hex}"
    path = tmp_path / "secret.txt"
    path.write_text(content)
    return path, content


def run(data: bytes, schemas: SchemaDirectory, max_bytes: int = LIMIT) -> ValidationReport:
    """Validate in a worker thread so a hang fails the test instead of stalling the suite."""
    box: list[ValidationReport] = []
    worker = threading.Thread(
        target=lambda: box.append(validate(data, schemas=schemas, max_bytes=max_bytes)),
        daemon=True)
    worker.start()
    worker.join(NEVER_HANGS_SECONDS)
    assert not worker.is_alive(), "validation hung"
    assert box, "validation raised instead of reporting"
    return box[0]


def assert_no_leak(report: ValidationReport, content: str) -> None:
    assert content not in json.dumps(report.to_dict())
    if report.tree is not None:
        from lxml import etree

        assert content not in etree.tostring(report.tree, encoding="unicode")


def test_xxe_general_entity_to_a_local_file_by_system(
    schemas: SchemaDirectory, secret: tuple[Path, str]
) -> None:
    path, content = secret
    doc = (f'<!DOCTYPE article [<!ENTITY x SYSTEM "{path.as_uri()}">]>'
           "<article><front>&x;</front></article>").encode()
    report = run(doc, schemas)
    assert not report.usable and report.errors[0].kind == "external-refused"
    assert "refused" in report.errors[0].message
    assert_no_leak(report, content)


def test_xxe_doctype_system_names_a_local_file(
    schemas: SchemaDirectory, secret: tuple[Path, str]
) -> None:
    path, content = secret
    doc = f'<!DOCTYPE article SYSTEM "{path.as_uri()}"><article>&x;</article>'.encode()
    report = run(doc, schemas)
    assert not report.usable
    assert report.errors[0].kind == "unknown-doctype"
    assert "Nothing was fetched" in report.errors[0].message
    assert_no_leak(report, content)


def test_xxe_public_jats_id_with_a_local_file_as_system_id(
    schemas: SchemaDirectory, secret: tuple[Path, str]
) -> None:
    """The public id is honoured through the catalog; the file named as system id is never read."""
    path, content = secret
    doc = (f'<!DOCTYPE article PUBLIC "{JATS_PUBLIC}" "{path.as_uri()}">'
           "<article><front>&nbsp;</front></article>").encode()
    report = run(doc, schemas)
    assert report.schema == "JATS 1.3 Archiving DTD"
    assert report.usable and not report.valid
    assert_no_leak(report, content)


def test_xxe_public_jats_id_with_etc_passwd(schemas: SchemaDirectory) -> None:
    doc = (f'<!DOCTYPE article PUBLIC "{JATS_PUBLIC}" "file:///etc/passwd">'
           "<article>&nbsp;</article>").encode()
    report = run(doc, schemas)
    assert report.schema == "JATS 1.3 Archiving DTD"
    assert "root:" not in json.dumps(report.to_dict())


def test_xxe_by_parameter_entity(schemas: SchemaDirectory, secret: tuple[Path, str]) -> None:
    path, content = secret
    doc = (f'<!DOCTYPE article [<!ENTITY % p SYSTEM "{path.as_uri()}"> %p;]>'
           "<article/>").encode()
    report = run(doc, schemas)
    assert not report.usable and report.errors[0].kind == "external-refused"
    assert_no_leak(report, content)


def test_xxe_by_parameter_entity_hidden_behind_a_named_entity(
    schemas: SchemaDirectory, secret: tuple[Path, str]
) -> None:
    path, content = secret
    doc = (f'<!DOCTYPE article [<!ENTITY % p SYSTEM "{path.as_uri()}"> %p;]>'
           "<article>&leak;</article>").encode()
    report = run(doc, schemas)
    assert not report.usable and report.errors[0].kind == "external-refused"
    assert_no_leak(report, content)


def test_path_traversal_in_a_system_id(
    schemas: SchemaDirectory, secret: tuple[Path, str], schema_dir: Path
) -> None:
    path, content = secret
    depth = len(schema_dir.resolve().parts) + 2
    traversal = f"{schema_dir.resolve()}/dtd/{'../' * depth}{str(path).lstrip('/')}"
    doc = f'<!DOCTYPE article SYSTEM "{traversal}"><article>&nbsp;</article>'.encode()
    report = run(doc, schemas)
    assert not report.usable
    assert report.errors[0].kind == "unknown-doctype"
    assert_no_leak(report, content)


def test_path_traversal_out_of_the_dtd_folder_by_relative_entity(
    schemas: SchemaDirectory, secret: tuple[Path, str]
) -> None:
    path, content = secret
    doc = (f'<!DOCTYPE article PUBLIC "{JATS_PUBLIC}" "x.dtd" [<!ENTITY s SYSTEM '
           f'"../../../../../../../../{str(path).lstrip("/")}">]><article>&s;</article>'
           ).encode()
    report = run(doc, schemas)
    assert not report.usable and report.errors[0].kind == "external-refused"
    assert_no_leak(report, content)


def test_http_dtd_not_in_the_catalog_is_not_fetched(schemas: SchemaDirectory) -> None:
    doc = (b'<!DOCTYPE article PUBLIC "-//Evil//DTD X//EN" "http://127.0.0.1:9/evil.dtd">'
           b"<article>&nbsp;</article>")
    report = run(doc, schemas)
    assert not report.usable
    assert report.errors[0].kind == "unknown-doctype"
    assert "-//Evil//DTD X//EN" in report.errors[0].message


def test_http_dtd_not_in_the_catalog_without_entities_gets_the_xsd_check(
    schemas: SchemaDirectory
) -> None:
    doc = (b'<!DOCTYPE article SYSTEM "http://127.0.0.1:9/evil.dtd">'
           b'<article dtd-version="1.4"><front/></article>')
    report = run(doc, schemas)
    assert report.usable and not report.valid
    assert report.errors[0].kind == "unknown-doctype"
    assert report.schema == "JATS 1.4 Publishing (MathML 3) XSD"


def test_billion_laughs(schemas: SchemaDirectory) -> None:
    decls = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    doc = f"<!DOCTYPE article [{decls}]><article>&lol9;</article>".encode()
    report = run(doc, schemas)
    assert not report.usable
    assert report.errors[0].kind == "entity-amplification"
    assert "expansion bomb" in report.errors[0].message


def test_quadratic_blowup(schemas: SchemaDirectory) -> None:
    doc = (b'<!DOCTYPE article [<!ENTITY a "' + b"x" * 50_000 + b'">]><article>'
           + b"&a;" * 5_000 + b"</article>")
    report = run(doc, schemas)
    assert not report.usable and report.errors[0].kind == "entity-amplification"


def test_200_mb_file_is_refused_by_size_before_parsing(
    tmp_path: Path, schemas: SchemaDirectory
) -> None:
    big = tmp_path / "big.xml"
    with big.open("wb") as fh:
        fh.write(b"<article>")
        fh.truncate(200 * 1024 * 1024)  # sparse: no 200 MB written, no 200 MB read
    report = validate_file(big, schemas=schemas, max_bytes=LIMIT)
    assert not report.usable
    assert report.errors[0].kind == "too-large"
    assert "209,715,200 bytes" in report.errors[0].message
    assert report.tree is None


def test_bytes_over_the_limit_are_refused_before_parsing(schemas: SchemaDirectory) -> None:
    report = run(b"<article>" + b" " * 2000 + b"</article>", schemas, max_bytes=1000)
    assert not report.usable and report.errors[0].kind == "too-large"


def test_binary_garbage(schemas: SchemaDirectory) -> None:
    report = run(bytes(range(256)) * 64, schemas)
    assert not report.usable and report.errors[0].kind == "not-xml"


def test_utf16_with_bom_is_read(schemas: SchemaDirectory) -> None:
    doc = ('<?xml version="1.0" encoding="UTF-16"?><article dtd-version="1.4">'
           "<front><article-meta><title-group><article-title>Гісторыя</article-title>"
           "</title-group></article-meta></front></article>").encode("utf-16")
    report = run(doc, schemas)
    assert report.usable
    assert report.root.findtext(".//article-title") == "Гісторыя"
    assert report.schema == "JATS 1.4 Publishing (MathML 3) XSD"


def test_utf16_declared_but_utf8_bytes_gets_a_clear_answer(schemas: SchemaDirectory) -> None:
    doc = '<?xml version="1.0" encoding="UTF-16"?><article>Гісторыя</article>'.encode()
    report = run(doc, schemas)
    assert not report.usable
    assert report.errors[0].kind == "encoding"
    assert "declares encoding UTF-16" in report.errors[0].message


def test_utf16_without_byte_order_mark_is_read(schemas: SchemaDirectory) -> None:
    doc = ('<?xml version="1.0" encoding="UTF-16LE"?><article dtd-version="1.4"><front/>'
           "</article>").encode("utf-16-le")
    report = run(doc, schemas)
    assert report.usable and report.root.tag == "article"


def test_excessive_nesting(schemas: SchemaDirectory) -> None:
    report = run(b"<article>" + b"<p>" * 300 + b"</p>" * 300 + b"</article>", schemas)
    assert not report.usable and report.errors[0].kind == "malformed"
    assert "nested more than" in report.errors[0].message


def test_utf8_bom(schemas: SchemaDirectory) -> None:
    report = run(b"\xef\xbb\xbf" + (Path(__file__).resolve().parents[1] / "data" /
                                    "minimal-jats-1.4-no-doctype.xml").read_bytes(), schemas)
    assert report.valid, report.errors


def test_invalid_utf8_bytes(schemas: SchemaDirectory) -> None:
    report = run(b'<?xml version="1.0" encoding="UTF-8"?><article>\xe9t\xe9</article>',
                 schemas)
    assert not report.usable and report.errors[0].kind == "encoding"


def test_no_root_element(schemas: SchemaDirectory) -> None:
    report = run(b'<?xml version="1.0"?>\n<!-- nothing here -->\n', schemas)
    assert not report.usable and report.errors[0].kind == "empty"


def test_empty_file(schemas: SchemaDirectory) -> None:
    report = run(b"", schemas)
    assert not report.usable and report.errors[0].kind == "empty"


def test_wrong_root(schemas: SchemaDirectory) -> None:
    report = run(b'<book><book-meta/></book>', schemas)
    assert not report.usable
    assert report.errors[0].kind == "wrong-root"
    assert "<book>" in report.errors[0].message


def test_not_well_formed(schemas: SchemaDirectory) -> None:
    report = run(b"<article><front></article>", schemas)
    assert not report.usable
    assert report.errors[0].kind == "malformed"
    assert report.errors[0].line == 1
