"""补贴's money actions (发起支付, 登记已支付) are confirmed with their count and total before
anything moves: the first click only asks; 确认 acts on exactly the claims shown; 取消, a pick
changed since, or a claim changed in the ledger since (someone else acted) does nothing."""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests.app.conftest import PASSWORD
from ui import fmt

OTHER = "finance-other"  # a second finance officer, working in another tab


def _url(home: Path) -> str:
    return f"sqlite:///{home / 'jobbus.sqlite'}"


def _messages(at: Any) -> str:
    return " ".join(str(x.value) for kind in ("success", "info", "warning", "error", "toast")
                    for x in getattr(at, kind))


def _buttons(at: Any) -> set[str]:
    return {b.key for b in at.button if b.key}


def _fresh_payable(url: str, n: int) -> list[int]:
    """``n`` claims whose notice is ended here and now, so no payment was ever issued for
    them (a payment batch made by another test takes every payable claim of the ledger)."""
    from planner.services import claims
    from planner.services.auth import Role, system_actor

    in_notice = claims.list_claims("in_notice", url=url)
    ids = [int(c) for c in in_notice["claim_id"].iloc[-n:]]
    assert len(ids) == n, "the seeded ledger has claims in notice"
    claims.close_notice(ids, system_actor(Role.APPROVER), url=url)
    return ids


def _ledger(url: str, ids: list[int]) -> pd.DataFrame:
    from planner.services.claims import list_claims

    return list_claims(url=url).set_index("claim_id").loc[ids]


def _unpaid(url: str, ids: list[int]) -> bool:
    """Whether the claims ``ids`` are as they were made: notice done, no payment at all."""
    rows = _ledger(url, ids)
    return bool((rows["state"] == "notice_done").all() and rows["payment_id"].isna().all())


def _other_finance(url: str) -> Any:
    from planner.services.auth import add_user, authenticate

    with contextlib.suppress(ValueError):  # made by an earlier test of the session
        add_user(OTHER, PASSWORD, "finance", url=url)
    user = authenticate(OTHER, PASSWORD, url=url)
    assert user is not None
    return user


def _picked(sign_in: Any, ids: list[int]) -> Any:
    """Finance on 补贴 with the claims ``ids`` picked."""
    at = sign_in("finance")
    at.switch_page("app_pages/subsidies.py").run()
    at.selectbox(key="sub_state").select("notice_done").run()
    at.multiselect(key="sub_selected").set_value(ids).run()
    assert not at.exception, at.exception
    return at


def _click(at: Any, key: str) -> Any:
    at.button(key=key).click().run()
    assert not at.exception, at.exception
    return at


def test_the_first_click_issues_nothing_and_states_count_total_and_payees(sign_in, env_home):
    """发起支付 clicked once issues no payment; it asks 确认 with the count, the total in yuan
    and the number of payees of the claims picked."""
    url = _url(env_home)
    ids = _fresh_payable(url, 3)
    rows = _ledger(url, ids)
    at = _click(_picked(sign_in, ids), "sub_do_issue_payment")
    assert _unpaid(url, ids)
    asked = (f"发起支付：3 条，合计 {fmt.yuan(int(rows['amount_fen'].sum()))}"
             f"（收款人 {rows['payee_id'].nunique()} 个）。确认？")
    assert asked in _messages(at)
    assert {"sub_confirm_yes", "sub_confirm_no"} <= _buttons(at)


def test_confirm_issues_exactly_the_claims_shown(sign_in, env_home):
    """确认 issues one pending payment for each claim picked, at its amount, and for no other
    claim."""
    url = _url(env_home)
    ids = _fresh_payable(url, 3)
    picked, left = ids[:2], ids[2:]
    at = _click(_click(_picked(sign_in, picked), "sub_do_issue_payment"), "sub_confirm_yes")
    rows = _ledger(url, picked)
    assert (rows["payment_status"] == "pending").all(), rows["payment_status"]
    assert _unpaid(url, left)
    assert "已完成 — 发起支付：2 条。" in _messages(at)
    assert "sub_confirm_yes" not in _buttons(at)


def test_cancel_issues_nothing(sign_in, env_home):
    """取消 drops the confirmation: no payment is issued and 确认 is gone."""
    url = _url(env_home)
    ids = _fresh_payable(url, 2)
    at = _click(_click(_picked(sign_in, ids), "sub_do_issue_payment"), "sub_confirm_no")
    assert _unpaid(url, ids)
    assert not {"sub_confirm_yes", "sub_confirm_no"} & _buttons(at)
    assert "sub_do_issue_payment" in _buttons(at), "the claims can still be paid, asked again"


def test_a_pick_changed_after_the_first_click_issues_nothing(sign_in, env_home):
    """A claim taken out of the pick in the same moment as 确认 is clicked: the confirmation
    was for the two claims shown, so neither is issued, and the page says so."""
    url = _url(env_home)
    ids = _fresh_payable(url, 2)
    at = _click(_picked(sign_in, ids), "sub_do_issue_payment")
    at.multiselect(key="sub_selected").set_value(ids[:1])
    at = _click(at, "sub_confirm_yes")
    assert _unpaid(url, ids)
    assert "未执行“发起支付”：所选条目已改变" in _messages(at)
    assert "sub_confirm_yes" not in _buttons(at)


@pytest.mark.parametrize("action", ["issue_payment", "record_payment"])
def test_a_claim_acted_on_by_someone_else_before_confirm_is_not_paid_again(
        sign_in, env_home, action):
    """Two claims await 确认; another finance officer pays (or issues) the first meanwhile:
    确认 does nothing — the first is not paid a second time, the second not paid without a
    confirmation of what the claims now are — and the page says what changed."""
    from planner.services import payments
    from planner.services.claims import claim_history
    from planner.services.reports import audit_log

    url = _url(env_home)
    first, second = _fresh_payable(url, 2)
    at = _click(_picked(sign_in, [first, second]), f"sub_do_{action}")
    other = _other_finance(url)
    if action == "record_payment":
        payments.record_payment(first, other, url=url)
    else:
        assert payments.issue_payments([first], other, url=url)
    at = _click(at, "sub_confirm_yes")
    assert _unpaid(url, [second])
    if action == "record_payment":  # a decision on the claim
        done = claim_history(first, url=url)
        done = done[done["action"] == "record_payment"]
    else:  # a payment order, audited as such
        payment = str(_ledger(url, [first])["payment_id"].iloc[0])
        done = audit_log("payment", payment, url=url)
    assert list(done["actor"]) == [OTHER], done[["actor", "action"]]
    shown = _messages(at)
    what = "登记已支付" if action == "record_payment" else "发起支付"
    assert f"未执行“{what}”：确认前所选条目已有变动" in shown
    assert "操作未执行" not in shown, "stopped by the page, not refused by the service"


def test_a_pick_sent_back_under_its_old_label_stays_those_claims(sign_in, env_home):
    """After 确认 the picked claims' labels change (· 待银行回单); the browser then sends the
    pick back under the old labels (as when one chip is removed): the page keeps working on
    those claims' ids instead of failing on the label."""
    url = _url(env_home)
    ids = _fresh_payable(url, 2)
    at = _click(_click(_picked(sign_in, ids), "sub_do_issue_payment"), "sub_confirm_yes")
    rows = _ledger(url, ids)
    old_labels = [f"#{i} · {rows.loc[i, 'payee_name']} · "
                  f"{fmt.yuan(int(rows.loc[i, 'amount_fen']))} · 公示期满" for i in ids]
    at.session_state["sub_selected"] = old_labels[:1]  # the second chip removed
    at.run()
    assert not at.exception, at.exception
    assert at.multiselect(key="sub_selected").value == ids[:1]


def test_a_step_without_a_note_has_an_empty_note_in_the_claims_history(sign_in, env_home):
    """The history under 第 N 条的依据与办理记录: a step taken without a note (issuing a
    payment) shows an empty 说明, not the word None."""
    url = _url(env_home)
    ids = _fresh_payable(url, 1)
    at = _click(_click(_picked(sign_in, ids), "sub_do_issue_payment"), "sub_confirm_yes")
    history = next(d.value for d in at.dataframe if "说明" in d.value.columns)
    assert len(history) >= 1
    assert all(isinstance(v, str) for v in history["说明"]), list(history["说明"])


def _warnings(at: Any) -> list[str]:
    return [str(w.value) for w in at.warning]


@pytest.mark.parametrize(("click", "shown"), [
    ("sub_do_record_payment", ["登记已支付：1 条，合计 {total}（收款人 1 个）。确认？"]),
    ("sub_confirm_no", []),
])
def test_another_click_with_the_pick_changed_shows_only_that_click(
        sign_in, env_home, click, shown):
    """发起支付 waits for 确认 on two claims; one is taken out of the pick as 登记已支付 (or
    取消) is clicked: the page shows only what that click asks (a new confirmation for the one
    claim; for 取消 nothing), not also that the earlier confirmation lapsed; nothing is paid."""
    url = _url(env_home)
    ids = _fresh_payable(url, 2)
    at = _click(_picked(sign_in, ids), "sub_do_issue_payment")
    at.multiselect(key="sub_selected").set_value(ids[:1])
    at = _click(at, click)
    assert _unpaid(url, ids)
    total = fmt.yuan(int(_ledger(url, ids[:1])["amount_fen"].sum()))
    assert _warnings(at) == [s.format(total=total) for s in shown]


def test_a_click_on_claims_changed_meanwhile_says_so_once(sign_in, env_home):
    """发起支付 waits for 确认 on two claims; another finance officer issues the first, and
    发起支付 is clicked again: one warning says the claims changed and what they are now — not
    a second one about the confirmation — and the second claim is not issued."""
    from planner.services import payments

    url = _url(env_home)
    first, second = _fresh_payable(url, 2)
    at = _click(_picked(sign_in, [first, second]), "sub_do_issue_payment")
    assert payments.issue_payments([first], _other_finance(url), url=url)
    at = _click(at, "sub_do_issue_payment")
    assert _unpaid(url, [second])
    shown = _warnings(at)
    assert len(shown) == 1, shown
    assert shown[0].startswith("未执行“发起支付”：所选条目在您打开本页后已有变动"), shown
    assert "sub_confirm_yes" not in _buttons(at)


def test_leaving_the_page_cancels_the_confirmation_plainly(sign_in, env_home):
    """发起支付 waits for 确认; the user goes to 总览 and comes back to 补贴: the confirmation
    is gone (no 确认 to click, nothing issued) and the page says plainly that the unconfirmed
    action was cancelled — not that the pick was changed or the claims changed."""
    url = _url(env_home)
    ids = _fresh_payable(url, 2)
    at = _click(_picked(sign_in, ids), "sub_do_issue_payment")
    at.switch_page("app_pages/overview.py").run()
    assert not at.exception, at.exception
    at.switch_page("app_pages/subsidies.py").run()
    assert not at.exception, at.exception
    assert _unpaid(url, ids)
    total = fmt.yuan(int(_ledger(url, ids)["amount_fen"].sum()))
    assert f"未确认的支付操作已取消（发起支付：2 条，合计 {total}）" in _messages(at)
    assert "未执行" not in _messages(at)
    assert _warnings(at) == []
    assert "sub_confirm" not in at.session_state


APPROVED_IT = "finance-approved-it"  # approved claims as an approver, then moved to finance


@contextlib.contextmanager
def _issuer_not_approver(url: str) -> Any:
    """The policy in force, with ``[workflow] issuer_not_approver = true``, while inside."""
    from planner.services import policies

    in_force, _ = policies.load_active_policy(url)
    with policies.using(url, None).uow() as uow:
        text = uow.repo.active_policy().toml_text
    strict = text.replace('rounding = "ROUND_HALF_UP"',
                          'rounding = "ROUND_HALF_UP"\nissuer_not_approver = true', 1)
    strict = strict.replace('name = "', 'name = "四眼 ', 1)  # another version, not a clash
    assert "issuer_not_approver = true" in strict
    policies.add_policy_version(strict, url=url)
    try:
        yield
    finally:
        policies.activate_policy(in_force, url=url)


def _approved_by_finance(url: str) -> tuple[int, int]:
    """Two reviewed claims brought to notice_done: the first approved by ``APPROVED_IT``, an
    approver who is finance now; the second by another approver."""
    from planner.services import claims
    from planner.services.auth import Role, add_user, authenticate, set_role, system_actor

    with contextlib.suppress(ValueError):  # made by an earlier test of the session
        add_user(APPROVED_IT, PASSWORD, "approver", url=url)
    set_role(APPROVED_IT, "approver", url=url)
    me = authenticate(APPROVED_IT, PASSWORD, url=url)
    assert me is not None
    mine, other = (int(c) for c in claims.list_claims("reviewed", url=url)["claim_id"].iloc[-2:])
    claims.approve([mine], me, url=url)
    claims.approve([other], system_actor(Role.APPROVER), url=url)
    claims.publish_notice([mine, other], me, on=dt.date(2020, 3, 2), url=url)
    claims.close_notice([mine, other], me, url=url)
    set_role(APPROVED_IT, "finance", url=url)
    return mine, other


def test_confirm_by_the_approver_of_a_claim_issues_nothing_under_four_eyes(sign_in, env_home):
    """With the policy's issuer_not_approver on, a finance user confirms 发起支付 on two
    claims, one of which she approved herself: no payment is issued for either, the page says
    why naming that claim, and neither the question nor 确认 stays on the page."""
    url = _url(env_home)
    mine, other = _approved_by_finance(url)
    with _issuer_not_approver(url):
        at = sign_in(APPROVED_IT)
        at.switch_page("app_pages/subsidies.py").run()
        at.selectbox(key="sub_state").select("notice_done").run()
        at.multiselect(key="sub_selected").set_value([mine, other]).run()
        at = _click(_click(at, "sub_do_issue_payment"), "sub_confirm_yes")
    assert _unpaid(url, [mine, other])
    shown = _messages(at)
    assert f"操作未执行：第 {mine} 条：{APPROVED_IT} 已办理该条的“审批”，不能再“发起支付”" in shown
    assert "确认？" not in shown
    assert not {"sub_confirm_yes", "sub_confirm_no"} & _buttons(at)
    assert "sub_confirm" not in at.session_state
