"""Planning by hand: the benchmark the optimiser is measured against.

Rules implemented (what a county office does without a planner):

- recruits are matched to employers as in ``prepare``; ``travel = own`` come alone;
  everyone else (seat and either) gets a seat;
- per home county, people are taken in registration order and put on coaches of the largest
  kind, each filled up to the load cap in force on its departure day;
- a coach leaves on the day its last passenger becomes available, at the first coach start
  time, goes straight to the district, drops off at its passengers' employers (nearest first)
  and drives back empty; no trains, no shared coaches across counties, no self-return advice;
- someone the coach would deliver after their employer's ``needed_by`` is left unserved
  (they are told to come on their own, but the hand planner has no subsidy rule for it).
"""

from __future__ import annotations

import time
from collections import defaultdict

from planner.domain import Assignment, Plan, PlanSummary, SelfReturn, Unserved
from planner.domain.stats import RunStats
from planner.optimise import reasons
from planner.optimise.build import Builder, Built
from planner.optimise.instance import Instance
from planner.optimise.model import Context
from planner.optimise.params import PlanParams
from planner.optimise.prepare import Person, prepare


def plan_by_hand(inst: Instance, params: PlanParams | None = None) -> Plan:
    """The hand-made plan for ``inst`` (coaches only, county by county, registration order).

    Parameters
    ----------
    inst
        The instance.
    params
        Planning parameters (speeds, start times, drivers' rules).

    Returns
    -------
    Plan
        A plan the validator accepts except, possibly, for vehicle limits (a hand planner
        does not count them); ``lower_bound`` is 0.
    """
    params = params or PlanParams()
    t0 = time.perf_counter()
    ctx = Context(inst, params)
    sc = inst.scenario
    prep = prepare(inst, lambda w, r: r)
    builder = Builder(ctx, {t.trip_id for t in sc.fixed_trips}, lambda: (0.1, 10))
    built = Built()
    by_county: dict[str, list[Person]] = defaultdict(list)
    for q in sorted(prep.planned, key=lambda q: q.order):
        by_county[q.county].append(q)
    v = ctx.coach_types[0]
    unserved: list[Unserved] = list(prep.unserved)
    for c in sorted(by_county):
        queue = list(by_county[c])
        while queue:
            chunk = queue[: v.seats]
            day = max(q.release for q in chunk)
            cap = ctx.cap(v, day, (c,))
            chunk = queue[: max(1, cap)]
            day = max(q.release for q in chunk)
            cap = ctx.cap(v, day, (c,))
            chunk = chunk[: max(1, cap)]
            queue = queue[len(chunk) :]
            before = len(built.trips)
            builder._one_coach(built, v, cap, c, day, chunk, retry=False)
            del before
        for q in built.late:
            unserved.append(
                Unserved(
                    reasons.coach_reaches_late(inst.origins[q.county].name, q.deadline),
                    q.id_number,
                    q.employer,
                )
            )
        built.late.clear()
    trips = list(sc.fixed_trips) + built.trips
    emp = {q.id_number: q.employer for q in prep.planned}
    assignments = list(sc.fixed_assignments) + [
        Assignment(pid, tid, pick, emp[pid]) for pid, (tid, pick) in sorted(built.main.items())
    ]
    selfs: list[SelfReturn] = list(prep.self_returns)
    total = sum(t.cost_fen for t in trips) + sum(s.expected_subsidy_fen for s in selfs)
    summary = PlanSummary(
        workers_planned=len(assignments) + len(selfs),
        trips=len(trips),
        total_cost_fen=total,
        lower_bound_fen=0,
        gap=1.0 if total else 0.0,
        subsidy_forecast_fen=sum(s.expected_subsidy_fen for s in selfs),
        solve_seconds=round(time.perf_counter() - t0, 2),
        stats=RunStats(
            method="planning by hand (baseline)",
            people_per_trip=round(len(assignments) / max(1, len(trips)), 1),
        ),
    )
    return Plan(
        tuple(trips),
        tuple(assignments),
        tuple(selfs),
        tuple(unserved),
        tuple(sc.fixed_legs),
        summary,
    )
