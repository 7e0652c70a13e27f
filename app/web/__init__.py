"""Pages for librarians and readers, and the API for scripts: one blueprint, :data:`bp`."""

from app.web import api, auth, deposit, errors, pages, schemas, validate  # noqa: F401  (routes)
from app.web.blueprint import bp

__all__ = ["bp"]
