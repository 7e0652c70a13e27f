"""The round trip: this service's own ``jats`` format, harvested into another collection,
gives back the same records (same identifiers, same article as the service reads it)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from lxml import etree

from app.config import load_settings
from app.identifiers import local_identifier
from app.importer.harvest import Harvest
from app.jats.article import read_article
from app.jats.model import Article
from app.jats.validation import validate_file
from tests.server import RunningServer, write_generated

pytestmark = pytest.mark.server


def _articles(folder: Path) -> dict[str, Article]:
    found = {}
    for path in folder.rglob("*.xml"):
        report = validate_file(path)
        assert report.valid, (path, report.errors)
        article = read_article(report.root)
        found[local_identifier(article)] = replace(article, dtd_version=None)
    return found


def test_harvesting_our_own_jats_into_another_collection_yields_the_same_records(
        live_server: RunningServer, tmp_path: Path) -> None:
    source = tmp_path / "source"
    write_generated(source, 12)
    live_server.load(source)
    into = tmp_path / "copy"
    settings = load_settings(instance_dir=tmp_path / "instance")
    summary = Harvest(live_server.oai_url, into, settings=settings, prefix="jats").run()
    assert summary.refused == []
    assert summary.added == 12
    assert _articles(into) == _articles(source)
    some = next(into.rglob("*.xml"))
    meta = etree.parse(str(some)).getroot().find("front/article-meta")
    provenance = {c.findtext("meta-name"): c.findtext("meta-value")
                  for c in meta.iterfind("custom-meta-group/custom-meta")}
    assert provenance["baseURL"] == live_server.oai_url
    assert provenance["identifier"].startswith("oai:")
