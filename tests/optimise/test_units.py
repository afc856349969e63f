"""Planning units as functions of plain data: picklable values, the same plan in another
process, and ``solve`` as their composition."""

from __future__ import annotations

import dataclasses
import multiprocessing
import pickle
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from planner.optimise import PlanParams, solve
from planner.optimise.budget import PLAN_PHASE, Budget
from planner.optimise.pipeline import _unit_limits
from planner.optimise.units import (
    FleetUse,
    UnitInput,
    UnitPlan,
    assemble,
    bound_task,
    bound_unit,
    fixed_fleet_use,
    make_units,
    plan_unit,
    preparation,
)

# No parallel bound: the composition below bounds each unit here, as solve then does.
P = PlanParams(time_limit_s=5.0, work_limit=1.0, parallel_bound_min_people=None)


def _scenario(kit: Any) -> Any:
    """Guiyang's counties near a cheap train (collectors, feeders routed by the CVRP), and
    coaches from three other prefectures sharing a fleet of four coaches a day."""
    cheap = dataclasses.replace(kit.TRAIN, fixed_cost_fen=1_000_000)
    coach = dataclasses.replace(kit.COACH53, available=4)
    people = (
        kit.workers("520111", 120, prefix="hx")
        + kit.workers("520113", 90, prefix="by", employer_uscc="E002")
        + kit.workers("520502", 60)
        + kit.workers("340102", 70, employer_uscc="E003")
        + kit.workers("330102", 25)
    )
    emps = [
        kit.employer("E001"),
        kit.employer("E002", lat=29.95, lon=120.90),
        kit.employer("E003", lat=30.10, lon=120.70),
    ]
    return kit.build(people, emps, fleet=(coach, cheap))


def _inputs_and_plans(inst: Any, params: PlanParams) -> tuple[list[UnitInput], list[UnitPlan]]:
    """Each unit planned here in turn, on what the units before it left, with the work
    ``solve`` gives it."""
    budget = Budget.start(params.time_limit_s, params.work_limit)
    out = FleetUse.of(fixed_fleet_use(inst, params))
    numbers: tuple[tuple[str, int], ...] = ()
    inputs, plans = [], []
    for unit in make_units(inst, params):
        _tl, wl = _unit_limits(params, budget, unit, PLAN_PHASE, 0.0)
        unit_input = UnitInput(unit, out, numbers, params.time_limit_s, wl, budget)
        plan = plan_unit(inst, params, unit_input)
        inputs.append(unit_input)
        plans.append(plan)
        out, numbers = out.plus(plan.vehicles_out), plan.trip_numbers
    return inputs, plans


def test_units_cover_the_planned_people_once_largest_first(kit: Any) -> None:
    """Every person the preparation plans is in exactly one unit; units come largest first
    and their time weights add up to 1."""
    _sc, inst = _scenario(kit)
    units = make_units(inst, P)
    ids = [q.id_number for u in units for q in u.people]
    assert sorted(ids) == sorted(q.id_number for q in preparation(inst, P).planned)
    assert len(ids) == len(set(ids)) == 365
    sizes = [len(u.people) for u in units]
    assert sizes == sorted(sizes, reverse=True)
    assert abs(sum(u.weight for u in units) - 1.0) < 1e-9
    assert units[0].weight_left == sum(u.weight for u in units)


def test_unit_values_round_trip_through_pickle(kit: Any) -> None:
    """Units, their inputs, plans and bounds come back from pickle equal to what was sent."""
    _sc, inst = _scenario(kit)
    inputs, plans = _inputs_and_plans(inst, P)
    task = bound_task(P, inputs[0].unit, plans[0])
    assert task is not None
    bound = bound_unit(inst, P, task)
    assert bound.bound > 0
    for value in [*inputs, *plans, inputs[0].unit, bound, inputs[-1].vehicles_out]:
        assert pickle.loads(pickle.dumps(value)) == value


def test_a_unit_planned_in_another_process_is_the_same(kit: Any) -> None:
    """Under a work limit, ``plan_unit`` run in a fresh (spawned) process, which rebuilds its
    context from the pickled instance, gives each unit the plan it gets here."""
    _sc, inst = _scenario(kit)
    inputs, here = _inputs_and_plans(inst, P)
    assert any(t.parent_trip_id for p in here for t in p.trips), "feeders expected"
    assert any(p.vehicles_out for p in here[:-1]), "later units should see a used fleet"
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=spawn) as pool:
        there = list(pool.map(plan_unit, [inst] * len(inputs), [P] * len(inputs), inputs))
    assert there == here


def test_fleet_left_by_earlier_units_limits_the_later_ones(kit: Any) -> None:
    """No (coach, day) carries more vehicles than the fleet has, summed over the units."""
    _sc, inst = _scenario(kit)
    _inputs, plans = _inputs_and_plans(inst, P)
    total = FleetUse()
    for p in plans:
        total = total.plus(p.vehicles_out)
    assert total and max(total.values()) <= 4


def test_solve_is_the_composition_of_the_unit_steps(kit: Any) -> None:
    """The plan assembled from units planned and bounded step by step is ``solve``'s, trip
    for trip, with the same cost and lower bound."""
    _sc, inst = _scenario(kit)
    inputs, plans = _inputs_and_plans(inst, P)
    tasks = [bound_task(P, i.unit, p) for i, p in zip(inputs, plans, strict=True)]
    bounds = [bound_unit(inst, P, t) for t in tasks if t is not None]
    units = [i.unit for i in inputs]
    by_steps = assemble(inst, P, units, plans, bounds)
    whole = solve(inst, P)
    assert by_steps.trips == whole.trips
    assert by_steps.assignments == whole.assignments
    assert by_steps.summary.total_cost_fen == whole.summary.total_cost_fen
    assert by_steps.summary.lower_bound_fen == whole.summary.lower_bound_fen > 0


def test_the_summary_says_when_a_whole_plan_was_first_there(kit: Any) -> None:
    """Under a time limit the summary gives the seconds until every unit had its trips (the
    bound still to come): within the plan's own seconds. Under a work limit it is left out,
    so the same input gives the same summary on any machine."""
    _sc, inst = _scenario(kit)
    clocked = solve(inst, dataclasses.replace(P, work_limit=None, time_limit_s=3.0))
    first = clocked.summary.stats.first_plan_seconds
    assert first is not None and 0 < first <= clocked.summary.solve_seconds + 0.05
    assert "first_plan_seconds" in clocked.summary.stats.as_dict()
    assert solve(inst, P).summary.stats.first_plan_seconds is None
