"""Sign-in glue: the login form, who is signed in, the sidebar badge and logout.

Rules implemented:

- local accounts only by default: the form calls ``planner.services.auth.authenticate``, which
  checks an argon2 hash in the ledger; the password is never kept in the session;
- the signed-in user (``planner.services.auth.User``) lives in ``st.session_state["user"]``;
  on every rerun app.py checks it against the ledger (``check_session``: one indexed read,
  ``auth.session_user``): a user deactivated or given another role is signed out at once and
  told why;
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
from ui.backend import database_url
from ui.i18n import t

USER_KEY = "user"


def current_user() -> Any | None:
    """The signed-in ``User``, or ``None``."""
    return st.session_state.get(USER_KEY)


def check_session() -> None:
    """Sign the user out if the ledger no longer has them active in the same role (called once
    per rerun by app.py; the login form then explains why)."""
    user = st.session_state.get(USER_KEY)
    if user is None:
        return
    if auth.session_user(user, url=database_url()) is None:
        _sign_out()
        st.session_state[ENDED_KEY] = True


ENDED_KEY = "session_ended"


def _sign_out() -> None:
    for key in list(st.session_state.keys()):
        if key != "lang":
            del st.session_state[key]


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
    st.session_state[USER_KEY] = found
    st.rerun()


def login_form() -> None:
    """The sign-in screen: name and password (and single sign-on when configured); on success
    the app reruns signed in."""
    st.title(t("app.title"))
    st.caption(t("login.intro"))
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
            st.session_state[USER_KEY] = user
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
