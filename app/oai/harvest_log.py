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
import html
import ipaddress
import logging
import os
import re
import threading
import time
import weakref
from dataclasses import dataclass, field
from functools import lru_cache

from app.config import Settings
from app.oai import tokens
from app.store.base import Store
from app.store.harvest_stats import HOUR, Completion, HourCounts, HourKey, add_counts, prune

log = logging.getLogger(__name__)

#: Requests noted in one worker before its tally is written without waiting for the clock.
FLUSH_AT = 2000
LIST_VERBS = ("ListRecords", "ListIdentifiers")
_VERBS = (*LIST_VERBS, "GetRecord", "Identify", "ListSets", "ListMetadataFormats")
_FAMILIES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("BASE", re.compile(r"\bBASE\b|[Bb]ielefeld")),
    ("CORE", re.compile(r"\bCORE\b|core\.ac\.uk")),
    ("OpenAIRE", re.compile(r"openaire", re.I)),
    ("Google", re.compile(r"google", re.I)),
    ("Sickle", re.compile(r"sickle", re.I)),
)
_ERROR = re.compile(rb'<error code="([A-Za-z]+)"')
_TOKEN_END = b"</resumptionToken>"


@lru_cache(maxsize=1024)
def harvester_family(user_agent: str | None) -> str:
    """BASE, CORE, OpenAIRE, Google, Sickle, or ``other``."""
    agent = user_agent or ""
    return next((name for name, pattern in _FAMILIES if pattern.search(agent)), "other")


def client_network(address: str | None) -> str:
    """The client's network, never its whole address: IPv4 /24, IPv6 /48."""
    text = (address or "").strip()
    net, _, host = text.rpartition(".")
    if host.isdigit() and net.count(".") == 2 and all(
        p.isdigit() and int(p) < 256 for p in (*net.split("."), host)
    ):
        return f"{net}.0/24"
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return "-"
    mapped = getattr(ip, "ipv4_mapped", None)  # ::ffff:a.b.c.d, from a dual-stack socket
    if mapped is not None:
        return client_network(str(mapped))
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


@dataclass(frozen=True)
class Page:
    """What one answer served, read from its head and tail only (a ListRecords page is
    hundreds of kilobytes: scanning it would cost more than counting is worth)."""

    records: int = 0
    error: str = ""
    last: bool = False  # the last page of a list: its sequence is complete
    size: int = 0  # completeListSize, or the records of a one-page list
    prefix: str = ""
    set_spec: str = ""


def read_page(verb: str, body: bytes, token_in: str | None, settings: Settings) -> Page:
    """Records served, OAI-PMH error, and whether a list reached its end.

    A list page's records are told by its resumption token: the token it sends carries the
    cursor of the next page, the empty one that ends a list its completeListSize; only a
    list of one page, without a token, is counted (it holds fewer than a page of records).
    """
    error_at = body.find(b"<error ", 0, 4096)
    if error_at >= 0:
        found = _ERROR.match(body, error_at)
        return Page(error=found.group(1).decode() if found else "error")
    if verb == "GetRecord":
        return Page(records=1)
    if verb not in LIST_VERBS:
        return Page()
    end = body.rfind(_TOKEN_END, max(0, len(body) - 4096))
    if end < 0:
        records = body.count(b"<header")
        return Page(records, last=True, size=records)
    start = body.rfind(b"<resumptionToken", 0, end)
    head = body[start:end].decode("utf-8", "replace")
    cursor = int(_attribute(head, "cursor"))
    size = int(_attribute(head, "completeListSize"))
    token_out = html.unescape(head[head.index(">") + 1:])
    if not token_out:
        prefix, set_spec, _ = _from_token(token_in)
        return Page(size - cursor, last=True, size=size, prefix=prefix, set_spec=set_spec)
    prefix, set_spec, following = _from_token(token_out)
    return Page(max(0, following - cursor), prefix=prefix, set_spec=set_spec)


def _attribute(head: str, name: str) -> str:
    found = re.search(rf'{name}="(\d+)"', head)
    return found.group(1) if found else "0"


def note(recorder: Recorder | None, settings: Settings, pairs: list[tuple[str, str]],
         remote_addr: str | None, user_agent: str | None, status: int, body: bytes | None,
         started: float) -> None:
    """Count one answer: in memory here, in the store at the next flush, and in /metrics."""
    from app import metrics

    duration = time.perf_counter() - started
    args = dict(pairs)
    verb = args.get("verb", "")
    verb = verb if verb in _VERBS else "other"
    prefix, set_spec = args.get("metadataPrefix", ""), args.get("set", "")
    page = Page()
    if body is not None and status == 200:
        page = read_page(verb, body, args.get("resumptionToken"), settings)
        prefix, set_spec = page.prefix or prefix, page.set_spec or set_spec
    metrics.observe_oai(verb, status, page.error, prefix, page.records, duration)
    if recorder is None:
        return
    now = int(time.time())
    harvester = harvester_family(user_agent)
    client = client_network(remote_addr)
    key = HourKey(now - now % HOUR, harvester, client, verb, prefix, set_spec, status,
                  page.error)
    completion = (Completion(harvester, verb, prefix, set_spec, client, now, page.size)
                  if page.last else None)
    recorder.add(key, page.records, int(duration * 1000), completion)


def _from_token(token: str | None) -> tuple[str, str, int]:
    """The prefix, set and cursor a resumption token carries ('', '', 0 when unreadable).

    Only answers the provider has given are counted: the token it has just signed, or the
    one it has just accepted, so its signature is not checked again."""
    state = tokens.peek(token) if token else None
    if state is None:
        return "", "", 0
    return state.window.prefix or "", state.window.set_spec or "", state.cursor


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
