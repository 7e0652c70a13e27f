"""``jats-oai serve``: run the service as gunicorn workers, or in one process with ``--dev``.

The application is built once before anything listens, so a missing schema or an unreachable
store stops the command with a clear message instead of failing on the first request.
gunicorn forks its workers after the master has compiled the JATS XSDs (seconds each), so
each worker has them before it accepts a request; each opens its own store connections,
and resumption tokens are stateless, so any worker continues any harvest. SIGHUP replaces
the workers gracefully. ``--load PATH`` first brings the store in line with a folder: a file it
rejects is reported and left out, never a reason not to serve the others.
"""

from __future__ import annotations

import argparse
import os
import signal
import sqlite3
import sys
from pathlib import Path
from typing import Any

from app.config import Settings, load_settings, readiness, write_instance_file
from app.rejections import Rejection, read_rejections

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
        default=0,
        help=f"gunicorn worker processes (default {default_workers()}: one per CPU, at least 2)",
    )
    parser.add_argument(
        "--dev", action="store_true",
        help="one threaded process for development: starts at once, compiles schemas on "
        "first use",
    )
    parser.add_argument(
        "--load", type=Path, metavar="PATH",
        help="first bring the store in line with this folder (as 'records load'); rejected "
        "files are reported and the service starts with every valid record",
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


def default_workers() -> int:
    """One worker per CPU (each has several threads), at least two so one can be replaced."""
    return max(2, min(os.cpu_count() or 1, 8))


def run(args: argparse.Namespace) -> int:
    if args.workers < 0:
        print("jats-oai serve: --workers must be at least 1", file=sys.stderr)
        return 2
    args.workers = args.workers or default_workers()
    settings = load_settings()
    if args.port:
        written = write_instance_file(settings, public_url=f"http://{_shown(args.host)}:{args.port}")
        if written:
            print(f"instance settings written to {written} (public_url, database_url); "
                  "'jats-oai config set' changes them", flush=True)
            settings = load_settings()
    if args.load is not None:
        _load_first(settings, args.load)
    try:
        app = _build_app(settings)
        if not args.dev:
            _warm_up(settings)
    except StartupError as exc:
        print(f"jats-oai serve: cannot start: {exc}", file=sys.stderr)
        return 2
    report_state(settings)
    if args.dev:
        return _serve_threaded(app, settings, args.host, args.port)
    _close_app(app)
    from app.metrics import prepare_multiprocess

    prepare_multiprocess(settings.instance_dir)
    return _serve_gunicorn(settings, args)


def _load_first(settings: Settings, root: Path) -> None:
    """``records load`` before serving; what it rejects is reported, never fatal."""
    from app.cli.database import open_configured_store
    from app.cli.records import JournalsError, MassWithdrawal, load_folder

    if not root.exists():
        print(f"jats-oai serve: {root}: no such folder; serving the store as it is",
              file=sys.stderr)
        return
    store = open_configured_store(settings)
    try:
        report = load_folder(root.resolve(), settings=settings, store=store,
                             progress=sys.stderr.isatty(), quiet=True)
    except (JournalsError, MassWithdrawal) as exc:
        print(f"jats-oai serve: {exc}; serving the store as it is", file=sys.stderr)
        return
    finally:
        store.close()
    print(f"{root}: {report.line()}", flush=True)


def report_state(settings: Settings, out: Any = None) -> None:
    """The files refused by the last loads and what still keeps harvesters away."""
    out = out or sys.stdout
    rejected = read_rejections(settings.instance_dir)
    if rejected:
        print(f"{len(rejected)} file{'s' if len(rejected) > 1 else ''} rejected by the last "
              "load, left out of the service ('jats-oai records status' lists them):", file=out)
        for item in rejected:
            print("  " + _relative(item).line(), file=out)
    for note in readiness(settings):
        print(f"not ready for harvesters: {note}", file=out)
    out.flush()


def _relative(item: Rejection) -> Rejection:
    try:
        path = str(Path(item.path).relative_to(Path.cwd()))
    except ValueError:
        path = item.path
    return Rejection(path, item.first_problem, item.problems)


def _warm_up(settings: Settings) -> None:
    """Compile the JATS XSDs in the gunicorn master: the workers it forks inherit them."""
    from app.jats.schemas import schema_directory

    try:
        schema_directory(settings.schema_dir).warm_up()
    except (OSError, ValueError, RuntimeError) as exc:
        raise StartupError(str(exc)) from exc


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


def _shown(host: str) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else ("[::1]" if host == "::" else host)
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return shown


def announce(settings: Settings, host: str, port: int) -> None:
    """Print where harvesters and readers find the service (the tests read these lines)."""
    home = f"http://{_shown(host)}:{port}/"
    base = settings.oai_base_url or f"{home}oai"
    print(f"OAI-PMH base URL: {base}", flush=True)
    print(f"Home page: {home}", flush=True)
    if settings.public_url.rstrip("/") + "/" != home and not settings.oai_base_url:
        print(f"Links in records point at public_url {settings.public_url}; "
              f"'jats-oai config set public_url URL' changes it", flush=True)


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
                "worker_exit": _worker_exit,
                "child_exit": _child_exit,
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


def _worker_exit(server: Any, worker: Any) -> None:
    """A worker on its way out writes the harvest counts it still holds."""
    from app.oai.harvest_log import flush_all

    flush_all()


def _child_exit(server: Any, worker: Any) -> None:
    """The master marks a dead worker's Prometheus gauges (multiprocess mode)."""
    from app.metrics import mark_dead

    mark_dead(worker.pid)


def _bind(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
