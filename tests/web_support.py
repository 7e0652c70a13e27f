"""What the web tests share: an app on a real store holding the seed, editors, JATS variants,
and a strict HTML checker.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from app.config import REPO_ROOT, Settings, load_settings
from app.factory import create_app, services
from app.ingest import Prepared, commit, prepare
from app.store.base import Store
from app.web.passwords import hash_password

CHROMIUM = os.environ.get("JATS_OAI_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
#: Screenshots the browser tests keep (not in git).
ARTIFACTS = REPO_ROOT / "test-artifacts"
SEED_PATH = REPO_ROOT / "records" / "history" / "2023" / "04" / "5763.xml"
SEED_ID = "history/5763"
EDITOR = "editor"
ADMIN = "chief"
PASSWORD = "a long enough password"


@dataclass
class Web:
    app: Flask
    settings: Settings
    store: Store

    def client(self) -> FlaskClient:
        return self.app.test_client()

    def login(self, client: FlaskClient, name: str = EDITOR, password: str = PASSWORD) -> None:
        token = csrf_from(client.get("/login").get_data(as_text=True))
        answer = client.post("/login", data={"name": name, "password": password,
                                             "csrf_token": token})
        assert answer.status_code == 302, answer.get_data(as_text=True)


@contextmanager
def web_app(tmp_path: Path, store_url: str, **overrides: object) -> Iterator[Web]:
    """The real app on a real store, with the seed loaded and one editor account; the store
    is closed afterwards, so a PostgreSQL test leaves no connection behind."""
    settings = load_settings(
        instance_dir=tmp_path / "instance", database_url=store_url, **overrides
    )
    app = create_app(settings)
    store = services(app).store
    try:
        prepared = prepare(SEED_PATH.read_bytes(), settings=settings, origin="records/seed")
        assert isinstance(prepared, Prepared), prepared
        commit(store, prepared, actor="loader")
        store.add_user(EDITOR, hash_password(PASSWORD))
        store.add_user(ADMIN, hash_password(PASSWORD), admin=True)
        yield Web(app, settings, store)
    finally:
        store.close()


def seed_bytes() -> bytes:
    return SEED_PATH.read_bytes()


def variant(article_id: str, *, fpage: str = "63", lpage: str = "72", year: str = "2023",
            issue: str = "4", title: str | None = None, orcid: str | None = None) -> bytes:
    """The seed as another article of the journal: new publisher id, pages, issue, title."""
    text = seed_bytes().decode("utf-8")
    text = text.replace('<article-id pub-id-type="publisher-id">5763</article-id>',
                        f'<article-id pub-id-type="publisher-id">{article_id}</article-id>')
    text = text.replace("<fpage>63</fpage>", f"<fpage>{fpage}</fpage>", 1)
    text = text.replace("<lpage>72</lpage>", f"<lpage>{lpage}</lpage>", 1)
    text = text.replace("<year>2023</year>\n      </pub-date>\n      <issue>4</issue>",
                        f"<year>{year}</year>\n      </pub-date>\n      <issue>{issue}</issue>")
    if title:
        text = re.sub(r'(<article-title xml:lang="en">)[^<]*', lambda m: m.group(1) + title,
                      text, count=1)
    if orcid:
        text = text.replace(
            '<contrib contrib-type="author">',
            '<contrib contrib-type="author">\n          '
            f'<contrib-id contrib-id-type="orcid">https://orcid.org/{orcid}</contrib-id>', 1)
    return text.encode("utf-8")


def broken_seed() -> tuple[bytes, int]:
    """The seed with an element JATS does not have, and the line it is on."""
    lines = seed_bytes().decode("utf-8").splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if "<issue>4</issue>" in line)
    lines.insert(at + 1, "      <shelf-mark>B-17</shelf-mark>\n")
    return "".join(lines).encode("utf-8"), at + 2


def csrf_from(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                  "source", "track", "wbr"})


class StrictHTML(HTMLParser):
    """Every element closed in order, every id unique: the checks a validator starts with."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.ids: set[str] = set()
        self.doctype = False

    def handle_decl(self, decl: str) -> None:
        self.doctype = self.doctype or decl.lower() == "doctype html"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "id":
                if value in self.ids:
                    self.errors.append(f"duplicate id {value!r} at {self.getpos()}")
                self.ids.add(value or "")
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID:
            self.errors.append(f"<{tag}/> is not a void element, at {self.getpos()}")

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            self.errors.append(f"end tag for void element </{tag}> at {self.getpos()}")
        elif not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> does not close <{self.stack[-1] if self.stack else ''}>"
                               f" at {self.getpos()}")
        else:
            self.stack.pop()


def html_problems(html: str) -> list[str]:
    checker = StrictHTML()
    checker.feed(html)
    checker.close()
    problems = list(checker.errors)
    if not checker.doctype:
        problems.append("no <!DOCTYPE html>")
    if checker.stack:
        problems.append(f"unclosed elements: {checker.stack}")
    return problems
