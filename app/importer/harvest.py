"""An incremental, resumable harvest of one OAI-PMH source into a folder of JATS files.

The first run asks for everything; each later run asks ``from`` the responseDate of the
first request of the last complete run (protocol section 3.3.1's advice for selective
harvesting). After every page the state is saved with the page's resumption token, so a
harvest that stops resumes at the page it had not finished; a token the source no longer
accepts restarts that run from its ``from``. Writing the same record again is harmless:
files are replaced only when their bytes change.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from lxml import etree

from app.config import Settings
from app.importer import from_jats, from_marcxml, from_oai_dc
from app.importer.client import OAI, HarvestFailed, PoliteSickle
from app.importer.fields import Provenance
from app.importer.jats_build import build
from app.importer.record import ConversionError, SourceRecord
from app.importer.state import HarvestState, Pending
from app.importer.writer import Checked, Invalid, check, write_if_changed

PREFERENCE = ("jats", "marcxml", "oai_dc")
_MARC_NS = "http://www.loc.gov/MARC21/slim"
_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
_OJS_JOURNAL = re.compile(r"/index\.php/([^/]+)/oai/?$")


@dataclass
class Summary:
    """What one harvest did; ``refused`` names each record that could not be taken, and why."""

    source: str
    prefix: str = ""
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    deleted: int = 0
    refused: list[tuple[str, str]] = field(default_factory=list)
    resumed: bool = False
    requests: int = 0


def series_from_url(base_url: str) -> str | None:
    """OJS serves each journal at ``.../index.php/<journal path>/oai``: that path is the
    journal's id in OJS, the series slug the seed record uses (``history``)."""
    match = _OJS_JOURNAL.search(base_url.split("?", 1)[0])
    return match.group(1).lower() if match else None


def choose_prefix(formats: dict[str, str], wanted: str) -> tuple[str, str]:
    """The format to harvest: the one asked for, or with ``auto`` the richest the source
    offers (JATS, then MARCXML, then Dublin Core, which every source has)."""
    if wanted != "auto":
        if formats and wanted not in formats:
            raise HarvestFailed(f"the source does not offer metadataPrefix {wanted!r} "
                                f"(it offers {', '.join(sorted(formats))})")
        return wanted, formats.get(wanted, "")
    for prefix in PREFERENCE:
        if prefix in formats:
            return prefix, formats[prefix]
    for prefix, namespace in formats.items():
        if "jats.nlm.nih.gov" in namespace:
            return prefix, namespace
    return "oai_dc", formats.get("oai_dc", _DC_NS)


def _kind(prefix: str, namespace: str) -> str:
    if prefix == "jats" or "jats.nlm.nih.gov" in namespace or "dtd.nlm.nih.gov" in namespace:
        return "jats"
    if prefix == "marcxml" or namespace == _MARC_NS:
        return "marcxml"
    return "oai_dc"


def source_record(el: etree._Element, base_url: str) -> SourceRecord:
    header = el.find(f"{{{OAI}}}header")
    if header is None:
        raise ConversionError("the record has no header")
    metadata = el.find(f"{{{OAI}}}metadata")
    payload = None
    if metadata is not None:
        payload = next((c for c in metadata if isinstance(c.tag, str)), None)
    return SourceRecord(
        base_url=base_url,
        identifier=(header.findtext(f"{{{OAI}}}identifier") or "").strip(),
        datestamp=(header.findtext(f"{{{OAI}}}datestamp") or "").strip(),
        deleted=header.get("status") == "deleted",
        metadata=payload,
        set_specs=tuple((s.text or "").strip() for s in header.findall(f"{{{OAI}}}setSpec")),
    )


def now_utc() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _from_value(last: str | None, granularity: str) -> str | None:
    if not last:
        return None
    return last[:10] if granularity == "YYYY-MM-DD" else last


class Harvest:
    """One source harvested into one folder."""

    def __init__(self, base_url: str, into: Path, *, settings: Settings,
                 series: str | None = None, set_spec: str | None = None, prefix: str = "auto",
                 from_date: str | None = None, dry_run: bool = False,
                 client: PoliteSickle | None = None,
                 on_record: Callable[[str], None] | None = None,
                 on_expected: Callable[[int], None] | None = None) -> None:
        self.base_url, self.into, self.settings = base_url, into, settings
        self.series = series or series_from_url(base_url)
        self.set_spec, self.wanted, self.from_date = set_spec, prefix, from_date
        self.dry_run = dry_run
        self.client = client or PoliteSickle(base_url)
        self.on_record = on_record or (lambda _identifier: None)
        #: Told how many more records the harvest expects: the list's size from the first
        #: page when the source gives it, else each page's records as it comes.
        self.on_expected = on_expected or (lambda _count: None)
        #: What the page being read changed in the state (None: a record removed).
        self.changed: dict[str, dict[str, str] | None] = {}

    def run(self) -> Summary:
        prefix, namespace = choose_prefix(self.client.formats(), self.wanted)
        kind = _kind(prefix, namespace)
        if kind != "jats" and not self.series:
            raise HarvestFailed(
                f"{self.base_url} is not an OJS journal address (…/index.php/<journal>/oai); "
                "give the series slug its records belong to")
        summary = Summary(self.base_url, prefix)
        state_path = HarvestState.path_for(self.into, self.base_url, self.set_spec, prefix)
        state = HarvestState.load(state_path, self.base_url, self.set_spec, prefix)
        self.owners = {entry["path"]: ident for ident, entry in state.records.items()}
        pending = state.pending
        if pending is not None and (self.from_date is None or self.from_date == pending.from_date):
            summary.resumed = True
        else:
            granularity = self.client.granularity()
            pending = Pending(started="", from_date=self.from_date
                              or _from_value(state.last_harvest, granularity))
        state.pending = pending
        try:
            self._pages(state, pending, prefix, kind, summary, state_path)
        except HarvestFailed as exc:
            if not (pending.token and "badResumptionToken" in str(exc)):
                raise
            pending.token = None
            self._pages(state, pending, prefix, kind, summary, state_path)
        state.last_harvest, state.pending = pending.started or now_utc(), None
        if not self.dry_run:
            state.save(state_path)
        summary.requests = self.client.requests_made
        return summary

    def _pages(self, state: HarvestState, pending: Pending, prefix: str, kind: str,
               summary: Summary, state_path: Path) -> None:
        if pending.token:
            params = {"resumptionToken": pending.token}
        else:
            params = {"metadataPrefix": prefix}
            if self.set_spec:
                params["set"] = self.set_spec
            if pending.from_date:
                params["from"] = pending.from_date
        sized = False
        for page in self.client.pages(**params):
            if not sized and page.size is not None:
                self.on_expected(page.size - page.cursor)
                sized = True
            elif not sized:
                self.on_expected(len(page.records))
            if not pending.started:
                pending.started = page.response_date or now_utc()
            self.changed = {}
            for el in page.records:
                self._record(el, state, kind, summary)
            pending.token = page.token
            if not self.dry_run:
                state.checkpoint(state_path, self.changed)

    def _record(self, el: etree._Element, state: HarvestState, kind: str,
                summary: Summary) -> None:
        try:
            record = source_record(el, self.base_url)
        except ConversionError as exc:
            summary.refused.append(("(no identifier)", str(exc)))
            return
        self.on_record(record.identifier)
        entry = state.records.get(record.identifier)
        if record.deleted:
            if entry is not None:
                if not self.dry_run:
                    _remove(self.into, Path(entry["path"]))
                    del state.records[record.identifier]
                    self.changed[record.identifier] = None
                    self.owners.pop(entry["path"], None)
                summary.deleted += 1
            return
        try:
            checked, harvested = self._convert(record, kind, entry)
        except (ConversionError, Invalid, ValueError) as exc:
            summary.refused.append((record.identifier, str(exc)))
            return
        relative = checked.relative.as_posix()
        owner = self.owners.get(relative)
        if owner is not None and owner != record.identifier:
            summary.refused.append((record.identifier, f"its file {relative} is already the "
                                    f"file of {owner}: the two records say the same identity"))
            return
        if owner is None and (self.into / relative).is_file():
            summary.refused.append((record.identifier, f"{relative} exists and was not written "
                                    "by this harvest: it is kept as it is"))
            return
        if self.dry_run:
            written = entry is None or not (self.into / relative).is_file() or (
                (self.into / relative).read_bytes() != checked.data)
        else:
            written = write_if_changed(self.into / relative, checked.data)
            if entry is not None and entry["path"] != relative:
                _remove(self.into, Path(entry["path"]))
                self.owners.pop(entry["path"], None)
            state.records[record.identifier] = {
                "path": relative, "datestamp": record.datestamp, "harvested": harvested}
            self.changed[record.identifier] = state.records[record.identifier]
            self.owners[relative] = record.identifier
        if not written:
            summary.unchanged += 1
        elif entry is None:
            summary.added += 1
        else:
            summary.changed += 1

    def _convert(self, record: SourceRecord, kind: str,
                 entry: dict[str, str] | None) -> tuple[Checked, str]:
        """The record as a checked file; with the harvest date of the file already there when
        nothing else differs, so that an unchanged record gives identical bytes."""
        if record.metadata is None:
            raise ConversionError("the record has no metadata")
        previous = entry.get("harvested") if entry else None
        if previous and entry:
            checked = self._checked(record, kind, previous)
            if entry["path"] == checked.relative.as_posix():
                try:
                    if (self.into / entry["path"]).read_bytes() == checked.data:
                        return checked, previous
                except OSError:
                    pass
        stamp = now_utc()
        return self._checked(record, kind, stamp), stamp

    def _checked(self, record: SourceRecord, kind: str, harvested: str) -> Checked:
        assert record.metadata is not None
        provenance = Provenance(record.base_url, record.identifier, record.datestamp,
                                record.namespace, harvested)
        if kind == "jats":
            data = from_jats.to_jats(record.metadata, provenance)
        else:
            reader = from_marcxml if kind == "marcxml" else from_oai_dc
            fields = reader.convert(record.metadata, series=self.series or "",
                                    identifier=record.identifier)
            data = build(replace(fields, provenance=provenance))
        return check(data, settings=self.settings, name=record.identifier,
                     series_slug=self.series)


def _remove(root: Path, relative: Path) -> None:
    """Remove a record's file and the folders it leaves empty (never ``root`` itself)."""
    path = root / relative
    path.unlink(missing_ok=True)
    parent = path.parent
    while parent != root and root in parent.parents:
        try:
            parent.rmdir()
        except OSError:
            return
        parent = parent.parent
