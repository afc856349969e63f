"""Signed-in browsers: a reload of the page keeps its user signed in.

A Streamlit session ends when the page is reloaded; the browser keeps a random token in a
cookie instead, and this server remembers which user it signed in.

Rules implemented:

- a token is 32 random bytes (``secrets.token_urlsafe``), made at each sign-in; only its
  SHA-256 is kept, in this server process's memory (a restart signs everyone out);
- a token signs in again for at most ``IDLE_S`` after it was last used and ``LIFETIME_S`` after
  the sign-in; signing out, or being signed out (deactivated, role changed), forgets it;
- the token names a user and the role they had: ``ui.auth`` restores the user only through
  ``planner.services.auth.session_user`` (still active, same role), so the service layer still
  decides who may do what;
- the cookie is a session cookie (gone when the browser closes), ``SameSite=Strict``, and
  ``Secure`` over https.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass

COOKIE = "jobbus_session"
IDLE_S = 2 * 3600  # a token unused this long no longer signs in
LIFETIME_S = 12 * 3600  # nor one made this long ago


@dataclass
class _Entry:
    username: str
    role: str
    made: float
    used: float


class BrowserSessions:
    """Tokens of signed-in browsers (thread-safe: every Streamlit session shares one)."""

    def __init__(self) -> None:
        self._by_digest: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    def sign_in(self, username: str, role: str, now: float | None = None) -> str:
        """A new token for ``username`` in ``role`` (the cookie's value)."""
        now = time.time() if now is None else now
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._drop_expired(now)
            self._by_digest[_digest(token)] = _Entry(username, role, now, now)
        return token

    def user_of(self, token: str | None, now: float | None = None) -> tuple[str, str] | None:
        """``(username, role)`` that ``token`` signed in, if it still may (and marks it used);
        else ``None``."""
        if not token:
            return None
        now = time.time() if now is None else now
        with self._lock:
            entry = self._by_digest.get(_digest(token))
            if entry is None:
                return None
            if now - entry.used > IDLE_S or now - entry.made > LIFETIME_S:
                del self._by_digest[_digest(token)]
                return None
            entry.used = now
            return entry.username, entry.role

    def forget(self, token: str | None) -> None:
        """``token`` signs in no more (sign-out)."""
        if token:
            with self._lock:
                self._by_digest.pop(_digest(token), None)

    def _drop_expired(self, now: float) -> None:
        for key in [k for k, e in self._by_digest.items()
                    if now - e.used > IDLE_S or now - e.made > LIFETIME_S]:
            del self._by_digest[key]


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def cookie_script(token: str | None) -> str:
    """The script that sets the cookie to ``token`` (``None``: removes it)."""
    if token is None:
        return (f"<script>document.cookie = '{COOKIE}=; path=/; max-age=0; "
                "SameSite=Strict';</script>")
    if not token.replace("-", "").replace("_", "").isalnum():
        raise ValueError("not a token")
    return (f"<script>document.cookie = '{COOKIE}={token}; path=/; SameSite=Strict'"
            " + (location.protocol === 'https:' ? '; Secure' : '');</script>")
