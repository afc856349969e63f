"""One trip at a time: the shared state of trip building (``Built``, trip ids), stops and
places, and a coach trip with its timetable and cost (``TripMaker.coach_trip``).

Rules implemented:

- a coach drives through its stops and back empty to its first; nobody boards or alights on
  the way; drop-offs are visited in an order found by nearest neighbour and 2-opt
  (``order_dropoffs``);
- a coach leaves at the allowed start time that gives the fewest hire days; if someone on
  board would arrive after their deadline it leaves up to three days earlier when everyone on
  board is free to leave then (and the vehicle has the room that day);
- a vehicle is occupied every day from its departure to the end of its return.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from planner.domain import Stop, StopKind, Trip, Unserved, VehicleKind, VehicleType
from planner.optimise.model import Context
from planner.optimise.prepare import Person
from planner.rules.costs import coach_cost_fen, round_km
from planner.rules.drivers import drivers_needed
from planner.rules.timetable import (
    Schedule,
    coach_start,
    coach_timetable,
    day_of,
    from_min,
    hire_days,
)


@dataclass
class Built:
    """Trips and who is on them."""

    trips: list[Trip] = field(default_factory=list)
    main: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (trip, pickup name)
    legs: dict[str, list[str]] = field(default_factory=dict)
    unserved: list[Unserved] = field(default_factory=list)
    late: list[Person] = field(default_factory=list)
    # People whose shared coach would be late and for whom a coach of their own costs more than
    # they would coming alone: (person, cost of a seat on that coach, people it would carry).
    late_alone: list[tuple[Person, int, int]] = field(default_factory=list)
    coach_people: dict[str, list[Person]] = field(default_factory=dict)
    trip_occ: dict[str, tuple[str, dt.date, dt.date]] = field(default_factory=dict)
    overflow: list[Person] = field(default_factory=list)
    occupancy: dict[tuple[str, dt.date], int] = field(default_factory=lambda: defaultdict(int))


class Ids:
    """Deterministic trip ids that never collide with fixed ones."""

    def __init__(self, taken: set[str]) -> None:
        self.taken = set(taken)
        self.counters: dict[str, int] = defaultdict(int)

    def next(self, prefix: str) -> str:
        while True:
            self.counters[prefix] += 1
            tid = f"{prefix}{self.counters[prefix]:04d}"
            if tid not in self.taken:
                self.taken.add(tid)
                return tid


def _bearing(ctx: Context, key: str) -> float:
    sc = ctx.inst.scenario
    if key not in ctx.inst.index:
        return 0.0
    lat, lon = _latlon(ctx, key)
    return math.atan2(lat - sc.destination.lat, (lon - sc.destination.lon) * 0.87)


def _latlon(ctx: Context, key: str) -> tuple[float, float]:
    sc = ctx.inst.scenario
    if key.startswith("c:"):
        o = ctx.inst.origins[key[2:]]
        return o.lat, o.lon
    if key.startswith("e:"):
        e = ctx.inst.scenario_employers[key[2:]]
        return e.lat, e.lon
    if key.startswith("s:") or key.startswith("d:"):
        for v in sc.fleet:
            if v.kind is VehicleKind.TRAIN:
                if key == f"s:{v.origin_station}":
                    return float(v.origin_lat or sc.destination.lat), float(
                        v.origin_lon or sc.destination.lon
                    )
                for name, lat, lon in v.extra_stations:
                    if key == f"s:{name}":
                        return float(lat), float(lon)
                if key == f"d:{v.dest_station or sc.destination.name}":
                    return float(v.dest_lat or sc.destination.lat), float(
                        v.dest_lon or sc.destination.lon
                    )
    return sc.destination.lat, sc.destination.lon


def order_dropoffs(
    dist: Callable[[str, str], float],
    start: str,
    end: str,
    stops: Sequence[str],
    *,
    two_opt: bool = True,
) -> list[str]:
    """Visit ``stops`` from ``start`` and finish towards ``end``: nearest neighbour, then 2-opt
    (``two_opt=False``: nearest neighbour alone, for a long tour only cut into coach loads).

    Distances are read once into a table over the places involved (the 2-opt rounds ask for
    the same pairs again and again)."""
    left = sorted(stops)
    places = sorted({start, end, *left})
    at = {k: i for i, k in enumerate(places)}
    table = [[dist(a, b) for b in places] for a in places]
    route: list[str] = []
    cur = start
    while left:
        row = table[at[cur]]
        nxt = min(left, key=lambda k: (row[at[k]], k))
        route.append(nxt)
        left.remove(nxt)
        cur = nxt
    if len(route) < 3 or not two_opt:
        return route
    path = [at[k] for k in (start, *route, end)]
    improved = True
    rounds = 0
    while improved and rounds < 50:
        improved = False
        rounds += 1
        for i in range(1, len(path) - 2):
            for j in range(i + 1, len(path) - 1):
                a, b, c, d = path[i - 1], path[i], path[j], path[j + 1]
                if table[a][c] + table[b][d] < table[a][b] + table[c][d] - 1e-9:
                    path[i : j + 1] = reversed(path[i : j + 1])
                    improved = True
    return [places[i] for i in path[1:-1]]


class TripMaker:
    """Makes trips for decisions, sharing ids and occupancy (the base of ``Builder``)."""

    def __init__(
        self,
        ctx: Context,
        taken_ids: set[str],
        router_limit: Callable[[], tuple[float, int | None]],
    ) -> None:
        self.ctx = ctx
        self.ids = Ids(taken_ids)
        self.router_limit = router_limit
        self.router_stats: list[dict] = []
        self._saved_occ: dict[str, tuple[dt.date, dt.date]] = {}

    # --- helpers -------------------------------------------------------------------------------
    def km(self, a: str, b: str) -> float:
        return self.ctx.inst.km(a, b)

    def stop(self, key: str, kind: StopKind, t: int | None) -> Stop:
        ctx = self.ctx
        lat, lon = _latlon(ctx, key)
        if key.startswith("c:"):
            o = ctx.inst.origins[key[2:]]
            name, ref = o.name, o.adcode
        elif key.startswith("e:"):
            e = ctx.inst.scenario_employers[key[2:]]
            name, ref = e.name, e.uscc
        elif key == "hub":
            name = ref = ctx.inst.scenario.destination.name
        else:
            name = ref = key[2:]
        return Stop(
            kind=kind,
            name=name,
            ref=ref,
            lat=lat,
            lon=lon,
            time=from_min(t) if t is not None else None,
        )

    def occupy(self, built: Built, vehicle: str, first: dt.date, last: dt.date) -> None:
        d = first
        while d <= last:
            built.occupancy[(vehicle, d)] += 1
            d += dt.timedelta(days=1)

    def coach_trip(
        self,
        built: Built,
        prefix: str,
        v: VehicleType,
        keys: Sequence[tuple[str, StopKind]],
        day: dt.date,
        cap: int,
        load: int,
        origin: str,
        *,
        start_min: int | None = None,
        parent: str | None = None,
        deadline_of_stop: dict[int, dt.date] | None = None,
        earliest_day: dt.date | None = None,
    ) -> Trip | None:
        """A coach driving through ``keys`` then back to the first; None if no lawful start.

        It leaves on ``day`` (at ``start_min`` if given, else at the best allowed start), or
        on one of up to three earlier days back to ``earliest_day`` when that brings everyone
        on board by ``deadline_of_stop`` (stop index -> last day); leaving earlier, its
        capacity is that of its departure day."""
        legs = [self.km(a, b) for (a, _), (b, _) in itertools.pairwise(keys)]
        legs.append(self.km(keys[-1][0], keys[0][0]))
        drivers = drivers_needed(sum(legs[:-1]), self.ctx.rules)
        total = round_km(sum(legs))
        picks = [k[2:] for k, kind in keys if kind is StopKind.PICKUP] or [origin]
        days = [day]
        if earliest_day is not None:
            days += self._earlier_days(v, day, earliest_day, picks, load)
        s0, sch = self._departure(days, start_min, legs, drivers, len(keys), deadline_of_stop)
        if earliest_day is not None:
            cap = self.ctx.cap(v, day_of(s0), picks)
        stops = [self.stop(keys[0][0], keys[0][1], s0)]
        for i, (k, kind) in enumerate(keys[1:], start=1):
            stops.append(self.stop(k, kind, sch.arrive[i - 1]))
        tid = self.ids.next(prefix)
        trip = Trip(
            trip_id=tid,
            kind=VehicleKind.COACH,
            vehicle=v.name,
            depart=from_min(s0),
            arrive=from_min(sch.arrive[len(keys) - 2]),
            stops=tuple(stops),
            seats=v.seats,
            capacity=cap,
            load=load,
            distance_km=total,
            cost_fen=coach_cost_fen(v, total, hire_days(s0, sch.end), drivers),
            drivers=drivers,
            origin_adcode=origin,
            parent_trip_id=parent,
        )
        self.occupy(built, v.name, day_of(s0), day_of(sch.end))
        built.trip_occ[tid] = (v.name, day_of(s0), day_of(sch.end))
        return trip

    def _earlier_days(
        self, v: VehicleType, day: dt.date, earliest_day: dt.date, picks: list[str], load: int
    ) -> list[dt.date]:
        """Up to three days before ``day``, latest first and back to ``earliest_day`` (and the
        plan's first day), on which ``v`` leaving ``picks`` has room for ``load``."""
        out: list[dt.date] = []
        d = day - dt.timedelta(days=1)
        while d >= max(earliest_day, self.ctx.inst.scenario.plan_from) and len(out) < 3:
            if self.ctx.cap(v, d, picks) >= load:
                out.append(d)
            d -= dt.timedelta(days=1)
        return out

    def _departure(
        self,
        days: list[dt.date],
        start_min: int | None,
        legs: list[float],
        drivers: int,
        n_stops: int,
        deadline_of_stop: dict[int, dt.date] | None,
    ) -> tuple[int, Schedule]:
        """(start minute, timetable): on the first of ``days`` where nobody is late (else the
        last day tried), the start that is on time, then fewest hire days, then earliest
        arrival at the last stop, then earliest."""
        p = self.ctx.params
        chosen = None
        for dd in days:
            starts = (
                [start_min]
                if start_min is not None
                else [coach_start(dd, st) for st in p.coach_start_min]
            )
            best = None
            for s0 in starts:
                sch = coach_timetable(
                    s0,
                    legs,
                    drivers=drivers,
                    speed_kmh=p.speed_kmh,
                    rules=self.ctx.rules,
                    dwell_min=p.stop_dwell_min,
                )
                late = any(
                    day_of(sch.arrive[i - 1]) > dl for i, dl in (deadline_of_stop or {}).items()
                )
                cand = (late, hire_days(s0, sch.end), sch.arrive[n_stops - 2], s0, sch)
                if best is None or cand[:4] < best[:4]:
                    best = cand
            assert best is not None
            chosen = best
            if not best[0]:
                break
        assert chosen is not None
        return chosen[3], chosen[4]


def _split_loads(caps: Sequence[int], n: int) -> list[int]:
    """Fill vehicles in order up to capacity."""
    out = []
    for c in caps:
        x = min(c, n)
        out.append(x)
        n -= x
    if n > 0:
        raise AssertionError(f"{n} people left over: capacity short")
    return out


def _chunks(items: Sequence, sizes: Sequence[int]) -> list[list]:
    out = []
    pos = 0
    for s in sizes:
        out.append(list(items[pos : pos + s]))
        pos += s
    return out
