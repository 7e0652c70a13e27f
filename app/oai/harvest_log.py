"""Counting harvests: every OAI-PMH answer is noted in memory and written in batches.

:func:`note` is called once per answer (from ``app.oai.views.answer``, where GET, POST and
every refusal pass). It classifies the request (harvester family from the User-Agent, verb,
prefix, set, status, OAI-PMH error, records served, time) into a per-process hourly tally
and bumps the Prometheus counters; nothing touches the database on the request's path. A
daemon thread per worker writes the tally every ``harvest_stats_flush_seconds`` (sooner
past :data:`FLUSH_AT` distinct requests), and :func:`flush_all` writes what is left when a
worker exits. Client addresses are cut to their network (IPv4 /24, IPv6 /48) before they
are kept anywhere; rows older than ``harvest_stats_days`` are dropped (``0`` counts nothing).
"""

from __future__ import annotations

import atexit
import ipaddress
import logging
import os
import re
import threading
import time
import weakref
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from app.config import Settings
from app.oai import tokens
from app.store.base import Store
from app.store.harvest_stats import HOUR, Completion, HourCounts, HourKey, add_counts, prune

log = logging.getLogger(__name__)

#: Requests noted in one worker before its tally is written without waiting for the clock.
FLUSH_AT = 2000
LIST_VERBS = ("ListRecords", "ListIdentifiers")
_COUNTED_VERBS = (*LIST_VERBS, "GetRecord")
_FAMILIES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("BASE", re.compile(r"\bBASE\b|[Bb]ielefeld")),
    ("CORE", re.compile(r"\bCORE\b|core\.ac\.uk")),
    ("OpenAIRE", re.compile(r"openaire", re.I)),
    ("Google", re.compile(r"google", re.I)),
    ("Sickle", re.compile(r"sickle", re.I)),
)
_ERROR = re.compile(rb'<error code="([A-Za-z]+)"')
_SIZE = re.compile(rb'completeListSize="(\d+)"')
_TOKEN_END = b"</resumptionToken>"


def harvester_family(user_agent: str | None) -> str:
    """BASE, CORE, OpenAIRE, Google, Sickle, or ``other``."""
    agent = user_agent or ""
    return next((name for name, pattern in _FAMILIES if pattern.search(agent)), "other")


def client_network(address: str | None) -> str:
    """The client's network, never its whole address: IPv4 /24, IPv6 /48."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return "-"
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


@dataclass
class Tally:
    """What one worker noted since its last write."""

    counts: dict[HourKey, HourCounts] = field(default_factory=dict)
    completions: dict[tuple[str, str, str, str, str], Completion] = field(default_factory=dict)
    requests: int = 0


class Recorder:
    """The per-process tally and the thread that writes it to the store."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self.interval = max(1, settings.harvest_stats_flush_seconds)
        self._lock = threading.Lock()
        self._tally = Tally()
        self._wake = threading.Event()
        self._pid = 0
        self._pruned = 0.0
        self.closed = False
        _RECORDERS.add(self)

    def add(self, key: HourKey, records: int, duration_ms: int,
            completion: Completion | None) -> None:
        with self._lock:
            counts = self._tally.counts.get(key)
            if counts is None:
                counts = self._tally.counts[key] = HourCounts()
            counts.requests += 1
            counts.records += records
            counts.duration_ms += duration_ms
            if completion is not None:
                self._tally.completions[(completion.harvester, completion.verb,
                                         completion.prefix, completion.set_spec,
                                         completion.client)] = completion
            self._tally.requests += 1
            full = self._tally.requests >= FLUSH_AT
        if self._pid != os.getpid():
            self._start()
        if full:
            self._wake.set()

    def _start(self) -> None:
        """One writer thread per process (a forked worker starts its own)."""
        with self._lock:
            if self._pid == os.getpid():
                return
            self._pid = os.getpid()
        threading.Thread(target=_write_every, args=(weakref.ref(self), self._wake,
                                                    self.interval),
                         name="harvest-stats", daemon=True).start()

    def flush(self) -> None:
        """Write the tally (one upsert per distinct key); kept for the next try on failure."""
        with self._lock:
            tally, self._tally = self._tally, Tally()
        if self.closed or (not tally.counts and not tally.completions):
            return
        try:
            add_counts(self.store, tally.counts, tally.completions.values())
            self._prune()
        except Exception:  # the database is away: count again later, never fail a harvest
            log.warning("harvest counters not written; kept for the next try", exc_info=True)
            with self._lock:
                for key, counts in tally.counts.items():
                    kept = self._tally.counts.setdefault(key, HourCounts())
                    kept.requests += counts.requests
                    kept.records += counts.records
                    kept.duration_ms += counts.duration_ms
                for k, done in tally.completions.items():
                    self._tally.completions.setdefault(k, done)

    def _prune(self) -> None:
        now = time.time()
        if now - self._pruned < HOUR:
            return
        self._pruned = now
        prune(self.store, int(now) - self.settings.harvest_stats_days * 86400)


_RECORDERS: weakref.WeakSet[Recorder] = weakref.WeakSet()


def _write_every(ref: weakref.ref[Recorder], wake: threading.Event, interval: float) -> None:
    """The writer thread: it holds the recorder weakly, and ends with it or its store."""
    while True:
        wake.wait(interval)
        wake.clear()
        recorder = ref()
        if recorder is None or recorder.closed:
            return
        recorder.flush()
        del recorder


def flush_all() -> None:
    """Write every tally of this process (a worker on its way out)."""
    for recorder in list(_RECORDERS):
        recorder.flush()


atexit.register(flush_all)


def _page_facts(verb: str, body: bytes) -> tuple[int, str, bool, int]:
    """(records served, OAI-PMH error code or '', last page of a list, completeListSize)."""
    found = _ERROR.search(body, 0, 4096) if b"<error " in body[:4096] else None
    if found:
        return 0, found.group(1).decode(), False, 0
    records = body.count(b"<header") if verb in _COUNTED_VERBS else 0
    if verb not in LIST_VERBS:
        return records, "", False, 0
    end = body.rfind(_TOKEN_END)
    if end < 0:
        return records, "", True, records
    start = body.rfind(b"<resumptionToken", 0, end)
    more = body[end - 1:end] != b">"
    size = _SIZE.search(body, start, end) if start >= 0 else None
    return records, "", not more, int(size.group(1)) if size else records


def note(recorder: Recorder | None, pairs: list[tuple[str, str]], remote_addr: str | None,
         user_agent: str | None, status: int, body: bytes | None, started: float) -> None:
    """Count one answer: in memory here, in the store at the next flush, and in /metrics."""
    from app import metrics

    duration = time.perf_counter() - started
    args = dict(pairs)
    verb = args.get("verb", "")
    prefix, set_spec = args.get("metadataPrefix", ""), args.get("set", "")
    token = args.get("resumptionToken")
    if token and recorder is not None:
        prefix, set_spec = _from_token(token, recorder.settings)
    records, error, last, size = (
        _page_facts(verb, body) if body is not None and status == 200 else (0, "", False, 0)
    )
    verb_label = verb if verb in (*_COUNTED_VERBS, "Identify", "ListSets",
                                  "ListMetadataFormats") else "other"
    metrics.observe_oai(verb_label, status, error, prefix, records, duration)
    if recorder is None:
        return
    now = int(time.time())
    harvester = harvester_family(user_agent)
    client = client_network(remote_addr)
    key = HourKey(now - now % HOUR, harvester, client, verb_label, prefix, set_spec, status,
                  error)
    completion = (Completion(harvester, verb, prefix, set_spec, client, now, size)
                  if last else None)
    recorder.add(key, records, int(duration * 1000), completion)


def _from_token(token: str, settings: Settings) -> tuple[str, str]:
    """The prefix and set a resumption token carries ('' when it cannot be read)."""
    try:
        state = tokens.decode(token, settings.secret_key, now=datetime.now(UTC),
                              lifetime=timedelta(days=36500))
    except tokens.BadToken:
        return "", ""
    return state.window.prefix or "", state.window.set_spec or ""


def recorder_for(store: Store, settings: Settings) -> Recorder | None:
    """A recorder for this app, or None when counting is turned off (``harvest_stats_days``
    is 0)."""
    if settings.harvest_stats_days <= 0:
        return None
    recorder = Recorder(store, settings)
    _write_before_close(store, recorder)
    return recorder


def _write_before_close(store: Store, recorder: Recorder) -> None:
    """Closing the store writes what the recorder holds first, then stops it: a closed
    store is never reopened by a late write (a store reopens on its next use)."""
    close = store.close
    ref = weakref.ref(recorder)

    def write_then_close() -> None:
        held = ref()
        if held is not None:
            held.flush()
            held.closed = True
        close()

    store.close = write_then_close  # type: ignore[method-assign]
