"""``jats-oai records load`` and ``export``: the store follows the folder, exactly and safely.

The rules checked here are those of the store issue: new files are added, changed files get a
new datestamp, unchanged files keep theirs, a file that is gone becomes a deleted record
(only for records loaded from that folder), a moved file is the same record, invalid files
are reported with file, line and message and leave their record alone, and loading twice
changes nothing the second time.
"""

from __future__ import annotations

import hashlib
import io
import shutil
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from app.cli import main
from app.cli.records import LoadReport, export_path, export_store, load_folder
from app.config import Settings
from app.factory import open_store
from app.ingest import Prepared, commit, prepare
from app.store.base import Store, Window
from tests.builders import jats_records
from tests.factories import Clock

SEED = Path("history/2023/04/5763.xml")


@pytest.fixture
def folder(tmp_path: Path, records_dir: Path) -> Path:
    """A records folder: the seed article and five generated ones, with journals.toml."""
    root = tmp_path / "records"
    for rel, data in jats_records(5, seed=11):
        write(root / rel, data)
    write(root / SEED, (records_dir / SEED).read_bytes())
    shutil.copy(records_dir / "journals.toml", root / "journals.toml")
    return root


def write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def load(root: Path, settings: Settings, store: Store) -> tuple[LoadReport, str]:
    """A load whose withdrawals are meant (the guard against mass withdrawal is tested in
    test_store_safety.py): these collections are a handful of records."""
    err = io.StringIO()
    report = load_folder(root, settings=settings, store=store, jobs=1, out=io.StringIO(),
                         err=err, allow_withdrawals=True)
    return report, err.getvalue()


def snapshot(store: Store) -> dict[str, tuple]:
    """Every record's header and content hash, deleted ones included."""
    w = Window(None, None, None, None, store.current_seq())
    rows = store.list_page(w, None, 10_000, False)
    return {h.identifier: (h.datestamp, h.deleted, h.sets, store.content_hash(h.identifier))
            for h, _ in rows}


def payloads(store: Store, identifier: str) -> bytes:
    """Every rendered format of a record, concatenated."""
    return b"".join(store.payload(identifier, p) or b"" for p in store.formats_of(identifier))


def xml_files(root: Path) -> list[Path]:
    return sorted(root.rglob("*.xml"))


def test_a_first_load_adds_every_file_byte_for_byte(
    folder: Path, store_settings: Settings, store: Store
) -> None:
    report, err = load(folder, store_settings, store)
    assert (report.added, report.rejected, report.withdrawn) == (6, [], 0)
    for path in xml_files(folder):
        data = path.read_bytes()
        loaded = [i for i, o, h in store.iter_loaded() if o == str(path.resolve())]
        assert len(loaded) == 1, path
        assert store.source(loaded[0]) == data
        assert store.content_hash(loaded[0]) == hashlib.sha256(data).hexdigest()
        assert "oai_dc" in store.formats_of(loaded[0])
    header = store.header("history/5763")
    assert header is not None
    assert header.sets == ("history", "history:2023-4", "openaire")
    names = {s.spec: s.name for s in store.sets()}
    assert names["history"] == "Journal of the Belarusian State University. History"


def test_loading_twice_changes_nothing(folder: Path, store_settings: Settings, store: Store,
                                       clock: Clock) -> None:
    load(folder, store_settings, store)
    before, seq = snapshot(store), store.current_seq()
    clock.now += 3600
    report, _ = load(folder, store_settings, store)
    assert (report.added, report.changed, report.unchanged, report.withdrawn) == (0, 0, 6, 0)
    assert snapshot(store) == before and store.current_seq() == seq


def test_a_changed_file_alone_gets_a_new_datestamp(
    folder: Path, store_settings: Settings, store: Store, clock: Clock
) -> None:
    load(folder, store_settings, store)
    before = snapshot(store)
    clock.now += 3600
    seed = folder / SEED
    old = seed.read_bytes()
    seed.write_bytes(old.replace(b"early 1930s</article-title>", b"early 1930s.</article-title>"))
    report, _ = load(folder, store_settings, store)
    assert (report.changed, report.unchanged) == (1, 5)
    after = snapshot(store)
    assert after["history/5763"][0] > before["history/5763"][0]
    assert {k: v for k, v in after.items() if k != "history/5763"} == {
        k: v for k, v in before.items() if k != "history/5763"
    }
    assert store.source("history/5763") == seed.read_bytes()
    assert store.old_source("history/5763", hashlib.sha256(old).hexdigest()) == old


def test_a_moved_file_is_the_same_record(
    folder: Path, store_settings: Settings, store: Store, clock: Clock
) -> None:
    load(folder, store_settings, store)
    before = snapshot(store)
    clock.now += 3600
    target = folder / "elsewhere" / "renamed.xml"
    target.parent.mkdir()
    (folder / SEED).rename(target)
    report, _ = load(folder, store_settings, store)
    assert (report.added, report.changed, report.withdrawn, report.rejected) == (0, 0, 0, [])
    assert snapshot(store) == before
    assert ("history/5763", str(target.resolve())) in set(store.iter_identifiers())


def test_a_removed_file_becomes_a_deleted_record(
    folder: Path, store_settings: Settings, store: Store, clock: Clock
) -> None:
    load(folder, store_settings, store)
    before = snapshot(store)
    clock.now += 3600
    (folder / SEED).unlink()
    report, _ = load(folder, store_settings, store)
    assert report.withdrawn == 1
    after = snapshot(store)
    assert after["history/5763"][1] is True
    assert after["history/5763"][2] == before["history/5763"][2]  # still in its sets
    assert {k: v for k, v in after.items() if k != "history/5763"} == {
        k: v for k, v in before.items() if k != "history/5763"
    }
    # Putting the file back revives the record under the same identifier.
    write(folder / SEED, store.old_source("history/5763", before["history/5763"][3]))
    clock.now += 3600
    report, _ = load(folder, store_settings, store)
    assert report.added == 1
    assert snapshot(store)["history/5763"][1] is False


def test_records_from_elsewhere_are_untouched(
    folder: Path, tmp_path: Path, store_settings: Settings, store: Store
) -> None:
    other = tmp_path / "records-old"  # a sibling whose name starts like the folder's
    (rel, data), = list(jats_records(6, seed=11))[5:]
    write(other / rel, data)
    deposited = list(jats_records(7, seed=11))[6][1]
    prepared = prepare(deposited, settings=store_settings, origin="deposit")
    assert isinstance(prepared, Prepared)
    commit(store, prepared, actor="editor")
    load(other, store_settings, store)
    report, _ = load(folder, store_settings, store)
    assert report.withdrawn == 0
    live = {i for i, _ in store.iter_identifiers()}
    assert prepared.draft.identifier in live and len(live) == 8
    # Emptying the folder withdraws its records only.
    shutil.rmtree(folder)
    folder.mkdir()
    report, _ = load(folder, store_settings, store)
    assert report.withdrawn == 6
    assert len(list(store.iter_identifiers())) == 2


def test_an_invalid_file_is_reported_and_leaves_its_record_alone(
    folder: Path, store_settings: Settings, store: Store, clock: Clock
) -> None:
    load(folder, store_settings, store)
    before = snapshot(store)
    seed = folder / SEED
    seed.write_bytes(seed.read_bytes().replace(b"<fpage>63</fpage>", b"<bogus>63</bogus>"))
    broken = folder / "broken" / "not-well-formed.xml"
    write(broken, b"<?xml version='1.0'?>\n<article>\n  <front>\n</article>\n")
    clock.now += 3600
    report, err = load(folder, store_settings, store)
    assert len(report.rejected) == 2 and len(report.problems) >= 2
    seed_line = next(line for line in report.problems if "5763.xml" in line)
    # file:line:col: message (the DTD validator names the line of the element that holds it)
    assert int(seed_line.split(":")[1]) in (11, 45) and "bogus" in seed_line, seed_line
    broken_line = next(line for line in report.problems if "not-well-formed.xml" in line)
    assert broken_line.split(":")[1] == "4", broken_line
    assert seed_line in err and broken_line in err
    assert snapshot(store) == before  # the old version of the seed is still live, unchanged


def test_two_files_of_one_record_are_refused(
    folder: Path, store_settings: Settings, store: Store
) -> None:
    shutil.copy(folder / SEED, folder / "copy-of-5763.xml")
    report, _ = load(folder, store_settings, store)
    assert report.rejected == [str(folder / SEED)]  # the second in path order
    assert len(report.problems) == 1
    assert "history/5763" in report.problems[0] and "one file per record" in report.problems[0]
    assert report.added == 6


def test_export_writes_every_live_record_back_byte_for_byte(
    folder: Path, tmp_path: Path, store_settings: Settings, store: Store
) -> None:
    load(folder, store_settings, store)
    (folder / SEED).unlink()
    load(folder, store_settings, store)
    out = tmp_path / "export"
    assert export_store(store, out, folder) == 5
    originals = {p.relative_to(folder): p.read_bytes() for p in xml_files(folder)}
    assert {p.relative_to(out): p.read_bytes() for p in xml_files(out)} == originals


def test_export_gives_back_the_records_layout_it_was_loaded_from(
    folder: Path, tmp_path: Path, store_settings: Settings, store: Store
) -> None:
    """records/README.md: ``<series>/<year>/<issue>/<article>.xml``, also for a record
    whose file is not under the records folder (deposited, or loaded from elsewhere)."""
    load(folder, store_settings, store)
    out = tmp_path / "export"
    export_store(store, out)
    assert (out / "history" / "2023" / "04" / "5763.xml").read_bytes() == (
        folder / SEED).read_bytes()
    again = open_store(f"sqlite:///{tmp_path / 'again.sqlite3'}")
    try:
        load(out, store_settings, again)
        assert {i for i, _ in again.iter_identifiers()} == {i for i, _ in store.iter_identifiers()}
        for identifier, _ in store.iter_identifiers():
            assert again.source(identifier) == store.source(identifier)
    finally:
        again.close()


def test_export_paths_stay_inside_the_folder(tmp_path: Path) -> None:
    assert export_path(tmp_path, "history/5763") == tmp_path / "history" / "5763.xml"
    assert export_path(tmp_path, "10.5555/abc.1") == tmp_path / "10.5555" / "abc.1.xml"
    assert tmp_path in export_path(tmp_path, "../../etc/passwd").parents


def test_the_command_line(
    folder: Path, tmp_path: Path, store_url: str, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("JATS_OAI_INSTANCE_DIR", str(tmp_path / "instance"))
    monkeypatch.setenv("JATS_OAI_DATABASE_URL", store_url)
    assert main(["records", "load", str(folder)]) == 0
    assert "6 added" in capsys.readouterr().out
    assert main(["records", "load", str(folder)]) == 0
    assert "6 unchanged" in capsys.readouterr().out
    write(folder / "bad.xml", b"<article>")
    assert main(["records", "load", str(folder)]) == 1
    captured = capsys.readouterr()
    assert "bad.xml:1:" in captured.err and "1 rejected" in captured.out
    assert main(["records", "load", str(tmp_path / "missing")]) == 2
    assert main(["records", "export", str(tmp_path / "out")]) == 0
    assert len(xml_files(tmp_path / "out")) == 6
    capsys.readouterr()
    assert main(["store", "compact"]) == 0
    assert "compacted in" in capsys.readouterr().out
    assert main(["records", "load", str(folder)]) == 1  # the same store, bad.xml still there
    assert "6 unchanged" in capsys.readouterr().out


def test_a_full_load_applies_a_new_journal_default(
    folder: Path, store_settings: Settings, store: Store, clock: Clock
) -> None:
    """journals.toml decides the access right of records that state none, hence their sets."""
    load(folder, store_settings, store)
    toml = folder / "journals.toml"
    toml.write_text(toml.read_text() + '\ndefault_access_right = "open"\n')
    clock.now += 3600
    report, _ = load(folder, store_settings, store)
    assert report.unchanged == 6  # a plain load skips unchanged files by their hash
    report = load_folder(folder, settings=store_settings, store=store, jobs=1, full=True,
                         out=io.StringIO(), err=io.StringIO())
    assert report.changed == 1 and report.unchanged == 5
    header = store.header("history/5763")
    assert header is not None and {"driver", "open_access"} <= set(header.sets)


def test_the_summary_counts_rejected_files_not_problem_lines(
    folder: Path, store_settings: Settings, store: Store
) -> None:
    seed = folder / SEED
    data = seed.read_bytes()
    for tag in (b"fpage", b"lpage"):
        data = data.replace(b"<%s>" % tag, b"<bogus-%s>" % tag).replace(
            b"</%s>" % tag, b"</bogus-%s>" % tag
        )
    seed.write_bytes(data)
    write(folder / "broken.xml", b"<article>")
    report, _ = load(folder, store_settings, store)
    assert sorted(report.rejected) == sorted([str(seed), str(folder / "broken.xml")])
    assert len(report.problems) > len(report.rejected)
    assert report.line().endswith(", 2 rejected")
    assert report.files == 7 and report.added == 5


def test_a_full_load_renders_again_after_public_url_changes(
    folder: Path, store_settings: Settings, store: Store, clock: Clock
) -> None:
    """URLs are baked into the payloads: a new public_url reaches harvesters through --full,
    as new payloads with new datestamps (OAI-PMH 2.7.1), and only through it."""
    load(folder, store_settings, store)
    before, seq = snapshot(store), store.current_seq()
    old_url, new_url = b"http://127.0.0.1:5000/", b"https://journals.example.org/"
    assert all(old_url in payloads(store, i) for i in before)  # e.g. the MARC 856 link
    moved = replace(store_settings, public_url=new_url.decode().rstrip("/"))
    clock.now += 3600
    # A plain load skips unchanged files by their hash, without parsing them (these settings
    # have no schemas: any file it parsed would be rejected).
    blind = replace(moved, schema_dir=folder / "no-schemas")
    report, _ = load(folder, blind, store)
    assert (report.unchanged, report.changed, report.rejected) == (6, 0, [])
    assert snapshot(store) == before and store.current_seq() == seq

    report = load_folder(folder, settings=moved, store=store, jobs=1, full=True,
                         out=io.StringIO(), err=io.StringIO())
    assert (report.added, report.changed, report.unchanged, report.rejected) == (0, 6, 0, [])
    after = snapshot(store)
    assert set(after) == set(before)
    for identifier, (stamp, deleted, sets, chash) in after.items():
        assert stamp == before[identifier][0] + timedelta(hours=1), identifier
        assert (deleted, sets, chash) == before[identifier][1:]
    for identifier in after:
        assert new_url in payloads(store, identifier) and old_url not in payloads(store, identifier)
    for prefix in store.formats_of("history/5763"):
        w = Window(prefix, None, None, None, store.current_seq())
        fragments = {ident: bytes(f) for _, ident, _, f, _ in store.list_framed(w, None, 100)}
        assert set(fragments) == set(after)
        assert store.payload("history/5763", prefix) in fragments["history/5763"]
        assert all(old_url not in f for f in fragments.values())

    seq = store.current_seq()
    clock.now += 3600
    report = load_folder(folder, settings=moved, store=store, jobs=1, full=True,
                         out=io.StringIO(), err=io.StringIO())
    assert (report.changed, report.unchanged) == (0, 6)
    assert snapshot(store) == after and store.current_seq() == seq


def test_a_large_load_settles_the_store_itself_and_asks_for_no_manual_step(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Issue 19: "a service must keep itself fast": no advice to stop the server and compact;
    the load settles the store (online) once it has written a large share."""
    from app.cli import records
    from app.store.sqlite import SqliteStore

    settled: list[int] = []
    monkeypatch.setenv("JATS_OAI_INSTANCE_DIR", str(tmp_path / "instance"))
    monkeypatch.setattr(records, "SETTLE_AFTER", 6)
    monkeypatch.setattr(SqliteStore, "settle", lambda self: settled.append(1))
    assert main(["records", "load", str(folder)]) == 0
    assert "compact" not in capsys.readouterr().out
    assert settled == [1]
    assert main(["records", "load", str(folder)]) == 0  # nothing written: nothing to settle
    assert settled == [1]
