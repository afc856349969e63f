"""Units in parallel: every unit planned at once against the whole fleet, then the conflicts
re-planned in a fixed order.

Units share the coach fleet. Planned one after another (``pipeline.solve`` without an
executor) each unit sees what the units before it took. In parallel:

1. every unit is planned optimistically, against the fleet less what the fixed trips keep out
   (``plan_unit`` on an executor: in this process, a process pool or Ray);
2. the vehicles out per (vehicle type, day) are summed over the units; where the sum exceeds
   what the type has, the units using that (type, day) are *in conflict*;
3. the units in conflict are planned again one after another in the units' order (largest
   first), each on the fleet that the units not in conflict and the conflict units re-planned
   before it leave — the model never takes more than that, so nothing is over-booked after;
4. trip numbers are given afterwards, unit by unit in that order (``number_trips``).

Nothing depends on which worker finished first: every executor gives the same plan, and under
a work limit the same files. The bounds of the units (``bound_unit``) do not depend on the
fleet (the bound model drops vehicle limits) and run on the executor after the planning.

Time: the optimistic pass has ``OPTIMISTIC_SHARE`` of the planning phase; the units' solver
seconds are their weights scaled so that the units, packed largest first on the executor's
workers, end together (``_packed``). The re-planning has what is left of the phase, shared by
the weights of the units in conflict. Under a work limit each unit has the same work as
planned one after another.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import heapq
from collections.abc import Iterable, Mapping, Sequence

from planner.domain import Trip
from planner.optimise.bounding import BoundTask
from planner.optimise.budget import BOUND_DEADLINE, PLAN_PHASE, Budget
from planner.optimise.build import Ids
from planner.optimise.instance import Instance
from planner.optimise.units.planning import bound_task, bound_unit, plan_unit
from planner.optimise.units.shared import fixed_fleet_use, shared_pair
from planner.optimise.units.values import FleetUse, Unit, UnitBound, UnitInput, UnitPlan
from planner.rules.params import PlanParams
from planner.scale.executors import Executor

OPTIMISTIC_SHARE = 0.7  # of the planning phase; the re-planning of conflicts has the rest


def plan_units_in_parallel(
    inst: Instance,
    params: PlanParams,
    units: Sequence[Unit],
    executor: Executor,
    budget: Budget,
) -> list[UnitPlan]:
    """Every unit's plan: optimistic on the executor, conflicts re-planned here in order, trip
    numbers given last (see the module's docstring)."""
    fixed = FleetUse.of(fixed_fleet_use(inst, params))
    share = _packed([u.weight for u in units], executor.workers)
    phase = PLAN_PHASE * OPTIMISTIC_SHARE
    inputs = [
        UnitInput(u, fixed, (), _seconds(budget, phase, s), _work(params, u), budget)
        for u, s in zip(units, share, strict=True)
    ]
    plans = executor.map_ordered(_plan, inputs, shared=shared_pair(inst, params))
    clash = in_conflict(available(inst), fixed, plans)
    out = list(plans)
    weight_left = sum(units[i].weight for i in clash)
    for i in sorted(clash):
        out_now = fixed.plus(_use(out[j] for j in range(len(out)) if j not in clash or j < i))
        seconds = budget.unit_seconds(PLAN_PHASE, units[i].weight, weight_left)
        weight_left -= units[i].weight
        again = UnitInput(units[i], out_now, (), seconds, _work(params, units[i]), budget)
        out[i] = plan_unit(inst, params, again)
    return number_trips(inst, out)


def bound_units_in_parallel(
    inst: Instance,
    params: PlanParams,
    tasks: Sequence[BoundTask],
    executor: Executor,
    budget: Budget,
) -> list[UnitBound]:
    """Every task's bound on the executor, each given its weight's part of the time left
    before the bound deadline (packed on the executor's workers as the planning is)."""
    share = _packed([t.weight for t in tasks], executor.workers)
    deadline = None if budget.deterministic else budget.deadline(BOUND_DEADLINE)
    tasks = [dataclasses.replace(t, share=s) for t, s in zip(tasks, share, strict=True)]
    items = [(t, deadline) for t in tasks]
    return executor.map_ordered(_bound, items, shared=shared_pair(inst, params))


def _plan(unit_input: UnitInput, shared: tuple[Instance, PlanParams]) -> UnitPlan:
    return plan_unit(*shared, unit_input)


def _bound(item: tuple[BoundTask, float | None], shared: tuple[Instance, PlanParams]) -> UnitBound:
    task, deadline = item
    return bound_unit(*shared, task, deadline)


def bound_tasks(
    params: PlanParams, units: Sequence[Unit], plans: Sequence[UnitPlan]
) -> list[BoundTask]:
    """What bounding each planned unit needs (units whose bound model carries nobody left out)."""
    out = []
    for unit, plan in zip(units, plans, strict=True):
        if (task := bound_task(params, unit, plan)) is not None:
            out.append(task)
    return out


def available(inst: Instance) -> dict[str, int]:
    """How many vehicles of each limited type may be out at once."""
    return {v.name: v.available for v in inst.scenario.fleet if v.available is not None}


def in_conflict(
    limits: Mapping[str, int], fixed: Mapping[tuple[str, dt.date], int], plans: Sequence[UnitPlan]
) -> set[int]:
    """Indices of the plans using a (vehicle type, day) that the plans and the fixed trips
    together over-book."""
    total = dict(fixed)
    for p in plans:
        for key, n in p.vehicles_out.items():
            total[key] = total.get(key, 0) + n
    over = {key for key, n in total.items() if key[0] in limits and n > limits[key[0]]}
    return {
        i
        for i, p in enumerate(plans)
        if any(k in over and n > 0 for k, n in p.vehicles_out.items())
    }


def number_trips(inst: Instance, plans: Sequence[UnitPlan]) -> list[UnitPlan]:
    """The plans with their trips numbered unit after unit (in each unit in the order of the
    numbers it gave them), never colliding with the fixed trips' ids: the numbers the units
    would have had planned one after another on the same trips."""
    sc = inst.scenario
    ids = Ids({t.trip_id for t in sc.fixed_trips} | {a.trip_id for a in sc.fixed_assignments})
    out = []
    for plan in plans:
        new = {t.trip_id: ids.next(_prefix(t.trip_id)) for t in sorted(plan.trips, key=_order)}
        out.append(_renamed(plan, new, tuple(sorted(ids.counters.items()))))
    return out


def _renamed(
    plan: UnitPlan, new: Mapping[str, str], numbers: tuple[tuple[str, int], ...]
) -> UnitPlan:
    def trip(t: Trip) -> Trip:
        parent = t.parent_trip_id
        return dataclasses.replace(
            t, trip_id=new[t.trip_id], parent_trip_id=new.get(parent, parent) if parent else parent
        )

    return dataclasses.replace(
        plan,
        trips=tuple(trip(t) for t in plan.trips),
        carried=tuple((pid, new.get(tid, tid), pick) for pid, tid, pick in plan.carried),
        legs=tuple((pid, tuple(new.get(t, t) for t in tids)) for pid, tids in plan.legs),
        trip_numbers=numbers,
    )


def _prefix(trip_id: str) -> str:
    return trip_id.rstrip("0123456789")


def _order(trip: Trip) -> tuple[str, int]:
    prefix = _prefix(trip.trip_id)
    return prefix, int(trip.trip_id[len(prefix) :])


def _use(plans: Iterable[UnitPlan]) -> dict[tuple[str, dt.date], int]:
    total: dict[tuple[str, dt.date], int] = {}
    for p in plans:
        for key, n in p.vehicles_out.items():
            total[key] = total.get(key, 0) + n
    return total


def _packed(weights: Sequence[float], workers: int) -> list[float]:
    """Each job's share of the wall time so that the jobs, each taking its weight's share of
    ``workers`` × the time (at most all of it), packed largest first on the least loaded
    worker, all end by the end: shares of ``1.0`` = the whole time."""
    total = sum(weights) or 1.0
    want = [min(1.0, workers * w / total) for w in weights]
    loads = [0.0] * max(1, workers)
    heapq.heapify(loads)
    for w in sorted(want, reverse=True):
        heapq.heappush(loads, heapq.heappop(loads) + w)
    span = max(loads) or 1.0
    return [w / max(1.0, span) for w in want]


def _seconds(budget: Budget, phase: float, share: float) -> float:
    return max(0.02, budget.left(phase) * share)


def _work(params: PlanParams, unit: Unit) -> float | None:
    w = params.work_limit
    return None if w is None else max(0.05, w * PLAN_PHASE * unit.weight)
