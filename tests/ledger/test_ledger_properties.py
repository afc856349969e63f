"""Properties: amounts never negative, sheet totals equal their lines, and whatever order bank
files come in, nobody is paid twice."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from planner.domain.events import Arrival, InsuredMonth
from planner.ledger import init_db
from planner.ledger.exports import write_finance_list
from planner.paths import DATA_DIR
from planner.services import ledger as svc
from planner.services.auth import Role, system_actor
from planner.subsidies import LedgerFacts, Person, compute_entitlements, load_policy

FINANCE = system_actor(Role.FINANCE)
SETTINGS = settings(max_examples=15, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(st.lists(st.tuples(st.sampled_from(["charter", "self_return", "recruitment"]),
                          st.integers(0, 10**9)), min_size=1, max_size=30))
def test_sheet_totals_equal_their_lines(lines: list[tuple[str, int]]) -> None:
    """Any amounts: each sheet's total equals the sum of its lines, the summary the sum of all."""
    frame = pd.DataFrame([{"payment_id": "", "rule": r, "payee_name": "x", "payee_kind": "person",
                           "payee_id": "1", "amount_fen": a, "evidence": "", "state": "draft"}
                          for r, a in lines])
    with tempfile.TemporaryDirectory() as d:
        wb = openpyxl.load_workbook(write_finance_list(frame, Path(d) / "f.xlsx"))
    for ws in wb.worksheets[1:]:
        rows = list(ws.iter_rows(min_row=2, values_only=True))
        assert round(sum(r[5] for r in rows[:-1]) * 100) == round(rows[-1][5] * 100)
    summary = list(wb["汇总"].iter_rows(min_row=2, values_only=True))
    assert round(summary[-1][3] * 100) == sum(a for _, a in lines)


PROVINCES = ["33", "32", "52", "51"]


@SETTINGS
@given(st.lists(st.tuples(st.sampled_from(PROVINCES), st.integers(0, 60), st.integers(0, 8)),
                min_size=1, max_size=12),
       st.sampled_from(sorted(p.stem for p in (DATA_DIR / "policies").glob("*.toml"))))
def test_no_negative_amount(people: list[tuple[str, int, int]], policy_name: str) -> None:
    """Random arrivals and insurance under any shipped policy never give a negative line."""
    policy = load_policy(DATA_DIR / "policies" / f"{policy_name}.toml")
    persons, arrivals, insured = [], [], []
    for i, (prov, day, months) in enumerate(people):
        pid = f"P{i}"
        persons.append(Person(pid, "张三", f"{prov}0102"))
        when = dt.date(2020, 2, 1) + dt.timedelta(days=day)
        arrivals.append(Arrival(pid, "E1", when))
        for k in range(months):
            index = when.year * 12 + when.month - 1 + k
            insured.append(InsuredMonth(pid, "E1", f"{index // 12}-{index % 12 + 1:02d}"))
    lines = compute_entitlements(policy, LedgerFacts(people=persons, arrivals=arrivals,
                                                     insured_months=insured))
    assert all(line.amount_fen >= 0 for line in lines)


@pytest.fixture(scope="module")
def template_ledger(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str],
                                                                        dict[str, int]]:
    """A SQLite ledger with four claims issued for payment, made once and copied per example."""
    from planner.ledger import UnitOfWork
    from planner.ledger import models as m
    from planner.ledger.db import dispose_engine

    path = tmp_path_factory.mktemp("tpl") / "l.sqlite"
    url = init_db(f"sqlite:///{path}")
    amounts = [80_000, 50_000, 20_000, 360_000]
    with UnitOfWork(url) as uow:
        for i, a in enumerate(amounts):
            uow.repo.add(m.Claim(key=f"k{i}", rule="self_return", payee_kind="person",
                                 payee_id=f"P{i}", payee_name="王五", amount_fen=a, evidence=[],
                                 basis={}, state="notice_done"))
        uow.commit()
    pids = svc.issue_payments(None, FINANCE, url=url)
    dispose_engine(url)
    return path, pids, dict(zip(pids, amounts, strict=True))


@SETTINGS
@given(st.lists(st.lists(st.tuples(st.integers(0, 3), st.sampled_from(["paid", "failed"])),
                         min_size=1, max_size=4), min_size=1, max_size=4))
def test_nobody_is_paid_twice_whatever_the_order(template_ledger, files) -> None:
    """Bank files in any order and any repetition: each claim has one payment, is recorded
    paid at most once, and a paid amount is the claim's amount."""
    source, pids, amounts = template_ledger
    with tempfile.TemporaryDirectory() as d:
        db = Path(d) / "l.sqlite"
        shutil.copy(source, db)
        url = f"sqlite:///{db}"
        for n, lines in enumerate(files):
            rows = {}
            for k, status in lines:
                rows[pids[k]] = {"payment_id": pids[k], "status": status,
                                 "paid_on": "2020-03-20" if status == "paid" else "",
                                 "amount": f"{amounts[pids[k]] / 100:.2f}"}
            path = Path(d) / f"bank{n}.csv"
            pd.DataFrame(list(rows.values())).to_csv(path, index=False)
            svc.import_path("bank_results", path, FINANCE, url=url)
            if n % 2:
                svc.issue_payments(None, FINANCE, url=url)  # re-issue failed ones
        claims = svc.list_claims(url=url)
        assert claims["payment_id"].is_unique
        for row in claims.itertuples():
            history = svc.claim_history(int(row.claim_id), url=url)
            assert list(history["action"]).count("record_payment") <= 1
            assert (row.state == "paid") == (row.payment_status == "paid")
        from planner.ledger.db import dispose_engine

        dispose_engine(url)


# ------------------------------------------------- late evidence: nobody is paid twice
REVIEWER, APPROVER = system_actor(Role.REVIEWER), system_actor(Role.APPROVER)
OPERATOR, ADMIN = system_actor(Role.OPERATOR), system_actor(Role.ADMIN)
PEOPLE = (("P1", "520102"), ("P2", "340102"), ("P3", "330102"))
OPS = st.one_of(
    st.tuples(st.just("roster"), st.integers(0, len(PEOPLE) - 1)),
    st.tuples(st.just("policy"), st.sampled_from(["shangyu-2020", "longwan-2020",
                                                  "ningbo-2020"])),
    st.tuples(st.sampled_from(["compute", "step", "walk", "export", "bank"]), st.just(0)),
)


@pytest.fixture(scope="module")
def late_evidence_ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite ledger: three people who came on their own, insured, and an employer charter
    whose roster is not imported yet; Shangyu 2020 active, no claims."""
    from planner.ledger import UnitOfWork
    from planner.ledger import models as m
    from planner.ledger.db import dispose_engine

    path = tmp_path_factory.mktemp("late") / "l.sqlite"
    url = init_db(f"sqlite:///{path}")
    with UnitOfWork(url) as uow:
        e1, e2 = m.Employer(uscc="E1", name="甲厂"), m.Employer(uscc="E2", name="乙厂")
        uow.repo.add(e1), uow.repo.add(e2)
        people = [m.Person(id_number=pid, name="王五", home_adcode=code) for pid, code in PEOPLE]
        for p in people:
            uow.repo.add(p)
        uow.session.flush()
        uow.repo.add(m.Charter(contract_no="C1", employer_id=e2.id, depart_date=dt.date(2020, 2,
                     20), origin_adcode="520102", seats=53, riders=25,
                     invoice_amount_fen=2_000_000))
        for p in people:
            uow.repo.add(m.Event(kind="arrived", natural_key=f"a|{p.id_number}", person_id=p.id,
                                 employer_id=e1.id, on_date=dt.date(2020, 2, 21)))
            for mo in ("2020-02", "2020-03", "2020-04"):
                uow.repo.add(m.Event(kind="insured", natural_key=f"i|{p.id_number}|{mo}",
                                     person_id=p.id, employer_id=e1.id, month=mo))
        uow.commit()
    svc.ensure_default_policy(url)
    dispose_engine(url)
    return path


def _entitlements(url: str) -> dict[str, int]:
    """Every line's amount on the ledger's facts now, under the active policy."""
    from planner.ledger import UnitOfWork
    from planner.ledger.facts import build_facts

    found = svc.load_active_policy(url)
    assert found is not None
    with UnitOfWork(url) as uow:
        lines = compute_entitlements(found[1], build_facts(uow.repo))
    return {line.key: int(line.amount_fen) for line in lines}


def _late_op(url: str, op: str, arg: object, d: Path, batched: dict[str, int]) -> None:
    """Do one step of the story: a late roster, a policy change, a compute, one workflow step
    for every claim, a payment batch (checked against entitlements now), or the bank paying."""
    from sqlalchemy import select

    from planner.ledger import UnitOfWork
    from planner.ledger import models as m

    if op == "roster":
        with UnitOfWork(url) as uow:
            person = uow.session.scalars(
                m.Person.__table__.select().where(m.Person.id_number == PEOPLE[int(arg)][0])
            ).one()
            if not uow.session.scalars(m.CharterRider.__table__.select().where(
                    m.CharterRider.person_id == person)).first():
                uow.repo.add(m.CharterRider(charter_id=1, person_id=person))
                uow.commit()
    elif op == "policy":
        text = (DATA_DIR / "policies" / f"{arg}.toml").read_text(encoding="utf-8")
        svc.add_policy_version(text, ADMIN, url=url)
    elif op == "compute":
        svc.compute_claims(OPERATOR, url=url)
    elif op == "walk":
        for _ in range(4):
            _late_op(url, "step", 0, d, batched)
    elif op == "step":
        claims = svc.list_claims(url=url)
        ids = {s: [int(i) for i in claims.loc[claims["state"] == s, "claim_id"]]
               for s in ("draft", "reviewed", "approved", "in_notice")}
        svc.close_notice(ids["in_notice"], APPROVER, on=dt.date(2020, 3, 12), url=url)
        svc.publish_notice(ids["approved"], APPROVER, on=dt.date(2020, 3, 2), url=url)
        svc.approve(ids["reviewed"], APPROVER, url=url)
        svc.review(ids["draft"], REVIEWER, url=url)
    elif op == "export":
        before = set(batched)
        _, lines = svc.payment_batch(FINANCE, url=url)
        owed = _entitlements(url)
        keys = svc.list_claims(url=url).set_index("claim_id")["key"]
        with UnitOfWork(url) as uow:
            riders = {p.id_number for p in uow.session.scalars(select(m.Person).join(
                m.CharterRider, m.CharterRider.person_id == m.Person.id))}
        for r in lines.itertuples():
            key = keys[r.claim_id]
            if key not in before:  # batched now: it must be owed exactly this, today
                assert int(r.amount_fen) == owed.get(key, 0) > 0, key
                assert not (key.startswith("self_return:") and r.payee_id in riders), key
                batched[key] = int(r.amount_fen)
    else:
        path = d / f"bank{len(list(d.glob('bank*.csv')))}.csv"
        claims = svc.list_claims(url=url)
        pending = claims[claims["payment_status"] == "pending"]
        if len(pending):
            pd.DataFrame([{"payment_id": r.payment_id, "status": "paid", "paid_on": "2020-03-20",
                           "amount": f"{int(r.amount_fen) / 100:.2f}"}
                          for r in pending.itertuples()]).to_csv(path, index=False)
            svc.import_path("bank_results", path, FINANCE, url=url)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(OPS, min_size=1, max_size=12))
@example([("compute", 0), ("walk", 0), ("roster", 0), ("export", 0), ("bank", 0)])
@example([("compute", 0), ("walk", 0), ("export", 0), ("roster", 1), ("compute", 0)])
@example([("compute", 0), ("step", 0), ("roster", 0), ("policy", "longwan-2020"),
          ("compute", 0), ("walk", 0)])
def test_late_evidence_never_pays_twice_or_above_entitlement(late_evidence_ledger, ops) -> None:
    """Whatever the order of late rosters, computes, policy changes, workflow steps, batches
    and bank results: every line is batched at exactly what is owed at that moment, a claim
    paid without exception was paid what it was batched at, and nobody on a charter roster
    known when their self-return was batched is ever paid that self-return (paid twice: 0)."""
    with tempfile.TemporaryDirectory() as d:
        db = Path(d) / "l.sqlite"
        shutil.copy(late_evidence_ledger, db)
        url = f"sqlite:///{db}"
        batched: dict[str, int] = {}
        for op, arg in [*ops, ("compute", 0), ("walk", 0), ("export", 0), ("bank", 0)]:
            _late_op(url, op, arg, Path(d), batched)
        claims = svc.list_claims(url=url)
        assert claims["payment_id"].dropna().is_unique
        paid = claims[claims["state"] == "paid"]
        for row in paid.itertuples():
            history = svc.claim_history(int(row.claim_id), url=url)
            assert list(history["action"]).count("record_payment") == 1
            if not row.paid_exception:
                assert int(row.amount_fen) == batched[row.key]
        from planner.ledger.db import dispose_engine

        dispose_engine(url)
