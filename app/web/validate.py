"""The validation page and ``POST /api/validate``: anyone may check a file; nothing is stored."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, render_template, request
from lxml import etree

from app.crosswalks.registry import CrosswalkError, Document, formats
from app.factory import services
from app.ingest import context_for, journals_for
from app.jats.article import ArticleError, read_article
from app.jats.identity import local_identifier
from app.jats.model import Article
from app.jats.schemas import schema_directory
from app.jats.validation import ValidationReport, validate
from app.web.blueprint import bp
from app.web.report import FormatPreview, Preview, ReportView, build, preview_of
from app.web.uploads import Upload, UploadError, from_body, from_form, upload_limit

#: A preview longer than this is cut: the page stays light, the report still says it is cut.
MAX_PAYLOAD_CHARS = 60_000


def _preview(root: Any, valid: bool) -> Preview | None:
    """What the article reader makes of the tree, and for a valid (depositable) article the
    record in each format; None when there is no article to read."""
    try:
        article = read_article(root)
    except ArticleError:
        return None
    try:
        identifier: str | None = local_identifier(
            article, journals_for(services(current_app).settings))
    except ValueError:
        identifier = None
    return preview_of(article, identifier, _payloads(root, article) if valid else ())


def _pretty(payload: bytes) -> str:
    """Indented for reading; the payload as rendered when it cannot be re-indented."""
    parser = etree.XMLParser(remove_blank_text=True, resolve_entities=False, no_network=True,
                             load_dtd=False, huge_tree=False)
    try:
        tree = etree.fromstring(payload, parser)
    except etree.XMLSyntaxError:
        return payload.decode("utf-8", "replace")
    return etree.tostring(tree, encoding="unicode", pretty_print=True)


def _payloads(root: Any, article: Article) -> tuple[FormatPreview, ...]:
    """Each registered format as ``jats-oai convert`` prints it, or why it cannot be made."""
    settings = services(current_app).settings
    context = context_for(article, settings)
    found = []
    for prefix, fmt in formats().items():
        try:
            payload = fmt.render(Document(root, article), context)
        except CrosswalkError as exc:
            found.append(FormatPreview(prefix, None, str(exc)))
            continue
        except Exception as exc:  # noqa: BLE001 - a broken crosswalk must not hide the report
            found.append(FormatPreview(prefix, None, f"internal error in the crosswalk: {exc!r}"))
            continue
        text = _pretty(payload)
        clipped = len(text) > MAX_PAYLOAD_CHARS
        found.append(FormatPreview(prefix, text[:MAX_PAYLOAD_CHARS], None, clipped))
    return tuple(found)


def check(upload: Upload) -> ReportView:
    """Validate with the same engine as ``jats-oai validate`` and preview the metadata."""
    return report_view(run_validator(upload.data, upload.filename), upload)


def report_view(report: ValidationReport, upload: Upload) -> ReportView:
    root = report.root if report.usable else None
    preview = _preview(root, report.valid) if root is not None else None
    return build(report, upload.data, filename=upload.filename, preview=preview)


def run_validator(data: bytes, filename: str | None = None) -> ValidationReport:
    """The validator with this app's schema folder and size limit (not the process defaults)."""
    settings = services(current_app).settings
    return validate(
        data, filename=filename, schemas=schema_directory(settings.schema_dir),
        max_bytes=settings.max_upload_bytes,
    )


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
