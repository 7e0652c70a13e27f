"""Two verdicts on one article: the official JATS 1.3 Archiving DTD on it without namespace,
and the namespaced schema derived from that DTD (the ``jats`` format's) on its namespaced
copy. ``tests/jats/test_jats_schema_derivation.py`` requires them to agree, or to differ for
an explained reason (docs/validation.md); ``python -m bench.jats_format`` counts them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from app.config import REPO_ROOT
from app.crosswalks import jats
from app.jats.parsing import parse
from app.jats.schemas import describe_dtd, schema_directory
from app.jats.text import local

SEED = REPO_ROOT / "records" / "history" / "2023" / "04" / "5763.xml"

# Why the derived schema and the DTD may disagree; each kind is explained in docs/validation.md.
NAMESPACE_DECLARATION = "undeclared namespace declaration"
IDREFS_TARGET = "IDREFS value naming no ID"
BARE_MATHML = "MathML without namespace or prefix"
EXPLAINED = {
    "DTD_UNKNOWN_ATTRIBUTE: No declaration for attribute xmlns": NAMESPACE_DECLARATION,
    "DTD_UNKNOWN_ID: IDREFS attribute": IDREFS_TARGET,
    "DTD_UNKNOWN_ELEM: No declaration for element math": BARE_MATHML,
}


@dataclass(frozen=True)
class Verdict:
    """One file: what it declares, the two verdicts, and why they differ when they do."""

    name: str
    declared: str
    dtd_valid: bool
    xsd_valid: bool
    dtd_error: str = ""
    xsd_error: str = ""

    @property
    def agree(self) -> bool:
        return self.dtd_valid == self.xsd_valid

    @property
    def kind(self) -> str | None:
        """The explained reason for a disagreement, None when unexplained (or none)."""
        if self.agree:
            return None
        return next((k for text, k in EXPLAINED.items() if text in self.dtd_error), None)


def corpus_files(corpus_dir: Path) -> list[Path]:
    return sorted(corpus_dir.glob("jats-*/*.xml")) + [SEED]


def article_of(root: etree._Element) -> etree._Element | None:
    if local(root.tag) == "article":
        return root
    return next((e for e in root.iter(etree.Element) if local(e.tag) == "article"), None)


def declared(parsed_dtd: Path | None) -> str:
    return describe_dtd(parsed_dtd).label.removesuffix(" DTD") if parsed_dtd else "no DOCTYPE"


def verdict(path: Path, schema_dir: Path) -> Verdict | None:
    """Both verdicts on one file; None when it is not a parseable article."""
    schemas = schema_directory(schema_dir)
    parsed = parse(path.read_bytes(), schemas)
    article = article_of(parsed.root) if parsed.root is not None else None
    if article is None:
        return None
    dtd = schemas.dtd(schemas.root / jats.SOURCE_DTD)
    dtd_valid = dtd.validate(article)
    dtd_error = str(dtd.error_log.filter_from_errors()[0]) if not dtd_valid else ""
    xsd = jats.derived_schema(schema_dir)
    payload = etree.fromstring(etree.tostring(jats.to_namespace(article)))
    xsd_valid = xsd.validate(payload)
    xsd_error = str(xsd.error_log.filter_from_errors()[0]) if not xsd_valid else ""
    return Verdict(path.name, declared(parsed.dtd_path), dtd_valid, xsd_valid, dtd_error,
                   xsd_error)
