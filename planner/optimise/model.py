"""The aggregate assignment model of one planning unit (a MIP solved with SCIP).

The model decides, for the people of one unit (a prefecture, or the prefectures a special
train's catchment joins) who want organised transport, how many coaches of each kind leave
from each county on each candidate day, which people ride them (counties of one prefecture
within ``pickup_radius_km`` may share a coach whose first pickup is the farthest), how many
special trains leave on which day and who takes them (with collector coaches to the station
and feeder coaches from the arrival station), who is advised to come alone and who cannot be
served. Vehicle counts are integers; who rides what is continuous (rounded afterwards, largest
remainders first; the flow part is a transportation problem, so solutions are mostly whole).

Candidate days: for each deadline, the last day a coach (or train) from each county can leave
and still arrive in time; each person's last departure day under the service level
(``depart_by`` = release + ``max_wait_days``); the first day after each load-cap period ends;
with vehicles short, also 2, 4 and 7 days earlier. A person may ride a vehicle leaving on day
``d`` only if ``release ≤ d ≤ depart_by`` and it arrives by their deadline. Leaving as late
as the windows allow is enough for a cheapest plan when caps only relax over time (see the
bound's proof in ``pipeline``).

The search starts from the best of three plans — a greedy "savings" plan (hire the coach whose
passengers' alternative costs most over its price, repeatedly), the same preceded by greedy
savings over special trains (run the train whose riders' alternative — coming alone or a seat
on a full coach — costs most over the train and its collectors' and feeders' share), and the
LP relaxation with vehicle counts rounded up — and SCIP improves it within the time or node
budget.

Two variants are built from the same data:

``plan``
    Estimated real costs (drop-off allowance, pickup detours shared by 8, collectors, feeders),
    the vehicles available per day, the real load caps, a tie-break of 1 yuan per person and
    day of waiting, and a seat-seeker sent home alone costs ``seat_cost_multiple`` × their
    subsidy (the policy's rule of thumb).
``bound``
    A relaxation whose optimum is no larger than the cost of any plan obeying the rules (see
    ``planner.optimise.pipeline`` for the proof): costs under-estimated (a coach priced at the
    drive to its passengers' farthest reach class), windows widened, load caps relaxed to the
    best cap already in force, trains continuous unless ``whole_trains``, no vehicle limits.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from planner.domain import LoadCap, Travel, VehicleKind, VehicleType
from planner.optimise.budget import MIN_SOLVE_S
from planner.optimise.instance import Instance
from planner.optimise.linmodel import (
    LinModel,
    Solution,
    is_feasible,
    objective_of,
    solve_model,
    solve_rins,
)
from planner.optimise.prepare import Person
from planner.rules.costs import coach_cost_fen, collector_cost_fen, feeder_cost_fen, train_cost_fen
from planner.rules.drivers import drivers_needed
from planner.rules.load_cap import cap_in_force
from planner.rules.params import PlanParams
from planner.rules.timetable import (
    coach_profile,
    coach_start,
    coach_timetable,
    day_of,
    drive_minutes,
    min_elapsed,
    to_min,
)

EARLINESS_FEN = 100  # plan only: a tie-break, per person and day of waiting after release
DETOUR_SHARE = 8  # plan only: people assumed to share one pickup detour
SPREAD_DAYS = (2, 4, 7)  # plan only, under vehicle limits: earlier departure days offered
SPLIT_RINS_INTEGERS = 1000  # plan only: larger units get one RINS per prefecture
BOUND_ROUNDING_MIN = 40  # bound: per-leg rounding of driving minutes (≤ 0.5 min × 80 legs)
REACH_QUANTILES = (0.5, 0.75, 0.9)  # bound: reach classes at these quantiles of a unit's reach
TRAINS_FIRST_SHARE = 0.95  # bound: part of a unit's time for its trains-first relaxation
TRAINS_FIRST_WORK = 10  # bound: its work limit, × the unit's (its nodes are cheap)
TRAINS_FIRST_MIN_VARS = 10_000  # bound: trains first on models this large (smaller: whole MIP)


def daterange(a: dt.date, b: dt.date) -> list[dt.date]:
    """Days from ``a`` to ``b`` inclusive."""
    return [a + dt.timedelta(days=i) for i in range((b - a).days + 1)]


@dataclass(frozen=True, slots=True)
class TrainLine:
    """A train type with what the model needs about it."""

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


@dataclass
class Decision:
    """What the model decided for one province."""

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


class Context:
    """Province-independent data shared by the models: fleet, estimates, rules."""

    def __init__(self, inst: Instance, params: PlanParams) -> None:
        self.inst = inst
        self.params = params
        sc = inst.scenario
        self.rules = params.regulation
        self.caps: tuple[LoadCap, ...] = sc.load_caps
        self.coach_types = sorted(
            (v for v in sc.fleet if v.kind is VehicleKind.COACH), key=lambda v: (-v.seats, v.name)
        )
        if not self.coach_types:
            raise ValueError("the fleet has no coach: feeders and collectors need one")
        self.feeder = self.coach_types[0]
        if params.feeder_vehicle:
            named = [v for v in self.coach_types if v.name == params.feeder_vehicle]
            if not named:
                raise ValueError(
                    f"feeder_vehicle {params.feeder_vehicle!r} is not a coach in the fleet"
                )
            self.feeder = named[0]
        self.train_types = (
            [v for v in sc.fleet if v.kind is VehicleKind.TRAIN and v.origin_station]
            if params.allow_trains
            else []
        )
        self.emp_keys = [f"e:{e.uscc}" for e in sc.employers]
        self.days = daterange(sc.plan_from, sc.plan_to)
        self._prof: dict[tuple, tuple[int, int, int]] = {}
        self._dmin: dict[str, float] = {}

    # --- distances ---------------------------------------------------------------------------
    def dhub(self, c: str) -> float:
        return self.inst.km(f"c:{c}", "hub")

    def dmin(self, key: str) -> float:
        """Least road km from a place to any employer (a lower bound on reaching any)."""
        if key not in self._dmin:
            i = self.inst.index[key]
            idx = [self.inst.index[k] for k in self.emp_keys] or [self.inst.index["hub"]]
            self._dmin[key] = float(self.inst.distance_km[i, idx].min())
        return self._dmin[key]

    def dmax(self, key: str) -> float:
        i = self.inst.index[key]
        idx = [self.inst.index[k] for k in self.emp_keys] or [self.inst.index["hub"]]
        return float(self.inst.distance_km[i, idx].max())

    # --- coach estimates ---------------------------------------------------------------------
    def profile(
        self, legs: tuple[float, ...], loaded: int, drivers: int | None = None
    ) -> tuple[int, int, int]:
        """(lag days, hire days, drivers) of a route (cached)."""
        key = (legs, loaded, drivers)
        if key not in self._prof:
            p = self.params
            if drivers is None:
                self._prof[key] = coach_profile(
                    legs,
                    loaded_legs=loaded,
                    start_times=p.coach_start_min,
                    speed_kmh=p.speed_kmh,
                    rules=self.rules,
                    dwell_min=p.stop_dwell_min,
                )
            else:
                best = None
                ref = dt.date(2020, 1, 1)
                for st in p.coach_start_min:
                    start = coach_start(ref, st)
                    sch = coach_timetable(
                        start,
                        legs,
                        drivers=drivers,
                        speed_kmh=p.speed_kmh,
                        rules=self.rules,
                        dwell_min=0,
                    )
                    lag = (day_of(sch.arrive[loaded - 1]) - ref).days
                    hire = (day_of(sch.end) - ref).days + 1
                    cand = (hire, lag)
                    best = cand if best is None or cand < best else best
                assert best is not None
                self._prof[key] = (best[1], best[0], drivers)
        return self._prof[key]

    def plan_coach(self, a: str) -> tuple[int, int, int]:
        """Estimated (lag, hire days, drivers) of a coach from county ``a``."""
        d = round(self.dhub(a), 1)
        return self.profile((d, self.params.dropoff_allowance_km, d), 2)

    def plan_lag(self, a: str, c: str) -> int:
        """Estimated arrival day offset of someone from ``c`` on a coach whose first pickup is
        ``a``: the pickup detour, the long leg, drop-offs (the allowance split over 8 stops)."""
        p = self.params
        first = round(self.inst.km(f"c:{a}", f"c:{c}"), 1) if a != c else 0.0
        drop = round(p.dropoff_allowance_km / 8, 1)
        legs = (
            ((first,) if a != c else ())
            + (round(self.dhub(c), 1),)
            + (drop,) * 8
            + (round(self.dhub(a), 1),)
        )
        return self.profile(legs, len(legs) - 1)[0]

    def plan_coach_cost(self, a: str, v: VehicleType) -> int:
        _lag, hire, drivers = self.plan_coach(a)
        km = 2 * self.dhub(a) + self.params.dropoff_allowance_km
        return coach_cost_fen(v, km, hire, drivers)

    def _bound_days(self, km: float, drivers: int, legs: int | None = None) -> int:
        """Fewest calendar days (counting the first as 0) any lawful coach needs to drive
        ``km`` after leaving at one of the allowed start times (see ``min_elapsed``). Each leg
        is driven in whole minutes rounded to the nearest, so a route of at most ``legs`` legs
        drives at least its exact minutes less half a minute a leg (``BOUND_ROUNDING_MIN``
        when the legs are not known)."""
        p = self.params
        exact = km / p.speed_kmh * 60
        if legs is None:
            drive = max(0, math.floor(exact) - BOUND_ROUNDING_MIN)
        else:
            drive = max(0, math.ceil(exact - legs / 2 - 1e-9))
        el = min_elapsed(drive, drivers, self.rules)
        return min((st + el) // 1440 for st in p.coach_start_min)

    def bound_lag(self, c: str) -> int:
        """No coach carrying someone from ``c`` arrives sooner than this many days after it
        leaves."""
        return self._bound_days(self.dmin(f"c:{c}"), 2)

    def bound_coach_cost(
        self, a: str, v: VehicleType, reach_km: float = 0.0, legs: int | None = None
    ) -> int:
        """No coach whose first pickup is ``a`` costs less (km ≥ 2·dmin + ``reach_km``, days by
        ``min_elapsed``; ``legs``: the most legs its route may have, a stop for each county
        it may board and each person it may carry)."""
        d = self.dmin(f"c:{a}")
        km = 2 * d + reach_km
        options = [2] if drivers_needed(d, self.rules) == 2 else [1, 2]
        best = None
        for k in options:
            hire = self._bound_days(km, k, legs) + 1
            cost = coach_cost_fen(v, km, hire, k) - 1
            best = cost if best is None else min(best, cost)
        assert best is not None
        return max(0, best)

    def reach_km(self, q: Person, anchors: Sequence[str]) -> float:
        """Least km beyond ``2·dmin(a)`` that any coach whose first pickup is one of ``anchors``
        drives when it carries ``q``: it goes from ``a`` via ``q``'s county to ``q``'s employer
        and back to ``a``, so by the triangle inequality it drives at least
        ``km(a, c) + km(c, e) + km(e, a)``."""
        km = self.inst.km
        c, e = f"c:{q.county}", f"e:{q.employer}"
        best = math.inf
        for a in anchors:
            ka = f"c:{a}"
            tour = (km(ka, c) if a != q.county else 0.0) + km(c, e) + km(e, ka)
            best = min(best, tour - 2 * self.dmin(ka))
        return max(0.0, best)

    def cap(self, v: VehicleType, day: dt.date, adcodes: Sequence[str]) -> int:
        return cap_in_force(v.seats, v.max_load, self.caps, day, adcodes)

    def cap_relaxed(self, v: VehicleType, day: dt.date, adcodes: Sequence[str]) -> int:
        """The best cap in force on any day up to ``day`` (the bound's relaxation)."""
        sc = self.inst.scenario
        return max(self.cap(v, x, adcodes) for x in daterange(sc.plan_from, max(day, sc.plan_from)))

    def cap_signature(self, c: str) -> tuple[bool, ...]:
        return tuple(c.startswith(row.origin) for row in self.caps)

    # --- trains ------------------------------------------------------------------------------
    def lines_for(self, province: str, counties: Sequence[str]) -> list[TrainLine]:
        p = self.params
        sc = self.inst.scenario
        out: list[TrainLine] = []
        for i, v in enumerate(self.train_types):
            st = str(v.origin_station)
            if self.inst.station_province.get(st) != province:
                continue
            skey = f"s:{st}"
            dkey = f"d:{v.dest_station or sc.destination.name}"
            km = self.inst.km(skey, dkey)
            ref = dt.date(2020, 1, 1)
            dep = coach_start(ref, p.train_depart_min)
            arr = dep + drive_minutes(km, p.train_speed_kmh)
            lag_bound = (day_of(arr) - ref).days
            feeder = coach_timetable(
                arr + p.transfer_min,
                [self.dmax(dkey) + p.dropoff_allowance_km],
                drivers=1,
                speed_kmh=p.speed_kmh,
                rules=self.rules,
                dwell_min=p.stop_dwell_min,
            )
            lag_plan = (day_of(feeder.arrive[0] + 4 * p.stop_dwell_min) - ref).days
            catch: list[str] = []
            walk: set[str] = set()
            for c in counties:
                d = self.inst.km(f"c:{c}", skey)
                if d <= p.walk_in_km:
                    catch.append(c)
                    walk.add(c)
                elif d <= p.collector_radius_km and self.collector_start(c, v, ref) is not None:
                    catch.append(c)
            out.append(
                TrainLine(
                    index=i,
                    vehicle=v,
                    station_key=skey,
                    dest_key=dkey,
                    province=province,
                    km=km,
                    lag_plan=lag_plan,
                    lag_bound=lag_bound,
                    feeder_lag=(day_of(arr + p.transfer_min) - ref).days,
                    earliest=sc.plan_from + dt.timedelta(days=v.lead_days),
                    catchment=tuple(catch),
                    walk_in=frozenset(walk),
                )
            )
        return out

    def collector_start(self, c: str, train: VehicleType, day: dt.date) -> int | None:
        """The latest lawful start (minute) of a collector from ``c`` on ``day`` that reaches the
        train's station ``transfer_min`` before it leaves; ``None`` if none does."""
        p = self.params
        km = self.inst.km(f"c:{c}", f"s:{train.origin_station}")
        deadline = coach_start(day, p.train_depart_min) - p.transfer_min
        for st in sorted(p.coach_start_min, reverse=True):
            start = coach_start(day, st)
            sch = coach_timetable(
                start,
                [km],
                drivers=1,
                speed_kmh=p.speed_kmh,
                rules=self.rules,
                dwell_min=p.stop_dwell_min,
            )
            if sch.arrive[0] <= deadline:
                return start
        return None

    def collector_cost(self, c: str, line: TrainLine) -> int:
        km = self.inst.km(f"c:{c}", line.station_key)
        _lag, hire, drivers = self.profile((round(km, 1), round(km, 1)), 1)
        return collector_cost_fen(self.feeder, km, hire, drivers)

    def bound_collector_cost(self, c: str, line: TrainLine) -> int:
        """No collector from ``c`` to the line's station costs less: it drives there and back
        (≥ 2·km by the triangle inequality), is hired for at least a day, with ≥ 1 driver."""
        km = self.inst.km(f"c:{c}", line.station_key)
        return max(0, collector_cost_fen(self.feeder, km, 1, 1) - 1)

    def feeder_cost_plan(self, line: TrainLine) -> int:
        i = self.inst.index[line.dest_key]
        idx = [self.inst.index[k] for k in self.emp_keys] or [self.inst.index["hub"]]
        avg = float(self.inst.distance_km[i, idx].mean())
        return feeder_cost_fen(self.feeder, avg, self.params.dropoff_allowance_km / 2)

    def feeder_cost_bound(self, line: TrainLine) -> int:
        return feeder_cost_fen(self.feeder, self.dmin(line.dest_key))

    def feeder_cap_bound(self, line: TrainLine, day: dt.date) -> int:
        """No feeder of a train leaving on ``day`` or before carries more: the best cap in
        force up to the day its feeders leave."""
        return self.cap_relaxed(self.feeder, day + dt.timedelta(days=line.feeder_lag), ("",))


def build_groups(
    ctx: Context,
    people: Sequence[Person],
    lines: Sequence[TrainLine],
    bound: bool,
    spread: bool = False,
) -> tuple[list[Group], dict[str, list[str]], list[dt.date], tuple[float, ...]]:
    """Group the people of a province by county and options; also the pools, the days and
    (bound only) the reach classes in km."""
    sc = ctx.inst.scenario
    p = ctx.params
    counties = sorted({q.county for q in people})
    origins = ctx.inst.origins
    # Pools: anchor -> counties that may board its coaches (itself first).
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
                and ctx.inst.km(f"c:{a}", f"c:{c}") <= p.pickup_radius_km
                and (ctx.dhub(c), c) < (ctx.dhub(a), a)
            ):
                members.append(c)
        pools[a] = members
    lag_coach = {a: (ctx.bound_lag(a) if bound else ctx.plan_lag(a, a)) for a in counties}
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
    cand = sorted(d for d in days if sc.plan_from <= d <= sc.plan_to)
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
    capf = ctx.cap_relaxed if bound else ctx.cap

    def seats(v: VehicleType, d: dt.date, where: str) -> bool:
        return capf(v, d, (where,)) > 0

    coach_ok = {
        (a, d): any(seats(v, d, a) for v in ctx.coach_types) for a in counties for d in cand
    }
    train_ok = {
        (li, d): seats(ln.vehicle, d, ln.province) for li, ln in enumerate(lines) for d in cand
    }
    merged: dict[tuple, Group] = {}
    for (c, travel, sub, r, b, last, reach), persons in sorted(raw.items()):
        coach_opts: list[tuple[str, dt.date]] = []
        for a in sorted(members_of[c]):
            lag = lag_coach[c] if bound else ctx.plan_lag(a, c)
            for d in cand:
                if r <= d <= last and d + dt.timedelta(days=lag) <= b and coach_ok[(a, d)]:
                    coach_opts.append((a, d))
        train_opts: list[tuple[int, dt.date]] = []
        for li, ln in enumerate(lines):
            if c not in ln.catchment:
                continue
            lag = ln.lag_bound if bound else ln.lag_plan
            for d in cand:
                if (
                    d >= ln.earliest
                    and r <= d <= last
                    and d + dt.timedelta(days=lag) <= b
                    and train_ok[(li, d)]
                ):
                    train_opts.append((li, d))
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


def reach_levels(reaches: Sequence[float]) -> tuple[float, ...]:
    """The bound's reach classes: 0 and whole km at ``REACH_QUANTILES`` of ``reaches``."""
    if not reaches:
        return (0.0,)
    ordered = sorted(reaches)
    cuts = {0.0}
    for f in REACH_QUANTILES:
        cuts.add(float(math.floor(ordered[min(len(ordered) - 1, int(f * len(ordered)))])))
    return tuple(sorted(cuts))


def _bound_decision(
    groups: list[Group],
    lines: list[TrainLine],
    sol: Solution,
    best: float,
    statuses: list[str],
    begun: float,
) -> Decision:
    """A bound model's answer: its best proven bound, no plan."""
    return Decision(
        {},
        {},
        {},
        {},
        {},
        {},
        groups,
        lines,
        sol.objective,
        best,
        ", ".join(statuses),
        time.perf_counter() - begun,
        sol.det_time,
    )


def solve_province(
    ctx: Context,
    people: Sequence[Person],
    province: str,
    *,
    bound: bool,
    time_limit_s: float,
    work_limit: float | None,
    used: Mapping[tuple[str, dt.date], int] | None = None,
    backend: str = "scip",
    whole_trains: bool = False,
    lp_only: bool = False,
) -> Decision:
    """Build and solve the plan or bound model for one province.

    Parameters
    ----------
    ctx
        Shared data.
    people
        The province's people to carry (for the bound: without those sent home alone).
    province
        Province code.
    bound
        Build the relaxation instead of the plan model.
    time_limit_s, work_limit
        Wall-clock budget; deterministic budget (SCIP nodes = 10 × work_limit).
    used
        Vehicles already on the road per (vehicle name, day) (plan only).
    whole_trains
        Bound only: count trains in whole numbers (valid when ``people`` holds every
        county of the trains' catchments).
    lp_only
        Bound only: stop at the LP relaxation (a valid bound in a fraction of the time, for a
        model whose time is up).
    """
    begun = time.perf_counter()
    inst = ctx.inst
    p = ctx.params
    counties = sorted({q.county for q in people})
    lines = ctx.lines_for(province, counties)
    used = used or {}
    # Offer earlier departure days too when vehicles may run short for this unit.
    spread = False
    if not bound:
        for v in ctx.coach_types:
            if v.available is None:
                continue
            free = min(v.available - used.get((v.name, d), 0) for d in ctx.days)
            if free < len(people) / 20:
                spread = True
    groups, pools, _cand, levels = build_groups(ctx, people, lines, bound, spread)
    m = LinModel()
    P = inst.unmet_penalty_fen

    coach_demand: dict[tuple[str, dt.date], int] = defaultdict(int)
    train_demand: dict[tuple[int, dt.date], int] = defaultdict(int)
    train_members: dict[tuple[int, dt.date], list[int]] = defaultdict(list)
    for gi, g in enumerate(groups):
        for o in g.coach:
            coach_demand[o] += g.size
        for t in g.train:
            train_demand[t] += g.size
            train_members[t].append(gi)

    # Coaches per (anchor, day, kind).
    n: dict[tuple[str, dt.date, str], int] = {}
    n_cap: dict[tuple[str, dt.date, str], int] = {}
    cap_terms: dict[tuple[str, dt.date], list[tuple[int, int]]] = defaultdict(list)
    # Bound: coaches also per reach level; a level-j coach costs at least 2·dmin + reach_j km
    # and only it carries people whose reach is j or more (``reach_terms``).
    reach_top: dict[tuple[str, dt.date], int] = defaultdict(int)
    if bound:
        for g in groups:
            for o in g.coach:
                reach_top[o] = max(reach_top[o], g.reach)
    reach_terms: dict[tuple[str, dt.date, int], list[tuple[int, int]]] = defaultdict(list)
    reach_demand: dict[tuple[str, dt.date, int], int] = defaultdict(int)
    if bound:
        for g in groups:
            for o in g.coach:
                for j in range(1, g.reach + 1):
                    reach_demand[(*o, j)] += g.size
    for a, d in sorted(coach_demand):
        demand = coach_demand[(a, d)]
        for v in ctx.coach_types:
            cap = ctx.cap_relaxed(v, d, (a,)) if bound else ctx.cap(v, d, (a,))
            if cap <= 0:
                continue
            if not bound:
                var = m.var(0, math.ceil(demand / cap), f"coaches_{a}_{d:%m%d}_{v.name}")
                n[(a, d, v.name)] = var
                n_cap[(a, d, v.name)] = cap
                cap_terms[(a, d)].append((var, -cap))
                m.cost(var, ctx.plan_coach_cost(a, v))
                continue
            # Its route has a leg to each stop: the counties of ``a``'s pool and at most one
            # employer per person on board.
            legs = cap + len(pools[a])
            for lv in range(reach_top[(a, d)] + 1):
                var = m.var(0, math.ceil(demand / cap), f"coaches_{a}_{d:%m%d}_{v.name}_{lv}")
                # No coach carries more than there are people to carry (a tighter relaxation).
                cap_terms[(a, d)].append((var, -min(cap, demand)))
                for j in range(1, lv + 1):
                    reach_terms[(a, d, j)].append((var, -min(cap, reach_demand[(a, d, j)])))
                m.cost(var, ctx.bound_coach_cost(a, v, levels[lv], legs))

    f: dict[tuple[int, str, dt.date], int] = {}
    rides_of: dict[int, list[int]] = defaultdict(list)
    flows_at: dict[tuple[str, dt.date], list[int]] = defaultdict(list)
    flows_cd: dict[tuple[str, str, dt.date], list[int]] = defaultdict(list)
    size_cd: dict[tuple[str, str, dt.date], int] = defaultdict(int)
    for gi, g in enumerate(groups):
        for a, d in g.coach:
            if not cap_terms.get((a, d)):
                continue
            var = m.var(0, g.size, f"ride_{gi}_{a}_{d:%m%d}", integer=False)
            f[(gi, a, d)] = var
            rides_of[gi].append(var)
            flows_at[(a, d)].append(var)
            if g.county != a:
                flows_cd[(g.county, a, d)].append(var)
                size_cd[(g.county, a, d)] += g.size
            if not bound:
                m.cost(var, EARLINESS_FEN * (d - g.release).days)
    for key, vars_ in flows_at.items():
        m.add_le([(x, 1) for x in vars_] + cap_terms[key], 0)
    if bound:
        # A county's people ride coaches of (anchor, day) only if one runs: its riders there
        # are at most its people there times the coaches (the strong form of the capacity rows).
        by_cad: dict[tuple[str, str, dt.date], list[int]] = defaultdict(list)
        size_cad: dict[tuple[str, str, dt.date], int] = defaultdict(int)
        for (gi, a, d), var in f.items():
            by_cad[(groups[gi].county, a, d)].append(var)
            size_cad[(groups[gi].county, a, d)] += groups[gi].size
        for (c, a, d), vars_ in sorted(by_cad.items()):
            top = max(-x for _v, x in cap_terms[(a, d)])
            if size_cad[(c, a, d)] < top:
                m.add_le(
                    [(x, 1) for x in vars_]
                    + [(var, -size_cad[(c, a, d)]) for var, _x in cap_terms[(a, d)]],
                    0,
                )
    if bound:
        reach_flows: dict[tuple[str, dt.date], list[tuple[int, int]]] = defaultdict(list)
        for (gi, a, d), var in f.items():
            reach_flows[(a, d)].append((groups[gi].reach, var))
        for (a, d, j), terms in sorted(reach_terms.items()):
            vars_ = [x for r, x in reach_flows[(a, d)] if r >= j]
            if vars_:
                m.add_le([(x, 1) for x in vars_] + terms, 0)
    if not bound:
        # A pickup in another county costs the detour, shared by the people picked up there
        # (a per-person estimate keeps the model's relaxation tight; real routes are costed).
        cpk = min(v.cost_per_km_fen for v in ctx.coach_types)
        per = max(1, DETOUR_SHARE)
        for (c, a, _d), vars_ in sorted(flows_cd.items()):
            detour = inst.km(f"c:{a}", f"c:{c}") + ctx.dhub(c) - ctx.dhub(a)
            for x in vars_:
                m.cost(x, round(cpk * max(0.0, detour) / per))

    # Trains, collectors, feeders.
    k: dict[tuple[int, dt.date], int] = {}
    h: dict[tuple[int, int, dt.date], int] = {}
    q_vars: dict[tuple[str, int, dt.date], int] = {}
    z_vars: dict[tuple[int, dt.date], int] = {}
    k_cap: dict[tuple[int, dt.date], int] = {}
    z_cap: dict[tuple[int, dt.date], int] = {}
    q_cap: dict[tuple[str, int, dt.date], int] = {}
    for li, d in sorted(train_demand):
        ln = lines[li]
        cap = (
            ctx.cap_relaxed(ln.vehicle, d, (ln.province,))
            if bound
            else ctx.cap(ln.vehicle, d, (ln.province,))
        )
        if cap <= 0:
            continue
        demand = train_demand[(li, d)]
        ub = math.ceil(demand / cap)
        if ln.vehicle.available is not None and not bound:
            ub = min(ub, ln.vehicle.available)
        kv = m.var(0, ub, f"trains_{li}_{d:%m%d}", integer=not bound or whole_trains)
        k[(li, d)] = kv
        k_cap[(li, d)] = cap
        m.cost(kv, train_cost_fen(ln.vehicle, ln.km))
        hv: list[int] = []
        by_county: dict[str, list[int]] = defaultdict(list)
        size_c: dict[str, int] = defaultdict(int)
        for gi in train_members[(li, d)]:
            g = groups[gi]
            var = m.var(0, g.size, f"rail_{gi}_{li}_{d:%m%d}", integer=False)
            h[(gi, li, d)] = var
            rides_of[gi].append(var)
            hv.append(var)
            by_county[g.county].append(var)
            size_c[g.county] += g.size
            if not bound:
                m.cost(var, EARLINESS_FEN * (d - g.release).days)
        m.add_le([(x, 1) for x in hv] + [(kv, -(min(cap, demand) if bound else cap))], 0)
        if bound:
            # A county's people ride this train only if it runs (strong form, as for coaches).
            for c, vars_ in sorted(by_county.items()):
                if size_c[c] < min(cap, demand):
                    m.add_le([(x, 1) for x in vars_] + [(kv, -size_c[c])], 0)
        arrive_day = d + dt.timedelta(days=ln.lag_plan)
        fcap = max(
            1, ctx.feeder_cap_bound(ln, d) if bound else ctx.cap(ctx.feeder, arrive_day, ("",))
        )
        zv = m.var(0, math.ceil(demand / fcap), f"feeders_{li}_{d:%m%d}")
        z_vars[(li, d)] = zv
        z_cap[(li, d)] = fcap
        m.add_le([(x, 1) for x in hv] + [(zv, -(min(fcap, demand) if bound else fcap))], 0)
        m.cost(zv, ctx.feeder_cost_bound(ln) if bound else ctx.feeder_cost_plan(ln))
        for c, vars_ in sorted(by_county.items()):
            if c in ln.walk_in:
                continue
            if bound:
                # Collectors: each carries at most the best cap in force so far.
                ccap = max(1, ctx.cap_relaxed(ctx.feeder, d, (c,)))
                qv = m.var(0, math.ceil(size_c[c] / ccap), f"collectors_{c}_{li}_{d:%m%d}")
                m.add_le([(x, 1) for x in vars_] + [(qv, -min(ccap, size_c[c]))], 0)
                m.cost(qv, ctx.bound_collector_cost(c, ln))
                continue
            ccap = max(1, ctx.cap(ctx.feeder, d, (c,)))
            qv = m.var(0, math.ceil(size_c[c] / ccap), f"collectors_{c}_{li}_{d:%m%d}")
            q_vars[(c, li, d)] = qv
            q_cap[(c, li, d)] = ccap
            m.add_le([(x, 1) for x in vars_] + [(qv, -ccap)], 0)
            m.cost(qv, ctx.collector_cost(c, ln))

    # Everyone: ride, come alone or stay unserved.
    s: dict[int, int] = {}
    u: dict[int, int] = {}
    mult = inst.seat_cost_multiple
    for gi, g in enumerate(groups):
        terms = [(x, 1) for x in rides_of[gi]]
        if g.travel is Travel.EITHER or not bound:
            sv = m.var(0, g.size, f"alone_{gi}", integer=False)
            s[gi] = sv
            terms.append((sv, 1))
            w = g.subsidy_fen if g.travel is Travel.EITHER else round(mult * g.subsidy_fen)
            m.cost(sv, w)
        uv = m.var(0, g.size, f"unmet_{gi}", integer=False)
        u[gi] = uv
        terms.append((uv, 1))
        m.cost(uv, P)
        m.add_eq(terms, g.size)

    if bound:
        _rounding_cuts(m, groups, cap_terms, reach_terms, s, u, h)

    # Vehicles available (plan only).
    if not bound:
        for v in ctx.coach_types:
            if v.available is None:
                continue
            per_day: dict[dt.date, list[int]] = defaultdict(list)
            for (a, d, name), var in n.items():
                if name != v.name:
                    continue
                _lag, hire, _dr = ctx.plan_coach(a)
                for x in range(hire):
                    per_day[d + dt.timedelta(days=x)].append(var)
            if v.name == ctx.feeder.name:
                for (_c, _li, d), var in q_vars.items():
                    per_day[d].append(var)
                for (li, d), var in z_vars.items():
                    per_day[d + dt.timedelta(days=lines[li].lag_plan)].append(var)
            for day, vars_ in sorted(per_day.items()):
                left = max(0, v.available - used.get((v.name, day), 0))
                if len(vars_) > 0:
                    m.add_le([(x, 1) for x in vars_], left)
        for ln in lines:
            v = ln.vehicle
            if v.available is None:
                continue
            per_day = defaultdict(list)
            for (li, d), var in k.items():
                if lines[li] is not ln:
                    continue
                for x in range(ln.lag_bound + 1):
                    per_day[d + dt.timedelta(days=x)].append(var)
            for day, vars_ in sorted(per_day.items()):
                m.add_le([(x, 1) for x in vars_], max(0, v.available - used.get((v.name, day), 0)))

    hint = None
    if not bound:
        hint = _savings_hint(m, groups, n, n_cap, f, s, ctx, used)
        if k:
            trains = _TrainHint(k, k_cap, h, z_vars, z_cap, q_vars, q_cap, lines)
            first = _savings_hint(m, groups, n, n_cap, f, s, ctx, used, trains)
            if is_feasible(m, first) and (
                not is_feasible(m, hint) or objective_of(m, first) < objective_of(m, hint)
            ):
                hint = first
    if bound:
        # The LP relaxation always gives a bound; the MIP's proven bound is usually better.
        lp = solve_model(m, backend="lp", time_limit_s=time_limit_s, work_limit=None, seed=p.seed)
        lp_bound = lp.bound * (1 - 1e-7) - 1 if lp.feasible else 0.0
        # Without its primal heuristics SCIP may find no solution in its time and then reports
        # no bound: it starts from one (everyone unserved), which every row allows.
        unserved = [0.0] * len(m.lb)
        for gi, g in enumerate(groups):
            unserved[u[gi]] = g.size
        best = lp_bound
        statuses = [f"lp {lp.status}"]
        if lp_only:
            return _bound_decision(groups, lines, lp, best, statuses, begun)
        fractional = lp.feasible and any(
            abs(lp.values[x] - round(lp.values[x])) > 1e-6 for x in k.values()
        )
        if whole_trains and fractional and len(m.lb) >= TRAINS_FIRST_MIN_VARS:
            # Trains first: the model with only the trains and their feeders in whole numbers
            # (every other count continuous) is a relaxation too, and SCIP closes it in a few
            # nodes: about the least LP over the trains' configurations. On a large model
            # SCIP's root of the whole takes most of the unit's time (4 s on the demo's
            # largest unit) and gains less.
            whole = set(k.values()) | set(z_vars.values())
            relaxed = LinModel(
                lb=m.lb,
                ub=m.ub,
                names=m.names,
                integer=[ii and x in whole for x, ii in enumerate(m.integer)],
                cons=m.cons,
                obj=m.obj,
            )
            remaining = time_limit_s - (time.perf_counter() - begun)
            tr = solve_model(
                relaxed,
                backend=backend,
                time_limit_s=max(0.2, TRAINS_FIRST_SHARE * remaining),
                work_limit=None if work_limit is None else TRAINS_FIRST_WORK * work_limit,
                seed=p.seed,
                hint=unserved,
                dual_only=True,
                quick_root=True,
            )
            if tr.feasible:
                best = max(best, tr.bound)
            statuses.append(f"trains {tr.status}")
        sol = solve_model(
            m,
            backend=backend,
            time_limit_s=max(0.2, time_limit_s - (time.perf_counter() - begun)),
            work_limit=work_limit,
            seed=p.seed,
            hint=unserved,
            dual_only=True,
        )
        best = max(best, sol.bound if sol.feasible else -math.inf)
        statuses.append(f"mip {sol.status}")
        return _bound_decision(groups, lines, sol, best, statuses, begun)
    # A second start: the LP relaxation with every vehicle count rounded up.
    lp = solve_model(m, backend="lp", time_limit_s=time_limit_s, work_limit=None, seed=p.seed)
    if lp.feasible:
        rounded = [
            math.ceil(v - 1e-6) if isint else v
            for v, isint in zip(lp.values, m.integer, strict=True)
        ]
        if is_feasible(m, rounded) and (
            hint is None
            or not is_feasible(m, hint)
            or objective_of(m, rounded) < objective_of(m, hint)
        ):
            hint = rounded
    # RINS first (most of the gain, fast), then SCIP on the whole model from its answer. A large
    # unit of several prefectures (joined by a train's catchment) is too big for either in its
    # time: each prefecture's coaches get their own RINS, the rest of the unit kept as it is.
    spent = 0.0
    split = False
    if lp.feasible and hint is not None and is_feasible(m, hint):
        parts: dict[str, list[int]] = defaultdict(list)
        for (a, _d, _name), var in n.items():
            parts[inst.origins[a].prefecture_code].append(var)
        hoods = (
            [None]
            if len(parts) == 1 or sum(m.integer) <= SPLIT_RINS_INTEGERS
            else [set(v) for _p, v in sorted(parts.items(), key=lambda kv: (-len(kv[1]), kv[0]))]
        )
        split = hoods != [None]
        sizes = [len(h) if h is not None else 1 for h in hoods]
        for hi, hood in enumerate(hoods):
            # The time limit counts from this function's start: building the model, its LP,
            # the starts and each RINS's own model count too (on the largest unit they took
            # two seconds beyond a three-second limit).
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
                seed=p.seed,
                free=hood,
            )
            spent += rins.wall_s
            if rins.feasible and rins.objective < objective_of(m, hint) - 1e-6:
                hint = list(rins.values)
    time_up = work_limit is None and time.perf_counter() - begun >= time_limit_s
    if split and hint is not None:
        # SCIP's root on the whole of such a unit takes longer than all its RINS together.
        sol = Solution(list(hint), objective_of(m, hint), lp.bound, "RINS", spent, 0.0, True)
    elif time_up and hint is not None and is_feasible(m, hint):
        # Building SCIP's model alone takes tenths of a second on a large unit.
        sol = Solution(list(hint), objective_of(m, hint), lp.bound, "START", spent, 0.0, True)
    else:
        sol = solve_model(
            m,
            backend=backend,
            time_limit_s=max(MIN_SOLVE_S, time_limit_s - (time.perf_counter() - begun)),
            work_limit=work_limit,
            seed=p.seed,
            hint=hint,
        )
    if (
        hint is not None
        and is_feasible(m, hint)
        and (not sol.feasible or objective_of(m, hint) < sol.objective - 1e-6)
    ):
        sol = Solution(
            list(hint), objective_of(m, hint), sol.bound, "START", sol.wall_s, sol.det_time, True
        )
    vals: list[float] = list(sol.values)
    if sol.feasible:
        _round_flows(vals, groups, f, h, s, u)
    if not sol.feasible:
        if bound:
            raise RuntimeError(f"the bound model of province {province} failed ({sol.status})")
        # Last resort (never seen in practice): everyone comes alone; the plan stays valid.
        vals = [0.0] * len(m.lb)
        for gi, g in enumerate(groups):
            vals[s[gi]] = g.size
    ivals = [round(x) for x in vals]
    coaches: dict[tuple[str, dt.date], dict[str, int]] = defaultdict(dict)
    for (a, d, name), var in n.items():
        if ivals[var]:
            coaches[(a, d)][name] = ivals[var]
    return Decision(
        coaches=dict(coaches),
        coach_flow={key: ivals[var] for key, var in f.items() if ivals[var]},
        trains={key: ivals[var] for key, var in k.items() if ivals[var]},
        train_flow={key: ivals[var] for key, var in h.items() if ivals[var]},
        self_return={gi: ivals[var] for gi, var in s.items() if ivals[var]},
        unmet={gi: ivals[var] for gi, var in u.items() if ivals[var]},
        groups=groups,
        lines=lines,
        objective=sol.objective,
        bound=sol.bound,
        status=sol.status,
        wall_s=sol.wall_s,
        det_time=sol.det_time,
    )


def _rounding_cuts(
    m: LinModel,
    groups: Sequence[Group],
    cap_terms: Mapping[tuple[str, dt.date], list[tuple[int, int]]],
    reach_terms: Mapping[tuple[str, dt.date, int], list[tuple[int, int]]],
    s: Mapping[int, int],
    u: Mapping[int, int],
    h: Mapping[tuple[int, int, dt.date], int],
) -> None:
    """Mixed-integer rounding cuts on the coaches a county's people need.

    For a set ``S`` of groups, the coaches that may carry them (all ``(anchor, day)`` options
    of ``S``; for reach class ``j``, those of class ``j`` or more) hold at most ``c`` people
    each (``c`` the largest cap among them), and everyone of ``S`` not on them comes alone,
    rides a train or stays unserved (``R``): ``c·N + R ≥ size(S)``. With ``size = c·k + r``,
    ``0 < r < c``, every integer ``N`` satisfies ``r·N + R ≥ r·(k + 1)`` (if ``N ≤ k``,
    ``R ≥ c·(k − N) + r ≥ r·(k + 1 − N)``). The LP relaxation alone lets a county's last
    few people ride a fraction of a coach; this makes them pay for a whole one or go
    another way."""
    others: dict[int, list[int]] = defaultdict(list)
    for gi, var in s.items():
        others[gi].append(var)
    for gi, var in u.items():
        others[gi].append(var)
    for (gi, _li, _d), var in h.items():
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
            row = cap_terms.get((a, d), []) if level == 0 else reach_terms.get((a, d, level), [])
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
        m.add_le(row_terms, -r * (k + 1))

    top = max((g.reach for g in groups), default=0)
    for _c, members in sorted(by_county.items()):
        for level in range(top + 1):
            cut(members, level)
        for gi in members:
            cut([gi], 0)


def _round_flows(
    vals: list,
    groups: Sequence[Group],
    f: Mapping[tuple[int, str, dt.date], int],
    h: Mapping[tuple[int, int, dt.date], int],
    s: Mapping[int, int],
    u: Mapping[int, int],
) -> None:
    """Round each group's (continuous) flows to whole people, largest remainders first; the
    group's size is kept. Seats overflowing a vehicle are handled when trips are built."""
    per_group: dict[int, list[int]] = defaultdict(list)
    for (gi, _a, _d), var in f.items():
        per_group[gi].append(var)
    for (gi, _l, _d), var in h.items():
        per_group[gi].append(var)
    for gi, var in s.items():
        per_group[gi].append(var)
    for gi, var in u.items():
        per_group[gi].append(var)
    for gi, g in enumerate(groups):
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


@dataclass
class _TrainHint:
    """The train part of the model, for the train-first start."""

    k: Mapping[tuple[int, dt.date], int]
    k_cap: Mapping[tuple[int, dt.date], int]
    h: Mapping[tuple[int, int, dt.date], int]
    z: Mapping[tuple[int, dt.date], int]
    z_cap: Mapping[tuple[int, dt.date], int]
    q: Mapping[tuple[str, int, dt.date], int]
    q_cap: Mapping[tuple[str, int, dt.date], int]
    lines: Sequence[TrainLine]


def _trains_first(
    m: LinModel,
    groups: Sequence[Group],
    n: Mapping[tuple[str, dt.date, str], int],
    n_cap: Mapping[tuple[str, dt.date, str], int],
    f: Mapping[tuple[int, str, dt.date], int],
    s: Mapping[int, int],
    ctx: Context,
    t: _TrainHint,
    vals: list[float],
    remaining: list[int],
    out: dict[tuple[str, dt.date], int],
) -> None:
    """Greedy savings over special trains: repeatedly run the train (line, day) whose riders'
    alternative (the cheaper of coming alone and a seat on a full coach from their county, at
    the model's prices) saves most over the train and its collectors' and feeders' share;
    collectors and feeders are then counted whole. Vehicle limits are respected."""
    alt = [float(m.obj.get(s[gi], 0)) for gi in range(len(groups))]
    for (gi, a, d), var in f.items():
        for v in ctx.coach_types:
            nk = (a, d, v.name)
            if nk in n:
                seat = m.obj.get(n[nk], 0) / max(1, n_cap[nk]) + m.obj.get(var, 0)
                alt[gi] = min(alt[gi], seat)
    riders: dict[tuple[int, dt.date], list[tuple[int, int]]] = defaultdict(list)
    for (gi, li, d), var in t.h.items():
        riders[(li, d)].append((gi, var))

    def per_person(gi: int, li: int, d: dt.date, var: int) -> float:
        cost = m.obj.get(var, 0) + m.obj.get(t.z[(li, d)], 0) / max(1, t.z_cap[(li, d)])
        qk = (groups[gi].county, li, d)
        if qk in t.q:
            cost += m.obj.get(t.q[qk], 0) / max(1, t.q_cap[qk])
        return cost

    def days_of(li: int, d: dt.date) -> list[dt.date]:
        return [d + dt.timedelta(days=x) for x in range(t.lines[li].lag_bound + 1)]

    while True:
        best: tuple[float, tuple[int, dt.date], list[tuple[int, int, int]]] | None = None
        for key in sorted(riders):
            li, d = key
            v = t.lines[li].vehicle
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
            room = t.k_cap[key]
            gain = -float(m.obj.get(t.k[key], 0))
            take: list[tuple[int, int, int]] = []
            for value, gi, var in cands:
                if room <= 0:
                    break
                cnt = min(room, remaining[gi])
                take.append((gi, var, cnt))
                gain += value * cnt
                room -= cnt
            if take and gain > 0 and (best is None or gain > best[0]):
                best = (gain, key, take)
        if best is None:
            break
        _gain, (li, d), take = best
        vals[t.k[(li, d)]] += 1
        name = t.lines[li].vehicle.name
        for day in days_of(li, d):
            out[(name, day)] = out.get((name, day), 0) + 1
        for gi, var, cnt in take:
            vals[var] += cnt
            remaining[gi] -= cnt
    # Whole collectors and feeders for what the trains carry.
    load_z: dict[tuple[int, dt.date], float] = defaultdict(float)
    load_q: dict[tuple[str, int, dt.date], float] = defaultdict(float)
    for (gi, li, d), var in t.h.items():
        if vals[var]:
            load_z[(li, d)] += vals[var]
            if (groups[gi].county, li, d) in t.q:
                load_q[(groups[gi].county, li, d)] += vals[var]
    fname = ctx.feeder.name
    for key, load in load_z.items():
        cnt = math.ceil(load / max(1, t.z_cap[key]))
        vals[t.z[key]] = cnt
        day = key[1] + dt.timedelta(days=t.lines[key[0]].lag_plan)
        out[(fname, day)] = out.get((fname, day), 0) + cnt
    for qk, load in load_q.items():
        cnt = math.ceil(load / max(1, t.q_cap[qk]))
        vals[t.q[qk]] = cnt
        out[(fname, qk[2])] = out.get((fname, qk[2]), 0) + cnt


def _savings_hint(
    m: LinModel,
    groups: Sequence[Group],
    n: Mapping[tuple[str, dt.date, str], int],
    n_cap: Mapping[tuple[str, dt.date, str], int],
    f: Mapping[tuple[int, str, dt.date], int],
    s: Mapping[int, int],
    ctx: Context,
    used: Mapping[tuple[str, dt.date], int],
    trains: _TrainHint | None = None,
) -> list[float]:
    """A good plan to start from, by greedy savings: repeatedly hire the coach (county, day,
    kind) whose passengers' alternative (coming alone, at the model's price) saves the most
    over its cost, filling it with the people who gain most (tight windows first); stop when
    no coach saves money; the rest come alone. Vehicle limits are respected. With ``trains``,
    special trains are chosen first the same way (``_trains_first``)."""
    vals: list[float] = [0.0] * len(m.lb)
    remaining = [g.size for g in groups]
    members: dict[tuple[str, dt.date], list[tuple[int, int]]] = defaultdict(list)
    for (gi, a, d), var in f.items():
        members[(a, d)].append((gi, var))
    n_opts = [len(g.coach) for g in groups]
    alone = [m.obj.get(s[gi], 0) for gi in range(len(groups))]
    hire = {a: ctx.plan_coach(a)[1] for a, _d in members}
    out: dict[tuple[str, dt.date], int] = defaultdict(int)
    out.update(used)
    if trains is not None:
        _trains_first(m, groups, n, n_cap, f, s, ctx, trains, vals, remaining, out)
    fleet = {v.name: v for v in ctx.coach_types}
    by_ad: dict[tuple[str, dt.date], list[str]] = defaultdict(list)
    for a, d, name in n:
        by_ad[(a, d)].append(name)
    cache: dict[tuple[str, dt.date, str], tuple[float, list[tuple[int, int, int]]]] = {}
    group_keys: dict[int, list[tuple[str, dt.date]]] = defaultdict(list)
    for key, mem in members.items():
        for gi, _var in mem:
            group_keys[gi].append(key)

    def evaluate(a: str, d: dt.date, name: str) -> tuple[float, list[tuple[int, int, int]]]:
        cap = n_cap[(a, d, name)]
        cands = []
        for gi, var in members[(a, d)]:
            if remaining[gi] <= 0:
                continue
            value = alone[gi] - m.obj.get(var, 0)
            if value > 0:
                cands.append((value, n_opts[gi], gi, var))
        cands.sort(key=lambda c: (-c[0], c[1], c[2]))
        take: list[tuple[int, int, int]] = []
        room = cap
        gain = 0.0
        for value, _o, gi, var in cands:
            if room <= 0:
                break
            k = min(room, remaining[gi])
            take.append((gi, var, k))
            gain += value * k
            room -= k
        return gain - m.obj.get(n[(a, d, name)], 0), take

    dirty: set[tuple[str, dt.date, str]] = set(n)
    while True:
        for ck in dirty:
            cache[ck] = evaluate(*ck)
        dirty = set()
        best: tuple[float, tuple[str, dt.date, str], list[tuple[int, int, int]]] | None = None
        for ck in sorted(cache):
            gain, take = cache[ck]
            if gain <= 0 or not take:
                continue
            a, d, name = ck
            v = fleet[name]
            if v.available is not None and any(
                out.get((name, d + dt.timedelta(days=x)), 0) + 1 > v.available
                for x in range(hire[a])
            ):
                continue
            if best is None or gain > best[0]:
                best = (gain, ck, take)
        if best is None:
            break
        _gain, chosen, take = best
        a, d, name = chosen
        vals[n[chosen]] += 1
        for x in range(hire[a]):
            out[(name, d + dt.timedelta(days=x))] = out.get((name, d + dt.timedelta(days=x)), 0) + 1
        for gi, var, k in take:
            remaining[gi] -= k
            vals[var] += k
            for kk in group_keys[gi]:
                for nm in by_ad[kk]:
                    dirty.add((kk[0], kk[1], nm))
        dirty.add(chosen)
    for gi, r in enumerate(remaining):
        vals[s[gi]] += r
    return vals


def _greedy_hint(
    m: LinModel,
    groups: Sequence[Group],
    n: Mapping[tuple[str, dt.date, str], int],
    f: Mapping[tuple[int, str, dt.date], int],
    s: Mapping[int, int],
    ctx: Context,
    used: Mapping[tuple[str, dt.date], int],
) -> list[float]:
    """A simple plan to start from: each group on coaches from its own county on the latest
    day its window allows where a vehicle is free (largest kind first), else it comes alone."""
    vals: list[float] = [0] * len(m.lb)
    load: dict[tuple[str, dt.date, str], int] = defaultdict(int)  # people per (a, d, kind)
    out: dict[tuple[str, dt.date], int] = defaultdict(int)
    out.update(used)

    def coaches_needed(key: tuple[str, dt.date, str], extra: int) -> tuple[int, int]:
        a, d, name = key
        v = next(x for x in ctx.coach_types if x.name == name)
        cap = max(1, ctx.cap(v, d, (a,)))
        return math.ceil(load[key] / cap), math.ceil((load[key] + extra) / cap)

    for gi in sorted(range(len(groups)), key=lambda i: (groups[i].county, -groups[i].size, i)):
        g = groups[gi]
        own = sorted(
            ((a, d) for a, d in g.coach if a == g.county and (gi, a, d) in f),
            key=lambda o: o[1],
            reverse=True,
        )
        placed = False
        for a, d in own:
            for v in ctx.coach_types:
                key = (a, d, v.name)
                if key not in n:
                    continue
                before, after = coaches_needed(key, g.size)
                hire = ctx.plan_coach(a)[1]
                days = [d + dt.timedelta(days=x) for x in range(hire)]
                if (
                    v.available is not None
                    and after > before
                    and any(
                        out.get((v.name, day), 0) + after - before > v.available for day in days
                    )
                ):
                    continue
                for day in days:
                    out[(v.name, day)] = out.get((v.name, day), 0) + after - before
                load[key] += g.size
                vals[f[(gi, a, d)]] += g.size
                placed = True
                break
            if placed:
                break
        if not placed:
            vals[s[gi]] = g.size
    for key, cnt in load.items():
        a, d, name = key
        v = next(x for x in ctx.coach_types if x.name == name)
        vals[n[key]] = math.ceil(cnt / max(1, ctx.cap(v, d, (a,))))
    return vals


__all__ = ["Context", "Decision", "Group", "TrainLine", "build_groups", "solve_province", "to_min"]
