"""``jats-oai store check``, ``backup`` and ``restore`` (issue 14): integrity is verified
from the database itself, and a backup carries records, their history, accounts and the
audit trail from one store to another, SQLite and PostgreSQL alike."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.cli import main as cli_main
from app.factory import open_store
from app.ingest import REQUIRED_FORMAT, Prepared, commit, prepare
from app.store import integrity
from app.store.base import Window
from app.store.sql import SqlStore
from app.web.passwords import hash_password
from tests.web_support import ADMIN, EDITOR, SEED_ID, Web, variant, web_app


@pytest.fixture
def stocked(tmp_path: Path, store_url: str) -> Iterator[Web]:
    """The seed, two editors' deposits (one replaced, one withdrawn) and an audit trail."""
    with web_app(tmp_path, store_url) as built:
        store = built.store
        for number, lpage, actor in (("9201", "70", EDITOR), ("9201", "71", EDITOR),
                                     ("9202", "72", ADMIN)):
            prepared = prepare(variant(number, lpage=lpage), settings=built.settings,
                               origin="deposit")
            assert isinstance(prepared, Prepared)
            commit(store, prepared, actor=actor)
        store.withdraw("history/9202", actor=ADMIN)
        store.audit("command line", "add editor", EDITOR)
        store.add_token(EDITOR, "0" * 64)
        yield built


def _cli(stocked: Web, monkeypatch: pytest.MonkeyPatch, *argv: str) -> int:
    monkeypatch.setenv("JATS_OAI_INSTANCE_DIR", str(stocked.settings.instance_dir))
    monkeypatch.setenv("JATS_OAI_DATABASE_URL", stocked.settings.database_url)
    return cli_main(list(argv))


def test_a_sound_store_checks_clean(
    stocked: Web, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _cli(stocked, monkeypatch, "store", "check") == 0
    assert "the store is sound: 2 live records" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("damage", "finding"),
    [
        ("DELETE FROM framed_records WHERE identifier = 'history/5763'",
         "has no current harvest fragment"),
        ("DELETE FROM record_formats WHERE identifier = 'history/5763' AND prefix = 'oai_dc'",
         "without its oai_dc format"),
        ("DELETE FROM record_sets WHERE identifier = 'history/5763'", "its sets disagree"),
        ("INSERT INTO versions (identifier, content_hash, source, stored_at)"
         " VALUES ('gone/1', 'x', ?, 0)", "orphan rows in versions"),
        ("UPDATE records SET content_hash = 'x' WHERE identifier = 'history/5763'",
         "does not match its content hash"),
        ("UPDATE records SET seq = seq + 1000 WHERE identifier = 'history/5763'",
         "past the store's"),
    ],
)
def test_each_kind_of_damage_is_found_and_fails_the_check(
    stocked: Web, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    damage: str, finding: str,
) -> None:
    store = stocked.store
    assert isinstance(store, SqlStore)
    with store._writer() as db:
        db.execute(damage, (b"x",) if "?" in damage else ())
    assert _cli(stocked, monkeypatch, "store", "check") == 1
    assert finding in capsys.readouterr().out


def _everything(store: SqlStore) -> tuple:
    """All a person could notice: harvests, sources, history, accounts, tokens, audit."""
    window = Window(None, None, None, None, store.current_seq())
    headers = [h for h, _ in store.list_page(window, None, 1000, False)]
    framed = store.list_framed(Window("oai_dc", None, None, None, store.current_seq()),
                               None, 1000)
    return (
        headers,
        [(r[0], r[1], bool(r[2]), r[3]) for r in framed],
        {h.identifier: (store.source(h.identifier), store.history(h.identifier),
                        store.formats_of(h.identifier)) for h in headers},
        store.old_source("history/9201", store.history("history/9201")[0].content_hash),
        store.users(),
        store.user_for_token("0" * 64),
        store.audit_trail(),
        store.sets(),
    )


@pytest.mark.parametrize("target_kind", ["same", "sqlite"])
def test_backup_and_restore_round_trip(
    stocked: Web, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, target_kind: str
) -> None:
    """Restored into an empty store (of the same kind, or SQLite), everything is back:
    the store checks clean and a second backup is the same file, byte for byte."""
    source = stocked.store
    assert isinstance(source, SqlStore)
    before = _everything(source)
    backup = tmp_path / "store.jsonl"
    assert _cli(stocked, monkeypatch, "store", "backup", str(backup)) == 0
    if target_kind == "same":
        source.add_user("intruder", hash_password("not in the backup"))
        assert _cli(stocked, monkeypatch, "store", "restore", str(backup)) == 2  # needs --yes
        assert _cli(stocked, monkeypatch, "store", "restore", "--yes", str(backup)) == 0
        target = source
    else:
        target = open_store(f"sqlite:///{tmp_path / 'restored.sqlite3'}")
        with backup.open(encoding="utf-8") as lines:
            integrity.restore(target, lines)  # type: ignore[arg-type]
    try:
        assert isinstance(target, SqlStore)
        assert integrity.check(target, (REQUIRED_FORMAT,)) == []
        assert _everything(target) == before
        assert target.user("intruder") is None
        again = io.StringIO()
        integrity.write_backup(target, again)
        assert again.getvalue() == backup.read_text(encoding="utf-8")
        assert target.header(SEED_ID) is not None
    finally:
        if target is not source:
            target.close()


def test_a_damaged_backup_changes_nothing(
    stocked: Web, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = stocked.store
    assert isinstance(store, SqlStore)
    before = _everything(store)
    backup = tmp_path / "store.jsonl"
    assert _cli(stocked, monkeypatch, "store", "backup", str(backup)) == 0
    backup.write_text(backup.read_text(encoding="utf-8") + "{not json\n", encoding="utf-8")
    assert _cli(stocked, monkeypatch, "store", "restore", "--yes", str(backup)) == 1
    assert _everything(store) == before
