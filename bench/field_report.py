"""Which fields each metadata format fills over the seed and the whole corpus, and in which
languages: the field-level report of docs/crosswalks.md.

    python -m bench.field_report [--format PREFIX ...]

Every usable file of ``records/`` and ``../shared/corpus`` is read and rendered as the ingest
pipeline does (the service's settings and journals.toml), the invalid ones too, as
``jats-oai convert`` previews them: the report is about the crosswalks, not the validator.
For each format and field, it prints how many records carry the field; then, per format,
how many times each language tag is emitted (``xml:lang``, and the content-language codes:
``dc:language``, MARC 008/35-37 and 041). A field is an element path below the payload's root
(``dc:title``, ``datacite:titles/datacite:title``); in MARC, a control field or a data field
with its subfield code (``100$u``).
"""

from __future__ import annotations

import argparse
from collections import Counter, defaultdict

from lxml import etree

from app.config import REPO_ROOT, load_settings
from app.crosswalks.registry import Document
from app.identifiers import series
from app.ingest import journal_settings, render_all, render_context
from app.jats.article import ArticleError, read_article
from app.jats.schemas import schema_directory
from app.jats.validation import validate_file
from tests.field_paths import fields_of


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--format", action="append", dest="formats",
                        help="only this metadataPrefix (repeatable; default: all but jats)")
    args = parser.parse_args(argv)
    settings = load_settings()
    corpus = settings.schema_dir.parent / "corpus"
    files = sorted((REPO_ROOT / "records").rglob("*.xml")) + sorted(corpus.rglob("*.xml"))
    journals = journal_settings(settings.records_dir / "journals.toml")
    carried: dict[str, Counter[str]] = defaultdict(Counter)
    languages: dict[str, Counter[str]] = defaultdict(Counter)
    rendered: Counter[str] = Counter()
    rejected = 0
    schemas = schema_directory(settings.schema_dir)
    for path in files:
        report = validate_file(path, schemas=schemas, max_bytes=settings.max_upload_bytes)
        try:
            article = read_article(report.root, schemas=schemas) if report.usable else None
        except ArticleError:
            article = None
        if article is None or report.root is None:
            rejected += 1
            continue
        context = render_context(article, settings, journals.get(series(article, journals), {}),
                                 journals)
        payloads, _left_out = render_all(Document(report.root, article), context)
        for prefix, payload in payloads.items():
            if prefix == "jats" or (args.formats and prefix not in args.formats):
                continue
            found, langs = fields_of(prefix, etree.fromstring(payload))
            rendered[prefix] += 1
            carried[prefix].update(found)
            languages[prefix].update(langs)
    print(f"{len(files)} files (seed and corpus), {len(files) - rejected} read; "
          f"{rejected} unusable (not an article).\n")
    for prefix in sorted(carried):
        total = rendered[prefix]
        print(f"### {prefix} ({total} records)\n")
        print("| field | records | share |")
        print("| --- | ---: | ---: |")
        for field, n in sorted(carried[prefix].items()):
            print(f"| `{field}` | {n} | {100 * n / total:.0f}% |")
        print("\n| language tag or code emitted | times |")
        print("| --- | ---: |")
        for tag, n in sorted(languages[prefix].items(), key=lambda kv: (-kv[1], kv[0])):
            print(f"| `{tag}` | {n} |")
        print()


if __name__ == "__main__":
    main()
