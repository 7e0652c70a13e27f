"""`jats-oai validate` (issue 2, section 3): a human report by default, --json for scripts,
exit 0 valid / 1 invalid / 2 unusable input with the worst file winning, and a progress bar
on stderr for many files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

CLI = Path(sys.executable).with_name("jats-oai")
DATA = Path(__file__).resolve().parents[1] / "data"


def jats_oai(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(CLI), *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})


@pytest.fixture(scope="module")
def seed(records_dir: Path) -> Path:
    return records_dir / "history" / "2023" / "04" / "5763.xml"


@pytest.fixture
def broken(tmp_path: Path, seed: Path) -> Path:
    path = tmp_path / "broken.xml"
    path.write_text(seed.read_text(encoding="utf-8").replace(
        "</contrib-group>", "</contrib-group><bogus/>", 1), encoding="utf-8")
    return path


def test_seed_prints_valid_and_exits_0(seed: Path) -> None:
    result = jats_oai("validate", str(seed))
    assert result.returncode == 0, result.stderr
    assert "VALID against JATS 1.3 Archiving (MathML 3) DTD" in result.stdout


def test_broken_copy_prints_line_and_column_errors_and_exits_1(broken: Path) -> None:
    result = jats_oai("validate", str(broken))
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"{broken}: INVALID against JATS 1.3 Archiving (MathML 3) DTD (2 errors)"
    bogus_line, column = next((i, line.index("<bogus/>") + 1) for i, line
                              in enumerate(broken.read_text().splitlines(), 1)
                              if "<bogus/>" in line)
    assert any(line.startswith(f"{broken}:{bogus_line}:{column}: ")
               and "/article/front/article-meta/bogus:" in line
               and "<bogus>" in line for line in lines[1:])
    assert not any(":0:" in line for line in lines), "an unknown column is left out, never 0"


def test_unusable_input_exits_2_and_the_worst_result_wins(
    tmp_path: Path, seed: Path, broken: Path
) -> None:
    garbage = tmp_path / "garbage.xml"
    garbage.write_bytes(b"\x00\x01 not xml at all")
    result = jats_oai("validate", str(seed), str(broken), str(garbage))
    assert result.returncode == 2
    assert f"{garbage}: UNUSABLE" in result.stdout
    assert "3 files: 1 valid, 1 invalid, 1 unusable" in result.stdout
    assert jats_oai("validate", str(seed), str(broken)).returncode == 1


def test_json_output_for_scripts(seed: Path, broken: Path) -> None:
    result = jats_oai("validate", "--json", str(seed), str(broken))
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert data["summary"] == {"valid": 1, "invalid": 1, "unusable": 0}
    by_file = {r["file"]: r for r in data["files"]}
    assert by_file[str(seed)]["status"] == "valid"
    errors = by_file[str(broken)]["errors"]
    assert errors and {"line", "column", "path", "kind", "message", "raw"} <= set(errors[0])


def test_folder_is_searched_and_progress_shown_on_request(
    tmp_path: Path, seed: Path, broken: Path
) -> None:
    folder = tmp_path / "batch"
    (folder / "sub").mkdir(parents=True)
    for i in range(6):
        (folder / "sub" / f"a{i}.xml").write_bytes(seed.read_bytes())
    result = jats_oai("validate", "--progress", str(folder))
    assert result.returncode == 0, result.stdout
    assert "6 files: 6 valid, 0 invalid, 0 unusable" in result.stdout
    assert "6/6" in result.stderr and "[" in result.stderr
    quiet = jats_oai("validate", str(folder))
    assert quiet.stderr == "", "no progress bar when stderr is not a terminal"


def test_a_folder_is_searched_for_xml_in_any_case_skipping_hidden_files(
    tmp_path: Path, seed: Path, broken: Path
) -> None:
    folder = tmp_path / "issue"
    (folder / ".trash").mkdir(parents=True)
    (folder / "A.XML").write_bytes(seed.read_bytes())
    (folder / "b.xml").write_bytes(broken.read_bytes())
    (folder / "._A.xml").write_bytes(b"\x00\x05\x16\x07 resource fork")
    (folder / ".trash" / "old.xml").write_bytes(b"<article>")
    (folder / "notes.txt").write_text("not a record")
    result = jats_oai("validate", str(folder), str(folder / "A.XML"))
    assert result.returncode == 1
    assert f"{folder / 'A.XML'}: VALID" in result.stdout
    assert "2 files: 1 valid, 1 invalid, 0 unusable" in result.stdout, "each file checked once"


def test_a_folder_without_xml_is_named_and_exits_2(tmp_path: Path, seed: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    result = jats_oai("validate", str(empty))
    assert result.returncode == 2
    assert f"no .xml files in the folder {empty}" in result.stderr
    data = json.loads(jats_oai("validate", "--json", str(empty)).stdout)
    assert data == {"files": [], "summary": {"valid": 0, "invalid": 0, "unusable": 0}}
    alongside = jats_oai("validate", str(empty), str(seed))
    assert alongside.returncode == 0 and "no .xml files" in alongside.stderr


def test_a_missing_file_is_reported_not_skipped(tmp_path: Path, seed: Path) -> None:
    missing = tmp_path / "5764.xml"
    result = jats_oai("validate", str(seed), str(missing))
    assert result.returncode == 2
    assert f"{missing}: UNUSABLE" in result.stdout
    assert f"{missing}: There is no such file" in result.stdout
    assert "2 files: 1 valid, 0 invalid, 1 unusable" in result.stdout


def test_a_dash_reads_the_document_from_standard_input(seed: Path, broken: Path) -> None:
    result = subprocess.run([str(CLI), "validate", "-"], input=broken.read_bytes(),
                            capture_output=True, timeout=300)
    assert result.returncode == 1
    assert result.stdout.decode().startswith("<stdin>: INVALID")
    ok = subprocess.run([str(CLI), "validate", "--json", "-"], input=seed.read_bytes(),
                        capture_output=True, timeout=300)
    assert ok.returncode == 0
    assert json.loads(ok.stdout)["files"][0]["file"] == "<stdin>"


def test_too_large_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    big = tmp_path / "big.xml"
    with big.open("wb") as fh:
        fh.write(b"<article>")
        fh.truncate(200 * 1024 * 1024)
    result = jats_oai("validate", str(big))
    assert result.returncode == 2
    assert "too-large" in result.stdout


def test_missing_schema_stops_the_command_naming_the_file(tmp_path: Path, seed: Path) -> None:
    result = jats_oai("validate", str(seed),
                      env={"JATS_OAI_SCHEMA_DIR": str(tmp_path / "nowhere"),
                           "JATS_OAI_INSTANCE_DIR": str(tmp_path / "instance")})
    assert result.returncode == 2
    assert "schema file missing" in result.stderr and "nowhere" in result.stderr
