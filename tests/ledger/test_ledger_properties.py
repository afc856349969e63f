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
from hypothesis import HealthCheck, given, settings
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
