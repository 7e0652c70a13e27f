"""What a harvest remembers between runs, kept beside the files it wrote.

``<DIR>/.harvest/<key>.json`` per source (base URL, set, format): when the last complete
harvest started (the next one asks ``from`` then), the resumption token of a harvest in
progress (so an interrupted one resumes where it stopped), and for every record written
its file and datestamp (so a deleted record's file can be found and removed).

After every page only what the page changed is appended to a journal beside the state
(``<key>.log``, one JSON line, flushed to disk), so a page costs the same at record 10 as at
record 100,000; the whole state is rewritten atomically at the end of a run and the journal
removed. Loading replays the journal; a line cut short by a crash is ignored, so the state
is always one the harvest really reached.
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
        state = cls(base_url, set_spec, prefix)
        if path.is_file():
            data = json.loads(path.read_text(encoding="utf-8"))
            state.last_harvest = data.get("last_harvest")
            state.pending = Pending(**data["pending"]) if data.get("pending") else None
            state.records = data.get("records", {})
        journal = _journal(path)
        if journal.is_file():
            for line in journal.read_bytes().splitlines():
                try:
                    step = json.loads(line)
                except ValueError:
                    break
                state.pending = Pending(**step["pending"]) if step.get("pending") else None
                for identifier, entry in step.get("records", {}).items():
                    if entry is None:
                        state.records.pop(identifier, None)
                    else:
                        state.records[identifier] = entry
        return state

    def checkpoint(self, path: Path, changed: dict[str, dict[str, str] | None]) -> None:
        """Append one page's changes (None: a record removed) and the harvest's place."""
        path.parent.mkdir(parents=True, exist_ok=True)
        step = {"pending": asdict(self.pending) if self.pending else None, "records": changed}
        with _journal(path).open("ab") as fh:
            fh.write(json.dumps(step, ensure_ascii=False, separators=(",", ":")).encode() + b"\n")
            fh.flush()
            os.fsync(fh.fileno())

    def save(self, path: Path) -> None:
        """The whole state, atomically; the journal it folds in is then removed."""
        data = json.dumps(asdict(self), ensure_ascii=False, separators=(",", ":"))
        write_atomically(path, data.encode("utf-8"), durable=True)
        _journal(path).unlink(missing_ok=True)


def _journal(path: Path) -> Path:
    return path.with_suffix(".log")


def write_atomically(path: Path, data: bytes, *, durable: bool = False) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it over ``path``: a
    reader, or a run interrupted at any moment, sees the old file or the new one, never part
    of one. ``durable`` also flushes it to disk first (the state does; record files rely on
    the rename, which ext4 and XFS order after the data, since an fsync per record would
    cost more than converting it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
