"""Bank results: reconciled idempotently — paid once, failures back to the queue, amounts
checked."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from planner.ledger import UnitOfWork
from planner.ledger import models as m
from planner.problems import InputError
from planner.services import ledger as svc
from planner.services.auth import PermissionDenied, User

MONDAY = dt.date(2020, 3, 2)


def ready_to_pay(url: str, actors: dict[str, User], amounts: list[int]) -> list[str]:
    """Claims of these amounts taken through notice; payments issued. Returns payment ids."""
    with UnitOfWork(url) as uow:
        rows = [m.Claim(key=f"self_return:P{i}", rule="self_return", payee_kind="person",
                        payee_id=f"P{i}", payee_name="王五", amount_fen=a, evidence=[], basis={},
                        state="draft") for i, a in enumerate(amounts)]
        for r in rows:
            uow.repo.add(r)
        uow.commit()
        ids = [r.id for r in rows]
    svc.review(ids, actors["reviewer"], url=url)
    svc.approve(ids, actors["approver"], url=url)
    svc.publish_notice(ids, actors["approver"], on=MONDAY, url=url)
    svc.close_notice(ids, actors["approver"], on=MONDAY + dt.timedelta(days=10), url=url)
    return svc.issue_payments(None, actors["finance"], url=url)


def bank_file(path: Path, lines: list[tuple[str, str, int]]) -> Path:
    """A bank_results.csv of (payment_id, status, fen) lines."""
    pd.DataFrame([{"payment_id": p, "status": s, "paid_on": "2020-03-20" if s == "paid" else "",
                   "amount": f"{fen / 100:.2f}"} for p, s, fen in lines]).to_csv(path, index=False)
    return path


def _states(url: str) -> list[str]:
    return list(svc.list_claims(url=url)["state"])


def test_paid_failed_and_reimported(ledger_url: str, actors, tmp_path: Path) -> None:
    """paid → claim paid; failed → payment failed, claim waits at notice_done with the reason;
    the same file again changes nothing; re-issued and paid later → paid once."""
    p1, p2 = ready_to_pay(ledger_url, actors, [80_000, 50_000])
    f1 = bank_file(tmp_path / "b1.csv", [(p1, "paid", 80_000), (p2, "failed", 50_000)])
    svc.import_path("bank_results", f1, actors["finance"], url=ledger_url)
    assert _states(ledger_url) == ["paid", "notice_done"]
    claims = svc.list_claims(url=ledger_url)
    assert list(claims["payment_status"]) == ["paid", "failed"]
    again = svc.import_path("bank_results", f1, actors["finance"], url=ledger_url)
    assert again.already
    assert svc.issue_payments(None, actors["finance"], url=ledger_url) == [p2]
    f2 = bank_file(tmp_path / "b2.csv", [(p1, "paid", 80_000), (p2, "paid", 50_000)])
    svc.import_path("bank_results", f2, actors["finance"], url=ledger_url)
    assert _states(ledger_url) == ["paid", "paid"]
    decisions = svc.claim_history(int(claims["claim_id"].iloc[0]), url=ledger_url)
    assert list(decisions["action"]).count("record_payment") == 1


def test_amount_mismatch_and_unknown_payment_refused(ledger_url: str, actors,
                                                     tmp_path: Path) -> None:
    """A paid line whose amount differs, or an unknown payment id, refuses the whole file."""
    (p1,) = ready_to_pay(ledger_url, actors, [80_000])
    bad = bank_file(tmp_path / "bank.csv", [(p1, "paid", 79_000), ("JB99999999", "paid", 100)])
    with pytest.raises(InputError) as err:
        svc.import_path("bank_results", bad, actors["finance"], url=ledger_url)
    assert [(p.row, p.column) for p in err.value.problems] == [(2, "amount"), (3, "payment_id")]
    assert _states(ledger_url) == ["notice_done"]


def test_only_finance_imports_bank_results(ledger_url: str, actors, tmp_path: Path) -> None:
    """An operator may import events but not bank results."""
    (p1,) = ready_to_pay(ledger_url, actors, [80_000])
    f = bank_file(tmp_path / "bank.csv", [(p1, "paid", 80_000)])
    with pytest.raises(PermissionDenied):
        svc.import_path("bank_results", f, actors["operator"], url=ledger_url)
    assert _states(ledger_url) == ["notice_done"]


def test_bank_failure_after_recorded_paid_is_an_exception(ledger_url: str, actors,
                                                          tmp_path: Path) -> None:
    """Finance recorded a payment paid by hand (登记已支付) while its order was at the bank;
    the bank's file then says it failed: the claim stays paid (never paid twice) but is marked
    a payment exception naming the file, so the auditor checks whether the money arrived. The
    same file again adds nothing."""
    (p1,) = ready_to_pay(ledger_url, actors, [80_000])
    claim_id = int(svc.list_claims(url=ledger_url)["claim_id"].iloc[0])
    svc.record_payment(claim_id, actors["finance"], paid_on=MONDAY, url=ledger_url)
    failed = bank_file(tmp_path / "bank-0320.csv", [(p1, "failed", 80_000)])
    svc.import_path("bank_results", failed, actors["finance"], url=ledger_url)
    line = svc.list_claims(url=ledger_url).iloc[0]
    assert (line["state"], line["payment_status"], bool(line["paid_exception"])) == (
        "paid", "paid", True)
    note = line["exception_note"].render("zh")
    assert "bank-0320.csv" in note and "支付失败" in note and "2020-03-02" in note
    log = svc.audit_log("claim", claim_id, url=ledger_url)
    assert list(log["action"]).count("bank_failed_after_paid") == 1
    assert svc.import_path("bank_results", failed, actors["finance"], url=ledger_url).already
    assert list(svc.audit_log("claim", claim_id, url=ledger_url)["action"]).count(
        "bank_failed_after_paid") == 1


def test_bank_confirming_a_recorded_payment_is_no_exception(ledger_url: str, actors,
                                                            tmp_path: Path) -> None:
    """The bank's file saying paid for a payment finance already recorded paid agrees with
    the ledger: nothing is flagged and nothing is paid again."""
    (p1,) = ready_to_pay(ledger_url, actors, [80_000])
    claim_id = int(svc.list_claims(url=ledger_url)["claim_id"].iloc[0])
    svc.record_payment(claim_id, actors["finance"], paid_on=MONDAY, url=ledger_url)
    paid = bank_file(tmp_path / "bank.csv", [(p1, "paid", 80_000)])
    svc.import_path("bank_results", paid, actors["finance"], url=ledger_url)
    line = svc.list_claims(url=ledger_url).iloc[0]
    assert (line["state"], bool(line["paid_exception"])) == ("paid", False)
    assert list(svc.claim_history(claim_id, url=ledger_url)["action"]).count(
        "record_payment") == 1
