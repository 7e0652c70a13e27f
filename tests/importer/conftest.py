"""Fixtures of the import tests: an OJS-like OAI-PMH server with the History series' articles."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.config import Settings, load_settings
from tests.importer.ojs_oai import Author, OjsArticle, OjsOaiServer

JOURNAL = {
    "en-US": "Journal of the Belarusian State University. History",
    "ru-RU": "Журнал Белорусского государственного университета. История",
}


def history_article(n: int, **changes: object) -> OjsArticle:
    """The n-th article of issue 4 (2023): Russian and English metadata, as OJS gives it."""
    fields: dict[str, object] = dict(
        id=5760 + n,
        datestamp=f"2023-12-20T10:00:0{n}Z",
        titles={"ru-RU": f"Советско-американское сотрудничество, часть {n}",
                "en-US": f"Soviet-American cooperation, part {n}"},
        authors=[Author("Петеченко", "Григорий А.", "Белорусский государственный университет"),
                 Author("Shabasava", "Maryna A.", "Belarusian State University",
                        "https://orcid.org/0000-0002-1825-0097")],
        abstracts={"ru-RU": f"<p>Цель статьи {n}.</p><p>Второй абзац.</p>",
                   "en-US": f"The aim of article {n}."},
        keywords={"ru-RU": ["нэп", "концессия"], "en-US": ["new economic policy", "concession"]},
        journal=JOURNAL,
        issue={"en-US": "No. 4 (2023)", "ru-RU": "№ 4 (2023)"},
        pages=f"{60 + 10 * n}-{69 + 10 * n}",
        language="rus",
        rights={"en-US": "Copyright (c) 2023 Journal of the Belarusian State University. History"},
        license_url="https://creativecommons.org/licenses/by-nc/4.0",
    )
    fields.update(changes)
    return OjsArticle(**fields)  # type: ignore[arg-type]


@pytest.fixture
def ojs() -> Iterator[OjsOaiServer]:
    """Five articles of the History series, two per page, the last one deleted."""
    server = OjsOaiServer("history", page_size=2)
    for n in range(1, 5):
        server.put(history_article(n))
    server.put(history_article(5, deleted=True))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def import_settings(tmp_path: Path) -> Settings:
    return load_settings(instance_dir=tmp_path / "instance", records_dir=tmp_path / "records")
