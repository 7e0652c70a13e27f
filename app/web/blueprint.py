"""The blueprint every page and API route of the web face hangs on."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("web", __name__)
