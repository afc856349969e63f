"""Sign-in glue: the login form, who is signed in, the sidebar badge and logout.

Rules implemented:

- local accounts only by default: the form calls ``planner.services.auth.authenticate``, which
  checks an argon2 hash in the ledger; the password is never kept in the session;
- the signed-in user (``planner.services.auth.User``) lives in ``st.session_state["user"]``;
  on every rerun app.py checks it against the ledger (``check_session``: one indexed read,
  ``auth.session_user``): a user deactivated or given another role is signed out at once and
  told why;
- reloading the page keeps the user signed in: the browser holds a random token in a session
  cookie, this server the user it signed in (``ui.browser_sessions``: 2 h idle, 12 h at most,
  forgotten at sign-out); a new session restores the user only if ``auth.session_user`` still
  has them active in the same role (else it is signed out and told why);
- repeated failed sign-ins lock the name (and the browser's address, when Streamlit knows it)
  for a while; the form then says how long to wait;
- the sidebar shows the user's name and role (translated) and a logout button;
- the UI hides what a role may not do (``may``), but the service layer is what refuses;
- optional single sign-on: only when ``.streamlit/secrets.toml`` has an ``[auth]`` section (an
  OpenID Connect provider, which needs the internet) a second button signs in with
  ``st.login``; the e-mail (or the part before ``@``) must name an active local user, whose
  role applies. Without that section nothing changes.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from planner.services import auth
from ui import browser_sessions
from ui.backend import database_url
from ui.i18n import t

USER_KEY = "user"
TOKEN_KEY = "session_token"


@st.cache_resource
def _browsers() -> browser_sessions.BrowserSessions:
    """The signed-in browsers of this server process (shared by every session)."""
    return browser_sessions.BrowserSessions()


def current_user() -> Any | None:
    """The signed-in ``User``, or ``None``."""
    return st.session_state.get(USER_KEY)


def check_session() -> None:
    """Sign the user out if the ledger no longer has them active in the same role (called once
    per rerun by app.py; the login form then explains why)."""
    user = st.session_state.get(USER_KEY)
    if user is None:
        user = _restore()
        if user is None:
            return
    if auth.session_user(user, url=database_url()) is None:
        _sign_out()
        st.session_state[ENDED_KEY] = True


def _restore() -> Any | None:
    """The user this browser signed in before the page was reloaded (its cookie's token), or
    ``None``."""
    try:
        token = st.context.cookies.get(browser_sessions.COOKIE)
    except Exception:  # no script run context
        return None
    if not isinstance(token, str) or st.session_state.get(FORGOTTEN_KEY) == token:
        return None
    found = _browsers().user_of(token)
    if found is None:
        return None
    username, role = found
    user = auth.User(username=username, role=auth.Role(role))
    st.session_state[USER_KEY] = user
    st.session_state[TOKEN_KEY] = token
    return user


def _signed_in(user: Any) -> None:
    """``user`` is signed in: in this session, and in this browser until sign-out."""
    st.session_state[USER_KEY] = user
    st.session_state[TOKEN_KEY] = _browsers().sign_in(user.username, str(user.role))


def remember_browser() -> None:
    """Write the session's token into the browser's cookie (drawn on every page while signed
    in; the script sets the cookie, nothing shows)."""
    token = st.session_state.get(TOKEN_KEY)
    if token:
        st.html(browser_sessions.cookie_script(token), unsafe_allow_javascript=True)


ENDED_KEY = "session_ended"
FORGOTTEN_KEY = "forgotten_token"  # the cookie still holds it until the login page clears it


def _sign_out() -> None:
    token = st.session_state.get(TOKEN_KEY)
    _browsers().forget(token)
    for key in list(st.session_state.keys()):
        if key != "lang":
            del st.session_state[key]
    if token:
        st.session_state[FORGOTTEN_KEY] = token


def _client_address() -> str | None:
    try:
        address = getattr(st.context, "ip_address", None)
    except Exception:  # no script run context or an old Streamlit
        return None
    return address if isinstance(address, str) and address else None  # AppTest gives a mock


def role_label(role: str) -> str:
    """A role's name in the session's language."""
    return t(f"roles.{role}")


def actor_label(actor: object) -> str:
    """Who did something, as people read it: a user's name, or the system (the command line,
    the demo seed) in one of its roles: ``system:operator`` → 系统（经办员）."""
    name = "" if actor is None else str(actor)
    if name == "system":
        return t("actors.system")
    if name.startswith("system:"):
        return t("actors.system_as", role=role_label(name.removeprefix("system:")))
    return name


def may(action: str) -> bool:
    """Whether the signed-in user's role may do ``action`` (a key of ``auth.PERMISSIONS``)."""
    user = current_user()
    if user is None:
        return False
    allowed = auth.PERMISSIONS.get(action, frozenset())
    return bool(user.active and user.role in allowed)


def single_sign_on_configured() -> bool:
    """Whether an OpenID Connect provider is configured (``[auth]`` in secrets.toml)."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def _single_sign_on(auth: Any) -> None:
    """Offer ``st.login``; map a signed-in identity to an active local user."""
    if not getattr(st.user, "is_logged_in", False):
        if st.button(t("login.sso"), key="login_sso", icon=":material/badge:"):
            st.login()
        return
    email = str(st.user.get("email") or "")
    names = {email, email.split("@")[0]}
    found = next((u for u in auth.list_users(url=database_url())
                  if u.username in names and u.active), None)
    if found is None:
        st.error(t("login.sso_unknown", who=email))
        return
    _signed_in(found)
    st.rerun()


def login_form() -> None:
    """The sign-in screen: name and password (and single sign-on when configured); on success
    the app reruns signed in."""
    st.title(t("app.title"))
    st.caption(t("login.intro"))
    if st.session_state.get(FORGOTTEN_KEY):
        st.html(browser_sessions.cookie_script(None), unsafe_allow_javascript=True)
    if st.session_state.pop(ENDED_KEY, False):
        st.warning(t("login.session_ended"), icon=":material/logout:")
    if single_sign_on_configured():
        _single_sign_on(auth)
    with st.form("login", clear_on_submit=False):
        username = st.text_input(t("login.username"), key="login_username")
        password = st.text_input(t("login.password"), type="password", key="login_password")
        submitted = st.form_submit_button(t("login.submit"), type="primary", key="login_submit")
    if submitted:
        try:
            user = auth.authenticate(username.strip(), password, url=database_url(),
                                     address=_client_address())
        except getattr(auth, "LoginLocked", ()) as exc:
            st.error(t("login.locked", seconds=exc.seconds), icon=":material/lock_clock:")
            return
        if user is None:
            st.error(t("login.failed"), icon=":material/lock:")
        else:
            _signed_in(user)
            st.session_state.pop("login_password", None)
            st.rerun()


def sidebar_badge() -> None:
    """Name, role and the logout button in the sidebar."""
    user = current_user()
    if user is None:
        return
    st.sidebar.markdown(
        t("login.signed_in_as", user=user.username, role=role_label(str(user.role)))
    )
    if st.sidebar.button(t("login.logout"), key="logout", icon=":material/logout:"):
        _sign_out()
        st.rerun()
    with st.sidebar:
        remember_browser()
