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
