"""The six verbs of section 4, answered from the store.

Each answer is decided before its first byte is written: the store is queried, errors
are found, and only then is the body put together. So a response is either a complete verb
element or error elements, never a page cut short by a late failure.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from app import identifiers
from app.config import Settings
from app.crosswalks.registry import MetadataFormat, formats
from app.oai import deflate, framing, provenance, responses, tokens
from app.oai.request import (
    GET_RECORD,
    IDENTIFY,
    LIST_IDENTIFIERS,
    LIST_METADATA_FORMATS,
    LIST_RECORDS,
    LIST_SETS,
    OAIError,
    OAIException,
    OAIRequest,
    oai_error,
    parse_request,
)
from app.store.base import HarvestStore, Header, Window

log = logging.getLogger(__name__)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# oai-identifier.xsd: the patterns a repositoryIdentifier and a sampleIdentifier must match.
REPOSITORY_ID_RE = re.compile(r"[a-zA-Z][a-zA-Z0-9\-]*(\.[a-zA-Z][a-zA-Z0-9\-]*)+")
SAMPLE_ID_RE = re.compile(
    r"oai:[a-zA-Z][a-zA-Z0-9\-]*(\.[a-zA-Z][a-zA-Z0-9\-]*)+:[a-zA-Z0-9\-_.!~*'();/?:@&=+$,%]+"
)


def utc_now() -> datetime:
    """The provider's clock: UTC, whole seconds (the granularity of every date it writes)."""
    return datetime.now(UTC).replace(microsecond=0)


@dataclass(frozen=True)
class _Pager:
    """How one list verb reads its rows from the store, places a token and writes a page."""

    fetch: Callable[[Window, tuple[datetime, str] | None, int], list[Any]]
    position: Callable[[Any], tuple[datetime, str]]
    listable: Callable[[Any], bool]
    render: Callable[[list[Any]], list[bytes]]  # parts of the page, joined with the envelope
    pack: Callable[[list[Any]], list[bytes] | None]  # the same parts packed, if stored so

    @classmethod
    def records(cls, provider: Provider) -> _Pager:
        """ListRecords: the fragments framed at put time (app.oai.framing), packed too when
        the answer is to be compressed."""
        id_prefix = provider.oai_identifier("")
        return cls(
            fetch=partial(provider.store.list_framed, packed=provider.packed),
            position=lambda row: (datetime.fromtimestamp(row[0], UTC), row[1]),
            listable=lambda row: framing.sound(row[3]),
            render=lambda rows: framing.page_of_fragments(rows, id_prefix),
            pack=lambda rows: framing.packed_page(rows, id_prefix),
        )

    @classmethod
    def headers(cls, provider: Provider) -> _Pager:
        """ListIdentifiers: headers only."""
        id_prefix = provider.oai_identifier("")
        store = provider.store
        return cls(
            fetch=lambda window, after, limit: store.list_page(window, after, limit, False),
            position=lambda row: (row[0].datestamp, row[0].identifier),
            listable=lambda row: True,
            render=lambda rows: [responses.page_of_headers(rows, id_prefix)],
            pack=lambda rows: None,
        )


@dataclass(frozen=True)
class _Listed:
    """A list verb's element: its opening, the records (plain, and packed when asked and
    stored so), and what closes it (the resumptionToken and the closing tag)."""

    opening: bytes
    records: list[bytes]
    pieces: list[bytes] | None
    closing: bytes


@dataclass(frozen=True)
class Reply:
    """A whole response: its bytes, and the same bytes as pieces of one deflate stream
    (app.oai.deflate) when the answer was asked for packed and the page was stored so."""

    body: bytes
    pieces: list[bytes] | None = None


@dataclass
class Provider:
    """One OAI-PMH repository: the store, the settings and a clock (tests inject their own).

    ``packed``: the answer is to be compressed, so a ListRecords page also comes as the
    packed pieces stored at put time (:class:`Reply`)."""

    store: HarvestStore
    settings: Settings
    clock: Callable[[], datetime] = utc_now
    packed: bool = False

    @property
    def page_size(self) -> int:
        return max(1, self.settings.oai_page_size)

    @property
    def lifetime(self) -> timedelta:
        return timedelta(days=self.settings.token_lifetime_days)

    def oai_identifier(self, local: str) -> str:
        return identifiers.oai_identifier(self.settings.repository_identifier, local)

    def respond(self, pairs: list[tuple[str, str]], base_url: str) -> bytes:
        """The whole response to one request, joined once (see :meth:`reply`)."""
        return self.reply(pairs, base_url).body

    def reply(self, pairs: list[tuple[str, str]], base_url: str) -> Reply:
        """The whole response to one request, joined once.

        A page of 100 records is a few hundred kilobytes: one buffer, sent in one write with
        its Content-Length, costs the server far less than a stream of chunks, each of which
        the WSGI server copies again (memory stays bounded by the page size).
        """
        now = self.clock().astimezone(UTC).replace(microsecond=0)
        request: OAIRequest | None = None
        try:
            request = parse_request(pairs)
            handler = {
                IDENTIFY: self._identify,
                GET_RECORD: self._get_record,
                LIST_IDENTIFIERS: self._list,
                LIST_RECORDS: self._list,
                LIST_METADATA_FORMATS: self._list_metadata_formats,
                LIST_SETS: self._list_sets,
            }[request.verb]
            body = handler(request, now, base_url)
        except OAIException as exc:
            echo = {"verb": request.verb, **request.args} if exc.echo and request else {}
            return Reply(
                responses.head(now, base_url, echo)
                + responses.errors((e.code, e.message) for e in exc.errors)
                + responses.tail()
            )
        head = responses.head(now, base_url, {"verb": request.verb, **request.args})
        if not isinstance(body, _Listed):
            return Reply(b"".join((head, *body, responses.tail())))
        closing = body.closing + responses.tail()
        plain = b"".join((head, body.opening, *body.records, closing))
        if body.pieces is None:
            return Reply(plain)
        opening = deflate.stored(head + body.opening)
        return Reply(plain, [opening, *body.pieces, deflate.stored(closing)])

    # --- Identify (4.2) ----------------------------------------------------------------
    def _identify(self, request: OAIRequest, now: datetime, base_url: str) -> Iterator[bytes]:
        earliest = self.store.earliest_datestamp() or EPOCH
        repository_id = self.settings.repository_identifier
        if not REPOSITORY_ID_RE.fullmatch(repository_id):
            log.warning(
                "OAI-PMH: repository identifier %r is not a domain name; Identify omits "
                "the oai-identifier description",
                repository_id,
            )
            repository_id = ""
        return iter(
            (
                responses.identify(
                    repository_name=self.settings.repository_name,
                    base_url=base_url,
                    earliest=earliest,
                    admin_email=self.settings.admin_email,
                    repository_identifier=repository_id or None,
                    sample_identifier=self._sample_identifier() if repository_id else None,
                ),
            )
        )

    def _sample_identifier(self) -> str:
        """The first record's identifier, when it fits the oai-identifier syntax."""
        window = Window(None, None, None, None, self.store.current_seq())
        for header, _ in self.store.list_page(window, None, 1, False):
            candidate = self.oai_identifier(header.identifier)
            if SAMPLE_ID_RE.fullmatch(candidate):
                return candidate
        return self.oai_identifier("journal/1")

    # --- GetRecord (4.1) ---------------------------------------------------------------
    def _get_record(self, request: OAIRequest, now: datetime, base_url: str) -> Iterator[bytes]:
        fmt = self._format(request.metadata_prefix)
        header = self._header(request.identifier or "")
        if header is None:
            problems = [("idDoesNotExist", f"No record has the identifier {request.identifier}.")]
            if fmt is None:
                problems.append(self._no_format(request.metadata_prefix))
            raise OAIException([OAIError(*p) for p in problems], echo=True)
        if fmt is None:
            raise oai_error(*self._no_format(request.metadata_prefix))
        identifier = self.oai_identifier(header.identifier)
        payload = None
        if not header.deleted:
            raw = self.store.payload(header.identifier, fmt.prefix)
            payload = responses.clean_payload(raw, identifier) if raw is not None else None
            if payload is None:
                raise oai_error(
                    "cannotDisseminateFormat",
                    f"The record {identifier} is not available in {fmt.prefix}.",
                )
        about = b""
        if payload is not None:
            about = provenance.about((self.store.summary(header.identifier) or {}).get(
                "provenance"))
        record = responses.record(header, identifier, payload, about)
        return iter((b"<GetRecord>", record, b"</GetRecord>\n"))

    # --- ListMetadataFormats (4.4) -----------------------------------------------------
    def _list_metadata_formats(
        self, request: OAIRequest, now: datetime, base_url: str
    ) -> Iterator[bytes]:
        registered = formats()
        chosen: list[MetadataFormat] = list(registered.values())
        if request.identifier is not None:
            header = self._header(request.identifier)
            if header is None:
                raise oai_error(
                    "idDoesNotExist", f"No record has the identifier {request.identifier}."
                )
            if not header.deleted:
                available = set(self.store.formats_of(header.identifier))
                chosen = [f for f in chosen if f.prefix in available]
            if not chosen:
                raise oai_error(
                    "noMetadataFormats", f"The record {request.identifier} has no formats."
                )
        public_url = self.settings.public_url
        items = [(f.prefix, f.schema_url(public_url), f.namespace) for f in chosen]
        return iter((responses.metadata_formats(items),))

    # --- ListSets (4.6) ----------------------------------------------------------------
    def _list_sets(self, request: OAIRequest, now: datetime, base_url: str) -> Iterator[bytes]:
        sets = self.store.sets()
        if not sets:
            raise oai_error("noSetHierarchy", "This repository has no sets.")
        if request.resumption_token is not None:
            raise oai_error(
                "badResumptionToken",
                "ListSets answers in one response; this repository issued no token for it.",
            )

        def body() -> Iterator[bytes]:
            yield b"<ListSets>\n"
            for info in sets:
                yield responses.set_element(info).encode()
            yield b"</ListSets>\n"

        return body()

    # --- ListIdentifiers (4.3) and ListRecords (4.5) -----------------------------------
    def _list(self, request: OAIRequest, now: datetime, base_url: str) -> _Listed:
        token = request.resumption_token
        if token is not None:
            state = self._resume(request.verb, token, now)
            window, after, cursor, size = (
                state.window,
                state.after,
                state.cursor,
                state.complete_list_size,
            )
        else:
            window = self._new_window(request)
            after, cursor, size = None, 0, None
        page_size = self.page_size
        pager = _Pager.records(self) if request.verb == LIST_RECORDS else _Pager.headers(self)
        while True:
            rows = pager.fetch(window, after, page_size + 1)
            if not rows:
                raise oai_error("noRecordsMatch", "No records match the request.")
            more = len(rows) > page_size and self._more_from(pager, window, rows[page_size])
            rows = rows[:page_size]
            if size is None and more:
                size = self.store.count(window)
            page = pager.render(rows)
            if page or not more:
                break
            # Every record of this page had a damaged payload (each was logged): an empty
            # list element is not valid OAI-PMH, so the page moves on to the next records.
            cursor += len(rows)
            after = pager.position(rows[-1])
        if not page:
            raise oai_error("noRecordsMatch", "No records match the request.")
        tail = b""
        if more:
            following = tokens.HarvestState(
                request.verb,
                window,
                pager.position(rows[-1]),
                cursor + len(rows),
                max(size or 0, cursor + len(rows) + 1),
                now,
            )
            tail = responses.resumption_token(
                tokens.encode(following, self.settings.secret_key),
                cursor=cursor,
                complete_list_size=following.complete_list_size,
                expires=following.expires(self.lifetime),
            )
        elif token is not None:
            tail = responses.resumption_token(
                "", cursor=cursor, complete_list_size=size or 0, expires=None
            )
        element = request.verb.encode()
        pieces = pager.pack(rows) if self.packed else None
        return _Listed(b"<" + element + b">\n", page, pieces, tail + b"</" + element + b">\n")

    def _more_from(self, pager: _Pager, window: Window, row: Any) -> bool:
        """Whether a record the next page can send comes at or after ``row``.

        Normally ``row`` itself is one. Only when stored fragments are damaged does this
        look further, so that no token ever leads to a page with nothing to send.
        """
        if pager.listable(row):
            return True
        position = pager.position(row)
        while True:
            batch = pager.fetch(window, position, self.page_size)
            if not batch:
                return False
            if any(pager.listable(r) for r in batch):
                return True
            position = pager.position(batch[-1])

    def _resume(self, verb: str, token: str, now: datetime) -> tokens.HarvestState:
        try:
            state = tokens.decode(token, self.settings.secret_key, now=now, lifetime=self.lifetime)
        except tokens.BadToken as exc:
            raise oai_error("badResumptionToken", str(exc)) from None
        if state.verb != verb:
            raise oai_error("badResumptionToken", f"This resumptionToken belongs to {state.verb}.")
        if state.window.prefix not in formats():
            raise oai_error(
                "badResumptionToken", "The metadata format of this harvest is no longer offered."
            )
        return state

    def _new_window(self, request: OAIRequest) -> Window:
        prefix = request.metadata_prefix or ""
        if prefix not in formats():
            raise oai_error(*self._no_format(prefix))
        set_spec = request.set_spec
        if set_spec is not None and not self.store.set_exists(set_spec):
            if not self.store.sets():
                raise oai_error("noSetHierarchy", "This repository has no sets.")
            raise oai_error("noRecordsMatch", f"There is no set {set_spec}.")
        return Window(
            prefix,
            set_spec,
            request.from_.value if request.from_ else None,
            request.until.value if request.until else None,
            self.store.current_seq(),
        )

    # --- helpers -----------------------------------------------------------------------
    def _format(self, prefix: str | None) -> MetadataFormat | None:
        return formats().get(prefix or "")

    def _no_format(self, prefix: str | None) -> tuple[str, str]:
        offered = ", ".join(formats())
        return (
            "cannotDisseminateFormat",
            f"The metadata format '{prefix}' is not offered here (offered: {offered}).",
        )

    def _header(self, identifier: str) -> Header | None:
        local = identifiers.local_part(identifier, self.settings.repository_identifier)
        return self.store.header(local) if local is not None else None
