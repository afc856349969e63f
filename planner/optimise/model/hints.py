"""Starts for the plan model's search: greedy savings over coaches, alone or preceded by
greedy savings over special trains.

Savings: repeatedly hire the coach (county, day, kind) whose passengers' alternative (coming
alone, at the model's price) saves the most over its cost, filling it with the people who gain
most (tight windows first); stop when no coach saves money; the rest come alone. Trains first:
run the train whose riders' alternative — coming alone or a seat on a full coach — costs most
over the train and its collectors' and feeders' share, the same way. Vehicle limits are
respected by both.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence

from planner.optimise.linmodel import is_feasible, objective_of
from planner.optimise.model.state import UnitModel

Take = list[tuple[int, int, int]]  # (group, ride variable, people)


def plan_start(um: UnitModel) -> list[float]:
    """The better of the savings start and (with trains) the trains-first one."""
    m = um.m
    hint = savings_hint(um)
    if um.k:
        first = savings_hint(um, trains_first=True)
        if is_feasible(m, first) and (
            not is_feasible(m, hint) or objective_of(m, first) < objective_of(m, hint)
        ):
            hint = first
    return hint


def savings_hint(um: UnitModel, trains_first: bool = False) -> list[float]:
    """A good plan to start from, by greedy savings (see the module's docstring); with
    ``trains_first``, special trains are chosen first the same way (``_trains_first``)."""
    m, groups, n = um.m, um.groups, um.n
    vals: list[float] = [0.0] * len(m.lb)
    remaining = [g.size for g in groups]
    members: dict[tuple[str, dt.date], list[tuple[int, int]]] = defaultdict(list)
    for (gi, a, d), var in um.f.items():
        members[(a, d)].append((gi, var))
    n_opts = [len(g.coach) for g in groups]
    alone = [m.obj.get(um.s[gi], 0) for gi in range(len(groups))]
    hire = {a: um.ctx.plan_coach(a, um.pools[a])[1] for a, _d in members}
    out: dict[tuple[str, dt.date], int] = defaultdict(int)
    out.update(um.used)
    if trains_first:
        _trains_first(um, vals, remaining, out)
    fleet = {v.name: v for v in um.ctx.coach_types}
    by_ad: dict[tuple[str, dt.date], list[str]] = defaultdict(list)
    for a, d, name in n:
        by_ad[(a, d)].append(name)
    cache: dict[tuple[str, dt.date, str], tuple[float, Take]] = {}
    group_keys: dict[int, list[tuple[str, dt.date]]] = defaultdict(list)
    for key, mem in members.items():
        for gi, _var in mem:
            group_keys[gi].append(key)

    gainers = _gainers(members, alone, n_opts, m.obj)

    def evaluate(a: str, d: dt.date, name: str) -> tuple[float, Take]:
        waiting = [c for c in gainers.get((a, d), ()) if remaining[c[1]] > 0]
        gain, take = _fill(um.n_cap[(a, d, name)], waiting, remaining)
        return gain - m.obj.get(n[(a, d, name)], 0), take

    hired_days = {key: [key[1] + dt.timedelta(days=x) for x in range(hire[key[0]])]
                  for key in members}

    def free(a: str, d: dt.date, name: str) -> bool:
        v = fleet[name]
        return v.available is None or all(
            out.get((name, day), 0) + 1 <= v.available for day in hired_days[(a, d)]
        )

    dirty: set[tuple[str, dt.date, str]] = set(n)
    order = sorted(n)
    while True:
        for ck in dirty:
            cache[ck] = evaluate(*ck)
        dirty = set()
        best: tuple[float, tuple[str, dt.date, str], Take] | None = None
        for ck in order:
            gain, take = cache[ck]
            # Free last: it only decides between coaches that would be the best so far.
            if gain > 0 and take and (best is None or gain > best[0]) and free(*ck):
                best = (gain, ck, take)
        if best is None:
            break
        _gain, chosen, take = best
        a, d, name = chosen
        vals[n[chosen]] += 1
        for day in hired_days[(a, d)]:
            out[(name, day)] = out.get((name, day), 0) + 1
        for gi, var, k in take:
            remaining[gi] -= k
            vals[var] += k
            for kk in group_keys[gi]:
                for nm in by_ad[kk]:
                    dirty.add((kk[0], kk[1], nm))
        dirty.add(chosen)
    for gi, r in enumerate(remaining):
        vals[um.s[gi]] += r
    return vals


def _gainers(
    members: dict[tuple[str, dt.date], list[tuple[int, int]]],
    alone: Sequence[float],
    n_opts: Sequence[int],
    obj: Mapping[int, float],
) -> dict[tuple[str, dt.date], list[tuple[float, int, int]]]:
    """Per (county, day), the groups a seat there saves money for — (value a person, group,
    ride variable) — most valuable first, then fewest coach options, then group. The prices
    are fixed, so this is sorted once; a coach is filled from the groups still waiting."""
    out: dict[tuple[str, dt.date], list[tuple[float, int, int]]] = {}
    for key, mem in members.items():
        cands = []
        for gi, var in mem:
            value = alone[gi] - obj.get(var, 0)
            if value > 0:
                cands.append((value, n_opts[gi], gi, var))
        cands.sort(key=lambda c: (-c[0], c[1], c[2]))
        out[key] = [(c[0], c[2], c[3]) for c in cands]
    return out


def _fill(
    room: int, cands: list[tuple[float, int, int]], remaining: list[int], gain: float = 0.0
) -> tuple[float, Take]:
    """Fill ``room`` seats with the candidates (value a person, group, ride variable) in the
    order given: ``gain`` plus the value gained, and who takes how many seats."""
    take: Take = []
    for value, gi, var in cands:
        if room <= 0:
            break
        k = min(room, remaining[gi])
        take.append((gi, var, k))
        gain += value * k
        room -= k
    return gain, take


def _alternatives(um: UnitModel) -> list[float]:
    """Each group's cheaper way than a train, a person: coming alone or a seat on a full
    coach from their county (at the model's prices)."""
    m = um.m
    alt = [float(m.obj.get(um.s[gi], 0)) for gi in range(len(um.groups))]
    for (gi, a, d), var in um.f.items():
        for v in um.ctx.coach_types:
            nk = (a, d, v.name)
            if nk in um.n:
                seat = m.obj.get(um.n[nk], 0) / max(1, um.n_cap[nk]) + m.obj.get(var, 0)
                alt[gi] = min(alt[gi], seat)
    return alt


def _trains_first(
    um: UnitModel, vals: list[float], remaining: list[int], out: dict[tuple[str, dt.date], int]
) -> None:
    """Greedy savings over special trains: repeatedly run the train (line, day) whose riders'
    alternative (``_alternatives``) saves most over the train and its collectors' and feeders'
    share; collectors and feeders are then counted whole. Vehicle limits are respected."""
    m, lines = um.m, um.lines
    alt = _alternatives(um)
    riders: dict[tuple[int, dt.date], list[tuple[int, int]]] = defaultdict(list)
    for (gi, li, d), var in um.h.items():
        riders[(li, d)].append((gi, var))

    def per_person(gi: int, li: int, d: dt.date, var: int) -> float:
        cost = m.obj.get(var, 0) + m.obj.get(um.z[(li, d)], 0) / max(1, um.z_cap[(li, d)])
        qk = (um.groups[gi].county, li, d)
        if qk in um.q:
            cost += m.obj.get(um.q[qk], 0) / max(1, um.q_cap[qk])
        return cost

    def days_of(li: int, d: dt.date) -> list[dt.date]:
        return [d + dt.timedelta(days=x) for x in range(lines[li].lag_bound + 1)]

    while True:
        best: tuple[float, tuple[int, dt.date], Take] | None = None
        for key in sorted(riders):
            li, d = key
            v = lines[li].vehicle
            if v.available is not None and any(
                out.get((v.name, day), 0) + 1 > v.available for day in days_of(li, d)
            ):
                continue
            cands = []
            for gi, var in riders[key]:
                if remaining[gi] > 0:
                    value = alt[gi] - per_person(gi, li, d, var)
                    if value > 0:
                        cands.append((value, gi, var))
            cands.sort(key=lambda c: (-c[0], c[1]))
            # The sum starts at minus the train's cost (the order of a float sum decides ties).
            gain, take = _fill(um.k_cap[key], cands, remaining, -float(m.obj.get(um.k[key], 0)))
            if take and gain > 0 and (best is None or gain > best[0]):
                best = (gain, key, take)
        if best is None:
            break
        _gain, (li, d), take = best
        vals[um.k[(li, d)]] += 1
        name = lines[li].vehicle.name
        for day in days_of(li, d):
            out[(name, day)] = out.get((name, day), 0) + 1
        for gi, var, cnt in take:
            vals[var] += cnt
            remaining[gi] -= cnt
    _whole_collectors_and_feeders(um, vals, out)


def _whole_collectors_and_feeders(
    um: UnitModel, vals: list[float], out: dict[tuple[str, dt.date], int]
) -> None:
    """Whole collectors and feeders for what the trains of ``vals`` carry."""
    load_z: dict[tuple[int, dt.date], float] = defaultdict(float)
    load_q: dict[tuple[str, int, dt.date], float] = defaultdict(float)
    for (gi, li, d), var in um.h.items():
        if vals[var]:
            load_z[(li, d)] += vals[var]
            if (um.groups[gi].county, li, d) in um.q:
                load_q[(um.groups[gi].county, li, d)] += vals[var]
    fname = um.ctx.feeder.name
    for key, load in load_z.items():
        cnt = math.ceil(load / max(1, um.z_cap[key]))
        vals[um.z[key]] = cnt
        day = key[1] + dt.timedelta(days=um.lines[key[0]].lag_plan)
        out[(fname, day)] = out.get((fname, day), 0) + cnt
    for qk, load in load_q.items():
        cnt = math.ceil(load / max(1, um.q_cap[qk]))
        vals[um.q[qk]] = cnt
        out[(fname, qk[2])] = out.get((fname, qk[2]), 0) + cnt
