"""Vehicle limits (plan only): on each day no more coaches of a kind, nor trains of a line,
are on the road than the fleet holds, less those earlier units and fixed trips already use.

A coach counts on each day of its estimated hire (``Context.plan_coach`` of its anchor with
the anchor's pool: the builder's coach boards there, and a long run's detours and stops can
bring it back a day later); feeder-kind coaches also count as collectors
on their train's day and as feeders on its arrival day; a train counts from its departure to
its arrival. The bound drops these limits.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence

from planner.optimise.model.context import Context
from planner.optimise.model.state import UnitModel
from planner.optimise.prepare import Person


def short_of_vehicles(
    ctx: Context, people: Sequence[Person], used: Mapping[tuple[str, dt.date], int]
) -> bool:
    """Whether some coach kind has, on some day, fewer free vehicles than one per 20 of the
    unit's people: then earlier departure days are offered too, so coaches can take turns."""
    spread = False
    for v in ctx.coach_types:
        if v.available is None:
            continue
        free = min(v.available - used.get((v.name, d), 0) for d in ctx.days)
        if free < len(people) / 20:
            spread = True
    return spread


def vehicle_limits(um: UnitModel) -> None:
    """Coaches of each limited kind, then trains of each limited line, per day."""
    _coach_limits(um)
    _train_limits(um)


def _coach_limits(um: UnitModel) -> None:
    ctx, used = um.ctx, um.used
    for v in ctx.coach_types:
        if v.available is None:
            continue
        per_day: dict[dt.date, list[int]] = defaultdict(list)
        for (a, d, name), var in um.n.items():
            if name != v.name:
                continue
            _lag, hire, _dr = ctx.plan_coach(a, um.pools[a])
            for x in range(hire):
                per_day[d + dt.timedelta(days=x)].append(var)
        if v.name == ctx.feeder.name:
            for (_c, _li, d), var in um.q.items():
                per_day[d].append(var)
            for (li, d), var in um.z.items():
                per_day[d + dt.timedelta(days=um.lines[li].lag_plan)].append(var)
        for day, vars_ in sorted(per_day.items()):
            left = max(0, v.available - used.get((v.name, day), 0))
            if len(vars_) > 0:
                um.m.add_le([(x, 1) for x in vars_], left)


def _train_limits(um: UnitModel) -> None:
    used = um.used
    for ln in um.lines:
        v = ln.vehicle
        if v.available is None:
            continue
        per_day: dict[dt.date, list[int]] = defaultdict(list)
        for (li, d), var in um.k.items():
            if um.lines[li] is not ln:
                continue
            for x in range(ln.lag_bound + 1):
                per_day[d + dt.timedelta(days=x)].append(var)
        for day, vars_ in sorted(per_day.items()):
            um.m.add_le([(x, 1) for x in vars_], max(0, v.available - used.get((v.name, day), 0)))
