"""The OAI-PMH response envelope, written as bytes (section 3.2).

Responses are assembled from strings, not from an lxml tree: a page of records is the
envelope plus the payloads the store rendered at deposit time, spliced in as they are.
Every piece of text that comes from a request or from the store goes through
:func:`text`/:func:`attr`, which escape markup and drop the characters XML 1.0 forbids, so
neither a hostile argument nor a damaged record can make a response malformed.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from app.store.base import Header, SetInfo

log = logging.getLogger(__name__)

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
OAI_SCHEMA = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
OAI_ID_NS = "http://www.openarchives.org/OAI/2.0/oai-identifier"
OAI_ID_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai-identifier.xsd"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
OAI_DC_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
DC_NS = "http://purl.org/dc/elements/1.1/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
GRANULARITY = "YYYY-MM-DDThh:mm:ssZ"

# The opening of every response; the schemaLocation pair is the one validators insist on.
_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    f'<OAI-PMH xmlns="{OAI_NS}" xmlns:xsi="{XSI_NS}" '
    f'xsi:schemaLocation="{OAI_NS} {OAI_SCHEMA}">\n'
)
_TAIL = b"</OAI-PMH>\n"

_NEEDS_WORK = re.compile('[&<>"\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]')
_REPLACEMENTS = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}
# Bytes no payload may hold: the C0 controls XML 1.0 forbids (U+FFFE/U+FFFF checked apart).
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])
_XML_DECL = re.compile(rb"\A\s*<\?xml[^>]*\?>\s*")
_ROOT_NAME = re.compile(rb"<([A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?)[\s/>]")


def text(value: str) -> str:
    """Character data or attribute content: escaped, without the characters XML forbids."""
    if not _NEEDS_WORK.search(value):
        return value
    return _NEEDS_WORK.sub(lambda m: _REPLACEMENTS.get(m.group(), ""), value)


attr = text


def datestamp(value: datetime) -> str:
    """UTC, whole seconds, ``Z`` (section 3.3.1)."""
    if value.tzinfo is not UTC and value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.isoformat()[:19] + "Z"


def set_specs(sets: tuple[str, ...]) -> str:
    """The setSpec elements of a header."""
    return "".join(f"<setSpec>{text(s)}</setSpec>" for s in sets)


def head(response_date: datetime, base_url: str, echo: Mapping[str, str]) -> bytes:
    """The envelope up to the verb element: responseDate and the request element."""
    attrs = "".join(f' {name}="{attr(value)}"' for name, value in echo.items())
    return (
        f"{_HEAD}<responseDate>{datestamp(response_date)}</responseDate>\n"
        f"<request{attrs}>{text(base_url)}</request>\n"
    ).encode()


def tail() -> bytes:
    return _TAIL


def errors(items: Iterable[tuple[str, str]]) -> bytes:
    """One ``error`` element per (code, message)."""
    return "".join(
        f'<error code="{attr(code)}">{text(message)}</error>\n' for code, message in items
    ).encode()


_OPEN_HEADER = {False: "<header><identifier>", True: '<header status="deleted"><identifier>'}


def header_open(deleted: bool) -> str:
    """A header up to its identifier; a deleted record says so with ``status="deleted"``
    (section 2.5.1)."""
    return _OPEN_HEADER[deleted]


def header_rest(h: Header) -> str:
    """A header after its identifier's text: the datestamp, the setSpecs, the closing tag."""
    return (
        f"</identifier><datestamp>{datestamp(h.datestamp)}</datestamp>"
        f"{set_specs(h.sets)}</header>"
    )


def header(h: Header, identifier: str) -> str:
    """A record header (section 2.5); the one writer of headers, framed ones included."""
    return f"{_OPEN_HEADER[h.deleted]}{text(identifier)}{header_rest(h)}"


def sound_bytes(payload: bytes) -> bool:
    """True when a payload holds only UTF-8 and no character XML 1.0 forbids."""
    if len(payload.translate(None, _CONTROL_BYTES)) != len(payload):
        return False
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return "\ufffe" not in text and "\uffff" not in text


def clean_payload(payload: bytes, identifier: str, *, report: bool = True) -> bytes | None:
    """A payload ready to splice into ``<metadata>``, or None when it is damaged.

    The store holds what lxml serialized at deposit, so this is a guard, not a parser: it
    drops an XML declaration and rejects a payload that is not one element from its start
    tag to its end tag (a truncated write), not UTF-8, or holding characters XML forbids.
    It runs when a record is framed at put time (app.oai.framing) and for GetRecord. A
    rejected payload is logged (unless ``report`` is false) and left out; it never breaks
    the response.
    """
    if not payload.startswith(b"<") or payload.startswith(b"<?"):
        decl = _XML_DECL.match(payload)
        if decl:
            payload = payload[decl.end() :]
    if not payload.endswith(b">"):
        payload = payload.rstrip()
    reason = None
    root = _ROOT_NAME.match(payload)
    if root is None:
        reason = "it does not start with an element"
    elif not (payload.endswith(b"</" + root.group(1) + b">") or payload.endswith(b"/>")):
        reason = "its root element is not closed"
    elif not sound_bytes(payload):
        reason = "it is not UTF-8 or holds characters XML 1.0 forbids"
    if reason:
        if report:
            log.error("OAI-PMH: skipped the stored payload of %s: %s", identifier, reason)
        return None
    return payload


def record(h: Header, identifier: str, payload: bytes | None, about: bytes = b"") -> bytes:
    """A ``record``: header, and metadata (then ``about``) unless the record is deleted."""
    if h.deleted or payload is None:
        return f"<record>{header(h, identifier)}</record>\n".encode()
    return b"%b<metadata>%b</metadata>%b</record>\n" % (
        f"<record>{header(h, identifier)}".encode(),
        payload,
        about,
    )


def page_of_headers(rows: list[tuple[Header, bytes | None]], id_prefix: str) -> bytes:
    """The headers of a ListIdentifiers page; ``id_prefix`` is ``oai:<repository>:``."""
    return "".join([header(h, id_prefix + h.identifier) + "\n" for h, _ in rows]).encode()


def resumption_token(
    token: str, *, cursor: int, complete_list_size: int, expires: datetime | None
) -> bytes:
    """Section 3.5: the token with its attributes; an empty token ends a list."""
    expiry = f' expirationDate="{datestamp(expires)}"' if expires and token else ""
    return (
        f'<resumptionToken{expiry} completeListSize="{complete_list_size}" '
        f'cursor="{cursor}">{text(token)}</resumptionToken>\n'
    ).encode()


def identify(
    *,
    repository_name: str,
    base_url: str,
    earliest: datetime,
    admin_email: str,
    repository_identifier: str | None,
    sample_identifier: str | None,
) -> bytes:
    """Section 4.2, with the oai-identifier description of the identifier guidelines."""
    parts = [
        "<Identify>\n",
        f"<repositoryName>{text(repository_name)}</repositoryName>\n",
        f"<baseURL>{text(base_url)}</baseURL>\n",
        "<protocolVersion>2.0</protocolVersion>\n",
        f"<adminEmail>{text(admin_email)}</adminEmail>\n",
        f"<earliestDatestamp>{datestamp(earliest)}</earliestDatestamp>\n",
        "<deletedRecord>persistent</deletedRecord>\n",
        f"<granularity>{GRANULARITY}</granularity>\n",
        "<compression>gzip</compression>\n",
        "<compression>deflate</compression>\n",
    ]
    if repository_identifier and sample_identifier:
        parts.append(
            "<description>"
            f'<oai-identifier xmlns="{OAI_ID_NS}" xmlns:xsi="{XSI_NS}" '
            f'xsi:schemaLocation="{OAI_ID_NS} {OAI_ID_SCHEMA}">'
            "<scheme>oai</scheme>"
            f"<repositoryIdentifier>{text(repository_identifier)}</repositoryIdentifier>"
            "<delimiter>:</delimiter>"
            f"<sampleIdentifier>{text(sample_identifier)}</sampleIdentifier>"
            "</oai-identifier></description>\n"
        )
    parts.append("</Identify>\n")
    return "".join(parts).encode()


def metadata_formats(items: Iterable[tuple[str, str, str]]) -> bytes:
    """Section 4.4: (prefix, schema, namespace) of each format."""
    body = "".join(
        f"<metadataFormat><metadataPrefix>{text(prefix)}</metadataPrefix>"
        f"<schema>{text(schema)}</schema>"
        f"<metadataNamespace>{text(namespace)}</metadataNamespace></metadataFormat>\n"
        for prefix, schema, namespace in items
    )
    return f"<ListMetadataFormats>\n{body}</ListMetadataFormats>\n".encode()


def set_element(info: SetInfo) -> str:
    """Section 4.6: a set with its name and an oai_dc ``setDescription``."""
    description = (
        f"<dc:description>{text(info.description)}</dc:description>" if info.description else ""
    )
    return (
        f"<set><setSpec>{text(info.spec)}</setSpec><setName>{text(info.name)}</setName>"
        f'<setDescription><oai_dc:dc xmlns:oai_dc="{OAI_DC_NS}" xmlns:dc="{DC_NS}" '
        f'xmlns:xsi="{XSI_NS}" xsi:schemaLocation="{OAI_DC_NS} {OAI_DC_SCHEMA}">'
        f"<dc:title>{text(info.name)}</dc:title>{description}"
        "</oai_dc:dc></setDescription></set>\n"
    )
