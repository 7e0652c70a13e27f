"""The bytes a harvest sends for one record, built once when the record is stored.

The store keeps, per format, what :class:`RecordFramer` returns and hands it back in key
order, so a ListRecords page is the envelope around a concatenation of stored fragments.
A fragment starts right after ``oai:<repositoryIdentifier>:`` inside ``<identifier>``, so
it does not depend on the repository identifier, which stays a setting: a page puts
:func:`record_start` (the ``<record><header>`` opening, ``status="deleted"`` for a deleted
record, and the identifier's prefix) before each one.

The payload is checked here, at put time, in full (one element, UTF-8, no character XML 1.0
forbids); a payload that fails is logged and gets no fragment (None), so the record is left
out of ListRecords pages with a log line instead of breaking them. A page only checks that
each fragment still ends as framed (:data:`FRAGMENT_END`), which catches a cut-short write.
"""

from __future__ import annotations

from app.oai import responses
from app.store.base import Header

#: Changing what a fragment holds means a new version: stores rebuild their fragments.
VERSION = "oai-pmh-record/1"
FRAGMENT_END = b"</record>\n"
_OPEN = {
    False: "<record><header><identifier>",
    True: '<record><header status="deleted"><identifier>',
}


def record_start(id_prefix: str, deleted: bool) -> bytes:
    """What a page writes before a fragment: ``id_prefix`` is ``oai:<repository>:``."""
    return (_OPEN[deleted] + responses.text(id_prefix)).encode()


def _header_rest(header: Header) -> str:
    return (
        f"{responses.text(header.identifier)}</identifier>"
        f"<datestamp>{responses.datestamp(header.datestamp)}</datestamp>"
        f"{responses.set_specs(header.sets)}</header>"
    )


def record_xml(header: Header, payload: bytes) -> bytes | None:
    """A live record's fragment: the rest of its header, ``<metadata>`` with the payload."""
    clean = responses.clean_payload(payload, header.identifier)
    if clean is None:
        return None
    return b"%b<metadata>%b</metadata></record>\n" % (_header_rest(header).encode(), clean)


def deleted_record_xml(header: Header) -> bytes:
    """A deleted record's fragment: the rest of its header, no metadata (section 2.5.1)."""
    return (_header_rest(header) + "</record>\n").encode()


def sound(fragment: bytes | None) -> bool:
    """Whether a stored fragment can go into a page: framed, and not cut short since."""
    return fragment is not None and fragment.endswith(FRAGMENT_END)


class RecordFramer:
    """The :class:`~app.store.base.Framer` the store is opened with."""

    version = VERSION

    def record(self, header: Header, payload: bytes) -> bytes | None:
        return record_xml(header, payload)

    def deleted(self, header: Header) -> bytes:
        return deleted_record_xml(header)
