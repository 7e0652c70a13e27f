"""The validator's figures over the shared corpus, as Markdown for docs/validation.md.

    python -m bench.corpus_report

Prints the verdicts per schema (tag set and version) with how many files the ``jats`` format
disseminates (as JATS 1.3 Archiving, older markup brought forward), then the error kinds by
the number of files they occur in, each with its plain-words explanation and one real example,
then every kind the validator can report.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

from app.config import REPO_ROOT, load_settings
from app.crosswalks import jats
from app.crosswalks.registry import CrosswalkError, Document, RenderContext
from app.jats.article import read_article
from app.jats.messages import EXPLANATIONS, explain
from app.jats.schemas import schema_directory
from app.jats.validation import validate_file


def _md(text: str) -> str:
    """Text for a Markdown table cell: markup characters shown, not interpreted."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace(
        "|", "&#124;")


def main() -> None:
    settings = load_settings()
    schemas = schema_directory(settings.schema_dir)
    corpus = REPO_ROOT.parent / "shared" / "corpus"
    files = sorted(corpus.rglob("*.xml"))
    per_schema: dict[str, Counter[str]] = defaultdict(Counter)
    kind_files: Counter[str] = Counter()
    kind_total: Counter[str] = Counter()
    example: dict[str, tuple[str, str]] = {}
    for path in files:
        report = validate_file(path, schemas=schemas, max_bytes=settings.max_upload_bytes)
        per_schema[report.schema or "(none: unusable input)"][report.status] += 1
        if report.root is not None:
            context = RenderContext("oai:corpus:1", schema_dir=settings.schema_dir)
            try:
                jats.FORMAT.render(Document(report.root, read_article(report.root)), context)
                per_schema[report.schema or "(none: unusable input)"]["jats"] += 1
            except CrosswalkError:
                pass
        seen = set()
        for p in report.errors:
            kind_total[p.kind] += 1
            seen.add(p.kind)
            example.setdefault(p.kind, (str(Path(path).relative_to(corpus)), p.message))
        kind_files.update(seen)

    print(f"Corpus: {len(files)} files under `corpus/` "
          f"({', '.join(sorted({p.parent.name for p in files}))}).\n")
    print("| schema used | files | valid | invalid | unusable | given as jats |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    totals: Counter[str] = Counter()
    for schema in sorted(per_schema):
        c = per_schema[schema]
        totals.update(c)
        files_here = c["valid"] + c["invalid"] + c["unusable"]
        print(f"| {schema} | {files_here} | {c['valid']} | {c['invalid']} | "
              f"{c['unusable']} | {c['jats']} |")
    print(f"| **all** | **{len(files)}** | **{totals['valid']}** | "
          f"**{totals['invalid']}** | **{totals['unusable']}** | **{totals['jats']}** |\n")
    print("| kind | files | findings | what it means | example |")
    print("| --- | ---: | ---: | --- | --- |")
    for kind, n in kind_files.most_common():
        where, message = example[kind]
        message = message if len(message) <= 160 else message[:157] + "..."
        print(f"| `{kind}` | {n} | {kind_total[kind]} | {_md(explain(kind))} | "
              f"{where}: {_md(message)} |")

    print("\nEvery kind the validator reports:\n")
    print("| kind | what it means |")
    print("| --- | --- |")
    for kind, text in EXPLANATIONS.items():
        print(f"| `{kind}` | {_md(text)} |")


if __name__ == "__main__":
    main()
