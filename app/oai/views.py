"""The OAI-PMH endpoint: ``/oai`` over GET and POST, streamed, optionally compressed.

OAI-PMH errors are protocol answers, not HTTP failures: they come with HTTP 200 (section
3.1.2.1). The only HTTP-level refusal is flow control, HTTP 503 with ``Retry-After``
(section 3.1.2.2), when a client goes past the configured request rate.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, Flask, Response, current_app, request
from flask.blueprints import BlueprintSetupState

from app.factory import services
from app.oai.provider import Provider, utc_now
from app.oai.ratelimit import RateLimiter

bp = Blueprint("oai", __name__)

CONTENT_TYPE = "text/xml; charset=utf-8"
_STATE = "jats_oai.oai"


@dataclass
class OAIState:
    """Per-process state of the endpoint: the rate limiter and the clock (tests set it)."""

    limiter: RateLimiter
    clock: Callable[[], datetime] = utc_now


@bp.record_once
def _setup(state: BlueprintSetupState) -> None:
    settings = services(state.app).settings
    state.app.extensions[_STATE] = OAIState(RateLimiter(settings.rate_limit_per_minute))


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


def compress(chunks: Iterator[bytes], encoding: str) -> Iterator[bytes]:
    """Stream through zlib: gzip framing for ``gzip``, zlib framing for HTTP ``deflate``.

    Level 1: on XML it keeps most of the saving of level 6 at a third of the CPU time.
    """
    compressor = zlib.compressobj(1, zlib.DEFLATED, 31 if encoding == "gzip" else 15)
    for chunk in chunks:
        out = compressor.compress(chunk)
        if out:
            yield out
    yield compressor.flush()


@bp.route("/oai", methods=["GET", "POST"])
def endpoint() -> Response:
    svc = services(current_app)
    state = oai_state(current_app)
    wait = state.limiter.acquire(request.remote_addr or "-")
    if wait > 0:
        seconds = RateLimiter.retry_after(wait)
        return Response(
            f"Too many requests; retry in {seconds} s.\n",
            status=503,
            mimetype="text/plain",
            headers={"Retry-After": str(seconds)},
        )
    settings = svc.settings
    provider = Provider(svc.store, settings, state.clock)
    base_url = settings.oai_base_url or request.base_url
    body = provider.respond(_arguments(), base_url)
    headers = {"Vary": "Accept-Encoding", "Cache-Control": "no-store"}
    encoding = choose_encoding(request.headers.get("Accept-Encoding"))
    if encoding:
        body = compress(body, encoding)
        headers["Content-Encoding"] = encoding
    return Response(body, status=200, content_type=CONTENT_TYPE, headers=headers)
