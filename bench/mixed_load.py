"""Harvesters, depositors and readers at once against gunicorn over PostgreSQL (Locust).

    python -m bench.mixed_load --database-url postgresql://... [--minutes 10] [--records 500]

Loads ``--records`` generated articles into the given (empty or throw-away) PostgreSQL
database, creates an editor and an API token, starts ``jats-oai serve --workers 2``
(gunicorn) on a free port, and runs bench/mixed_locustfile.py headless: 8 harvesters doing
full ListRecords harvests, 2 depositors posting new articles through the API, 20 readers of
article pages, GetRecord and the home page. Prints per request kind the rate, p50 and p99
latency and failures, the harvest rate in records per second, the deposits acknowledged and
found live afterwards (none may be lost), and each worker's memory (RSS) at the start, the
peak and the end, sampled every 5 seconds. Ends with ``jats-oai store check``.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from tests.generator import write_records

REPO_ROOT = Path(__file__).resolve().parent.parent
PAGE_SIZE = 100
JATS_OAI = str(Path(sys.executable).with_name("jats-oai"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _cli(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    done = subprocess.run([JATS_OAI, *args], env=env, input=stdin,
                          capture_output=True, text=True, cwd=REPO_ROOT)
    if done.returncode != 0:
        raise SystemExit(f"jats-oai {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def _workers(master: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == master:
                found.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    return sorted(found)


def _rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.mixed_load",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("JATS_OAI_BENCH_DATABASE_URL"),
                        help="a PostgreSQL database the run may fill (default: "
                        "JATS_OAI_BENCH_DATABASE_URL)")
    parser.add_argument("--minutes", type=float, default=10.0, help="duration (default 10)")
    parser.add_argument("--records", type=int, default=500, help="records loaded first")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    args = parser.parse_args(argv)
    if not args.database_url or not args.database_url.startswith("postgres"):
        parser.error("give a PostgreSQL --database-url (or JATS_OAI_BENCH_DATABASE_URL)")
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
          f"{platform.python_version()}, {platform.platform()}")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("JATS_OAI_")}
        env.update(JATS_OAI_INSTANCE_DIR=str(work / "instance"),
                   JATS_OAI_DATABASE_URL=args.database_url, JATS_OAI_PUBLIC_URL=url,
                   JATS_OAI_RATE_LIMIT_PER_MINUTE="1000000",
                   JATS_OAI_OAI_PAGE_SIZE=str(PAGE_SIZE), PYTHONPATH=str(REPO_ROOT))
        if "JATS_OAI_SCHEMA_DIR" in os.environ:
            env["JATS_OAI_SCHEMA_DIR"] = os.environ["JATS_OAI_SCHEMA_DIR"]
        write_records(args.records, 1, work / "records")
        # Kept after the run (bench/data is not in git): a failed request's traceback is here.
        server_log = REPO_ROOT / "bench" / "data" / "mixed_load-server.log"
        server_log.parent.mkdir(parents=True, exist_ok=True)
        print(_cli(env, "records", "load", str(work / "records")).strip())
        _cli(env, "users", "add", "--password-stdin", "loadtest", stdin="load test password\n")
        token = _cli(env, "users", "token", "loadtest").strip()
        server = subprocess.Popen(
            [JATS_OAI, "serve", "--host", "127.0.0.1", "--port",
             str(port), "--workers", str(args.workers)],
            env=env, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=server_log.open("wb"),
            start_new_session=True,
        )
        print(f"server log: {server_log}")
        try:
            return _run(args, env, server, url, token, work)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(30)


def _run(args: argparse.Namespace, env: dict[str, str], server: subprocess.Popen, url: str,
         token: str, work: Path) -> int:
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(f"{url}/oai?verb=Identify", timeout=5):
                break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("the server did not start") from None
            time.sleep(0.5)
    workers = _workers(server.pid)
    memory: dict[int, list[float]] = {pid: [] for pid in workers}
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            for pid in workers:
                rss = _rss_mb(pid)
                if rss is not None:
                    memory[pid].append(rss)
            stop.wait(5)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    deposits = work / "deposits.txt"
    seconds = max(int(args.minutes * 60), 10)
    locust_env = {**env, "MIXED_LOADED": str(args.records), "MIXED_TOKEN": token,
                  "MIXED_DEPOSITS": str(deposits)}
    locust = Path(sys.executable).with_name("locust")
    done = subprocess.run(
        [str(locust), "-f", str(REPO_ROOT / "bench" / "mixed_locustfile.py"), "--headless",
         "-u", "30", "-r", "30", "-t", f"{seconds}s", "--stop-timeout", "30", "--host", url,
         "--csv",
         str(work / "stats"), "--only-summary", "--loglevel", "WARNING"],
        env=locust_env, cwd=REPO_ROOT, capture_output=True, text=True,
    )
    stop.set()
    sampler.join()
    rows = list(csv.DictReader((work / "stats_stats.csv").open()))
    print(f"\n{seconds} s, 8 harvesters, 2 depositors, 20 readers, {args.workers} gunicorn "
          f"workers over PostgreSQL, {args.records} records loaded")
    print(f"{'request kind':34} {'requests':>9} {'failed':>7} {'per s':>8} {'p50 ms':>7} "
          f"{'p99 ms':>7}")
    failed = 0
    for row in rows:
        print(f"{row['Name']:34} {row['Request Count']:>9} {row['Failure Count']:>7} "
              f"{float(row['Requests/s']):8.1f} {row['50%']:>7} {row['99%']:>7}")
        if row["Name"] == "Aggregated":
            failed = int(row["Failure Count"])
    failures = work / "stats_failures.csv"
    for row in csv.DictReader(failures.open()) if failures.exists() else ():
        print(f"failed: {row['Occurrences']} x {row['Method']} {row['Name']}: {row['Error']}")
    pages = sum(float(r["Requests/s"]) for r in rows if r["Name"].startswith("ListRecords"))
    print(f"harvest rate: about {pages * PAGE_SIZE:,.0f} records/s in all "
          f"({pages:.1f} pages of up to {PAGE_SIZE} records per second)")
    acknowledged = deposits.read_text().split() if deposits.exists() else []
    lost = [i for i in acknowledged if _status(f"{url}/api/articles/{i}") != 200]
    print(f"deposits: {len(acknowledged)} acknowledged, {len(lost)} lost")
    for pid, values in memory.items():
        if values:
            print(f"worker {pid}: RSS {values[0]:.0f} MB at start, peak {max(values):.0f} MB, "
                  f"{values[-1]:.0f} MB at the end (median {statistics.median(values):.0f} MB, "
                  f"{len(values)} samples)")
    print(_cli(env, "store", "check").strip())
    if done.returncode not in (0, 1):
        print(done.stderr[-2000:])
    return 1 if failed or lost else 0


def _status(address: str) -> int:
    try:
        with urllib.request.urlopen(address, timeout=30) as answer:
            return answer.status
    except OSError as exc:
        return getattr(exc, "code", 0) or 0


if __name__ == "__main__":
    sys.exit(main())
