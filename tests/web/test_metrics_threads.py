"""/metrics under gunicorn's threaded workers: the first answers of a worker arrive together.

Found by the mixed-load bench: two threads of one worker created the same Prometheus
metric at once, prometheus-client refused the second registration, and that request
answered HTTP 500. Each run is a new process, so the metrics are made afresh.
"""

from __future__ import annotations

import subprocess
import sys

from app.config import REPO_ROOT

RACE = """
import threading
from app import metrics

start = threading.Barrier(16)
failed = []

def first_answer():
    start.wait()
    try:
        metrics.observe_oai("ListRecords", 200, "", "oai_dc", 100, 0.01)
    except Exception as exc:
        failed.append(repr(exc))

threads = [threading.Thread(target=first_answer) for _ in range(16)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(len(failed), failed[:1])
"""


def test_threads_answering_their_first_requests_together_all_count() -> None:
    for _ in range(5):
        run = subprocess.run([sys.executable, "-c", RACE], cwd=REPO_ROOT, capture_output=True,
                             text=True, timeout=60)
        assert run.returncode == 0, run.stderr
        assert run.stdout.startswith("0 "), run.stdout
