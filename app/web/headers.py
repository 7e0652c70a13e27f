"""Headers every answer carries, pages, API and OAI-PMH alike.

The pages load no script at all (the JSON-LD block is data, which a Content-Security-Policy
does not execute), so the policy can forbid every script but the site's own files and every
framing: injected markup cannot run, and no other site can frame the deposit or withdraw
forms to trick a click. Applied as WSGI middleware outermost, so the OAI-PMH fast path,
which answers without Flask, gets them too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))

PROTECTIVE_HEADERS: tuple[tuple[str, str], ...] = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
)


def protective_headers(wsgi_app: Callable) -> Callable:
    """Add :data:`PROTECTIVE_HEADERS` to every response that does not set them itself."""

    def app(environ: dict, start_response: Callable) -> Iterable[bytes]:
        def start(status: str, headers: list[tuple[str, str]], exc_info: object = None) -> object:
            present = {name.lower() for name, _ in headers}
            headers = [*headers, *(h for h in PROTECTIVE_HEADERS if h[0].lower() not in present)]
            return start_response(status, headers, exc_info)

        return wsgi_app(environ, start)

    return app
