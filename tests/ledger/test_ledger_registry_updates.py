"""A registered person or employer saved again through 登记 (a scenario import): their contact,
availability, bank details and an employer's demand reach the ledger, audited; a changed bank
account sends unpaid claims back to review and waits while a payment is at the bank; identity
stays refused."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import select

from planner.ledger import UnitOfWork
from planner.ledger import models as m
from planner.ledger.repository import row_dict
from planner.ledger.workflow import TransitionRefused
from planner.problems import InputError
from planner.services import ledger as svc
from planner.services.auth import PermissionDenied, Role, User
from planner.services.registration import (
    TableUpload,
    check_upload,
    register_upload,
    registered_frame,
)

MONDAY = dt.date(2020, 3, 2)
OLD_ACCOUNT = ("农业银行", "6228480012345675678")
NEW_ACCOUNT = ("工商银行", "6222020000000004321")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A working scenario of 20 people."""
    from planner.demo import write_demo

    target = tmp_path / "home" / "scenario"
    write_demo(target, n_workers=20)
    return target


def _row(folder: Path, kind: str, key: str) -> pd.DataFrame:
    """The registered row of ``key`` as the 登记 page's editor holds it (spreadsheet row 2)."""
    frame = registered_frame(folder, kind)
    column = "id_number" if kind == "workers" else "uscc"
    return frame[frame[column] == key].set_axis(pd.Index([2]))


def _register(folder: Path, url: str, actor: User, kind: str, key: str, **values: str) -> None:
    """Save ``key``'s registered row with ``values`` through 登记 (check, then register)."""
    upload = check_upload(TableUpload(kind, "更正.csv", _row(folder, kind, key).assign(**values)),
                          folder)
    assert upload.errors == []
    register_upload(upload, folder, actor, url=url)


def _bank(bank: tuple[str, str]) -> dict[str, str]:
    return {"bank_name": bank[0], "bank_account": bank[1]}


@pytest.fixture
def payee(ledger_url: str, folder: Path, actors: dict[str, User]) -> str:
    """The scenario in the ledger; one person, registered with OLD_ACCOUNT, came on their own
    and is insured, so the default policy owes them a self-return claim (a draft). Returns
    their ID number."""
    svc.import_path("scenario", folder, actors["operator"], url=ledger_url)
    with UnitOfWork(ledger_url) as uow:
        person = next(p for p in uow.session.scalars(select(m.Person).order_by(m.Person.id))
                      if not p.home_adcode.startswith("33"))
        employer = uow.session.scalars(select(m.Employer).order_by(m.Employer.id)).first()
        assert employer is not None
        uow.repo.add(m.Event(kind="arrived", natural_key=f"a|{person.id_number}",
                             person_id=person.id, employer_id=employer.id,
                             on_date=dt.date(2020, 2, 21)))
        for month in ("2020-02", "2020-03", "2020-04"):
            uow.repo.add(m.Event(kind="insured", natural_key=f"i|{person.id_number}|{month}",
                                 person_id=person.id, employer_id=employer.id, month=month))
        uow.commit()
        id_number = person.id_number
    _register(folder, ledger_url, actors["operator"], "workers", id_number, **_bank(OLD_ACCOUNT))
    svc.ensure_default_policy(ledger_url)
    svc.compute_claims(actors["operator"], url=ledger_url)
    return id_number


def _claim(url: str, id_number: str) -> pd.Series:
    return svc.list_claims(url=url).set_index("key").loc[f"self_return:{id_number}"]


def _to_notice_done(url: str, claim_id: int, a: dict[str, User]) -> None:
    svc.review([claim_id], a["reviewer"], url=url)
    svc.approve([claim_id], a["approver"], url=url)
    svc.publish_notice([claim_id], a["approver"], on=MONDAY, url=url)
    svc.close_notice([claim_id], a["approver"], on=MONDAY + dt.timedelta(days=10), url=url)


def _person(url: str, id_number: str) -> dict[str, object]:
    """A person's fields as the ledger holds them."""
    with UnitOfWork(url) as uow:
        return row_dict(uow.repo.people_by_id_number()[id_number])


def test_a_corrected_bank_account_reaches_the_finance_list(ledger_url: str, folder: Path,
                                                           payee: str, actors) -> None:
    """A person who corrects their bank account through 登记 is paid to the new account: the
    finance list carries it (before, the ledger kept the first account)."""
    _register(folder, ledger_url, actors["operator"], "workers", payee, **_bank(NEW_ACCOUNT))
    _to_notice_done(ledger_url, int(_claim(ledger_url, payee)["claim_id"]), actors)
    line = svc.finance_lines(url=ledger_url).set_index("payee_id").loc[payee]
    assert (line["bank_name"], line["bank_account"]) == NEW_ACCOUNT


def test_an_updated_registration_is_audited_with_before_and_after(ledger_url: str,
                                                                  folder: Path, payee: str,
                                                                  actors) -> None:
    """Changing a registered person's phone and bank account writes one audit entry for the
    row, holding only the changed fields before and after; the import counts it updated."""
    upload = check_upload(TableUpload("workers", "更正.csv", _row(folder, "workers", payee)
                                      .assign(phone="13800001111", **_bank(NEW_ACCOUNT))), folder)
    result = register_upload(upload, folder, actors["operator"], url=ledger_url)
    assert result.updated == 1 and result.added == 0
    log = svc.audit_log("person", payee, url=ledger_url)
    log = log[log["action"] == "update_registration"]
    assert len(log) == 2  # the fixture's first account, then this change
    before, after = log.iloc[-1]["before"], log.iloc[-1]["after"]
    assert set(after) == {"phone", "bank_name", "bank_account"}
    assert after == {"phone": "13800001111", **_bank(NEW_ACCOUNT)}
    assert (before["bank_name"], before["bank_account"]) == OLD_ACCOUNT
    assert _person(ledger_url, payee)["phone"] == "13800001111"


def test_a_changed_account_sends_an_approved_unpaid_claim_back_to_review(
        ledger_url: str, folder: Path, payee: str, actors, tmp_path: Path) -> None:
    """An approved, unpaid claim of a payee whose account changed is flagged with a note
    naming both accounts by their last four digits only; it cannot be issued, recorded paid
    nor batched (a recompute keeps the flag) until a reviewer takes it back and it goes
    through approval and notice again — then it is paid to the new account."""
    claim_id = int(_claim(ledger_url, payee)["claim_id"])
    svc.review([claim_id], actors["reviewer"], url=ledger_url)
    svc.approve([claim_id], actors["approver"], url=ledger_url)
    _register(folder, ledger_url, actors["operator"], "workers", payee, **_bank(NEW_ACCOUNT))
    claim = _claim(ledger_url, payee)
    assert claim["state"] == "approved" and bool(claim["needs_review"])
    note = claim["review_note"].render("zh")
    assert note == "收款账户已变更（农业银行 尾号 5678 → 工商银行 尾号 4321），请复核后再支付"
    assert OLD_ACCOUNT[1] not in note and NEW_ACCOUNT[1] not in note
    assert "flag_account_changed" in set(svc.audit_log("claim", claim_id, url=ledger_url)
                                         ["action"])
    svc.publish_notice([claim_id], actors["approver"], on=MONDAY, url=ledger_url)
    svc.close_notice([claim_id], actors["approver"], on=MONDAY + dt.timedelta(days=10),
                     url=ledger_url)
    svc.compute_claims(actors["operator"], url=ledger_url)  # same amount: the flag stays
    with pytest.raises(TransitionRefused, match="flagged"):
        svc.issue_payments([claim_id], actors["finance"], url=ledger_url)
    with pytest.raises(TransitionRefused, match="flagged"):
        svc.record_payment(claim_id, actors["finance"], url=ledger_url)
    number, lines = svc.payment_batch(actors["finance"], url=ledger_url)
    assert number is None and lines.empty
    assert claim_id not in set(svc.finance_lines(url=ledger_url)["claim_id"])

    svc.reopen_flagged([claim_id], actors["reviewer"], url=ledger_url)
    _to_notice_done(ledger_url, claim_id, actors)
    assert svc.issue_payments([claim_id], actors["finance"], url=ledger_url) == [
        f"JB{claim_id:08d}"]
    line = svc.finance_lines("notice_done", url=ledger_url).set_index("claim_id").loc[claim_id]
    assert line["bank_account"] == NEW_ACCOUNT[1]


def _roster(url: str, id_number: str, *, on: bool) -> None:
    """Put ``id_number`` on an employer's charter roster (its self-return is then owed
    nothing), or take them off it again."""
    with UnitOfWork(url) as uow:
        person = uow.repo.people_by_id_number()[id_number]
        if on:
            employer = uow.session.scalars(select(m.Employer).order_by(m.Employer.id)).first()
            assert employer is not None
            charter = m.Charter(contract_no="C1", employer_id=employer.id,
                                depart_date=dt.date(2020, 2, 20), origin_adcode="520102",
                                seats=53, riders=25, invoice_amount_fen=2_000_000)
            uow.repo.add(charter)
            uow.session.flush()
            uow.repo.add(m.CharterRider(charter_id=charter.id, person_id=person.id))
        else:
            rider = uow.session.scalars(select(m.CharterRider).where(
                m.CharterRider.person_id == person.id)).one()
            uow.session.delete(rider)
        uow.commit()


def test_a_recompute_keeps_the_account_reason_of_a_flag(ledger_url: str, folder: Path,
                                                        payee: str, actors) -> None:
    """A claim flagged for a changed account whose amount then changes keeps both reasons;
    when the amount is back, only the account reason goes on holding it for a reviewer."""
    claim_id = int(_claim(ledger_url, payee)["claim_id"])
    svc.review([claim_id], actors["reviewer"], url=ledger_url)
    _register(folder, ledger_url, actors["operator"], "workers", payee, **_bank(NEW_ACCOUNT))
    _roster(ledger_url, payee, on=True)
    svc.compute_claims(actors["operator"], url=ledger_url)
    note = _claim(ledger_url, payee)["review_note"].render("zh")
    assert "收款账户已变更" in note and "重算金额 0.00 元" in note
    _roster(ledger_url, payee, on=False)
    svc.compute_claims(actors["operator"], url=ledger_url)
    claim = _claim(ledger_url, payee)
    assert bool(claim["needs_review"])
    assert claim["review_note"].render("zh").startswith("收款账户已变更")
    assert "重算" not in claim["review_note"].render("zh")


def test_a_payment_at_the_bank_refuses_the_account_change(ledger_url: str, folder: Path,
                                                          payee: str, actors) -> None:
    """While the payee's payment is pending at the bank, changing their account is refused,
    naming the row and the payment; nothing is written: ledger, claim, audit and files stay."""
    claim_id = int(_claim(ledger_url, payee)["claim_id"])
    _to_notice_done(ledger_url, claim_id, actors)
    [payment] = svc.issue_payments([claim_id], actors["finance"], url=ledger_url)
    before = (folder / "workers.csv").read_bytes()
    audited = len(svc.audit_log(url=ledger_url))
    upload = check_upload(TableUpload("workers", "更正.csv", _row(folder, "workers", payee)
                                      .assign(phone="13800001111", **_bank(NEW_ACCOUNT))), folder)
    with pytest.raises(InputError) as refused:
        register_upload(upload, folder, actors["operator"], url=ledger_url)
    [problem] = refused.value.problems
    assert (problem.file, problem.row) == ("更正.csv", 2)
    assert f"支付 {payment} 已送银行，等银行回单后再更改收款账户" in problem.text("zh")
    person = _person(ledger_url, payee)
    assert (person["bank_name"], person["bank_account"]) == OLD_ACCOUNT
    assert person["phone"] != "13800001111"
    assert not bool(_claim(ledger_url, payee)["needs_review"])
    assert len(svc.audit_log(url=ledger_url)) == audited
    assert (folder / "workers.csv").read_bytes() == before


def test_an_employers_new_demand_reaches_the_returns_report(ledger_url: str, folder: Path,
                                                            actors) -> None:
    """An employer's new hires wanted and needed-by day, changed during the campaign, are
    updated in the ledger (before, refused as if another employer) and the returns report's
    demand follows."""
    svc.import_path("scenario", folder, actors["operator"], url=ledger_url)
    employers = registered_frame(folder, "employers")
    uscc = str(employers["uscc"].iloc[0])
    wanted = int(employers["new_hires_wanted"].iloc[0])
    demand = svc.returns_report(url=ledger_url)["employer"].set_index("employer_uscc")
    _register(folder, ledger_url, actors["operator"], "employers", uscc,
              new_hires_wanted=str(wanted + 40), needed_by="2020-03-31")
    after = svc.returns_report(url=ledger_url)["employer"].set_index("employer_uscc")
    assert after.loc[uscc, "demand"] == demand.loc[uscc, "demand"] + 40
    with UnitOfWork(ledger_url) as uow:
        assert uow.repo.employers_by_uscc()[uscc].needed_by == dt.date(2020, 3, 31)


def test_a_new_available_day_dates_the_registration(ledger_url: str, folder: Path,
                                                    actors) -> None:
    """A registered person's new available-from day reaches the ledger and dates their
    ``registered`` event."""
    svc.import_path("scenario", folder, actors["operator"], url=ledger_url)
    id_number = str(registered_frame(folder, "workers")["id_number"].iloc[0])
    _register(folder, ledger_url, actors["operator"], "workers", id_number,
              available_from="2020-03-09")
    with UnitOfWork(ledger_url) as uow:
        assert uow.repo.people_by_id_number()[id_number].available_from == dt.date(2020, 3, 9)
        event = uow.session.scalars(select(m.Event).where(
            m.Event.natural_key == f"registered|{id_number}")).one()
        assert event.on_date == dt.date(2020, 3, 9)


@pytest.mark.parametrize(("kind", "column", "value"), [
    ("workers", "name", "改名甲"),
    ("workers", "home_adcode", "520324"),
    ("employers", "name", "另一家公司"),
])
def test_an_identity_change_is_still_refused(ledger_url: str, folder: Path, actors,
                                             kind: str, column: str, value: str) -> None:
    """A registered row with another name or home county is another person (or a mistake):
    refused on its row and column, and the bank account given beside it is not written."""
    svc.import_path("scenario", folder, actors["operator"], url=ledger_url)
    key_column = "id_number" if kind == "workers" else "uscc"
    key = str(registered_frame(folder, kind)[key_column].iloc[1])
    upload = check_upload(TableUpload(kind, "更正.csv", _row(folder, kind, key)
                                      .assign(**{column: value}, **_bank(NEW_ACCOUNT))), folder)
    assert upload.errors == []
    with pytest.raises(InputError) as refused:
        register_upload(upload, folder, actors["operator"], url=ledger_url)
    assert [(p.row, p.column) for p in refused.value.problems] == [(2, column)]
    with UnitOfWork(ledger_url) as uow:
        rows = (uow.repo.people_by_id_number() if kind == "workers"
                else uow.repo.employers_by_uscc())
        assert rows[key].bank_account is None
    assert not any(svc.audit_log(url=ledger_url)["action"] == "update_registration")


def _employer(url: str, uscc: str) -> dict[str, object]:
    """An employer's fields as the ledger holds them."""
    from planner.ledger.repository import row_dict

    with UnitOfWork(url) as uow:
        return row_dict(uow.repo.employers_by_uscc()[uscc])


def test_a_blank_employer_cell_clears_the_fact_not_the_planners_default(
        ledger_url: str, folder: Path, actors) -> None:
    """An employer's drop-off point and needed-by day blanked through 登记 are cleared in the
    ledger (audited as cleared), not replaced by the scenario's defaults (the destination,
    plan_to), which the planner still applies where it plans."""
    from planner.io import load_scenario

    svc.import_path("scenario", folder, actors["operator"], url=ledger_url)
    uscc = str(registered_frame(folder, "employers")["uscc"].iloc[0])
    _register(folder, ledger_url, actors["operator"], "employers", uscc, lat="30.1",
              lon="120.9", needed_by="2020-03-01")
    assert (_employer(ledger_url, uscc)["lat"], _employer(ledger_url, uscc)["needed_by"]) == (
        30.1, "2020-03-01")
    _register(folder, ledger_url, actors["operator"], "employers", uscc, lat="", lon="",
              needed_by="")
    held = _employer(ledger_url, uscc)
    assert (held["lat"], held["lon"], held["needed_by"]) == (None, None, None)
    log = svc.audit_log("employer", uscc, url=ledger_url)
    assert log.iloc[-1]["after"] == {"lat": None, "lon": None, "needed_by": None}
    scenario = load_scenario(folder)
    planned = next(e for e in scenario.employers if e.uscc == uscc)
    assert (planned.lat, planned.lon, planned.needed_by) == (
        scenario.destination.lat, scenario.destination.lon, scenario.plan_to)


def test_a_blank_available_day_clears_it(ledger_url: str, folder: Path, actors) -> None:
    """A person's available-from day blanked through 登记 is cleared in the ledger (their
    registration undated), not set to plan_from."""
    svc.import_path("scenario", folder, actors["operator"], url=ledger_url)
    id_number = str(registered_frame(folder, "workers")["id_number"].iloc[0])
    _register(folder, ledger_url, actors["operator"], "workers", id_number,
              available_from="2020-03-09")
    _register(folder, ledger_url, actors["operator"], "workers", id_number, available_from="")
    assert _person(ledger_url, id_number)["available_from"] is None
    with UnitOfWork(ledger_url) as uow:
        event = uow.session.scalars(select(m.Event).where(
            m.Event.natural_key == f"registered|{id_number}")).one()
        assert event.on_date is None


def test_a_blank_bank_account_clears_it_and_holds_the_claims(ledger_url: str, folder: Path,
                                                             payee: str, actors) -> None:
    """Blanking a payee's bank cells clears the account: the finance list has none, and an
    approved unpaid claim is flagged naming the old account and 未登记账户, so nothing is
    paid to the old account nor to none until a reviewer takes it back."""
    claim_id = int(_claim(ledger_url, payee)["claim_id"])
    svc.review([claim_id], actors["reviewer"], url=ledger_url)
    svc.approve([claim_id], actors["approver"], url=ledger_url)
    _register(folder, ledger_url, actors["operator"], "workers", payee, bank_name="",
              bank_account="")
    person = _person(ledger_url, payee)
    assert (person["bank_name"], person["bank_account"]) == (None, None)
    claim = _claim(ledger_url, payee)
    assert bool(claim["needs_review"])
    assert claim["review_note"].render("zh") == (
        "收款账户已变更（农业银行 尾号 5678 → 未登记账户），请复核后再支付")
    row = _row(folder, "workers", payee).iloc[0]
    assert (row["bank_name"], row["bank_account"]) == ("", "")


def test_a_table_without_the_bank_columns_keeps_the_account(ledger_url: str, folder: Path,
                                                            payee: str, actors) -> None:
    """A table of people without the bank columns (an older spreadsheet) says nothing about
    accounts: saving a payee's new phone through 登记 keeps their account in the working
    file and the ledger, and holds none of their claims."""
    claim_id = int(_claim(ledger_url, payee)["claim_id"])
    svc.review([claim_id], actors["reviewer"], url=ledger_url)
    table = (_row(folder, "workers", payee).drop(columns=["bank_name", "bank_account"])
             .assign(phone="13800001111"))
    upload = check_upload(TableUpload("workers", "旧表.csv", table), folder)
    assert upload.errors == [] and upload.changes is not None
    assert (upload.changes.updated, upload.changes.unchanged) == (1, 0)
    register_upload(upload, folder, actors["operator"], url=ledger_url)
    person = _person(ledger_url, payee)
    assert (person["phone"], person["bank_name"], person["bank_account"]) == (
        "13800001111", *OLD_ACCOUNT)
    row = _row(folder, "workers", payee).iloc[0]
    assert (row["bank_name"], row["bank_account"]) == OLD_ACCOUNT
    assert not bool(_claim(ledger_url, payee)["needs_review"])


def test_a_scenario_file_without_the_bank_columns_keeps_the_ledgers_accounts(
        ledger_url: str, folder: Path, payee: str, actors) -> None:
    """`jobbus ledger import scenario` of a folder whose workers.csv has no bank columns
    keeps the accounts registered in the ledger (a missing column says nothing; only a blank
    cell clears)."""
    workers = pd.read_csv(folder / "workers.csv", dtype=str, keep_default_na=False)
    workers.drop(columns=["bank_name", "bank_account"]).to_csv(folder / "workers.csv",
                                                               index=False)
    svc.import_path("scenario", folder, actors["operator"], url=ledger_url)
    person = _person(ledger_url, payee)
    assert (person["bank_name"], person["bank_account"]) == OLD_ACCOUNT
    assert not bool(_claim(ledger_url, payee)["needs_review"])
# ------------------------------------------------- an account change racing a payment
def _money(url: str, id_number: str) -> tuple[tuple[str, str], bool, list[str]]:
    """Where the payee is paid (their registered account), whether their claim is flagged, and
    the status of its payment (none, or one)."""
    person = _person(url, id_number)
    claim = _claim(url, id_number)
    with UnitOfWork(url) as uow:
        statuses = [p.status for p in uow.session.scalars(select(m.Payment))]
    return ((str(person["bank_name"]), str(person["bank_account"])),
            bool(claim["needs_review"]), statuses)


def _change_account_once(folder: Path, url: str, actors, payee: str
                         ) -> tuple[Callable[[], None], list[bool]]:
    """A hook that applies 登记's change of ``payee``'s account (committed) the first time it
    is called, and the list that says whether it was."""
    done: list[bool] = []

    def change() -> None:
        if not done:
            done.append(True)
            _register(folder, url, actors["operator"], "workers", payee, **_bank(NEW_ACCOUNT))

    return change, done


@pytest.mark.parametrize("issue", ["batch", "issue"])
def test_an_account_changed_after_issuing_read_the_claims_stops_the_payment(
        ledger_url: str, folder: Path, payee: str, actors, monkeypatch: pytest.MonkeyPatch,
        issue: str) -> None:
    """A payment batch (or 发起支付) that read the payable claims before 登记 changed the
    payee's account issues nothing: refused naming the claim; the claim stays flagged for the
    new account and no payment goes to the bank, with the old account or the new."""
    from planner.services import payments

    claim_id = int(_claim(ledger_url, payee)["claim_id"])
    _to_notice_done(ledger_url, claim_id, actors)
    change, changed = _change_account_once(folder, ledger_url, actors, payee)
    monkeypatch.setattr(payments, "after_payable_read", change)
    with pytest.raises(TransitionRefused) as refused:
        if issue == "batch":
            svc.payment_batch(actors["finance"], url=ledger_url)
        else:
            svc.issue_payments([claim_id], actors["finance"], url=ledger_url)
    assert changed
    assert f"第 {claim_id} 条" in refused.value.message.render("zh")
    assert f"claim {claim_id}" in refused.value.message.render("en")
    assert _money(ledger_url, payee) == (NEW_ACCOUNT, True, [])
    with UnitOfWork(ledger_url) as uow:
        assert uow.repo.count(m.PaymentBatch) == 0


def _batch_in_thread(url: str, actors) -> tuple[Any, list[object]]:
    """A finance user making a payment batch from another thread (another connection); the
    outcome (the batch, or the refusal) goes into the returned list."""
    import threading

    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(svc.payment_batch(actors["finance"], url=url))
        except TransitionRefused as exc:
            outcome.append(exc)

    thread = threading.Thread(target=run)
    return thread, outcome


@pytest.mark.parametrize("moment", ["after_account_check", "before_import_commit"])
def test_a_batch_made_while_an_account_change_is_saved_never_pays_a_flagged_claim(
        ledger_url: str, folder: Path, payee: str, actors, monkeypatch: pytest.MonkeyPatch,
        moment: str) -> None:
    """A payment batch made while 登记 is saving a payee's new account — after it checked that
    nothing of theirs is at the bank, or just before it commits — and the account change do
    not both happen: either the batch goes out (to the old account, recorded on the payment)
    and the change is refused, or the change is saved (the claim flagged) and the batch holds
    nothing. Never a payment at the bank for a claim flagged for its account.

    Which one wins is the database's: on SQLite the import holds the write lock from its start,
    so the batch waits for it and then finds its claim changed; on PostgreSQL a batch made
    after the check is not seen by it but commits first (the import then fails on the claim's
    version: reading the claims after the check instead, it would have flagged them anyway),
    while a batch made just before the commit waits for the claim rows the import flagged."""
    from planner.services import imports, payments

    claim_id = int(_claim(ledger_url, payee)["claim_id"])
    _to_notice_done(ledger_url, claim_id, actors)
    thread, outcome = _batch_in_thread(ledger_url, actors)
    batch_first = not ledger_url.startswith("sqlite") and moment == "after_account_check"

    def batch_meanwhile() -> None:
        if not thread.is_alive() and not outcome:
            thread.start()
            thread.join(60 if batch_first else 3)  # done, or waiting for the import

    module: Any = payments if moment == "after_account_check" else imports
    monkeypatch.setattr(module, moment, batch_meanwhile)
    try:
        _register(folder, ledger_url, actors["operator"], "workers", payee, **_bank(NEW_ACCOUNT))
        changed = True
    except InputError as refused:
        changed = False
        assert "another user changed the same claims" in str(refused)
    thread.join(60)
    assert outcome, "the batch never ran"
    assert changed is not batch_first
    account, flagged, statuses = _money(ledger_url, payee)
    if changed:
        assert (account, flagged, statuses) == (NEW_ACCOUNT, True, [])
        assert isinstance(outcome[0], TransitionRefused) or outcome[0][0] is None
    else:
        assert (account, flagged, statuses) == (OLD_ACCOUNT, False, ["pending"])
        assert not isinstance(outcome[0], TransitionRefused) and outcome[0][0] is not None
        with UnitOfWork(ledger_url) as uow:
            [payment] = uow.session.scalars(select(m.Payment))
            assert (payment.bank_name, payment.bank_account) == OLD_ACCOUNT


def test_a_payee_in_an_open_batch_keeps_their_account(ledger_url: str, folder: Path,
                                                      payee: str, actors) -> None:
    """The other order, one after the other: once a payee's line is in a payment batch the bank
    has not answered, 登记 refuses to change their account (the batch's file stays true)."""
    claim_id = int(_claim(ledger_url, payee)["claim_id"])
    _to_notice_done(ledger_url, claim_id, actors)
    number, lines = svc.payment_batch(actors["finance"], url=ledger_url)
    assert number is not None and list(lines["claim_id"]) == [claim_id]
    with pytest.raises(InputError, match="with the bank"):
        _register(folder, ledger_url, actors["operator"], "workers", payee, **_bank(NEW_ACCOUNT))
    assert _money(ledger_url, payee) == (OLD_ACCOUNT, False, ["pending"])


def test_a_payment_records_the_account_it_was_issued_to(ledger_url: str, folder: Path,
                                                        payee: str, actors) -> None:
    """An issued payment keeps the payee's account as registered when it was issued; the audit
    names it by bank and last four digits only; the open batch's finance list, exported
    again, names that account even if the registration was changed behind the ledger's back."""
    claim_id = int(_claim(ledger_url, payee)["claim_id"])
    _to_notice_done(ledger_url, claim_id, actors)
    number, _ = svc.payment_batch(actors["finance"], url=ledger_url)
    with UnitOfWork(ledger_url) as uow:
        [payment] = uow.session.scalars(select(m.Payment))
        assert (payment.bank_name, payment.bank_account) == OLD_ACCOUNT
        person = uow.repo.people_by_id_number()[payee]
        person.bank_name, person.bank_account = NEW_ACCOUNT  # not through 登记
        uow.commit()
    [issued] = svc.audit_log("payment", url=ledger_url).query("action == 'issue'")["after"]
    assert OLD_ACCOUNT[1] not in str(issued)
    assert "5678" in str(issued["account"]) and OLD_ACCOUNT[0] in str(issued["account"])
    again, lines = svc.payment_batch(actors["finance"], url=ledger_url)
    assert again == number
    assert tuple(lines.set_index("claim_id").loc[claim_id, ["bank_name", "bank_account"]]) == \
        OLD_ACCOUNT


# ------------------------------------------------------- 确认新账户: confirm the new account
def _history(url: str, claim_id: int) -> list[str]:
    return list(svc.claim_history(claim_id, url=url)["action"])


def test_a_reviewer_confirms_the_new_account_and_the_claim_is_paid_there(
        ledger_url: str, folder: Path, payee: str, actors) -> None:
    """A claim past its notice, flagged because its payee's account changed, is cleared by a
    reviewer confirming the new account: its state, approval and notice stay as they were (no
    new review, approval or notice), its history and the audit log name the account by bank
    and last four digits only, and it is then paid — to the new account."""
    claim_id = int(_claim(ledger_url, payee)["claim_id"])
    _to_notice_done(ledger_url, claim_id, actors)
    _register(folder, ledger_url, actors["operator"], "workers", payee, **_bank(NEW_ACCOUNT))
    flagged = _claim(ledger_url, payee)
    assert bool(flagged["needs_review"]) and bool(flagged["account_changed"])
    with UnitOfWork(ledger_url) as uow:
        notices = [row_dict(n) for n in uow.session.scalars(select(m.Notice))]

    assert svc.confirm_payee_account([claim_id], actors["reviewer"], note="电话核实",
                                     url=ledger_url) == 1
    claim = _claim(ledger_url, payee)
    assert (claim["state"], bool(claim["needs_review"]), bool(claim["account_changed"])) == (
        "notice_done", False, False)
    assert int(claim["amount_fen"]) == int(flagged["amount_fen"])
    assert claim["review_note"].render("zh") == "新收款账户（工商银行 尾号 4321）已确认"
    with UnitOfWork(ledger_url) as uow:
        assert [row_dict(n) for n in uow.session.scalars(select(m.Notice))] == notices
    history = svc.claim_history(claim_id, url=ledger_url)
    assert list(history["action"]) == ["review", "approve", "publish_notice", "close_notice",
                                       "flag_account_changed", "confirm_payee_account"]
    confirmed = history.iloc[-1]
    assert (confirmed["actor"], confirmed["from_state"], confirmed["to_state"]) == (
        actors["reviewer"].username, "notice_done", "notice_done")
    assert confirmed["reason"].render("zh") == "已确认新收款账户：工商银行 尾号 4321（电话核实）"
    [entry] = svc.audit_log("claim", claim_id, url=ledger_url).query(
        "action == 'confirm_payee_account'").to_dict("records")
    assert entry["actor"] == actors["reviewer"].username and entry["at"] is not None
    assert "4321" in str(entry["after"]["account"]) and NEW_ACCOUNT[0] in str(entry["after"])
    assert not entry["after"]["needs_review"] and entry["before"]["needs_review"]
    everything = str(svc.audit_log("claim", claim_id, url=ledger_url).to_dict("records")) + \
        str(history.to_dict("records"))
    assert NEW_ACCOUNT[1] not in everything and OLD_ACCOUNT[1] not in everything

    [payment] = svc.issue_payments([claim_id], actors["finance"], url=ledger_url)
    with UnitOfWork(ledger_url) as uow:
        issued = uow.repo.payment(payment)
        assert issued is not None and (issued.bank_name, issued.bank_account) == NEW_ACCOUNT


def test_confirming_a_new_account_needs_a_reviewer_now(ledger_url: str, folder: Path,
                                                      payee: str, actors) -> None:
    """Finance may not confirm a payee's new account, nor a reviewer demoted to auditor while
    signed in; the claim stays flagged and nothing is written."""
    from planner.services import auth

    claim_id = int(_claim(ledger_url, payee)["claim_id"])
    _to_notice_done(ledger_url, claim_id, actors)
    _register(folder, ledger_url, actors["operator"], "workers", payee, **_bank(NEW_ACCOUNT))
    auth.add_user("zhou", "Tea-kettle-Harbour-42", "reviewer", url=ledger_url)
    reviewer = auth.authenticate("zhou", "Tea-kettle-Harbour-42", url=ledger_url)
    assert reviewer is not None
    auth.set_role("zhou", "auditor", url=ledger_url)
    audited = len(svc.audit_log(url=ledger_url))
    for who in (actors["finance"], reviewer):
        with pytest.raises(PermissionDenied):
            svc.confirm_payee_account([claim_id], who, url=ledger_url)
    assert bool(_claim(ledger_url, payee)["needs_review"])
    assert len(svc.audit_log(url=ledger_url)) == audited
    assert "confirm_payee_account" not in _history(ledger_url, claim_id)


def test_the_user_who_saved_the_new_account_may_not_confirm_it(
        ledger_url: str, folder: Path, payee: str, actors) -> None:
    """Four eyes: the operator who saved the payee's new account through 登记, made a reviewer
    since, may not confirm that account; another reviewer may."""
    from planner.services import auth

    claim_id = int(_claim(ledger_url, payee)["claim_id"])
    _to_notice_done(ledger_url, claim_id, actors)
    auth.add_user("wang", "Tea-kettle-Harbour-42", "operator", url=ledger_url)
    wang = auth.authenticate("wang", "Tea-kettle-Harbour-42", url=ledger_url)
    assert wang is not None
    _register(folder, ledger_url, wang, "workers", payee, **_bank(NEW_ACCOUNT))
    auth.set_role("wang", "reviewer", url=ledger_url)
    with pytest.raises(PermissionDenied) as refused:
        svc.confirm_payee_account([claim_id], User("wang", Role.REVIEWER), url=ledger_url)
    assert refused.value.message.render("zh") == (
        f"第 {claim_id} 条：收款账户的变更是 wang 登记的，须由另一人确认新账户（四眼原则）")
    assert bool(_claim(ledger_url, payee)["needs_review"])
    assert svc.confirm_payee_account([claim_id], actors["reviewer"], url=ledger_url) == 1


def test_confirming_needs_a_claim_flagged_for_its_account(ledger_url: str, folder: Path,
                                                         payee: str, actors) -> None:
    """A claim not flagged, or flagged only because its amount changed, has no new account to
    confirm: refused, nothing changed."""
    claim_id = int(_claim(ledger_url, payee)["claim_id"])
    svc.review([claim_id], actors["reviewer"], url=ledger_url)
    with pytest.raises(TransitionRefused, match="not flagged for a changed payee account"):
        svc.confirm_payee_account([claim_id], actors["reviewer"], url=ledger_url)
    _roster(ledger_url, payee, on=True)
    svc.compute_claims(actors["operator"], url=ledger_url)
    flagged = _claim(ledger_url, payee)
    assert bool(flagged["needs_review"]) and not bool(flagged["account_changed"])
    with pytest.raises(TransitionRefused, match="not flagged for a changed payee account"):
        svc.confirm_payee_account([claim_id], actors["reviewer"], url=ledger_url)
    assert int(_claim(ledger_url, payee)["version"]) == int(flagged["version"])


def test_confirming_the_account_keeps_a_recomputed_amount_flagged(
        ledger_url: str, folder: Path, payee: str, actors) -> None:
    """A claim flagged for its account and for a recomputed amount keeps the amount's reason
    when the account is confirmed: still flagged, to be reopened."""
    claim_id = int(_claim(ledger_url, payee)["claim_id"])
    svc.review([claim_id], actors["reviewer"], url=ledger_url)
    _register(folder, ledger_url, actors["operator"], "workers", payee, **_bank(NEW_ACCOUNT))
    _roster(ledger_url, payee, on=True)
    svc.compute_claims(actors["operator"], url=ledger_url)
    svc.confirm_payee_account([claim_id], actors["reviewer"], url=ledger_url)
    claim = _claim(ledger_url, payee)
    assert bool(claim["needs_review"]) and not bool(claim["account_changed"])
    assert claim["review_note"].render("zh").startswith("重算金额 0.00 元")
    assert claim["state"] == "reviewed"


def test_a_list_read_before_the_account_changed_pays_nothing(
        ledger_url: str, folder: Path, payee: str, actors) -> None:
    """发起支付 on a list read before the payee's account changed — and was confirmed since —
    is refused, naming the claim (the user saw the old account); read again, it is issued to
    the new account."""
    claim_id = int(_claim(ledger_url, payee)["claim_id"])
    _to_notice_done(ledger_url, claim_id, actors)
    seen = {claim_id: int(_claim(ledger_url, payee)["version"])}
    _register(folder, ledger_url, actors["operator"], "workers", payee, **_bank(NEW_ACCOUNT))
    svc.confirm_payee_account([claim_id], actors["reviewer"], url=ledger_url)
    with pytest.raises(TransitionRefused) as refused:
        svc.issue_payments([claim_id], actors["finance"], seen=seen, url=ledger_url)
    assert refused.value.message.render("zh").startswith(f"第 {claim_id} 条在您读取清单后已有变动")
    assert _money(ledger_url, payee) == (NEW_ACCOUNT, False, [])
    seen = {claim_id: int(_claim(ledger_url, payee)["version"])}
    assert svc.issue_payments([claim_id], actors["finance"], seen=seen, url=ledger_url)
    line = svc.finance_lines("notice_done", url=ledger_url).set_index("claim_id").loc[claim_id]
    assert (line["bank_name"], line["bank_account"]) == NEW_ACCOUNT
