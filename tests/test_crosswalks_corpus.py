"""Every format, on the seed and on every real publisher's file: valid against its official schema.

The corpus holds JATS as publishers write it (NLM 2.3 to JATS 1.4, wrappers, files that are not
valid JATS). A crosswalk degrades gracefully: it emits what it can and never emits a payload its
schema rejects. Only ``jats`` may decline a record (``CrosswalkError``, as app.crosswalks.jats
documents), and then it emits nothing.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from lxml import etree

from app.config import REPO_ROOT, load_settings
from app.crosswalks import openaire
from app.crosswalks.registry import CrosswalkError, Document, RenderContext, formats
from app.jats.article import read_article
from app.jats.model import Article
from app.jats.validation import validate_file

SEED = REPO_ROOT / "records" / "history" / "2023" / "04" / "5763.xml"
CORPUS = load_settings().schema_dir.parent / "corpus" / "jats-real"
CYRILLIC = CORPUS.parent / "jats-cyrillic"  # references and names in Cyrillic, beyond the brief
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
