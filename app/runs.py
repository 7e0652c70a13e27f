"""The outcome of the last load and the last import, kept in the instance folder.

``/metrics`` reports them (when, and whether they went well), so an operator's alert can
fire on a nightly import that failed or a load that refused files.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

FILE_NAME = "last-runs.json"
#: What an outcome is: everything kept, some input refused (and left out), or stopped.
OUTCOMES = ("ok", "refused", "failed")


@dataclass(frozen=True)
class Run:
    kind: str  # "load" or "import"
    at: int  # Unix seconds
    outcome: str
    summary: str


def read_runs(instance_dir: Path) -> dict[str, Run]:
    try:
        data = json.loads((instance_dir / FILE_NAME).read_text(encoding="utf-8"))
        return {kind: Run(**value) for kind, value in data.items()}
    except (OSError, ValueError, TypeError):
        return {}


def note_run(instance_dir: Path, kind: str, outcome: str, summary: str) -> None:
    """Keep the outcome of a load or an import (replacing the previous one of its kind)."""
    runs = read_runs(instance_dir)
    runs[kind] = Run(kind, int(time.time()), outcome, summary)
    instance_dir.mkdir(parents=True, exist_ok=True)
    path = instance_dir / FILE_NAME
    tmp = path.with_name(f".{FILE_NAME}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps({k: asdict(v) for k, v in runs.items()}, indent=1,
                              ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)
