"""Which addresses taken from a deposited record may become a link or a header.

A JATS file is written by someone else: its ``self-uri``, licence and reference addresses
are text, and ``javascript:`` or ``data:`` text turned into an ``href`` or a ``Link`` header
runs in readers' browsers. Only web addresses (``http``, ``https``), DOIs (``doi:10.x/y``,
resolved through https://doi.org) and relative references pass; everything else is dropped.
Every page, header and format that emits an address taken from a record asks :func:`safe_url`.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
#: Characters a browser drops or folds before reading a scheme: controls, spaces, backslash.
_UNSAFE = re.compile(r"[\x00-\x20\x7f-\x9f\\]")
DOI_RESOLVER = "https://doi.org/"


def safe_url(value: str | None) -> str | None:
    """The address to emit, or None when it must not become a link.

    Leading and trailing white space is trimmed; an address with white space, control
    characters or a backslash inside is refused (browsers strip or fold them, which is how
    ``java\\tscript:`` gets through naive checks). ``doi:`` becomes its https resolver URL.
    A relative reference must be a path, never ``//host`` (another site).
    """
    if value is None:
        return None
    text = value.strip()
    if not text or _UNSAFE.search(text):
        return None
    found = _SCHEME.match(text)
    if found is None:
        return None if text.startswith("//") else text
    scheme = found.group(1).lower()
    if scheme in ("http", "https"):
        try:
            parts = urlsplit(text)
        except ValueError:
            return None
        return text if parts.hostname else None
    if scheme == "doi":
        doi = text[found.end():].lstrip("/")
        return DOI_RESOLVER + doi if doi.startswith("10.") and "/" in doi else None
    return None
