"""tests/generator.py: synthetic JATS for benchmarks and tests, valid, varied, reproducible.

Benchmarks measure the service on these records, so a record the official schemas reject, or
a generator that silently produces the same shape every time, would make the figures lie.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from lxml import etree

from app.jats.validation import validate
from tests.generator import iter_records, write_records

PUBLISHING_13_MATHML3 = (
    "-//NLM//DTD JATS (Z39.96) Journal Publishing DTD with MathML3 v1.3 20210610//EN"
)
PUBLISHING_13_XSD = "jats-1.3/publishing/JATS-journalpublishing1-3-mathml3.xsd"
CATALOG_NS = {"c": "urn:oasis:names:tc:entity:xmlns:xml:catalog"}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
PARSER = etree.XMLParser(load_dtd=False, resolve_entities=False, no_network=True)


def _parse(data: bytes) -> etree._ElementTree:
    return etree.fromstring(data, PARSER).getroottree()


@pytest.fixture(scope="module")
def publishing_dtd(schema_dir: Path) -> etree.DTD:
    """The official DTD named by the generated DOCTYPE, found through the schema catalog."""
    catalog = etree.parse(str(schema_dir / "catalog.xml"), PARSER)
    uris = catalog.xpath(
        "//c:public[@publicId=$pid]/@uri", namespaces=CATALOG_NS, pid=PUBLISHING_13_MATHML3
    )
    assert uris
    return etree.DTD(str(schema_dir / uris[0]))


@pytest.fixture(scope="module")
def publishing_xsd(schema_dir: Path) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(schema_dir / PUBLISHING_13_XSD), PARSER))


@pytest.fixture(scope="module")
def sample() -> list[tuple[str, etree._ElementTree]]:
    return [(name, _parse(data)) for name, data in iter_records(300, seed=11)]


def test_every_sampled_record_is_valid_publishing_13(
    publishing_dtd: etree.DTD, publishing_xsd: etree.XMLSchema
) -> None:
    """Against both official forms of the tag set: the XSD and the DTD the DOCTYPE names."""
    for name, data in iter_records(60, seed=3):
        tree = _parse(data)
        assert tree.docinfo.public_id == PUBLISHING_13_MATHML3, name
        assert tree.getroot().get("dtd-version") == "1.3", name
        assert publishing_xsd.validate(tree), (name, [str(e) for e in publishing_xsd.error_log])
        assert publishing_dtd.validate(tree), (name, [str(e) for e in publishing_dtd.error_log])


def test_the_service_validator_accepts_them() -> None:
    for name, data in iter_records(30, seed=4):
        report = validate(data, filename=name)
        assert report.valid, (name, [p.to_dict() for p in report.errors])
        assert (report.tag_set, report.version) == ("Publishing", "1.3")


def test_same_seed_same_records_and_longer_runs_extend_shorter_ones() -> None:
    first = list(iter_records(25, seed=5))
    assert first == list(iter_records(25, seed=5))
    assert list(iter_records(40, seed=5))[:25] == first
    assert first != list(iter_records(25, seed=6))


def test_paths_follow_the_records_layout_and_are_unique(
    sample: list[tuple[str, etree._ElementTree]],
) -> None:
    """<series>/<year>/<issue>/<publisher-id>.xml, as in records/README.md."""
    names = [name for name, _ in sample]
    assert len(set(names)) == len(names)
    for name, tree in sample:
        root = tree.getroot()
        meta = root.find("front/article-meta")
        series = root.findtext("front/journal-meta/journal-id[@journal-id-type='publisher-id']")
        issue = int(meta.findtext("issue"))
        volume = meta.findtext("volume")
        folder = f"v{volume}-{issue:02d}" if volume else f"{issue:02d}"
        pub_id = meta.findtext("article-id[@pub-id-type='publisher-id']")
        assert name == f"{series}/{meta.findtext('pub-date/year')}/{folder}/{pub_id}.xml"


def test_records_vary_the_way_real_collections_do(
    sample: list[tuple[str, etree._ElementTree]],
) -> None:
    seen: Counter[str] = Counter()
    journals, years, author_counts = set(), set(), set()
    for _, tree in sample:
        root = tree.getroot()
        meta = root.find("front/article-meta")
        journals.add(root.findtext("front/journal-meta/journal-id"))
        years.add(meta.findtext("pub-date/year"))
        author_counts.add(len(meta.findall("contrib-group/contrib[@contrib-type='author']")))
        checks = {
            "cyrillic": root.get(XML_LANG) == "ru",
            "english": root.get(XML_LANG) == "en",
            "trans-title": meta.find("title-group/trans-title-group") is not None,
            "trans-abstract": meta.find("trans-abstract") is not None,
            "two keyword languages": len({g.get(XML_LANG) for g in meta.findall("kwd-group")}) == 2,
            "doi": meta.find("article-id[@pub-id-type='doi']") is not None,
            "no doi": meta.find("article-id[@pub-id-type='doi']") is None,
            "orcid": meta.find(".//contrib-id[@contrib-id-type='orcid']") is not None,
            "name-alternatives": meta.find(".//name-alternatives") is not None,
            "open-access CC BY": meta.find("permissions/license[@license-type='open-access']")
            is not None,
            "free to read": meta.find(
                "permissions/{http://www.niso.org/schemas/ali/1.0/}free_to_read"
            )
            is not None,
            "embargo": meta.find(
                "permissions/{http://www.niso.org/schemas/ali/1.0/}free_to_read[@start_date]"
            ) is not None,
            "no permissions": meta.find("permissions") is None,
            "volume": meta.find("volume") is not None,
            "month": meta.find("pub-date/month") is not None,
            "year only": meta.find("pub-date/month") is None,
            "elocation-id": meta.find("elocation-id") is not None,
            "body": root.find("body") is not None,
            "element-citation": root.find(".//element-citation") is not None,
            "mixed-citation": root.find(".//mixed-citation") is not None,
            "no references": root.find("back") is None,
        }
        seen.update(k for k, v in checks.items() if v)
    assert len(journals) >= 5
    assert len(years) >= 8
    assert min(author_counts) == 1 and max(author_counts) == 8
    missing = [k for k in checks if seen[k] == 0]
    assert not missing, f"no record in the sample has: {missing}"
    assert seen["cyrillic"] >= 60 and seen["english"] >= 60


def test_written_records_are_the_iterator_s(tmp_path: Path) -> None:
    size, _, _ = write_records(12, 2, tmp_path)
    written = {p.relative_to(tmp_path).as_posix(): p.read_bytes() for p in tmp_path.rglob("*.xml")}
    assert written == dict(iter_records(12, seed=2))
    assert size == sum(len(data) for data in written.values())


def test_negative_count_is_refused() -> None:
    with pytest.raises(ValueError, match="0 or more"):
        next(iter_records(-1))
