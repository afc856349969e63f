"""The bound model of one planning unit: a relaxation whose optimum is no larger than the cost
of any plan obeying the rules, and its answer (``ModelBound``).

It is the composition of the rules (``bound_model``) with costs under-estimated (a coach priced
at the drive to its passengers' farthest reach class), windows widened, load caps relaxed to the
best cap already in force, trains continuous unless ``whole_trains``, no vehicle limits, and
mixed-integer rounding cuts (``_rounding_cuts``). ``solve_bound`` returns the best bound of its
LP relaxation, (large units whose LP runs part of a train) its trains-first relaxation and the
whole MIP.

The lower bound
---------------
Let a *plan* be any set of trips obeying the rules stated in ``planner.optimise`` (coach trips
board in one county or in counties of one prefecture within ``pickup_radius_km`` of the first
pickup, which is the farthest from the hub, and have the same load-cap rows; a train boards at
one to three stations in calling order, the people of a county at its nearest of them in the
county's own province, walking in or by collector; every person not sent home alone by this
plan's own rule — registered ``own``, or a seat-seeker the plan strands — is carried, comes
alone (``either`` only) or stays unserved at ``unmet_penalty`` each; recruits go to the
employers ``prepare`` matched them to). Its objective is ``Z = trip costs + subsidies of people
coming alone + penalty × unserved``. For each planning unit the ``bound`` model is a relaxation
of the plans restricted to that unit's people, with costs never above the real ones:

* a coach whose first pickup is county ``a`` drives a closed tour through ``a`` and at least one
  employer, so by the triangle inequality (road km = factor × great-circle km is a metric) at
  least ``2·dmin(a)`` km, ``dmin`` being the least distance from ``a`` to any employer; above
  ``two_driver_km`` it needs two drivers; its hire days are at least those of ``min_elapsed``:
  each driver drives at most 8 h in any 24 h, so driving ``2·dmin(a)`` (less half a minute
  for the rounding of each leg to whole minutes: a leg to each county of ``a``'s pool and to
  at most one employer per seat) from the earliest allowed start time cannot end sooner;
* such a coach also drives, for each person ``q`` on board (from county ``c`` to employer
  ``e``), at least ``km(a, c) + km(c, e) + km(e, a)`` (a closed tour through those places), so
  at least ``2·dmin(a) + r(q)`` with ``r(q)`` the least of ``km(a', c) + km(c, e) + km(e, a')
  − 2·dmin(a')`` over the counties ``a'`` whose coaches may board ``c``. People are put in
  reach classes (0 and whole km at ``REACH_QUANTILES`` of the unit's ``r``); a coach of class
  ``j`` is priced at ``2·dmin(a) + level_j`` km (its least hire days too) and, for every
  ``j``, the riders of class ``j`` or more fit in the coaches of class ``j`` or more. A plan's
  coach maps to the class of its passengers' largest reach, which it drives at least;
* nobody from county ``c`` arrives sooner than ``dmin(c)`` driven the same way with two drivers,
  nor sooner than their train's arrival;
* shifting every vehicle of a plan to the latest day all its passengers still allow (the least
  of their last possible departure days, ``min(deadline − lag, depart_by)`` with ``depart_by``
  the service level ``release + max_wait_days`` — always one of the model's candidate days)
  keeps every window, the service level included; the model gives each vehicle the best load
  cap in force on any day up to then, so its capacity never shrinks; vehicle limits are dropped;
* trains count in whole numbers (a bound unit holds every county its trains may carry); a
  train leaves at ``train_depart_time``, so its feeders leave ``feeder_lag`` days after it, on
  or before ``feeder_lag`` days after the shifted day; a feeder serves one train, costs at
  least its daily fee plus twice the least km from the arrival station to an employer, and
  carries at most the best cap in force up to that day: feeders of the trains shifted to one
  day count in whole numbers, ≥ their riders ÷ that cap;
* collectors serve one county and one train each and are ``feeder_vehicle`` coaches driving
  from the county to a station of the train and back (≥ 2·km by the triangle inequality, km
  to the nearest of the train's stations: the bound's price is the least over its stations,
  so it holds whichever station a collector goes to), hired ≥ 1 day
  with ≥ 1 driver, carrying at most the best cap in force up to the train's (shifted) day:
  per county and shifted day they count in whole numbers, ≥ riders ÷ that cap, at that least
  cost each;
* who rides what is continuous; vehicle counts are integers. Rows every integer solution
  keeps are added to tighten the relaxation: no vehicle counts for more seats than there are
  people who may ride it; a county's riders of one (anchor, day) or one train are at most its
  people there times the vehicles (none ride where none runs); and the mixed-integer rounding
  cuts of ``_rounding_cuts`` (a county's last few people pay for a whole coach or go
  another way).

So every plan maps to a solution of the bound models of no larger cost. Each model's bound is
the largest of its LP optimum (GLOP, lowered by a relative 1e-7 and 1 fen for floating point),
SCIP's proven dual bound and, for a large model whose LP runs part of a train, SCIP's bound of
the same model with only its trains and their feeders in whole numbers (a relaxation of it);
all are ≤ its optimum. Adding the costs no plan of the stated kind avoids (fixed trips;
subsidies of ``own`` and stranded people), ``LB = Σ B + constants``
bounds ``Z``; for any plan leaving no more than this plan's ``U`` people unserved (among those
the bound models carry), the public money is at least ``LB − penalty × U``: that is
``summary.lower_bound`` (``U`` is 0 when everyone who can be carried is).
``gap = (cost − lower_bound) / cost``. The bound says nothing about the choice of whom to strand
or which recruit goes to which employer: those are inputs of the stated model.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from planner.optimise.linmodel import LinModel, Solution, solve_model
from planner.optimise.model import coaches, reach, self_return, served, trains
from planner.optimise.model.context import Context
from planner.optimise.model.groups import build_groups
from planner.optimise.model.state import UnitModel
from planner.optimise.prepare import Person

TRAINS_FIRST_SHARE = 0.95  # part of a unit's time for its trains-first relaxation
TRAINS_FIRST_WORK = 10  # its work limit, × the unit's (its nodes are cheap)
TRAINS_FIRST_MIN_VARS = 10_000  # trains first on models this large (smaller: whole MIP)
# GLOP's seconds on a bound model grow with the square of its columns: about 3–5e-9 s × n² on
# this machine's core (1.5 s for the 21,700 columns of a 5,800-person unit). Under a clock a
# model whose time cannot hold its LP and a short MIP after it stops at the LP: its MIP would
# get nothing from SCIP but overrun the limit (SCIP stops only after its own root LP).
LP_SECONDS_PER_COLUMN2 = 5e-9
MIP_MIN_S = 0.2  # SCIP's least useful time after the LP
LP_ONLY_MIN_S = 0.05  # a model whose LP takes less is small: SCIP closes it in its least time


def lp_seconds(columns: int) -> float:
    """A cautious estimate of the seconds GLOP takes on a bound model of ``columns``."""
    return LP_SECONDS_PER_COLUMN2 * columns * columns


@dataclass(frozen=True)
class ModelBound:
    """What the bound model of one planning unit proved: no plan (see the module's docstring
    for why ``value`` bounds the unit's part of any plan's cost)."""

    value: float  # fen: the best proven lower bound on the model's optimum (0 if none)
    status: str  # each solve and its status, e.g. "lp OPTIMAL, trains OPTIMAL, mip OPTIMAL"
    objective: float  # fen: the last solve's best solution of the relaxation (not a plan)
    wall_s: float  # seconds, the model's building included
    det_time: float  # the last solve's deterministic time


def bound_model(
    ctx: Context, people: Sequence[Person], *, whole_trains: bool = False
) -> UnitModel:
    """The bound model of the unit of ``people`` (without those the plan strands);
    ``whole_trains``: count trains in whole numbers (valid when ``people``
    holds every county of the trains' catchments)."""
    counties = sorted({q.county for q in people})
    lines = ctx.lines_for(counties)
    groups, pools, _cand, levels = build_groups(ctx, people, lines, True, False)
    um = UnitModel(ctx, groups, pools, lines, levels)
    coaches.bound_coaches(um)
    coaches.coach_rides(um, 0)
    coaches.capacity_rows(um)
    coaches.bound_county_rows(um)
    reach.bound_reach_rows(um)
    trains.bound_trains(um, whole_trains)
    served.everyone_served_or_explained(um, self_return.bound_come_alone)
    _rounding_cuts(um)
    return um


def solve_bound(
    ctx: Context,
    people: Sequence[Person],
    *,
    time_limit_s: float,
    work_limit: float | None,
    backend: str = "scip",
    whole_trains: bool = False,
    lp_only: bool = False,
) -> ModelBound:
    """Build and solve the bound model of one planning unit.

    Parameters
    ----------
    ctx
        Shared data.
    people
        The unit's people to carry, without those the plan strands.
    time_limit_s, work_limit
        Wall-clock budget (counted from this call); deterministic budget (SCIP nodes =
        10 × work_limit).
    whole_trains
        Count trains in whole numbers (valid when ``people`` holds every county of the
        trains' catchments).
    lp_only
        Stop at the LP relaxation (a valid bound in a fraction of the time, for a model whose
        time is up).
    """
    begun = time.perf_counter()
    um = bound_model(ctx, people, whole_trains=whole_trains)
    return solve_bound_model(
        um,
        begun=begun,
        time_limit_s=time_limit_s,
        work_limit=work_limit,
        backend=backend,
        whole_trains=whole_trains,
        lp_only=lp_only,
    )


def solve_bound_model(
    um: UnitModel,
    *,
    begun: float,
    time_limit_s: float,
    work_limit: float | None,
    backend: str,
    whole_trains: bool,
    lp_only: bool,
) -> ModelBound:
    """Solve a model of ``bound_model`` (see ``solve_bound``; ``begun``: the
    ``time.perf_counter()`` the time limit counts from)."""
    m, seed = um.m, um.ctx.params.seed
    if work_limit is None and not lp_only:
        lp_only = not _time_for_mip(um, begun, time_limit_s)
    # The LP relaxation always gives a bound; the MIP's proven bound is usually better.
    lp = solve_model(m, backend="lp", time_limit_s=time_limit_s, work_limit=None, seed=seed)
    best = lp.bound * (1 - 1e-7) - 1 if lp.feasible else 0.0
    statuses = [f"lp {lp.status}"]
    if lp_only:
        return _result(lp, best, statuses, begun)
    # Without its primal heuristics SCIP may find no solution in its time and then reports
    # no bound: it starts from one (everyone unserved), which every row allows.
    unserved = [0.0] * len(m.lb)
    for gi, g in enumerate(um.groups):
        unserved[um.u[gi]] = g.size
    fractional = lp.feasible and any(
        abs(lp.values[x] - round(lp.values[x])) > 1e-6 for x in um.k.values()
    )
    if whole_trains and fractional and len(m.lb) >= TRAINS_FIRST_MIN_VARS:
        tr = _trains_first(um, unserved, begun, time_limit_s, work_limit, backend)
        if tr.feasible:
            best = max(best, tr.bound)
        statuses.append(f"trains {tr.status}")
        if work_limit is None and not _time_for_mip(um, begun, time_limit_s):
            # what is left would not hold SCIP's root LP: the whole MIP would prove nothing
            # better and only overrun the unit's time (the units after it would lose it)
            return _result(tr, best, statuses, begun)
    sol = solve_model(
        m,
        backend=backend,
        time_limit_s=max(MIP_MIN_S, time_limit_s - (time.perf_counter() - begun)),
        work_limit=work_limit,
        seed=seed,
        hint=unserved,
        dual_only=True,
    )
    best = max(best, sol.bound if sol.feasible else -math.inf)
    statuses.append(f"mip {sol.status}")
    return _result(sol, best, statuses, begun)


def _time_for_mip(um: UnitModel, begun: float, time_limit_s: float) -> bool:
    """Whether the time left holds a MIP of the model: its LP (``lp_seconds``, 1.5 × for
    safety) and SCIP's least useful time after it. A model whose LP is estimated under
    ``LP_ONLY_MIN_S`` is small: SCIP closes it in its least time."""
    lp_s = lp_seconds(len(um.m.lb))
    left = time_limit_s - (time.perf_counter() - begun)
    return lp_s < LP_ONLY_MIN_S or left >= 1.5 * lp_s + MIP_MIN_S


def _result(sol: Solution, best: float, statuses: list[str], begun: float) -> ModelBound:
    return ModelBound(
        value=best,
        status=", ".join(statuses),
        objective=sol.objective,
        wall_s=time.perf_counter() - begun,
        det_time=sol.det_time,
    )


def _trains_first(
    um: UnitModel,
    unserved: list[float],
    begun: float,
    time_limit_s: float,
    work_limit: float | None,
    backend: str,
) -> Solution:
    """Trains first: the model with only the trains and their feeders in whole numbers (every
    other count continuous) is a relaxation too, and SCIP closes it in a few nodes: about the
    least LP over the trains' configurations. On a large model SCIP's root of the whole takes
    most of the unit's time (4 s on the demo's largest unit) and gains less."""
    m = um.m
    whole = set(um.k.values()) | set(um.z.values())
    relaxed = LinModel(
        lb=m.lb,
        ub=m.ub,
        names=m.names,
        integer=[ii and x in whole for x, ii in enumerate(m.integer)],
        cons=m.cons,
        obj=m.obj,
    )
    remaining = time_limit_s - (time.perf_counter() - begun)
    return solve_model(
        relaxed,
        backend=backend,
        time_limit_s=max(0.2, TRAINS_FIRST_SHARE * remaining),
        work_limit=None if work_limit is None else TRAINS_FIRST_WORK * work_limit,
        seed=um.ctx.params.seed,
        hint=unserved,
        dual_only=True,
        quick_root=True,
    )


def _rounding_cuts(um: UnitModel) -> None:
    """Mixed-integer rounding cuts on the coaches a county's people need.

    For a set ``S`` of groups, the coaches that may carry them (all ``(anchor, day)`` options
    of ``S``; for reach class ``j``, those of class ``j`` or more) hold at most ``c`` people
    each (``c`` the largest cap among them), and everyone of ``S`` not on them comes alone,
    rides a train or stays unserved (``R``): ``c·N + R ≥ size(S)``. With ``size = c·k + r``,
    ``0 < r < c``, every integer ``N`` satisfies ``r·N + R ≥ r·(k + 1)`` (if ``N ≤ k``,
    ``R ≥ c·(k − N) + r ≥ r·(k + 1 − N)``). The LP relaxation alone lets a county's last
    few people ride a fraction of a coach; this makes them pay for a whole one or go
    another way."""
    groups = um.groups
    others: dict[int, list[int]] = defaultdict(list)
    for gi, var in um.s.items():
        others[gi].append(var)
    for gi, var in um.u.items():
        others[gi].append(var)
    for (gi, _li, _d), var in um.h.items():
        others[gi].append(var)
    by_county: dict[str, list[int]] = defaultdict(list)
    for gi, g in enumerate(groups):
        by_county[g.county].append(gi)
    seen: set[tuple[tuple[int, ...], int]] = set()

    def cut(members: Sequence[int], level: int) -> None:
        members = tuple(sorted(gi for gi in members if groups[gi].reach >= level))
        if not members or (members, level) in seen:
            return
        seen.add((members, level))
        opts = sorted({o for gi in members for o in groups[gi].coach})
        terms: dict[int, int] = {}
        for a, d in opts:
            row = (
                um.cap_terms.get((a, d), [])
                if level == 0
                else um.reach_terms.get((a, d, level), [])
            )
            for var, neg_cap in row:
                terms[var] = -neg_cap
        size = sum(groups[gi].size for gi in members)
        if not terms:
            return
        c = max(terms.values())
        k, r = divmod(size, c)
        if r == 0:
            return
        row_terms = [(var, -r) for var in sorted(terms)]
        row_terms += [(var, -1) for gi in members for var in others[gi]]
        um.m.add_le(row_terms, -r * (k + 1))

    top = max((g.reach for g in groups), default=0)
    for _c, members in sorted(by_county.items()):
        for level in range(top + 1):
            cut(members, level)
        for gi in members:
            cut([gi], 0)
