"""Who is asking: editor sessions for the pages, bearer tokens for scripts, CSRF for forms.

CSRF tokens are Flask-WTF's (``CSRFProtect``): the raw token lives in the server-side session,
forms carry it signed with the secret key. The check runs here rather than by default, so the
API (bearer tokens, no cookies) is left out and a refusal says what to do in plain words.

Pages authenticate only by the session cookie and every form carries a CSRF token; the
``/api/`` routes authenticate only by ``Authorization: Bearer`` and ignore cookies, so a
forged cross-site request can change nothing through either door.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Flask,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.factory import services
from app.urls import safe_url
from app.web.blueprint import bp
from app.web.passwords import dummy_verify, hash_token, verify_password
from app.web.sessions import SESSION_MAX_AGE, StoreSession, StoreSessionInterface

LOGIN_FAILURES_ALLOWED = 5
LOGIN_WINDOW_SECONDS = 15 * 60
DEVICE_COOKIE = "jats_oai_device"
DEVICE_MAX_AGE = 180 * 24 * 3600
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
csrf = CSRFProtect()


@bp.record_once
def _configure(state: Any) -> None:
    app: Flask = state.app
    settings = services(app).settings
    app.session_interface = StoreSessionInterface()
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.config.update(
        SESSION_COOKIE_NAME="jats_oai_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.public_url.startswith("https:"),
        MAX_FORM_MEMORY_SIZE=settings.max_upload_bytes + 64 * 1024,
        # Checked by _check_csrf; a token lives as long as its session; no Referer needed
        # (the Referrer-Policy may withhold it).
        WTF_CSRF_CHECK_DEFAULT=False,
        WTF_CSRF_TIME_LIMIT=None,
        WTF_CSRF_SSL_STRICT=False,
    )
    csrf.init_app(app)


def _fingerprint(password_hash: str) -> str:
    """Ties a session to the password it was opened with: a new password ends old sessions."""
    return hashlib.sha256(password_hash.encode("utf-8")).hexdigest()[:32]


def current_user() -> str | None:
    """The editor signed in through the session cookie, or None for an anonymous reader."""
    if "user" in g:
        return g.user
    g.user = None
    name = session.get("user")
    if name:
        user = services(current_app).accounts.user(name)
        fresh = time.time() - float(session.get("since", 0)) < SESSION_MAX_AGE
        if user and fresh and hmac.compare_digest(
            session.get("auth", ""), _fingerprint(user.password_hash)
        ):
            g.user = name
        else:
            session.clear()
    return g.user


def token_user() -> str | None:
    """The owner of the bearer token of this request, or None."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return services(current_app).accounts.user_for_token(hash_token(token.strip()))


@bp.app_context_processor
def _template_globals() -> dict[str, Any]:
    return {"csrf_token": generate_csrf, "current_user": current_user, "safe_url": safe_url}


@bp.before_request
def _check_csrf() -> None:
    """Every state-changing form request must echo the session's token."""
    if request.method in SAFE_METHODS or request.path.startswith("/api/"):
        return
    try:
        csrf.protect()
    except CSRFError:
        abort(400, description=(
            "This form has expired or was not sent from this site (its security token is "
            "missing or wrong). Reload the page and submit the form again."
        ))


def login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Anonymous visitors are sent to the login page and come back afterwards."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_user() is None:
            if request.method in SAFE_METHODS:
                return redirect(url_for("web.login", next=request.full_path.rstrip("?")))
            abort(401, description="Sign in as an editor to change the collection.")
        return view(*args, **kwargs)

    return wrapper


def token_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """API routes that change the collection need a valid bearer token."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        user = token_user()
        if user is None:
            abort(401, description=(
                "A valid API token is required: send 'Authorization: Bearer <token>' "
                "(create one with 'jats-oai users token NAME')."
            ))
        g.api_user = user
        return view(*args, **kwargs)

    return wrapper


def _device_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="jats-oai-device")


def _known_device(name: str) -> bool:
    """Whether this browser signed in as ``name`` before (it carries the device cookie).

    Guesses at an account from elsewhere then never lock its owner out: the owner's own
    browser is counted apart from everyone else (OWASP's "device cookie" scheme).
    """
    cookie = request.cookies.get(DEVICE_COOKIE, "")
    if not cookie or not name:
        return False
    try:
        signed = _device_serializer().loads(cookie, max_age=DEVICE_MAX_AGE)
    except BadSignature:
        return False
    return isinstance(signed, str) and signed == name.casefold()


def throttle_keys(name: str) -> tuple[str, str]:
    """The client address's bucket and the account's (the owner's device has its own)."""
    account = f"name:{name.casefold()}"
    if _known_device(name):
        account = f"device:{name.casefold()}:{hash_token(request.cookies[DEVICE_COOKIE])}"
    return f"addr:{request.remote_addr}", account


def _safe_next(target: str | None) -> str:
    """Only local paths: a login link must never bounce the editor to another site."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") \
                and not target.startswith("//") and "\\" not in target:
            return target
    return url_for("web.home")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    next_url = request.values.get("next", "")
    if request.method == "GET":
        return render_template("login.html", next_url=next_url, error=None)
    name = request.form.get("name", "").strip()
    password = request.form.get("password", "")
    store = services(current_app).accounts
    keys = throttle_keys(name)
    counts = store.login_attempt(keys, LOGIN_WINDOW_SECONDS, int(time.time()))
    if max(counts.values()) > LOGIN_FAILURES_ALLOWED:
        store.audit(name or "-", "login refused (throttled)", f"from {request.remote_addr}")
        return render_template(
            "login.html", next_url=next_url, name=name,
            error="Too many failed sign-ins; wait a quarter of an hour and try again.",
        ), 429
    user = store.user(name) if name else None
    if user is None:
        dummy_verify(password)
    if user is None or not verify_password(password, user.password_hash):
        store.audit(name or "-", "login failed", f"from {request.remote_addr}")
        return render_template(
            "login.html", next_url=next_url, name=name,
            error="The name or the password is not right.",
        ), 401
    store.clear_login_attempts(keys)
    session.clear()
    if isinstance(session, StoreSession):
        session.regenerate()
    session.update(
        user=user.name, auth=_fingerprint(user.password_hash), since=time.time()
    )
    store.audit(user.name, "login", f"from {request.remote_addr}")
    flash(f"Signed in as {user.name}.")
    response = redirect(_safe_next(next_url))
    response.set_cookie(
        DEVICE_COOKIE, _device_serializer().dumps(user.name.casefold()),
        max_age=DEVICE_MAX_AGE, httponly=True, samesite="Lax",
        secure=current_app.session_interface.get_cookie_secure(current_app),
    )
    return response


@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    """Ends the session on the server: the cookie, even copied beforehand, opens nothing."""
    name = current_user()
    session.clear()
    if isinstance(session, StoreSession):
        session.regenerate()
    if name:
        services(current_app).accounts.audit(name, "logout")
    flash("Signed out.")
    return redirect(url_for("web.home"))
