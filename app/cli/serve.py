"""``jats-oai serve``: run the service, in one threaded process or as gunicorn workers.

The application is built once before anything listens, so a missing schema or an unreachable
store stops the command with a clear message instead of failing on the first request. With
``--workers N`` (N > 1) gunicorn forks N processes that each open their own store
connections; resumption tokens are stateless, so any worker continues any harvest.
"""

from __future__ import annotations

import argparse
import signal
import sqlite3
import sys
from typing import Any

from app.config import Settings, load_settings

# The pid of the worker that answered is logged with each request, so an operator (and the
# tests) can see which process served which page of a harvest.
ACCESS_LOG_FORMAT = '%(h)s pid=%(p)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="serve the OAI-PMH provider and the pages over HTTP",
        description="Check the schemas, open the store, print the URLs, then serve.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=5000, help="port (0: any free port)")
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="processes; 1 runs a threaded server, more run gunicorn (default 1)",
    )
    parser.add_argument(
        "--threads", type=int, default=4, help="threads per gunicorn worker (default 4)"
    )
    parser.add_argument(
        "--access-log",
        default=None,
        metavar="PATH",
        help="where gunicorn writes one line per request ('-' for stdout; default none)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.workers < 1:
        print("jats-oai serve: --workers must be at least 1", file=sys.stderr)
        return 2
    settings = load_settings()
    try:
        app = _build_app(settings)
    except StartupError as exc:
        print(f"jats-oai serve: cannot start: {exc}", file=sys.stderr)
        return 2
    if args.workers == 1:
        return _serve_threaded(app, settings, args.host, args.port)
    _close_app(app)
    return _serve_gunicorn(settings, args)


class StartupError(Exception):
    """The service cannot start: a schema is missing, the store cannot be opened..."""


def _build_app(settings: Settings) -> Any:
    """Build the Flask app; create_app checks the schemas and opens the store.

    Every metadata format module is imported here too, so a broken one stops the start
    instead of failing the first harvest that asks for it.
    """
    from app.crosswalks.registry import formats
    from app.factory import create_app

    try:
        app = create_app(settings)
        formats()
        return app
    except (OSError, ValueError, RuntimeError, LookupError, ImportError, sqlite3.Error) as exc:
        raise StartupError(str(exc) or type(exc).__name__) from exc
    except Exception as exc:
        if type(exc).__module__.startswith(("psycopg", "psycopg_pool")):
            raise StartupError(f"the database cannot be opened: {exc}") from exc
        raise


def _close_app(app: Any) -> None:
    """Release the store of an app that will not serve (the gunicorn master's check copy)."""
    store = getattr(app.extensions.get("jats_oai"), "store", None)
    if store is not None:
        store.close()


def announce(settings: Settings, host: str, port: int) -> None:
    """Print where harvesters and readers find the service (the tests read these lines)."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else ("[::1]" if host == "::" else host)
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    home = f"http://{shown}:{port}/"
    base = settings.oai_base_url or f"{home}oai"
    print(f"OAI-PMH base URL: {base}", flush=True)
    print(f"Home page: {home}", flush=True)


def _serve_threaded(app: Any, settings: Settings, host: str, port: int) -> int:
    from werkzeug.serving import make_server

    try:
        server = make_server(host, port, app, threaded=True)
    except OSError as exc:
        print(f"jats-oai serve: cannot listen on {host}:{port}: {exc}", file=sys.stderr)
        _close_app(app)
        return 2
    _stop_on_sigterm()
    announce(settings, host, server.server_port)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        _close_app(app)
    return 0


def _stop_on_sigterm() -> None:
    """Turn SIGTERM into KeyboardInterrupt so the store is closed on the way out."""

    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


def _serve_gunicorn(settings: Settings, args: argparse.Namespace) -> int:
    from gunicorn.app.base import BaseApplication

    class Service(BaseApplication):
        """gunicorn driven from Python: each worker builds its own app and store."""

        def load_config(self) -> None:
            options = {
                "bind": _bind(args.host, args.port),
                "workers": args.workers,
                "worker_class": "gthread",
                "threads": max(1, args.threads),
                "keepalive": 5,
                "graceful_timeout": 10,
                "accesslog": args.access_log,
                "access_log_format": ACCESS_LOG_FORMAT,
                "errorlog": "-",
                "loglevel": "warning",
                "when_ready": lambda server: announce(
                    settings, args.host, server.LISTENERS[0].sock.getsockname()[1]
                ),
            }
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return _build_app(load_settings())

    try:
        Service().run()
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def _bind(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
