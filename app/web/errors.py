"""Error answers in the sender's language: JSON under ``/api/``, a page everywhere else."""

from __future__ import annotations

from typing import Any

from flask import jsonify, make_response, render_template, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from app.store.base import StoreUnavailable
from app.web.blueprint import bp
from app.web.uploads import too_large, upload_limit

STORE_RETRY_AFTER = 30


def _answer(status: int, title: str, message: str) -> Any:
    if request.path.startswith("/api/"):
        return jsonify(error=message), status
    return render_template("error.html", title=title, message=message), status


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(exc: RequestEntityTooLarge) -> Any:
    message = too_large(upload_limit(), request.content_length).message
    return _answer(413, "File too large", message)


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Any:
    return _answer(exc.code or 500, exc.name, exc.description or exc.name)


@bp.app_errorhandler(StoreUnavailable)
def _store_unavailable(exc: StoreUnavailable) -> Any:
    """The database cannot be reached: a plain 503 page (JSON under /api/), try again later."""
    answer, status = _answer(
        503, "Temporarily unavailable",
        "The repository's database cannot be reached just now. Nothing is lost; "
        f"please try again in {STORE_RETRY_AFTER} seconds.",
    )
    response = make_response(answer, status)
    response.headers["Retry-After"] = str(STORE_RETRY_AFTER)
    return response


@bp.app_errorhandler(500)
def _internal(exc: HTTPException) -> Any:
    original = getattr(exc, "original_exception", None)
    if isinstance(original, StoreUnavailable):
        return _store_unavailable(original)
    return _answer(500, "Internal error", "Something went wrong on our side; it was logged.")


@bp.app_errorhandler(404)
def _not_found(exc: HTTPException) -> Any:
    return _answer(404, "Not found", exc.description or "There is no page at this address.")


@bp.app_errorhandler(405)
def _wrong_method(exc: HTTPException) -> Any:
    return _answer(405, "Method not allowed", exc.description or "This address does not "
                   "accept that request method.")
