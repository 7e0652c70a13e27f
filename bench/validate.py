"""Parse + validate time per article: lxml (libxml2) against xmlschema, schemas preloaded.

    python -m bench.validate [--repeat N] [--xmlschema-repeat M]

Data sets: the collection (`records/**/*.xml`), the small no-DOCTYPE documents in
`tests/data/` (valid against the XSD, so xmlschema is timed on its error-free path) and the
shared corpus beside the schema directory (most of which is not Publishing 1.4, so both
libraries also report errors there). Columns, each the median over files of the per-file
median of N runs:

* `validate()`: the service's own call: hardened parse, then the DTD the DOCTYPE names
  (or the Publishing XSD of @dtd-version), from the per-process cache;
* `lxml XSD`: the same hardened parse + JATS 1.4 Publishing XSD validation with lxml;
* `xmlschema XSD`: the same XSD check done by xmlschema on the parsed tree (the verdict does
  not matter here, only the time, so every file is checked against the same XSD).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from app.config import REPO_ROOT, load_settings
from app.jats.parsing import parse
from app.jats.schemas import schema_directory
from app.jats.validation import validate
from bench.timing import median_ms

XSD = "jats-1.4/publishing/JATS-journalpublishing1-4-mathml3.xsd"


def _row(name: str, files: list[Path], repeat: int, xs_repeat: int) -> list[str]:
    settings = load_settings()
    schemas = schema_directory(settings.schema_dir)
    lxml_xsd = schemas.xsd(XSD)
    xs = schemas.xmlschema(XSD)
    ours, lx, xm, sizes = [], [], [], []
    for path in files:
        data = path.read_bytes()
        sizes.append(len(data) / 1024)
        ours.append(median_ms(lambda d=data: validate(
            d, schemas=schemas, max_bytes=settings.max_upload_bytes), repeat))
        tree = parse(data, schemas, max_bytes=settings.max_upload_bytes).tree
        if tree is None:
            continue  # not well-formed or refused: only validate() can time it
        lx.append(median_ms(lambda d=data: lxml_xsd.validate(
            parse(d, schemas, max_bytes=settings.max_upload_bytes).tree), repeat, warm_up=False))
        xm.append(median_ms(lambda t=tree: sum(1 for _ in xs.iter_errors(t)), xs_repeat,
                            warm_up=False))
    med = statistics.median
    return [name, str(len(files)), f"{med(sizes):.0f}", f"{med(ours):.2f}", f"{med(lx):.2f}",
            f"{med(xm):.1f}", f"{med(xm) / med(lx):.0f}x"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--xmlschema-repeat", type=int, default=3)
    parser.add_argument("--skip-corpus", action="store_true")
    args = parser.parse_args(argv)
    settings = load_settings()
    corpus = REPO_ROOT.parent / "shared" / "corpus"
    sets = [("seed (records/)", sorted((REPO_ROOT / "records").rglob("*.xml"))),
            ("XSD-valid (tests/data)", sorted((REPO_ROOT / "tests" / "data").glob("*.xml"))),
            ("corpus", sorted(corpus.rglob("*.xml")))]
    if args.skip_corpus:
        sets = sets[:-1]
    schemas = schema_directory(settings.schema_dir)
    start = time.perf_counter()
    schemas.xsd(XSD), schemas.xmlschema(XSD)
    print(f"schemas preloaded in {time.perf_counter() - start:.1f} s (lxml + xmlschema, "
          "JATS 1.4 Publishing XSD)")
    header = ["data set", "files", "median KB", "validate() ms", "lxml XSD ms",
              "xmlschema XSD ms", "xmlschema/lxml"]
    rows = [_row(name, files, args.repeat, args.xmlschema_repeat)
            for name, files in sets if files]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for r in [header, ["-" * w for w in widths], *rows]:
        print(" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)))


if __name__ == "__main__":
    main()
