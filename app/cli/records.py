"""``jats-oai records``: bring the store in line with a folder of JATS files, or write it back.

``load`` is idempotent and safe to kill at any moment: records are stored in batches, each
one transaction (written whole or not at all), a file whose bytes match the record loaded
from that same path is skipped without parsing, and withdrawals happen only after the whole
folder has been read. A saved OAI-PMH response holding several articles gives one record
per article, loaded from ``path#identifier`` (its OAI identifier); an article whose bytes
match the record loaded from there is skipped unchecked, and one taken out of the file is
withdrawn. So an interrupted load leaves a consistent store, and the next load finishes the
job. ``--full`` re-renders every file; the store then gives a new datestamp only to records
whose sets or rendered payloads differ from what it holds.
"""

from __future__ import annotations

import argparse
import os
import sys
import tomllib
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO
from urllib.parse import quote

from app.cli.database import open_configured_store
from app.cli.progress import ProgressBar
from app.cli.record_status import status_lines
from app.config import Settings, load_settings
from app.ingest import (
    Prepared,
    Rejected,
    check,
    content_hash,
    journal_settings,
    pieces,
    prepare,
    prepare_part,
    store_drafts,
)
from app.rejections import Rejection, read_rejections, record_rejections
from app.runs import note_run
from app.store.base import RecordDraft, SetInfo, Store

ACTOR = "records load"
#: Below this many files to parse, worker processes cost more than they save.
PARALLEL_THRESHOLD = 200
#: Records stored per transaction: large enough that a commit's cost (a WAL sync, a round
#: trip) is shared, small enough that a kill loses little work and readers never wait long.
BATCH_SIZE = 250


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("records", help="load the records folder, or export the store")
    sub = parser.add_subparsers(dest="records_command", required=True, metavar="ACTION")
    load = sub.add_parser(
        "load",
        help="bring the store in line with a folder: add, update and withdraw records",
    )
    load.add_argument("path", nargs="?", type=Path, help="folder or file (default: records/)")
    load.add_argument(
        "--jobs", type=int, default=0,
        help="worker processes that validate and render (default: one per CPU for big loads)",
    )
    load.add_argument(
        "--full", action="store_true",
        help="read and render every file, even unchanged ones: after upgrading the service, "
        "changing public_url or editing journals.toml (records whose sets or payloads change "
        "get a new datestamp)",
    )
    load.add_argument(
        "--allow-withdrawals", action="store_true",
        help="confirm a load that withdraws more than max_withdraw_percent of the collection "
        "(default 10%%) or that finds the folder empty",
    )
    load.add_argument(
        "--batch-size", type=_positive, default=BATCH_SIZE, metavar="N",
        help=f"records stored per transaction (default {BATCH_SIZE})",
    )
    load.add_argument("-v", "--verbose", action="store_true",
                      help="one line per change, every problem of a rejected file, and the "
                      "formats each record was stored without")
    load.add_argument("--progress", action="store_true",
                      help="show the progress bar even when stderr is not a terminal")
    load.set_defaults(func=_load)
    status = sub.add_parser(
        "status",
        help="how many records are served, the files the last loads rejected and why, and "
        "what still keeps harvesters away",
    )
    status.add_argument("-v", "--verbose", action="store_true",
                        help="every problem of each rejected file, not only the first")
    status.set_defaults(func=_status)
    export = sub.add_parser("export", help="write every live record's JATS back as files")
    export.add_argument("path", type=Path, help="the folder to write into")
    export.set_defaults(func=_export)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


#: After a load that writes this many records the store settles itself (docs/store.md).
SETTLE_AFTER = 1000


@dataclass
class LoadReport:
    files: int = 0
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    withdrawn: int = 0
    #: The files refused (as shown to the user), one entry per file.
    rejected: list[str] = field(default_factory=list)
    #: Why: ``file:line:col: message`` lines, often several per rejected file.
    problems: list[str] = field(default_factory=list)
    #: One per rejected file: its full path, the first problem and how many there are.
    rejections: list[Rejection] = field(default_factory=list)
    #: Records stored without some format (``file: prefix left out: why``).
    left_out: list[str] = field(default_factory=list)

    def reject(self, origin: str, lines: Iterable[str]) -> Rejection:
        """A refused file, or one refused article of a file (``path#identifier``)."""
        lines = list(lines)
        shown = _shown_origin(origin)
        self.rejected.append(shown)
        self.problems.extend(lines)
        first = lines[0] if lines else "rejected"
        prefix = shown + ":"
        if first.startswith(prefix):
            first = first[len(prefix):].removeprefix("0:0: ")
        rejection = Rejection(origin, first, max(1, len(lines)))
        self.rejections.append(rejection)
        return rejection

    def line(self) -> str:
        return (
            f"{self.files} files: {self.added} added, {self.changed} changed, "
            f"{self.unchanged} unchanged, {self.withdrawn} withdrawn, "
            f"{len(self.rejected)} rejected"
        )


@dataclass(frozen=True)
class _Outcome:
    """What a worker sends back for a file or one article of it (``origin``): a draft with
    its sets, the identifier of a record it left as it was, or the lines that reject it."""

    origin: str
    draft: RecordDraft | None
    sets: tuple[SetInfo, ...] = ()
    errors: tuple[str, ...] = ()
    left_out: tuple[str, ...] = ()
    unchanged: str | None = None


#: What was loaded from each article of a file: ``path#identifier`` -> (record, hash).
Known = dict[str, tuple[str, str]]


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _shown_origin(origin: str, base: str | None = None) -> str:
    """An origin as shown to the user: the file relative to here, then ``#identifier``."""
    base = base if base is not None else origin.split("#", 1)[0]
    return _shown(Path(base)) + origin[len(base):]


def _prepare_file(path: Path, settings: Settings, journals: dict,
                  known: Known | None = None) -> list[_Outcome]:
    shown = _shown(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return [_Outcome(str(path), None, errors=(f"{shown}:0:0: cannot read the file: {exc}",))]
    found = pieces(data, settings)
    if found is None:
        return [_outcome(str(path), shown, prepare(data, settings=settings, origin=str(path),
                                                   journals=journals, filename=shown))]
    outcomes = []
    for piece in found:
        origin = f"{path}#{piece.identifier}"
        loaded = (known or {}).get(origin)
        if loaded is not None and loaded[1] == content_hash(piece.original):
            outcomes.append(_Outcome(origin, None, unchanged=loaded[0]))
            continue
        part = check(piece, settings, shown)
        result = prepare_part(part, settings=settings, origin=origin, journals=journals)
        outcomes.append(_outcome(origin, f"{shown}#{piece.identifier}", result))
    return outcomes


def _outcome(origin: str, shown: str, result: Prepared | Rejected) -> _Outcome:
    if isinstance(result, Prepared):
        notes = tuple(f"{shown}: {p} left out: {why}" for p, why in result.left_out.items())
        return _Outcome(origin, result.draft, result.sets, left_out=notes)
    errors = tuple(
        f"{shown}:{p.line or 0}:{p.column or 0}: {p.message}" for p in result.errors
    ) or (f"{shown}:0:0: rejected",)
    return _Outcome(origin, None, errors=errors)


def _store_batch(
    store: Store,
    batch: list[tuple[str, RecordDraft, tuple[SetInfo, ...]]],
    report: LoadReport,
    out: TextIO | None,
) -> None:
    """Store a batch in one transaction and count what it did (a line each when ``out``)."""
    if not batch:
        return
    results = store_drafts(store, [(draft, sets) for _, draft, sets in batch], actor=ACTOR)
    for (origin, draft, _), result in zip(batch, results, strict=True):
        if not result.changed:
            report.unchanged += 1
            continue
        kind = "added" if result.action in ("add", "revive") else "changed"
        setattr(report, kind, getattr(report, kind) + 1)
        if out is not None:
            out.write(f"{kind} {draft.identifier} {_shown_origin(origin)}\n")
    if out is not None:
        out.flush()


def _files(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    return sorted(p for p in root.rglob("*.xml") if p.is_file())


def load_folder(
    root: Path,
    *,
    settings: Settings,
    store: Store,
    jobs: int = 1,
    out: TextIO | None = None,
    err: TextIO | None = None,
    verbose: bool = False,
    progress: bool = False,
    full: bool = False,
    quiet: bool = False,
    allow_withdrawals: bool = False,
    batch_size: int = BATCH_SIZE,
) -> LoadReport:
    """Bring the store in line with ``root`` (a folder or one file); see the module doc.

    ``quiet``: no line per rejected file (the caller reports ``LoadReport.rejections``).
    Raises :class:`MassWithdrawal`, having withdrawn nothing, when the folder would withdraw
    more than ``max_withdraw_percent`` of the collection or is empty, unless
    ``allow_withdrawals``."""
    out = out or sys.stdout
    err = err or sys.stderr
    root = root.resolve()
    prefix = str(root) if root.is_file() else str(root) + os.sep
    files = _files(root)
    report = LoadReport(files=len(files))
    journals = _journals(root, settings)
    loaded = {o: (i, h) for i, o, h in store.iter_loaded(prefix) if o is not None}
    by_file = _articles_by_file(loaded)
    seen: dict[str, str] = {}  # record -> the origin it was read from by this load
    rejected_origins: set[str] = set()
    named: dict[str, SetInfo] = {}  # sets already stored by this load
    bar = ProgressBar(len(files), err, progress, rate=True)

    todo: list[Path] = []
    for path in files:
        known = loaded.get(str(path))
        if known is not None and not full and _hash_file(path) == known[1]:
            seen[known[0]] = str(path)
            report.unchanged += 1
            bar.step()
        else:
            todo.append(path)

    batch: list[tuple[str, RecordDraft, tuple[SetInfo, ...]]] = []
    for outcomes in _prepared(todo, settings, journals, jobs, {} if full else by_file):
        bar.step()
        for outcome in outcomes:
            if outcome.unchanged is not None:
                seen[outcome.unchanged] = outcome.origin
                report.unchanged += 1
                continue
            report.left_out.extend(outcome.left_out)
            if verbose:
                for note in outcome.left_out:
                    bar.message(note)
            if outcome.draft is None:
                rejected_origins.add(outcome.origin)
                rejection = report.reject(outcome.origin, outcome.errors)
                if not quiet:
                    bar.message(_rejection_line(rejection))
                if verbose:
                    for line in outcome.errors[1:]:
                        bar.message("    " + line)
                continue
            if _queue(outcome, outcome.draft, batch, report, seen, rejected_origins, named,
                      bar=bar, quiet=quiet) and len(batch) >= batch_size:
                _store_batch(store, batch, report, out if verbose else None)
                batch = []
    _store_batch(store, batch, report, out if verbose else None)
    bar.close()
    if report.left_out and not verbose and not quiet:
        err.write(
            f"{len(report.left_out)} records stored without a format they are not valid for "
            "(--verbose names them and why)\n"
        )
    record_rejections(settings.instance_dir, str(root), report.rejections)

    leaving = [
        (identifier, origin)
        for identifier, origin, _ in store.iter_loaded(prefix)
        if identifier not in seen and not _kept(origin, rejected_origins)
        and not (root.is_file() and _file_of(origin, str(root)) is None)
    ]
    check_withdrawals(len(leaving), len(files), store, settings, allow_withdrawals)
    for identifier, origin in leaving:
        store.withdraw(identifier, actor=ACTOR)
        report.withdrawn += 1
        if verbose:
            out.write(f"withdrawn {identifier} {origin}\n")
    if report.added + report.changed + report.withdrawn >= SETTLE_AFTER:
        store.settle()
    note_run(settings.instance_dir, "load", "refused" if report.rejected else "ok",
             report.line())
    return report


def _queue(outcome: _Outcome, draft: RecordDraft,
           batch: list[tuple[str, RecordDraft, tuple[SetInfo, ...]]], report: LoadReport,
           seen: dict[str, str], rejected_origins: set[str], named: dict[str, SetInfo], *,
           bar: ProgressBar, quiet: bool) -> bool:
    """Queue one record read by this load for the next batch, unless another file gave the
    same one already; True when it was queued."""
    if draft.identifier in seen:
        line = (
            f"{_shown_origin(outcome.origin)}:0:0: the same record ({draft.identifier}) as "
            f"{_shown_origin(seen[draft.identifier])}; one file per record"
        )
        rejected_origins.add(outcome.origin)
        rejection = report.reject(outcome.origin, [line])
        if not quiet:
            bar.message(_rejection_line(rejection))
        return False
    seen[draft.identifier] = outcome.origin
    new_sets = tuple(s for s in outcome.sets if named.get(s.spec) != s)
    named.update((s.spec, s) for s in new_sets)
    batch.append((outcome.origin, draft, new_sets))
    return True


def _file_of(origin: str, path: str) -> str | None:
    """``path`` when ``origin`` is that file or one article of it (``path#identifier``)."""
    return path if origin == path or origin.startswith(path + "#") else None


def _kept(origin: str, rejected: set[str]) -> bool:
    """A record whose file, or whose article of a file, was refused by this load keeps its
    last good version: a refused file withdraws nothing."""
    if origin in rejected:
        return True
    return any(origin[:at] in rejected for at, c in enumerate(origin) if c == "#")


def _articles_by_file(loaded: Known) -> dict[str, Known]:
    """What was loaded from each article of a file (``path#identifier``), keyed by the file
    (any ``#`` may end the path, so each is tried)."""
    found: dict[str, Known] = {}
    for origin, value in loaded.items():
        for at, c in enumerate(origin):
            if c == "#":
                found.setdefault(origin[:at], {})[origin] = value
    return found


class MassWithdrawal(Exception):
    """A load that would withdraw a large share of the collection: nothing was withdrawn."""

    def __init__(self, count: int, total: int, empty: bool) -> None:
        why = "the folder holds no JATS file" if empty else (
            f"that is {count * 100 / max(total, 1):.0f}% of the {total} live records")
        super().__init__(
            f"this load would withdraw {count} records ({why}); nothing was withdrawn. "
            "If the folder is missing a disk or a sync, fix that; if the withdrawals are "
            f"meant, run the load again with {CONFIRM_FLAG}"
        )
        self.count = count


#: The flag that confirms a mass withdrawal.
CONFIRM_FLAG = "--allow-withdrawals"


def check_withdrawals(
    count: int, files: int, store: Store, settings: Settings, allowed: bool
) -> None:
    """Refuse withdrawing more than the configured share of the live collection, or any
    record at all when the folder is empty (an unmounted disk, a failed sync)."""
    if count == 0 or allowed:
        return
    total = sum(1 for _ in store.iter_identifiers())
    if files == 0 or count * 100 > settings.max_withdraw_percent * total:
        raise MassWithdrawal(count, total, files == 0)


def _rejection_line(rejection: Rejection) -> str:
    """``path:line:col: first problem (and N more problems)``: one line per refused file."""
    return "rejected " + Rejection(_shown(Path(rejection.path)), rejection.first_problem,
                                   rejection.problems).line()


class JournalsError(Exception):
    """A journals.toml that cannot be read: nothing is loaded, since its defaults decide sets."""


def _journals(root: Path, settings: Settings) -> dict[str, dict[str, object]]:
    """The journals.toml beside the loaded folder, else the one in the records folder."""
    for folder in (root if root.is_dir() else root.parent, settings.records_dir):
        path = folder / "journals.toml"
        try:
            table = journal_settings(path)
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise JournalsError(f"{path} cannot be read: {exc}") from None
        if table:
            return table
    return {}


def _hash_file(path: Path) -> str | None:
    try:
        return content_hash(path.read_bytes())
    except OSError:
        return None


def _prepared(
    todo: list[Path], settings: Settings, journals: dict, jobs: int,
    by_file: dict[str, Known],
) -> Iterator[list[_Outcome]]:
    """Outcomes in file order, a list per file; validation and rendering go to worker
    processes when big."""
    if jobs <= 0:
        jobs = (os.cpu_count() or 1) if len(todo) >= PARALLEL_THRESHOLD else 1
    known = [by_file.get(str(path)) for path in todo]
    if jobs == 1 or len(todo) < 2:
        for path, within in zip(todo, known, strict=True):
            yield _prepare_file(path, settings, journals, within)
        return
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        yield from pool.map(
            _prepare_file, todo, _repeat(settings, len(todo)), _repeat(journals, len(todo)),
            known, chunksize=8,
        )


def _repeat(value: object, n: int) -> Iterable[object]:
    return (value for _ in range(n))


def _load(args: argparse.Namespace) -> int:
    settings = load_settings()
    root = args.path or settings.records_dir
    if not root.exists():
        print(f"error: {root}: no such folder or file", file=sys.stderr)
        return 2
    store = open_configured_store(settings)
    try:
        report = load_folder(
            root,
            settings=settings,
            store=store,
            jobs=args.jobs,
            verbose=args.verbose,
            progress=args.progress or sys.stderr.isatty(),
            full=args.full,
            allow_withdrawals=args.allow_withdrawals,
            batch_size=args.batch_size,
        )
    except JournalsError as exc:
        note_run(settings.instance_dir, "load", "failed", str(exc))
        print(f"error: {exc}; nothing was loaded", file=sys.stderr)
        return 2
    except MassWithdrawal as exc:
        note_run(settings.instance_dir, "load", "failed", str(exc))
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        store.close()
    print(f"{_shown(root.resolve())}: {report.line()}")
    return 1 if report.rejected else 0


def _status(args: argparse.Namespace) -> int:
    from app.cli.serve import report_state
    from app.ingest import read_file

    settings = load_settings()
    store = open_configured_store(settings)
    try:
        lines = status_lines(store, settings)
    finally:
        store.close()
    print("\n".join(lines))
    print(f"store: {settings.effective_database_url}")
    rejected = read_rejections(settings.instance_dir)
    if not rejected:
        print("no file was rejected by the last loads")
    report_state(settings)
    if args.verbose:
        for item in rejected:
            path = Path(item.path)
            if not path.is_file():
                continue
            print(f"{_shown(path)}:")
            for problem in read_file(path, settings=settings).report.errors:
                print(f"    {problem.line or 0}:{problem.column or 0}: {problem.message}")
    return 0


def export_path(root: Path, identifier: str) -> Path:
    """Where a record is written: its identifier as a path, every part a safe file name."""
    parts = []
    for part in identifier.split("/"):
        if part in ("", ".", ".."):
            part = quote(part, safe="").replace(".", "%2E") or "%2F"
        parts.append(part)
    return root.joinpath(*parts).with_name(parts[-1] + ".xml")


def layout_path(root: Path, identifier: str, summary: dict[str, object] | None) -> Path:
    """Where the records/ layout puts an article: ``<series>/<year>/<issue>/<article>.xml``
    (records/README.md); the identifier as a path when the record lacks series or year."""
    summary = summary or {}
    series, year = summary.get("series"), summary.get("year")
    if not series or not year:
        return export_path(root, identifier)
    issue, volume = summary.get("issue"), summary.get("volume")
    folder = "no-issue"
    if issue:
        number = str(issue).zfill(2) if str(issue).isdigit() else str(issue)
        folder = f"v{volume}-{number}" if volume else number
    rest = identifier.removeprefix(f"{series}/")
    if rest == identifier or "/" in rest:
        rest = f"p{summary['fpage']}" if summary.get("fpage") else identifier.rsplit("/", 1)[-1]
    return export_path(root, f"{series}/{year}/{folder}/{rest}")


def export_store(store: Store, root: Path, source_root: Path | None = None) -> int:
    """Write every live record's source, byte for byte, where it was loaded from under
    ``source_root`` (else where the records/ layout puts it, as for each article loaded from
    a saved OAI-PMH response), so that the folder loads back to the same collection; returns
    how many were written."""
    count = 0
    base = source_root.resolve() if source_root is not None else None
    for identifier, origin in store.iter_identifiers():
        data = store.source(identifier)
        if data is None:
            continue
        target = None
        # an article of a saved OAI-PMH response (path#identifier) is written on its own
        if origin and "#" not in origin and base is not None and Path(origin).is_relative_to(base):
            relative = Path(origin).relative_to(base)
            target = export_path(root, relative.with_suffix("").as_posix())
        if target is None:
            target = layout_path(root, identifier, store.summary(identifier))
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, target)
        count += 1
    return count


def _export(args: argparse.Namespace) -> int:
    settings = load_settings()
    store = open_configured_store(settings)
    try:
        count = export_store(store, args.path, settings.records_dir)
    finally:
        store.close()
    print(f"{count} records written to {args.path}")
    return 0
