"""Adding a metadata format is one new module listed in the registry (docs/architecture.md,
"How to add a metadata format"):
the pipeline renders and stores it, ``jats-oai convert`` offers it, and the schemas the
service publishes are found through the registry."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import ingest
from app.cli import convert
from app.config import Settings
from app.crosswalks import registry
from app.crosswalks.registry import Document, MetadataFormat, RenderContext

MODULE = "tests_extra_format"
PREFIX = "extra_dc"


def _render(document: Document, context: RenderContext) -> bytes:
    title = document.article.title.replace("&", "&amp;").replace("<", "&lt;")
    return f'<extra xmlns="urn:example:extra"><title>{title}</title></extra>'.encode()


@pytest.fixture
def extra_format(monkeypatch: pytest.MonkeyPatch) -> Iterator[MetadataFormat]:
    fmt = MetadataFormat(prefix=PREFIX, namespace="urn:example:extra",
                         schema_location="https://example.org/extra.xsd",
                         schema_file="extra/extra.xsd", render=_render)
    module = types.ModuleType(MODULE)
    module.FORMAT = fmt  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, MODULE, module)
    monkeypatch.setattr(registry, "FORMAT_MODULES", (*registry.FORMAT_MODULES, MODULE))
    monkeypatch.setattr(registry, "_formats", None)
    yield fmt
    registry._formats = None


def test_a_listed_module_is_a_registered_format(extra_format: MetadataFormat) -> None:
    assert list(registry.formats())[-1] == PREFIX
    assert registry.formats()[PREFIX] is extra_format


def test_the_pipeline_renders_every_registered_format(
    extra_format: MetadataFormat, settings: Settings, records_dir: Path
) -> None:
    seed = (records_dir / "history" / "2023" / "04" / "5763.xml").read_bytes()
    prepared = ingest.prepare(seed, settings=settings, origin=None)
    assert isinstance(prepared, ingest.Prepared)
    assert prepared.draft.formats[PREFIX].startswith(b'<extra xmlns="urn:example:extra">')
    assert "oai_dc" in prepared.draft.formats


def test_convert_lists_every_registered_format(
    extra_format: MetadataFormat, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert convert._list(settings) == convert.EXIT_VALID
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == f"{PREFIX}\turn:example:extra\thttps://example.org/extra.xsd"
    assert [line.split("\t")[0] for line in lines] == list(registry.formats())


def test_a_derived_schema_is_published_through_its_format() -> None:
    jats = registry.formats()["jats"]
    found = registry.published_schema(jats.schema_location)
    assert found is not None and found[0] is jats
    assert found[1] == jats.schema_location.rpartition("/")[2]
    assert registry.published_schema("/schemas/nothing-here/x.xsd") is None
