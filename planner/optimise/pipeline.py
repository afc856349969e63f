"""The planner: who comes how, on which coach or train, and a lower bound on the cost.

Pipeline (``solve``):

1. Keep fixed trips and their people; ``travel = own`` comes alone; recruits are matched to
   employers (``prepare``).
2. For each planning unit (a prefecture, or prefectures joined by a train's catchment; largest
   first) the aggregate MIP (``model``) decides coaches per county, day and kind, shared
   coaches within a prefecture, special trains with collectors and feeders, who comes alone and
   who is unserved; vehicles used by earlier units and fixed trips are taken off what is
   available per day.
3. Trips are built with real routes, timetables and costs (``build``); feeders are routed by the
   CVRP router.
4. A lower bound is computed with the ``bound`` variant of the model, per planning unit: from
   ``parallel_bound_min_people`` people on, in a worker process while the next units are
   planned (``planner.optimise.bounding``), else here after the planning.

Under a work limit nothing depends on the clock: ``summary.solve_seconds`` is written as 0 and
solver timings are left out of ``summary.extra``, so the plan files are byte-identical.

The lower bound (``summary.lower_bound``) and why it is one: ``planner.optimise.model.bound``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import time
from collections import defaultdict
from collections.abc import Callable, Sequence

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
from planner.messages import Message
from planner.optimise import reasons
from planner.optimise.bounding import BoundRunner, BoundTask, shares, use_worker
from planner.optimise.budget import PLAN_PHASE, PLAN_PHASE_BESIDE, Budget, Overhead
from planner.optimise.build import Builder, Built
from planner.optimise.instance import Instance
from planner.optimise.model import Context, Decision, Group, solve_plan
from planner.optimise.prepare import Person, prepare
from planner.rules.params import PlanParams
from planner.rules.timetable import coach_timetable, day_of, to_min

Progress = Callable[[float, str], None]


def _unit_figures(
    stats: dict[str, UnitStats],
    unit_trips: dict[str, set[str]],
    unit_bound: dict[str, int],
    by_prov: dict[str, list[Person]],
    trips: Sequence[Trip],
    selfs: Sequence[SelfReturn],
    stranded: set[str],
    workers: dict[str, Worker],
) -> None:
    """Each planning unit's real cost (its trips and the subsidies of the people of its
    counties coming alone), lower bound (its bound model plus those subsidies no plan avoids:
    people registered ``own`` and stranded seat-seekers) and gap, in ``stats``. The units' costs
    and bounds add up to the plan's, but for fixed trips and people of counties no unit plans."""
    unit_of_county = {q.county: name for name, qs in by_prov.items() for q in qs}
    cost_of = {t.trip_id: t.cost_fen for t in trips}
    cost: dict[str, int] = defaultdict(int)
    fixed_part: dict[str, int] = defaultdict(int)
    for name, ids in unit_trips.items():
        cost[name] += sum(cost_of.get(tid, 0) for tid in ids)
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


def _yuan(fen: int) -> str:
    return f"{fen / 100:,.2f}"


def solve(
    inst: Instance,
    params: PlanParams | None = None,
    progress: Progress | None = None,
    budget: Budget | None = None,
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

    Returns
    -------
    Plan
        Trips, assignments, self-returns, unserved people and vacancies, legs and a summary
        whose ``lower_bound`` is justified in ``planner.optimise.model.bound``'s docstring.
    """
    params = params or PlanParams()
    t0 = time.perf_counter()
    budget = budget or Budget.start(params.time_limit_s, params.work_limit)

    def report(frac: float, msg: str) -> None:
        if progress is not None:
            progress(min(1.0, max(0.0, frac)), msg)

    ctx = Context(inst, params)
    sc = inst.scenario
    report(0.01, "Matching new recruits to employers")

    lines_cache: dict[str, list] = {}

    def earliest_arrival(w: Worker, release: dt.date) -> dt.date:
        c = w.home_adcode
        best = release + dt.timedelta(days=ctx.plan_coach(c)[0])
        prov = inst.origins[c].province_code
        if c not in lines_cache:
            lines_cache[c] = ctx.lines_for(prov, [c])
        for ln in lines_cache[c]:
            if c in ln.catchment:
                best = min(best, max(release, ln.earliest) + dt.timedelta(days=ln.lag_plan))
        return best

    prep = prepare(inst, earliest_arrival, params.max_wait_days)
    fixed_ids = {t.trip_id for t in sc.fixed_trips}
    used: dict[tuple[str, dt.date], int] = defaultdict(int)
    for t in sc.fixed_trips:
        for day in trip_days(t, inst.fixed_legs_km.get(t.trip_id), ctx):
            used[(t.vehicle, day)] += 1

    # Planning units: the prefectures of a province, merged where a train's catchment spans
    # several (so one train can take people from all of them).
    by_pp: dict[tuple[str, str], list[Person]] = defaultdict(list)
    for q in prep.planned:
        o = inst.origins[q.county]
        by_pp[(o.province_code, o.prefecture_code)].append(q)
    parent: dict[tuple[str, str], tuple[str, str]] = {k: k for k in by_pp}

    def find(k: tuple[str, str]) -> tuple[str, str]:
        while parent[k] != k:
            k = parent[k]
        return k

    for pv in sorted({k[0] for k in by_pp}):
        counties = sorted({q.county for k, qs in by_pp.items() if k[0] == pv for q in qs})
        for ln in ctx.lines_for(pv, counties):
            prefs = sorted({(pv, inst.origins[c].prefecture_code) for c in ln.catchment})
            for other in prefs[1:]:
                parent[find(other)] = find(prefs[0])
    by_prov: dict[str, list[Person]] = defaultdict(list)
    unit_province: dict[str, str] = {}
    for k in sorted(by_pp):
        root = find(k)
        name = f"{root[0]}/{root[1]}"
        by_prov[name].extend(by_pp[k])
        unit_province[name] = root[0]
    provinces = sorted(by_prov, key=lambda pv: (-len(by_prov[pv]), pv))
    total_people = max(1, len(prep.planned))

    # Budgets.
    W = params.work_limit
    n_prov = max(1, len(provinces))

    def weight(people: int, n_units: int, total: int) -> float:
        """A unit's share of a phase: small units finish at once, the large ones need time."""
        return 0.2 / n_units + 0.8 * people / max(1, total)

    plan_weights = [weight(len(by_prov[pv]), n_prov, total_people) for pv in provinces]

    def router_limit() -> tuple[float, int | None]:
        if W is not None:
            return 1.0, 50
        return budget.router_seconds(), None

    builder = Builder(ctx, fixed_ids | {a.trip_id for a in sc.fixed_assignments}, router_limit)
    built = Built()
    selfs: list[SelfReturn] = list(prep.self_returns)
    unserved: list[Unserved] = list(prep.unserved)
    stats: dict[str, UnitStats] = {}
    unit_trips: dict[str, set[str]] = {}
    unit_bound: dict[str, int] = {}
    decisions: dict[str, Decision] = {}
    stranded: set[str] = set()
    # The bound models: beside the planning in a worker process, or after it here.
    bounds = BoundRunner(ctx, budget, use_worker(params, len(prep.planned)))
    # A unit's bound model grows faster than its people (groups × days × reach classes), and
    # the small ones close at once: the bound time is shared by squared weights (the largest
    # unit of the demo gets 8 s instead of 4 s, enough to branch on its trains).
    bound_weights = [w * w for w in plan_weights]
    bound_shares = shares(bound_weights)
    plan_phase = PLAN_PHASE_BESIDE if bounds.parallel else PLAN_PHASE
    overhead = Overhead()
    people_left = sum(len(qs) for qs in by_prov.values())

    def advise_alone(q: Person, cause: Message) -> None:
        """``q`` comes alone because of ``cause``; a seat-seeker so advised is stranded (their
        subsidy is a constant of the bound)."""
        selfs.append(
            SelfReturn(
                q.id_number,
                q.employer,
                reasons.advised_alone(cause, q.subsidy_fen),
                q.subsidy_fen,
            )
        )
        if q.travel is Travel.SEAT:
            stranded.add(q.id_number)

    for i, pv in enumerate(provinces):
        report(0.05 + 0.6 * i / n_prov, f"Planning {pv} ({len(by_prov[pv])} people)")
        w_unit = plan_weights[i]
        people_left -= len(by_prov[pv])
        unit_begun = time.time()
        tl = budget.unit_seconds(
            plan_phase, w_unit, sum(plan_weights[i:]), overhead.reserve(people_left)
        )
        wl = None if W is None else max(0.05, W * PLAN_PHASE * w_unit)
        cur_used = dict(used)
        for key, val in built.occupancy.items():
            cur_used[key] = cur_used.get(key, 0) + val
        dec = solve_plan(
            ctx,
            by_prov[pv],
            unit_province[pv],
            time_limit_s=tl,
            work_limit=wl,
            used=cur_used,
        )
        decisions[pv] = dec
        pools: dict[int, list[Person]] = {gi: list(g.people) for gi, g in enumerate(dec.groups)}

        def take(gi: int, cnt: int, pools: dict[int, list[Person]] = pools) -> list[Person]:
            out = pools[gi][:cnt]
            pools[gi] = pools[gi][cnt:]
            return out

        first_new = len(built.trips)
        builder.build_coaches(built, dec, take)
        merged = builder.repack_coaches(built, first_new, used)
        merged += builder.merge_coaches(built, first_new, used)
        builder.build_trains(built, dec, take)

        for q in built.late:
            advise_alone(q, reasons.coach_late(inst.origins[q.county].name, q.deadline))
        built.late.clear()
        for q, seat, n_late in built.late_alone:
            advise_alone(
                q,
                reasons.coach_late_own_dear(
                    inst.origins[q.county].name, q.deadline, n_late, seat
                ),
            )
        built.late_alone.clear()
        for q in built.overflow:
            advise_alone(q, reasons.no_seat_left(inst.origins[q.county].name))
        built.overflow.clear()
        alone_count: dict[tuple[str, Travel], int] = defaultdict(int)
        for gi, cnt in dec.self_return.items():
            alone_count[(dec.groups[gi].county, dec.groups[gi].travel)] += cnt
        for gi, cnt in sorted(dec.self_return.items()):
            g = dec.groups[gi]
            n_alone = alone_count[(g.county, g.travel)]
            seat = _seat_estimate(ctx, g, n_alone) if g.coach or g.train else 0
            for q in take(gi, cnt):
                selfs.append(
                    SelfReturn(
                        q.id_number,
                        q.employer,
                        reasons.alone(ctx, g, q, n_alone, seat),
                        q.subsidy_fen,
                    )
                )
                if q.travel is Travel.SEAT:
                    stranded.add(q.id_number)
        for gi, cnt in sorted(dec.unmet.items()):
            g = dec.groups[gi]
            for q in take(gi, cnt):
                unserved.append(Unserved(reasons.unmet(ctx, g, q), q.id_number, q.employer))
        unit_trips[pv] = {t.trip_id for t in built.trips[first_new:]}
        unit_people = tuple(q for q in by_prov[pv] if q.id_number not in stranded)
        if unit_people:
            wl = None if W is None else max(0.05, W * (1 - PLAN_PHASE) * plan_weights[i])
            bounds.submit(
                BoundTask(pv, unit_province[pv], unit_people, bound_shares[i], wl, bound_weights[i])
            )
        stats[pv] = UnitStats(
            coaches_merged=merged,
            plan_status=dec.status,
            plan_objective_yuan=round(dec.objective / 100, 2),
            groups=len(dec.groups),
            plan_seconds=None if W is not None else round(dec.wall_s, 2),
        )
        if W is None:
            overhead = overhead.after(len(by_prov[pv]), time.time() - unit_begun, tl)

    # Lower bound.
    bound_fen = 0
    carried_ids = set(built.main)
    u_plan = 0
    self_ids = {s.id_number for s in selfs}
    # Bound units: the planning units (a prefecture, or those a train's catchment joins), so a
    # unit holds every county any of its trains may carry and trains count in whole numbers.
    n_bound = max(1, len(bounds.pending))
    report(0.7, "Bounding" + (" (beside the planning)" if bounds.parallel else ""))
    for i, (task, res) in enumerate(bounds.results()):
        report(0.7 + 0.25 * (i + 1) / n_bound, f"Bounded {task.unit}")
        bound_fen += math.floor(res.bound)
        stats[task.unit] = dataclasses.replace(
            stats.get(task.unit, UnitStats()),
            bound_model_yuan=round(res.bound / 100, 2),
            bound_status=res.status,
        )
        u_unit = sum(
            1 for q in task.people if q.id_number not in carried_ids and q.id_number not in self_ids
        )
        u_plan += u_unit
        unit_bound[task.unit] = math.floor(res.bound) - inst.unmet_penalty_fen * u_unit

    # Assemble.
    trips = list(sc.fixed_trips) + built.trips
    assignments = list(sc.fixed_assignments)
    emp_of = {q.id_number: q.employer for q in prep.planned}
    for pid in sorted(built.main, key=lambda x: x):
        tid, pick = built.main[pid]
        assignments.append(Assignment(pid, tid, pick, emp_of[pid]))
    legs = list(sc.fixed_legs)
    for pid in sorted(built.legs):
        for n, tid in enumerate(built.legs[pid], start=1):
            legs.append(Leg(pid, tid, n))
    # Vacancies left empty.
    served_recruits: dict[str, int] = defaultdict(int)
    workers = {w.id_number: w for w in sc.workers}
    for a in assignments:
        w = workers.get(a.id_number)
        if w is not None and w.employer_uscc is None:
            served_recruits[a.employer_uscc] += 1
    for s in selfs:
        w = workers.get(s.id_number)
        if w is not None and w.employer_uscc is None and s.employer_uscc:
            served_recruits[s.employer_uscc] += 1
    for e in sc.employers:
        gap_n = e.new_hires_wanted - served_recruits[e.uscc]
        if gap_n > 0:
            unserved.append(
                Unserved(
                    why=reasons.hires_short(
                        e.name, e.new_hires_wanted, served_recruits[e.uscc]
                    ),
                    employer_uscc=e.uscc,
                    count=gap_n,
                )
            )

    trip_cost = sum(t.cost_fen for t in trips)
    subsidy = sum(s.expected_subsidy_fen for s in selfs)
    total = trip_cost + subsidy
    constants = sum(t.cost_fen for t in sc.fixed_trips) + sum(
        s.expected_subsidy_fen
        for s in selfs
        if s.id_number in stranded or workers[s.id_number].travel is Travel.OWN
    )
    lower = bound_fen + constants - inst.unmet_penalty_fen * u_plan
    _unit_figures(stats, unit_trips, unit_bound, by_prov, trips, selfs, stranded, workers)
    warning = None
    if lower > total:
        warning = f"bound {_yuan(lower)} exceeded the cost {_yuan(total)}: not reported"
        lower = 0
    lower = max(0, lower)
    gap = (total - lower) / total if total > 0 else 0.0

    by_kind: dict[str, int] = defaultdict(int)
    cost_by: dict[str, int] = defaultdict(int)
    for t in trips:
        kind = (
            "fixed"
            if t.fixed
            else "train"
            if t.kind is VehicleKind.TRAIN
            else {"C": "coach", "K": "collector", "F": "feeder"}.get(t.trip_id[:1], "coach")
        )
        by_kind[kind] += 1
        cost_by[kind] += t.cost_fen
    cost_by["self_return"] = subsidy
    main_ids = {a.trip_id for a in assignments}
    main_trips = [t for t in trips if t.trip_id in main_ids]
    carried = len(assignments)
    people_by = {
        "coach": sum(
            1 for a in assignments if a.trip_id.startswith("C") and a.trip_id not in fixed_ids
        ),
        "train": sum(1 for pid in built.legs if len(built.legs[pid]) > 0),
        "fixed": len(sc.fixed_assignments),
        "self_return": len(selfs),
        "unserved": sum(1 for u in unserved if u.id_number is not None),
    }
    run_stats = RunStats(
        cost_by_component={k: round(v / 100, 2) for k, v in sorted(cost_by.items())},
        people_by_mode=people_by,
        trips_by_kind=dict(sorted(by_kind.items())),
        vacancies_unfilled=sum(u.count for u in unserved if u.id_number is None),
        people_per_trip=round(carried / len(main_trips), 1) if main_trips else 0.0,
        unmet_in_bound=u_plan,
        feeder_routing=FeederRouting(
            cvrp_calls=sum(1 for r in builder.router_stats if "error" not in r),
            fallbacks=tuple(sorted({r["error"] for r in builder.router_stats if "error" in r})),
        ),
        units=stats,
        bound_method=(
            "best of LP (GLOP), trains-first MIP and MIP (SCIP) bounds of the relaxed aggregate "
            "model per unit"
        ),
        bound_warning=warning or None,
    )
    summary = PlanSummary(
        workers_planned=carried + len(selfs),
        trips=len(trips),
        total_cost_fen=total,
        lower_bound_fen=lower,
        gap=round(gap, 4),
        subsidy_forecast_fen=subsidy,
        solve_seconds=round(time.perf_counter() - t0, 2) if W is None else 0.0,
        stats=run_stats,
    )
    report(1.0, "Plan ready")
    return Plan(
        trips=tuple(trips),
        assignments=tuple(sorted(assignments, key=lambda a: (a.trip_id, a.id_number))),
        self_returns=tuple(sorted(selfs, key=lambda s: s.id_number)),
        unserved=tuple(unserved),
        legs=tuple(legs),
        summary=summary,
    )


def trip_days(trip: Trip, legs_km: Sequence[float] | None, ctx: Context) -> list[dt.date]:
    """Calendar days a trip's vehicle is out (a coach until it is back at its first stop)."""
    first = trip.depart.date()
    last = trip.arrive.date()
    if trip.kind is VehicleKind.COACH and legs_km:
        p = ctx.params
        sch = coach_timetable(
            to_min(trip.depart),
            list(legs_km),
            drivers=trip.drivers,
            speed_kmh=p.speed_kmh,
            rules=ctx.rules,
            dwell_min=p.stop_dwell_min,
        )
        last = max(last, day_of(sch.end))
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def _seat_estimate(ctx: Context, g: Group, n: int) -> int:
    """About what one seat costs if a coach from the person's county ran for ``n`` people."""
    v = ctx.coach_types[0]
    cap = max(1, ctx.cap(v, g.release, (g.county,)))
    return ctx.plan_coach_cost(g.county, v) // max(1, min(n, cap))


