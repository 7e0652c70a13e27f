"""Resumption tokens (section 3.5): stateless, opaque to harvesters, signed, lasting days.

A token carries everything needed to answer the next page: the harvest window (fixed at
the first request, including the store's change sequence then), the keyset position
(datestamp and identifier of the last record sent), the cursor and the completeListSize
counted once at the first page. No session lives on the server, so any worker of any
machine sharing the secret key continues any harvest, and a replayed token answers the
same page again. The HMAC makes a tampered, truncated or foreign token a
``badResumptionToken`` instead of a page of someone else's window.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from app.store.base import Window

VERSION = 1
_VERB_CODES = {"ListIdentifiers": "I", "ListRecords": "R"}
_SIGNATURE_BYTES = 18


class BadToken(Exception):
    """The token is not one this repository issued, or it has expired; the text says which."""


@dataclass(frozen=True)
class HarvestState:
    """Where a harvest stands: what the next request continues from.

    ``cursor`` counts the records sent before the page this state asks for (section 3.5
    calls it the cursor of that page); ``issued`` starts the token's lifetime.
    """

    verb: str
    window: Window
    after: tuple[datetime, str]
    cursor: int
    complete_list_size: int
    issued: datetime

    def expires(self, lifetime: timedelta) -> datetime:
        return self.issued + lifetime


@lru_cache(maxsize=8)
def _key(secret: str) -> bytes:
    return hashlib.sha256(b"jats-oai resumption token\x00" + secret.encode()).digest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _epoch(value: datetime | None) -> int | None:
    return None if value is None else int(value.timestamp())


def _instant(value: object) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError("not an epoch second")
    return datetime.fromtimestamp(value, UTC)


def encode(state: HarvestState, secret: str) -> str:
    """A URL-safe token (base64url and a dot): harvesters need not escape it."""
    w = state.window
    fields = [
        VERSION,
        _VERB_CODES[state.verb],
        w.prefix,
        w.set_spec,
        _epoch(w.from_),
        _epoch(w.until),
        w.max_seq,
        _epoch(state.after[0]),
        state.after[1],
        state.cursor,
        state.complete_list_size,
        _epoch(state.issued),
    ]
    body = _b64(json.dumps(fields, separators=(",", ":"), ensure_ascii=True).encode("ascii"))
    signature = hmac.new(_key(secret), body.encode("ascii"), hashlib.sha256).digest()
    return f"{body}.{_b64(signature[:_SIGNATURE_BYTES])}"


def decode(token: str, secret: str, *, now: datetime, lifetime: timedelta) -> HarvestState:
    """The state a token carries; :class:`BadToken` when forged, damaged or expired."""
    body, dot, signature = token.rpartition(".")
    if not dot or not body:
        raise BadToken("The resumptionToken was not issued by this repository.")
    expected = hmac.new(_key(secret), body.encode("utf-8"), hashlib.sha256).digest()
    try:
        given = _unb64(signature)
    except (binascii.Error, ValueError):
        given = b""
    if not hmac.compare_digest(given, expected[:_SIGNATURE_BYTES]):
        raise BadToken("The resumptionToken was not issued by this repository, or was altered.")
    try:
        fields = json.loads(_unb64(body))
        (
            version,
            verb_code,
            prefix,
            set_spec,
            from_,
            until,
            max_seq,
            after_at,
            after_id,
            cursor,
            size,
            issued,
        ) = fields
        if version != VERSION:
            raise ValueError("token version")
        verb = {code: name for name, code in _VERB_CODES.items()}[verb_code]
        for value in (max_seq, cursor, size):
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError("counter")
        if not isinstance(prefix, str) or not isinstance(after_id, str):
            raise ValueError("text field")
        if set_spec is not None and not isinstance(set_spec, str):
            raise ValueError("set")
        window = Window(prefix, set_spec, _instant(from_), _instant(until), max_seq)
        state = HarvestState(
            verb, window, (_instant(after_at), after_id), cursor, size, _instant(issued)
        )  # type: ignore[arg-type]
    except (ValueError, TypeError, KeyError, OverflowError, OSError, binascii.Error):
        raise BadToken("The resumptionToken is damaged.") from None
    if state.after[0] is None or state.issued is None:
        raise BadToken("The resumptionToken is damaged.")
    expires = state.expires(lifetime)
    if now > expires:
        raise BadToken(
            f"The resumptionToken expired at {expires:%Y-%m-%dT%H:%M:%SZ}; start the harvest again."
        )
    return state
