"""The interface in English, Russian and Belarusian (Flask-Babel).

The reader's language is the one they chose with the switch (a cookie), else the best match
of ``Accept-Language``, else English. Catalogues live as ``.po`` files in
``app/web/translations``; they are compiled to ``.mo`` when the app starts (into the
instance folder, only when a ``.po`` is newer), so a fresh clone needs no build step and
the repository holds no binaries.

Metadata keeps its own language: :func:`pick` shows a record's text in the reader's
language when the record has it, and pages mark every piece with its ``lang``.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, abort, redirect, request, url_for
from flask_babel import Babel, format_date, format_datetime, format_decimal, get_locale

from app.factory import services
from app.jats.model import PubDate
from app.web.blueprint import bp

#: Interface languages, in the order the switch lists them, with their own names.
LANGUAGES: dict[str, str] = {"en": "English", "ru": "Русский", "be": "Беларуская"}
DEFAULT = "en"
COOKIE = "jats_oai_lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
SOURCE = Path(__file__).parent / "translations"


def compile_catalogues(target: Path) -> Path:
    """``.po`` -> ``.mo`` under ``target`` when missing or older; atomic, so workers may race."""
    for po in SOURCE.glob("*/LC_MESSAGES/messages.po"):
        mo = target / po.relative_to(SOURCE).with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        mo.parent.mkdir(parents=True, exist_ok=True)
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=po.parts[-3])
        fd, tmp = tempfile.mkstemp(dir=mo.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as out:
            write_mo(out, catalog)
        os.replace(tmp, mo)
    return target


def reader_language() -> str:
    """The switch's choice, else Accept-Language, else English."""
    chosen = request.cookies.get(COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(list(LANGUAGES)) or DEFAULT


def current_language() -> str:
    locale = get_locale()
    return str(locale.language) if locale else DEFAULT


def pick(texts: Sequence[Any], lang: str | None = None) -> Any:
    """The text in ``lang`` (the reader's by default) when there is one, else the first.

    Works on anything with ``.lang`` or on ``(text, lang)`` pairs.
    """
    if not texts:
        return None
    want = lang or current_language()
    for item in texts:
        item_lang = item.lang if hasattr(item, "lang") else item[1]
        if item_lang and item_lang.lower().split("-")[0] == want:
            return item
    return texts[0]


def format_pubdate(date: PubDate) -> str:
    """A publication date at the precision the record gives, in the reader's language:
    "17 April 2023" / "17 апреля 2023 г.", "April 2023", "2023"."""
    if date.month and date.day:
        try:
            return format_date(dt.date(date.year, date.month, date.day), "long")
        except ValueError:
            return date.iso
    if date.month and 1 <= date.month <= 12:
        return format_date(dt.date(date.year, date.month, 1), "LLLL y")
    return str(date.year)


def _same_site(target: str | None) -> str:
    """Only a path on this site: never another host, never a scheme."""
    if not target:
        return url_for("web.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("web.home")
    return target


def switch_url(code: str) -> str:
    """The switch's link for a language: back to this very page afterwards."""
    here = request.full_path if request.query_string else request.path
    return url_for("web.choose_language", code=code, next=here)


@bp.route("/language/<code>")
def choose_language(code: str) -> Any:
    if code not in LANGUAGES:
        abort(404, description=f"There is no interface language '{code}'.")
    response = redirect(_same_site(request.args.get("next")), code=303)
    response.set_cookie(COOKIE, code, max_age=COOKIE_MAX_AGE, httponly=True, samesite="Lax",
                        secure=request.is_secure)
    response.vary.add("Cookie")
    return response


@bp.after_app_request
def _vary(response: Any) -> Any:
    """A page's language follows these headers: caches must keep the versions apart."""
    if response.mimetype == "text/html":
        response.vary.add("Accept-Language")
        response.vary.add("Cookie")
    return response


@bp.record_once
def _configure(state: Any) -> None:
    app: Flask = state.app
    settings = services(app).settings
    directory = compile_catalogues(Path(settings.instance_dir) / "translations")
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(directory)
    app.config["BABEL_DEFAULT_LOCALE"] = DEFAULT
    Babel(app, locale_selector=reader_language)
    app.jinja_env.globals.update(
        languages=LANGUAGES,
        current_language=current_language,
        switch_url=switch_url,
        pick=pick,
        format_date=format_date,
        format_datetime=format_datetime,
        format_number=format_decimal,
        format_pubdate=format_pubdate,
    )
