"""The planning units: the prefectures, merged where a train's catchment spans several (of
one province, or of the provinces a train boards in), largest first; each with its share of
the planning and the bound time."""

from __future__ import annotations

from collections import defaultdict

from planner.optimise.bounding import shares
from planner.optimise.instance import Instance
from planner.optimise.prepare import Person
from planner.optimise.units.shared import context, preparation
from planner.optimise.units.values import Unit
from planner.rules.params import PlanParams

Prefecture = tuple[str, str]  # (province code, prefecture code)


def make_units(inst: Instance, params: PlanParams) -> tuple[Unit, ...]:
    """The planning units of ``inst``, largest first (ties by key).

    A unit's time weight is ``0.2 / units + 0.8 × its people / all people``: small units
    finish at once, the large ones need time. A unit's bound model grows faster than its
    people (groups × days × reach classes) and the small ones close at once, so the bound time
    is shared by squared weights (the largest unit of the demo gets 8 s instead of 4 s, enough
    to branch on its trains)."""
    planned = preparation(inst, params).planned
    by_pref: dict[Prefecture, list[Person]] = defaultdict(list)
    for q in planned:
        o = inst.origins[q.county]
        by_pref[(o.province_code, o.prefecture_code)].append(q)
    root = _joined_by_trains(inst, params, by_pref)
    people: dict[str, list[Person]] = defaultdict(list)
    province: dict[str, str] = {}
    for k in sorted(by_pref):
        name = f"{root[k][0]}/{root[k][1]}"
        people[name].extend(by_pref[k])
        province[name] = root[k][0]
    keys = sorted(people, key=lambda u: (-len(people[u]), u))
    total = max(1, len(planned))
    n_units = max(1, len(keys))
    weights = [_weight(len(people[u]), n_units, total) for u in keys]
    bound_weights = [w * w for w in weights]
    bound_shares = shares(bound_weights)
    return tuple(
        Unit(
            key=u,
            province=province[u],
            people=tuple(people[u]),
            weight=weights[i],
            weight_left=sum(weights[i:]),
            bound_weight=bound_weights[i],
            bound_share=bound_shares[i],
        )
        for i, u in enumerate(keys)
    )


def _weight(people: int, n_units: int, total: int) -> float:
    """A unit's share of a phase: small units finish at once, the large ones need time."""
    return 0.2 / n_units + 0.8 * people / max(1, total)


def _joined_by_trains(
    inst: Instance, params: PlanParams, by_pref: dict[Prefecture, list[Person]]
) -> dict[Prefecture, Prefecture]:
    """Each prefecture's unit, named by one of its prefectures: those a train line's
    catchment spans are joined (union-find), across provinces for a train boarding in two."""
    ctx = context(inst, params)
    parent: dict[Prefecture, Prefecture] = {k: k for k in by_pref}
    counties = sorted({q.county for qs in by_pref.values() for q in qs})
    for ln in ctx.lines_for(counties):
        origins = [inst.origins[c] for c in ln.catchment]
        prefs = sorted({(o.province_code, o.prefecture_code) for o in origins})
        for other in prefs[1:]:
            parent[_find(parent, other)] = _find(parent, prefs[0])
    return {k: _find(parent, k) for k in by_pref}


def _find(parent: dict[Prefecture, Prefecture], k: Prefecture) -> Prefecture:
    while parent[k] != k:
        k = parent[k]
    return k
