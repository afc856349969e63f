"""A scenario's units planned at once: optimistic against the whole fleet, conflicts
re-planned in a fixed order, the same plan on every executor, never more vehicles out than
the fleet has."""

from __future__ import annotations

import dataclasses
import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest

from planner.cli import main
from planner.optimise import PlanParams, solve
from planner.optimise.units import FleetUse, make_units
from planner.optimise.units.parallel import _packed, available, in_conflict
from planner.optimise.units.planning import plan_unit
from planner.optimise.units.values import UnitInput
from planner.scale import InProcess, ProcessPool
from planner.validation import check_vehicles_available

P = PlanParams(time_limit_s=5.0, work_limit=0.5)
DAY = dt.date(2020, 2, 15)  # the test kit's first day


def _tight(kit: Any) -> Any:
    """Three prefectures (Hangzhou, Hefei, Wuhan; one unit each) whose people may only leave
    on the first day, sharing two 53-seat coaches: together they want five."""
    coach = dataclasses.replace(kit.COACH53, available=2)
    last = DAY + dt.timedelta(days=1)
    people = (
        kit.workers("330102", 100, prefix="hz")
        + kit.workers("340102", 53, prefix="hf")
        + kit.workers("420102", 53, prefix="wh")
    )
    people = [dataclasses.replace(w, available_from=DAY) for w in people]
    emp = dataclasses.replace(kit.employer("E001"), needed_by=last)
    return kit.build(people, [emp], fleet=(coach,), plan_to=last)


def _files(plan: Any) -> tuple[Any, ...]:
    return (plan.trips, plan.assignments, plan.self_returns, plan.unserved,
            plan.summary.total_cost_fen, plan.summary.lower_bound_fen)


def test_the_optimistic_plans_of_the_tight_scenario_overbook_the_fleet(kit):
    """The test scenario does exercise the repair: planned each against the whole fleet, its
    units together want more coaches on the first day than there are."""
    _sc, inst = _tight(kit)
    units = make_units(inst, P)
    plans = [plan_unit(inst, P, UnitInput(u, FleetUse(), (), 1.0, 0.2, None)) for u in units]  # type: ignore[arg-type]
    assert len(units) == 3
    assert in_conflict(available(inst), {}, plans)


def test_every_executor_gives_the_same_plan(kit):
    """In this process and in two worker processes: the same trips, people and figures."""
    _sc, inst = _tight(kit)
    here = solve(inst, P, executor=InProcess())
    workers = ProcessPool(2)
    try:
        pool = solve(inst, P, executor=workers)
    finally:
        workers.close()
    assert _files(here) == _files(pool)


def test_units_at_once_never_put_more_coaches_out_than_the_fleet_has(kit):
    """After the conflicts are re-planned, no day has more than two coaches out; trip ids
    are unique and every rider's trip exists."""
    sc, inst = _tight(kit)
    plan = solve(inst, P, executor=InProcess())
    assert check_vehicles_available(sc, plan, P) == []
    ids = [t.trip_id for t in plan.trips]
    assert len(ids) == len(set(ids))
    assert {a.trip_id for a in plan.assignments} <= set(ids)
    assert sum(t.load for t in plan.trips) == len(plan.assignments) > 0


def test_in_conflict_names_only_the_units_using_an_overbooked_day():
    """Two coaches a day: units using 1 + 2 on day 1 conflict, one using day 2 alone does not."""
    day2 = DAY + dt.timedelta(days=1)
    plans = [
        SimpleNamespace(vehicles_out={("53座", DAY): 1}),
        SimpleNamespace(vehicles_out={("53座", DAY): 2, ("53座", day2): 1}),
        SimpleNamespace(vehicles_out={("53座", day2): 1}),
    ]
    assert in_conflict({"53座": 2}, {}, plans) == {0, 1}  # type: ignore[arg-type]
    assert in_conflict({"53座": 3}, {}, plans) == set()  # type: ignore[arg-type]
    assert in_conflict({"53座": 3}, {("53座", DAY): 1}, plans) == {0, 1}  # type: ignore[arg-type]


def test_packed_shares_let_the_units_end_together():
    """Weights 0.5, 0.3, 0.2 on two workers: the largest may take at most the whole time, and
    the two workers' loads (largest first on the least loaded) end by the end."""
    shares = _packed([0.5, 0.3, 0.2], 2)
    assert max(shares) <= 1.0
    assert shares[0] + 0 <= 1.0 and shares[1] + shares[2] <= 1.0 + 1e-9
    assert _packed([1.0], 4) == [1.0]


@pytest.mark.parametrize(
    ("args", "says"),
    [(["--workers", "0"], "--workers"), (["--ray", "127.0.0.1:1"], "does not answer")],
)
def test_plan_refuses_bad_executor_options(tmp_path, capsys, args, says):
    """``jobbus plan --workers 0`` or a Ray address that does not answer: exit 2, no files."""
    pytest.importorskip("ray") if "--ray" in args else None
    from planner.demo import write_demo

    write_demo(tmp_path / "s", n_workers=60)
    code = main(["plan", str(tmp_path / "s"), "--out", str(tmp_path / "out"), *args])
    assert code == 2
    assert says in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
