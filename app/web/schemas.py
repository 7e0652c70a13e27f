"""The schemas the service derives itself, published where its payloads say they are.

A format whose payload names a schema of the service's own (the ``jats`` format's namespaced
JATS schema) in ``xsi:schemaLocation`` and in ListMetadataFormats gives its folder
(``schema_folder``); a harvester that validates fetches it from here, with the modules the
driver imports by relative path.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, send_from_directory

from app.crosswalks.registry import PUBLISHED_SCHEMAS, published_schema
from app.factory import services
from app.web.blueprint import bp


@bp.get(PUBLISHED_SCHEMAS + "<path:name>")
def derived_schema(name: str) -> Any:
    """A file of a derived schema (``send_from_directory`` refuses ``..`` paths)."""
    found = published_schema(PUBLISHED_SCHEMAS + name)
    folder_of = found[0].schema_folder if found else None
    if found is None or folder_of is None:
        abort(404)
    folder = folder_of(services(current_app).settings.schema_dir)
    return send_from_directory(folder, found[1], mimetype="application/xml", max_age=86400)
