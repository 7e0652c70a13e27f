"""Checking OAI-PMH responses the way a strict harvester would, for any test that gets one.

:func:`validate_response` parses a response body and validates all of it. OAI-PMH.xsd
admits a payload (``metadata``, Identify ``description``, ``setDescription``) only if it is
valid against a schema for its namespace (``processContents="strict"``). One schema set
cannot hold every format (oai_dc's and OpenAIRE's Dublin Core schemas clash), so each
metadata payload is validated on its own against the schema its format declares (found by
namespace in the format registry), and the envelope is validated with each payload replaced
by an empty ``oai_dc:dc``; together that is the strict validation. Descriptions are
validated in place, against oai-identifier.xsd and oai_dc.xsd.

:class:`OAIClient` wraps Flask's test client so that every response a protocol test
receives goes through :func:`validate_response` before the test sees it.
"""

from __future__ import annotations

import copy
import gzip
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from pathlib import Path
from urllib.parse import urlencode

from lxml import etree

from app.config import Settings, load_settings
from app.crosswalks.registry import formats
from app.factory import create_app, services
from app.ingest import Prepared, commit, prepare
from app.jats.schemas import schema_directory
from app.oai.views import oai_state
from app.store.base import Header

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
OAI = f"{{{OAI_NS}}}"
NS = {
    "oai": OAI_NS,
    "oai_dc": "http://www.openarchives.org/OAI/2.0/oai_dc/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "id": "http://www.openarchives.org/OAI/2.0/oai-identifier",
}
SCHEMA_LOCATION = f"{OAI_NS} http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
_SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


class OAIResponseInvalid(AssertionError):
    """A response or one of its payloads broke a schema; the message says which and where."""


def _payload_schema(namespace: str, schema_dir: Path) -> etree.XMLSchema:
    """The schema a registered format declares for its namespace."""
    for fmt in formats().values():
        if fmt.namespace == namespace:
            return fmt.schema(schema_dir)
    raise OAIResponseInvalid(f"a payload is in {namespace}, which no registered format declares")


def _assert_valid(schema: etree.XMLSchema, element: etree._Element, what: str) -> None:
    if not schema.validate(element):
        errors = "; ".join(f"line {e.line}: {e.message}" for e in schema.error_log[:5])
        raise OAIResponseInvalid(f"{what} is invalid: {errors}")


_ENVELOPE_IMPORTS = {
    OAI_NS: "oai-pmh/OAI-PMH.xsd",
    NS["id"]: "oai-pmh/oai-identifier.xsd",
    NS["oai_dc"]: "oai-pmh/oai_dc.xsd",
    "http://www.openarchives.org/OAI/2.0/provenance": "oai-pmh/provenance.xsd",
}
_envelopes: dict[Path, etree.XMLSchema] = {}


def envelope_schema(schema_dir: Path) -> etree.XMLSchema:
    """OAI-PMH.xsd with the schemas its strict ``description`` wildcards need.

    Identify descriptions, setDescriptions and ``about`` containers are
    ``processContents="strict"``: a validator must know oai-identifier.xsd, oai_dc.xsd and
    provenance.xsd, as the OAI registration validator does.
    """
    schemas = schema_directory(schema_dir)
    if schemas.root not in _envelopes:
        imports = "".join(
            f'<xs:import namespace="{ns}" schemaLocation="{(schemas.root / path).as_uri()}"/>'
            for ns, path in _ENVELOPE_IMPORTS.items()
        )
        wrapper = f'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">{imports}</xs:schema>'
        doc = etree.fromstring(
            wrapper.encode(), schemas.schema_parser(), base_url=str(schemas.root / "wrapper.xsd")
        )
        _envelopes[schemas.root] = etree.XMLSchema(doc)
    return _envelopes[schemas.root]


def validate_response(body: bytes, schema_dir: Path | None = None) -> etree._Element:
    """Parse and fully validate one OAI-PMH response body; return its root element."""
    schemas = schema_directory(schema_dir or load_settings().schema_dir)
    try:
        root = etree.fromstring(body, _SAFE_PARSER)
    except etree.XMLSyntaxError as exc:
        raise OAIResponseInvalid(f"the response is not well-formed XML: {exc}") from None
    location = root.get("{http://www.w3.org/2001/XMLSchema-instance}schemaLocation")
    if location != SCHEMA_LOCATION:
        raise OAIResponseInvalid(f"OAI-PMH schemaLocation is {location!r}")
    envelope = copy.deepcopy(root)
    for metadata in envelope.iterfind(".//oai:metadata", NS):
        payload = metadata[0]
        namespace = etree.QName(payload).namespace or ""
        identifier = metadata.getparent().findtext("oai:header/oai:identifier", None, NS)
        _assert_valid(
            _payload_schema(namespace, schemas.root),
            copy.deepcopy(payload),
            f"the {namespace} payload of {identifier}",
        )
        metadata.replace(payload, etree.Element(f"{{{NS['oai_dc']}}}dc"))
    _assert_valid(envelope_schema(schemas.root), envelope, "the OAI-PMH envelope")
    for description in root.iterfind(".//id:oai-identifier", NS):
        _assert_valid(schemas.xsd("oai-pmh/oai-identifier.xsd"), description, "oai-identifier")
    for description in root.iterfind(".//oai:setDescription", NS):
        _assert_valid(schemas.xsd("oai-pmh/oai_dc.xsd"), description[0], "a setDescription")
    return root


def decoded_body(body: bytes, content_encoding: str | None) -> bytes:
    """The body as sent before HTTP compression (gzip, or zlib-framed deflate)."""
    if content_encoding == "gzip":
        return gzip.decompress(body)
    if content_encoding == "deflate":
        return zlib.decompress(body)
    return body


@dataclass
class OAIResponse:
    """A validated response and the parts tests ask about."""

    status: int
    headers: Mapping[str, str]
    body: bytes
    root: etree._Element

    @property
    def error_codes(self) -> list[str]:
        return [e.get("code") for e in self.root.iterfind("oai:error", NS)]

    @property
    def request_attributes(self) -> dict[str, str]:
        return dict(self.root.find("oai:request", NS).attrib)

    @property
    def verb_element(self) -> etree._Element | None:
        for child in self.root:
            if etree.QName(child).localname not in ("responseDate", "request", "error"):
                return child
        return None

    @property
    def headers_listed(self) -> list[etree._Element]:
        return self.root.findall(".//oai:header", NS)

    @property
    def identifiers(self) -> list[str]:
        return [h.findtext("oai:identifier", None, NS) for h in self.headers_listed]

    @property
    def token(self) -> etree._Element | None:
        return self.root.find(".//oai:resumptionToken", NS)

    @property
    def records(self) -> list[etree._Element]:
        return self.root.findall(".//oai:record", NS)

    @cached_property
    def response_date(self) -> str:
        return self.root.findtext("oai:responseDate", None, NS)


class OAIClient:
    """Flask's test client for ``/oai``; every response is validated before it is returned."""

    def __init__(self, flask_client, path: str = "/oai", schema_dir: Path | None = None) -> None:
        self.client = flask_client
        self.path = path
        self.schema_dir = schema_dir
        self.received = 0

    def check(self, response) -> OAIResponse:  # noqa: ANN001
        body = decoded_body(response.get_data(), response.headers.get("Content-Encoding"))
        assert response.status_code == 200, (response.status_code, body[:500])
        assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
        root = validate_response(body, self.schema_dir)
        self.received += 1
        return OAIResponse(response.status_code, response.headers, body, root)

    def get(self, pairs: Iterable[tuple[str, str]] | None = None, /, **params: str) -> OAIResponse:
        """GET with arguments as keywords, or as (name, value) pairs to repeat a name."""
        return self.query(urlencode(list(pairs or params.items())))

    def query(self, query_string: str, headers: Mapping[str, str] | None = None) -> OAIResponse:
        """GET with a raw query string, for requests no keyword call can express."""
        return self.check(
            self.client.get(f"{self.path}?{query_string}", headers=dict(headers or {}))
        )

    def post(self, pairs: Iterable[tuple[str, str]] | None = None, /, **params: str) -> OAIResponse:
        """POST as application/x-www-form-urlencoded (section 3.1.1)."""
        return self.check(
            self.client.post(
                self.path,
                data=urlencode(list(pairs or params.items())),
                content_type="application/x-www-form-urlencoded",
            )
        )

    def harvest(self, verb: str = "ListRecords", **params: str) -> list[OAIResponse]:
        """Every page of a list request, following resumption tokens to the empty one."""
        pages = [self.get(verb=verb, **params)]
        while pages[-1].token is not None and (pages[-1].token.text or ""):
            pages.append(self.get(verb=verb, resumptionToken=pages[-1].token.text))
        return pages


# --- a repository under test -------------------------------------------------------------

#: Records the protocol tests deposit: the seed, and real publishers' articles chosen so that
#: some can be given as ``jats`` and some cannot, over several journals, volumes and sets.
SAMPLE_FILES = (
    "records:history/2023/04/5763.xml",
    "corpus:jats-cyrillic/pensoft-mycokeys.1.2066.xml",
    "corpus:jats-real/copernicus-gh-69-313-2014.xml",
    "data:minimal-jats-1.4-no-doctype.xml",  # valid JATS 1.4: not given as jats (1.3)
    "corpus:jats-real/elife-00007.xml",
    "corpus:jats-real/elife-00133.xml",
    "corpus:jats-real/elife-00270.xml",
    "corpus:jats-real/elife-04493.xml",
    "corpus:jats-real/biorxiv-371435.xml",
)
TEST_DATA = Path(__file__).parent / "data"
_prepared: dict[tuple[Path, Path], list[Prepared]] = {}


def sample_records(records_dir: Path, corpus_dir: Path, settings: Settings) -> list[Prepared]:
    """The sample articles through the real ingest pipeline, prepared once per test session."""
    key = (records_dir, corpus_dir)
    if key not in _prepared:
        found = []
        for spec in SAMPLE_FILES:
            where, _, relative = spec.partition(":")
            folders = {"records": records_dir, "corpus": corpus_dir, "data": TEST_DATA}
            path = folders[where] / relative
            result = prepare(path.read_bytes(), settings=settings, origin=None, filename=str(path))
            assert isinstance(result, Prepared), f"{path} was rejected: {result}"
            found.append(result)
        _prepared[key] = found
    return _prepared[key]


class Repository:
    """The app on a real store, with the store's and the provider's clocks under control.

    ``put``/``withdraw`` give each change the datestamp a test names; ``now`` sets the
    provider's clock (responseDate, token issue and expiry).
    """

    def __init__(self, settings: Settings, records: list[Prepared]) -> None:
        self.settings = settings
        self.app = create_app(settings)
        self.store = services(self.app).store
        self.oai = OAIClient(self.app.test_client(), schema_dir=settings.schema_dir)
        self.records = {p.draft.identifier: p for p in records}

    def oai_id(self, local: str) -> str:
        return f"oai:{self.settings.repository_identifier}:{local}"

    def put(self, prepared: Prepared, at: datetime) -> Header:
        self.store.clock = lambda: at.timestamp()  # type: ignore[method-assign]
        return commit(self.store, prepared, actor="test").header

    def put_all(self, start: datetime, step: timedelta) -> dict[str, datetime]:
        """Deposit every sample record, the n-th at ``start + n * step``."""
        stamps = {}
        for n, prepared in enumerate(self.records.values()):
            stamps[prepared.draft.identifier] = self.put(prepared, start + n * step).datestamp
        return stamps

    def withdraw(self, local: str, at: datetime) -> Header:
        self.store.clock = lambda: at.timestamp()  # type: ignore[method-assign]
        header = self.store.withdraw(local, actor="test")
        assert header is not None
        return header

    def now(self, at: datetime) -> None:
        oai_state(self.app).clock = lambda: at

    def close(self) -> None:
        self.store.close()
