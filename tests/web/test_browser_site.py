# ruff: noqa: F811
"""The reader's site in a real browser: search, filters, pages, languages, article page.

Chromium, driven headless by Playwright, against ``jats-oai serve`` with the seed, 250
generated articles of one series and a corpus article that names its full text. Each check
is one point of the issue "A site the journal's readers and librarians use"; screenshots go
to ``test-artifacts/`` (not in git) and axe-core checks accessibility on each kind of page.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

# the Chromium fixtures of the first browser module, shared (ruff sees them as redefined)
from app.config import REPO_ROOT
from tests.server import RunningServer, start_server
from tests.web_support import ARTIFACTS

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.browser, pytest.mark.server]

SERIES = "synth-economics"
SERIES_SIZE = 250
FULL_TEXT = "jats-real/copernicus-gh-69-313-2014.xml"


def _one_series(folder: Path) -> None:
    """250 generated articles of one journal, named as a series in ``journals.toml`` by the
    ISSNs they state (a series is identified by its ISSN, so the deployer names its slug)."""
    from tests.generator import iter_records

    kept = 0
    issns: set[str] = set()
    for name, data in iter_records(2000, 7):
        if name.startswith(SERIES + "/") and kept < SERIES_SIZE:
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            issns.update(re.findall(rb"<issn[^>]*>([^<]+)</issn>", data))
            kept += 1
    assert kept == SERIES_SIZE
    listed = ", ".join(f'"{issn.decode()}"' for issn in sorted(issns))
    with (folder / "journals.toml").open("a", encoding="utf-8") as toml:
        toml.write(f'\n[{SERIES}]\nname.en = "Synthetic economics"\nissn = [{listed}]\n')


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path) -> Iterator[RunningServer]:
    folder = tmp_path_factory.mktemp("site")
    collection = folder / "collection"
    shutil.copytree(REPO_ROOT / "records", collection)
    _one_series(collection)
    (collection / "corpus").mkdir()
    shutil.copy(corpus_dir / FULL_TEXT, collection / "corpus" / Path(FULL_TEXT).name)
    running = start_server(folder / "instance", f"sqlite:///{folder / 'store.sqlite3'}",
                           rate_limit_per_minute=100_000)
    try:
        loaded = running.load(collection)
        assert loaded.returncode == 0, loaded.stderr
        yield running
    finally:
        running.stop()


def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _no_serious_violations(page: Page) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    serious = [v["id"] for v in results.response["violations"]
               if v.get("impact") in ("serious", "critical")]
    assert serious == [], results.generate_report()


def test_a_russian_search_finds_a_cyrillic_record_and_marks_the_match(site: RunningServer,
                                                                       page: Page) -> None:
    page.goto(site.url + "/")
    page.get_by_role("searchbox").first.fill("государства")
    page.get_by_role("searchbox").first.press("Enter")
    first = page.locator("ol.hits li.hit").filter(has=page.locator("mark")).first
    marked = first.locator("mark").first
    assert marked.inner_text().casefold().startswith("государств")
    assert marked.evaluate("m => m.closest('[lang]').getAttribute('lang')") == "ru"
    _shot(page, "search-russian")
    _no_serious_violations(page)


def test_a_filter_narrows_the_facet_counts(site: RunningServer, page: Page) -> None:
    page.goto(site.url + "/search?q=")
    years = page.locator("#facet-year + ul li")
    before = years.count()
    total_before = page.locator("#results-heading").inner_text()
    page.locator("#facet-series + ul a", has_text=SERIES).click()
    assert page.locator("#results-heading").inner_text() != total_before
    assert f"{SERIES_SIZE}" in page.locator("#results-heading").inner_text()
    counts = [int(c.replace("\u00a0", "").replace(",", "")) for c in
              page.locator("#facet-series + ul .count").all_inner_texts()]
    assert counts == [SERIES_SIZE]
    assert years.count() <= before
    _shot(page, "search-filtered")


def test_pagination_walks_a_250_record_series(site: RunningServer, page: Page) -> None:
    page.goto(f"{site.url}/search?series={SERIES}")
    seen: list[str] = []
    while True:
        seen += page.locator("ol.hits li.hit a.title").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))")
        following = page.locator("nav.pager a[rel='next']")
        if following.count() == 0:
            break
        following.click()
    assert len(seen) == SERIES_SIZE == len(set(seen))


def test_the_switch_to_belarusian_translates_the_page_and_keeps_it(site: RunningServer,
                                                                    page: Page) -> None:
    page.goto(f"{site.url}/search?series={SERIES}&page=2")
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("link", name="Беларуская").click()
    assert page.url.endswith(f"/search?series={SERIES}&page=2")
    assert page.locator("html").get_attribute("lang") == "be"
    assert page.get_by_role("button", name="Пошук").first.is_visible()
    assert "артыкул" in page.locator("#results-heading").inner_text()
    _shot(page, "search-belarusian")
    page.goto(site.url + "/")
    assert page.locator("html").get_attribute("lang") == "be"
    assert page.get_by_role("link", name="Часопісы").first.is_visible()


def test_the_article_page_shows_licence_doi_and_full_text(site: RunningServer,
                                                          page: Page) -> None:
    page.goto(site.url + "/search?q=Identitätssuche")
    page.locator("ol.hits li.hit a.title").first.click()
    licence = page.locator(".licence a[rel='license']")
    assert "creativecommons.org" in (licence.get_attribute("href") or "")
    doi = page.locator("a.doi")
    assert (doi.get_attribute("href") or "").startswith("https://doi.org/10.5194/")
    links = page.locator("ul.full-text a")
    hrefs = links.evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert any(h.endswith(".pdf") for h in hrefs) and any(h.endswith(".html") for h in hrefs)
    assert page.locator(".access").inner_text() == "Open access"
    _shot(page, "article-full-text")
    _no_serious_violations(page)


def test_home_and_validation_pages_have_no_serious_accessibility_violations(
        site: RunningServer, page: Page) -> None:
    page.goto(site.url + "/")
    _no_serious_violations(page)
    _shot(page, "home")
    page.goto(site.url + "/validate")
    page.locator("#xml").fill("<article><oops></article>")
    page.get_by_role("button", name="Validate").click()
    assert page.locator("#report-heading").inner_text().startswith("Not well-formed: 1 problem")
    _no_serious_violations(page)
    _shot(page, "validation-report-first")
