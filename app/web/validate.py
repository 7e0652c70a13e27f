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


def check(upload: Upload) -> list[ReportView]:
    """Validate with the same pipeline as ``records load`` and preview the metadata: one
    report for a file, one per article of a saved OAI-PMH response."""
    settings = services(current_app).settings
    return [report_view(ingest.preview(ingest.read_report(part.report, settings), settings),
                        upload, part.identifier)
            for part in ingest.parts(upload.data, settings=settings, filename=upload.filename)]


def report_view(found: ingest.Preview, upload: Upload,
                oai_identifier: str | None = None) -> ReportView:
    """The page's report of a checked file or of one article of it (also shown when a
    deposit is refused); line numbers and excerpts are those of the file given."""
    filename = found.report.filename if oai_identifier else upload.filename
    return build(found.report, upload.data, filename=filename, preview=_preview(found),
                 oai_identifier=oai_identifier)


def as_json(views: list[ReportView]) -> dict[str, Any]:
    """One report as today for a file; for a response holding several articles, the verdict
    on all of them and one report per article, each with its OAI identifier."""
    if len(views) == 1:
        return views[0].as_dict()
    return {"valid": all(v.valid for v in views), "articles": [v.as_dict() for v in views]}


@bp.route("/validate", methods=["GET", "POST"])
def validate_page() -> Any:
    if request.method == "GET":
        return render_template("validate.html", report=None)
    try:
        upload = from_form(request, upload_limit(), allow_paste=True)
    except UploadError as exc:
        return render_template("validate.html", report=None, error=exc.message), exc.status
    views = check(upload)
    pasted = upload.data.decode("utf-8", "replace") if upload.filename is None else ""
    if len(views) == 1:
        return render_template("validate.html", report=views[0], pasted=pasted)
    return render_template("validate.html", reports=views, pasted=pasted)


@bp.route("/api/validate", methods=["POST"])
def validate_api() -> Any:
    """The report as JSON: 200 whatever the verdict (``valid`` says it), 4xx for bad requests."""
    try:
        upload = from_body(request, upload_limit())
    except UploadError as exc:
        return jsonify(error=exc.message), exc.status
    return jsonify(as_json(check(upload)))
