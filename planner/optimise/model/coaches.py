"""The coach rules: how many coaches of each kind leave from each anchor county on each
candidate day, who rides them, and that nobody rides a seat the load cap in force takes away.

A coach of kind ``v`` leaving from ``a`` on day ``d`` seats ``cap_in_force(v, d, a)`` people
(the plan), or the best cap in force on any day up to ``d`` (the bound: a vehicle shifted to a
later day keeps its capacity); the people of a group riding coaches of ``(a, d)`` are at most
the seats of the coaches that run there. Coach counts are integers, rides continuous.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict

from planner.optimise.model.state import UnitModel


def plan_coaches(um: UnitModel) -> None:
    """Coaches per (anchor, day, kind) at the plan's estimated cost, each seating the cap in
    force that day (kinds the cap leaves no seat in are not offered)."""
    ctx, m = um.ctx, um.m
    for a, d in sorted(um.coach_demand):
        demand = um.coach_demand[(a, d)]
        for v in ctx.coach_types:
            cap = ctx.cap(v, d, (a,))
            if cap <= 0:
                continue
            var = m.var(0, math.ceil(demand / cap), f"coaches_{a}_{d:%m%d}_{v.name}")
            um.n[(a, d, v.name)] = var
            um.n_cap[(a, d, v.name)] = cap
            um.cap_terms[(a, d)].append((var, -cap))
            m.cost(var, ctx.plan_coach_cost(a, v))


def bound_coaches(um: UnitModel) -> None:
    """Coaches per (anchor, day, kind, reach class) at a cost no lawful coach undercuts: a
    class-``j`` coach drives at least ``2·dmin(a) + levels[j]`` km and only coaches of class
    ``j`` or more carry people of reach class ``j`` or more (``um.reach_terms``; the rows are
    ``reach.bound_reach_rows``). Each seats the best cap in force so far, and no more than
    there are people to carry (a tighter relaxation every integer solution keeps)."""
    ctx, m = um.ctx, um.m
    reach_top: dict[tuple[str, dt.date], int] = defaultdict(int)
    for g in um.groups:
        for o in g.coach:
            reach_top[o] = max(reach_top[o], g.reach)
    reach_demand: dict[tuple[str, dt.date, int], int] = defaultdict(int)
    for g in um.groups:
        for o in g.coach:
            for j in range(1, g.reach + 1):
                reach_demand[(*o, j)] += g.size
    for a, d in sorted(um.coach_demand):
        demand = um.coach_demand[(a, d)]
        for v in ctx.coach_types:
            cap = ctx.cap_relaxed(v, d, (a,))
            if cap <= 0:
                continue
            # Its route has a leg to each stop: the counties of ``a``'s pool and at most one
            # employer per person on board.
            legs = cap + len(um.pools[a])
            for lv in range(reach_top[(a, d)] + 1):
                var = m.var(0, math.ceil(demand / cap), f"coaches_{a}_{d:%m%d}_{v.name}_{lv}")
                um.cap_terms[(a, d)].append((var, -min(cap, demand)))
                for j in range(1, lv + 1):
                    row = um.reach_terms[(a, d, j)]
                    row.append((var, -min(cap, reach_demand[(a, d, j)])))
                m.cost(var, ctx.bound_coach_cost(a, v, um.levels[lv], legs))


def coach_rides(um: UnitModel, earliness_fen: int) -> None:
    """Each group's riders on the coaches of each of its (anchor, day) options where a coach
    may run, with ``earliness_fen`` per person and day waited after release (the plan's
    tie-break; 0 in the bound)."""
    m = um.m
    for gi, g in enumerate(um.groups):
        for a, d in g.coach:
            if not um.cap_terms.get((a, d)):
                continue
            var = m.var(0, g.size, f"ride_{gi}_{a}_{d:%m%d}", integer=False)
            um.f[(gi, a, d)] = var
            um.rides_of[gi].append(var)
            um.flows_at[(a, d)].append(var)
            if g.county != a:
                um.flows_cd[(g.county, a, d)].append(var)
            m.cost(var, earliness_fen * (d - g.release).days)


def capacity_rows(um: UnitModel) -> None:
    """The riders of coaches of (anchor, day) fit in their seats."""
    for key, vars_ in um.flows_at.items():
        um.m.add_le([(x, 1) for x in vars_] + um.cap_terms[key], 0)


def bound_county_rows(um: UnitModel) -> None:
    """A county's people ride coaches of (anchor, day) only if one runs: its riders there are
    at most its people there times the coaches (the strong form of the capacity rows, kept by
    every integer solution)."""
    groups = um.groups
    by_cad: dict[tuple[str, str, dt.date], list[int]] = defaultdict(list)
    size_cad: dict[tuple[str, str, dt.date], int] = defaultdict(int)
    for (gi, a, d), var in um.f.items():
        by_cad[(groups[gi].county, a, d)].append(var)
        size_cad[(groups[gi].county, a, d)] += groups[gi].size
    for (c, a, d), vars_ in sorted(by_cad.items()):
        cap_terms = um.cap_terms[(a, d)]
        top = max(-x for _v, x in cap_terms)
        if size_cad[(c, a, d)] < top:
            um.m.add_le(
                [(x, 1) for x in vars_] + [(var, -size_cad[(c, a, d)]) for var, _x in cap_terms],
                0,
            )
