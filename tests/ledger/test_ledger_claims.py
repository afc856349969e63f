"""Claims: computed from the ledger through the policy engine, upserted without silent
changes; every shipped policy on a tiny inline ledger."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from planner.ledger import UnitOfWork, init_db
from planner.ledger import models as m
from planner.paths import DATA_DIR
from planner.services import ledger as svc
from planner.services.auth import User

D = dt.date


def tiny_ledger(url: str) -> None:
    """Two employers, five people: own travel from Guizhou, Anhui and Zhejiang (the last not
    insured), one on a government trip, one on an employer charter."""
    with UnitOfWork(url) as uow:
        add = uow.repo.add
        e1, e2 = m.Employer(uscc="E1", name="甲厂"), m.Employer(uscc="E2", name="乙厂")
        add(e1), add(e2)
        people = {pid: m.Person(id_number=pid, name=f"张{pid}", home_adcode=code)
                  for pid, code in [("P1", "520102"), ("P2", "340102"), ("P3", "330102"),
                                    ("P4", "520102"), ("P5", "510102")]}
        for p in people.values():
            add(p)
        trip = m.Trip(trip_id="T1", kind="coach", vehicle="53座", depart_date=D(2020, 2, 18),
                      arrive_date=D(2020, 2, 19), seats=53, load=26)
        add(trip)
        charter = m.Charter(contract_no="C1", employer_id=0, depart_date=D(2020, 2, 20),
                            origin_adcode="510102", seats=53, riders=25,
                            invoice_amount_fen=2_000_000)
        uow.session.flush()
        charter.employer_id = e2.id
        add(charter)
        uow.session.flush()
        add(m.CharterRider(charter_id=charter.id, person_id=people["P5"].id))

        def arrive(pid: str, emp: m.Employer, day: dt.date, ref: str | None) -> None:
            add(m.Event(kind="arrived", natural_key=f"a|{pid}", person_id=people[pid].id,
                        employer_id=emp.id, on_date=day, ref=ref,
                        trip_pk=trip.id if ref == "T1" else None))

        def insure(pid: str, emp: m.Employer, months: list[str]) -> None:
            for mo in months:
                add(m.Event(kind="insured", natural_key=f"i|{pid}|{mo}",
                            person_id=people[pid].id, employer_id=emp.id, month=mo))

        arrive("P1", e1, D(2020, 2, 20), None)
        arrive("P2", e1, D(2020, 2, 25), None)
        arrive("P3", e2, D(2020, 2, 18), None)
        arrive("P4", e2, D(2020, 2, 19), "T1")
        arrive("P5", e2, D(2020, 2, 21), "C1")
        insure("P1", e1, ["2020-02", "2020-03", "2020-04", "2020-05", "2020-06", "2020-07"])
        insure("P2", e1, ["2020-02", "2020-03"])
        insure("P4", e2, ["2020-02", "2020-03", "2020-04"])
        for emp, before, now in ((e1, 100, 103), (e2, 50, 49)):
            add(m.Headcount(employer_id=emp.id, month="2019-03", insured_headcount=before))
            add(m.Headcount(employer_id=emp.id, month="2020-03", insured_headcount=now))
        uow.commit()


EXPECTED = {
    "shangyu-2020": {"charter:C1": 2_000_000, "self_return:P1": 80_000,
                     "self_return:P2": 50_000, "recruitment:E1:2020-03": 360_000},
    "longwan-2020": {"charter:C1": 1_333_333, "self_return:P1": 80_000,
                     "self_return:P2": 25_000},
    "ningbo-2020": {"charter:C1": 1_000_000},
    "ningbo-2023": {},
    "yiwu-2020": {"charter:C1": 2_000_000, "self_return:P1": 100_000,
                  "self_return:P2": 25_000, "recruitment:E1": 50_000,
                  "recruitment:E2": 50_000},
}


@pytest.mark.parametrize("policy", sorted(EXPECTED))
def test_each_shipped_policy_on_a_tiny_ledger(policy: str, tmp_path: Path,
                                               actors: dict[str, User]) -> None:
    """Claims computed under each shipped policy are the hand-computed amounts."""
    url = init_db(f"sqlite:///{tmp_path / 'l.sqlite'}")
    tiny_ledger(url)
    text = (DATA_DIR / "policies" / f"{policy}.toml").read_text(encoding="utf-8")
    svc.add_policy_version(text, actors["admin"], url=url)
    svc.compute_claims(actors["operator"], url=url)
    claims = svc.list_claims(url=url)
    got = {k: int(a) for k, a in zip(claims["key"], claims["amount_fen"], strict=True)}
    assert got == EXPECTED[policy]
    assert (claims["state"] == "draft").all()


def test_recompute_never_changes_a_claim_past_draft_silently(
    ledger_url: str, actors: dict[str, User]
) -> None:
    """Switching to a policy that halves the charter subsidy updates the draft charter line
    but only flags the approved one (amount kept, note and audit entry written)."""
    tiny_ledger(ledger_url)
    with UnitOfWork(ledger_url) as uow:  # a second charter, so one can be approved
        e1 = uow.repo.employers_by_uscc()["E1"]
        uow.repo.add(m.Charter(contract_no="C2", employer_id=e1.id, depart_date=D(2020, 2, 22),
                               origin_adcode="520102", seats=53, riders=20,
                               invoice_amount_fen=1_000_000))
        uow.commit()
    shangyu = (DATA_DIR / "policies" / "shangyu-2020.toml").read_text(encoding="utf-8")
    ningbo = (DATA_DIR / "policies" / "ningbo-2020.toml").read_text(encoding="utf-8")
    svc.add_policy_version(shangyu, actors["admin"], url=ledger_url)
    first = svc.compute_claims(actors["operator"], url=ledger_url)
    assert first.added == 5
    again = svc.compute_claims(actors["operator"], url=ledger_url)
    assert (again.added, again.updated, again.flagged, again.unchanged) == (0, 0, 0, 5)
    claims = svc.list_claims(url=ledger_url).set_index("key")
    approved_id = int(claims.loc["charter:C2", "claim_id"])
    svc.review([approved_id], actors["reviewer"], url=ledger_url)
    svc.approve([approved_id], actors["approver"], url=ledger_url)
    svc.add_policy_version(ningbo, actors["admin"], url=ledger_url)
    result = svc.compute_claims(actors["operator"], url=ledger_url)
    assert result.updated == 1 and result.flagged == 1
    assert result.flagged_keys == ("charter:C2",)
    after = svc.list_claims(url=ledger_url).set_index("key")
    assert after.loc["charter:C1", "amount_fen"] == 1_000_000
    assert after.loc["charter:C2", "amount_fen"] == 1_000_000  # unchanged: it is approved
    assert after.loc["charter:C2", "needs_review"]
    assert "500000" in str(after.loc["charter:C2", "review_note"]).replace(".", "").replace(",", "")
    assert "flag_for_review" in set(svc.audit_log("claim", approved_id, url=ledger_url)["action"])
    assert svc.compute_claims(actors["operator"], url=ledger_url).flagged == 0  # flagged once
