"""Prometheus metrics: what operators scrape at ``/metrics``.

Request counters and latencies are kept by prometheus-client; under gunicorn in its
multiprocess mode (``PROMETHEUS_MULTIPROC_DIR``, prepared by ``jats-oai serve``), so a
scrape sums every worker's. The collection's state (records by state, rejected files) and
the last load and import are read from the store and the instance folder at scrape time.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from app.config import Settings
from app.store.base import Store

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
_made: dict[str, Any] | None = None
_making = threading.Lock()


def _instruments() -> dict[str, Any]:
    """Made on first use (after ``jats-oai serve`` has named the multiprocess folder), once:
    the lock keeps a worker's threads from registering the same metric twice, which
    prometheus-client refuses (an HTTP 500 for the request that lost the race)."""
    global _made
    if _made is None:
        with _making:
            if _made is None:
                _made = _new_instruments()
    return _made


def _new_instruments() -> dict[str, Any]:
    from prometheus_client import Counter, Histogram

    return {
        "requests": Counter("jats_oai_oai_requests", "OAI-PMH requests answered",
                            ["verb", "status"]),
        "latency": Histogram("jats_oai_oai_request_seconds", "Time to answer an OAI-PMH "
                             "request", ["verb"],
                             buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10)),
        "records": Counter("jats_oai_oai_records_served", "Records sent in OAI-PMH answers",
                           ["prefix"]),
        "errors": Counter("jats_oai_oai_errors", "OAI-PMH error answers", ["code"]),
        "token_errors": Counter("jats_oai_oai_token_errors",
                                "Requests with a resumption token that could not be used"),
        "unavailable": Counter("jats_oai_oai_unavailable",
                               "HTTP 503 answers (rate limit or store away)"),
    }


def observe_oai(verb: str, status: int, error: str, prefix: str, records: int,
                seconds: float) -> None:
    """Count one OAI-PMH answer (called once per request from the harvest counter hook)."""
    m = _instruments()
    m["requests"].labels(verb, str(status)).inc()
    m["latency"].labels(verb).observe(seconds)
    if records:
        m["records"].labels(prefix or "-").inc(records)
    if error:
        m["errors"].labels(error).inc()
        if error == "badResumptionToken":
            m["token_errors"].inc()
    if status == 503:
        m["unavailable"].inc()


class CollectionCollector:
    """Figures read at scrape time: records by state and format, rejected files, the last
    load and import."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily

        from app.stats import recent_collection_stats

        figures = recent_collection_stats(self.store, self.settings)
        state = GaugeMetricFamily("jats_oai_records", "Records in the store by state",
                                  labels=["state"])
        for label, values in figures.table("state").rows:
            if label != "rejected":
                state.add_metric([label], values[0])
        yield state
        yield GaugeMetricFamily("jats_oai_rejected_files",
                                "Files the last loads refused (not valid JATS)",
                                value=figures.count("state", "rejected"))
        formats = GaugeMetricFamily("jats_oai_records_by_format",
                                    "Live records given in each metadata format",
                                    labels=["prefix"])
        for label, values in figures.table("format").rows:
            formats.add_metric([label], values[0])
        yield formats
        yield from _last_runs(self.settings)


def _last_runs(settings: Settings) -> Iterator[Any]:
    """The last load and import: when (Unix seconds) and how it went (1 for its outcome)."""
    from prometheus_client.core import GaugeMetricFamily

    from app.runs import OUTCOMES, read_runs

    runs = read_runs(settings.instance_dir)
    when = GaugeMetricFamily("jats_oai_last_run_timestamp_seconds",
                             "When the last load or import ended", labels=["kind"])
    outcome = GaugeMetricFamily("jats_oai_last_run_outcome",
                                "The outcome of the last load or import: 1 for the one it had",
                                labels=["kind", "outcome"])
    for kind in ("load", "import"):
        run = runs.get(kind)
        if run is None:
            continue
        when.add_metric([kind], run.at)
        for name in OUTCOMES:
            outcome.add_metric([kind, name], 1 if run.outcome == name else 0)
    yield when
    yield outcome


def exposition(store: Store, settings: Settings) -> tuple[bytes, str]:
    """The text a scrape receives, every worker's counters summed in multiprocess mode."""
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        counters = CollectorRegistry()
        multiprocess.MultiProcessCollector(counters)
    else:
        _instruments()
        counters = REGISTRY
    collection = CollectorRegistry()
    collection.register(CollectionCollector(store, settings))
    return generate_latest(counters) + generate_latest(collection), CONTENT_TYPE_LATEST


def prepare_multiprocess(instance_dir: Path) -> Path:
    """Before gunicorn forks: an empty ``instance/prometheus`` folder named in
    ``PROMETHEUS_MULTIPROC_DIR``, so every worker's counters meet there (the files of an
    earlier run are removed; counters restart with the service, as Prometheus expects)."""
    folder = Path(os.environ.get(MULTIPROC_ENV) or instance_dir / "prometheus")
    if folder.is_dir():
        for stale in folder.glob("*.db"):
            stale.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    os.environ[MULTIPROC_ENV] = str(folder)
    return folder


def mark_dead(pid: int) -> None:
    """gunicorn's ``child_exit``: a dead worker's live gauges are dropped from scrapes."""
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)
