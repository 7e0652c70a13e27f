"""Error answers in the sender's language: JSON under ``/api/``, a page everywhere else."""

from __future__ import annotations

from typing import Any

from flask import jsonify, render_template, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from app.web.blueprint import bp
from app.web.uploads import too_large, upload_limit


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


@bp.app_errorhandler(404)
def _not_found(exc: HTTPException) -> Any:
    return _answer(404, "Not found", exc.description or "There is no page at this address.")


@bp.app_errorhandler(405)
def _wrong_method(exc: HTTPException) -> Any:
    return _answer(405, "Method not allowed", exc.description or "This address does not "
                   "accept that request method.")
