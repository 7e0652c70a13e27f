"""The Flask application factory: settings -> schemas checked -> store opened -> blueprints."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask

from app.config import Settings, load_settings
from app.oai.framing import RecordFramer
from app.store import open_store as open_store_with
from app.store.base import AccountStore, CatalogueStore, HarvestStore, RecordStore, Store

BLUEPRINT_MODULES: tuple[str, ...] = ("app.web", "app.oai.views")


def open_store(url: str, *, migrate: bool = True) -> Store:
    """The one place where the store and the protocol meet: the store at ``url``, with the
    OAI-PMH framer that builds its harvest fragments. The app, the CLI and the tools use it."""
    return open_store_with(url, framer=RecordFramer(), migrate=migrate)


def open_replica(url: str) -> Store:
    """A read replica (``read_database_url``): never migrated nor written; a harvest page
    it has not yet replayed far enough for is refused (StoreBehind: 503, Retry-After)."""
    return open_store_with(url, framer=RecordFramer(), migrate=False, read_only=True)


@dataclass
class Services:
    """What the request handlers need, built once per process.

    ``store`` is the primary: every write, and every read that must see one just made
    (sessions, sign-in, deposits). ``replica``, when ``read_database_url`` is set, answers
    OAI-PMH and the pages' browsing and search; without one the primary answers them too.
    """

    settings: Settings
    store: Store
    replica: Store | None = None

    @property
    def records(self) -> RecordStore:
        return self.store

    @property
    def harvest(self) -> HarvestStore:
        """What the OAI-PMH provider and the browsing pages read."""
        return self.replica or self.store

    @property
    def catalogue(self) -> CatalogueStore:
        """What search and browsing read."""
        return self.replica or self.store

    @property
    def accounts(self) -> AccountStore:
        """What sign-in, sessions and the audit trail use."""
        return self.store


def create_app(settings: Settings | None = None) -> Flask:
    """Build the app; stops at once, naming the file, when an official schema is missing."""
    settings = settings or load_settings()
    from app.jats.schemas import schema_directory

    schema_directory(settings.schema_dir).check()
    app = Flask(__name__, template_folder="web/templates", static_folder="web/static")
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_upload_bytes + 64 * 1024,
    )
    app.extensions["jats_oai"] = Services(
        settings=settings,
        store=open_store(settings.effective_database_url),
        replica=open_replica(settings.read_database_url) if settings.read_database_url else None,
    )
    for name in BLUEPRINT_MODULES:
        app.register_blueprint(importlib.import_module(name).bp)
    from app.web.headers import protective_headers

    app.wsgi_app = protective_headers(app.wsgi_app)  # type: ignore[method-assign]
    if settings.trusted_proxies > 0:
        app.wsgi_app = behind_proxies(app.wsgi_app, settings.trusted_proxies)  # type: ignore[method-assign]
    return app


def behind_proxies(wsgi_app: Callable, count: int) -> Callable:
    """Believe the ``X-Forwarded-For``, ``-Proto``, ``-Host`` and ``-Port`` headers that the
    last ``count`` proxies added, and no others.

    Behind nginx every request comes from the proxy's address: without this, the OAI-PMH
    rate limit and sign-in throttling would count every client as one, and an https site
    would build http links. Outermost, so the OAI-PMH fast path sees the client's address
    too. Off by default: a service reached directly must not believe what clients claim.
    """
    from werkzeug.middleware.proxy_fix import ProxyFix

    return ProxyFix(wsgi_app, x_for=count, x_proto=count, x_host=count, x_port=count)


def services(app: Flask) -> Services:
    return app.extensions["jats_oai"]
