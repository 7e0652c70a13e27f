"""Taking a JATS document out of a request: a file part, pasted text, or a raw XML body.

Every refusal is an :class:`UploadError` with the HTTP status and a sentence the sender can
act on; nothing is read past the configured size limit.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Request, current_app

from app.factory import services

XML_TYPES = frozenset({"application/xml", "text/xml", "application/jats+xml"})
GENERIC_TYPES = frozenset({"", "application/octet-stream"})
XML_SUFFIXES = (".xml", ".nxml", ".jats")


class UploadError(Exception):
    """A request whose document cannot be taken; ``status`` is the HTTP answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Upload:
    data: bytes
    filename: str | None


def upload_limit() -> int:
    """The size limit of the app serving this request (tests run apps with other limits)."""
    return services(current_app).settings.max_upload_bytes


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".rstrip("0").rstrip(".")


def too_large(limit: int, size: int | None = None) -> UploadError:
    """The refusal; ``size`` only when the whole size is known (a Content-Length), never the
    part read before stopping, which would name the limit as the file's size."""
    told = (f"The file is {megabytes(size)} MB; " if size and size > limit
            else "The file is larger than the limit; ")
    return UploadError(413, f"{told}the limit is {megabytes(limit)} MB per article.")


def _check_size(data: bytes, limit: int) -> None:
    """Reading stops one byte past the limit, so the real size is unknown here."""
    if len(data) > limit:
        raise too_large(limit)


def _accepted_file(filename: str, mimetype: str) -> bool:
    if mimetype in XML_TYPES:
        return True
    return mimetype in GENERIC_TYPES and filename.lower().endswith(XML_SUFFIXES)


def from_form(request: Request, limit: int, *, allow_paste: bool) -> Upload:
    """The ``file`` part of a form, else (when allowed) the pasted ``xml`` field."""
    part = request.files.get("file")
    if part is not None and part.filename:
        mimetype = (part.mimetype or "").lower()
        if not _accepted_file(part.filename, mimetype):
            raise UploadError(415, (
                f"'{part.filename}' was sent as {mimetype or 'an unknown type'}; only JATS XML "
                "files are accepted (.xml, .nxml or .jats; application/xml, text/xml or "
                "application/jats+xml)."
            ))
        data = part.stream.read(limit + 1)
        _check_size(data, limit)
        if not data:
            raise UploadError(400, f"'{part.filename}' is empty.")
        return Upload(data, part.filename)
    if allow_paste:
        text = request.form.get("xml", "")
        if text.strip():
            data = text.encode("utf-8")
            _check_size(data, limit)
            return Upload(data, None)
    hint = "choose a file or paste the XML" if allow_paste else "choose a file"
    raise UploadError(400, f"No JATS document was sent: {hint}.")


def from_body(request: Request, limit: int) -> Upload:
    """For scripts: a raw XML body, or a multipart form with a ``file`` part."""
    mimetype = (request.mimetype or "").lower()
    if mimetype == "multipart/form-data":
        return from_form(request, limit, allow_paste=False)
    if mimetype not in XML_TYPES:
        raise UploadError(415, (
            f"Content-Type {mimetype or '(none)'} is not accepted: send the JATS as "
            "application/jats+xml, application/xml or text/xml, or as multipart/form-data "
            "with a 'file' part."
        ))
    length = request.content_length
    if length is not None and length > limit:
        raise too_large(limit, length)
    data = request.stream.read(limit + 1)
    _check_size(data, limit)
    if not data:
        raise UploadError(400, "The request body is empty: send the JATS XML as the body.")
    return Upload(data, None)
