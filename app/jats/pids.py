"""Persistent identifiers in their canonical forms: ORCID iDs and DOIs, however a record wrote them.

The one place that reads them, for the article reader, the crosswalks, the pages and the
importer, so an iD written as a URL, in lowercase or bare is the same everywhere.
"""

from __future__ import annotations

import re

_ORCID = re.compile(r"(\d{4}-\d{4}-\d{4}-\d{3}[\dX])", re.IGNORECASE)
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
_DOI = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)?(10\.\d{4,9}/\S+)$", re.IGNORECASE)
ORCID_RESOLVER = "https://orcid.org/"


def orcid_id(value: str | None) -> str | None:
    """The bare ORCID iD (0000-0002-1825-0097) found in ``value``, else None."""
    match = _ORCID.search(value) if value else None
    return match.group(1).upper() if match else None


def orcid_url(value: str | None) -> str | None:
    """The canonical https://orcid.org/ URL of the iD found in ``value``, else None."""
    found = orcid_id(value)
    return ORCID_RESOLVER + found if found else None


def is_doi_reference(value: str) -> bool:
    """True for a DOI written as a resolver URL or with ``doi:``."""
    return _DOI_PREFIX.match(value) is not None


def bare_doi(value: str) -> str:
    """The DOI without its resolver URL or ``doi:`` prefix (the value otherwise unchanged)."""
    return _DOI_PREFIX.sub("", value)


def doi_of(value: str) -> str | None:
    """The DOI (``10.NNNN/...``) that ``value`` is, bare or as a resolver URL; else None."""
    match = _DOI.match(value.strip())
    return match.group(1) if match else None
