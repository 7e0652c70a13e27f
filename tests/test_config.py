"""Settings: defaults that work on a fresh checkout, overridden by the instance file and the
environment, and a start-up that refuses to run without the official schemas."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.config import load_settings
from app.factory import create_app
from app.jats.schemas import SchemaMissingError


def test_defaults_find_the_schemas_and_keep_the_store_in_the_instance_folder(
    tmp_path: Path,
) -> None:
    settings = load_settings(instance_dir=tmp_path)
    assert (settings.schema_dir / "oai-pmh" / "OAI-PMH.xsd").is_file()
    assert settings.effective_database_url == f"sqlite:///{tmp_path / 'jats-oai.sqlite3'}"
    assert settings.oai_page_size == 100
    assert settings.max_upload_bytes == 20 * 1024 * 1024


def test_the_environment_wins_over_the_instance_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "config.toml").write_text(
        'repository_name = "From the file"\noai_page_size = 250\n', encoding="utf-8"
    )
    monkeypatch.setenv("JATS_OAI_INSTANCE_DIR", str(tmp_path))
    monkeypatch.setenv("JATS_OAI_OAI_PAGE_SIZE", "300")
    settings = load_settings()
    assert settings.repository_name == "From the file"
    assert settings.oai_page_size == 300


def test_an_unknown_setting_is_refused(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('page_size = 5\n', encoding="utf-8")
    with pytest.raises(ValueError, match="page_size"):
        load_settings(instance_dir=tmp_path)


def test_every_worker_signs_with_the_same_secret(tmp_path: Path) -> None:
    first = load_settings(instance_dir=tmp_path).secret_key
    assert len(first) == 64
    assert load_settings(instance_dir=tmp_path).secret_key == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_the_app_stops_at_start_up_naming_a_missing_schema(
    tmp_path: Path, schema_dir: Path
) -> None:
    partial = tmp_path / "schemas"
    shutil.copytree(schema_dir, partial)
    (partial / "marc21" / "MARC21slim.xsd").unlink()
    settings = load_settings(instance_dir=tmp_path / "instance", schema_dir=partial)
    with pytest.raises(SchemaMissingError, match="MARC21slim.xsd"):
        create_app(settings)


def _cli(
    args: list[str], env: dict[str, str], stdin: bytes = b""
) -> subprocess.CompletedProcess[bytes]:
    """The installed ``jats-oai`` with only ``env`` set, as an administrator would run it."""
    return subprocess.run(
        [str(Path(sys.executable).with_name("jats-oai")), *args], input=stdin,
        capture_output=True, env={"PATH": "/usr/bin:/bin", **env}, timeout=60,
    )


def test_the_command_line_stops_naming_a_missing_schema(tmp_path: Path) -> None:
    result = _cli(["validate", "-"], {"JATS_OAI_SCHEMA_DIR": str(tmp_path / "nowhere")},
                  stdin=b"<article/>")
    assert result.returncode == 2
    assert b"schema file missing" in result.stderr
    assert str(tmp_path / "nowhere").encode() in result.stderr


def test_a_setting_that_is_not_a_number_is_refused_by_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JATS_OAI_OAI_PAGE_SIZE", "a hundred")
    with pytest.raises(ValueError, match="oai_page_size must be a whole number"):
        load_settings(instance_dir=tmp_path)


def test_a_config_file_that_is_not_toml_is_named(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text("[oai\n", encoding="utf-8")
    with pytest.raises(ValueError, match="config.toml is not valid TOML"):
        load_settings(instance_dir=tmp_path)


def test_the_command_line_names_a_bad_setting_without_a_traceback(tmp_path: Path) -> None:
    result = _cli(["records", "export", str(tmp_path / "out")],
                  {"JATS_OAI_INSTANCE_DIR": str(tmp_path), "JATS_OAI_OAI_PAGE_SIZE": "many"})
    assert result.returncode == 2
    assert b"oai_page_size" in result.stderr
    assert b"Traceback" not in result.stderr


def test_the_command_line_names_an_unusable_database_without_a_traceback(
    tmp_path: Path,
) -> None:
    result = _cli(["records", "export", str(tmp_path / "out")],
                  {"JATS_OAI_INSTANCE_DIR": str(tmp_path), "JATS_OAI_DATABASE_URL": "mysql://db/x"})
    assert result.returncode == 2
    assert b"unsupported database URL" in result.stderr
    assert b"Traceback" not in result.stderr
