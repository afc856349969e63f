"""The plan model of one planning unit, and its answer (``Decision``).

The model decides, for the people of one unit (a prefecture, or the prefectures a special
train's catchment joins) who want organised transport, how many coaches of each kind leave
from each county on each candidate day, which people ride them (counties of one prefecture
within ``pickup_radius_km`` may share a coach whose first pickup is the farthest), how many
special trains leave on which day and who takes them (with collector coaches to the station
and feeder coaches from the arrival station), who is advised to come alone and who cannot be
served. Vehicle counts are integers; who rides what is continuous (rounded afterwards, largest
remainders first; the flow part is a transportation problem, so solutions are mostly whole).

It is the composition of the rules (``plan_model``): coaches at estimated real costs (drop-off
allowance, pickup detours shared by 8) seating the load cap in force, a tie-break of 1 yuan per
person and day of waiting, trains with collectors and feeders, everyone served or explained (a
seat-seeker sent home alone costs ``seat_cost_multiple`` × their subsidy) and the vehicles
available per day.

The search (``solve_plan``) starts from the best of three plans — a greedy "savings" plan, the
same preceded by greedy savings over special trains (``hints``), and the LP relaxation with
vehicle counts rounded up — improves it by RINS and then SCIP within the time or node budget.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from planner.optimise.budget import MIN_SOLVE_S
from planner.optimise.linmodel import Solution, is_feasible, objective_of, solve_model, solve_rins
from planner.optimise.model import coaches, limits, reach, self_return, served, trains
from planner.optimise.model.context import Context
from planner.optimise.model.groups import Group, TrainLine, build_groups
from planner.optimise.model.hints import plan_start
from planner.optimise.model.state import UnitModel
from planner.optimise.prepare import Person

EARLINESS_FEN = 100  # a tie-break, per person and day of waiting after release
SPLIT_RINS_INTEGERS = 1000  # larger units get one RINS per prefecture


@dataclass
class Decision:
    """What the plan model decided for one planning unit."""

    coaches: dict[tuple[str, dt.date], dict[str, int]]  # (anchor, day) -> vehicle name -> count
    coach_flow: dict[tuple[int, str, dt.date], int]  # (group, anchor, day) -> people
    trains: dict[tuple[int, dt.date], int]  # (line, day) -> trains
    train_flow: dict[tuple[int, int, dt.date], int]  # (group, line, day) -> people
    self_return: dict[int, int]
    unmet: dict[int, int]
    groups: list[Group]
    lines: list[TrainLine]
    objective: float
    bound: float
    status: str
    wall_s: float
    det_time: float


def plan_model(
    ctx: Context,
    people: Sequence[Person],
    used: Mapping[tuple[str, dt.date], int] | None = None,
) -> UnitModel:
    """The plan model of the unit of ``people``, with the
    vehicles ``used`` per (vehicle name, day) by earlier units taken off what is available."""
    used = used or {}
    counties = sorted({q.county for q in people})
    lines = ctx.lines_for(counties)
    # Offer earlier departure days too when vehicles may run short for this unit.
    spread = limits.short_of_vehicles(ctx, people, used)
    groups, pools, _cand, levels = build_groups(ctx, people, lines, False, spread)
    um = UnitModel(ctx, groups, pools, lines, levels, used)
    coaches.plan_coaches(um)
    coaches.coach_rides(um, EARLINESS_FEN)
    coaches.capacity_rows(um)
    reach.plan_pickup_detours(um)
    trains.plan_trains(um, EARLINESS_FEN)
    served.everyone_served_or_explained(um, self_return.plan_come_alone)
    limits.vehicle_limits(um)
    return um


def solve_plan(
    ctx: Context,
    people: Sequence[Person],
    *,
    time_limit_s: float,
    work_limit: float | None,
    used: Mapping[tuple[str, dt.date], int] | None = None,
    backend: str = "scip",
) -> Decision:
    """Build and solve the plan model of one planning unit.

    Parameters
    ----------
    ctx
        Shared data.
    people
        The unit's people to carry.
    time_limit_s, work_limit
        Wall-clock budget (counted from this call, the model's building included);
        deterministic budget (SCIP nodes = 10 × work_limit).
    used
        Vehicles already on the road per (vehicle name, day).
    backend
        The MIP solver of the final search.
    """
    begun = time.perf_counter()
    um = plan_model(ctx, people, used)
    m, seed = um.m, ctx.params.seed
    hint = plan_start(um)
    if work_limit is None and time.perf_counter() - begun >= time_limit_s and is_feasible(m, hint):
        # Time is up (a unit planned after the planning phase): its start is its plan, without
        # the LP (tenths of a second on a large unit) that only the other start and RINS use.
        return _read(um, Solution(hint, objective_of(m, hint), -math.inf, "START", 0.0, 0.0, True))
    # A second start: the LP relaxation with every vehicle count rounded up.
    lp = solve_model(m, backend="lp", time_limit_s=time_limit_s, work_limit=None, seed=seed)
    if lp.feasible:
        rounded = [
            math.ceil(v - 1e-6) if isint else v
            for v, isint in zip(lp.values, m.integer, strict=True)
        ]
        if is_feasible(m, rounded) and (
            not is_feasible(m, hint) or objective_of(m, rounded) < objective_of(m, hint)
        ):
            hint = rounded
    spent, split = 0.0, False
    if lp.feasible and is_feasible(m, hint):
        hint, spent, split = _improve_by_rins(um, lp, hint, begun, time_limit_s, work_limit)
    time_up = work_limit is None and time.perf_counter() - begun >= time_limit_s
    if split:
        # SCIP's root on the whole of such a unit takes longer than all its RINS together.
        sol = Solution(list(hint), objective_of(m, hint), lp.bound, "RINS", spent, 0.0, True)
    elif time_up and is_feasible(m, hint):
        # Building SCIP's model alone takes tenths of a second on a large unit.
        sol = Solution(list(hint), objective_of(m, hint), lp.bound, "START", spent, 0.0, True)
    else:
        sol = solve_model(
            m,
            backend=backend,
            time_limit_s=max(MIN_SOLVE_S, time_limit_s - (time.perf_counter() - begun)),
            work_limit=work_limit,
            seed=seed,
            hint=hint,
        )
    if is_feasible(m, hint) and (not sol.feasible or objective_of(m, hint) < sol.objective - 1e-6):
        sol = Solution(
            list(hint), objective_of(m, hint), sol.bound, "START", sol.wall_s, sol.det_time, True
        )
    return _read(um, sol)


def _improve_by_rins(
    um: UnitModel,
    lp: Solution,
    hint: list[float],
    begun: float,
    time_limit_s: float,
    work_limit: float | None,
) -> tuple[list[float], float, bool]:
    """RINS from ``hint`` (most of the gain, fast; SCIP then searches the whole model from its
    answer). A large unit of several prefectures (joined by a train's catchment) is too big for
    either in its time: each prefecture's coaches get their own RINS, the rest of the unit kept
    as it is. Returns the best start, the seconds spent and whether the unit was split."""
    m = um.m
    parts: dict[str, list[int]] = defaultdict(list)
    for (a, _d, _name), var in um.n.items():
        parts[um.ctx.inst.origins[a].prefecture_code].append(var)
    hoods = (
        [None]
        if len(parts) == 1 or sum(m.integer) <= SPLIT_RINS_INTEGERS
        else [set(v) for _p, v in sorted(parts.items(), key=lambda kv: (-len(kv[1]), kv[0]))]
    )
    sizes = [len(h) if h is not None else 1 for h in hoods]
    spent = 0.0
    for hi, hood in enumerate(hoods):
        # The time limit counts from the model's building: it, its LP, the starts and each
        # RINS's own model count too (on the largest unit they took two seconds beyond a
        # three-second limit).
        time_left = time_limit_s - (time.perf_counter() - begun)
        if work_limit is None and time_left <= 0:
            break  # time is up: the unit keeps the best start so far
        share = sizes[hi] / sum(sizes[hi:])
        rins = solve_rins(
            m,
            lp.values,
            hint,
            time_limit_s=max(MIN_SOLVE_S, 0.9 * time_left * share),
            work_limit=work_limit,
            seed=um.ctx.params.seed,
            free=hood,
        )
        spent += rins.wall_s
        if rins.feasible and rins.objective < objective_of(m, hint) - 1e-6:
            hint = list(rins.values)
    return hint, spent, hoods != [None]


def _read(um: UnitModel, sol: Solution) -> Decision:
    """The plan in whole numbers: flows rounded per group (``_round_flows``); with no
    solution (never seen in practice) everyone comes alone, so the plan stays valid."""
    vals: list[float] = list(sol.values)
    if sol.feasible:
        _round_flows(vals, um)
    else:
        vals = [0.0] * len(um.m.lb)
        for gi, g in enumerate(um.groups):
            vals[um.s[gi]] = g.size
    ivals = [round(x) for x in vals]
    coaches: dict[tuple[str, dt.date], dict[str, int]] = defaultdict(dict)
    for (a, d, name), var in um.n.items():
        if ivals[var]:
            coaches[(a, d)][name] = ivals[var]
    return Decision(
        coaches=dict(coaches),
        coach_flow={key: ivals[var] for key, var in um.f.items() if ivals[var]},
        trains={key: ivals[var] for key, var in um.k.items() if ivals[var]},
        train_flow={key: ivals[var] for key, var in um.h.items() if ivals[var]},
        self_return={gi: ivals[var] for gi, var in um.s.items() if ivals[var]},
        unmet={gi: ivals[var] for gi, var in um.u.items() if ivals[var]},
        groups=um.groups,
        lines=um.lines,
        objective=sol.objective,
        bound=sol.bound,
        status=sol.status,
        wall_s=sol.wall_s,
        det_time=sol.det_time,
    )


def _round_flows(vals: list[float], um: UnitModel) -> None:
    """Round each group's (continuous) flows to whole people, largest remainders first; the
    group's size is kept. Seats overflowing a vehicle are handled when trips are built."""
    per_group: dict[int, list[int]] = defaultdict(list)
    for (gi, _a, _d), var in um.f.items():
        per_group[gi].append(var)
    for (gi, _l, _d), var in um.h.items():
        per_group[gi].append(var)
    for gi, var in um.s.items():
        per_group[gi].append(var)
    for gi, var in um.u.items():
        per_group[gi].append(var)
    for gi, g in enumerate(um.groups):
        vars_ = per_group[gi]
        raw = [max(0.0, float(vals[v])) for v in vars_]
        base = [math.floor(x + 1e-6) for x in raw]
        left = g.size - sum(base)
        order = sorted(range(len(vars_)), key=lambda i: (-(raw[i] - base[i]), i))
        i = 0
        while left > 0 and order:
            base[order[i % len(order)]] += 1
            left -= 1
            i += 1
        while left < 0:  # numerical excess: take from the largest
            j = max(range(len(base)), key=lambda i: (base[i], -i))
            base[j] -= 1
            left += 1
        for v, b in zip(vars_, base, strict=True):
            vals[v] = b
