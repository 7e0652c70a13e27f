"""The bytes a harvest sends for one record, built once when the record is stored.

The store keeps, per format, what :class:`RecordFramer` returns and hands it back in key
order, so a ListRecords page is the envelope around a concatenation of stored fragments.
A fragment starts right after ``oai:<repositoryIdentifier>:`` inside ``<identifier>``, so
it does not depend on the repository identifier, which stays a setting: a page puts
:func:`record_start` (the ``<record><header>`` opening, ``status="deleted"`` for a deleted
record, and the identifier's prefix) before each one.

Each fragment is kept packed too (:func:`app.oai.deflate.piece`), and so is each
:func:`record_start` (once per process), so a compressed page is a concatenation of
pieces as well (:func:`packed_page`): no page is compressed afresh. An imported record's
fragment carries the ``about`` provenance container (app/oai/provenance.py) from the
record's summary, so ListRecords sends the same record bytes as GetRecord.

The payload is checked here, at put time, in full (one element, UTF-8, no character XML 1.0
forbids); a payload that fails is logged and gets no fragment (None), so the record is left
out of ListRecords pages with a log line instead of breaking them. A page only checks that
each fragment still ends as framed (:data:`FRAGMENT_END`), which catches a cut-short write.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from functools import lru_cache
from itertools import repeat
from operator import itemgetter

from app.oai import deflate, provenance, responses
from app.store.base import Framed, FramedRow, Header

log = logging.getLogger(__name__)

#: Changing what a fragment holds means a new version: stores rebuild their fragments.
VERSION = "oai-pmh-record/2"
FRAGMENT_END = b"</record>\n"


def record_start(id_prefix: str, deleted: bool) -> bytes:
    """What a page writes before a fragment: ``id_prefix`` is ``oai:<repository>:``."""
    return ("<record>" + responses.header_open(deleted) + responses.text(id_prefix)).encode()


@lru_cache(maxsize=16)
def packed_record_start(id_prefix: str, deleted: bool) -> bytes:
    """:func:`record_start` packed, once per process and repository identifier."""
    return deflate.piece(record_start(id_prefix, deleted))


def _header_rest(header: Header) -> str:
    return responses.text(header.identifier) + responses.header_rest(header)


def record_xml(header: Header, payload: bytes, about: bytes = b"") -> bytes | None:
    """A live record's fragment: the rest of its header, ``<metadata>`` with the payload,
    then ``about`` (the provenance container of an imported record, or nothing)."""
    clean = responses.clean_payload(payload, header.identifier)
    if clean is None:
        return None
    return b"%b<metadata>%b</metadata>%b</record>\n" % (
        _header_rest(header).encode(), clean, about
    )


def deleted_record_xml(header: Header) -> bytes:
    """A deleted record's fragment: the rest of its header, no metadata (section 2.5.1)."""
    return (_header_rest(header) + "</record>\n").encode()


def sound(fragment: bytes | None) -> bool:
    """Whether a stored fragment can go into a page: framed, and not cut short since."""
    return fragment is not None and fragment.endswith(FRAGMENT_END)


class RecordFramer:
    """The :class:`~app.store.base.Framer` the factory opens the store with."""

    version = VERSION

    def record(
        self, header: Header, payload: bytes, summary: Mapping[str, object]
    ) -> Framed | None:
        fragment = record_xml(header, payload, provenance.about(summary.get("provenance")))
        return None if fragment is None else (fragment, deflate.piece(fragment))

    def deleted(self, header: Header) -> Framed:
        fragment = deleted_record_xml(header)
        return fragment, deflate.piece(fragment)


_DELETED = itemgetter(2)
_FRAGMENT = itemgetter(3)
_PACKED = itemgetter(4)


def _all_sound(fragments: list[bytes | None], end: bytes) -> bool:
    """Whether every fragment is there and ends as framed; looped in C, not in Python."""
    try:
        return all(map(bytes.endswith, fragments, repeat(end)))  # type: ignore[arg-type]
    except TypeError:  # a missing (None) fragment
        return False


def page_of_fragments(rows: list[FramedRow], id_prefix: str) -> list[bytes]:
    """The records of a ListRecords page: the fragments framed at put time, each after its
    ``<record><header>`` opening, as parts for the caller's single join.

    This is the provider's hot path: no parsing, no check of the payload bytes (they were
    checked when the record was framed), one ``endswith`` per fragment, and no copy: the
    response is joined once, envelope and all, since every extra page-sized buffer costs
    more than the join itself. A fragment that is missing (its payload was refused when it
    was framed) or cut short since is left out with a log line; it never breaks the page.
    """
    live = record_start(id_prefix, False)
    fragments = list(map(_FRAGMENT, rows))
    end = FRAGMENT_END
    if not any(map(_DELETED, rows)) and _all_sound(fragments, end):
        parts = [live] * (2 * len(fragments))
        parts[1::2] = fragments  # type: ignore[assignment]
        return parts
    gone = record_start(id_prefix, True)
    parts = []
    for _, identifier, deleted, fragment, _ in rows:
        if fragment is None or not fragment.endswith(end):
            log.error("OAI-PMH: %s%s left out of a ListRecords page", id_prefix, identifier)
            continue
        parts += (gone if deleted else live, fragment)
    return parts


def packed_page(rows: list[FramedRow], id_prefix: str) -> list[bytes] | None:
    """The same records as :func:`page_of_fragments` (same rows left out), as the packed
    pieces: each record's packed opening and its packed fragment. None when a sound
    fragment's packed form is missing or cut short: the caller then compresses the page."""
    live = packed_record_start(id_prefix, False)
    packed = list(map(_PACKED, rows))
    if not any(map(_DELETED, rows)) and _all_sound(list(map(_FRAGMENT, rows)), FRAGMENT_END):
        if not _all_sound(packed, deflate.PIECE_END):
            return None
        parts = [live] * (2 * len(packed))
        parts[1::2] = packed  # type: ignore[assignment]
        return parts
    gone = packed_record_start(id_prefix, True)
    parts = []
    for _, _, deleted, fragment, piece in rows:
        if fragment is None or not fragment.endswith(FRAGMENT_END):
            continue
        if not deflate.sound(piece):
            return None
        parts += (gone if deleted else live, piece)
    return parts
