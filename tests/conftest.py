"""Shared fixtures: settings pointing at a temporary instance, the schema and corpus folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.config import REPO_ROOT, Settings, load_settings


@pytest.fixture(scope="session")
def schema_dir() -> Path:
    """The official schemas, from the same setting the service reads."""
    return load_settings().schema_dir


@pytest.fixture(scope="session")
def corpus_dir(schema_dir: Path) -> Path:
    """Real publishers' JATS, kept beside the schemas and never copied into the repository."""
    path = schema_dir.parent / "corpus"
    assert path.is_dir(), f"the JATS corpus is missing: {path}"
    return path


@pytest.fixture(scope="session")
def records_dir() -> Path:
    return REPO_ROOT / "records"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with a private instance folder, so tests never touch the developer's store."""
    return load_settings(instance_dir=tmp_path / "instance")
