"""``jats-oai records status``: the records a format declined, each with the reason."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.cli import main

SEED = Path("history/2023/04/5763.xml")
MINIMAL_14 = Path(__file__).parents[1] / "data" / "minimal-jats-1.4-no-doctype.xml"


def jats_14_only() -> bytes:
    """A valid JATS 1.4 article using <content-language>, an element JATS 1.4 added: it
    cannot be given as JATS 1.3 Archiving."""
    return MINIMAL_14.read_bytes().replace(
        b"<pub-date ", b"<content-language>en</content-language>\n      <pub-date ", 1)


def test_status_lists_records_left_out_of_jats_with_the_reason(
    tmp_path: Path, records_dir: Path, store_url: str,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    folder = tmp_path / "records"
    (folder / SEED.parent).mkdir(parents=True)
    shutil.copy(records_dir / SEED, folder / SEED)
    shutil.copy(records_dir / "journals.toml", folder / "journals.toml")
    (folder / "newer.xml").write_bytes(jats_14_only())
    monkeypatch.setenv("JATS_OAI_INSTANCE_DIR", str(tmp_path / "instance"))
    monkeypatch.setenv("JATS_OAI_DATABASE_URL", store_url)
    assert main(["records", "load", str(folder)]) == 0
    capsys.readouterr()
    assert main(["records", "status"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "2 live records; 1 given in every format"
    assert lines[1] == "1 not given as jats"
    assert lines[3].startswith("store: ")
    assert ": not given as jats: the article is not valid against the JATS 1.3 Archiving" \
        in lines[2]
    assert "content-language" in lines[2]
    assert "history/5763" not in lines[2]
