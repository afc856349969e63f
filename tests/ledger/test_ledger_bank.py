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
#: a day finance records a payment paid by hand: after the notice closed (MONDAY + 10)
PAID_BY_HAND = dt.date(2020, 3, 16)


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
    svc.record_payment(claim_id, actors["finance"], paid_on=PAID_BY_HAND, url=ledger_url)
    failed = bank_file(tmp_path / "bank-0320.csv", [(p1, "failed", 80_000)])
    svc.import_path("bank_results", failed, actors["finance"], url=ledger_url)
    line = svc.list_claims(url=ledger_url).iloc[0]
    assert (line["state"], line["payment_status"], bool(line["paid_exception"])) == (
        "paid", "paid", True)
    note = line["exception_note"].render("zh")
    assert "bank-0320.csv" in note and "支付失败" in note and "2020-03-16" in note
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
    svc.record_payment(claim_id, actors["finance"], paid_on=PAID_BY_HAND, url=ledger_url)
    paid = bank_file(tmp_path / "bank.csv", [(p1, "paid", 80_000)])
    svc.import_path("bank_results", paid, actors["finance"], url=ledger_url)
    line = svc.list_claims(url=ledger_url).iloc[0]
    assert (line["state"], bool(line["paid_exception"])) == ("paid", False)
    assert list(svc.claim_history(claim_id, url=ledger_url)["action"]).count(
        "record_payment") == 1


def _shangyu_2020(url: str, actors) -> None:
    """The shipped 2020 policy (valid 2020-02-10 to 2020-06-30) made active, as in the demo."""
    from planner.paths import DATA_DIR

    svc.add_policy_version((DATA_DIR / "policies" / "shangyu-2020.toml").read_text("utf-8"),
                           actors["admin"], url=url)


def test_a_bank_file_dated_today_pays_a_claim_of_a_2020_policy(ledger_url: str, actors,
                                                                 tmp_path: Path) -> None:
    """Payment-date rule: the bank pays an approved claim of the 2020 policy today, as
    登记已支付 records one today; the policy's dates say which events earn a subsidy, not
    when the bank may pay, so the file is not refused."""
    from planner import clock

    _shangyu_2020(ledger_url, actors)
    p1, p2 = ready_to_pay(ledger_url, actors, [80_000, 50_000])
    today = clock.today().isoformat()
    path = tmp_path / "银行回单.csv"
    pd.DataFrame([{"payment_id": p1, "status": "paid", "paid_on": today,
                   "amount": "800.00"}]).to_csv(path, index=False)
    svc.import_path("bank_results", path, actors["finance"], url=ledger_url)
    claims = svc.list_claims(url=ledger_url).set_index("payment_id")
    assert (claims.loc[p1, "state"], claims.loc[p1, "paid_on"]) == ("paid", clock.today())
    svc.record_payment(int(claims.loc[p2, "claim_id"]), actors["finance"], url=ledger_url)
    assert set(_states(ledger_url)) == {"paid"}


def test_a_bank_paid_date_before_the_notice_closed_or_after_today_is_refused(
        ledger_url: str, actors, tmp_path: Path) -> None:
    """Payment-date rule: a bank line paid before its claim's notice closed (2020-03-12) or
    after today refuses the whole file, naming the row and the column as the file spells it
    (支付日期) in Chinese; nothing is paid."""
    from planner import clock

    _shangyu_2020(ledger_url, actors)
    p1, p2, p3 = ready_to_pay(ledger_url, actors, [80_000, 50_000, 20_000])
    tomorrow = clock.today() + dt.timedelta(days=1)
    path = tmp_path / "银行回单.csv"
    pd.DataFrame({"支付编号": [p1, p2, p3], "状态": ["已支付"] * 3,
                  "支付日期": ["2020-03-05", tomorrow.isoformat(), "2020-03-12"],
                  "金额": ["800.00", "500.00", "200.00"]}).to_csv(path, index=False)
    with pytest.raises(InputError) as err:
        svc.import_path("bank_results", path, actors["finance"], url=ledger_url)
    problems = err.value.problems
    assert [(p.file, p.row, p.column) for p in problems] == [
        ("银行回单.csv", 2, "支付日期"), ("银行回单.csv", 3, "支付日期")]
    assert problems[0].text("zh") == (
        f"支付 {p1}：支付日期 2020-03-05 早于其申领公示结束之日 2020-03-12；"
        "公示结束后才能支付，请填银行实际支付的日期")
    assert problems[1].text("zh").startswith(
        f"支付 {p2}：支付日期 {tomorrow.isoformat()} 晚于今天")
    assert _states(ledger_url) == ["notice_done"] * 3


def test_a_hand_recorded_paid_date_follows_the_same_rule(ledger_url: str, actors) -> None:
    """Payment-date rule: 登记已支付 (and `jobbus claims pay --paid-on`) refuses a day before
    the notice closed or after today with the bank file's message, and records one from the
    closing day on; several claims at once are all or none."""
    from planner import clock
    from planner.ledger.workflow import TransitionRefused

    ready_to_pay(ledger_url, actors, [80_000, 50_000])
    ids = [int(i) for i in svc.list_claims(url=ledger_url)["claim_id"]]
    with pytest.raises(TransitionRefused) as early:
        svc.record_payment(ids[0], actors["finance"], paid_on=MONDAY, url=ledger_url)
    assert early.value.message.code == "refusal.paid_before_notice_closed"
    with pytest.raises(TransitionRefused) as late:
        svc.record_payments(ids, actors["finance"], url=ledger_url,
                            paid_on=clock.today() + dt.timedelta(days=1))
    assert f"第 {ids[0]} 条：支付 {svc.payment_id_for(ids[0])}：支付日期" in (
        late.value.message.render("zh"))
    assert _states(ledger_url) == ["notice_done", "notice_done"]
    svc.record_payments(ids, actors["finance"], paid_on=MONDAY + dt.timedelta(days=10),
                        url=ledger_url)
    assert _states(ledger_url) == ["paid", "paid"]


def _steps(url: str, claim_id: int) -> list[tuple[str, str, str, str]]:
    """The claim's history: (action, from, to, reason in Chinese) per step."""
    history = svc.claim_history(claim_id, url=url)
    return [(r["action"], r["from_state"], r["to_state"],
             r["reason"].render("zh") if hasattr(r["reason"], "render") else str(r["reason"]))
            for r in history.to_dict("records")]


def test_a_bank_failure_is_a_step_of_the_claims_history(ledger_url: str, actors,
                                                        tmp_path: Path) -> None:
    """A payment the bank's file says failed is in its claim's 办理记录: the file, the date the
    bank gives, the payment and the bank's reason, by the finance user who imported it, the
    claim's state unchanged; the same file again adds nothing; the payment paid later follows
    it."""
    (p1,) = ready_to_pay(ledger_url, actors, [80_000])
    claim_id = int(svc.list_claims(url=ledger_url)["claim_id"].iloc[0])
    failed = tmp_path / "bank-0318.csv"
    failed.write_text(f"支付编号,状态,支付日期,金额,失败原因\n{p1},failed,2020-03-18,800.00,"
                      "账户已销户\n", encoding="utf-8")
    svc.import_path("bank_results", failed, actors["finance"], url=ledger_url)
    svc.import_path("bank_results", failed, actors["finance"], url=ledger_url)
    step = ("bank_failed", "notice_done", "notice_done",
            f"银行回单 bank-0318.csv（2020-03-18）：支付 {p1} 失败，原因：账户已销户")
    assert _steps(ledger_url, claim_id)[-1] == step
    history = svc.claim_history(claim_id, url=ledger_url)
    assert history.iloc[-1]["actor"] == actors["finance"].username
    assert history.iloc[-1]["reason"].render("en") == (
        f"bank file bank-0318.csv (2020-03-18): payment {p1} failed: 账户已销户")
    assert svc.list_claims(url=ledger_url).iloc[0]["payment_status"] == "failed"

    assert svc.issue_payments(None, actors["finance"], url=ledger_url) == [p1]
    svc.import_path("bank_results", bank_file(tmp_path / "bank-0325.csv",
                                              [(p1, "paid", 80_000)]),
                    actors["finance"], url=ledger_url)
    steps = _steps(ledger_url, claim_id)
    assert [s[0] for s in steps][-2:] == ["bank_failed", "record_payment"]
    assert steps.count(step) == 1


def test_a_bank_failure_after_recorded_paid_is_in_the_history(ledger_url: str, actors,
                                                              tmp_path: Path) -> None:
    """A failure of a payment recorded paid by hand is in the claim's history, said as such,
    dated the import's day when the bank gives none, without a reason when it gives none."""
    from planner import clock

    (p1,) = ready_to_pay(ledger_url, actors, [80_000])
    claim_id = int(svc.list_claims(url=ledger_url)["claim_id"].iloc[0])
    svc.record_payment(claim_id, actors["finance"], paid_on=PAID_BY_HAND, url=ledger_url)
    svc.import_path("bank_results", bank_file(tmp_path / "bank-0320.csv",
                                              [(p1, "failed", 80_000)]),
                    actors["finance"], url=ledger_url)
    assert _steps(ledger_url, claim_id)[-1] == (
        "bank_failed", "paid", "paid",
        f"银行回单 bank-0320.csv（{clock.today().isoformat()}）：已登记为已支付的 {p1} 失败，"
        "原因：银行未说明；请核实款项是否到账")


def test_upgrade_writes_earlier_bank_failures_into_the_history(db_url: str, actors,
                                                               tmp_path: Path) -> None:
    """A ledger whose bank failures were imported before they went into the claims' history
    (schema 0012) gets them there on upgrade, in time order among the claim's steps; the
    upgrade writes nothing twice."""
    from alembic import command

    from planner.ledger import get_engine, init_db
    from planner.ledger.db import alembic_config

    cfg = alembic_config(db_url)
    with get_engine(db_url).begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "0012")
    (p1,) = ready_to_pay(db_url, actors, [80_000])
    claim_id = int(svc.list_claims(url=db_url)["claim_id"].iloc[0])
    svc.import_path("bank_results", bank_file(tmp_path / "bank-0318.csv",
                                              [(p1, "failed", 80_000)]),
                    actors["finance"], url=db_url)
    with UnitOfWork(db_url) as uow:  # as 0012 left it: the failure only in the bank lines
        for d in uow.session.query(m.Decision).filter(m.Decision.action == "bank_failed"):
            uow.session.delete(d)
        uow.commit()
    svc.issue_payments(None, actors["finance"], url=db_url)
    svc.record_payment(claim_id, actors["finance"], url=db_url)
    init_db(db_url)
    init_db(db_url)
    steps = _steps(db_url, claim_id)
    assert [s[0] for s in steps][-2:] == ["bank_failed", "record_payment"]
    assert steps[-2][1:3] == ("notice_done", "notice_done")
    assert steps[-2][3].startswith("银行回单 bank-0318.csv（") and "银行未说明" in steps[-2][3]


def test_the_import_says_what_was_paid_failed_excepted_and_skipped(ledger_url: str, actors,
                                                                  tmp_path: Path) -> None:
    """A bank file's import counts, with amounts: the lines paid (of which newly paid — one
    was recorded paid by hand already), the lines failed (of which may be issued again — one
    was recorded paid: a payment exception), and the line seen in an earlier file, skipped;
    the summary says it in Chinese and English alike."""
    p0, p1, p2, p3, p4, p5 = ready_to_pay(ledger_url, actors,
                                          [80_000, 50_000, 30_000, 20_000, 10_000, 5_000])
    for by_hand in (p4, p5):
        svc.record_payment(int(by_hand[2:]), actors["finance"], paid_on=PAID_BY_HAND,
                           url=ledger_url)
    svc.import_path("bank_results", bank_file(tmp_path / "b0.csv", [(p0, "paid", 80_000)]),
                    actors["finance"], url=ledger_url)
    lines = [(p0, "paid", 80_000), (p1, "paid", 50_000), (p2, "paid", 30_000),
             (p3, "failed", 20_000), (p4, "paid", 10_000), (p5, "failed", 5_000)]
    result = svc.import_path("bank_results", bank_file(tmp_path / "b1.csv", lines),
                             actors["finance"], url=ledger_url)
    assert result.bank is not None
    tally = result.bank
    assert (tally.paid, tally.paid_fen, tally.newly_paid) == (3, 90_000, 2)
    assert (tally.failed, tally.failed_fen, tally.to_issue_again) == (2, 25_000, 1)
    assert (tally.duplicates, result.exceptions) == (1, 1)
    from planner.services.payments import bank_import_needs_a_look, bank_import_summary

    assert [line.render("zh") for line in bank_import_summary(result)] == [
        "已导入银行回单 b1.csv：共 6 行",
        "已到账 3 条，合计 900.00 元（其中本次新到账 2 条）",
        "支付失败 2 条，合计 250.00 元",
        "支付失败的 1 条可重新发起支付",
        "支付异常 1 条（待核实）",
        "重复行 1 行（此前已导入），已跳过",
    ]
    english = " | ".join(line.render("en") for line in bank_import_summary(result))
    assert "paid: 3 lines, 900.00 yuan (2 newly paid by this file)" in english
    assert "failed: 2 lines, 250.00 yuan" in english
    assert bank_import_needs_a_look(result)
    again = svc.import_path("bank_results", tmp_path / "b1.csv", actors["finance"],
                            url=ledger_url)
    assert [line.render("zh") for line in bank_import_summary(again)] == [
        "银行回单 b1.csv 此前已导入，本次未作任何更改"]


def test_an_all_paid_import_is_no_warning(ledger_url: str, actors, tmp_path: Path) -> None:
    """A bank file whose every line was paid needs no look: nothing failed, no exception."""
    (p1,) = ready_to_pay(ledger_url, actors, [80_000])
    result = svc.import_path("bank_results", bank_file(tmp_path / "b.csv", [(p1, "paid", 80_000)]),
                             actors["finance"], url=ledger_url)
    from planner.services.payments import bank_import_needs_a_look, bank_import_summary

    assert not bank_import_needs_a_look(result)
    assert bank_import_summary(result)[2].render("zh") == "支付失败 0 条，合计 0.00 元"


def test_a_bank_failure_after_a_paid_exception_is_marked_a_bank_failure(
        ledger_url: str, actors, tmp_path: Path) -> None:
    """The bank paid a claim flagged after its order was sent (an exception: money left), then
    a later file says the payment failed: the claim is marked again, as a bank failure (the
    money may have come back), counted by the import, the earlier note kept in the audit."""
    (p1,) = ready_to_pay(ledger_url, actors, [80_000])
    claim_id = int(svc.list_claims(url=ledger_url)["claim_id"].iloc[0])
    with UnitOfWork(ledger_url) as uow:
        claim = uow.repo.claim(claim_id)
        assert claim is not None
        claim.needs_review = True
        uow.commit()
    svc.import_path("bank_results", bank_file(tmp_path / "b1.csv", [(p1, "paid", 80_000)]),
                    actors["finance"], url=ledger_url)
    assert svc.list_claims(url=ledger_url).iloc[0]["exception_note"].code == (
        "paid_exception.flagged")
    failed = svc.import_path("bank_results", bank_file(tmp_path / "b2.csv",
                                                       [(p1, "failed", 80_000)]),
                             actors["finance"], url=ledger_url)
    assert failed.exceptions == 1
    line = svc.list_claims(url=ledger_url).iloc[0]
    assert (line["state"], bool(line["paid_exception"])) == ("paid", True)
    assert line["exception_note"].code == "paid_exception.bank_failed_no_reason"
    marked = svc.audit_log("claim", claim_id, url=ledger_url).iloc[-1]
    assert marked["action"] == "bank_failed_after_paid"
    assert "paid_exception.flagged" in marked["before"]["exception_note"]
