"""AppTest of access control: a session ends when the ledger deactivates or demotes its user,
repeated wrong passwords lock the sign-in, and exports are offered only to roles allowed them."""

from __future__ import annotations

from pathlib import Path

PASSWORD = "secret-pass-1"  # the app fixtures' password (tests/app/conftest.py)

APP = Path(__file__).resolve().parents[2] / "app.py"


def _url(home: Path) -> str:
    return f"sqlite:///{home / 'jobbus.sqlite'}"


def _try(at, username: str, password: str):
    at.text_input(key="login_username").input(username)
    at.text_input(key="login_password").input(password)
    return at.button(key="login_submit").click().run()


def test_deactivated_user_is_signed_out_on_the_next_rerun(sign_in, env_home):
    """An approver deactivated while signed in is signed out at the next rerun and told why."""
    from planner.services.auth import add_user, set_active

    url = _url(env_home)
    add_user("approver7", PASSWORD, "approver", url=url)
    at = sign_in("approver7")
    assert at.session_state["user"].username == "approver7"
    set_active("approver7", False, url=url)
    at.run()
    assert "user" not in at.session_state
    assert "已被停用或角色已变更" in at.warning[0].value


def test_demoted_user_is_signed_out_on_the_next_rerun(sign_in, env_home):
    """An approver demoted to auditor while signed in is signed out at the next rerun."""
    from planner.services.auth import add_user, set_role

    url = _url(env_home)
    add_user("approver8", PASSWORD, "approver", url=url)
    at = sign_in("approver8")
    set_role("approver8", "auditor", url=url)
    at.run()
    assert "user" not in at.session_state
    assert at.text_input(key="login_password")


def test_sign_in_locks_after_five_wrong_passwords(env_home):
    """After 5 wrong passwords even the right one is refused with a time to wait."""
    from streamlit.testing.v1 import AppTest

    from planner.services.auth import add_user

    add_user("clerk9", PASSWORD, "reviewer", url=_url(env_home))
    at = AppTest.from_file(str(APP), default_timeout=30).run()
    for _ in range(5):
        at = _try(at, "clerk9", "not-the-password")
    at = _try(at, "clerk9", PASSWORD)
    assert "user" not in at.session_state
    assert "登录失败次数过多" in at.error[0].value


def test_operator_is_not_offered_the_finance_list(sign_in):
    """An operator sees no download button for the full-ID finance list; finance does."""
    at = sign_in("operator")
    at.switch_page("app_pages/subsidies.py").run()
    assert not at.exception, at.exception
    captions = " ".join(c.value for c in at.caption)
    assert "无权导出" in captions
    finance = sign_in("finance")
    finance.switch_page("app_pages/subsidies.py").run()
    assert "无权导出" not in " ".join(c.value for c in finance.caption)
