"""What every model of a planning unit shares: the fleet, distance and cost estimates, the
load caps and the special-train lines (``Context``).

Plan estimates (``plan_*``) price what a real trip will probably cost; bound figures
(``bound_*``, ``*_relaxed``, ``*_bound``) are never above what any lawful trip costs or below
what it may carry (see ``planner.optimise.model.bound``).
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Sequence

from planner.domain import LoadCap, VehicleKind, VehicleType
from planner.optimise.instance import Instance
from planner.optimise.model.groups import TrainLine
from planner.optimise.prepare import Person
from planner.rules.costs import coach_cost_fen, collector_cost_fen, feeder_cost_fen
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
)

BOUND_ROUNDING_MIN = 40  # bound: per-leg rounding of driving minutes (≤ 0.5 min × 80 legs)


def daterange(a: dt.date, b: dt.date) -> list[dt.date]:
    """Days from ``a`` to ``b`` inclusive."""
    return [a + dt.timedelta(days=i) for i in range((b - a).days + 1)]


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
        # plan_coach and plan_lag are asked tens of thousands of times per plan for a few
        # thousand (county, pool) pairs: each answer is kept.
        self._plan_coach: dict[tuple[str, tuple[str, ...]], tuple[int, int, int]] = {}
        self._plan_lag: dict[tuple[str, str], int] = {}

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

    def plan_route(self, a: str, pool: Sequence[str] = ()) -> tuple[float, ...]:
        """Legs (km) of the typical coach whose first pickup is ``a``, as the builder makes it
        (``CoachBuilder._one_coach``): it boards at ``a`` and then at the other counties of
        ``pool`` in order of falling distance from the hub (at most ``max_pickups`` stops),
        drives to the district, drops off (``dropoff_allowance_km``) and goes back empty to
        ``a``. Without ``pool``: ``a`` alone."""
        order = sorted({a, *pool}, key=lambda c: (c != a, -self.dhub(c), c))
        keys = [f"c:{c}" for c in order[: max(1, self.params.max_pickups)]]
        picks = tuple(round(self.inst.km(x, y), 1) for x, y in itertools.pairwise(keys))
        last = keys[-1][2:]
        return (
            *picks,
            round(self.dhub(last), 1),
            self.params.dropoff_allowance_km,
            round(self.dhub(a), 1),
        )

    def plan_coach(self, a: str, pool: Sequence[str] = ()) -> tuple[int, int, int]:
        """Estimated (lag, hire days, drivers) of a coach from county ``a`` (boarding ``pool``
        too, see ``plan_route``), by the timetable the builder uses (``coach_profile``)."""
        key = (a, tuple(pool))
        found = self._plan_coach.get(key)
        if found is None:
            legs = self.plan_route(a, pool)
            found = self._plan_coach[key] = self.profile(legs, len(legs) - 1)
        return found

    def plan_lag(self, a: str, c: str) -> int:
        """Estimated arrival day offset of someone from ``c`` on a coach whose first pickup is
        ``a``: the pickup detour, the long leg, drop-offs (the allowance split over 8 stops)."""
        found = self._plan_lag.get((a, c))
        if found is not None:
            return found
        p = self.params
        first = round(self.inst.km(f"c:{a}", f"c:{c}"), 1) if a != c else 0.0
        drop = round(p.dropoff_allowance_km / 8, 1)
        legs = (
            ((first,) if a != c else ())
            + (round(self.dhub(c), 1),)
            + (drop,) * 8
            + (round(self.dhub(a), 1),)
        )
        found = self._plan_lag[(a, c)] = self.profile(legs, len(legs) - 1)[0]
        return found

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
    def train_calls(self, v: VehicleType) -> tuple[tuple[tuple[str, int], ...], str, float]:
        """A train's boarding stations in calling order, each with the minutes after it leaves
        the first that it leaves there (road km so far at ``train_speed_kmh``, no dwell), its
        arrival station and its km in all (first station, the others in turn, arrival)."""
        sc = self.inst.scenario
        dkey = f"d:{v.dest_station or sc.destination.name}"
        calls: list[tuple[str, int]] = []
        km = 0.0
        prev = None
        for name, _lat, _lon in v.boarding_stations:
            key = f"s:{name}"
            if prev is not None:
                km += self.inst.km(prev, key)
            calls.append((key, drive_minutes(km, self.params.train_speed_kmh)))
            prev = key
        assert prev is not None
        return tuple(calls), dkey, km + self.inst.km(prev, dkey)

    def lines_for(self, counties: Sequence[str]) -> list[TrainLine]:
        """The train lines the people of ``counties`` may take: those boarding at a station in
        one of their provinces. A county's people board at its nearest station of the train in
        its own province (the train's catchment, ``_catchment``), so a train calling in two
        provinces serves both; its load cap is its first station's province's."""
        p = self.params
        sc = self.inst.scenario
        provinces = {self.inst.origins[c].province_code for c in counties}
        out: list[TrainLine] = []
        for i, v in enumerate(self.train_types):
            calls, dkey, km = self.train_calls(v)
            province_of = {k: self.inst.station_province.get(k[2:], "") for k, _off in calls}
            if not provinces & set(province_of.values()):
                continue
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
            catch, walk, board = self._catchment(calls, province_of, counties, ref)
            out.append(
                TrainLine(
                    index=i,
                    vehicle=v,
                    station_key=calls[0][0],
                    dest_key=dkey,
                    province=province_of[calls[0][0]],
                    km=km,
                    lag_plan=lag_plan,
                    lag_bound=lag_bound,
                    feeder_lag=(day_of(arr + p.transfer_min) - ref).days,
                    earliest=sc.plan_from + dt.timedelta(days=v.lead_days),
                    catchment=tuple(catch),
                    walk_in=frozenset(walk),
                    stations=calls,
                    board=board,
                )
            )
        return out

    def _catchment(
        self,
        calls: Sequence[tuple[str, int]],
        province_of: dict[str, str],
        counties: Sequence[str],
        ref: dt.date,
    ) -> tuple[list[str], set[str], dict[str, str]]:
        """The counties that may ride a train calling at ``calls`` (stations in the provinces
        ``province_of``), those that walk in, and the station each boards at: its nearest in
        its own province (the first on a tie), walked to within ``walk_in_km``, else reached
        by a collector within ``collector_radius_km`` that can be there ``transfer_min``
        before the train leaves it."""
        p = self.params
        catch: list[str] = []
        walk: set[str] = set()
        board: dict[str, str] = {}
        for c in counties:
            own = self.inst.origins[c].province_code
            near = [
                (self.inst.km(f"c:{c}", k), j, k, off)
                for j, (k, off) in enumerate(calls)
                if province_of[k] == own
            ]
            if not near:
                continue
            d, _pos, key, offset = min(near)
            if d <= p.walk_in_km:
                catch.append(c)
                walk.add(c)
                board[c] = key
            elif (
                d <= p.collector_radius_km
                and self.collector_start(c, key, ref, offset) is not None
            ):
                catch.append(c)
                board[c] = key
        return catch, walk, board

    def collector_start(
        self, c: str, station_key: str, day: dt.date, offset_min: int = 0
    ) -> int | None:
        """The latest lawful start (minute) of a collector from ``c`` on ``day`` that reaches
        ``station_key`` ``transfer_min`` before the train leaves it (``offset_min`` after the
        train's departure from its first station); ``None`` if none does."""
        p = self.params
        km = self.inst.km(f"c:{c}", station_key)
        deadline = coach_start(day, p.train_depart_min) + offset_min - p.transfer_min
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
        """The estimated cost of a collector from ``c`` to the station it boards at."""
        km = self.inst.km(f"c:{c}", line.boards_at(c)[0])
        _lag, hire, drivers = self.profile((round(km, 1), round(km, 1)), 1)
        return collector_cost_fen(self.feeder, km, hire, drivers)

    def bound_collector_cost(self, c: str, line: TrainLine) -> int:
        """No collector from ``c`` to any of the line's stations costs less: it drives there
        and back (≥ 2·km by the triangle inequality), is hired for at least a day, with ≥ 1
        driver; the least over the stations it might go to."""
        keys = [k for k, _off in line.stations] or [line.station_key]
        km = min(self.inst.km(f"c:{c}", k) for k in keys)
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
