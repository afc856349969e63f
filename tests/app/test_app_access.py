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


def _payee_ids(at) -> set[str]:
    (table,) = [d.value for d in at.dataframe if "证件号 / 信用代码" in d.value]
    return set(table["证件号 / 信用代码"])


def test_reviewer_reads_id_numbers_masked_on_the_claims_list(sign_in, env_home):
    """A reviewer reads people's ID numbers masked in 补贴's table (5224**********1234);
    finance reads them whole; the reviewer is told which roles may export the public notice
    and which the finance list, each its own reason."""
    import re

    reviewer = sign_in("reviewer")
    reviewer.switch_page("app_pages/subsidies.py").run()
    assert not reviewer.exception, reviewer.exception
    from planner.services.claims import list_claims

    claims = list_claims(url=_url(env_home))
    people = set(claims.loc[claims["payee_kind"] == "person", "payee_id"])
    others = set(claims.loc[claims["payee_kind"] != "person", "payee_id"])
    ids = _payee_ids(reviewer)
    assert people and not ids & people, "a person's full ID number is on the reviewer's screen"
    assert all(re.fullmatch(r"\d{4}\*{10}[\dX]{4}", i) for i in ids - others), ids - others
    captions = [c.value for c in reviewer.caption if "无权导出" in c.value]
    finance_roles = "财务、审计（只读）、管理员"
    assert any("财务拨付清单" in c and finance_roles in c for c in captions), captions
    assert any("公示名单" in c and "审批人" in c for c in captions), captions
    finance = sign_in("finance")
    finance.switch_page("app_pages/subsidies.py").run()
    assert _payee_ids(finance) & people
