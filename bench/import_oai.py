"""Import from OAI-PMH: records imported per second, and the cost of a rerun with nothing changed.

    python -m bench.import_oai [--records 10000] [--page-size 100] [--prefix oai_dc] [--repeat 3]

A local endpoint answering like OJS 3 (tests/importer/ojs_oai.py: a real HTTP server on
127.0.0.1) serves ``--records`` generated articles with Russian and English metadata; each
repetition imports them all into an empty folder with ``Harvest`` (Sickle, every file
converted, validated against the JATS DTD and written atomically), then runs again with
nothing changed at the source. Prints medians over the repetitions: records per second of
the full import, the rerun's wall time, its requests and records received, and how many
files the rerun rewrote (must be 0). The endpoint runs in this process, so the CPU time
per record includes serving it; on a busy machine it is steadier than the wall-clock rate.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from app.config import load_settings
from app.importer.harvest import Harvest
from tests.importer.ojs_oai import Author, OjsArticle, OjsOaiServer

JOURNAL = {"en-US": "Journal of the Belarusian State University. History",
           "ru-RU": "Журнал Белорусского государственного университета. История"}


def article(n: int) -> OjsArticle:
    issue, year = n % 4 + 1, 2000 + n % 24
    return OjsArticle(
        id=10_000 + n,
        datestamp=f"2024-01-{n % 28 + 1:02d}T{n % 24:02d}:{n % 60:02d}:{(n // 60) % 60:02d}Z",
        titles={"ru-RU": f"Статья номер {n} о сотрудничестве",
                "en-US": f"Article {n} on cooperation"},
        authors=[Author("Петеченко", "Григорий А."), Author("Shabasava", f"Maryna {n % 7}.")],
        abstracts={"ru-RU": f"<p>Аннотация статьи {n}.</p><p>Второй абзац.</p>",
                   "en-US": f"The abstract of article {n}."},
        keywords={"ru-RU": ["нэп", f"ключ {n % 50}"], "en-US": ["new economic policy"]},
        journal=JOURNAL,
        issue={"en-US": f"No. {issue} ({year})", "ru-RU": f"№ {issue} ({year})"},
        pages=f"{n % 90 + 1}-{n % 90 + 9}",
        date=f"{year}-{issue * 3:02d}-15",
        language="rus",
        license_url="https://creativecommons.org/licenses/by-nc/4.0",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--prefix", default="oai_dc", choices=("oai_dc", "marcxml"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    server = OjsOaiServer("history", page_size=args.page_size)
    for n in range(args.records):
        server.put(article(n))
    server.start()
    full, cpu, rerun, rerun_requests, received, rewritten = [], [], [], [], [], []
    try:
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory(prefix="import-oai-") as tmp:
                root = Path(tmp) / "records"
                settings = load_settings(instance_dir=Path(tmp) / "instance")
                started, cpu_started = time.perf_counter(), time.process_time()
                first = Harvest(server.base_url, root, settings=settings,
                                prefix=args.prefix).run()
                full.append(time.perf_counter() - started)
                cpu.append(time.process_time() - cpu_started)
                assert first.added == args.records and not first.refused, first
                mtimes = {p: p.stat().st_mtime_ns for p in root.rglob("*.xml")}
                seen: list[str] = []
                started = time.perf_counter()
                again = Harvest(server.base_url, root, settings=settings, prefix=args.prefix,
                                on_record=seen.append).run()
                rerun.append(time.perf_counter() - started)
                rerun_requests.append(again.requests)
                received.append(len(seen))
                rewritten.append(sum(p.stat().st_mtime_ns != t for p, t in mtimes.items()))
    finally:
        server.stop()
    rate = [args.records / t for t in full]
    print(f"import_oai: {args.records} records ({args.prefix}, pages of {args.page_size}), "
          f"{args.repeat} runs, medians")
    print(f"  full import:               {statistics.median(full):8.2f} s   "
          f"{statistics.median(rate):8.0f} records/s  (min {min(rate):.0f}, max {max(rate):.0f}); "
          f"{statistics.median(cpu) / args.records * 1000:.2f} ms of CPU per record "
          "(the endpoint's threads included)")
    print(f"  rerun, nothing changed:    {statistics.median(rerun) * 1000:8.1f} ms  "
          f"{statistics.median(rerun_requests):.0f} requests, "
          f"{statistics.median(received):.0f} records received, "
          f"{max(rewritten)} files rewritten")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
