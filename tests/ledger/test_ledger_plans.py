"""Saved plan versions: they last, their trip ids are unique, re-plans dispatch after the
plan they re-plan, and a second dispatch changes nothing."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

from planner.cli import main
from planner.domain.model import Plan
from planner.ledger import UnitOfWork
from planner.ledger.db import dispose_engine
from planner.problems import InputError
from planner.services import ledger as svc
from planner.services import plans as ps
from planner.services.auth import PermissionDenied
from planner.services.movements import record_trip_event
from planner.services.planning import PlanSettings


@pytest.fixture
def registered(ledger_url: str, world, actors) -> str:
    """A ledger holding the world's scenario (people and employers), no plan yet."""
    svc.import_path("scenario", world.scenario_dir, actors["operator"], url=ledger_url)
    return ledger_url


def _trip_ids(url: str) -> set[str]:
    with UnitOfWork(url) as uow:
        return set(uow.repo.trips_by_id())


def _replan(plan: Plan, locked: int) -> Plan:
    """A re-plan of ``plan`` keeping its first ``locked`` trips fixed, the rest planned anew
    (the same trips under the planner's own ids C0001, …)."""
    keep = {t.trip_id for t in plan.trips[:locked]}
    fresh = {t.trip_id: f"C{i:04d}" for i, t in enumerate(plan.trips[locked:], start=1)}
    trips = tuple(dataclasses.replace(t, fixed=True) if t.trip_id in keep
                  else dataclasses.replace(t, trip_id=fresh[t.trip_id], fixed=False)
                  for t in plan.trips)
    return _with_ids(dataclasses.replace(plan, trips=trips), fresh)


def _with_ids(plan: Plan, fresh: dict[str, str]) -> Plan:
    """``plan`` with its people and legs on the renamed trips."""
    assignments = tuple(dataclasses.replace(a, trip_id=fresh.get(a.trip_id, a.trip_id))
                        for a in plan.assignments)
    legs = tuple(dataclasses.replace(g, trip_id=fresh.get(g.trip_id, g.trip_id))
                 for g in plan.legs)
    return dataclasses.replace(plan, assignments=assignments, legs=legs)


def test_saved_plan_survives_a_restart(registered: str, world, actors) -> None:
    """plan → save → (server restart) → listed with its name and summary, and loads back
    with ledger trip ids P001-…."""
    saved = ps.save_plan(world.plan, "50% 载客率", actors["reviewer"], {"seed": 0}, registered)
    dispose_engine(registered)  # a new process would open a fresh engine
    [listed] = ps.list_plans(registered)
    assert (listed.id, listed.name, listed.state, listed.source) == (saved.id, "50% 载客率",
                                                                     "saved", "app")
    assert listed.cost_fen == world.plan.summary.total_cost_fen
    plan = ps.load_plan(saved.id, registered)
    assert [t.trip_id for t in plan.trips] == [f"P001-{t.trip_id}" for t in world.plan.trips]
    assert len(plan.assignments) == len(world.plan.assignments)


def test_two_plans_never_share_a_trip_id(registered: str, world, actors) -> None:
    """Two plans made from the same planner output get different trip ids; both dispatch
    (the second replaces the first's trips, since nobody has travelled yet)."""
    op = actors["operator"]
    a = ps.save_plan(world.plan, "A", op, url=registered)
    b = ps.save_plan(world.plan, "B", op, url=registered)
    ps.dispatch_plan(a.id, op, registered)
    result = ps.dispatch_plan(b.id, op, registered)
    assert _trip_ids(registered) == {f"P002-{t.trip_id}" for t in world.plan.trips}
    assert result.superseded == (a.id,)
    assert [p.state for p in ps.list_plans(registered)] == ["dispatched", "superseded"]


def test_replan_with_locks_dispatches_after_its_parent(registered: str, world, actors) -> None:
    """re-plan with locks → dispatch B after A keeps the locked trips with their ids and
    replaces the others → dispatching B again changes nothing and says so."""
    op = actors["operator"]
    a = ps.save_plan(world.plan, "A", op, url=registered)
    ps.dispatch_plan(a.id, op, registered)
    b = ps.save_plan(_replan(ps.load_plan(a.id, registered), 2), "B", op, url=registered)
    assert b.parent_id == a.id
    result = ps.dispatch_plan(b.id, op, registered)
    locked = {t.trip_id for t in ps.load_plan(a.id, registered).trips[:2]}
    assert result.trips_kept == 2 and len(result.trips_withdrawn) == len(world.plan.trips) - 2
    ids = _trip_ids(registered)
    assert locked <= ids and len(ids) == len(world.plan.trips)
    assert all(i.startswith("P002-C") for i in ids - locked)
    before = svc.ledger_counts(url=registered)
    again = ps.dispatch_plan(b.id, op, registered)
    assert again.already and svc.ledger_counts(url=registered) == before


def test_locked_trip_with_another_cost_is_refused_in_yuan(registered: str, world,
                                                          actors) -> None:
    """A re-plan whose locked trip costs something else is refused, naming the trip and both
    costs in yuan; nothing is written."""
    op = actors["operator"]
    a = ps.save_plan(world.plan, "A", op, url=registered)
    ps.dispatch_plan(a.id, op, registered)
    b_plan = _replan(ps.load_plan(a.id, registered), 1)
    first = b_plan.trips[0]
    b_plan = dataclasses.replace(b_plan, trips=(
        dataclasses.replace(first, cost_fen=first.cost_fen + 22_238_82), *b_plan.trips[1:]))
    b = ps.save_plan(b_plan, "B", op, url=registered)
    before = svc.ledger_counts(url=registered)
    with pytest.raises(InputError) as err:
        ps.dispatch_plan(b.id, op, registered)
    old = f"{first.cost_fen / 100:,.2f}"
    new = f"{(first.cost_fen + 22_238_82) / 100:,.2f}"
    assert str(err.value.problems[0]) == (
        f"trips.csv:2: cost: trip {first.trip_id} is already dispatched with cost {old} yuan; "
        f"this plan has {new} yuan")
    assert svc.ledger_counts(url=registered) == before
    assert ps.plan_info(b.id, registered).state == "saved"


def test_replan_dropping_a_trip_that_ran_names_the_dispatched_plan(registered: str, world,
                                                                   actors) -> None:
    """A plan placing anew the people of an earlier dispatched plan's trip that already
    carried people is refused naming that plan (P001, the one to open and lock the trip in)
    and its trip, in both languages, as a problem of the plan (P002: no file, row or
    column); nothing is written."""
    op = actors["operator"]
    a = ps.save_plan(world.plan, "A", op, url=registered)
    ps.dispatch_plan(a.id, op, registered)
    ran = next(t for t in ps.load_plan(a.id, registered).trips if t.parent_trip_id is None)
    record_trip_event(ran.trip_id, "departed", ran.depart, op, url=registered)
    b = ps.save_plan(world.plan, "B", op, url=registered)  # the same trips under P002-…
    before = svc.ledger_counts(url=registered)
    with pytest.raises(InputError) as err:
        ps.dispatch_plan(b.id, op, registered)
    [problem] = err.value.problems
    trip = ran.trip_id
    assert problem.what.args == {"trip": trip, "n": 1, "plan": a.id}
    assert (problem.file, problem.row, problem.column) == (f"P{b.id:03d}", None, None)
    assert problem.text("zh").startswith(f"已下达方案 P001 的车次 {trip} 已有 ")
    assert problem.text("zh").endswith("请打开方案 P001，锁定该车次后重新规划")
    assert f"trip {trip} of the dispatched plan P001 has already carried people" in str(problem)
    assert svc.ledger_counts(url=registered) == before
    assert ps.plan_info(b.id, registered).state == "saved"


def test_a_trip_whose_departure_was_withdrawn_can_be_replanned(registered: str, world,
                                                                actors) -> None:
    """A departure tapped by mistake and withdrawn leaves the trip as if it never ran: a plan
    placing its people anew dispatches, the trip is withdrawn, and the mistaken departure and
    its withdrawal stay in the ledger naming the trip by its id."""
    from planner.services.movements import withdraw_trip_event

    op = actors["operator"]
    a = ps.save_plan(world.plan, "A", op, url=registered)
    ps.dispatch_plan(a.id, op, registered)
    tapped = next(t for t in ps.load_plan(a.id, registered).trips if t.parent_trip_id is None)
    record_trip_event(tapped.trip_id, "departed", tapped.depart, op, url=registered)
    withdraw_trip_event(tapped.trip_id, "departed", "点错了", op, url=registered)
    b = ps.save_plan(world.plan, "B", op, url=registered)  # the same trips under P002-…
    result = ps.dispatch_plan(b.id, op, registered)
    assert tapped.trip_id in result.trips_withdrawn
    assert tapped.trip_id not in _trip_ids(registered)
    with UnitOfWork(registered) as uow:
        from planner.ledger import models as m

        kept = [(e.event, e.trip_ref) for e in uow.session.query(m.TripEvent)]
    assert sorted(kept) == [("departed", tapped.trip_id), ("withdrawn", tapped.trip_id)]


def test_only_operators_dispatch(registered: str, world, actors) -> None:
    """Any role may save a plan; a reviewer may not dispatch it and nothing changes."""
    saved = ps.save_plan(world.plan, "A", actors["reviewer"], url=registered)
    with pytest.raises(PermissionDenied):
        ps.dispatch_plan(saved.id, actors["reviewer"], registered)
    assert _trip_ids(registered) == set()


def test_cli_plans_save_list_dispatch(registered: str, world, tmp_path: Path, capsys) -> None:
    """`jobbus plans save` twice, `plans dispatch` both, `plans list` shows which is
    dispatched; dispatching again says nothing changed."""
    db = ["--database-url", registered]
    assert main(["plans", "save", str(world.plan_dir), "--name", "A", *db]) == 0
    assert main(["plans", "save", str(world.plan_dir), "--name", "B", *db]) == 0
    assert main(["plans", "dispatch", "1", *db]) == 0
    assert main(["plans", "dispatch", "2", *db]) == 0
    capsys.readouterr()
    assert main(["plans", "dispatch", "2", *db]) == 0
    assert "already dispatched; nothing changed" in capsys.readouterr().out
    assert main(["plans", "list", *db]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split()[:2] == ["2", "dispatched"]
    assert lines[2].split()[:2] == ["1", "superseded"]


def test_cli_plan_folder_whose_files_disagree(registered: str, world, tmp_path: Path,
                                              capsys) -> None:
    """A plan folder whose assignments name a trip not in trips.csv: file, row and column
    named, exit 2, no plan saved."""
    import shutil

    bad = tmp_path / "bad"
    shutil.copytree(world.plan_dir, bad)
    table = pd.read_csv(bad / "assignments.csv", dtype=str, keep_default_na=False)
    table.loc[3, "trip_id"] = "C9999"
    table.to_csv(bad / "assignments.csv", index=False)
    assert main(["plans", "save", str(bad), "--database-url", registered]) == 2
    err = capsys.readouterr().err
    assert "assignments.csv:5: trip_id: trip C9999 is not in the trips table" in err
    assert ps.list_plans(registered) == []


def test_import_of_a_saved_plans_folder_dispatches_that_plan(registered: str, world, actors,
                                                              tmp_path: Path) -> None:
    """`ledger import plan` of a folder written from a saved plan dispatches that version
    instead of saving a copy."""
    op = actors["operator"]
    saved = ps.save_plan(world.plan, "A", op, url=registered)
    folder = ps.write_plan_files(ps.plan_files_of(saved.id, registered), tmp_path / "A")
    svc.import_path("plan", folder, op, url=registered)
    assert [(p.id, p.state) for p in ps.list_plans(registered)] == [(saved.id, "dispatched")]


def test_cli_plan_save_then_import_dispatches_the_saved_plan(registered: str, world,
                                                              tmp_path: Path, capsys) -> None:
    """`jobbus plan --save` writes the folder with the ledger's trip ids P001-…, and importing
    that folder dispatches plan 1 rather than saving a copy."""
    out = tmp_path / "plan"
    db = ["--database-url", registered]
    assert main(["plan", str(world.scenario_dir), "--out", str(out), "--work-limit", "1",
                 "--save", "--name", "CLI", *db]) == 0
    assert "已作为方案 1 存入台账" in capsys.readouterr().out
    recorded = PlanSettings.from_json(ps.list_plans(registered)[0].params)
    assert recorded is not None, "a re-plan in the app plans as the command line did"
    assert (recorded.plan_from, recorded.load_cap, recorded.policy_file) == (
        world.scenario.plan_from, None, "policy.toml")
    trips = pd.read_csv(out / "trips.csv", dtype=str, keep_default_na=False)
    assert trips["trip_id"].str.startswith("P001-").all()
    assert main(["ledger", "import", "plan", str(out), *db]) == 0
    assert [(p.id, p.name, p.source, p.state) for p in ps.list_plans(registered)] == [
        (1, "CLI", "cli", "dispatched")]
    assert _trip_ids(registered) == set(trips["trip_id"])
