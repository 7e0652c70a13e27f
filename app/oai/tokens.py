"""Resumption tokens (section 3.5): stateless, opaque to harvesters, signed, lasting days.

A token carries everything needed to answer the next page: the harvest window (fixed at
the first request, including the store's change sequence then), the keyset position
(datestamp and identifier of the last record sent), the cursor and the completeListSize
counted once at the first page. No session lives on the server, so any worker of any
machine sharing the secret key continues any harvest, and a replayed token answers the
same page again. The signature (itsdangerous, HMAC-SHA256) makes a tampered, truncated or
foreign token a ``badResumptionToken`` instead of a page of someone else's window.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from itsdangerous import Signer

from app.store.base import Window

VERSION = 2
_VERB_CODES = {"ListIdentifiers": b"I", "ListRecords": b"R"}
_VERBS = {code: name for name, code in _VERB_CODES.items()}
# version, verb, which optional fields are present (set, from, until), from, until, max_seq,
# after datestamp, cursor, completeListSize, issued, then the byte lengths of the three
# texts (prefix, set, after identifier) that follow in UTF-8.
_FIXED = struct.Struct(">BcBqqQqQQqHHI")
_HAS_SET, _HAS_FROM, _HAS_UNTIL = 1, 2, 4


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


class _KeyedSigner(Signer):
    """itsdangerous' Signer, deriving its HMAC key from the secret once instead of on every
    signature (the derived key depends on nothing else); every page signs one token and
    checks another."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._derived: dict[bytes | None, bytes] = {}

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        key = secret_key.encode() if isinstance(secret_key, str) else secret_key
        derived = self._derived.get(key)
        if derived is None:
            derived = self._derived[key] = super().derive_key(secret_key)
        return derived


@lru_cache(maxsize=8)
def _signer(secret: str) -> Signer:
    """HMAC-SHA256 by itsdangerous, one signer per secret for the process."""
    return _KeyedSigner(
        secret,
        salt="jats-oai resumption token",
        key_derivation="hmac",
        digest_method=hashlib.sha256,
    )


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
    """A URL-safe token (base64url and a dot): harvesters need not escape it.

    The body is a packed binary record, not JSON: a harvest signs one token and checks
    another on every page, and packing costs a fraction of text encoding.
    """
    w = state.window
    prefix = w.prefix.encode()  # type: ignore[union-attr]
    set_spec = b"" if w.set_spec is None else w.set_spec.encode()
    after_id = state.after[1].encode()
    flags = (
        (_HAS_SET if w.set_spec is not None else 0)
        | (_HAS_FROM if w.from_ is not None else 0)
        | (_HAS_UNTIL if w.until is not None else 0)
    )
    fixed = _FIXED.pack(
        VERSION,
        _VERB_CODES[state.verb],
        flags,
        _epoch(w.from_) or 0,
        _epoch(w.until) or 0,
        w.max_seq,
        _epoch(state.after[0]),
        state.cursor,
        state.complete_list_size,
        _epoch(state.issued),
        len(prefix),
        len(set_spec),
        len(after_id),
    )
    body = base64.urlsafe_b64encode(fixed + prefix + set_spec + after_id).rstrip(b"=")
    return _signer(secret).sign(body).decode("ascii")


def _unpack(raw: bytes) -> HarvestState:
    """The state of a verified body; ValueError (or struct.error) when it does not parse."""
    (
        version,
        verb_code,
        flags,
        from_,
        until,
        max_seq,
        after_at,
        cursor,
        size,
        issued,
        prefix_len,
        set_len,
        after_len,
    ) = _FIXED.unpack_from(raw)
    if version != VERSION or flags & ~(_HAS_SET | _HAS_FROM | _HAS_UNTIL):
        raise ValueError("token version")
    texts = raw[_FIXED.size :]
    if len(texts) != prefix_len + set_len + after_len:
        raise ValueError("token length")
    prefix = texts[:prefix_len].decode()
    set_spec = texts[prefix_len : prefix_len + set_len].decode() if flags & _HAS_SET else None
    after_id = texts[prefix_len + set_len :].decode()
    window = Window(
        prefix,
        set_spec,
        _instant(from_) if flags & _HAS_FROM else None,
        _instant(until) if flags & _HAS_UNTIL else None,
        max_seq,
    )
    return HarvestState(
        _VERBS[verb_code],
        window,
        (_instant(after_at), after_id),  # type: ignore[arg-type]
        cursor,
        size,
        _instant(issued),  # type: ignore[arg-type]
    )


def peek(token: str) -> HarvestState | None:
    """What a token says, its signature unchecked: only for counting answers this provider
    has already given (app.oai.harvest_log), never to answer a request. None when it does
    not parse."""
    body = token.rpartition(".")[0]
    try:
        return _unpack(_unb64(body))
    except (ValueError, TypeError, KeyError, OverflowError, OSError, struct.error):
        return None


def decode(token: str, secret: str, *, now: datetime, lifetime: timedelta) -> HarvestState:
    """The state a token carries; :class:`BadToken` when forged, damaged or expired."""
    body, dot, _ = token.rpartition(".")
    if not dot or not body:
        raise BadToken("The resumptionToken was not issued by this repository.")
    # The whole text is compared with the one this body signs to, not the decoded signature:
    # base64 lets a last character change without changing the bytes, and any change to a
    # token's text must make it bad.
    expected = _signer(secret).sign(body.encode("utf-8"))
    if not hmac.compare_digest(expected, token.encode("utf-8")):
        raise BadToken("The resumptionToken was not issued by this repository, or was altered.")
    try:
        state = _unpack(_unb64(body))
    except (ValueError, TypeError, KeyError, OverflowError, OSError, struct.error):
        raise BadToken("The resumptionToken is damaged.") from None
    expires = state.expires(lifetime)
    if now > expires:
        raise BadToken(
            f"The resumptionToken expired at {expires:%Y-%m-%dT%H:%M:%SZ}; start the harvest again."
        )
    return state
