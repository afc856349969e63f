"""补贴's 确认新账户: a reviewer confirms the new bank account of a payee whose change flagged
their claims; the flag goes, the claim keeps its state, and its history says who confirmed
which account (bank and last four digits)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

NEW_ACCOUNT = ("工商银行", "6222020000000004321")


def _url(home: Path) -> str:
    return f"sqlite:///{home / 'jobbus.sqlite'}"


def _flagged_for_account(url: str) -> int:
    """A claim of a person whose notice is ended here and now, flagged because 登记 saved a new
    bank account for them (the same service step an import takes)."""
    from planner.ledger import UnitOfWork
    from planner.ledger.importers import Merge, RowUpdate
    from planner.services import claims
    from planner.services.auth import Role, system_actor
    from planner.services.payments import _payee_account_changed

    in_notice = claims.list_claims("in_notice", url=url)
    people = in_notice[in_notice["payee_kind"] == "person"]
    assert len(people), "the seeded ledger has claims of people in notice"
    claim_id = int(people["claim_id"].iloc[-1])
    claims.close_notice([claim_id], system_actor(Role.APPROVER), url=url)
    with UnitOfWork(url) as uow:
        claim = uow.repo.claim(claim_id)
        assert claim is not None
        person = uow.repo.people_by_id_number()[claim.payee_id]
        before = {"bank_name": person.bank_name, "bank_account": person.bank_account}
        person.bank_name, person.bank_account = NEW_ACCOUNT
        merge = Merge("更正.csv")
        _payee_account_changed(uow.repo, merge, RowUpdate(
            "person", claim.payee_id, 2, before, dict(zip(before, NEW_ACCOUNT, strict=True))),
            system_actor(Role.OPERATOR))
        assert not merge.problems
        uow.commit()
    return claim_id


def _picked(sign_in: Any, role: str, claim_id: int) -> Any:
    at = sign_in(role)
    at.switch_page("app_pages/subsidies.py").run()
    at.selectbox(key="sub_state").select("notice_done").run()
    at.multiselect(key="sub_selected").set_value([claim_id]).run()
    assert not at.exception, at.exception
    return at


def test_a_reviewer_confirms_the_new_account_on_the_claim_page(sign_in, env_home):
    """The reviewer picking a claim flagged for a changed account gets 确认新账户; clicked with
    a note, the claim is no longer flagged, stays 公示期满, and its 办理记录 shows the step with
    the bank and last four digits — never the full number. Finance gets no such button."""
    from planner.services.claims import list_claims

    url = _url(env_home)
    claim_id = _flagged_for_account(url)
    finance = _picked(sign_in, "finance", claim_id)
    assert not any(b.key == "sub_do_confirm_payee_account" for b in finance.button)

    at = _picked(sign_in, "reviewer", claim_id)
    at.text_input(key="sub_reason").input("已电话核实").run()
    at.button(key="sub_do_confirm_payee_account").click().run()
    assert not at.exception, at.exception
    assert "确认新账户：1 条" in " ".join(str(s.value) for s in at.success)
    line = list_claims(url=url).set_index("claim_id").loc[claim_id]
    assert (line["state"], bool(line["needs_review"])) == ("notice_done", False)
    history = next(d.value for d in at.dataframe if "说明" in d.value.columns)
    step = history[history["操作"] == "确认新账户"]
    assert len(step) == 1
    assert step["说明"].iloc[0] == "已确认新收款账户：工商银行 尾号 4321（已电话核实）"
    assert (step["原状态"].iloc[0], step["新状态"].iloc[0]) == ("公示期满", "公示期满")
    assert NEW_ACCOUNT[1] not in history.to_string()
    assert not any(b.key == "sub_do_confirm_payee_account" for b in at.button)
