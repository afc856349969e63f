"""The plan from its units: trips, manifests, legs, vacancies left empty, the lower bound and
the summary (see ``model.bound``'s docstring for the bound)."""

from __future__ import annotations

import dataclasses
import math
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence

from planner.domain import (
    Assignment,
    Leg,
    Plan,
    PlanSummary,
    SelfReturn,
    Travel,
    Trip,
    Unserved,
    VehicleKind,
    Worker,
)
from planner.domain.stats import FeederRouting, RunStats, UnitStats
from planner.optimise import reasons
from planner.optimise.instance import Instance
from planner.optimise.units.shared import preparation
from planner.optimise.units.values import Unit, UnitBound, UnitPlan
from planner.rules.params import PlanParams

BOUND_METHOD = (
    "best of LP (GLOP), trains-first MIP and MIP (SCIP) bounds of the relaxed aggregate "
    "model per unit"
)


def assemble(
    inst: Instance,
    params: PlanParams,
    units: Sequence[Unit],
    plans: Sequence[UnitPlan],
    bounds: Sequence[UnitBound],
    started: float | None = None,
) -> Plan:
    """The plan of ``units`` planned as ``plans`` (in the same order) and bounded as
    ``bounds`` (any order; a unit without a bound model has none).

    ``started`` is the ``time.perf_counter()`` instant planning started, for
    ``summary.solve_seconds`` (written as 0 under a work limit)."""
    sc = inst.scenario
    prep = preparation(inst, params)
    workers = {w.id_number: w for w in sc.workers}
    trips = [*sc.fixed_trips, *(t for p in plans for t in p.trips)]
    selfs = [*prep.self_returns, *(s for p in plans for s in p.self_returns)]
    unserved = [*prep.unserved, *(u for p in plans for u in p.unserved)]
    stranded = frozenset().union(*(p.stranded for p in plans))
    assignments, legs = _manifests(inst, units, plans)
    unserved += _vacancies_left(inst, assignments, selfs, workers)
    carried = {pid for p in plans for pid, _t, _pick in p.carried}
    self_ids = {s.id_number for s in selfs}
    unmet = {
        b.key: sum(1 for q in _bound_people(plans, b.key) if q not in carried and q not in self_ids)
        for b in bounds
    }
    stats = _unit_stats(inst, units, plans, bounds, unmet, trips, selfs, stranded, workers)
    total = sum(t.cost_fen for t in trips) + sum(s.expected_subsidy_fen for s in selfs)
    constants = sum(t.cost_fen for t in sc.fixed_trips) + sum(
        s.expected_subsidy_fen
        for s in selfs
        if s.id_number in stranded or workers[s.id_number].travel is Travel.OWN
    )
    u_plan = sum(unmet.values())
    bound_fen = sum(math.floor(b.bound) for b in bounds)
    lower = bound_fen + constants - inst.unmet_penalty_fen * u_plan
    warning = None
    if lower > total:
        warning = f"bound {_yuan(lower)} exceeded the cost {_yuan(total)}: not reported"
        lower = 0
    lower = max(0, lower)
    run_stats = _run_stats(inst, plans, trips, assignments, selfs, unserved, stats, u_plan)
    summary = PlanSummary(
        workers_planned=len(assignments) + len(selfs),
        trips=len(trips),
        total_cost_fen=total,
        lower_bound_fen=lower,
        gap=round((total - lower) / total if total > 0 else 0.0, 4),
        subsidy_forecast_fen=sum(s.expected_subsidy_fen for s in selfs),
        solve_seconds=(
            round(time.perf_counter() - started, 2)
            if params.work_limit is None and started is not None
            else 0.0
        ),
        stats=dataclasses.replace(run_stats, bound_warning=warning or None),
    )
    return Plan(
        trips=tuple(trips),
        assignments=tuple(sorted(assignments, key=lambda a: (a.trip_id, a.id_number))),
        self_returns=tuple(sorted(selfs, key=lambda s: s.id_number)),
        unserved=tuple(unserved),
        legs=tuple(legs),
        summary=summary,
    )


def _yuan(fen: int) -> str:
    return f"{fen / 100:,.2f}"


def _bound_people(plans: Sequence[UnitPlan], key: str) -> list[str]:
    return [q.id_number for p in plans if p.key == key for q in p.bound_people]


def _manifests(
    inst: Instance, units: Sequence[Unit], plans: Sequence[UnitPlan]
) -> tuple[list[Assignment], list[Leg]]:
    """Who rides which trip first (fixed ones first), and every train rider's legs."""
    sc = inst.scenario
    emp_of = {q.id_number: q.employer for u in units for q in u.people}
    assignments = list(sc.fixed_assignments)
    for pid, tid, pick in sorted((c for p in plans for c in p.carried), key=lambda c: c[0]):
        assignments.append(Assignment(pid, tid, pick, emp_of[pid]))
    legs = list(sc.fixed_legs)
    for pid, tids in sorted((r for p in plans for r in p.legs), key=lambda r: r[0]):
        for n, tid in enumerate(tids, start=1):
            legs.append(Leg(pid, tid, n))
    return assignments, legs


def _vacancies_left(
    inst: Instance,
    assignments: Sequence[Assignment],
    selfs: Sequence[SelfReturn],
    workers: Mapping[str, Worker],
) -> list[Unserved]:
    """One row per employer whose wanted new hires the plan does not all bring."""
    served: dict[str, int] = defaultdict(int)
    for a in assignments:
        w = workers.get(a.id_number)
        if w is not None and w.employer_uscc is None:
            served[a.employer_uscc] += 1
    for s in selfs:
        w = workers.get(s.id_number)
        if w is not None and w.employer_uscc is None and s.employer_uscc:
            served[s.employer_uscc] += 1
    out = []
    for e in inst.scenario.employers:
        gap_n = e.new_hires_wanted - served[e.uscc]
        if gap_n > 0:
            why = reasons.hires_short(e.name, e.new_hires_wanted, served[e.uscc])
            out.append(Unserved(why=why, employer_uscc=e.uscc, count=gap_n))
    return out


def _unit_stats(
    inst: Instance,
    units: Sequence[Unit],
    plans: Sequence[UnitPlan],
    bounds: Sequence[UnitBound],
    unmet: Mapping[str, int],
    trips: Sequence[Trip],
    selfs: Sequence[SelfReturn],
    stranded: frozenset[str],
    workers: Mapping[str, Worker],
) -> dict[str, UnitStats]:
    """Each planning unit's figures: its plan and bound models, its real cost (its trips and
    the subsidies of the people of its counties coming alone), lower bound (its bound model
    plus those subsidies no plan avoids: people registered ``own`` and stranded seat-seekers)
    and gap. The units' costs and bounds add up to the plan's, but for fixed trips and people
    of counties no unit plans."""
    stats = {p.key: p.stats for p in plans}
    unit_bound: dict[str, int] = {}
    for b in bounds:
        stats[b.key] = dataclasses.replace(
            stats.get(b.key, UnitStats()),
            bound_model_yuan=round(b.bound / 100, 2),
            bound_status=b.status,
        )
        unit_bound[b.key] = math.floor(b.bound) - inst.unmet_penalty_fen * unmet[b.key]
    unit_of_county = {q.county: u.key for u in units for q in u.people}
    cost_of = {t.trip_id: t.cost_fen for t in trips}
    cost: dict[str, int] = defaultdict(int)
    fixed_part: dict[str, int] = defaultdict(int)
    for p in plans:
        cost[p.key] += sum(cost_of.get(t.trip_id, 0) for t in p.trips)
    for s in selfs:
        w = workers.get(s.id_number)
        unit = unit_of_county.get(w.home_adcode) if w is not None else None
        if unit is None:
            continue
        cost[unit] += s.expected_subsidy_fen
        if s.id_number in stranded or (w is not None and w.travel is Travel.OWN):
            fixed_part[unit] += s.expected_subsidy_fen
    for name, st in stats.items():
        total = cost[name]
        # A unit with no bound model has everyone coming alone by rule (own or stranded).
        lower = max(0, unit_bound.get(name, 0) + fixed_part[name])
        stats[name] = dataclasses.replace(
            st,
            cost_yuan=round(total / 100, 2),
            lower_bound_yuan=round(lower / 100, 2),
            gap=round((total - lower) / total, 4) if total > 0 else 0.0,
        )
    return stats


def _trip_kind(t: Trip) -> str:
    if t.fixed:
        return "fixed"
    if t.kind is VehicleKind.TRAIN:
        return "train"
    return {"C": "coach", "K": "collector", "F": "feeder"}.get(t.trip_id[:1], "coach")


def _run_stats(
    inst: Instance,
    plans: Sequence[UnitPlan],
    trips: Sequence[Trip],
    assignments: Sequence[Assignment],
    selfs: Sequence[SelfReturn],
    unserved: Sequence[Unserved],
    units: dict[str, UnitStats],
    u_plan: int,
) -> RunStats:
    """The plan's costs, people and trips by kind, and how its bound was found."""
    sc = inst.scenario
    by_kind: dict[str, int] = defaultdict(int)
    cost_by: dict[str, int] = defaultdict(int)
    for t in trips:
        by_kind[_trip_kind(t)] += 1
        cost_by[_trip_kind(t)] += t.cost_fen
    cost_by["self_return"] = sum(s.expected_subsidy_fen for s in selfs)
    main_ids = {a.trip_id for a in assignments}
    main_trips = [t for t in trips if t.trip_id in main_ids]
    fixed_ids = {t.trip_id for t in sc.fixed_trips}
    people_by = {
        "coach": sum(
            1 for a in assignments if a.trip_id.startswith("C") and a.trip_id not in fixed_ids
        ),
        "train": sum(1 for p in plans for _pid, tids in p.legs if len(tids) > 0),
        "fixed": len(sc.fixed_assignments),
        "self_return": len(selfs),
        "unserved": sum(1 for u in unserved if u.id_number is not None),
    }
    return RunStats(
        cost_by_component={k: round(v / 100, 2) for k, v in sorted(cost_by.items())},
        people_by_mode=people_by,
        trips_by_kind=dict(sorted(by_kind.items())),
        vacancies_unfilled=sum(u.count for u in unserved if u.id_number is None),
        people_per_trip=round(len(assignments) / len(main_trips), 1) if main_trips else 0.0,
        unmet_in_bound=u_plan,
        feeder_routing=FeederRouting(
            cvrp_calls=sum(p.router_calls for p in plans),
            fallbacks=tuple(sorted({e for p in plans for e in p.router_errors})),
        ),
        units=units,
        bound_method=BOUND_METHOD,
    )
