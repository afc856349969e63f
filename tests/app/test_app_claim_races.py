"""补贴 when two people work on the same claims: a payment already on its way to the bank is not
offered for issuing again, and a button clicked on a page drawn before someone else acted
says that nothing was done and what the claims are now (instead of doing nothing silently)."""

from __future__ import annotations

from typing import Any

from tests.app.conftest import PASSWORD


def _url(home: Any) -> str:
    return f"sqlite:///{home / 'jobbus.sqlite'}"


def _messages(at: Any) -> str:
    return " ".join(str(x.value) for kind in ("success", "info", "warning", "error", "toast")
                    for x in getattr(at, kind))


def _finance(url: str) -> Any:
    from planner.services.auth import authenticate

    user = authenticate("finance", PASSWORD, url=url)
    assert user is not None
    return user


def _payable(url: str) -> Any:
    """A claim whose notice has ended, not flagged, not paid, its payment (if any) not failed:
    none issued yet, or pending (a payment batch made by another test puts every such claim
    in it)."""
    from planner.services.ledger import list_claims

    claims = list_claims("notice_done", url=url)
    payable = claims[(claims["payment_status"].isna() | (claims["payment_status"] == "pending"))
                     & ~claims["needs_review"].astype(bool)]
    return payable.iloc[-1]


def _pick(at: Any, claim_id: int) -> Any:
    at.switch_page("app_pages/subsidies.py").run()
    at.selectbox(key="sub_state").select("notice_done").run()
    at.multiselect(key="sub_selected").select(claim_id).run()
    assert not at.exception, at.exception
    return at


def test_a_payment_on_its_way_is_not_offered_for_issuing_again(sign_in, env_home):
    """A claim whose payment is pending offers 登记已支付 but not 发起支付 (which would issue
    nothing and still say it had)."""
    from planner.services import payments

    url = _url(env_home)
    found = _payable(url)
    claim = int(found["claim_id"])
    if not isinstance(found["payment_status"], str):
        assert payments.issue_payments([claim], _finance(url), url=url)
    at = _pick(sign_in("finance"), claim)
    keys = {b.key for b in at.button}
    assert "sub_do_record_payment" in keys
    assert "sub_do_issue_payment" not in keys


def test_paid_by_someone_else_first_says_nothing_was_done(sign_in, env_home):
    """Two finance staff have the same claim open; one records it paid; the other's click on
    登记已支付 pays nothing more and says the claim is now 已拨付."""
    from planner.services import payments
    from planner.services.ledger import list_claims

    url = _url(env_home)
    claim = int(_payable(url)["claim_id"])
    at = _pick(sign_in("finance"), claim)
    assert "sub_do_record_payment" in {b.key for b in at.button}
    payments.record_payment(claim, _finance(url), url=url)  # the other tab
    at.button(key="sub_do_record_payment").click().run()
    assert not at.exception, at.exception
    shown = _messages(at)
    assert "未执行“登记已支付”" in shown and f"#{claim} 已拨付" in shown
    after = list_claims(url=url).set_index("claim_id")
    assert after.loc[claim, "state"] == "paid" and after.loc[claim, "payment_status"] == "paid"
