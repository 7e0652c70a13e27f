"""The OAI-PMH endpoint: ``/oai`` over GET and POST, optionally compressed.

A response body is joined once, envelope and records (a page of 100 records is a few
hundred kilobytes; memory is bounded by the page size, not the list), and sent in one write
with its Content-Length: no per-record chunks, no second page-sized copy in the WSGI server.
A compressed ListRecords page (gzip, or HTTP deflate: the zlib format) is assembled from the
fragments' packed pieces stored at put time (app/oai/deflate.py), with its Content-Length
too; other compressed answers (small: Identify, GetRecord, ListIdentifiers pages) are
streamed through zlib.

A harvest is thousands of GET requests in a row, and Flask's per-request machinery
(request context, session, URL map) costs a good part of a page. So GET ``/oai`` is
answered by :func:`fast_path`, a small WSGI layer in front of the Flask app that gives the
same answer from the same code (:func:`answer`); POST and every other URL go on to Flask,
where the blueprint's view answers POST ``/oai`` with that same function. The fast path
stays because ``python -m bench.harvest`` (10,000 records, same run) gives 61,111 records/s
with it and 54,408 without. The rate limit (app/oai/ratelimit.py) is applied in
:func:`answer`, so requests are counted whichever way they come.

OAI-PMH errors are protocol answers, not HTTP failures: they come with HTTP 200 (section
3.1.2.1). The only HTTP-level refusal is flow control, HTTP 503 with ``Retry-After``
(section 3.1.2.2), when a client goes past the configured request rate.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from urllib.parse import parse_qsl

import werkzeug.urls  # noqa: F401 - registers the "werkzeug.url_quote" codec error handler
from flask import Blueprint, Flask, Response, current_app, request
from flask.blueprints import BlueprintSetupState
from werkzeug.wsgi import get_current_url

from app.config import Settings
from app.factory import services
from app.oai import deflate, harvest_log, responses
from app.oai.provider import Provider, utc_now
from app.oai.ratelimit import RateLimiter
from app.store.base import StoreBehind, StoreUnavailable

bp = Blueprint("oai", __name__)

CONTENT_TYPE = "text/xml; charset=utf-8"
#: Seconds a harvester is asked to wait while the store cannot be reached.
STORE_RETRY_AFTER = 30
_STATE = "jats_oai.oai"


@dataclass
class OAIState:
    """Per-process state of the endpoint: the rate limiter and the clock (tests set it)."""

    limiter: RateLimiter
    clock: Callable[[], datetime] = utc_now
    recorder: harvest_log.Recorder | None = None


@bp.record_once
def _setup(state: BlueprintSetupState) -> None:
    settings = services(state.app).settings
    state.app.extensions[_STATE] = OAIState(
        RateLimiter(settings.rate_limit_per_minute, settings.rate_limit_storage_uri),
        recorder=harvest_log.recorder_for(services(state.app).store, settings),
    )
    state.app.wsgi_app = fast_path(state.app, state.app.wsgi_app)  # type: ignore[method-assign]


def oai_state(app: Flask) -> OAIState:
    return app.extensions[_STATE]


def _arguments() -> list[tuple[str, str]]:
    """Section 3.1.1: arguments from the query string, and for POST from the form body too."""
    pairs = list(request.args.items(multi=True))
    if request.method == "POST":
        pairs += list(request.form.items(multi=True))
    return pairs


def choose_encoding(accept_encoding: str | None) -> str | None:
    """gzip or deflate when the client accepts it (section 3.1.3, Identify ``compression``)."""
    if not accept_encoding:
        return None
    accepted: dict[str, float] = {}
    for item in accept_encoding.split(","):
        name, _, params = item.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        accepted[name.strip().lower()] = quality
    for name in ("gzip", "deflate"):
        if accepted.get(name, accepted.get("*", 0.0)) > 0:
            return name
    return None


def compress(body: bytes, encoding: str, chunk: int = 64 * 1024) -> Iterator[bytes]:
    """Stream through zlib: gzip framing for ``gzip``, zlib framing for HTTP ``deflate``.

    Level 1: on XML it keeps most of the saving of level 6 at a third of the CPU time.
    """
    compressor = zlib.compressobj(1, zlib.DEFLATED, 31 if encoding == "gzip" else 15)
    view = memoryview(body)
    for start in range(0, len(body), chunk):
        out = compressor.compress(view[start : start + chunk])
        if out:
            yield out
    yield compressor.flush()


@dataclass(frozen=True)
class Answer:
    status: str
    headers: list[tuple[str, str]]
    body: Iterator[bytes]
    served: bytes | None = None  # the uncompressed body of a 200, for the harvest counters


def answer(
    app: Flask,
    pairs: list[tuple[str, str]],
    base_url: str,
    remote_addr: str | None,
    accept_encoding: str | None,
    user_agent: str | None = None,
) -> Answer:
    """The HTTP answer to one OAI-PMH request, whichever way it came in; each is counted
    here (app.oai.harvest_log), in memory, for the harvest statistics and /metrics."""
    started = time.perf_counter()
    reply = _answer(app, pairs, base_url, remote_addr, accept_encoding)
    harvest_log.note(oai_state(app).recorder, services(app).settings, pairs, remote_addr,
                     user_agent, int(reply.status[:3]), reply.served, started)
    return reply


def _answer(
    app: Flask,
    pairs: list[tuple[str, str]],
    base_url: str,
    remote_addr: str | None,
    accept_encoding: str | None,
) -> Answer:
    svc = services(app)
    state = oai_state(app)
    wait = state.limiter.acquire(remote_addr or "-")
    if wait > 0:
        seconds = RateLimiter.retry_after(wait)
        return Answer(
            "503 SERVICE UNAVAILABLE",
            [("Content-Type", "text/plain; charset=utf-8"), ("Retry-After", str(seconds))],
            iter((f"Too many requests; retry in {seconds} s.\n".encode(),)),
        )
    settings = svc.settings
    encoding = choose_encoding(accept_encoding)
    provider = Provider(svc.harvest, settings, state.clock, packed=encoding is not None)
    base = public_base_url(settings) or base_url
    try:
        reply = provider.reply(pairs, base)
    except StoreUnavailable as exc:
        return unavailable(base, state.clock(), exc)
    body = reply.body
    headers = [
        ("Content-Type", CONTENT_TYPE),
        ("Vary", "Accept-Encoding"),
        ("Cache-Control", "no-store"),
    ]
    if encoding and reply.pieces is not None:
        packed = deflate.wrap(encoding, reply.pieces, body)
        headers += [("Content-Encoding", encoding), ("Content-Length", str(len(packed)))]
        return Answer("200 OK", headers, iter((packed,)), body)
    if encoding:
        headers.append(("Content-Encoding", encoding))
        return Answer("200 OK", headers, compress(body, encoding), body)
    headers.append(("Content-Length", str(len(body))))
    return Answer("200 OK", headers, iter((body,)), body)


def public_base_url(settings: Settings) -> str:
    """The baseURL of section 4.2 when the service knows its public address: ``oai_base_url``,
    else ``public_url`` + ``/oai`` when one is configured. Only with neither does the request
    decide, so a forged ``Host`` header never reaches a response of a configured service."""
    if settings.oai_base_url:
        return settings.oai_base_url
    if settings.public_url_configured:
        return settings.public_url.rstrip("/") + "/oai"
    return ""


def unavailable(base_url: str, now: datetime, exc: StoreUnavailable | None = None) -> Answer:
    """Section 3.1.2.2: the store cannot be reached, or a read replica has not yet caught up
    with the harvest (StoreBehind), so HTTP 503 with ``Retry-After``; the body is an OAI-PMH
    envelope saying so, for harvesters that log what they receive."""
    wait = exc.retry_after if exc is not None else STORE_RETRY_AFTER
    why = (
        b"The repository's database is catching up with this harvest"
        if isinstance(exc, StoreBehind)
        else b"The repository's database cannot be reached just now"
    )
    body = (
        responses.head(now, base_url, {})
        + b"<!-- " + why + b"; nothing is lost."
        + f" Retry after {wait} seconds with the same request. -->\n".encode()
        + responses.tail()
    )
    return Answer(
        "503 SERVICE UNAVAILABLE",
        [
            ("Content-Type", CONTENT_TYPE),
            ("Retry-After", str(wait)),
            ("Cache-Control", "no-store"),
            ("Content-Length", str(len(body))),
        ],
        iter((body,)),
    )


@lru_cache(maxsize=256)
def _base_url(
    scheme: str,
    host: str | None,
    server_name: str | None,
    server_port: str | None,
    script_name: str,
    path: str,
) -> str:
    """The request's URL without query, as Flask's ``request.base_url`` gives it; part of the
    fast path: a harvest asks for the same one thousands of times (15 µs each otherwise)."""
    environ = {"wsgi.url_scheme": scheme, "SCRIPT_NAME": script_name, "PATH_INFO": path}
    for key, value in (
        ("HTTP_HOST", host),
        ("SERVER_NAME", server_name),
        ("SERVER_PORT", server_port),
    ):
        if value is not None:
            environ[key] = value
    return get_current_url(environ, strip_querystring=True)


def fast_path(app: Flask, wsgi_app: Callable) -> Callable:
    """WSGI in front of ``wsgi_app``: GET ``/oai`` answered without Flask's request cycle.

    Arguments and the base URL are read exactly as Flask reads them (werkzeug's query
    string parsing and ``get_current_url``), so both ways give the same answer.
    """

    def oai_get(environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != "/oai" or environ.get("REQUEST_METHOD") != "GET":
            return wsgi_app(environ, start_response)
        try:
            query = environ.get("QUERY_STRING", "").encode("latin-1").decode()
            pairs = parse_qsl(query, keep_blank_values=True, errors="werkzeug.url_quote")
        except (UnicodeError, ValueError):
            return wsgi_app(environ, start_response)
        reply = answer(
            app,
            pairs,
            _base_url(
                environ["wsgi.url_scheme"],
                environ.get("HTTP_HOST"),
                environ.get("SERVER_NAME"),
                environ.get("SERVER_PORT"),
                environ.get("SCRIPT_NAME", ""),
                environ["PATH_INFO"],
            ),
            environ.get("REMOTE_ADDR"),
            environ.get("HTTP_ACCEPT_ENCODING"),
            environ.get("HTTP_USER_AGENT"),
        )
        start_response(reply.status, reply.headers)
        return reply.body

    return oai_get


@bp.route("/oai", methods=["GET", "POST"])
def endpoint() -> Response:
    """POST ``/oai`` (and GET when the fast path is not in front, e.g. another mount)."""
    reply = answer(
        current_app,
        _arguments(),
        request.base_url,
        request.remote_addr,
        request.headers.get("Accept-Encoding"),
        request.headers.get("User-Agent"),
    )
    return Response(reply.body, status=reply.status, headers=reply.headers)
