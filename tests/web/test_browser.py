"""A librarian's and an editor's day in a real browser against the real server.

Chromium from the Debian packages, driven headless by Playwright, talks to ``jats-oai serve``
in a subprocess: an invalid file shows its errors; the editor signs in, deposits a valid file
that then appears on its issue page and in ``ListRecords`` (read by Sickle, a real
harvester), and withdraws it, after which OAI-PMH gives its header with
``status="deleted"`` (OAI-PMH 2.0, section 2.5.1). Screenshots of the validation report
and of the article page are kept under ``test-artifacts/`` (not in git).
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sickle import Sickle

from app.config import REPO_ROOT
from tests.server import RunningServer, command, start_server
from tests.web_support import ARTIFACTS, PASSWORD, SEED_ID, broken_seed, variant

if TYPE_CHECKING:  # imported in the fixture, after the check that Chromium is there
    from playwright.sync_api import Page

pytestmark = [pytest.mark.browser, pytest.mark.server]

EDITOR = "editor"
NEW_ID = "history/6001"
NEW_TITLE = "Grain exports through Odessa in 1925: a case study"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    folder = tmp_path_factory.mktemp("browser")
    running = start_server(folder / "instance", f"sqlite:///{folder / 'store.sqlite3'}")
    try:
        running.load(REPO_ROOT / "records")
        made = subprocess.run(
            command("users", "add", EDITOR, "--password-stdin"), env=running.env,
            input=PASSWORD + "\n", capture_output=True, text=True, timeout=120,
        )
        assert made.returncode == 0, made.stderr
        yield running
    finally:
        running.stop()






def test_an_invalid_file_shows_its_errors(
    server: RunningServer, page: Page, tmp_path: Path
) -> None:
    data, line = broken_seed()
    path = tmp_path / "broken.xml"
    path.write_bytes(data)
    page.goto(f"{server.url}/validate")
    page.set_input_files("#file", str(path))
    page.get_by_role("button", name="Validate").click()
    page.wait_for_selector(".verdict")
    assert page.inner_text(".verdict").startswith("Not valid")
    problem = page.locator("li.problem", has_text=f"Line {line}")
    assert "shelf-mark" in problem.inner_text()
    assert "<shelf-mark>B-17</shelf-mark>" in problem.locator("mark").inner_text()
    assert page.inner_text("#preview-heading") == "What harvesters would get"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "validation-report.png"), full_page=True)


def test_the_seed_article_page(server: RunningServer, page: Page) -> None:
    page.goto(f"{server.url}/articles/{SEED_ID}")
    assert page.locator("h1").count() == 1
    assert page.inner_text("h1").startswith("The evolution of the Soviet")
    assert page.locator("meta[name=citation_author]").count() == 2
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "article-page.png"), full_page=True)


def test_an_editor_deposits_finds_and_withdraws_an_article(
    server: RunningServer, page: Page, tmp_path: Path
) -> None:
    path = tmp_path / "6001.xml"
    path.write_bytes(variant("6001", fpage="5", lpage="17", title=NEW_TITLE))
    harvester = Sickle(server.oai_url)

    page.goto(f"{server.url}/")
    page.get_by_role("link", name="Editor sign-in").click()
    page.fill("#name", EDITOR)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    assert f"Signed in as {EDITOR}" in page.inner_text(".flash")

    page.get_by_role("link", name="Deposit").click()
    page.set_input_files("#file", str(path))
    page.get_by_role("button", name="Deposit").click()
    page.wait_for_selector("h1")
    assert page.inner_text("h1") == NEW_TITLE
    assert "live in OAI-PMH" in page.inner_text(".flash")

    page.get_by_role("link", name="2023, no. 4").click()
    titles = page.locator("ol.toc a.title").all_inner_texts()
    assert titles[0] == NEW_TITLE and len(titles) >= 2

    oai_id = f"oai:journals.bsu.by:{NEW_ID}"
    listed = {r.header.identifier: r for r in
              harvester.ListRecords(metadataPrefix="oai_dc", set="history:2023-4")}
    assert oai_id in listed and not listed[oai_id].header.deleted
    assert listed[oai_id].metadata["title"] == [NEW_TITLE]

    page.goto(f"{server.url}/articles/{NEW_ID}")
    page.check("input[name=confirm]")
    page.get_by_role("button", name="Withdraw").click()
    page.wait_for_selector("h1")
    assert page.inner_text("h1") == "This article was withdrawn"

    header = harvester.GetRecord(identifier=oai_id, metadataPrefix="oai_dc").header
    assert header.deleted
    listed = {h.identifier: h for h in
              harvester.ListIdentifiers(metadataPrefix="oai_dc", set="history")}
    assert listed[oai_id].deleted and not listed[f"oai:journals.bsu.by:{SEED_ID}"].deleted
