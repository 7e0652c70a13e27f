"""The validator over every real publisher file in the shared corpus (issue 2, section 3):
it never crashes, and its valid/invalid verdict equals libxml2's own, computed here on a
separate path (validation while parsing, with a catalog read by this test), with xmlschema as
an independent second validator wherever the verdict comes from an XSD."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
import xmlschema
from lxml import etree

from app.jats.columns import source_text
from app.jats.schemas import schema_directory
from app.jats.validation import ValidationReport, validate_file

CATALOG_NS = "{urn:oasis:names:tc:entity:xmlns:xml:catalog}"
XSD = {"1.3": "jats-1.3/publishing/JATS-journalpublishing1-3-mathml3.xsd",
       "1.4": "jats-1.4/publishing/JATS-journalpublishing1-4-mathml3.xsd"}
DATA = Path(__file__).resolve().parents[1] / "data"


def corpus_files(corpus: Path) -> list[Path]:
    files = sorted(corpus.rglob("*.xml"))
    assert files, f"no XML files in the corpus folder {corpus}"
    return files


class CatalogDtds(etree.Resolver):
    """This test's own reading of catalog.xml: DOCTYPE ids -> files under dtd/, nothing else."""

    def __init__(self, schema_dir: Path) -> None:
        super().__init__()
        self.dtd_dir = (schema_dir / "dtd").resolve()
        root = etree.parse(str(schema_dir / "catalog.xml")).getroot()
        self.by_public = {e.get("publicId"): schema_dir / e.get("uri")
                          for e in root.iter(f"{CATALOG_NS}public")}
        self.by_system = {e.get("systemId"): schema_dir / e.get("uri")
                          for e in root.iter(f"{CATALOG_NS}system")}

    def lookup(self, public_id: str | None, system_id: str | None) -> Path | None:
        return self.by_system.get(system_id or "") or self.by_public.get(public_id or "")

    def resolve(self, url: str | None, public_id: str | None, context: object) -> object:
        path = self.lookup(public_id, url)
        if path is None and url and Path(url).resolve().is_relative_to(self.dtd_dir):
            path = Path(url)
        if path is None:
            raise LookupError(f"not an official DTD: {url}")
        return self.resolve_filename(str(path), context)


#: (well_formed, valid, schema kind) of a file, as libxml2 alone decides it.
Verdict = Callable[[Path], tuple[bool, bool, str]]
#: The xmlschema compilation of the Publishing XSD of a JATS version.
XmlschemaFor = Callable[[str], xmlschema.XMLSchema]


@pytest.fixture(scope="module")
def libxml2_verdict(schema_dir: Path) -> Verdict:
    """(well_formed, valid, schema kind) as libxml2 alone decides it."""
    resolver = CatalogDtds(schema_dir)
    xsds: dict[str, etree.XMLSchema] = {}

    def verdict(path: Path) -> tuple[bool, bool, str]:
        plain = etree.XMLParser(load_dtd=False, resolve_entities=False, no_network=True)
        try:
            tree = etree.parse(str(path), plain)
        except etree.XMLSyntaxError:
            return False, False, "-"
        info = tree.docinfo
        if info.doctype and resolver.lookup(info.public_id, info.system_url):
            validating = etree.XMLParser(dtd_validation=True, load_dtd=True,
                                         resolve_entities=True, no_network=True)
            validating.resolvers.add(resolver)
            try:
                etree.fromstring(path.read_bytes(), validating)
            except etree.XMLSyntaxError:
                errors = [e for e in validating.error_log if e.level >= etree.ErrorLevels.ERROR]
                return all(e.domain_name == "VALID" for e in errors), False, "dtd"
            return True, True, "dtd"
        version = (tree.getroot().get("dtd-version") or "").strip()
        version = version if version in XSD else "1.4"
        if version not in xsds:
            xsds[version] = etree.XMLSchema(file=str(schema_dir / XSD[version]))
        return True, xsds[version].validate(tree), f"xsd-{version}"

    return verdict


@pytest.fixture(scope="module")
def xmlschema_jats(schema_dir: Path) -> XmlschemaFor:
    loaded: dict[str, xmlschema.XMLSchema] = {}

    def get(version: str) -> xmlschema.XMLSchema:
        if version not in loaded:
            loaded[version] = schema_directory(schema_dir).xmlschema(XSD[version])
        return loaded[version]

    return get


def misplaced_columns(path: Path, report: ValidationReport) -> list[tuple[object, ...]]:
    """Problems with a line and an element path (libxml2 gives them no column) whose column
    is missing or does not point at a start tag or an attribute."""
    located = [p for p in report.errors if p.line and p.path]
    if not located or report.tree is None:
        return []
    lines = source_text(path.read_bytes(), report.tree.docinfo.encoding).split("\n")
    wrong = []
    for p in located:
        at = lines[p.line - 1][p.column - 1:] if p.column else ""
        if not (at.startswith("<") or re.match(r"[\w:.-]+\s*=", at)):
            wrong.append((path.name, p.line, p.column, p.path, at[:30]))
    return wrong


def test_corpus_is_present_and_substantial(corpus_dir: Path) -> None:
    assert len(corpus_files(corpus_dir)) >= 150


@pytest.mark.slow
def test_every_corpus_file_gets_libxml2s_own_verdict(
    corpus_dir: Path, schema_dir: Path, libxml2_verdict: Verdict, xmlschema_jats: XmlschemaFor
) -> None:
    schemas = schema_directory(schema_dir)
    disagreements: list[tuple[object, ...]] = []
    unplaced: list[tuple[object, ...]] = []
    xsd_checked = 0
    for path in corpus_files(corpus_dir):
        report = validate_file(path, schemas=schemas, max_bytes=50 * 1024 * 1024)
        assert report.errors or report.valid, f"{path.name}: invalid without a reason"
        assert all(p.kind and p.message for p in report.errors), path.name
        unplaced += misplaced_columns(path, report)
        well_formed, valid, how = libxml2_verdict(path)
        if not well_formed:
            assert not report.usable, f"{path.name}: libxml2 says not well-formed"
            continue
        if report.valid != valid:
            disagreements.append((path.name, how, report.status, report.schema))
        if how.startswith("xsd") and report.usable and report.root.tag == "article":
            xsd_checked += 1
            second = xmlschema_jats(how.removeprefix("xsd-")).is_valid(report.tree)
            if second != valid:
                disagreements.append((path.name, "xmlschema", second, valid))
    assert not disagreements
    assert not unplaced, "every located problem points at its start tag or attribute"
    assert xsd_checked > 0, "the corpus must exercise the XSD path too"


def test_corpus_has_both_verdicts_and_tag_sets(corpus_dir: Path, schema_dir: Path) -> None:
    schemas = schema_directory(schema_dir)
    reports = [validate_file(p, schemas=schemas) for p in corpus_files(corpus_dir)[::6]]
    assert {r.status for r in reports} >= {"valid"}
    assert any("DTD" in (r.schema or "") for r in reports)


@pytest.mark.parametrize("version", ["1.3", "1.4"])
def test_xmlschema_agrees_on_the_no_doctype_test_documents(
    version: str, schema_dir: Path, xmlschema_jats: XmlschemaFor
) -> None:
    path = DATA / f"minimal-jats-{version}-no-doctype.xml"
    report = validate_file(path, schemas=schema_directory(schema_dir))
    assert report.valid
    assert xmlschema_jats(version).is_valid(str(path))
    broken = etree.fromstring(path.read_bytes())
    broken.find(".//article-meta").append(etree.Element("bogus"))
    assert not xmlschema_jats(version).is_valid(broken)
