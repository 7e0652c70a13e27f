"""Pages for librarians and readers, and the API for scripts: one blueprint, :data:`bp`."""

from app.web import (  # noqa: F401  (routes)
    api,
    auth,
    deposit,
    errors,
    i18n,
    pages,
    schemas,
    search,
    stats,
    status,
    validate,
)
from app.web.blueprint import bp

__all__ = ["bp"]
