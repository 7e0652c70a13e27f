"""The files the last loads refused, kept in the instance folder for whoever looks later.

A rejected file never stops the service: the load goes on with every valid record and writes
here what it refused (path, first problem in plain words, how many problems), so that the
start-up output, ``jats-oai records status`` and the librarians' page all tell the same story.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path

FILE_NAME = "rejected.json"
_POSITION = re.compile(r"\d+:\d+: ")


@dataclass(frozen=True)
class Rejection:
    """One refused file: where it is, the first problem (``line:column: words``), how many."""

    path: str
    first_problem: str
    problems: int

    def line(self) -> str:
        more = self.problems - 1
        tail = f" (and {more} more problem{'s' if more > 1 else ''})" if more > 0 else ""
        sep = ":" if _POSITION.match(self.first_problem) else ": "
        return f"{self.path}{sep}{self.first_problem}{tail}"


def read_rejections(instance_dir: Path) -> list[Rejection]:
    """What the loads refused, oldest path first; empty when nothing was ever refused."""
    try:
        data = json.loads((instance_dir / FILE_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [Rejection(str(r["path"]), str(r["first_problem"]), int(r["problems"]))
            for r in data.get("rejected", [])]


def record_rejections(instance_dir: Path, root: str, rejected: list[Rejection]) -> None:
    """Replace what is known about the files under ``root`` (a folder or one file)."""
    prefix = root.rstrip(os.sep) + os.sep
    kept = [r for r in read_rejections(instance_dir)
            if r.path != root and not r.path.startswith(prefix)]
    entries = sorted(kept + rejected, key=lambda r: r.path)
    instance_dir.mkdir(parents=True, exist_ok=True)
    path = instance_dir / FILE_NAME
    tmp = path.with_name(f".{FILE_NAME}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"rejected": [asdict(r) for r in entries]}, indent=1,
                              ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)
