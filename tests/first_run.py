"""`make run` on a fresh clone of the committed repository, nothing beside it, until Identify
answers: what ``tests/cli/test_fresh_clone.py`` checks and ``python -m bench.first_run`` times.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from app.config import REPO_ROOT

READY_TIMEOUT = 900.0


@dataclass
class FirstRun:
    seconds: float
    output: str
    identify: bytes


def clone_without_shared(parent: Path) -> Path:
    """A clone of the committed repository in `parent`, with no ../shared beside it."""
    target = parent / "jats-oai"
    subprocess.run(["git", "clone", "--quiet", str(REPO_ROOT), str(target)], check=True,
                   capture_output=True, timeout=300)
    assert not (target.parent / "shared").exists()
    return target


def make_run(clone: Path, mirror: str, port: int, log: Path) -> FirstRun:
    """`make run PORT=port` in the clone until Identify answers; then stopped (SIGTERM)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("JATS_OAI_", "VIRTUAL_ENV", "PYTHON", "MAKE"))}
    env["JATS_OAI_SCHEMA_MIRROR"] = mirror
    url = f"http://127.0.0.1:{port}/oai?verb=Identify"
    started = time.monotonic()
    with log.open("wb") as out:
        process = subprocess.Popen(["make", "run", f"PORT={port}"], cwd=clone, env=env,
                                   stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        while time.monotonic() - started < READY_TIMEOUT:
            if process.poll() is not None:
                raise RuntimeError(f"make run exited with {process.returncode}:\n"
                                   f"{log.read_text(errors='replace')}")
            try:
                with urllib.request.urlopen(url, timeout=5) as answer:
                    body = answer.read()
                return FirstRun(time.monotonic() - started, log.read_text(errors="replace"),
                                body)
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        raise RuntimeError(f"Identify did not answer in {READY_TIMEOUT:.0f} s:\n"
                           f"{log.read_text(errors='replace')}")
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
