"""Money you can trust: late evidence revisits open claims, a flagged claim is never paid
(except as a visible bank exception), the finance list is the payable batch, four eyes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from sqlalchemy import select

from planner.ledger import UnitOfWork
from planner.ledger import models as m
from planner.ledger.workflow import TransitionRefused
from planner.paths import DATA_DIR
from planner.services import ledger as svc
from planner.services.auth import PermissionDenied, Role, User, add_user, set_role

D = dt.date
MONDAY = D(2020, 3, 2)
STRONG = "Tea-kettle-Harbour-42"  # passes the password rules
SHANGYU = (DATA_DIR / "policies" / "shangyu-2020.toml").read_text(encoding="utf-8")


def small_world(url: str, *, bank: bool = False) -> None:
    """Two employers; P1 (Guizhou) and P2 (Anhui) came on their own and are insured; E2
    chartered coach C1 whose roster is not imported yet."""
    with UnitOfWork(url) as uow:
        add = uow.repo.add
        e1, e2 = m.Employer(uscc="E1", name="甲厂"), m.Employer(uscc="E2", name="乙厂")
        add(e1), add(e2)
        people = [m.Person(id_number=pid, name=f"张{pid}", home_adcode=code,
                           bank_name="农业银行" if bank else None,
                           bank_account=f"6228480{pid}" if bank else None)
                  for pid, code in (("P1", "520102"), ("P2", "340102"))]
        for p in people:
            add(p)
        uow.session.flush()
        add(m.Charter(contract_no="C1", employer_id=e2.id, depart_date=D(2020, 2, 20),
                      origin_adcode="520102", seats=53, riders=25, invoice_amount_fen=2_000_000))
        for p in people:
            add(m.Event(kind="arrived", natural_key=f"a|{p.id_number}", person_id=p.id,
                        employer_id=e1.id, on_date=D(2020, 2, 21)))
            for mo in ("2020-02", "2020-03", "2020-04"):
                add(m.Event(kind="insured", natural_key=f"i|{p.id_number}|{mo}", person_id=p.id,
                            employer_id=e1.id, month=mo))
        uow.commit()


def late_roster(url: str, pid: str = "P1") -> None:
    """E2's charter roster arrives late and names ``pid``."""
    with UnitOfWork(url) as uow:
        person = uow.session.scalars(select(m.Person).where(m.Person.id_number == pid)).one()
        charter = uow.session.scalars(select(m.Charter).where(m.Charter.contract_no == "C1")
                                      ).one()
        uow.repo.add(m.CharterRider(charter_id=charter.id, person_id=person.id))
        uow.commit()


def _key_ids(url: str) -> dict[str, int]:
    claims = svc.list_claims(url=url)
    return {k: int(i) for k, i in zip(claims["key"], claims["claim_id"], strict=True)}


def _claim(url: str, key: str) -> pd.Series:
    return svc.list_claims(url=url).set_index("key").loc[key]


def _to_notice_done(url: str, ids: list[int], a: dict[str, User]) -> None:
    svc.review(ids, a["reviewer"], url=url)
    svc.approve(ids, a["approver"], url=url)
    svc.publish_notice(ids, a["approver"], on=MONDAY, url=url)
    svc.close_notice(ids, a["approver"], on=MONDAY + dt.timedelta(days=8), url=url)


def _bank_file(path: Path, url: str, status: str = "paid") -> Path:
    claims = svc.list_claims(url=url)
    pending = claims[claims["payment_status"] == "pending"]
    pd.DataFrame([{"payment_id": r.payment_id, "status": status,
                   "paid_on": "2020-03-20" if status == "paid" else "",
                   "amount": f"{int(r.amount_fen) / 100:.2f}"}
                  for r in pending.itertuples()]).to_csv(path, index=False)
    return path


@pytest.fixture
def money_url(ledger_url: str, actors: dict[str, User]) -> str:
    """The small world under the Shangyu 2020 policy, claims computed (all drafts)."""
    small_world(ledger_url, bank=True)
    svc.add_policy_version(SHANGYU, actors["admin"], url=ledger_url)
    svc.compute_claims(actors["operator"], url=ledger_url)
    return ledger_url


def test_late_roster_voids_the_self_return_draft(money_url: str, actors) -> None:
    """A roster naming P1 imported after P1's self-return draft voids the draft (kept, with
    its decision), so only the charter refund can be paid."""
    late_roster(money_url)
    result = svc.compute_claims(actors["operator"], url=money_url)
    assert result.voided == 1
    claim = _claim(money_url, "self_return:P1")
    assert claim["state"] == "void"
    history = svc.claim_history(int(claim["claim_id"]), url=money_url)
    assert list(history["action"]) == ["void"]
    with pytest.raises(TransitionRefused):
        svc.review([int(claim["claim_id"])], actors["reviewer"], url=money_url)


def test_late_roster_flags_a_claim_past_draft_and_it_is_never_paid(money_url: str, actors,
                                                                    tmp_path: Path) -> None:
    """P1's self-return at notice_done when the roster arrives is flagged: not on the finance
    list, refused by issue_payments and record_payment, and P1 is paid once (the charter)."""
    ids = _key_ids(money_url)
    _to_notice_done(money_url, list(ids.values()), actors)
    late_roster(money_url)
    assert svc.compute_claims(actors["operator"], url=money_url).flagged_keys == (
        "self_return:P1",)
    assert "self_return:P1" not in set(svc.list_claims(url=money_url).loc[
        lambda f: f["claim_id"].isin(svc.finance_lines(url=money_url)["claim_id"]), "key"])
    with pytest.raises(TransitionRefused, match="flagged"):
        svc.issue_payments([ids["self_return:P1"]], actors["finance"], url=money_url)
    with pytest.raises(TransitionRefused, match="flagged"):
        svc.record_payment(ids["self_return:P1"], actors["finance"], url=money_url)
    svc.make_payment_batch(actors["finance"], url=money_url)
    svc.import_path("bank_results", _bank_file(tmp_path / "bank.csv", money_url),
                    actors["finance"], url=money_url)
    paid = svc.list_claims(url=money_url).query("state == 'paid'")
    assert sorted(paid["key"]) == ["charter:C1", "self_return:P2"]


def test_reviewer_reopens_a_flagged_claim_at_its_new_amount(money_url: str, actors) -> None:
    """A flagged claim in notice is reopened by a reviewer: back to draft at the recomputed
    amount (here zero, so void), its notice ended; an unflagged claim is refused."""
    ids = _key_ids(money_url)
    _to_notice_done(money_url, [ids["self_return:P2"]], actors)
    svc.review([ids["self_return:P1"]], actors["reviewer"], url=money_url)
    svc.approve([ids["self_return:P1"]], actors["approver"], url=money_url)
    svc.publish_notice([ids["self_return:P1"]], actors["approver"], on=MONDAY, url=money_url)
    late_roster(money_url)
    svc.compute_claims(actors["operator"], url=money_url)
    with pytest.raises(TransitionRefused, match="not flagged"):
        svc.reopen_flagged([ids["self_return:P2"]], actors["reviewer"], url=money_url)
    with pytest.raises(PermissionDenied):
        svc.reopen_flagged([ids["self_return:P1"]], actors["approver"], url=money_url)
    assert svc.reopen_flagged([ids["self_return:P1"]], actors["reviewer"], url=money_url) == 1
    claim = _claim(money_url, "self_return:P1")
    assert (claim["state"], int(claim["amount_fen"]), bool(claim["needs_review"])) == (
        "void", 0, False)
    history = svc.claim_history(ids["self_return:P1"], url=money_url)
    assert list(history["action"])[-2:] == ["reopen", "void"]
    assert _claim(money_url, "self_return:P2")["state"] == "notice_done"


def test_reopened_claim_with_money_owed_goes_through_review_again(money_url: str, actors
                                                                  ) -> None:
    """A claim flagged because a policy change altered its amount is reopened as a draft at
    the new amount and must be reviewed and approved again before it can be noticed."""
    ids = _key_ids(money_url)
    _to_notice_done(money_url, [ids["self_return:P1"]], actors)
    with UnitOfWork(money_url) as uow:  # the claim was approved at an older, higher amount
        claim = uow.repo.claim(ids["self_return:P1"])
        claim.amount_fen += 10_000
        uow.commit()
    svc.compute_claims(actors["operator"], url=money_url)
    assert bool(_claim(money_url, "self_return:P1")["needs_review"])
    svc.reopen_flagged([ids["self_return:P1"]], actors["reviewer"], url=money_url)
    claim = _claim(money_url, "self_return:P1")
    assert claim["state"] == "draft" and int(claim["amount_fen"]) == 80_000
    with pytest.raises(TransitionRefused):
        svc.approve([ids["self_return:P1"]], actors["approver"], url=money_url)


def test_roster_since_the_last_compute_keeps_a_claim_out_of_the_batch(money_url: str, actors
                                                                      ) -> None:
    """Even with no recompute after the roster, the payment batch re-checks entitlements: P1's
    self-return is flagged and left out."""
    _to_notice_done(money_url, list(_key_ids(money_url).values()), actors)
    late_roster(money_url)
    svc.make_payment_batch(actors["finance"], url=money_url)
    lines = svc.finance_lines(url=money_url)
    assert set(lines["payee_id"]) == {"E2", "P2"}
    assert bool(_claim(money_url, "self_return:P1")["needs_review"])


def test_bank_paying_a_flagged_claim_is_recorded_as_an_exception(money_url: str, actors,
                                                                 tmp_path: Path) -> None:
    """The bank pays a claim flagged after its batch was sent: it is recorded paid (money has
    left) with an exception mark, a note and an audit entry — never silently."""
    ids = _key_ids(money_url)
    _to_notice_done(money_url, list(ids.values()), actors)
    svc.make_payment_batch(actors["finance"], url=money_url)
    late_roster(money_url)
    svc.compute_claims(actors["operator"], url=money_url)
    svc.import_path("bank_results", _bank_file(tmp_path / "bank.csv", money_url),
                    actors["finance"], url=money_url)
    claim = _claim(money_url, "self_return:P1")
    assert claim["state"] == "paid" and claim["paid_exception"]
    assert claim["exception_note"].code.startswith("paid_exception.flagged")
    assert "待复核" in claim["exception_note"].render("zh")
    log = svc.audit_log("claim", ids["self_return:P1"], url=money_url)
    assert "paid_with_exception" in set(log["action"])
    assert not _claim(money_url, "self_return:P2")["paid_exception"]


def test_finance_list_is_the_payable_batch(money_url: str, actors, tmp_path: Path) -> None:
    """The default finance list holds only lines payable now, as batch PB-<year>-0001 (made
    by finance, explicitly) with the payee's bank fields and a payable total; exporting again
    re-uses the open batch; a line that became payable later goes into the next batch alone."""
    ids = _key_ids(money_url)
    _to_notice_done(money_url, [ids["self_return:P1"], ids["charter:C1"]], actors)
    svc.review([ids["self_return:P2"]], actors["reviewer"], url=money_url)
    svc.make_payment_batch(actors["finance"], url=money_url)
    first = openpyxl.load_workbook(svc.export_finance_list(
        tmp_path / "a.xlsx", actor=actors["finance"], url=money_url))
    number = f"PB-{dt.date.today().year}-0001"
    summary = first["汇总"]
    assert summary["G1"].value == number and "公示期满" in summary["G2"].value
    rows = list(summary.iter_rows(min_row=2, max_col=4, values_only=True))
    assert round(rows[-1][3] * 100) == 80_000 + 2_000_000
    sheet = first["自行返岗补贴"]
    assert sheet.cell(2, 5).value == "P1" and sheet.cell(2, 10).value == "6228480P1"
    again = openpyxl.load_workbook(svc.export_finance_list(
        tmp_path / "b.xlsx", actor=actors["finance"], url=money_url))
    assert again["汇总"]["G1"].value == number
    svc.approve([ids["self_return:P2"]], actors["approver"], url=money_url)
    svc.publish_notice([ids["self_return:P2"]], actors["approver"], on=MONDAY, url=money_url)
    svc.close_notice([ids["self_return:P2"]], actors["approver"], on=MONDAY + dt.timedelta(8),
                     url=money_url)
    svc.make_payment_batch(actors["finance"], url=money_url)
    second = openpyxl.load_workbook(svc.export_finance_list(
        tmp_path / "c.xlsx", actor=actors["finance"], url=money_url))
    assert second["汇总"]["G1"].value == f"PB-{dt.date.today().year}-0002"
    assert second.sheetnames == ["汇总", "自行返岗补贴"]
    assert [r[4] for r in second["自行返岗补贴"].iter_rows(min_row=2, values_only=True)][:-1] == [
        "P2"]


def test_finance_list_for_another_role_is_an_unbatched_preview(money_url: str, actors,
                                                              tmp_path: Path) -> None:
    """An auditor's download shows the payable lines but creates no batch and issues nothing."""
    ids = _key_ids(money_url)
    _to_notice_done(money_url, [ids["charter:C1"]], actors)
    wb = openpyxl.load_workbook(svc.export_finance_list(
        tmp_path / "a.xlsx", actor=actors["auditor"], url=money_url))
    assert "预览" in wb["汇总"]["G1"].value
    assert svc.list_claims(url=money_url)["payment_id"].isna().all()


def _batches(url: str) -> list[str]:
    with UnitOfWork(url) as uow:
        return list(uow.session.scalars(select(m.PaymentBatch.number)
                                        .order_by(m.PaymentBatch.id)))


def _payments(url: str) -> list[tuple[int, str, int | None]]:
    with UnitOfWork(url) as uow:
        return [(p.claim_id, p.status, p.batch_id) for p in
                uow.session.scalars(select(m.Payment).order_by(m.Payment.claim_id))]


def _confirmed(url: str) -> dict[int, int]:
    """The lines a new batch would take, as read for a confirmation: claim id → version."""
    lines = svc.batch_candidates(url=url)
    return {int(c): int(v) for c, v in zip(lines["claim_id"], lines["version"], strict=True)}


def test_downloading_the_finance_list_never_issues_a_payment(money_url: str, actors,
                                                             tmp_path: Path) -> None:
    """Finance issues the payment of one claim (发起支付), then downloads the finance list: the
    file is the payable lines as a preview, marked as such; no batch is numbered and the claims
    not picked get no payment — downloading is never an issue."""
    ids = _key_ids(money_url)
    _to_notice_done(money_url, list(ids.values()), actors)
    picked = ids["charter:C1"]
    svc.issue_payments([picked], actors["finance"], url=money_url)
    book = openpyxl.load_workbook(svc.export_finance_list(
        tmp_path / "f.xlsx", actor=actors["finance"], url=money_url))
    assert book["汇总"]["G1"].value == "预览（未编入拨付批次，不作拨付依据）"
    assert _batches(money_url) == []
    assert _payments(money_url) == [(picked, "pending", None)]
    assert svc.open_batch(url=money_url)[0] is None


def test_a_batch_holds_exactly_the_lines_confirmed(money_url: str, actors,
                                                   tmp_path: Path) -> None:
    """The lines read for the confirmation (a payment issued by 发起支付 outside a batch among
    them) are the batch: same count and total; a claim payable only since waits for the next
    batch; the download is then that batch, re-exported as often as asked."""
    ids = _key_ids(money_url)
    _to_notice_done(money_url, [ids["self_return:P1"], ids["charter:C1"]], actors)
    svc.issue_payments([ids["charter:C1"]], actors["finance"], url=money_url)
    seen = _confirmed(money_url)
    assert sorted(seen) == sorted([ids["self_return:P1"], ids["charter:C1"]])
    total = int(svc.batch_candidates(url=money_url)["amount_fen"].sum())
    _to_notice_done(money_url, [ids["self_return:P2"]], actors)  # after the confirmation
    made = svc.make_payment_batch(actors["finance"], seen=seen, url=money_url)
    number = f"PB-{dt.date.today().year}-0001"
    assert made == svc.BatchMade(number, 2, total)
    assert sorted(svc.open_batch(url=money_url)[1]["claim_id"]) == sorted(seen)
    assert list(svc.batch_candidates(url=money_url)["claim_id"]) == [ids["self_return:P2"]]
    for name in ("a.xlsx", "b.xlsx"):
        book = openpyxl.load_workbook(svc.export_finance_list(
            tmp_path / name, actor=actors["finance"], url=money_url))
        assert book["汇总"]["G1"].value == number
    assert _batches(money_url) == [number]


def test_confirming_the_same_batch_twice_makes_one_batch(money_url: str, actors) -> None:
    """A double click on 确认, or a second finance officer confirming the same lines: the
    second is refused, naming the batch its lines are in; one batch, one payment a claim."""
    ids = _key_ids(money_url)
    _to_notice_done(money_url, list(ids.values()), actors)
    seen = _confirmed(money_url)
    made = svc.make_payment_batch(actors["finance"], seen=seen, url=money_url)
    with pytest.raises(TransitionRefused) as refused:
        svc.make_payment_batch(actors["finance"], seen=seen, url=money_url)
    assert f"已编入拨付批次 {made.number}" in refused.value.message.render("zh")
    assert _batches(money_url) == [made.number]
    assert [status for _, status, _ in _payments(money_url)] == ["pending"] * len(seen)


def test_two_finance_officers_confirming_at_once_make_one_batch(
        money_url: str, actors, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two finance officers confirm the same lines at the same moment (the second's batch is
    made while the first's has read its lines and not written yet): one batch is made, the
    other is refused and issues nothing — no claim is in two batches or paid twice."""
    from planner.services import payments

    ids = _key_ids(money_url)
    _to_notice_done(money_url, list(ids.values()), actors)
    seen = _confirmed(money_url)
    other: list[object] = []

    def the_other_officer() -> None:
        if not other:
            other.append(None)
            other[0] = svc.make_payment_batch(actors["finance"], seen=seen, url=money_url)

    monkeypatch.setattr(payments, "after_payable_read", the_other_officer)
    with pytest.raises(TransitionRefused):
        svc.make_payment_batch(actors["finance"], seen=seen, url=money_url)
    assert isinstance(other[0], svc.BatchMade) and other[0].number is not None
    assert _batches(money_url) == [other[0].number]
    assert len(_payments(money_url)) == len(seen)
    assert {batch for _, _, batch in _payments(money_url)} == {1}


def test_a_confirmed_line_the_recheck_flags_makes_no_batch(money_url: str, actors) -> None:
    """The roster naming P1 arrives between the confirmation and 确认: the recheck flags P1's
    self-return, so the lines confirmed are not the lines that would go — no batch is made,
    nothing issued, the flag stays; the others go when confirmed again."""
    ids = _key_ids(money_url)
    _to_notice_done(money_url, list(ids.values()), actors)
    seen = _confirmed(money_url)
    late_roster(money_url)
    made = svc.make_payment_batch(actors["finance"], seen=seen, url=money_url)
    assert made == svc.BatchMade(None, flagged=(ids["self_return:P1"],))
    assert bool(_claim(money_url, "self_return:P1")["needs_review"])
    assert _batches(money_url) == [] and _payments(money_url) == []
    again = svc.make_payment_batch(actors["finance"], seen=_confirmed(money_url), url=money_url)
    assert again.lines == len(seen) - 1 and again.flagged == ()


def test_only_finance_makes_a_batch(money_url: str, actors) -> None:
    """An auditor (or approver) asking for a batch is refused by the service; nothing issued."""
    ids = _key_ids(money_url)
    _to_notice_done(money_url, list(ids.values()), actors)
    for role in ("auditor", "approver"):
        with pytest.raises(PermissionDenied):
            svc.make_payment_batch(actors[role], seen=_confirmed(money_url), url=money_url)
    assert _batches(money_url) == [] and _payments(money_url) == []


def test_notice_holds_the_claims_in_notice(money_url: str, actors, tmp_path: Path) -> None:
    """The public notice lists by default only claims in notice and says so."""
    ids = _key_ids(money_url)
    svc.review([ids["charter:C1"]], actors["reviewer"], url=money_url)
    svc.approve([ids["charter:C1"]], actors["approver"], url=money_url)
    svc.publish_notice([ids["charter:C1"]], actors["approver"], on=MONDAY, url=money_url)
    notice = svc.export_notice(tmp_path / "n.xlsx", actors["approver"], url=money_url)
    ws = openpyxl.load_workbook(notice).active
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert [r[2] for r in rows[:-2]] == ["乙厂"]
    assert rows[-1][0] == "所含状态：公示中"


def test_approver_never_approves_her_own_review(money_url: str) -> None:
    """A reviewer made approver cannot approve the claim she reviewed; another approver can."""
    claim_id = _key_ids(money_url)["charter:C1"]
    anna = add_user("anna", STRONG, Role.REVIEWER, url=money_url)
    bert = add_user("bert", STRONG, Role.APPROVER, url=money_url)
    svc.review([claim_id], anna, url=money_url)
    set_role("anna", Role.APPROVER, url=money_url)
    with pytest.raises(PermissionDenied, match="four eyes"):
        svc.approve([claim_id], anna, url=money_url)
    assert _claim(money_url, "charter:C1")["state"] == "reviewed"
    svc.approve([claim_id], bert, url=money_url)
    assert _claim(money_url, "charter:C1")["state"] == "approved"


def test_policy_may_require_issuer_not_approver(ledger_url: str, actors) -> None:
    """With ``[workflow] issuer_not_approver = true`` an approver made finance may not issue
    the payment of a claim she approved; another finance user may."""
    small_world(ledger_url)
    strict = SHANGYU.replace('rounding = "ROUND_HALF_UP"',
                             'rounding = "ROUND_HALF_UP"\nissuer_not_approver = true')
    assert strict != SHANGYU
    svc.add_policy_version(strict, actors["admin"], url=ledger_url)
    svc.compute_claims(actors["operator"], url=ledger_url)
    claim_id = _key_ids(ledger_url)["charter:C1"]
    svc.review([claim_id], actors["reviewer"], url=ledger_url)
    carl = add_user("carl", STRONG, Role.APPROVER, url=ledger_url)
    svc.approve([claim_id], carl, url=ledger_url)
    svc.publish_notice([claim_id], actors["approver"], on=MONDAY, url=ledger_url)
    svc.close_notice([claim_id], actors["approver"], on=MONDAY + dt.timedelta(8), url=ledger_url)
    with pytest.raises(PermissionDenied, match="four eyes"):
        set_role("carl", Role.FINANCE, url=ledger_url)
        svc.issue_payments([claim_id], carl, url=ledger_url)
    assert svc.issue_payments([claim_id], actors["finance"], url=ledger_url)


def test_bank_fields_of_workers_and_employers_reach_the_ledger(ledger_url: str, world, actors,
                                                               tmp_path: Path) -> None:
    """Optional 开户银行/银行账号 columns of workers.csv and employers.csv are stored with the
    person and the employer (the finance list's payee bank fields)."""
    import shutil

    folder = tmp_path / "scenario"
    shutil.copytree(world.scenario_dir, folder)
    workers = pd.read_csv(folder / "workers.csv", dtype=str)
    workers["开户银行"] = ["农业银行"] + [""] * (len(workers) - 1)
    workers["银行账号"] = ["6228480012345678901"] + [""] * (len(workers) - 1)
    workers.to_csv(folder / "workers.csv", index=False)
    employers = pd.read_csv(folder / "employers.csv", dtype=str)
    employers["bank_account"] = "33050161000000001234"
    employers.to_csv(folder / "employers.csv", index=False)
    svc.import_path("scenario", folder, actors["operator"], url=ledger_url)
    with UnitOfWork(ledger_url) as uow:
        person = uow.repo.people_by_id_number()[str(workers["id_number"].iloc[0])]
        assert (person.bank_name, person.bank_account) == ("农业银行", "6228480012345678901")
        others = [p.bank_account for p in uow.repo.people_by_id_number().values()]
        assert others.count(None) == len(workers) - 1
        assert {e.bank_account for e in uow.repo.employers_by_uscc().values()} == {
            "33050161000000001234"}


def test_a_payment_is_dated_on_the_offices_day_not_the_servers(money_url: str, actors,
                                                               monkeypatch) -> None:
    """Recorded at 07:30 in the district (23:30 UTC the day before), a payment is paid on the
    district's day: a server on UTC would date it a day early."""
    from planner import clock

    ids = _key_ids(money_url)
    claim = ids["charter:C1"]
    _to_notice_done(money_url, [claim], actors)
    monkeypatch.setattr(clock, "_utc_now",
                        lambda: dt.datetime(2020, 3, 19, 23, 30, tzinfo=dt.UTC))
    svc.record_payment(claim, actors["finance"], url=money_url)
    assert _claim(money_url, "charter:C1")["paid_on"] == dt.date(2020, 3, 20)
