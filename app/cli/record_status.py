"""``jats-oai records status``: which live records are not given in every metadata format, and why.

A record is stored with the formats it could be rendered in; a format that declined it (the
``jats`` format, for an article not valid JATS 1.3 Archiving even after its markup is brought
forward) is simply absent. The reason is not stored, so it is found again by putting the
stored source through the same ingest pipeline.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from app.config import Settings
from app.crosswalks.registry import formats
from app.ingest import Prepared, prepare
from app.store.base import Store


@dataclass(frozen=True)
class Missing:
    identifier: str
    prefix: str
    reason: str


def missing_formats(store: Store, settings: Settings) -> tuple[int, list[Missing]]:
    """How many live records there are, and each (record, format) the store lacks."""
    registered = list(formats())
    total = 0
    missing: list[Missing] = []
    for identifier, _ in store.iter_identifiers():
        total += 1
        lacking = [p for p in registered if p not in set(store.formats_of(identifier))]
        if lacking:
            missing.extend(_reasons(store, settings, identifier, lacking))
    return total, missing


def _reasons(store: Store, settings: Settings, identifier: str,
             lacking: list[str]) -> Iterator[Missing]:
    source = store.source(identifier) or b""
    result = prepare(source, settings=settings, origin=None, filename=identifier)
    for prefix in lacking:
        if isinstance(result, Prepared):
            reason = result.left_out.get(prefix, "rendered now: reload the record "
                                                 "(records load --full)")
        else:
            first = result.errors[0].message if result.errors else "no usable article"
            reason = f"the stored source no longer validates: {first}"
        yield Missing(identifier, prefix, reason)


def status_lines(store: Store, settings: Settings) -> list[str]:
    total, missing = missing_formats(store, settings)
    records = {m.identifier for m in missing}
    lines = [f"{total} live records; {total - len(records)} given in every format"]
    per_prefix = {p: sum(m.prefix == p for m in missing) for p in formats()}
    lines += [f"{count} not given as {prefix}" for prefix, count in per_prefix.items() if count]
    lines += [f"{m.identifier}: not given as {m.prefix}: {m.reason}" for m in missing]
    return lines
