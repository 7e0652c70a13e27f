"""What counting one OAI-PMH answer costs the worker that sends it.

    python -m bench.harvest_counters [--calls 2000] [--rounds 7]

Times ``app.oai.harvest_log.note`` (harvester, client network, records from the resumption
token, the hourly tally, the Prometheus counters) on a ListRecords page of 100 records with
a real resumption token, and prints the median per call over the rounds. The harvest rate
with the counters on and off, through the real server: ``python -m bench.harvest
--harvest-stats``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from app.oai import harvest_log, tokens
from app.oai.views import oai_state
from app.store.base import Window
from tests.web_support import web_app


def page_of(body: bytes, records: int, token: str) -> bytes:
    """The seed's one-record page grown to ``records`` records, ending with ``token``."""
    one = body[body.index(b"<record>"):body.index(b"</record>") + len(b"</record>\n")]
    tail = (f'<resumptionToken completeListSize="{records * 10}" cursor="0">{token}'
            "</resumptionToken>\n").encode()
    return body.replace(b"</ListRecords>", one * (records - 1) + tail + b"</ListRecords>")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder, \
            web_app(Path(folder), f"sqlite:///{folder}/store.sqlite3",
                    harvest_stats_flush_seconds=3600) as web:
        body = web.client().get("/oai?verb=ListRecords&metadataPrefix=oai_dc").data
        now = datetime.now(UTC).replace(microsecond=0)
        state = tokens.HarvestState("ListRecords", Window("oai_dc", None, None, None, 1),
                                    (now, "x"), 100, 1000, now)
        page = page_of(body, 100, tokens.encode(state, web.settings.secret_key))
        recorder = oai_state(web.app).recorder
        pairs = [("verb", "ListRecords"), ("metadataPrefix", "oai_dc")]
        read = harvest_log.read_page("ListRecords", page, None, web.settings)
        assert read.records == 100, read
        per_call = []
        for _ in range(args.rounds):
            start = time.perf_counter()
            for _ in range(args.calls):
                harvest_log.note(recorder, web.settings, pairs, "203.0.113.5", "Sickle/0.7",
                                 200, page, time.perf_counter())
            per_call.append((time.perf_counter() - start) / args.calls * 1e6)
        recorder.flush()
    runs = ", ".join(f"{t:.1f}" for t in per_call)
    print(f"note() on a page of 100 records ({len(page) // 1024} KB): "
          f"{statistics.median(per_call):.1f} us per call (median of {args.rounds} rounds "
          f"of {args.calls}: {runs})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
