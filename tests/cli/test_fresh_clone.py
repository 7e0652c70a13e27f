"""The README's first command on a machine where nothing sits beside the repository: a fresh
clone without ../shared, `make run` against a schema mirror on 127.0.0.1, until Identify
answers (OAI-PMH 2.0 section 4.2); a second `make run` downloads nothing.
Figures (seconds until Identify answers): `python -m bench.first_run`."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.jats.fetch import load_manifest
from tests.first_run import clone_without_shared, make_run
from tests.server import free_port

pytestmark = [pytest.mark.slow, pytest.mark.server]


def test_make_run_on_a_fresh_clone_fetches_the_schemas_once_and_serves(
    schema_mirror: str, tmp_path: Path
) -> None:
    clone = clone_without_shared(tmp_path)
    first = make_run(clone, schema_mirror, free_port(), tmp_path / "first.log")
    assert b"<Identify>" in first.identify
    assert f"fetching {len(load_manifest().files)} schema files" in first.output
    assert (clone / "instance" / "schemas" / "catalog.xml").is_file()
    assert (clone / "instance" / "config.toml").is_file()
    assert "Traceback" not in first.output

    second = make_run(clone, schema_mirror, free_port(), tmp_path / "second.log")
    assert b"<Identify>" in second.identify
    assert "nothing to download" in second.output
    assert "fetching" not in second.output
