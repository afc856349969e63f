"""The reach rules: what a coach drives beyond its first pickup's tour to reach its passengers.

The plan charges a pickup in another county of the pool its detour (from the anchor to the
county and on to the hub, less the anchor's own way to the hub), shared by ``DETOUR_SHARE``
people. The bound puts people in reach classes: a class-``j`` coach is priced at
``2·dmin(a) + levels[j]`` km (``coaches.bound_coaches``) and, for every ``j``, the riders of
class ``j`` or more fit in the coaches of class ``j`` or more.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from planner.optimise.model.state import UnitModel

DETOUR_SHARE = 8  # plan only: people assumed to share one pickup detour
REACH_QUANTILES = (0.5, 0.75, 0.9)  # bound: reach classes at these quantiles of a unit's reach


def reach_levels(reaches: Sequence[float]) -> tuple[float, ...]:
    """The bound's reach classes: 0 and whole km at ``REACH_QUANTILES`` of ``reaches``."""
    if not reaches:
        return (0.0,)
    ordered = sorted(reaches)
    cuts = {0.0}
    for f in REACH_QUANTILES:
        cuts.add(float(math.floor(ordered[min(len(ordered) - 1, int(f * len(ordered)))])))
    return tuple(sorted(cuts))


def bound_reach_rows(um: UnitModel) -> None:
    """For each (anchor, day) and reach class ``j`` ≥ 1: its riders of class ``j`` or more fit
    in its coaches of class ``j`` or more."""
    reach_flows: dict[tuple[str, dt.date], list[tuple[int, int]]] = defaultdict(list)
    for (gi, a, d), var in um.f.items():
        reach_flows[(a, d)].append((um.groups[gi].reach, var))
    for (a, d, j), terms in sorted(um.reach_terms.items()):
        vars_ = [x for r, x in reach_flows[(a, d)] if r >= j]
        if vars_:
            um.m.add_le([(x, 1) for x in vars_] + terms, 0)


def plan_pickup_detours(um: UnitModel) -> None:
    """A pickup in another county costs the detour, shared by the people picked up there (a
    per-person estimate keeps the model's relaxation tight; real routes are costed)."""
    ctx = um.ctx
    cpk = min(v.cost_per_km_fen for v in ctx.coach_types)
    per = max(1, DETOUR_SHARE)
    for (c, a, _d), vars_ in sorted(um.flows_cd.items()):
        detour = ctx.inst.km(f"c:{a}", f"c:{c}") + ctx.dhub(c) - ctx.dhub(a)
        for x in vars_:
            um.m.cost(x, round(cpk * max(0.0, detour) / per))
