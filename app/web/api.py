"""The API for scripts: deposit (POST), replace (PUT), withdraw (DELETE), read (GET).

Authentication is by ``Authorization: Bearer <token>`` only; cookies are ignored here, so
a page on another site can never make a signed-in editor's browser change anything.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, g, jsonify, request, url_for

from app import identifiers
from app.factory import services
from app.store.base import Header
from app.web.auth import token_required
from app.web.blueprint import bp
from app.web.deposit import DepositError, Outcome, deposit_each, deposit_new, replace, withdraw
from app.web.uploads import UploadError, from_body, upload_limit


def _header_json(local_id: str, header: Header) -> dict[str, Any]:
    settings = services(current_app).settings
    return {
        "identifier": local_id,
        "oai_identifier": identifiers.oai_identifier(settings.repository_identifier, local_id),
        "datestamp": header.datestamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "deleted": header.deleted,
        "sets": list(header.sets),
        "page": url_for("web.article_page", local_id=local_id, _external=False),
        "jats": url_for("web.jats_download", local_id=local_id, _external=False),
    }


def _outcome_json(outcome: Outcome) -> dict[str, Any]:
    data = _header_json(outcome.identifier, outcome.header)
    data["changed"] = outcome.changed
    return data


def _refused(exc: DepositError | UploadError) -> Any:
    body: dict[str, Any] = {"error": exc.message}
    if isinstance(exc, DepositError) and exc.report is not None:
        body["report"] = exc.report.as_dict()
    return jsonify(body), exc.status


def _each_json(done: list[tuple[str | None, Outcome | DepositError]]) -> Any:
    """One entry per article of a saved OAI-PMH response: the record deposited, or why it
    was refused. 201 when at least one was deposited, else the first refusal's status."""
    articles = []
    for oai_identifier, result in done:
        if isinstance(result, Outcome):
            entry = {"source_identifier": oai_identifier, "deposited": True,
                     **_outcome_json(result)}
        else:
            entry = {"source_identifier": oai_identifier, "deposited": False,
                     "error": result.message}
            if result.report is not None:
                entry["report"] = result.report.as_dict()
        articles.append(entry)
    deposited = sum(1 for _, r in done if isinstance(r, Outcome))
    status = 201 if deposited else next(r.status for _, r in done
                                        if isinstance(r, DepositError))
    response = jsonify(deposited=deposited, refused=len(done) - deposited, articles=articles)
    response.status_code = status
    return response


@bp.route("/api/articles", methods=["POST"])
@token_required
def api_deposit() -> Any:
    """One article, or each article of a saved OAI-PMH response (GetRecord, ListRecords)."""
    svc = services(current_app)
    try:
        upload = from_body(request, upload_limit())
        done = deposit_each(svc, upload, g.api_user)
        if done is not None:
            return _each_json(done)
        outcome = deposit_new(svc, upload, g.api_user)
    except (UploadError, DepositError) as exc:
        return _refused(exc)
    response = jsonify(_outcome_json(outcome))
    response.status_code = 201
    response.headers["Location"] = url_for("web.api_article", local_id=outcome.identifier)
    return response


@bp.route("/api/articles/<path:local_id>", methods=["GET"])
def api_article(local_id: str) -> Any:
    header = services(current_app).records.header(local_id)
    if header is None:
        return jsonify(error=f"There is no article '{local_id}' here."), 404
    return jsonify(_header_json(local_id, header))


@bp.route("/api/articles/<path:local_id>", methods=["PUT"])
@token_required
def api_replace(local_id: str) -> Any:
    try:
        outcome = replace(services(current_app), local_id, from_body(request, upload_limit()),
                          g.api_user)
    except (UploadError, DepositError) as exc:
        return _refused(exc)
    return jsonify(_outcome_json(outcome))


@bp.route("/api/articles/<path:local_id>", methods=["DELETE"])
@token_required
def api_withdraw(local_id: str) -> Any:
    try:
        header = withdraw(services(current_app).store, local_id, g.api_user)
    except DepositError as exc:
        return _refused(exc)
    return jsonify(_header_json(local_id, header))
