"""The people of a planning unit as the models see them: groups of one county with the same
options, the pools of counties whose coaches may share a pickup, and the candidate days.

Candidate days: for each deadline, the last day a coach (or train) from each county can leave
and still arrive in time; each person's last departure day under the service level
(``depart_by`` = release + ``max_wait_days``); the first day after each load-cap period ends;
with vehicles short, also 2, 4 and 7 days earlier. A person may ride a vehicle leaving on day
``d`` only if ``release ≤ d ≤ depart_by`` and it arrives by their deadline. Leaving as late
as the windows allow is enough for a cheapest plan when caps only relax over time (see the
bound's proof in ``planner.optimise.model.bound``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from planner.domain import Travel, VehicleType
from planner.optimise.model.reach import reach_levels
from planner.optimise.prepare import Person

if TYPE_CHECKING:
    from planner.optimise.model.context import Context

SPREAD_DAYS = (2, 4, 7)  # plan only, under vehicle limits: earlier departure days offered


@dataclass(frozen=True, slots=True)
class TrainLine:
    """A train type with what the model needs about it.

    ``station_key`` is its first boarding station; ``stations`` every boarding station in
    calling order with the minutes after the first station's departure that it leaves there;
    ``board`` the station each county of the catchment boards at (its nearest).
    """

    index: int
    vehicle: VehicleType
    station_key: str
    dest_key: str
    province: str
    km: float
    lag_plan: int
    lag_bound: int
    feeder_lag: int  # days from the train's departure to its feeders' departure
    earliest: dt.date
    catchment: tuple[str, ...]
    walk_in: frozenset[str]
    stations: tuple[tuple[str, int], ...] = ()
    board: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def boards_at(self, c: str) -> tuple[str, int]:
        """(station key, minutes after the first departure) where county ``c`` boards."""
        key = self.board.get(c, self.station_key)
        return key, dict(self.stations).get(key, 0)


@dataclass
class Group:
    """People of one county with the same options."""

    county: str
    travel: Travel
    subsidy_fen: int
    release: dt.date
    people: list[Person]
    coach: list[tuple[str, dt.date]] = field(default_factory=list)  # (anchor, day)
    train: list[tuple[int, dt.date]] = field(default_factory=list)  # (line, day)
    reach: int = 0  # bound only: the people's reach class (index into ``levels`` of the unit)

    @property
    def size(self) -> int:
        return len(self.people)

    @property
    def train_set(self) -> frozenset[tuple[int, dt.date]]:
        return frozenset(self.train)


def build_groups(
    ctx: Context,
    people: Sequence[Person],
    lines: Sequence[TrainLine],
    bound: bool,
    spread: bool = False,
) -> tuple[list[Group], dict[str, list[str]], list[dt.date], tuple[float, ...]]:
    """Group the people of a province by county and options; also the pools, the days and
    (bound only) the reach classes in km."""
    counties = sorted({q.county for q in people})
    pools = _pools(ctx, counties)
    lag_coach = {a: (ctx.bound_lag(a) if bound else ctx.plan_lag(a, a)) for a in counties}
    cand = _candidate_days(ctx, people, pools, lines, lag_coach, bound, spread)
    members_of: dict[str, list[str]] = defaultdict(list)  # county -> anchors it may ride
    for a, mem in pools.items():
        for c in mem:
            members_of[c].append(a)
    reach_of = {q.id_number: ctx.reach_km(q, members_of[q.county]) for q in people} if bound else {}
    levels = reach_levels(list(reach_of.values()))
    raw: dict[tuple, list[Person]] = defaultdict(list)
    for q in people:
        last = q.deadline if q.depart_by is None else min(q.deadline, q.depart_by)
        reach = 0
        if bound:
            reach = max(i for i, x in enumerate(levels) if x <= reach_of[q.id_number])
        raw[(q.county, q.travel, q.subsidy_fen, q.release, q.deadline, last, reach)].append(q)
    options = _Options(ctx, lines, cand, lag_coach, members_of, bound)
    merged: dict[tuple, Group] = {}
    for (c, travel, sub, r, b, last, reach), persons in sorted(raw.items()):
        coach_opts = options.coach(c, r, b, last)
        train_opts = options.train(c, r, b, last)
        key = (c, travel, sub, tuple(coach_opts), tuple(train_opts), reach)
        if key not in merged:
            merged[key] = Group(c, travel, sub, r, [], coach_opts, train_opts, reach)
        g = merged[key]
        g.people.extend(persons)
        g.release = min(g.release, r)
    groups = list(merged.values())
    for g in groups:
        g.people.sort(key=lambda q: q.order)
    return groups, pools, cand, levels


def _pools(ctx: Context, counties: Sequence[str]) -> dict[str, list[str]]:
    """Anchor -> the counties that may board its coaches (itself first): counties of its
    prefecture with the same load-cap rows, within ``pickup_radius_km`` and nearer the hub."""
    origins = ctx.inst.origins
    pools: dict[str, list[str]] = {}
    for a in counties:
        oa = origins[a]
        members = [a]
        for c in counties:
            if c == a:
                continue
            oc = origins[c]
            if (
                oc.prefecture_code == oa.prefecture_code
                and ctx.cap_signature(c) == ctx.cap_signature(a)
                and ctx.inst.km(f"c:{a}", f"c:{c}") <= ctx.params.pickup_radius_km
                and (ctx.dhub(c), c) < (ctx.dhub(a), a)
            ):
                members.append(c)
        pools[a] = members
    return pools


def _candidate_days(
    ctx: Context,
    people: Sequence[Person],
    pools: dict[str, list[str]],
    lines: Sequence[TrainLine],
    lag_coach: dict[str, int],
    bound: bool,
    spread: bool,
) -> list[dt.date]:
    """The days vehicles may leave on (see the module's docstring), within the plan's days."""
    sc = ctx.inst.scenario
    counties = list(lag_coach)
    deadlines = sorted({q.deadline for q in people})
    days: set[dt.date] = set()
    for b in deadlines:
        for c in counties:
            days.add(b - dt.timedelta(days=lag_coach[c]))
            if not bound:
                for a in counties:
                    if c in pools[a]:
                        days.add(b - dt.timedelta(days=ctx.plan_lag(a, c)))
        for ln in lines:
            days.add(b - dt.timedelta(days=ln.lag_bound if bound else ln.lag_plan))
    # The service level: the last day each person may leave is a latest day too.
    for q in people:
        if q.depart_by is not None:
            days.add(q.depart_by)
    if not bound:
        # Leaving on the day a load cap lifts (then on the latest day each window allows) is
        # enough for a cheapest plan when caps only ever relax; earlier days only help vehicle
        # limits, which the later provinces feel.
        for row in ctx.caps:
            days.add(row.to_date + dt.timedelta(days=1))
        if spread:
            # Vehicle limits: also offer earlier days so coaches can take turns.
            for d in list(days):
                for back in SPREAD_DAYS:
                    days.add(d - dt.timedelta(days=back))
    return sorted(d for d in days if sc.plan_from <= d <= sc.plan_to)


@dataclass
class _Options:
    """The (anchor, day) coaches and (line, day) trains people of a county may take."""

    ctx: Context
    lines: Sequence[TrainLine]
    cand: list[dt.date]
    lag_coach: dict[str, int]
    members_of: dict[str, list[str]]
    bound: bool
    coach_ok: dict[tuple[str, dt.date], bool] = field(init=False)
    train_ok: dict[tuple[int, dt.date], bool] = field(init=False)

    def __post_init__(self) -> None:
        ctx = self.ctx
        capf = ctx.cap_relaxed if self.bound else ctx.cap

        def seats(v: VehicleType, d: dt.date, where: str) -> bool:
            return capf(v, d, (where,)) > 0

        self.coach_ok = {
            (a, d): any(seats(v, d, a) for v in ctx.coach_types)
            for a in self.lag_coach
            for d in self.cand
        }
        self.train_ok = {
            (li, d): seats(ln.vehicle, d, ln.province)
            for li, ln in enumerate(self.lines)
            for d in self.cand
        }

    def coach(self, c: str, r: dt.date, b: dt.date, last: dt.date) -> list[tuple[str, dt.date]]:
        """Coaches leaving from ``r`` to ``last`` that arrive by ``b``."""
        out: list[tuple[str, dt.date]] = []
        for a in sorted(self.members_of[c]):
            lag = self.lag_coach[c] if self.bound else self.ctx.plan_lag(a, c)
            for d in self.cand:
                if r <= d <= last and d + dt.timedelta(days=lag) <= b and self.coach_ok[(a, d)]:
                    out.append((a, d))
        return out

    def train(self, c: str, r: dt.date, b: dt.date, last: dt.date) -> list[tuple[int, dt.date]]:
        """Trains of lines whose catchment holds ``c``, leaving from ``r`` to ``last`` (not
        before the line's lead time) that arrive by ``b``."""
        out: list[tuple[int, dt.date]] = []
        for li, ln in enumerate(self.lines):
            if c not in ln.catchment:
                continue
            lag = ln.lag_bound if self.bound else ln.lag_plan
            for d in self.cand:
                if (
                    d >= ln.earliest
                    and r <= d <= last
                    and d + dt.timedelta(days=lag) <= b
                    and self.train_ok[(li, d)]
                ):
                    out.append((li, d))
        return out
