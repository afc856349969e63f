"""Signed-in browsers (``ui.browser_sessions``): a token signs its user in again after a
reload, until it is forgotten (sign-out) or has been idle or alive too long; only its digest
is kept; the cookie script carries nothing but a token."""

from __future__ import annotations

import pytest

from ui.browser_sessions import IDLE_S, LIFETIME_S, BrowserSessions, cookie_script


def test_a_token_names_the_user_and_role_it_signed_in():
    store = BrowserSessions()
    token = store.sign_in("li", "finance", now=0)
    assert store.user_of(token, now=60) == ("li", "finance")
    assert store.user_of("another-token", now=60) is None
    assert store.user_of(None, now=60) is None


def test_signing_out_forgets_the_token():
    store = BrowserSessions()
    token = store.sign_in("li", "finance", now=0)
    store.forget(token)
    assert store.user_of(token, now=1) is None


def test_an_idle_token_expires_and_use_keeps_it_alive_up_to_its_lifetime():
    store = BrowserSessions()
    idle = store.sign_in("li", "finance", now=0)
    assert store.user_of(idle, now=IDLE_S + 1) is None
    busy = store.sign_in("wang", "operator", now=0)
    t = 0.0
    while t + IDLE_S / 2 < LIFETIME_S:
        t += IDLE_S / 2
        assert store.user_of(busy, now=t) == ("wang", "operator")
    assert store.user_of(busy, now=LIFETIME_S + 1) is None


def test_only_the_digest_of_a_token_is_kept():
    store = BrowserSessions()
    token = store.sign_in("li", "finance", now=0)
    assert token not in repr(store.__dict__)


def test_the_cookie_script_takes_only_a_token():
    store = BrowserSessions()
    token = store.sign_in("li", "finance", now=0)
    assert f"jobbus_session={token}; path=/; SameSite=Strict" in cookie_script(token)
    assert "max-age=0" in cookie_script(None)
    with pytest.raises(ValueError):
        cookie_script("x'; document.location='https://evil.example")
