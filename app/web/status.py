"""The instance's state for signed-in librarians: files the last loads rejected, and what
still keeps harvesters away (the same as ``jats-oai records status``)."""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template

from app.config import readiness
from app.factory import services
from app.rejections import read_rejections
from app.web.auth import login_required
from app.web.blueprint import bp


@bp.route("/status")
@login_required
def status_page() -> Any:
    settings = services(current_app).settings
    return render_template(
        "status.html",
        rejected=read_rejections(settings.instance_dir),
        notes=readiness(settings),
    )
