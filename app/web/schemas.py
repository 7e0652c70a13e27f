"""The schemas the service derives itself, published where its payloads say they are.

The ``jats`` format's payload names a namespaced JATS schema in ``xsi:schemaLocation`` and in
ListMetadataFormats; a harvester that validates fetches it from here, with the modules the
driver imports by relative path.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, send_from_directory

from app.crosswalks import jats
from app.factory import services
from app.web.blueprint import bp


@bp.get(jats.SCHEMA_PATH + "<path:name>")
def derived_jats_schema(name: str) -> Any:
    """A file of the namespaced JATS schema (``send_from_directory`` refuses ``..`` paths)."""
    folder = jats.derived_schema_dir(services(current_app).settings.schema_dir)
    return send_from_directory(folder, name, mimetype="application/xml", max_age=86400)
