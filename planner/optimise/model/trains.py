"""The special-train rules: trains per (line, day), their riders, the feeder coaches that take
them from the arrival station to their employers, and the collector coaches that bring them
from counties beyond walking distance to the station.

A train seats the load cap in force for its province (the bound: the best cap so far); its
riders also fit in its feeders (each seating the cap in force the day they arrive; the bound:
the best cap up to the day they leave) and, county by county, in its collectors.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict

from planner.optimise.linmodel import Terms
from planner.optimise.model.groups import TrainLine
from planner.optimise.model.state import UnitModel
from planner.rules.costs import train_cost_fen


def plan_trains(um: UnitModel, earliness_fen: int) -> None:
    """Trains (whole, at most the line's vehicles), riders with ``earliness_fen`` per person
    and day waited, feeders and collectors at the plan's estimated costs."""
    ctx, m = um.ctx, um.m
    for li, d in sorted(um.train_demand):
        ln = um.lines[li]
        cap = ctx.cap(ln.vehicle, d, (ln.province,))
        if cap <= 0:
            continue
        demand = um.train_demand[(li, d)]
        ub = math.ceil(demand / cap)
        if ln.vehicle.available is not None:
            ub = min(ub, ln.vehicle.available)
        kv = _train(um, ln, li, d, cap, ub, integer=True)
        hv, by_county, size_c = _riders(um, li, d, earliness_fen)
        m.add_le([*hv, (kv, -cap)], 0)
        arrive_day = d + dt.timedelta(days=ln.lag_plan)
        fcap = max(1, ctx.cap(ctx.feeder, arrive_day, ("",)))
        _feeders(um, li, d, hv, fcap, fcap, ctx.feeder_cost_plan(ln))
        for c, vars_ in sorted(by_county.items()):
            if c in ln.walk_in:
                continue
            ccap = max(1, ctx.cap(ctx.feeder, d, (c,)))
            qv = m.var(0, math.ceil(size_c[c] / ccap), f"collectors_{c}_{li}_{d:%m%d}")
            um.q[(c, li, d)] = qv
            um.q_cap[(c, li, d)] = ccap
            m.add_le([*vars_, (qv, -ccap)], 0)
            m.cost(qv, ctx.collector_cost(c, ln))


def bound_trains(um: UnitModel, whole_trains: bool) -> None:
    """Trains (whole only with ``whole_trains``: valid when the unit holds every county of
    their catchments; no vehicle limit), riders, feeders and collectors at costs no lawful
    one undercuts, each seating the best cap in force so far and no more than there are
    people to carry; a county's people ride a train only if it runs."""
    ctx, m = um.ctx, um.m
    for li, d in sorted(um.train_demand):
        ln = um.lines[li]
        cap = ctx.cap_relaxed(ln.vehicle, d, (ln.province,))
        if cap <= 0:
            continue
        demand = um.train_demand[(li, d)]
        kv = _train(um, ln, li, d, cap, math.ceil(demand / cap), integer=whole_trains)
        hv, by_county, size_c = _riders(um, li, d, 0)
        m.add_le([*hv, (kv, -min(cap, demand))], 0)
        # A county's people ride this train only if it runs (strong form, as for coaches).
        for c, vars_ in sorted(by_county.items()):
            if size_c[c] < min(cap, demand):
                m.add_le([*vars_, (kv, -size_c[c])], 0)
        fcap = max(1, ctx.feeder_cap_bound(ln, d))
        _feeders(um, li, d, hv, fcap, min(fcap, demand), ctx.feeder_cost_bound(ln))
        for c, vars_ in sorted(by_county.items()):
            if c in ln.walk_in:
                continue
            # Collectors: each carries at most the best cap in force so far.
            ccap = max(1, ctx.cap_relaxed(ctx.feeder, d, (c,)))
            qv = m.var(0, math.ceil(size_c[c] / ccap), f"collectors_{c}_{li}_{d:%m%d}")
            m.add_le([*vars_, (qv, -min(ccap, size_c[c]))], 0)
            m.cost(qv, ctx.bound_collector_cost(c, ln))


def _train(
    um: UnitModel, ln: TrainLine, li: int, d: dt.date, cap: int, ub: int, integer: bool
) -> int:
    """The count of trains of line ``li`` leaving on ``d``, at the line's price."""
    kv = um.m.var(0, ub, f"trains_{li}_{d:%m%d}", integer=integer)
    um.k[(li, d)] = kv
    um.k_cap[(li, d)] = cap
    um.m.cost(kv, train_cost_fen(ln.vehicle, ln.km))
    return kv


def _riders(
    um: UnitModel, li: int, d: dt.date, earliness_fen: int
) -> tuple[Terms, dict[str, Terms], dict[str, int]]:
    """Each group's riders of the train (line ``li``, day ``d``): their terms, by county, and
    the people of each county who may ride it."""
    hv: Terms = []
    by_county: dict[str, Terms] = defaultdict(list)
    size_c: dict[str, int] = defaultdict(int)
    for gi in um.train_members[(li, d)]:
        g = um.groups[gi]
        var = um.m.var(0, g.size, f"rail_{gi}_{li}_{d:%m%d}", integer=False)
        um.h[(gi, li, d)] = var
        um.rides_of[gi].append(var)
        hv.append((var, 1))
        by_county[g.county].append((var, 1))
        size_c[g.county] += g.size
        um.m.cost(var, earliness_fen * (d - g.release).days)
    return hv, by_county, size_c


def _feeders(
    um: UnitModel, li: int, d: dt.date, riders: Terms, fcap: int, seats: int, cost_fen: int
) -> None:
    """Feeders of the train (line ``li``, day ``d``), up to ``ceil(demand / fcap)``, each
    taking ``seats`` of its riders on at ``cost_fen``."""
    demand = um.train_demand[(li, d)]
    zv = um.m.var(0, math.ceil(demand / fcap), f"feeders_{li}_{d:%m%d}")
    um.z[(li, d)] = zv
    um.z_cap[(li, d)] = fcap
    um.m.add_le([*riders, (zv, -seats)], 0)
    um.m.cost(zv, cost_fen)
