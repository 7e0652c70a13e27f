"""Full ListRecords harvests through the real server, measured against the yardstick.

    python -m bench.harvest --records 10000 100000 [--database-url postgresql://...]

For each size: generate a collection (tests/generator.py), load it with ``jats-oai records
load`` (kept under bench/data and reused by later runs; past ``--loaded`` records, the loaded
collection is copied through the store interface under new identifiers, since loading runs
at tens of records per second on a small machine), compact it once with ``jats-oai store
compact`` as the README asks after a bulk load, serve it with the real server (gunicorn, 2
workers, SQLite) and with two yardsticks (bench/yardstick.py, the same gunicorn settings, the
same records): the issue's, on SQLite and Python as they come, and the same app given the
64 KiB pages our store uses, so that a ratio to it is the cost of our own code alone.
Then harvest ListRecords oai_dc from each in turn: with a keep-alive
client that does not parse the pages (it follows resumption tokens with a regex), and with
Sickle, which parses them. Prints records per second (median of the runs), our rate as a
ratio to the yardstick's, the latency of the first and of the last page, and the peak memory
of the server's workers during a full harvest (it must not grow with the collection size).

With ``--database-url`` (a PostgreSQL server) the collection is also copied into a database
of it (once, kept for later runs) and served by a third server of ours on PostgreSQL,
harvested in the same rounds as the others, so its ratio to SQLite shares their noise.

``--harvest-stats`` instead serves the same store twice, with the harvest counters
(``app/oai/harvest_log.py``) on and off, and harvests each in turn.

``--compression`` instead serves the store once and harvests it in turn plain, gzip and
deflate (the harvester inflates each page; ``oai_dc`` and ``jats``): records/s counted over
the time spent waiting for answers (and, beside it, over the whole harvest, the client's
inflating included), the server's own CPU time per harvest (user + system of its
processes, from /proc, so the client's inflating does not count), as ratios to the plain
harvest, and the bytes on the wire beside what compressing each whole page afresh at level 1
would send. It also prints the
MB/s of a plain ``jats`` harvest as a ratio to an ``oai_dc`` one.
"""

from __future__ import annotations

import argparse
import html
import http.client
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

from bench import figures
from bench.bulk_copy import bulk_copy
from tests.server import RunningServer, command, free_port, server_env, start_server

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
DATA_DIR = BENCH_DIR / "data"

PREFIX = "oai_dc"
WORKERS = 2
THREADS = 4
#: The yardsticks, by label: page size. The issue's, on SQLite and Python as they come
#: (4 KiB pages), and the same app given our store's 64 KiB pages, so that what is left of
#: the ratio is our own code's cost, not a difference of settings.
YARDSTICKS: dict[str, int | None] = {
    "yardstick (defaults)": None,
    "yardstick (tuned like ours)": 65536,
}
_TOKEN = re.compile(rb"<resumptionToken[^>]*>([^<]+)</resumptionToken>")
_RECORD = re.compile(rb"<record[ >]")


# --- clients ---------------------------------------------------------------------------------
@dataclass
class Harvest:
    records: int
    seconds: float
    pages: list[float] = field(default_factory=list)
    first_token: str | None = None
    last_token: str | None = None
    io_seconds: float = 0.0  # from each request to the last byte of its answer
    wire_bytes: int = 0  # as sent, compressed or not
    body_bytes: int = 0  # the pages as XML
    afresh_bytes: int = 0  # the pages compressed whole at level 1 (when asked to compute it)
    bytes: int = 0  # as read by raw_harvest

    @property
    def rate(self) -> float:
        return self.records / self.seconds


def raw_harvest(base_url: str, prefix: str = PREFIX) -> Harvest:
    """ListRecords over one keep-alive connection, counting records without parsing XML."""
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    path = parts.path
    query = f"verb=ListRecords&metadataPrefix={prefix}"
    harvest = Harvest(records=0, seconds=0.0)
    token: str | None = None
    start = time.perf_counter()
    while True:
        t0 = time.perf_counter()
        conn.request("GET", f"{path}?{query}")
        response = conn.getresponse()
        body = response.read()
        harvest.pages.append(time.perf_counter() - t0)
        harvest.bytes += len(body)
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status} for {query}: {body[:300]!r}")
        harvest.records += len(_RECORD.findall(body))
        match = _TOKEN.search(body)
        if not match:
            if b"<error" in body:
                raise RuntimeError(f"OAI error for {query}: {body[:500]!r}")
            break
        token = html.unescape(match.group(1).decode())
        if harvest.first_token is None:
            harvest.first_token = token
        harvest.last_token = token
        query = f"verb=ListRecords&resumptionToken={quote(token, safe='')}"
    harvest.seconds = time.perf_counter() - start
    conn.close()
    return harvest


def encoded_harvest(
    base_url: str, prefix: str, encoding: str | None, afresh: bool = False
) -> Harvest:
    """ListRecords over one keep-alive connection asking for ``encoding`` (None: no
    Accept-Encoding), inflating each page as a harvester does; counts records and bytes.
    ``io_seconds`` is the time spent waiting for answers, without the client's own work
    (inflating, finding the token), which on this machine takes the server's cores.
    ``afresh`` also compresses each page whole at level 1, for the byte count only."""
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    headers = {"Accept-Encoding": encoding or "identity"}
    query = f"verb=ListRecords&metadataPrefix={prefix}"
    harvest = Harvest(records=0, seconds=0.0)
    start = time.perf_counter()
    while True:
        t0 = time.perf_counter()
        conn.request("GET", f"{parts.path}?{query}", headers=headers)
        response = conn.getresponse()
        raw = response.read()
        harvest.io_seconds += time.perf_counter() - t0
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status} for {query}: {raw[:300]!r}")
        sent = response.getheader("Content-Encoding")
        if sent != encoding:
            raise RuntimeError(f"asked for {encoding}, got Content-Encoding {sent}")
        body = raw if sent is None else zlib.decompress(raw, 31 if sent == "gzip" else 15)
        harvest.wire_bytes += len(raw)
        harvest.body_bytes += len(body)
        if afresh:
            harvest.afresh_bytes += len(zlib.compress(body, 1))
        harvest.records += len(_RECORD.findall(body))
        match = _TOKEN.search(body)
        if not match:
            break
        token = html.unescape(match.group(1).decode())
        query = f"verb=ListRecords&resumptionToken={quote(token, safe='')}"
    harvest.seconds = time.perf_counter() - start
    conn.close()
    return harvest


def page_latency(base_url: str, query: str, repeat: int) -> float:
    """Median time of one page (a replayed token returns the same page), keep-alive."""
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        conn.request("GET", f"{parts.path}?{query}")
        response = conn.getresponse()
        response.read()
        times.append(time.perf_counter() - t0)
        assert response.status == 200
    conn.close()
    return statistics.median(times)


def sickle_harvest(base_url: str) -> Harvest:
    """The same harvest with Sickle: requests + lxml, every record parsed."""
    from sickle import Sickle

    client = Sickle(base_url, max_retries=0, timeout=120)
    start = time.perf_counter()
    count = sum(1 for _ in client.ListRecords(metadataPrefix=PREFIX, ignore_deleted=False))
    return Harvest(records=count, seconds=time.perf_counter() - start)


# --- memory ------------------------------------------------------------------------------------
def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _status_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class RssSampler:
    """Samples the resident memory of a server's worker processes while a harvest runs."""

    def __init__(self, master_pid: int) -> None:
        self.master = master_pid
        self.workers = _children(master_pid) or [master_pid]
        self.peak_kb = {pid: _status_kb(pid, "VmRSS") for pid in self.workers}
        self.start_kb = dict(self.peak_kb)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            for pid in self.workers:
                self.peak_kb[pid] = max(self.peak_kb[pid], _status_kb(pid, "VmRSS"))

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def summary(self) -> str:
        peak = max(self.peak_kb.values()) / 1024
        start = max(self.start_kb.values()) / 1024
        return f"{peak:.0f} MB peak per worker (before the harvest: {start:.0f} MB)"


def server_cpu_seconds(master_pid: int) -> float:
    """User + system CPU time of a server's master and workers so far (/proc, clock ticks)."""
    ticks = 0
    for pid in [master_pid, *_children(master_pid)]:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return ticks / os.sysconf("SC_CLK_TCK")


# --- data ----------------------------------------------------------------------------------------
def _env_for(instance: Path, database_url: str) -> dict[str, str]:
    return server_env(instance, database_url, "http://127.0.0.1:5000")


def prepare_collection(size: int, seed: int, loaded: int) -> tuple[Path, str]:
    """A SQLite store of ``size`` records, built once; returns (instance dir, database URL).

    Up to ``loaded`` records are generated and loaded with ``jats-oai records load``; a
    larger collection is that one copied as many times as needed (see copy_records).
    """
    if size <= loaded:
        return load_generated(size, seed)
    root = DATA_DIR / f"collection-{size}-seed{seed}-from{loaded}"
    instance = root / "instance"
    database_url = f"sqlite:///{instance / 'jats-oai.sqlite3'}"
    done = root / "copied.ok"
    if done.exists():
        return instance, database_url
    base_instance, base_url = load_generated(loaded, seed)
    if root.exists():
        shutil.rmtree(root)
    instance.mkdir(parents=True)
    _, source = open_bench_store(base_instance, base_url)
    _, target = open_bench_store(instance, database_url)
    t0 = time.perf_counter()
    try:
        copied = bulk_copy(source, target, size, formats=copied_formats(size))
    finally:
        source.close()
        target.close()
    print(
        f"  copied the {loaded} loaded records up to {copied} in {time.perf_counter() - t0:.1f} s"
        f" ({', '.join(copied_formats(size) or ['every format'])})",
        flush=True,
    )
    (instance / "compacted.ok").write_text("copied in key order by bench/bulk_copy.py\n")
    done.write_text(f"{copied} records\n")
    return instance, database_url


def copied_formats(size: int) -> tuple[str, ...] | None:
    """The formats a copied collection keeps: all up to 100,000 records; past that oai_dc
    only, since a million ``jats`` payloads would fill tens of gigabytes."""
    return None if size <= 100_000 else (PREFIX,)


def load_generated(size: int, seed: int) -> tuple[Path, str]:
    """Generate ``size`` records and load them with ``jats-oai records load``, once."""
    from tests.generator import iter_records

    root = DATA_DIR / f"collection-{size}-seed{seed}"
    records = root / "records"
    instance = root / "instance"
    database_url = f"sqlite:///{instance / 'jats-oai.sqlite3'}"
    done = root / "loaded.ok"
    if done.exists():
        return instance, database_url
    if root.exists():
        shutil.rmtree(root)
    records.mkdir(parents=True)
    t0 = time.perf_counter()
    for number, item in enumerate(iter_records(size, seed)):
        name, data = item if isinstance(item, tuple) else (f"{number:07d}.xml", item)
        path = records / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    print(f"  generated {size} records in {time.perf_counter() - t0:.1f} s", flush=True)
    instance.mkdir(parents=True)
    t0 = time.perf_counter()
    done_load = subprocess.run(
        command("records", "load", str(records)),
        env=_env_for(instance, database_url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    if done_load.returncode != 0:
        raise SystemExit(f"records load failed:\n{done_load.stderr[-3000:]}")
    seconds = time.perf_counter() - t0
    print(f"  loaded into SQLite in {seconds:.1f} s ({size / seconds:.0f} records/s)", flush=True)
    done.write_text(f"{size} records\n")
    return instance, database_url


def compact(instance: Path, database_url: str) -> None:
    """``jats-oai store compact`` once per collection, as the README asks after a bulk load."""
    flag = instance / "compacted.ok"
    if flag.exists():
        return
    done = subprocess.run(
        command("store", "compact"),
        env=_env_for(instance, database_url),
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"store compact failed:\n{done.stderr[-3000:]}")
    print(f"  jats-oai store compact: {done.stdout.strip()}", flush=True)
    flag.write_text(done.stdout)


def open_bench_store(instance: Path, database_url: str):
    from app.config import load_settings
    from app.factory import open_store

    settings = load_settings(instance_dir=instance, database_url=database_url)
    return settings, open_store(settings.effective_database_url)


def build_yardstick(instance: Path, database_url: str, page_size: int | None) -> Path:
    """The yardstick's database: SQLite's defaults, or the page size our store uses."""
    from bench import yardstick

    name = "yardstick.sqlite3" if page_size is None else f"yardstick-{page_size}.sqlite3"
    path = instance.parent / name
    if path.exists():
        return path
    settings, store = open_bench_store(instance, database_url)
    try:
        count = yardstick.build(
            store, settings.repository_identifier, PREFIX, path, page_size=page_size
        )
    finally:
        store.close()
    print(f"  yardstick table ({name}): {count} records", flush=True)
    return path


def fresh_database(server_url: str, name: str) -> str:
    """Create (or re-create) an empty database on the PostgreSQL server of ``server_url``."""
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(server_url)
    return parts._replace(path=f"/{name}").geturl()


def copy_records(source: object, target: object, limit: int | None = None, copies: int = 1) -> int:
    """Copy records through the store interface; copy k > 0 of a record gets ``-copy{k}``.

    Copies are the same rendered records under new identifiers (the identifier is replaced
    in every payload too), so a large collection is built from a smaller loaded one.
    """
    from app.store.base import RecordDraft

    for info in source.sets():
        target.put_set(info)
    live = list(source.iter_identifiers())
    written = 0
    batch: list[RecordDraft] = []
    for copy in range(copies):
        suffix = f"-copy{copy}" if copy else ""
        for identifier, origin in live:
            if limit is not None and written >= limit:
                break
            header = source.header(identifier)
            new_id = identifier + suffix
            formats = {}
            for prefix in source.formats_of(identifier):
                payload = source.payload(identifier, prefix)
                if payload is not None:
                    formats[prefix] = payload.replace(identifier.encode(), new_id.encode())
            batch.append(
                RecordDraft(
                    identifier=new_id,
                    source=source.source(identifier) or b"",
                    content_hash=f"{source.content_hash(identifier)}{suffix}",
                    sets=header.sets if header else (),
                    formats=formats,
                    summary=source.summary(identifier) or {},
                    origin=f"{origin}{suffix}" if origin else None,
                )
            )
            written += 1
            if len(batch) == 500:
                target.put_many(batch, actor="bench")
                batch = []
    target.put_many(batch, actor="bench")
    return written


def postgres_copy(
    instance: Path, database_url: str, server_url: str, size: int
) -> tuple[Path, str]:
    """The collection copied into a database of the PostgreSQL server at ``server_url``, once
    (kept for later runs), compacted as the README asks after a bulk load."""
    pg_instance = instance.parent / "instance-pg"
    name = f"jats_oai_bench_{size}"
    flag = pg_instance / "copied.ok"
    pg_url = urlsplit(server_url)._replace(path=f"/{name}").geturl()
    if flag.exists() and flag.read_text().strip() == pg_url:
        return pg_instance, pg_url
    pg_url = fresh_database(server_url, name)
    t0 = time.perf_counter()
    _, source = open_bench_store(instance, database_url)
    _, target = open_bench_store(pg_instance, pg_url)
    try:
        bulk_copy(source, target, size, formats=copied_formats(size))
    finally:
        source.close()
        target.close()
    print(f"  copied into PostgreSQL in {time.perf_counter() - t0:.1f} s", flush=True)
    pg_instance.mkdir(parents=True, exist_ok=True)
    (pg_instance / "compacted.ok").write_text("copied in key order\n")
    compact(pg_instance, pg_url)
    flag.write_text(pg_url + "\n")
    return pg_instance, pg_url


# --- servers -----------------------------------------------------------------------------------
def start_ours(instance: Path, database_url: str, counters: bool = True) -> RunningServer:
    """Our server; ``counters=False`` turns the harvest counters off (harvest_stats_days 0)."""
    return start_server(
        instance,
        database_url,
        workers=WORKERS,
        oai_page_size=100,
        rate_limit_per_minute=10**9,
        harvest_stats_days=400 if counters else 0,
    )


def compare_counters(instance: Path, database_url: str, size: int, repeat: int) -> None:
    """The same store served twice, harvest counters on and off, harvested in turn."""
    servers = {
        "counters on": start_ours(instance, database_url, counters=True),
        "counters off": start_ours(instance.parent / "instance-counters-off", database_url,
                                   counters=False),
    }
    try:
        found = measure(servers, size, repeat, False)
    finally:
        for server in servers.values():
            server.stop()
    on, off = found["counters on"], found["counters off"]
    report(size, "SQLite, harvest counters on and off", on, [off])


ENCODINGS = (None, "gzip", "deflate")


def compare_compression(instance: Path, database_url: str, size: int, repeat: int) -> None:
    """One server, harvested in turn plain, gzip and deflate, in ``oai_dc`` and ``jats``."""
    server = start_ours(instance, database_url)
    runs: dict[tuple[str, str | None], list[tuple[Harvest, float]]] = {}
    try:
        for _ in range(repeat):
            for prefix in (PREFIX, "jats"):
                for encoding in ENCODINGS:
                    before = server_cpu_seconds(server.process.pid)
                    harvest = encoded_harvest(server.oai_url, prefix, encoding)
                    cpu = server_cpu_seconds(server.process.pid) - before
                    if harvest.records != size:
                        raise SystemExit(f"{prefix} {encoding}: {harvest.records} records")
                    runs.setdefault((prefix, encoding), []).append((harvest, cpu))
        afresh = {p: encoded_harvest(server.oai_url, p, "gzip", afresh=True).afresh_bytes
                  for p in (PREFIX, "jats")}
    finally:
        server.stop()
    print(f"\n== {size} records, SQLite, compressed harvests (median of {repeat}) ==")
    plain_mbs: dict[str, float] = {}
    for prefix in (PREFIX, "jats"):
        plain = runs[(prefix, None)]
        plain_rate = statistics.median(h.records / h.io_seconds for h, _ in plain)
        plain_wall = statistics.median(h.rate for h, _ in plain)
        plain_cpu = sum(c for _, c in plain)
        plain_mbs[prefix] = statistics.median(h.body_bytes / h.seconds for h, _ in plain) / 1e6
        for encoding in ENCODINGS:
            found = runs[(prefix, encoding)]
            rate = statistics.median(h.records / h.io_seconds for h, _ in found)
            wall = statistics.median(h.rate for h, _ in found)
            cpu = sum(c for _, c in found)  # summed: /proc counts in 10 ms ticks
            line = (
                f"  {prefix:<7} {encoding or 'plain':<8} {rate:>9,.0f} records/s"
                f" ({rate / plain_rate:.2f} x plain; with the client's inflating"
                f" {wall:,.0f}, {wall / plain_wall:.2f} x), server CPU {cpu:.2f} s in all"
                f" ({cpu / plain_cpu:.2f} x plain), {found[0][0].wire_bytes / 1e6:.1f} MB sent"
            )
            if encoding == "gzip":
                line += f" (each page gzipped afresh at level 1: {afresh[prefix] / 1e6:.1f} MB)"
            print(line, flush=True)
    print(
        f"  plain harvest MB/s: oai_dc {plain_mbs[PREFIX]:.1f}, jats {plain_mbs['jats']:.1f}"
        f" (jats/oai_dc {plain_mbs['jats'] / plain_mbs[PREFIX]:.2f})",
        flush=True,
    )


def start_yardstick(db_path: Path, instance: Path) -> RunningServer:
    port = free_port()
    env = dict(os.environ, YARDSTICK_DB=str(db_path), PYTHONPATH=str(REPO_ROOT))
    log_path = instance.parent / "yardstick.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable, "-m", "gunicorn",
                "--workers", str(WORKERS), "--worker-class", "gthread",
                "--threads", str(THREADS), "--keep-alive", "5",
                "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
                "bench.yardstick:application",
            ],
            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=REPO_ROOT,
            start_new_session=True,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    server = RunningServer(url, f"{url}/oai", process, env, instance, log_path)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            page_latency(server.oai_url, f"verb=ListRecords&metadataPrefix={PREFIX}", 1)
            return server
        except (ConnectionError, OSError):
            time.sleep(0.1)
    server.stop()
    raise SystemExit(f"the yardstick did not start:\n{server.log()}")


# --- the run -------------------------------------------------------------------------------------
@dataclass
class Figures:
    label: str
    rates: list[float] = field(default_factory=list)
    megabytes: list[float] = field(default_factory=list)
    first_ms: float = 0.0
    last_ms: float = 0.0
    sickle_rate: float = 0.0
    memory: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.rates)


def measure(
    servers: dict[str, RunningServer], expected: int, repeat: int, sickle: bool
) -> dict[str, Figures]:
    """Full harvests of each server in turn, ``repeat`` rounds, so both share the same noise."""
    figures = {label: Figures(label) for label in servers}
    last: dict[str, Harvest] = {}
    for _ in range(repeat):
        for label, server in servers.items():
            with RssSampler(server.process.pid) as sampler:
                harvest = raw_harvest(server.oai_url)
            if harvest.records != expected:
                raise SystemExit(f"{label}: harvested {harvest.records} records, not {expected}")
            figures[label].rates.append(harvest.rate)
            figures[label].megabytes.append(harvest.bytes / harvest.seconds / 1e6)
            figures[label].memory = sampler.summary()
            last[label] = harvest
    first_query = f"verb=ListRecords&metadataPrefix={PREFIX}"
    for label, server in servers.items():
        figures[label].first_ms = 1000 * page_latency(server.oai_url, first_query, 15)
        if last[label].last_token:
            token = quote(last[label].last_token, safe="")
            figures[label].last_ms = 1000 * page_latency(
                server.oai_url, f"verb=ListRecords&resumptionToken={token}", 15
            )
        if sickle:
            figures[label].sickle_rate = sickle_harvest(server.oai_url).rate
    return figures


def report(
    size: int, store: str, ours: Figures, limits: list[Figures], show_limits: bool = True
) -> None:
    """The figures of one collection; the ratios are to each yardstick's median rate."""
    print(f"\n== {size} records, {store} ==", flush=True)
    for f in [ours, *limits] if show_limits else [ours]:
        runs = ", ".join(f"{r:,.0f}" for r in f.rates)
        print(
            f"  {f.label:<22} {f.median:>9,.0f} records/s (median of: {runs})\n"
            f"  {'':<22} first page {f.first_ms:.1f} ms, last page {f.last_ms:.1f} ms"
            + (f", Sickle (parsing) {f.sickle_rate:,.0f} records/s" if f.sickle_rate else "")
            + (f"\n  {'':<22} memory: {f.memory}" if f.memory else ""),
            flush=True,
        )
    for limit in limits:
        print(f"  ratio to the {limit.label}: {ours.median / limit.median:.1%}", flush=True)
    record_figures(size, store, ours, limits)


def record_figures(size: int, store: str, ours: Figures, limits: list[Figures]) -> None:
    """The summary's figures (bench/figures.py) of a harvest of our server, and of the
    yardsticks it was measured beside."""
    kind = {"SQLite": "sqlite", "PostgreSQL": "postgres"}.get(store.split(" (")[0])
    if kind is None:
        return
    shown = [(kind, ours)] + [(f.label, f) for f in limits if kind == "sqlite"]
    for name, f in shown:
        figures.record("harvest oai_dc, identity", f.median, "records/s", store=name,
                       records=size)
        if f.megabytes:
            figures.record("harvest oai_dc, identity, MB/s", statistics.median(f.megabytes),
                           "MB/s", store=name, records=size)
        figures.record("harvest, first page", f.first_ms, "ms", store=name, records=size)
        if f.last_ms:
            figures.record("harvest, last page", f.last_ms, "ms", store=name, records=size)
    for limit in limits:
        if limit.label == "yardstick (tuned like ours)":
            figures.record("harvest oai_dc, ratio to the yardstick (tuned like ours)",
                           ours.median / limit.median, "x", store=kind, records=size)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, nargs="+", default=[10000, 100000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--loaded",
        type=int,
        default=10000,
        help="records loaded through the pipeline; larger collections copy them (default 10000)",
    )
    parser.add_argument("--repeat", type=int, default=5, help="full harvests per server")
    parser.add_argument("--no-sickle", action="store_true", help="skip the parsing client")
    parser.add_argument(
        "--harvest-stats",
        action="store_true",
        help="only compare our harvest rate with the harvest counters on and off",
    )
    parser.add_argument(
        "--compression",
        action="store_true",
        help="only compare plain, gzip and deflate harvests (oai_dc and jats) of one server",
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("JATS_OAI_BENCH_DATABASE_URL", ""),
        help="also serve each collection from PostgreSQL (a database is created per size)",
    )
    args = parser.parse_args(argv)
    print(
        f"machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}; server: gunicorn {WORKERS} workers x "
        f"{THREADS} threads; page size 100; metadataPrefix {PREFIX}",
        flush=True,
    )
    for size in args.records:
        print(f"\n-- collection of {size} records --", flush=True)
        instance, database_url = prepare_collection(size, args.seed, args.loaded)
        compact(instance, database_url)
        if args.harvest_stats:
            compare_counters(instance, database_url, size, args.repeat)
            continue
        if args.compression:
            compare_compression(instance, database_url, size, args.repeat)
            continue
        servers = {"jats-oai (SQLite)": start_ours(instance, database_url)}
        try:
            if args.database_url:
                pg_instance, pg_url = postgres_copy(instance, database_url, args.database_url,
                                                    size)
                servers["jats-oai (PostgreSQL)"] = start_ours(pg_instance, pg_url)
            for label, page_size in YARDSTICKS.items():
                db_path = build_yardstick(instance, database_url, page_size)
                servers[label] = start_yardstick(db_path, instance)
            found = measure(servers, size, args.repeat, not args.no_sickle)
        finally:
            for server in servers.values():
                server.stop()
        ours = found.pop("jats-oai (SQLite)")
        pg = found.pop("jats-oai (PostgreSQL)", None)
        limits = list(found.values())
        report(size, "SQLite", ours, limits)
        if pg is not None:
            report(size, "PostgreSQL (harvested in the same rounds)", pg, limits,
                   show_limits=False)
            print(f"  PostgreSQL / SQLite: {pg.median / ours.median:.1%}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
