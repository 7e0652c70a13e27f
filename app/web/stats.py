"""The statistics pages: the collection for anyone (``/stats``, with its CSV and JSON), and
harvest analytics for signed-in librarians (``/stats/harvesters``)."""

from __future__ import annotations

import hmac
import json
import time
from typing import Any

from flask import Response, abort, current_app, render_template, request

from app.config import Settings
from app.factory import services
from app.metrics import exposition
from app.stats import harvest_stats, recent_collection_stats
from app.web.auth import login_required
from app.web.blueprint import bp
from app.web.charts import bar_chart


def _figures() -> Any:
    svc = services(current_app)
    return recent_collection_stats(svc.store, svc.settings)


@bp.route("/stats")
def stats_page() -> Any:
    figures = _figures()
    return render_template("stats.html", figures=figures, chart=bar_chart)


@bp.route("/stats.json")
def stats_json() -> Response:
    body = json.dumps(_figures().as_json(), ensure_ascii=False, indent=1)
    return Response(body, mimetype="application/json",
                    headers={"Cache-Control": "no-cache"})


@bp.route("/stats.csv")
def stats_csv() -> Response:
    return Response(_figures().as_csv(), mimetype="text/csv",
                    headers={"Cache-Control": "no-cache",
                             "Content-Disposition": 'inline; filename="stats.csv"'})


@bp.route("/stats/harvesters")
@login_required
def harvesters_page() -> Any:
    svc = services(current_app)
    since = int(time.time()) - svc.settings.harvest_stats_days * 86400
    figures = harvest_stats(svc.store, since)
    return render_template("harvesters.html", figures=figures, chart=bar_chart,
                           days=svc.settings.harvest_stats_days)


@bp.route("/metrics")
def metrics_page() -> Response:
    """Prometheus exposition, for the addresses in ``metrics_allow`` or with the bearer
    token ``metrics_token``; anyone else gets 403."""
    svc = services(current_app)
    if not metrics_allowed(svc.settings, request.remote_addr,
                           request.headers.get("Authorization", "")):
        abort(403)
    body, content_type = exposition(svc.store, svc.settings)
    return Response(body, content_type=content_type, headers={"Cache-Control": "no-store"})


def metrics_allowed(settings: Settings, remote_addr: str | None, authorization: str) -> bool:
    token = settings.metrics_token
    if token and hmac.compare_digest(authorization.encode(), f"Bearer {token}".encode()):
        return True
    allowed = settings.metrics_allow.replace(",", " ").split()
    return bool(remote_addr) and remote_addr in allowed
