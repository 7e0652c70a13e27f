"""The account store interface: editors, API tokens, sign-in sessions, throttling, audit trail.

Kept apart from records: the sign-in code and ``jats-oai users`` type against this alone.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

from app.store.types import AuditEntry, User


class AccountStore(ABC):
    """Editor accounts and everything a sign-in leaves behind."""

    # --- editors -------------------------------------------------------------------------
    @abstractmethod
    def add_user(self, name: str, password_hash: str, *, admin: bool | None = None) -> None:
        """Create an account or set a new password; a new password ends every session."""

    @abstractmethod
    def user(self, name: str) -> User | None: ...

    @abstractmethod
    def add_token(self, name: str, token_hash: str) -> None: ...

    @abstractmethod
    def user_for_token(self, token_hash: str) -> str | None: ...

    @abstractmethod
    def users(self) -> list[tuple[User, int]]:
        """Every editor account with the number of its API tokens, by name."""

    @abstractmethod
    def remove_tokens(self, name: str) -> int:
        """Revoke every API token of an editor; how many there were."""

    @abstractmethod
    def remove_user(self, name: str) -> bool:
        """Delete an editor account and its tokens (the history keeps the name)."""

    @abstractmethod
    def set_admin(self, name: str, admin: bool) -> bool:
        """Grant or take back the administrator role; False when there is no such account."""

    # --- sessions, sign-in attempts, audit -----------------------------------------------
    @abstractmethod
    def load_session(self, id_hash: str, now: int) -> tuple[str | None, str] | None:
        """(editor or None, JSON data) of an unexpired session, or None."""

    @abstractmethod
    def save_session(self, id_hash: str, name: str | None, data: str, expires: int) -> None:
        """Create or replace a session; expired sessions are swept on the way."""

    @abstractmethod
    def delete_session(self, id_hash: str) -> None: ...

    @abstractmethod
    def end_sessions(self, name: str) -> int:
        """End every session of an editor (password change, removal); how many there were."""

    @abstractmethod
    def login_attempt(self, keys: Sequence[str], window: int, now: int) -> dict[str, int]:
        """Count one sign-in attempt under each key; the attempts of the last ``window``
        seconds per key, this one included. Counted before the password is checked, so
        concurrent guesses on several workers can never exceed the limit."""

    @abstractmethod
    def clear_login_attempts(self, keys: Sequence[str]) -> None: ...

    @abstractmethod
    def audit(self, actor: str, action: str, subject: str = "") -> None:
        """Add a line to the audit trail."""

    @abstractmethod
    def audit_trail(self, limit: int = 100) -> list[AuditEntry]:
        """The latest lines of the audit trail, newest first."""
