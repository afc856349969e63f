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

The lower bound
---------------
Let a *plan* be any set of trips obeying the rules stated in this package (coach trips board in
one county or in counties of one prefecture within ``pickup_radius_km`` of the first pickup,
which is the farthest from the hub, and have the same load-cap rows; trains board at their
station; every person not sent home alone by this plan's own rule — registered ``own``, or a
seat-seeker the plan strands — is carried, comes alone (``either`` only) or stays unserved at
``unmet_penalty`` each; recruits go to the employers ``prepare`` matched them to). Its objective
is ``Z = trip costs + subsidies of people coming alone + penalty × unserved``. For each
planning unit the ``bound`` model is a relaxation of the plans restricted to that unit's
people, with costs never above the real ones:

* a coach whose first pickup is county ``a`` drives a closed tour through ``a`` and at least one
  employer, so by the triangle inequality (road km = factor × great-circle km is a metric) at
  least ``2·dmin(a)`` km, ``dmin`` being the least distance from ``a`` to any employer; above
  ``two_driver_km`` it needs two drivers; its hire days are at least those of ``min_elapsed``:
  each driver drives at most 8 h in any 24 h, so driving ``2·dmin(a)`` (less half a minute
  for the rounding of each leg to whole minutes: a leg to each county of ``a``'s pool and to
  at most one employer per seat) from the earliest allowed start time cannot end sooner;
* such a coach also drives, for each person ``q`` on board (from county ``c`` to employer
  ``e``), at least ``km(a, c) + km(c, e) + km(e, a)`` (a closed tour through those places), so
  at least ``2·dmin(a) + r(q)`` with ``r(q)`` the least of ``km(a', c) + km(c, e) + km(e, a')
  − 2·dmin(a')`` over the counties ``a'`` whose coaches may board ``c``. People are put in
  reach classes (0 and whole km at ``REACH_QUANTILES`` of the unit's ``r``); a coach of class
  ``j`` is priced at ``2·dmin(a) + level_j`` km (its least hire days too) and, for every
  ``j``, the riders of class ``j`` or more fit in the coaches of class ``j`` or more. A plan's
  coach maps to the class of its passengers' largest reach, which it drives at least;
* nobody from county ``c`` arrives sooner than ``dmin(c)`` driven the same way with two drivers,
  nor sooner than their train's arrival;
* shifting every vehicle of a plan to the latest day all its passengers still allow (the least
  of their last possible departure days, ``min(deadline − lag, depart_by)`` with ``depart_by``
  the service level ``release + max_wait_days`` — always one of the model's candidate days)
  keeps every window, the service level included; the model gives each vehicle the best load
  cap in force on any day up to then, so its capacity never shrinks; vehicle limits are dropped;
* trains count in whole numbers (a bound unit holds every county its trains may carry); a
  train leaves at ``train_depart_time``, so its feeders leave ``feeder_lag`` days after it, on
  or before ``feeder_lag`` days after the shifted day; a feeder serves one train, costs at
  least its daily fee plus twice the least km from the arrival station to an employer, and
  carries at most the best cap in force up to that day: feeders of the trains shifted to one
  day count in whole numbers, ≥ their riders ÷ that cap;
* collectors serve one county and one train each and are ``feeder_vehicle`` coaches driving
  from the county to the station and back (≥ 2·km by the triangle inequality), hired ≥ 1 day
  with ≥ 1 driver, carrying at most the best cap in force up to the train's (shifted) day:
  per county and shifted day they count in whole numbers, ≥ riders ÷ that cap, at that least
  cost each;
* who rides what is continuous; vehicle counts are integers. Rows every integer solution
  keeps are added to tighten the relaxation: no vehicle counts for more seats than there are
  people who may ride it; a county's riders of one (anchor, day) or one train are at most its
  people there times the vehicles (none ride where none runs); and the mixed-integer rounding
  cuts of ``model._rounding_cuts`` (a county's last few people pay for a whole coach or go
  another way).

So every plan maps to a solution of the bound models of no larger cost. Each model's bound is
the largest of its LP optimum (GLOP, lowered by a relative 1e-7 and 1 fen for floating point),
SCIP's proven dual bound and, for a large model whose LP runs part of a train, SCIP's bound of
the same model with only its trains and their feeders in whole numbers (a relaxation of it);
all are ≤ its optimum. Adding the costs no plan of the stated kind avoids (fixed trips;
subsidies of ``own`` and stranded people), ``LB = Σ B + constants``
bounds ``Z``; for any plan leaving no more than this plan's ``U`` people unserved (among those
the bound models carry), the public money is at least ``LB − penalty × U``: that is
``summary.lower_bound`` (``U`` is 0 when everyone who can be carried is).
``gap = (cost − lower_bound) / cost``. The bound says nothing about the choice of whom to strand
or which recruit goes to which employer: those are inputs of the stated model.
"""

from __future__ import annotations

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
        whose ``lower_bound`` is justified in this module's docstring.
    """
    params = params or PlanParams()
    started = time.perf_counter()
    budget = budget or Budget.start(params.time_limit_s, params.work_limit)
    report = functools.partial(_report, progress)
    report(0.01, "Matching new recruits to employers")
    units = make_units(inst, params)
    if executor is None:
        plans, unit_bounds = _in_turn(inst, params, units, budget, report)
    else:
        report(0.05, f"Planning {len(units)} units on {executor.workers} workers")
        plans = plan_units_in_parallel(inst, params, units, executor, budget)
        report(0.7, "Bounding")
        tasks = bound_tasks(params, units, plans)
        unit_bounds = bound_units_in_parallel(inst, params, tasks, executor, budget)
    plan = assemble(inst, params, units, plans, unit_bounds, started)
    report(1.0, "Plan ready")
    return plan


def _in_turn(
    inst: Instance, params: PlanParams, units: Sequence[Unit], budget: Budget, report: Progress
) -> tuple[list[UnitPlan], list[UnitBound]]:
    """The units planned one after another, each on the fleet the units before it left; their
    bound models in a worker process beside the planning (or here after it)."""
    bounds = BoundRunner(context(inst, params), budget, use_worker(params, _people(units)))
    phase = PLAN_PHASE_BESIDE if bounds.parallel else PLAN_PHASE
    vehicles_out = FleetUse.of(fixed_fleet_use(inst, params))
    numbers: tuple[tuple[str, int], ...] = ()
    plans: list[UnitPlan] = []
    overhead = Overhead()
    for i, unit in enumerate(units):
        report(
            0.05 + 0.6 * i / max(1, len(units)), f"Planning {unit.key} ({_people([unit])} people)"
        )
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
    return plans, _bounds(bounds, report)


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
