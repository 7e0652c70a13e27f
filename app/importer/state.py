"""What a harvest remembers between runs, kept beside the files it wrote.

``<DIR>/.harvest/<key>.json`` per source (base URL, set, format): when the last complete
harvest started (the next one asks ``from`` then), the resumption token of a harvest in
progress (so an interrupted one resumes where it stopped), and for every record written
its file and datestamp (so a deleted record's file can be found and removed). Saved
atomically after every page: a crash leaves the previous state, never half a file.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

STATE_DIR = ".harvest"


@dataclass
class Pending:
    """A harvest in progress: its ``from``, when it started and the token of the next page."""

    started: str
    from_date: str | None
    token: str | None = None


@dataclass
class HarvestState:
    base_url: str
    set_spec: str | None
    prefix: str
    last_harvest: str | None = None
    pending: Pending | None = None
    records: dict[str, dict[str, str]] = field(default_factory=dict)

    @staticmethod
    def path_for(root: Path, base_url: str, set_spec: str | None, prefix: str) -> Path:
        name = re.sub(r"[^A-Za-z0-9]+", "-", f"{base_url}-{set_spec or ''}").strip("-")[:80]
        digest = hashlib.sha256(f"{base_url}\n{set_spec}\n{prefix}".encode()).hexdigest()[:10]
        return root / STATE_DIR / f"{name}-{prefix}-{digest}.json"

    @classmethod
    def load(cls, path: Path, base_url: str, set_spec: str | None, prefix: str) -> HarvestState:
        if not path.is_file():
            return cls(base_url, set_spec, prefix)
        data = json.loads(path.read_text(encoding="utf-8"))
        pending = Pending(**data["pending"]) if data.get("pending") else None
        return cls(base_url, set_spec, prefix, data.get("last_harvest"), pending,
                   data.get("records", {}))

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = asdict(self)
        write_atomically(path, json.dumps(data, ensure_ascii=False, indent=1,
                                          sort_keys=True).encode("utf-8"))


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, flush it, then rename it over
    ``path``: a reader sees the old file or the new one, never part of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
