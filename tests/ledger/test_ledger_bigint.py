"""Money in 64-bit fen: migration 0002 upgrades a ledger holding data, and amounts above the
32-bit limit (21,474,836.47 yuan) are stored on every backend."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from alembic import command
from sqlalchemy import text

from planner.ledger import UnitOfWork, get_engine
from planner.ledger import models as m
from planner.ledger.db import alembic_config, init_db
from planner.services import ledger as svc
from planner.services.auth import Role, system_actor

THIRTY_MILLION_YUAN_FEN = 3_000_000_000  # above 2**31 - 1 fen
NOW = dt.datetime(2020, 2, 20, 8, 0)


def _migrate_to(url: str, revision: str) -> None:
    cfg = alembic_config(url)
    with get_engine(url).begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def _seed_revision_0001(url: str) -> None:
    """Rows in every money table, written with plain SQL as a 0001 ledger held them."""
    rows = [
        "INSERT INTO imports (id, kind, file_name, sha256, rows, rows_added, at, by) "
        "VALUES (1, 'plan', 'plan', 'abc', 1, 1, :now, 'op')",
        "INSERT INTO employers (id, uscc, name, new_hires_wanted) VALUES (1, 'E1', '甲', 1)",
        "INSERT INTO people (id, id_number, name, home_adcode, poverty_registered, travel) "
        "VALUES (1, 'P1', '张三', '522401', false, 'seat')",
        "INSERT INTO trips (id, trip_id, kind, vehicle, depart_date, arrive_date, stops, seats, "
        "load, distance_km, cost_fen, origin_adcode) VALUES (1, 'T1', 'coach', 'bus', "
        ":day, :day, '', 53, 1, 10.0, 2000000, '522401')",
        "INSERT INTO events (id, kind, natural_key, person_id, amount_fen) "
        "VALUES (1, 'arrived', 'arrived|P1|E1', 1, 35000)",
        "INSERT INTO charters (id, contract_no, employer_id, depart_date, origin_adcode, seats, "
        "riders, invoice_amount_fen) VALUES (1, 'C1', 1, :day, '522401', 53, 40, 1200000)",
        "INSERT INTO claims (id, key, rule, payee_kind, payee_id, payee_name, amount_fen, "
        "evidence, basis, state, needs_review, proposed_amount_fen, created_at, updated_at, "
        "version) VALUES (1, 'k1', 'ticket', 'person', 'P1', '张三', 35000, '[]', '{}', "
        "'notice_done', false, 36000, :now, :now, 3)",
        "INSERT INTO decisions (id, claim_id, action, from_state, to_state, actor, at) "
        "VALUES (1, 1, 'approve', 'reviewed', 'approved', 'rev', :now)",
        "INSERT INTO payments (id, payment_id, claim_id, amount_fen, status, created_at, "
        "created_by) VALUES (1, 'PAY1', 1, 35000, 'pending', :now, 'fin')",
        "INSERT INTO bank_lines (id, natural_key, payment_id, status, amount_fen) "
        "VALUES (1, 'PAY1|paid', 'PAY1', 'paid', 35000)",
    ]
    with get_engine(url).begin() as conn:
        for sql in rows:
            conn.execute(text(sql), {"now": NOW, "day": dt.date(2020, 2, 20)})


def test_upgrade_keeps_amounts_and_widens_money(db_url: str) -> None:
    """A ledger created at 0001 with rows in every money table upgrades to head: every amount
    and the rows that point at the rebuilt tables are kept, and 30,000,000 yuan then fits."""
    _migrate_to(db_url, "0001")
    _seed_revision_0001(db_url)
    init_db(db_url)
    with UnitOfWork(db_url) as uow:
        s = uow.session
        assert s.get(m.Trip, 1).cost_fen == 2_000_000
        assert s.get(m.Event, 1).amount_fen == 35_000
        claim = s.get(m.Claim, 1)
        assert (claim.amount_fen, claim.proposed_amount_fen, claim.version) == (35_000, 36_000, 3)
        assert s.get(m.Payment, 1).claim_id == 1
        assert s.get(m.BankLine, 1).amount_fen == 35_000
        charter = s.get(m.Charter, 1)
        charter.invoice_amount_fen = THIRTY_MILLION_YUAN_FEN
        uow.commit()
    with UnitOfWork(db_url) as uow:
        assert uow.session.get(m.Charter, 1).invoice_amount_fen == THIRTY_MILLION_YUAN_FEN


def test_thirty_million_yuan_invoice_imports(ledger_url: str, world, tmp_path: Path) -> None:
    """A charters.csv with a 30,000,000-yuan invoice is imported and read back to the fen."""
    op = system_actor(Role.OPERATOR)
    svc.import_path("scenario", world.scenario_dir, op, url=ledger_url)
    uscc = world.scenario.employers[0].uscc
    origin = world.scenario.workers[0].home_adcode
    day = world.scenario.plan_from.isoformat()
    path = tmp_path / "charters.csv"
    path.write_text("employer_uscc,contract_no,depart_date,origin_adcode,seats,riders,"
                    f"invoice_amount\n{uscc},BIG-1,{day},{origin},53,40,30000000.00\n",
                    encoding="utf-8")
    result = svc.import_path("charters", path, op, url=ledger_url)
    assert result.added == 1
    with UnitOfWork(ledger_url) as uow:
        charter = uow.session.query(m.Charter).filter_by(contract_no="BIG-1").one()
        assert charter.invoice_amount_fen == THIRTY_MILLION_YUAN_FEN


def test_arrival_far_outside_the_policy_is_refused(ledger_url: str, world,
                                                   tmp_path: Path) -> None:
    """An arrival dated 2099-12-31 under the 2020 policy is refused on its row and column
    (as the file spells it); nothing is imported."""
    import pandas as pd
    import pytest

    from planner.problems import InputError

    op = system_actor(Role.OPERATOR)
    svc.import_path("scenario", world.scenario_dir, op, url=ledger_url)
    svc.ensure_default_policy(ledger_url)  # the window comes from the active policy
    svc.import_path("plan", world.plan_dir, op, url=ledger_url)
    arrivals = pd.read_csv(world.events["arrivals"], dtype=str).iloc[:3]
    arrivals = arrivals.drop(columns=[c for c in ("trip_id",) if c in arrivals])
    arrivals.loc[1, "arrived_on"] = "2099-12-31"
    arrivals.rename(columns={"arrived_on": "到岗日期"}).to_csv(tmp_path / "arrivals.csv",
                                                               index=False)
    with pytest.raises(InputError) as err:
        svc.import_path("arrivals", tmp_path / "arrivals.csv", op, url=ledger_url)
    assert [(p.row, p.column) for p in err.value.problems] == [(3, "到岗日期")]
    assert "more than a year outside policy" in str(err.value)
    assert svc.ledger_counts(url=ledger_url)["events"] == len(world.scenario.workers)
