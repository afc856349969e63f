"""Planning one unit, and bounding it: functions of plain values.

``plan_unit`` solves the unit's aggregate model (``model.solve_plan``) on the fleet the
earlier units left, builds its trips (``build``) and says why each person it does not carry
comes alone or stays unserved (``reasons``). ``bound_unit`` solves the unit's ``bound`` model,
as ``bounding.BoundRunner`` does for each unit (in its worker process or here)."""

from __future__ import annotations

import functools
from collections import defaultdict

from planner.domain import SelfReturn, Travel, Unserved
from planner.domain.stats import UnitStats
from planner.messages import Message
from planner.optimise import reasons
from planner.optimise.bounding import BoundTask, _solve
from planner.optimise.budget import PLAN_PHASE, Budget
from planner.optimise.build import Builder, Built
from planner.optimise.instance import Instance
from planner.optimise.model import Context, Decision, Group, solve_plan
from planner.optimise.prepare import Person
from planner.optimise.units.shared import context
from planner.optimise.units.values import FleetUse, Unit, UnitBound, UnitInput, UnitPlan
from planner.rules.params import PlanParams


def plan_unit(inst: Instance, params: PlanParams, unit_input: UnitInput) -> UnitPlan:
    """Plan one unit: its model's decision, the trips built for it, and why the people it
    does not carry come alone or stay unserved.

    Under a work limit the result depends on nothing but the arguments (not on the clock, nor
    on the process it runs in)."""
    ctx = context(inst, params)
    unit = unit_input.unit
    dec = solve_plan(
        ctx,
        unit.people,
        time_limit_s=unit_input.time_limit_s,
        work_limit=unit_input.work_limit,
        used=unit_input.vehicles_out.to_dict(),
    )
    sc = inst.scenario
    taken = {t.trip_id for t in sc.fixed_trips} | {a.trip_id for a in sc.fixed_assignments}
    builder = Builder(
        ctx, taken, functools.partial(_router_limit, params.work_limit, unit_input.budget)
    )
    builder.ids.counters.update(dict(unit_input.trip_numbers))
    built = Built()
    take = _Pools(dec)
    used = unit_input.vehicles_out.to_dict()
    builder.build_coaches(built, dec, take)
    merged = builder.repack_coaches(built, 0, used)
    merged += builder.merge_coaches(built, 0, used)
    builder.build_trains(built, dec, take)
    built.overflow += builder.drop_overbooked(built, used)
    advice = _Advice(ctx)
    advice.after_building(built)
    advice.from_decision(dec, take)
    bound_people = tuple(q for q in unit.people if q.id_number not in advice.stranded)
    return UnitPlan(
        key=unit.key,
        trips=tuple(built.trips),
        carried=tuple((pid, tid, pick) for pid, (tid, pick) in built.main.items()),
        legs=tuple((pid, tuple(tids)) for pid, tids in built.legs.items()),
        self_returns=tuple(advice.selfs),
        unserved=tuple(advice.unserved),
        stranded=frozenset(advice.stranded),
        bound_people=bound_people,
        vehicles_out=FleetUse.of(built.occupancy),
        trip_numbers=tuple(sorted(builder.ids.counters.items())),
        router_calls=sum(1 for r in builder.router_stats if "error" not in r),
        router_errors=tuple(r["error"] for r in builder.router_stats if "error" in r),
        stats=UnitStats(
            coaches_merged=merged,
            plan_status=dec.status,
            plan_objective_yuan=round(dec.objective / 100, 2),
            groups=len(dec.groups),
            plan_seconds=None if params.work_limit is not None else round(dec.wall_s, 2),
        ),
    )


def _router_limit(work_limit: float | None, budget: Budget) -> tuple[float, int | None]:
    """Seconds and work for one call of the feeder router."""
    if work_limit is not None:
        return 1.0, 50
    return budget.router_seconds(), None


class _Pools:
    """The people of each group of a decision not yet given a way home, taken in order."""

    def __init__(self, dec: Decision) -> None:
        self.pools: dict[int, list[Person]] = {
            gi: list(g.people) for gi, g in enumerate(dec.groups)
        }

    def __call__(self, gi: int, cnt: int) -> list[Person]:
        out = self.pools[gi][:cnt]
        self.pools[gi] = self.pools[gi][cnt:]
        return out


class _Advice:
    """Who of one unit comes alone and why, and who stays unserved."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.selfs: list[SelfReturn] = []
        self.unserved: list[Unserved] = []
        self.stranded: set[str] = set()

    def alone(self, q: Person, why: Message) -> None:
        """``q`` comes alone because ``why``; a seat-seeker so advised is stranded (their
        subsidy is a constant of the bound)."""
        self.selfs.append(SelfReturn(q.id_number, q.employer, why, q.subsidy_fen))
        if q.travel is Travel.SEAT:
            self.stranded.add(q.id_number)

    def after_building(self, built: Built) -> None:
        """People the trips could not take: their coach would be late, or no seat was left."""
        origins = self.ctx.inst.origins
        for q in built.late:
            cause = reasons.coach_late(origins[q.county].name, q.deadline)
            self.alone(q, reasons.advised_alone(cause, q.subsidy_fen))
        for q, seat, n_late in built.late_alone:
            cause = reasons.coach_late_own_dear(origins[q.county].name, q.deadline, n_late, seat)
            self.alone(q, reasons.advised_alone(cause, q.subsidy_fen))
        for q in built.overflow:
            cause = reasons.no_seat_left(origins[q.county].name)
            self.alone(q, reasons.advised_alone(cause, q.subsidy_fen))

    def from_decision(self, dec: Decision, take: _Pools) -> None:
        """People the model sends home alone or leaves unserved."""
        ctx = self.ctx
        alone_count: dict[tuple[str, Travel], int] = defaultdict(int)
        for gi, cnt in dec.self_return.items():
            alone_count[(dec.groups[gi].county, dec.groups[gi].travel)] += cnt
        for gi, cnt in sorted(dec.self_return.items()):
            g = dec.groups[gi]
            n_alone = alone_count[(g.county, g.travel)]
            seat = _seat_estimate(ctx, g, n_alone) if g.coach or g.train else 0
            for q in take(gi, cnt):
                self.alone(q, reasons.alone(ctx, g, q, n_alone, seat))
        for gi, cnt in sorted(dec.unmet.items()):
            g = dec.groups[gi]
            for q in take(gi, cnt):
                self.unserved.append(Unserved(reasons.unmet(ctx, g, q), q.id_number, q.employer))


def _seat_estimate(ctx: Context, g: Group, n: int) -> int:
    """About what one seat costs if a coach from the person's county ran for ``n`` people."""
    v = ctx.coach_types[0]
    cap = max(1, ctx.cap(v, g.release, (g.county,)))
    return ctx.plan_coach_cost(g.county, v) // max(1, min(n, cap))


def bound_task(params: PlanParams, unit: Unit, plan: UnitPlan) -> BoundTask | None:
    """What bounding ``unit`` needs once it is planned (``None``: nobody for its bound model
    to carry, everyone comes alone by rule)."""
    if not plan.bound_people:
        return None
    wl = params.work_limit
    return BoundTask(
        unit.key,
        plan.bound_people,
        unit.bound_share,
        None if wl is None else max(0.05, wl * (1 - PLAN_PHASE) * unit.weight),
        unit.bound_weight,
    )


def bound_unit(
    inst: Instance, params: PlanParams, task: BoundTask, deadline: float | None = None
) -> UnitBound:
    """The lower bound of one unit's ``bound`` model (see ``model.bound``'s docstring), given its
    share of the time left before ``deadline`` (a ``time.time()`` instant; ``None`` under a
    work limit). Past the deadline only its LP relaxation is solved."""
    res = _solve(context(inst, params), task, deadline)
    return UnitBound(task.unit, res.bound, res.status)
