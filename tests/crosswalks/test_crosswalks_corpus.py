"""Every format, on the seed and on every real publisher's file: valid against its official schema.

The corpus holds JATS as publishers write it (NLM 2.3 to JATS 1.4, wrappers, files that are not
valid JATS). A crosswalk degrades gracefully: it emits what it can and never emits a payload its
schema rejects. Only ``jats`` may decline a record (``CrosswalkError``, as app.crosswalks.jats
documents), and then it emits nothing.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from lxml import etree

from app.config import REPO_ROOT, load_settings
from app.crosswalks import openaire
from app.crosswalks.common import MAX_VALUE_CHARS, XML_LANG, clean
from app.crosswalks.registry import CrosswalkError, Document, RenderContext, formats
from app.jats.article import read_article
from app.jats.model import Affiliation, Article, Contributor, LangText, PubDate
from app.jats.validation import validate_file

SEED = REPO_ROOT / "records" / "history" / "2023" / "04" / "5763.xml"
CORPUS = REPO_ROOT.parent / "shared" / "corpus" / "jats-real"
CYRILLIC = CORPUS.parent / "jats-cyrillic"  # Ukrainian and Russian metadata
FILES = [SEED, *sorted(CORPUS.glob("*.xml")), *sorted(CYRILLIC.glob("*.xml"))]
MAY_DECLINE = {"jats"}
OAIRE = {"oaire": openaire.NS, "datacite": openaire.DATACITE}
_articles: dict[Path, Article | None] = {}  # read once, reused by the second check


def _article(path: Path) -> Article | None:
    if path not in _articles:
        report = validate_file(path)
        _articles[path] = read_article(report.root) if report.root is not None else None
    return _articles[path]


def _manifest(folder: Path) -> dict[str, dict[str, str]]:
    with (folder / "MANIFEST.tsv").open(encoding="utf-8", newline="") as fh:
        return {row["file"]: row for row in csv.DictReader(fh, delimiter="\t")}


def _context(name: str, landing: str | None) -> RenderContext:
    settings = load_settings()
    return RenderContext(
        oai_identifier=f"oai:test:{name}",
        landing_url=landing or f"{settings.public_url}/articles/{name}",
        jats_url=f"{settings.public_url}/jats/{name}",
        public_url=settings.public_url,
        schema_dir=settings.schema_dir,
    )


def test_the_corpus_is_there() -> None:
    assert len(list(CORPUS.glob("*.xml"))) > 150, f"expected the real JATS corpus in {CORPUS}"


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_every_format_is_valid_or_declined(path: Path, schema_dir: Path) -> None:
    report = validate_file(path)
    if report.root is None:
        # Only a file that is not even well-formed XML gives nothing to convert.
        assert _manifest(path.parent)[path.name].get("well_formed") == "no", report.errors
        return
    article = _articles[path] = read_article(report.root)
    context = _context(path.stem, article.landing_page)
    failures = []
    for prefix, fmt in formats().items():
        try:
            payload = fmt.render(Document(report.root, article), context)
        except CrosswalkError:
            assert prefix in MAY_DECLINE, f"{prefix} declined {path.name}"
            continue
        schema = fmt.schema(schema_dir)
        doc = etree.fromstring(payload)
        if not schema.validate(doc):
            failures.append(f"{prefix}: {schema.error_log.filter_from_errors()[:3]}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_openaire_mandatory_fields_are_present_or_explained(path: Path) -> None:
    """OpenAIRE v4 marks Title, Creator, Publication Date, Resource Type, Resource Identifier
    and Access Rights Mandatory: each is in the payload, or missing_mandatory says why."""
    article = _article(path)
    if article is None:
        return
    context = _context(path.stem, article.landing_page)
    root = etree.fromstring(openaire.render(Document(None, article), context))
    explained = " ".join(openaire.missing_mandatory(article, context))
    present = {
        "datacite:title": root.find("datacite:titles/datacite:title", OAIRE) is not None,
        "datacite:creator": root.find("datacite:creators/datacite:creator", OAIRE) is not None,
        "datacite:date Issued": root.find(
            "datacite:dates/datacite:date[@dateType='Issued']", OAIRE) is not None,
        "datacite:identifier": root.find("datacite:identifier", OAIRE) is not None,
    }
    for field, there in present.items():
        assert there != (f"{field} (M)" in explained), field
    assert len(root.findall("oaire:resourceType", OAIRE)) == 1
    assert len(root.findall("datacite:rights", OAIRE)) == 1


# Characters XML 1.0 forbids (section 2.2, Char), which no payload may carry however an Article
# was made: control characters, U+FFFE/U+FFFF, and surrogates a lax decoder left in a string.
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
BAD = "\x00\x01\x0b\ufffe\uffff\ud800"


def _hostile_article() -> Article:
    long_title = "Long " + "word " * 30_000  # 150,000 characters
    aff = Affiliation(text=f"Dept{BAD} of Hostility", institution=f"Uni{BAD}")
    return Article(
        titles=(LangText(f"Title{BAD} with \ud83d\ude00 split", "en"),
                LangText(long_title, "en-GB"), LangText("Bad tag", "not a tag!")),
        subtitles=(LangText(f"Sub{BAD}", "en"),),
        lang=f"ru{BAD}",
        journal_title=f"Journal{BAD}",
        issns=(("epub", f"1234-567X{BAD}"),),
        publisher_name=f"Publisher{BAD}",
        publisher_loc=BAD,
        contributors=(
            Contributor(surname=f"Smith{BAD}", given_names=f"Jo{BAD}", orcid=f"{BAD}0000-0002",
                        affiliations=(aff,)),
            Contributor(role=f"editor{BAD}", collab=f"Group{BAD}"),
            Contributor(surname=BAD),
        ),
        abstracts=(LangText(f"Abstract{BAD}", f"en{BAD}"), LangText("x" * 200_000, "de")),
        keywords=(LangText(f"kw{BAD}", "en"), LangText(BAD, "en")),
        subjects=(f"Subject{BAD}",),
        article_ids=(("doi", f"10.1234/{BAD}x"), ("pmid", BAD)),
        pub_dates=(PubDate(2020, 2, 30, "pub"),),
        volume=f"1{BAD}", issue=BAD, fpage=f"5{BAD}", lpage="9",
        license_url=f"https://creativecommons.org/licenses/by/4.0/{BAD}",
        license_text=f"Licence{BAD}",
        access_right="embargoed",
        embargo_end=f"2030-01-01{BAD}",
        landing_page=f"https://example.org/{BAD}a",
        self_uris=(f"https://example.org/{BAD}a.pdf",),
        funding=(f"Fund{BAD}",),
    )


@pytest.mark.parametrize("prefix", ["oai_dc", "marcxml", "oai_openaire"])
def test_hostile_values_never_reach_a_payload(prefix: str, schema_dir: Path) -> None:
    """Forbidden characters, lone surrogates, broken language tags and very long strings in
    every field: the payload is still UTF-8, well-formed for a default parser (libxml2 refuses
    text nodes over 10 MB), and valid against the format's schema."""
    fmt = formats()[prefix]
    context = RenderContext(oai_identifier=f"oai:test:{BAD}1", landing_url=None,
                            jats_url=f"http://127.0.0.1:5000/jats/{BAD}1")
    payload = fmt.render(Document(None, _hostile_article()), context)
    text = payload.decode("utf-8")
    assert not FORBIDDEN.search(text)
    root = etree.fromstring(payload, etree.XMLParser(huge_tree=False))
    schema = fmt.schema(schema_dir)
    assert schema.validate(root), schema.error_log.filter_from_errors()[:3]
    values = [t for t in root.itertext() if t.strip()]
    assert max(len(v) for v in values) <= MAX_VALUE_CHARS
    assert any(v.startswith("Long word") and v.endswith("word…") for v in values)
    assert any("Title with 😀 split" in v for v in values)  # the surrogate pair, joined
    langs = {e.get(XML_LANG) for e in root.iter() if e.get(XML_LANG)}
    assert "not a tag!" not in langs and not any(FORBIDDEN.search(lang) for lang in langs)


def test_clean_keeps_what_xml_allows() -> None:
    assert clean("a\x01b\ufffe\U0001F600 c\u00a0 d") == "ab\U0001F600 c d"
    assert clean("\ud83d\ude00") == "\U0001F600"
    assert clean("\ud800lone") == "lone"
    assert clean(None) == ""
    assert clean("y" * (MAX_VALUE_CHARS + 10)) == "y" * (MAX_VALUE_CHARS - 1) + "…"
