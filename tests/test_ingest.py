"""One path from JATS bytes to a stored record: what every door (folder, form, API, preview)
shares, so a preview shows exactly what a harvester will get."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from urllib.parse import unquote, urlsplit

from lxml import etree

from app import ingest
from app.config import Settings
from app.crosswalks.registry import Document, formats
from app.ingest import Prepared
from app.jats.article import read_article
from app.jats.model import Article, LangText

DOI_ID = "10.1002/(sici)1097-4571(199806)49:8<693::aid-asi4>3.0.co;2-0"


def test_links_to_an_identifier_with_reserved_characters_round_trip(settings: Settings) -> None:
    """A DOI-derived identifier keeps its '<', ';' and '%' through the URL and back."""
    for url in (ingest.article_url(settings, DOI_ID), ingest.jats_url(settings, DOI_ID)):
        path = urlsplit(url).path
        assert "<" not in path and " " not in path
        assert unquote(path).endswith(DOI_ID)


def test_the_preview_context_is_the_loaders(settings: Settings, records_dir: Path) -> None:
    seed = (records_dir / "history" / "2023" / "04" / "5763.xml").read_bytes()
    prepared = ingest.prepare(seed, settings=settings, origin=None)
    assert isinstance(prepared, Prepared)
    preview = ingest.context_for(prepared.article, settings)
    assert preview.oai_identifier == "oai:journals.bsu.by:history/5763"
    assert preview.landing_url == "https://journals.bsu.by/index.php/history/article/view/5763"
    assert preview.default_access_right is None
    document = Document(etree.fromstring(seed), read_article(etree.fromstring(seed)))
    rendered, _ = ingest.render_all(document, preview)
    assert rendered["oai_dc"] == prepared.draft.formats["oai_dc"]


def test_a_journal_default_access_right_reaches_the_records(settings: Settings) -> None:
    article = Article(titles=(LangText("A title"),), journal_ids=(("publisher-id", "x"),))
    stated = ingest.render_context(article, settings, {"default_access_right": "open"})
    silent = ingest.render_context(article, settings, {})
    assert stated.default_access_right == "open"
    assert silent.default_access_right is None


def test_a_new_public_url_changes_the_links_in_every_rendering(
    settings: Settings, records_dir: Path
) -> None:
    seed = (records_dir / "history" / "2023" / "04" / "5763.xml").read_bytes()
    moved = replace(settings, public_url="https://oai.example.org")
    first = ingest.prepare(seed, settings=settings, origin=None)
    second = ingest.prepare(seed, settings=moved, origin=None)
    assert isinstance(first, Prepared) and isinstance(second, Prepared)
    assert first.draft.summary["article_url"] != second.draft.summary["article_url"]
    assert str(second.draft.summary["article_url"]).startswith("https://oai.example.org/")
    assert set(first.draft.formats) == set(second.draft.formats) <= set(formats())
