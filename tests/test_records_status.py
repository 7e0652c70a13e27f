"""``jats-oai records status``: the records a format declined, each with the reason."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.cli import main

SEED = Path("history/2023/04/5763.xml")
# Valid NLM 3.0 Publishing whose OASIS table sits where JATS 1.3 no longer allows it.
NOT_JATS_13 = "jats-real/copernicus-asr-12-23-2015.xml"


def test_status_lists_records_left_out_of_jats_with_the_reason(
    tmp_path: Path, records_dir: Path, corpus_dir: Path, store_url: str,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    folder = tmp_path / "records"
    (folder / SEED.parent).mkdir(parents=True)
    shutil.copy(records_dir / SEED, folder / SEED)
    shutil.copy(records_dir / "journals.toml", folder / "journals.toml")
    shutil.copy(corpus_dir / NOT_JATS_13, folder / "copernicus.xml")
    monkeypatch.setenv("JATS_OAI_INSTANCE_DIR", str(tmp_path / "instance"))
    monkeypatch.setenv("JATS_OAI_DATABASE_URL", store_url)
    assert main(["records", "load", str(folder)]) == 0
    capsys.readouterr()
    assert main(["records", "status"]) == 0
    served, *lines = capsys.readouterr().out.splitlines()
    assert served == f"2 records served from {store_url}"
    assert lines[0] == "2 live records; 1 given in every format"
    assert lines[1] == "1 not given as jats"
    assert lines[3] == "no file was rejected by the last loads"
    assert ": not given as jats: the article is not valid against the JATS 1.3 Archiving" \
        in lines[2]
    assert "oasis-exchange/table}table" in lines[2]
    assert "history/5763" not in lines[2]
