"""Language tags as sources write them, turned into the ``xml:lang`` values JATS records carry.

OJS writes locales (``ru_RU`` in Native XML, ``ru-RU`` in OAI-PMH) and ``dc:language`` as
ISO 639-3 (``rus``) or 639-2/B (``ger``). JATS wants BCP 47, where a two-letter code is the
right form whenever ISO 639-1 has one.
"""

from __future__ import annotations

import re
import string
from functools import lru_cache

from app.jats.languages import iso639_3

_LOCALE = re.compile(r"^([A-Za-z]{2,3})(?:[_-]([A-Za-z]{4}))?(?:[_-]([A-Za-z]{2}|\d{3}))?$")
# OJS writes Serbian in Latin script as ``sr@latin`` / ``sr_RS@latin``.
_SCRIPT_MODIFIERS = {"latin": "Latn", "cyrillic": "Cyrl"}


@lru_cache(maxsize=1)
def _two_letter() -> dict[str, str]:
    """ISO 639-3 -> ISO 639-1, inverted from the one table the service keeps."""
    table: dict[str, str] = {}
    for a in string.ascii_lowercase:
        for b in string.ascii_lowercase:
            code = iso639_3(a + b)
            if code and a + b not in {"cn", "iw", "in", "ji", "jp", "ua", "gr"}:
                table.setdefault(code, a + b)
    return table


def primary(code: str) -> str:
    """The shortest ISO 639 code for a language code: ``rus`` -> ``ru``, ``ger`` -> ``de``;
    a code without a two-letter form stays as it is (``bua``)."""
    code = code.strip().lower()
    if len(code) == 3:
        full = iso639_3(code) or code
        return _two_letter().get(full, full)
    return code


def bcp47(tag: str | None) -> str | None:
    """A source's locale or language code as BCP 47 (``ru_RU`` -> ``ru-RU``,
    ``sr@latin`` -> ``sr-Latn``, ``eng`` -> ``en``); None when it is empty or not a tag."""
    if not tag or not tag.strip():
        return None
    value, _, modifier = tag.strip().partition("@")
    match = _LOCALE.match(value)
    if not match:
        return None
    lang, script, region = match.groups()
    parts = [primary(lang)]
    script = script or _SCRIPT_MODIFIERS.get(modifier.lower())
    if script:
        parts.append(script.title())
    if region:
        parts.append(region.upper())
    return "-".join(parts)
