"""The validation page and ``POST /api/validate``: anyone may check a file; nothing is stored."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, render_template, request
from lxml import etree

from app import ingest
from app.crosswalks.registry import formats
from app.factory import services
from app.web.blueprint import bp
from app.web.report import FormatPreview, Preview, ReportView, build, preview_of
from app.web.uploads import Upload, UploadError, from_body, from_form, upload_limit

#: A preview longer than this is cut: the page stays light, the report still says it is cut.
MAX_PAYLOAD_CHARS = 60_000


def _preview(found: ingest.Preview) -> Preview | None:
    """What the article reader makes of the tree, and for a valid (depositable) article the
    record in each format; None when there is no article to read."""
    if found.article is None:
        return None
    payloads = _payloads(found) if found.report.valid else ()
    return preview_of(found.article, found.identifier, payloads)


def _pretty(payload: bytes) -> str:
    """Indented for reading; the payload as rendered when it cannot be re-indented."""
    parser = etree.XMLParser(remove_blank_text=True, resolve_entities=False, no_network=True,
                             load_dtd=False, huge_tree=False)
    try:
        tree = etree.fromstring(payload, parser)
    except etree.XMLSyntaxError:
        return payload.decode("utf-8", "replace")
    return etree.tostring(tree, encoding="unicode", pretty_print=True)


def _payloads(found: ingest.Preview) -> tuple[FormatPreview, ...]:
    """Each registered format as ``jats-oai convert`` prints it, or why it cannot be made."""
    shown = []
    for prefix in formats():
        payload = found.rendered.get(prefix)
        if payload is None:
            reason = found.left_out.get(prefix, "not rendered")
            shown.append(FormatPreview(prefix, None, reason))
            continue
        text = _pretty(payload)
        clipped = len(text) > MAX_PAYLOAD_CHARS
        shown.append(FormatPreview(prefix, text[:MAX_PAYLOAD_CHARS], None, clipped))
    return tuple(shown)


def check(upload: Upload) -> ReportView:
    """Validate with the same pipeline as ``records load`` and preview the metadata."""
    settings = services(current_app).settings
    reading = ingest.read(upload.data, settings=settings, filename=upload.filename)
    return report_view(ingest.preview(reading, settings), upload)


def report_view(found: ingest.Preview, upload: Upload) -> ReportView:
    """The page's report of a checked file (also shown when a deposit is refused)."""
    return build(found.report, upload.data, filename=upload.filename, preview=_preview(found))


@bp.route("/validate", methods=["GET", "POST"])
def validate_page() -> Any:
    if request.method == "GET":
        return render_template("validate.html", report=None)
    try:
        upload = from_form(request, upload_limit(), allow_paste=True)
    except UploadError as exc:
        return render_template("validate.html", report=None, error=exc.message), exc.status
    view = check(upload)
    pasted = upload.data.decode("utf-8", "replace") if upload.filename is None else ""
    return render_template("validate.html", report=view, pasted=pasted)


@bp.route("/api/validate", methods=["POST"])
def validate_api() -> Any:
    """The report as JSON: 200 whatever the verdict (``valid`` says it), 4xx for bad requests."""
    try:
        upload = from_body(request, upload_limit())
    except UploadError as exc:
        return jsonify(error=exc.message), exc.status
    return jsonify(check(upload).as_dict())
