"""OAI-PMH 2.0 section 3.5 (flow control): the resumption token format of this repository.

Tokens are stateless, signed and self-describing for the server only: they carry the
harvest window and the keyset position, and nothing unsigned is trusted.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from app.oai import tokens
from app.store.base import Window

SECRET = "a test key"
ISSUED = datetime(2025, 6, 1, 12, 0, 0, tzinfo=UTC)
WEEK = timedelta(days=7)
STATE = tokens.HarvestState(
    verb="ListRecords",
    window=Window(
        "oai_dc",
        "history:2023-4",
        datetime(2024, 1, 1, tzinfo=UTC),
        datetime(2024, 12, 31, 23, 59, 59, tzinfo=UTC),
        4711,
    ),
    after=(datetime(2024, 3, 4, 10, 0, 0, tzinfo=UTC), "history/5763"),
    cursor=300,
    complete_list_size=1234,
    issued=ISSUED,
)


def test_a_token_carries_the_whole_harvest_state() -> None:
    """Section 3.5: the token alone continues the list; no session is kept on the server."""
    token = tokens.encode(STATE, SECRET)
    assert tokens.decode(token, SECRET, now=ISSUED, lifetime=WEEK) == STATE


def test_a_token_needs_no_escaping_in_a_url() -> None:
    """Section 3.1.1: a harvester puts the token in a URL; it holds only unreserved characters."""
    token = tokens.encode(STATE, SECRET)
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")


def test_a_window_without_bounds_round_trips() -> None:
    """Section 3.5: a list without set, from or until continues just the same."""
    state = tokens.HarvestState(
        "ListIdentifiers", Window("jats", None, None, None, 0), (ISSUED, "x"), 0, 1, ISSUED
    )
    token = tokens.encode(state, SECRET)
    assert tokens.decode(token, SECRET, now=ISSUED, lifetime=WEEK) == state


def test_every_changed_character_is_detected() -> None:
    """Section 3.6 badResumptionToken: no single-character change gets past the signature."""
    token = tokens.encode(STATE, SECRET)
    for position, char in enumerate(token):
        for replacement in {"A", "b", "0", "."} - {char}:
            altered = token[:position] + replacement + token[position + 1 :]
            with pytest.raises(tokens.BadToken):
                tokens.decode(altered, SECRET, now=ISSUED, lifetime=WEEK)


def test_a_token_of_another_key_is_refused() -> None:
    """Section 3.6 badResumptionToken: a token another repository (or an older key) signed."""
    token = tokens.encode(STATE, "another key")
    with pytest.raises(tokens.BadToken, match="not issued"):
        tokens.decode(token, SECRET, now=ISSUED, lifetime=WEEK)


def test_a_token_lives_exactly_its_lifetime() -> None:
    """Section 3.5 expirationDate: valid until issue time plus the lifetime, not after."""
    token = tokens.encode(STATE, SECRET)
    assert tokens.decode(token, SECRET, now=ISSUED + WEEK, lifetime=WEEK) == STATE
    with pytest.raises(tokens.BadToken, match="expired at 2025-06-08T12:00:00Z"):
        tokens.decode(token, SECRET, now=ISSUED + WEEK + timedelta(seconds=1), lifetime=WEEK)


@pytest.mark.parametrize("garbage", ["", ".", "junk", "a.b", "..", "Zm9v.YmFy", "ü.ü"])
def test_garbage_is_refused(garbage: str) -> None:
    """Section 3.6 badResumptionToken: what no repository issued."""
    with pytest.raises(tokens.BadToken):
        tokens.decode(garbage, SECRET, now=ISSUED, lifetime=WEEK)


def test_the_signing_key_is_derived_once_per_secret() -> None:
    """Signing many tokens gives what a fresh itsdangerous signer gives for each."""
    import hashlib

    from itsdangerous import Signer

    fresh = Signer(SECRET, salt="jats-oai resumption token", key_derivation="hmac",
                   digest_method=hashlib.sha256)
    for cursor in (0, 100, 200):
        token = tokens.encode(replace(STATE, cursor=cursor), SECRET)
        body = token.rpartition(".")[0]
        assert fresh.sign(body.encode()).decode() == token
        assert tokens.decode(token, SECRET, now=ISSUED, lifetime=WEEK).cursor == cursor


def test_peek_reads_a_token_for_counting_only() -> None:
    """The harvest counters read back a token the provider gave without checking it again;
    answering a request always checks it (decode)."""
    token = tokens.encode(STATE, SECRET)
    assert tokens.peek(token) == STATE
    assert tokens.peek("not a token") is None
    with pytest.raises(tokens.BadToken):
        tokens.decode(token, "another key", now=ISSUED, lifetime=WEEK)
