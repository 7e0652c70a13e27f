"""Password and API-token hashing: scrypt (werkzeug.security) for passwords, SHA-256 for tokens.

Passwords are low-entropy secrets, so they get a memory-hard KDF with its parameters stored
beside the hash (they can be raised later without breaking old hashes). API tokens are
256 random bits: a single SHA-256 is enough to keep a stolen database from yielding them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from werkzeug.security import check_password_hash, generate_password_hash

#: werkzeug's scrypt: N = 2**15, r = 8, p = 1, 16-character salt.
METHOD = "scrypt:32768:8:1"
TOKEN_PREFIX = "jo_"
#: Hashes written before werkzeug was used: ``scrypt$N$r$p$salt$hash`` (URL-safe base64).
_LEGACY = "scrypt$"
_LEGACY_MAXMEM = 128 * 1024 * 1024


def hash_password(password: str) -> str:
    """``scrypt:N:r:p$salt$hash``, werkzeug's format."""
    return generate_password_hash(password, method=METHOD)


def verify_password(password: str, stored: str) -> bool:
    """True when ``password`` matches; a malformed stored hash never matches."""
    if stored.startswith(_LEGACY):
        return _verify_legacy(password, stored)
    if not stored.startswith("scrypt:"):
        return False
    try:
        return check_password_hash(stored, password)
    except (ValueError, TypeError):
        return False


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _verify_legacy(password: str, stored: str) -> bool:
    """The hashes kept from before werkzeug did the hashing, so no editor has to reset."""
    try:
        _, n, r, p, salt, digest = stored.split("$")
        expected = _unb64(digest)
        actual = hashlib.scrypt(
            password.encode("utf-8"), salt=_unb64(salt), n=int(n), r=int(r), p=int(p),
            maxmem=_LEGACY_MAXMEM, dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def dummy_verify(password: str) -> None:
    """Spend the time a real check takes, so a login for an unknown name is not faster."""
    verify_password(password, _DUMMY_HASH)


def new_token() -> str:
    """A fresh API token, shown to its owner once."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


#: The hash of a random password nobody knows, written out so that importing costs no scrypt.
_DUMMY_HASH = (
    "scrypt:32768:8:1$4jwR1FbPNolfG2r6$f2f48e074e38b3d76b9883feccea565203421e3fdfe6b816961d67f7"
    "cf8ff221d1e91b7b55370dbe1147abca33c6ed9d735ec715b087165a14c645b5fcd0f32a"
)
