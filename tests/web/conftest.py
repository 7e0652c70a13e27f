"""The web tests' app: the real app on a real store holding the seed and two accounts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from app.cli import main as cli_main
from tests.web_support import EDITOR, Web, web_app

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page


@pytest.fixture
def web_settings() -> dict[str, object]:
    """The settings a module's app differs by; a module overrides this fixture."""
    return {}


@pytest.fixture
def web(tmp_path: Path, store_url: str, web_settings: dict[str, object]) -> Iterator[Web]:
    with web_app(tmp_path, store_url, **web_settings) as built:
        yield built


@pytest.fixture
def api_token(web: Web, monkeypatch: pytest.MonkeyPatch,
              capsys: pytest.CaptureFixture[str]) -> str:
    """An editor's API token made the way an administrator makes one: ``jats-oai users token``."""
    monkeypatch.setenv("JATS_OAI_INSTANCE_DIR", str(web.settings.instance_dir))
    monkeypatch.setenv("JATS_OAI_DATABASE_URL", web.settings.database_url)
    capsys.readouterr()
    assert cli_main(["users", "token", EDITOR]) == 0
    return capsys.readouterr().out.strip()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    opened = context.new_page()
    opened.set_default_timeout(20_000)
    yield opened
    context.close()
