"""The ``jats`` format on the corpus: tag sets, dissemination, the derived schema's verdicts.

    python -m bench.jats_format [--corpus DIR] [--repeat N]

Prints, for every file of the corpus and the seed: how many there are per tag set and version
(from the DOCTYPE the file declares), how many the ``jats`` format disseminates, whether the
namespaced XSD derived from the JATS 1.3 Archiving DTD gives the same verdict on the namespaced
article as the official DTD on the article without namespace (every disagreement listed with
its kind, see docs/validation.md), the time to derive the schema from the DTD and to compile
it, and the median cost per article of the namespaced rendering (with and without the check
of its payload), and the ListRecords rate of ``jats`` next to ``oai_dc``: the real server
(``jats-oai serve``, SQLite) holding the seed and the corpus files valid against their own
schema, harvested in full over one keep-alive connection (``bench.harvest.raw_harvest``),
median records per second of ``--repeat`` harvests.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path

from lxml import etree

from app.config import REPO_ROOT, load_settings
from app.crosswalks import jats
from app.crosswalks.registry import CrosswalkError, Document, RenderContext
from app.jats.article import read_article
from app.jats.parsing import parse
from app.jats.schemas import schema_directory
from app.jats.validation import validate_file
from bench.harvest import raw_harvest
from tests.jats_verdicts import SEED, article_of, corpus_files, verdict
from tests.server import start_server


def _derivation_ms(schema_dir: Path, repeat: int) -> tuple[float, float]:
    derive, compile_ = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        files = jats.derive(schema_dir)
        derive.append((time.perf_counter() - start) * 1000)
        with tempfile.TemporaryDirectory() as folder:
            for name, data in files.items():
                (Path(folder) / name).write_bytes(data)
            start = time.perf_counter()
            etree.XMLSchema(etree.parse(str(Path(folder) / jats.DRIVER)))
            compile_.append((time.perf_counter() - start) * 1000)
    return statistics.median(derive), statistics.median(compile_)


def harvest_rates(files: list[Path], schema_dir: Path, repeat: int) -> dict[str, float]:
    """Median records per second of full ListRecords harvests, per metadata format."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        records = root / "records"
        (records / "corpus").mkdir(parents=True)
        shutil.copy(SEED.parents[3] / "journals.toml", records / "journals.toml")
        shutil.copy(SEED, records / SEED.name)
        schemas = schema_directory(schema_dir)
        for path in files:
            if path != SEED and validate_file(path, schemas=schemas).valid:
                shutil.copy(path, records / "corpus" / path.name)
        server = start_server(root / "instance", f"sqlite:///{root / 'store.sqlite3'}",
                              rate_limit_per_minute=1_000_000)
        try:
            server.load(records)
            return {prefix: statistics.median(
                raw_harvest(server.oai_url, prefix).rate for _ in range(repeat))
                for prefix in ("oai_dc", "jats")}
        finally:
            server.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=REPO_ROOT.parent / "shared" / "corpus")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    settings = load_settings()
    schema_dir = settings.schema_dir
    files = corpus_files(args.corpus)

    verdicts = [v for v in (verdict(p, schema_dir) for p in files) if v is not None]
    print(f"files: {len(files)} ({len(verdicts)} articles)")
    print("\nfiles per tag set and version (declared DOCTYPE)")
    for label, count in sorted(Counter(v.declared for v in verdicts).items()):
        print(f"  {label:<48} {count:>4}")

    context = RenderContext("oai:bench:1", public_url=settings.public_url, schema_dir=schema_dir)
    given, declined, plain_ms, checked_ms = 0, [], [], []
    valid_files = given_valid = 0
    schemas = schema_directory(schema_dir)
    for path in files:
        parsed = parse(path.read_bytes(), schemas)
        article = article_of(parsed.root) if parsed.root is not None else None
        if article is None:
            continue
        document = Document(article, read_article(article))
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            jats.to_namespace(article)
            times.append((time.perf_counter() - start) * 1000)
        plain_ms.append(statistics.median(times))
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            try:
                jats.FORMAT.render(document, context)
                ok = True
            except CrosswalkError as exc:
                ok, reason = False, str(exc)
            times.append((time.perf_counter() - start) * 1000)
        checked_ms.append(statistics.median(times))
        valid = validate_file(path, schemas=schemas).valid
        valid_files += valid
        if ok:
            given += 1
            given_valid += valid
        else:
            declined.append((path.name + (" (valid)" if valid else ""), reason))
    print(f"\ndisseminated as jats: {given} of {len(verdicts)} "
          f"({100 * given / len(verdicts):.1f}%); of the {valid_files} files valid against "
          f"their own schema: {given_valid} ({100 * given_valid / valid_files:.1f}%)")
    for name, reason in declined:
        print(f"  declined {name}: {reason.partition('as jats: ')[2][:200]}")

    agree = sum(v.agree for v in verdicts)
    print(f"\nderived XSD vs official Archiving 1.3 DTD: {agree} of {len(verdicts)} agree "
          f"(DTD-valid {sum(v.dtd_valid for v in verdicts)}, "
          f"XSD-valid {sum(v.xsd_valid for v in verdicts)})")
    for v in verdicts:
        if not v.agree:
            print(f"  {v.name}: DTD {v.dtd_valid}, XSD {v.xsd_valid}, "
                  f"{v.kind or 'UNEXPLAINED'}: {v.dtd_error or v.xsd_error}")

    derive_ms, compile_ms = _derivation_ms(schema_dir, args.repeat)
    print(f"\nschema derivation from the DTD: median {derive_ms:.0f} ms; "
          f"compiling the derived XSD: median {compile_ms:.0f} ms")
    print(f"namespaced rendering per article: median {statistics.median(plain_ms):.2f} ms; "
          f"with the payload check (the jats format): "
          f"median {statistics.median(checked_ms):.2f} ms")

    rates = harvest_rates(files, schema_dir, args.repeat)
    print("\nListRecords, full harvest of the seed and the valid corpus files (records/s, "
          f"median of {args.repeat}): " + ", ".join(f"{p} {r:.0f}" for p, r in rates.items()))


if __name__ == "__main__":
    main()
