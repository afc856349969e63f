"""A payment exception resolved: finance checks the bank statement and says the money arrived
(the claim stays paid) or did not (a bank failure: the claim goes back to be paid again, once),
under four eyes, against the user's role now, with one winner of two at once."""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from pathlib import Path

import pandas as pd
import pytest

from planner.ledger import UnitOfWork
from planner.ledger.workflow import TransitionRefused
from planner.problems import InputError
from planner.refusal import InvalidRequest
from planner.services import ledger as svc
from planner.services import payment_exceptions
from planner.services.auth import PermissionDenied, Role, User, add_user, set_role
from tests.ledger.test_ledger_bank import PAID_BY_HAND, ready_to_pay

STRONG = "Tea-kettle-Harbour-42"  # passes the password rules
FEN = 80_000


@pytest.fixture
def staff(ledger_url: str) -> dict[str, User]:
    """Three finance users — fang records payments by hand, gao imports bank files, hu checks
    statements — and an auditor."""
    return {name: add_user(name, STRONG, role, url=ledger_url) for name, role in
            (("fang", Role.FINANCE), ("gao", Role.FINANCE), ("hu", Role.FINANCE),
             ("qian", Role.AUDITOR))}


def _bank(path: Path, payment_id: str, status: str, paid_on: str = "",
          reason: str = "") -> Path:
    pd.DataFrame([{"payment_id": payment_id, "status": status, "paid_on": paid_on,
                   "amount": f"{FEN / 100:.2f}", "reason": reason}]).to_csv(path, index=False)
    return path


def _line(url: str, claim_id: int) -> pd.Series:
    return svc.list_claims(url=url).set_index("claim_id").loc[claim_id]


def _failed_after_paid(url: str, actors: dict[str, User], staff: dict[str, User],
                       tmp_path: Path) -> tuple[int, str]:
    """A claim fang recorded paid by hand whose bank order then failed in a file gao imported:
    a bank-failure payment exception. Returns (claim id, payment id)."""
    (payment_id,) = ready_to_pay(url, actors, [FEN])
    claim_id = int(svc.list_claims(url=url)["claim_id"].iloc[0])
    svc.record_payment(claim_id, staff["fang"], paid_on=PAID_BY_HAND, url=url)
    result = svc.import_path("bank_results", _bank(tmp_path / "bank-0320.csv", payment_id,
                                                   "failed", reason="账户已销户"),
                             staff["gao"], url=url)
    assert result.exceptions == 1
    return claim_id, payment_id


def _paid_total(url: str) -> int:
    """The 已拨付 card: the amount of the claims paid."""
    claims = svc.list_claims(url=url)
    return int(claims.loc[claims["state"] == "paid", "amount_fen"].sum())


def _payable_total(url: str) -> int:
    """The finance list's total: the lines payable now."""
    return int(svc.finance_lines(url=url)["amount_fen"].sum())


def test_arrived_clears_the_exception_and_the_claim_stays_paid(
        ledger_url: str, actors, staff, tmp_path: Path) -> None:
    """hu checked the statement: the money arrived. The mark goes, the claim and its payment
    stay paid, the note is kept in the claim's notes, its 办理记录 and the audit log; nothing
    becomes payable again."""
    claim_id, _ = _failed_after_paid(ledger_url, actors, staff, tmp_path)
    assert (_paid_total(ledger_url), _payable_total(ledger_url)) == (FEN, 0)
    state = svc.resolve_payment_exception(claim_id, staff["hu"], "arrived",
                                          "流水号 HX0325-0012，3月16日到账", url=ledger_url)
    assert state == "paid"
    line = _line(ledger_url, claim_id)
    assert (line["state"], line["payment_status"], bool(line["paid_exception"])) == (
        "paid", "paid", False)
    assert line["paid_on"] == PAID_BY_HAND
    note = line["exception_note"].render("zh")
    assert "hu 已核实到账" in note and "HX0325-0012" in note and "bank-0320.csv" in note
    history = svc.claim_history(claim_id, url=ledger_url).iloc[-1]
    assert (history["action"], history["actor"], history["from_state"],
            history["to_state"]) == ("confirm_payment_arrived", "hu", "paid", "paid")
    assert "HX0325-0012" in history["reason"]
    audit = svc.audit_log("claim", claim_id, url=ledger_url).iloc[-1]
    assert audit["action"] == "confirm_payment_arrived" and audit["actor"] == "hu"
    assert audit["before"]["paid_exception"] and not audit["after"]["paid_exception"]
    assert (_paid_total(ledger_url), _payable_total(ledger_url)) == (FEN, 0)
    with pytest.raises(TransitionRefused, match="no payment exception"):
        svc.resolve_payment_exception(claim_id, staff["hu"], "arrived", "again",
                                      url=ledger_url)


def test_not_arrived_returns_the_claim_to_be_paid_again_once(
        ledger_url: str, actors, staff, tmp_path: Path) -> None:
    """hu checked: the money did not arrive. The payment fails (the bank's reason, no paid
    date), the claim goes back to notice_done by payment_returned and is payable again; the
    same payment is issued again, the bank's paid line pays it, and a second paid line (and the
    same file again) pays nothing more."""
    claim_id, payment_id = _failed_after_paid(ledger_url, actors, staff, tmp_path)
    state = svc.resolve_payment_exception(claim_id, staff["hu"], "not_arrived",
                                          "3月对账单无此笔入账", url=ledger_url)
    assert state == "notice_done"
    line = _line(ledger_url, claim_id)
    assert (line["state"], line["payment_status"], bool(line["paid_exception"])) == (
        "notice_done", "failed", False)
    assert pd.isna(line["paid_on"])
    assert "hu 已核实未到账" in line["exception_note"].render("zh")
    with UnitOfWork(ledger_url) as uow:
        payment = uow.repo.payment(payment_id)
        assert payment is not None and payment.failure_reason == "账户已销户"
    history = svc.claim_history(claim_id, url=ledger_url).iloc[-1]
    assert (history["action"], history["from_state"], history["to_state"],
            history["reason"]) == ("payment_returned", "paid", "notice_done",
                                   "3月对账单无此笔入账")
    assert {"payment_returned"} <= set(svc.audit_log("payment", payment_id,
                                                     url=ledger_url)["action"])
    assert (_paid_total(ledger_url), _payable_total(ledger_url)) == (0, FEN)
    assert list(svc.finance_lines(url=ledger_url)["claim_id"]) == [claim_id]

    assert svc.issue_payments([claim_id], staff["hu"], url=ledger_url) == [payment_id]
    assert _line(ledger_url, claim_id)["payment_status"] == "pending"
    paid = _bank(tmp_path / "bank-0401.csv", payment_id, "paid", "2020-04-01")
    svc.import_path("bank_results", paid, staff["gao"], url=ledger_url)
    assert svc.import_path("bank_results", paid, staff["gao"], url=ledger_url).already
    svc.import_path("bank_results", _bank(tmp_path / "bank-0402.csv", payment_id, "paid",
                                          "2020-04-02"), staff["gao"], url=ledger_url)
    line = _line(ledger_url, claim_id)
    assert (line["state"], line["payment_status"], line["paid_on"]) == (
        "paid", "paid", dt.date(2020, 4, 1))
    actions = list(svc.claim_history(claim_id, url=ledger_url)["action"])
    assert actions[actions.index("payment_returned"):] == ["payment_returned",
                                                           "record_payment"]
    assert (_paid_total(ledger_url), _payable_total(ledger_url)) == (FEN, 0)


def test_not_arrived_is_refused_where_the_money_left(ledger_url: str, actors, staff,
                                                     tmp_path: Path) -> None:
    """The bank paid a claim flagged after its order was sent: money left, so it cannot be
    recorded as not arrived (nothing changes); it can be confirmed as arrived."""
    (payment_id,) = ready_to_pay(ledger_url, actors, [FEN])
    claim_id = int(svc.list_claims(url=ledger_url)["claim_id"].iloc[0])
    with UnitOfWork(ledger_url) as uow:
        claim = uow.repo.claim(claim_id)
        assert claim is not None
        claim.needs_review = True
        uow.commit()
    svc.import_path("bank_results", _bank(tmp_path / "b.csv", payment_id, "paid",
                                          "2020-03-20"), staff["gao"], url=ledger_url)
    assert _line(ledger_url, claim_id)["exception_note"].code == "paid_exception.flagged"
    with pytest.raises(TransitionRefused, match="not a bank failure") as refused:
        svc.resolve_payment_exception(claim_id, staff["hu"], "not_arrived", "查无入账",
                                      url=ledger_url)
    assert "不能登记“未到账，重新支付”" in refused.value.message.render("zh")
    line = _line(ledger_url, claim_id)
    assert (line["state"], line["payment_status"], bool(line["paid_exception"])) == (
        "paid", "paid", True)
    assert svc.resolve_payment_exception(claim_id, staff["hu"], "arrived", "回单核对无误",
                                         url=ledger_url) == "paid"


def test_a_bank_failure_of_a_claim_paid_with_exception_is_a_bank_failure(
        ledger_url: str, actors, staff, tmp_path: Path) -> None:
    """The bank paid a flagged claim (an exception: money left), then returned the money: the
    claim is marked a bank failure now (counted by the import), so it can be recorded as not
    arrived — not cleared as arrived on the old note."""
    (payment_id,) = ready_to_pay(ledger_url, actors, [FEN])
    claim_id = int(svc.list_claims(url=ledger_url)["claim_id"].iloc[0])
    with UnitOfWork(ledger_url) as uow:
        claim = uow.repo.claim(claim_id)
        assert claim is not None
        claim.needs_review = True
        uow.commit()
    svc.import_path("bank_results", _bank(tmp_path / "b1.csv", payment_id, "paid",
                                          "2020-03-20"), staff["fang"], url=ledger_url)
    returned = svc.import_path("bank_results", _bank(tmp_path / "b2.csv", payment_id,
                                                     "failed"), staff["gao"], url=ledger_url)
    assert returned.exceptions == 1
    assert payment_exceptions.is_bank_failure(_line(ledger_url, claim_id)["exception_note"])
    assert svc.resolve_payment_exception(claim_id, staff["hu"], "not_arrived", "款项已退回",
                                         url=ledger_url) == "notice_done"
    with pytest.raises(TransitionRefused, match="flagged"):  # the flag still holds it
        svc.issue_payments([claim_id], staff["hu"], url=ledger_url)


def test_not_arrived_is_refused_once_the_bank_says_paid_again(ledger_url: str, actors, staff,
                                                              tmp_path: Path) -> None:
    """The bank's latest line for the payment says paid (it paid after all): not arrived would
    pay it twice, so it is refused; arrived is what is left."""
    claim_id, payment_id = _failed_after_paid(ledger_url, actors, staff, tmp_path)
    svc.import_path("bank_results", _bank(tmp_path / "bank-0325.csv", payment_id, "paid",
                                          "2020-03-25"), staff["gao"], url=ledger_url)
    with pytest.raises(TransitionRefused, match=r"bank-0325\.csv"):
        svc.resolve_payment_exception(claim_id, staff["hu"], "not_arrived", "查无入账",
                                      url=ledger_url)
    assert _line(ledger_url, claim_id)["state"] == "paid"


def test_four_eyes_refuse_who_recorded_it_paid_or_imported_the_bank_file(
        ledger_url: str, actors, staff, tmp_path: Path) -> None:
    """fang recorded the payment paid by hand and gao imported the file that contradicts it:
    neither may resolve the exception (nothing changes); hu may."""
    claim_id, _ = _failed_after_paid(ledger_url, actors, staff, tmp_path)
    with pytest.raises(PermissionDenied, match="recorded its payment paid"):
        svc.resolve_payment_exception(claim_id, staff["fang"], "arrived", "已到账",
                                      url=ledger_url)
    with pytest.raises(PermissionDenied, match="imported the bank file") as refused:
        svc.resolve_payment_exception(claim_id, staff["gao"], "not_arrived", "未到账",
                                      url=ledger_url)
    assert "四眼原则" in refused.value.message.render("zh")
    assert bool(_line(ledger_url, claim_id)["paid_exception"])
    assert svc.resolve_payment_exception(claim_id, staff["hu"], "arrived", "已到账",
                                         url=ledger_url) == "paid"


def test_only_finance_resolves_checked_against_the_role_now(ledger_url: str, actors, staff,
                                                            tmp_path: Path) -> None:
    """An auditor, or hu demoted to auditor while signed in, is refused; nothing changes."""
    claim_id, _ = _failed_after_paid(ledger_url, actors, staff, tmp_path)
    for who in (staff["qian"], actors["reviewer"]):
        with pytest.raises(PermissionDenied, match="may not resolve a payment exception"):
            svc.resolve_payment_exception(claim_id, who, "arrived", "已到账", url=ledger_url)
    set_role("hu", Role.AUDITOR, url=ledger_url)
    with pytest.raises(PermissionDenied):
        svc.resolve_payment_exception(claim_id, staff["hu"], "arrived", "已到账",
                                      url=ledger_url)
    line = _line(ledger_url, claim_id)
    assert (line["state"], bool(line["paid_exception"])) == ("paid", True)
    assert "confirm_payment_arrived" not in set(svc.audit_log("claim", claim_id,
                                                              url=ledger_url)["action"])


def test_a_note_is_required_and_never_holds_a_full_account_or_id(
        ledger_url: str, actors, staff, tmp_path: Path) -> None:
    """No note (or an unknown outcome) is refused; a note naming an account, the payee's own
    (short) account and an ID number keeps only their last four digits, in the history and
    the claim's note."""
    from planner.ledger import models as m

    claim_id, _ = _failed_after_paid(ledger_url, actors, staff, tmp_path)
    with UnitOfWork(ledger_url) as uow:
        uow.repo.add(m.Person(id_number="P0", name="王五", home_adcode="520102",
                              bank_name="农村信用社", bank_account="621700987650"))
        uow.commit()
    with pytest.raises(InvalidRequest):
        svc.resolve_payment_exception(claim_id, staff["hu"], "arrived", "  ", url=ledger_url)
    with pytest.raises(InvalidRequest, match="choose one of arrived, not_arrived"):
        svc.resolve_payment_exception(claim_id, staff["hu"], "lost", "x", url=ledger_url)
    svc.resolve_payment_exception(
        claim_id, staff["hu"], "arrived",
        "转入 6228 4800 1234 5678 901 被退，改查 621700987650 已入账，身份证 522401199001011234",
        url=ledger_url)
    reason = svc.claim_history(claim_id, url=ledger_url).iloc[-1]["reason"]
    stored = _line(ledger_url, claim_id)["exception_note"].render("zh")
    for text in (reason, stored):
        assert "62284800123456" not in text.replace(" ", "") and "8901" in text
        assert "62170098" not in text and "********7650" in text
        assert "522401199001011234" not in text and "1234" in text


def _race(action_a, action_b) -> list[object]:
    """Run two resolutions at once, both reading the claim before either writes."""
    barrier = threading.Barrier(2, timeout=20)
    outcomes: list[object] = []

    def hook() -> None:
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()

    def run(action) -> None:  # type: ignore[no-untyped-def]
        try:
            outcomes.append(action())
        except (TransitionRefused, PermissionDenied) as exc:
            outcomes.append(exc)

    payment_exceptions.after_exception_read = hook
    try:
        threads = [threading.Thread(target=run, args=(a,)) for a in (action_a, action_b)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        payment_exceptions.after_exception_read = None
    return outcomes


def test_two_resolutions_at_once_one_wins(ledger_url: str, actors, staff,
                                          tmp_path: Path) -> None:
    """hu says arrived while another finance user says not arrived, at the same moment: one
    is saved, the other refused with nothing of it written."""
    claim_id, _ = _failed_after_paid(ledger_url, actors, staff, tmp_path)
    li = add_user("li", STRONG, Role.FINANCE, url=ledger_url)
    outcomes = _race(
        lambda: svc.resolve_payment_exception(claim_id, staff["hu"], "arrived", "已到账",
                                              url=ledger_url),
        lambda: svc.resolve_payment_exception(claim_id, li, "not_arrived", "未到账",
                                              url=ledger_url))
    refused = [o for o in outcomes if isinstance(o, TransitionRefused)]
    won = [o for o in outcomes if not isinstance(o, Exception)]
    assert len(outcomes) == 2 and len(refused) == 1 and len(won) == 1, outcomes
    assert "someone else" in str(refused[0])
    line = _line(ledger_url, claim_id)
    assert line["state"] == won[0] and not bool(line["paid_exception"])
    steps = [a for a in svc.claim_history(claim_id, url=ledger_url)["action"]
             if a in ("confirm_payment_arrived", "payment_returned")]
    assert len(steps) == 1
    resolved = [a for a in svc.audit_log("claim", claim_id, url=ledger_url)["action"]
                if a in ("confirm_payment_arrived", "payment_returned")]
    assert resolved == steps


def test_a_bank_file_imported_while_resolving_wins_and_the_resolution_is_refused(
        ledger_url: str, actors, staff, tmp_path: Path) -> None:
    """hu has read the claim when gao's bank file saying the payment was paid after all is
    saved: hu's not arrived is refused with nothing written, and the claim stays paid."""
    claim_id, payment_id = _failed_after_paid(ledger_url, actors, staff, tmp_path)
    later = _bank(tmp_path / "bank-0326.csv", payment_id, "paid", "2020-03-26")

    def import_meanwhile() -> None:
        payment_exceptions.after_exception_read = None
        svc.import_path("bank_results", later, staff["gao"], url=ledger_url)

    payment_exceptions.after_exception_read = import_meanwhile
    try:
        with pytest.raises(TransitionRefused):
            svc.resolve_payment_exception(claim_id, staff["hu"], "not_arrived", "未到账",
                                          url=ledger_url)
    finally:
        payment_exceptions.after_exception_read = None
    line = _line(ledger_url, claim_id)
    assert (line["state"], line["payment_status"], bool(line["paid_exception"])) == (
        "paid", "paid", True)
    assert "payment_returned" not in set(svc.claim_history(claim_id, url=ledger_url)["action"])


def test_a_resolution_and_a_bank_file_at_once_one_wins(ledger_url: str, actors, staff,
                                                       tmp_path: Path) -> None:
    """gao's bank file (the payment paid after all) has read the claim when hu records it not
    arrived: exactly one of the two is saved — on PostgreSQL hu's (the file is then refused
    whole, naming the race), on SQLite the file's (it holds the write lock; hu is refused) —
    and the claim is paid once either way."""
    from planner.ledger.repository import LedgerRepository

    claim_id, payment_id = _failed_after_paid(ledger_url, actors, staff, tmp_path)
    later = _bank(tmp_path / "bank-0327.csv", payment_id, "paid", "2020-03-27")
    outcomes: dict[str, object] = {}

    def resolve() -> None:
        try:
            outcomes["resolution"] = svc.resolve_payment_exception(
                claim_id, staff["hu"], "not_arrived", "未到账", url=ledger_url)
        except TransitionRefused as exc:
            outcomes["resolution"] = exc

    worker = threading.Thread(target=resolve)
    importing = threading.get_ident()
    original = LedgerRepository.claim

    def claim_then_resolve(self: LedgerRepository, wanted: int):  # type: ignore[no-untyped-def]
        row = original(self, wanted)
        if threading.get_ident() == importing and not worker.is_alive() and not outcomes:
            worker.start()
            worker.join(2)  # PostgreSQL: saved now; SQLite: waits for the import's write lock
        return row

    LedgerRepository.claim = claim_then_resolve  # type: ignore[method-assign]
    try:
        outcomes["import"] = svc.import_path("bank_results", later, staff["gao"],
                                             url=ledger_url)
    except InputError as exc:
        outcomes["import"] = exc
    finally:
        LedgerRepository.claim = original  # type: ignore[method-assign]
    worker.join(60)
    lost = [k for k, v in outcomes.items() if isinstance(v, Exception)]
    assert len(outcomes) == 2 and len(lost) == 1, outcomes
    line = _line(ledger_url, claim_id)
    if lost == ["import"]:
        assert "changed the same claims" in str(outcomes["import"])
        assert (line["state"], line["payment_status"]) == ("notice_done", "failed")
        svc.import_path("bank_results", later, staff["gao"], url=ledger_url)  # again: paid
        line = _line(ledger_url, claim_id)
    else:
        assert "someone else" in str(outcomes["resolution"])
    assert (line["state"], line["payment_status"]) == ("paid", "paid")
    assert list(svc.claim_history(claim_id, url=ledger_url)["action"]).count(
        "record_payment") == (2 if lost == ["import"] else 1)
