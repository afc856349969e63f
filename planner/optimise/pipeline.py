"""The planner: who comes how, on which coach or train, and a lower bound on the cost.

Pipeline (``solve``), composed of the steps of ``planner.optimise.units`` — functions of the
instance, the parameters and immutable, picklable values:

1. Keep fixed trips and their people; ``travel = own`` comes alone; recruits are matched to
   employers (``prepare``); the people planned are split into planning units (``make_units``).
2. For each planning unit (a prefecture, or prefectures joined by a train's catchment; largest
   first) the aggregate MIP (``model``) decides coaches per county, day and kind, shared
   coaches within a prefecture, special trains with collectors and feeders, who comes alone and
   who is unserved; vehicles used by earlier units and fixed trips are taken off what is
   available per day (``plan_unit``, on the ``UnitInput`` the units before it leave).
3. Trips are built with real routes, timetables and costs (``build``); feeders are routed by the
   CVRP router.
4. A lower bound is computed with the ``bound`` variant of the model, per planning unit: from
   ``parallel_bound_min_people`` people on, in a worker process while the next units are
   planned (``planner.optimise.bounding``), else here after the planning (``bound_unit`` is
   what it runs for one unit).
5. The plan, its vacancies left empty, its bound and summary are assembled (``assemble``).

Under a work limit nothing depends on the clock: ``summary.solve_seconds`` is written as 0 and
solver timings are left out of ``summary.extra``, so the plan files are byte-identical.

The lower bound (``summary.lower_bound``) and why it is one: ``planner.optimise.model.bound``.
"""

from __future__ import annotations

import dataclasses
import functools
import time
from collections.abc import Callable, Sequence

from planner.domain import Plan
from planner.optimise.bounding import BoundRunner, use_worker
from planner.optimise.budget import PLAN_PHASE, PLAN_PHASE_BESIDE, Budget, Overhead
from planner.optimise.instance import Instance
from planner.optimise.units import (
    FleetUse,
    Unit,
    UnitBound,
    UnitInput,
    UnitPlan,
    assemble,
    bound_task,
    context,
    fixed_fleet_use,
    make_units,
    plan_unit,
)
from planner.optimise.units.parallel import (
    bound_tasks,
    bound_units_in_parallel,
    plan_units_in_parallel,
)
from planner.rules.params import PlanParams
from planner.scale.executors import Executor

Progress = Callable[[float, str], None]

#: The progress message as each unit's planning starts (units planned one after another); the
#: campaign's status line reads the units done from it (``planner.campaign.progress``).
UNIT_MESSAGE = "Planning unit {number}/{units}: {key} ({people} people)"


def solve(
    inst: Instance,
    params: PlanParams | None = None,
    progress: Progress | None = None,
    budget: Budget | None = None,
    executor: Executor | None = None,
) -> Plan:
    """Plan coaches, special trains and self-return advice for a whole instance.

    Parameters
    ----------
    inst
        The instance (scenario, origins, distances, subsidies).
    params
        Planning parameters (default ``PlanParams()``).
    progress
        Called with ``(fraction done, message)``.
    budget
        The plan's clock, if it started before this call (default: from now, with the limits
        of ``params``).
    executor
        Plan the units at once on this executor (in this process, a process pool, Ray), then
        re-plan those whose fleet use conflicts (``units.parallel``); ``None``: one after
        another, each on the fleet the units before it left.

    Returns
    -------
    Plan
        Trips, assignments, self-returns, unserved people and vacancies, legs and a summary
        whose ``lower_bound`` is justified in ``planner.optimise.model.bound``'s docstring.
    """
    params = params or PlanParams()
    started = time.perf_counter()
    budget = budget or Budget.start(params.time_limit_s, params.work_limit)
    report = functools.partial(_report, progress)
    report(0.01, "Matching new recruits to employers")
    units = make_units(inst, params)
    if executor is None:
        plans, unit_bounds, planned_s = _in_turn(inst, params, units, budget, report)
    else:
        report(0.05, f"Planning {len(units)} units on {executor.workers} workers")
        plans = plan_units_in_parallel(inst, params, units, executor, budget)
        planned_s = budget.elapsed()
        report(0.7, "Bounding")
        tasks = bound_tasks(params, units, plans)
        unit_bounds = bound_units_in_parallel(inst, params, tasks, executor, budget)
    plan = assemble(inst, params, units, plans, unit_bounds, started)
    if params.work_limit is None:
        plan = _with_first_plan_seconds(plan, planned_s)
    report(1.0, "Plan ready")
    return plan


def _with_first_plan_seconds(plan: Plan, seconds: float) -> Plan:
    stats = dataclasses.replace(plan.summary.stats, first_plan_seconds=round(seconds, 2))
    return dataclasses.replace(plan, summary=dataclasses.replace(plan.summary, stats=stats))


def _in_turn(
    inst: Instance, params: PlanParams, units: Sequence[Unit], budget: Budget, report: Progress
) -> tuple[list[UnitPlan], list[UnitBound], float]:
    """The units planned one after another, each on the fleet the units before it left; their
    bound models in a worker process beside the planning (or here after it). Also the seconds
    on the budget's clock when the last unit was planned."""
    bounds = BoundRunner(context(inst, params), budget, use_worker(params, _people(units)))
    phase = PLAN_PHASE_BESIDE if bounds.parallel else PLAN_PHASE
    vehicles_out = FleetUse.of(fixed_fleet_use(inst, params))
    numbers: tuple[tuple[str, int], ...] = ()
    plans: list[UnitPlan] = []
    overhead = Overhead()
    for i, unit in enumerate(units):
        report(0.05 + 0.6 * i / max(1, len(units)), UNIT_MESSAGE.format(
            number=i + 1, units=len(units), key=unit.key, people=_people([unit])))
        begun = time.time()
        reserve = overhead.reserve(_people(units[i + 1 :]))
        tl, wl = _unit_limits(params, budget, unit, phase, reserve)
        unit_input = UnitInput(unit, vehicles_out, numbers, tl, wl, budget)
        plans.append(done := plan_unit(inst, params, unit_input))
        vehicles_out, numbers = vehicles_out.plus(done.vehicles_out), done.trip_numbers
        if (task := bound_task(params, unit, done)) is not None:
            bounds.submit(task)
        if params.work_limit is None:
            overhead = overhead.after(len(unit.people), time.time() - begun, tl)
    planned_s = budget.elapsed()
    return plans, _bounds(bounds, report), planned_s


def _report(progress: Progress | None, frac: float, msg: str) -> None:
    """Tell ``progress`` (if any) how far the plan is, as a fraction within [0, 1]."""
    if progress is not None:
        progress(min(1.0, max(0.0, frac)), msg)


def _people(units: Sequence[Unit]) -> int:
    return sum(len(u.people) for u in units)


def _unit_limits(
    params: PlanParams, budget: Budget, unit: Unit, phase: float, reserve_s: float
) -> tuple[float, float | None]:
    """A unit's solver seconds (its weight's share of what is left of the planning ``phase``,
    less ``reserve_s`` for the units to come) and work (under a work limit)."""
    tl = budget.unit_seconds(phase, unit.weight, unit.weight_left, reserve_s)
    w = params.work_limit
    return tl, None if w is None else max(0.05, w * PLAN_PHASE * unit.weight)


def _bounds(runner: BoundRunner, report: Progress) -> list[UnitBound]:
    """Every submitted unit's bound, as the runner gives them (beside the planning or now).
    Bound units are the planning units, so a unit holds every county any of its trains may
    carry and trains count in whole numbers."""
    n_bound = max(1, len(runner.pending))
    report(0.7, "Bounding" + (" (beside the planning)" if runner.parallel else ""))
    out = []
    for i, (task, res) in enumerate(runner.results()):
        report(0.7 + 0.25 * (i + 1) / n_bound, f"Bounded {task.unit}")
        out.append(UnitBound(task.unit, res.bound, res.status))
    return out
