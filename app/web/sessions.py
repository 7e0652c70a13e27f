"""Sign-in sessions kept in the store; the browser holds only a random id.

A signed cookie session can be copied and replayed until it expires, whatever the editor
does, and anyone holding it can read what is inside. Here the cookie is 256 random bits and
the store keeps its SHA-256 with the session's data: signing out deletes the row (a copied
cookie then opens nothing), a new password deletes every row of that editor, and every
worker on every host sees the same sessions.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from typing import Any

from flask import Flask, Request, Response
from flask.sessions import SessionInterface, SessionMixin
from werkzeug.datastructures import CallbackDict

from app.factory import services
from app.store.base import StoreUnavailable

SESSION_MAX_AGE = 12 * 3600


def _id_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


class StoreSession(CallbackDict, SessionMixin):  # type: ignore[type-arg]
    """The session's data, the id it was loaded under, and whether it must get a new id."""

    def __init__(self, data: dict[str, Any] | None = None, session_id: str | None = None) -> None:
        def changed(_: Any) -> None:
            self.modified = True

        super().__init__(data or {}, changed)
        self.session_id = session_id
        self.modified = False
        self.renew = False

    def regenerate(self) -> None:
        """A new id at sign-in, so an id planted before it (session fixation) is worthless."""
        self.renew = True
        self.modified = True


class StoreSessionInterface(SessionInterface):
    """Flask's session interface over the store's ``web_sessions`` table."""

    def open_session(self, app: Flask, request: Request) -> StoreSession:
        session_id = request.cookies.get(self.get_cookie_name(app))
        if not session_id or len(session_id) > 128:
            return StoreSession()
        try:
            found = services(app).accounts.load_session(_id_hash(session_id), int(time.time()))
        except StoreUnavailable:
            # The page itself will meet the outage and answer 503; no session meanwhile.
            return StoreSession()
        if found is None:
            return StoreSession()
        try:
            data = json.loads(found[1])
        except ValueError:
            return StoreSession()
        return StoreSession(data if isinstance(data, dict) else {}, session_id)

    def get_cookie_secure(self, app: Flask) -> bool:
        from flask import request

        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        assert isinstance(session, StoreSession)
        store = services(app).accounts
        name = self.get_cookie_name(app)
        domain, path = self.get_cookie_domain(app), self.get_cookie_path(app)
        if not session.modified:
            return
        try:
            if session.session_id and (session.renew or not session):
                store.delete_session(_id_hash(session.session_id))
            if not session:
                if session.session_id:
                    response.delete_cookie(name, domain=domain, path=path)
                return
            if session.session_id is None or session.renew:
                session.session_id = secrets.token_urlsafe(32)
            since = float(session.get("since") or time.time())
            expires = int(since + SESSION_MAX_AGE)
            store.save_session(
                _id_hash(session.session_id), session.get("user"),
                json.dumps(dict(session)), expires,
            )
        except StoreUnavailable:
            return
        response.set_cookie(
            name, session.session_id, expires=expires, httponly=True, domain=domain, path=path,
            secure=self.get_cookie_secure(app), samesite=self.get_cookie_samesite(app),
        )
        response.vary.add("Cookie")
