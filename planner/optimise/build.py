"""Turn the model's decisions into trips with stops, times, manifests and costs.

Rules implemented:

- a coach boards at its first pickup county (the farthest from the district), then at the
  other counties of its pool in order of falling distance, then drives to the district and
  drops off at employers in an order found by nearest neighbour and 2-opt; nobody boards or
  alights on the way; it then drives back empty to its first pickup;
- people of one (county, day) are spread over that day's coaches keeping employers that lie
  close together on the same coach (sorted by bearing from the district's hub);
- each coach leaves at the allowed start time that gives the fewest hire days; if someone on
  board would arrive after their deadline the coach leaves a day earlier when everyone on
  board is free to leave then;
- a special train leaves its station at ``train_depart_time``; people of the station's own
  county walk in, others come by collector coach (leaving the same day, arriving
  ``transfer_min`` before the train); feeders leave the arrival station ``transfer_min`` after
  the train arrives and are routed as a CVRP (``planner.optimise.routing``), whole coachloads
  for one employer going direct.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from planner.domain import Stop, StopKind, Travel, Trip, Unserved, VehicleKind, VehicleType
from planner.optimise.model import Context, Decision, TrainLine
from planner.optimise.prepare import Person
from planner.rules.costs import coach_cost_fen, round_km, train_cost_fen
from planner.rules.drivers import drivers_needed
from planner.rules.timetable import (
    coach_start,
    coach_timetable,
    day_of,
    drive_minutes,
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
                if key == f"d:{v.dest_station or sc.destination.name}":
                    return float(v.dest_lat or sc.destination.lat), float(
                        v.dest_lon or sc.destination.lon
                    )
    return sc.destination.lat, sc.destination.lon


def order_dropoffs(
    dist: Callable[[str, str], float], start: str, end: str, stops: Sequence[str]
) -> list[str]:
    """Visit ``stops`` from ``start`` and finish towards ``end``: nearest neighbour, then 2-opt."""
    left = sorted(stops)
    route: list[str] = []
    cur = start
    while left:
        nxt = min(left, key=lambda k: (dist(cur, k), k))
        route.append(nxt)
        left.remove(nxt)
        cur = nxt
    if len(route) < 3:
        return route
    path = [start, *route, end]
    improved = True
    rounds = 0
    while improved and rounds < 50:
        improved = False
        rounds += 1
        for i in range(1, len(path) - 2):
            for j in range(i + 1, len(path) - 1):
                a, b, c, d = path[i - 1], path[i], path[j], path[j + 1]
                if dist(a, c) + dist(b, d) < dist(a, b) + dist(c, d) - 1e-9:
                    path[i : j + 1] = reversed(path[i : j + 1])
                    improved = True
    return path[1:-1]


class Builder:
    """Builds trips for decisions, one province at a time, sharing ids and occupancy."""

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
        """A coach driving through ``keys`` then back to the first; None if no lawful start."""
        p = self.ctx.params
        legs = [self.km(a, b) for (a, _), (b, _) in itertools.pairwise(keys)]
        legs.append(self.km(keys[-1][0], keys[0][0]))
        loaded = sum(legs[:-1])
        drivers = drivers_needed(loaded, self.ctx.rules)
        total = round_km(sum(legs))
        chosen = None
        days_to_try = [day]
        if earliest_day is not None:
            picks = [k[2:] for k, kind in keys if kind is StopKind.PICKUP] or [origin]
            d = day - dt.timedelta(days=1)
            while d >= max(earliest_day, self.ctx.inst.scenario.plan_from) and len(days_to_try) < 4:
                if self.ctx.cap(v, d, picks) >= load:
                    days_to_try.append(d)
                d -= dt.timedelta(days=1)
        for dd in days_to_try:
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
                cand = (late, hire_days(s0, sch.end), sch.arrive[len(keys) - 2], s0, sch)
                if best is None or cand[:4] < best[:4]:
                    best = cand
            assert best is not None
            chosen = best
            if not best[0]:
                break
        assert chosen is not None
        _late, hire, _arr, s0, sch = chosen
        if earliest_day is not None:
            picks = [k[2:] for k, kind in keys if kind is StopKind.PICKUP] or [origin]
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
            cost_fen=coach_cost_fen(v, total, hire, drivers),
            drivers=drivers,
            origin_adcode=origin,
            parent_trip_id=parent,
        )
        self.occupy(built, v.name, day_of(s0), day_of(sch.end))
        built.trip_occ[tid] = (v.name, day_of(s0), day_of(sch.end))
        return trip

    # --- coaches -------------------------------------------------------------------------------
    def build_coaches(
        self, built: Built, dec: Decision, take: Callable[[int, int], list[Person]]
    ) -> None:
        ctx = self.ctx
        types = {v.name: v for v in ctx.coach_types}
        riders: dict[tuple[str, dt.date], list[Person]] = defaultdict(list)
        for (gi, a, d), cnt in sorted(
            dec.coach_flow.items(), key=lambda kv: (kv[0][1], kv[0][2], kv[0][0])
        ):
            riders[(a, d)].extend(take(gi, cnt))
        for a, d in sorted(riders):
            people = riders[(a, d)]
            counts = dec.coaches.get((a, d), {})
            order_c = sorted({q.county for q in people}, key=lambda c: (c != a, -ctx.dhub(c), c))
            rank = {c: i for i, c in enumerate(order_c)}
            people.sort(
                key=lambda q: (
                    rank[q.county],
                    _bearing(ctx, f"e:{q.employer}"),
                    q.employer,
                    q.order,
                )
            )
            vehicles: list[tuple[VehicleType, int]] = []
            for name in sorted(counts, key=lambda nm: -types[nm].seats):
                v = types[name]
                for _ in range(counts[name]):
                    vehicles.append((v, ctx.cap(v, d, order_c)))
            room = sum(c for _, c in vehicles)
            if len(people) > room:  # rounding of the model's flows: no seat left for a few
                built.overflow.extend(people[room:])
                people = people[:room]
            loads = _split_loads([c for _, c in vehicles], len(people))
            pos = 0
            for (v, cap), size in zip(vehicles, loads, strict=True):
                if size == 0:
                    continue
                on = people[pos : pos + size]
                pos += size
                self._one_coach(built, v, cap, a, d, on)

    def _one_coach(
        self,
        built: Built,
        v: VehicleType,
        cap: int,
        a: str,
        d: dt.date,
        on: list[Person],
        retry: bool = True,
    ) -> None:
        ctx = self.ctx
        a = (
            a
            if any(q.county == a for q in on)
            else max({q.county for q in on}, key=lambda c: (ctx.dhub(c), c))
        )
        counties = sorted({q.county for q in on}, key=lambda c: (c != a, -ctx.dhub(c), c))
        emps = sorted({f"e:{q.employer}" for q in on})
        last_pick = f"c:{counties[-1]}"
        drops = order_dropoffs(self.km, last_pick, f"c:{a}", emps)
        keys = [(f"c:{c}", StopKind.PICKUP) for c in counties] + [
            (e, StopKind.DROPOFF) for e in drops
        ]
        deadline: dict[int, dt.date] = {}
        for q in on:
            i = len(counties) + drops.index(f"e:{q.employer}")
            deadline[i] = min(deadline.get(i, q.deadline), q.deadline)
        earliest = max(q.release for q in on)
        mark = len(built.trips), dict(built.occupancy)
        trip = self.coach_trip(
            built,
            "C",
            v,
            keys,
            d,
            cap,
            len(on),
            a,
            deadline_of_stop=deadline,
            earliest_day=earliest,
        )
        assert trip is not None
        stop_day = {
            s.ref: s.time.date() for s in trip.stops if s.kind is StopKind.DROPOFF and s.time
        }
        late = [q for q in on if stop_day[q.employer] > q.deadline]
        if late:
            # Undo, then carry the late ones apart (a coach just for them) and the rest again.
            self.ids.counters["C"] -= 1
            self.ids.taken.discard(trip.trip_id)
            del built.trips[mark[0] :]
            built.trip_occ.pop(trip.trip_id, None)
            built.occupancy.clear()
            built.occupancy.update(mark[1])
            rest = [q for q in on if q not in late]
            if rest:
                self._one_coach(built, v, cap, a, d, rest, retry)
            if retry:
                by_county: dict[str, list[Person]] = defaultdict(list)
                for q in late:
                    by_county[q.county].append(q)
                for c in sorted(by_county):
                    self._late_coach(built, v, cap, d, by_county[c])
            else:
                built.late.extend(late)
            return
        built.trips.append(trip)
        built.coach_people[trip.trip_id] = list(on)
        names = {c: ctx.inst.origins[c].name for c in counties}
        for q in on:
            built.main[q.id_number] = (trip.trip_id, names[q.county])

    def _late_coach(
        self, built: Built, v: VehicleType, cap: int, d: dt.date, late: list[Person]
    ) -> None:
        """A coach just for ``late`` (people of one county whose shared coach would arrive too
        late), unless it costs more than they would alone: then they are advised to come on
        their own (``built.late_alone``), as the model does for a seat costing more than
        ``seat_cost_multiple`` × the subsidy (a seat-seeker) or than the subsidy (either way)."""
        ctx = self.ctx
        mark = len(built.trips)
        counters = dict(self.ids.counters)
        self._one_coach(built, v, cap, late[0].county, d, late, retry=False)
        new = built.trips[mark:]
        on = [q for t in new for q in built.coach_people[t.trip_id]]
        mult = ctx.inst.seat_cost_multiple
        worth = sum(
            q.subsidy_fen if q.travel is Travel.EITHER else mult * q.subsidy_fen for q in on
        )
        cost = sum(t.cost_fen for t in new)
        if not new or cost <= worth:
            return
        for t in new:
            self._remove(built, t)
            self.ids.taken.discard(t.trip_id)
        self.ids.counters.clear()
        self.ids.counters.update(counters)
        seat = cost // max(1, len(on))
        built.late_alone.extend((q, seat, len(on)) for q in on)

    # --- merging half-empty coaches --------------------------------------------------------
    def _remove(self, built: Built, trip: Trip) -> list[Person]:
        built.trips.remove(trip)
        name, first, last = built.trip_occ.pop(trip.trip_id)
        d = first
        while d <= last:
            built.occupancy[(name, d)] -= 1
            d += dt.timedelta(days=1)
        people = built.coach_people.pop(trip.trip_id)
        for q in people:
            built.main.pop(q.id_number, None)
        return people

    def _restore(self, built: Built, trip: Trip, people: list[Person]) -> None:
        built.trips.append(trip)
        name = trip.vehicle
        v_first, v_last = self._saved_occ[trip.trip_id]
        built.trip_occ[trip.trip_id] = (name, v_first, v_last)
        self.occupy(built, name, v_first, v_last)
        built.coach_people[trip.trip_id] = people
        picks = {s.ref: s.name for s in trip.stops if s.kind is StopKind.PICKUP}
        for q in people:
            built.main[q.id_number] = (trip.trip_id, picks[q.county])

    def merge_coaches(
        self, built: Built, first_index: int, used: dict[tuple[str, dt.date], int]
    ) -> int:
        """Merge pairs of part-filled coaches of one prefecture and day into one coach when that
        is cheaper, lawful and on time (trips from ``first_index`` on). Returns merges done."""
        ctx = self.ctx
        p = ctx.params
        fleet = {v.name: v for v in ctx.coach_types}
        merges = 0
        improved = True
        while improved:
            improved = False
            coaches = [
                t
                for t in built.trips[first_index:]
                if t.trip_id in built.coach_people and t.load < t.capacity
            ]
            buckets: dict[tuple[str, dt.date], list[Trip]] = defaultdict(list)
            for t in coaches:
                pref = ctx.inst.origins[t.origin_adcode].prefecture_code
                buckets[(pref, t.depart_date)].append(t)
            for key in sorted(buckets):
                trips = sorted(buckets[key], key=lambda t: (t.load, t.trip_id))
                done = False
                for i, t1 in enumerate(trips):
                    for t2 in trips[i + 1 :]:
                        if self._try_merge(built, t1, t2, fleet, used, p.max_pickups):
                            merges += 1
                            done = improved = True
                            break
                    if done:
                        break
        return merges

    def _try_merge(
        self,
        built: Built,
        t1: Trip,
        t2: Trip,
        fleet: dict[str, VehicleType],
        used: dict[tuple[str, dt.date], int],
        max_pickups: int,
    ) -> bool:
        people = built.coach_people[t1.trip_id] + built.coach_people[t2.trip_id]
        v = max((fleet[t1.vehicle], fleet[t2.vehicle]), key=lambda x: (x.seats, x.name))
        return self._try_rebuild(built, [t1, t2], [people], v, used, max_pickups)

    def repack_coaches(
        self, built: Built, first_index: int, used: dict[tuple[str, dt.date], int]
    ) -> int:
        """Re-pack the coaches of one prefecture and day into fewer, fuller ones (people sorted
        by county, farthest first) when that is cheaper, lawful and on time."""
        ctx = self.ctx
        fleet = {v.name: v for v in ctx.coach_types}
        buckets: dict[tuple[str, dt.date], list[Trip]] = defaultdict(list)
        for t in built.trips[first_index:]:
            if t.trip_id in built.coach_people:
                pref = ctx.inst.origins[t.origin_adcode].prefecture_code
                buckets[(pref, t.depart_date)].append(t)
        done = 0
        for key in sorted(buckets):
            trips = buckets[key]
            if len(trips) < 2:
                continue
            v = max((fleet[t.vehicle] for t in trips), key=lambda x: (x.seats, x.name))
            people = [q for t in trips for q in built.coach_people[t.trip_id]]
            counties = sorted({q.county for q in people})
            cap = ctx.cap(v, key[1], counties)
            need = -(-len(people) // max(1, cap))
            if need >= len(trips):
                continue
            people.sort(
                key=lambda q: (-ctx.dhub(q.county), q.county, _bearing(ctx, f"e:{q.employer}"))
            )
            chunks = [people[k : k + cap] for k in range(0, len(people), cap)]
            if self._try_rebuild(built, trips, chunks, v, used, ctx.params.max_pickups):
                done += len(trips) - len(chunks)
        return done

    def _try_rebuild(
        self,
        built: Built,
        old: list[Trip],
        chunks: list[list[Person]],
        v: VehicleType,
        used: dict[tuple[str, dt.date], int],
        max_pickups: int,
    ) -> bool:
        """Replace coaches ``old`` by one coach ``v`` per chunk if cheaper, lawful and on time."""
        ctx = self.ctx
        d = old[0].depart_date
        plans = []
        for chunk in chunks:
            counties = sorted({q.county for q in chunk}, key=lambda c: (-ctx.dhub(c), c))
            if len(counties) > max_pickups:
                return False
            a = counties[0]
            if any(ctx.inst.km(f"c:{a}", f"c:{c}") > ctx.params.pickup_radius_km for c in counties):
                return False
            cap = ctx.cap(v, d, counties)
            if len(chunk) > cap:
                return False
            plans.append((a, cap, chunk))
        self._saved_occ = {
            t.trip_id: (built.trip_occ[t.trip_id][1], built.trip_occ[t.trip_id][2]) for t in old
        }
        old_cost = sum(t.cost_fen for t in old)
        saved = [(t, self._remove(built, t)) for t in old]
        mark = len(built.trips)
        late_mark = len(built.late)
        counters = dict(self.ids.counters)
        for a, cap, chunk in plans:
            self._one_coach(built, v, cap, a, d, list(chunk), retry=False)
        new = built.trips[mark:]
        ok = (
            len(built.late) == late_mark
            and len(new) == len(plans)
            and sum(t.cost_fen for t in new) < old_cost
        )
        if ok and v.available is not None:
            for t in new:
                name, first, last = built.trip_occ[t.trip_id]
                day = first
                while day <= last:
                    if used.get((name, day), 0) + built.occupancy[(name, day)] > v.available:
                        ok = False
                    day += dt.timedelta(days=1)
        if ok:
            return True
        for t in list(new):
            self._remove(built, t)
            self.ids.taken.discard(t.trip_id)
        del built.late[late_mark:]
        self.ids.counters.clear()
        self.ids.counters.update(counters)
        for t, ppl in saved:
            self._restore(built, t, ppl)
        return False

    # --- trains --------------------------------------------------------------------------------
    def build_trains(
        self, built: Built, dec: Decision, take: Callable[[int, int], list[Person]]
    ) -> None:
        ctx = self.ctx
        riders: dict[tuple[int, dt.date], list[Person]] = defaultdict(list)
        for (gi, li, d), cnt in sorted(
            dec.train_flow.items(), key=lambda kv: (kv[0][1], kv[0][2], kv[0][0])
        ):
            riders[(li, d)].extend(take(gi, cnt))
        for li, d in sorted(riders):
            ln = dec.lines[li]
            people = sorted(riders[(li, d)], key=lambda q: (q.county, q.employer, q.order))
            cap = ctx.cap(ln.vehicle, d, (ln.province,))
            k = max(1, dec.trains.get((li, d), 1))
            if len(people) > cap * k:
                built.overflow.extend(people[cap * k :])
                people = people[: cap * k]
            loads = _split_loads([cap] * k, len(people))
            pos = 0
            for size in loads:
                if size == 0:
                    continue
                on = people[pos : pos + size]
                pos += size
                self._one_train(built, ln, d, cap, on)

    def _one_train(
        self, built: Built, ln: TrainLine, d: dt.date, cap: int, on: list[Person]
    ) -> None:
        ctx = self.ctx
        p = ctx.params
        dep = coach_start(d, p.train_depart_min)
        arr = dep + drive_minutes(ln.km, p.train_speed_kmh)
        tid = self.ids.next("T")
        station = self.stop(ln.station_key, StopKind.STATION, dep)
        train = Trip(
            trip_id=tid,
            kind=VehicleKind.TRAIN,
            vehicle=ln.vehicle.name,
            depart=from_min(dep),
            arrive=from_min(arr),
            stops=(station, self.stop(ln.dest_key, StopKind.STATION, arr)),
            seats=ln.vehicle.seats,
            capacity=cap,
            load=len(on),
            distance_km=round_km(ln.km),
            cost_fen=train_cost_fen(ln.vehicle, ln.km),
            origin_adcode=(ln.province + "0000")[:6],  # the province's own division code
        )
        built.trips.append(train)
        self.occupy(built, ln.vehicle.name, day_of(dep), day_of(arr))
        legs: dict[str, list[str]] = {q.id_number: [] for q in on}
        # Collectors.
        by_county: dict[str, list[Person]] = defaultdict(list)
        for q in on:
            by_county[q.county].append(q)
        fv = ctx.feeder
        for c in sorted(by_county):
            group = by_county[c]
            if c in ln.walk_in:
                for q in group:
                    built.main[q.id_number] = (tid, station.name)
                continue
            ccap = ctx.cap(fv, d, (c,))
            start = ctx.collector_start(c, ln.vehicle, d)
            assert start is not None
            n_coaches = math.ceil(len(group) / ccap)
            for size_i, chunk in zip(
                _split_loads([ccap] * n_coaches, len(group)),
                _chunks(group, _split_loads([ccap] * n_coaches, len(group))),
                strict=True,
            ):
                trip = self.coach_trip(
                    built,
                    "K",
                    fv,
                    [(f"c:{c}", StopKind.PICKUP), (ln.station_key, StopKind.STATION)],
                    d,
                    ccap,
                    size_i,
                    c,
                    start_min=start,
                    parent=tid,
                )
                assert trip is not None
                built.trips.append(trip)
                for q in chunk:
                    legs[q.id_number].append(trip.trip_id)
                    built.main[q.id_number] = (tid, trip.stops[0].name)
        for q in on:
            legs[q.id_number].append(tid)
        # Feeders.
        self._feeders(built, ln, tid, arr, on, legs)
        for pid, ids in legs.items():
            built.legs[pid] = ids

    def _feeders(
        self,
        built: Built,
        ln: TrainLine,
        tid: str,
        arr: int,
        on: list[Person],
        legs: dict[str, list[str]],
    ) -> None:
        ctx = self.ctx
        p = ctx.params
        fv = ctx.feeder
        start = arr + p.transfer_min
        day = day_of(start)
        fcap = ctx.cap(fv, day, ("",))
        by_emp: dict[str, list[Person]] = defaultdict(list)
        for q in on:
            by_emp[f"e:{q.employer}"].append(q)
        routes: list[list[tuple[str, list[Person]]]] = []
        rest: dict[str, list[Person]] = {}
        for e in sorted(by_emp):
            ppl = by_emp[e]
            while len(ppl) >= fcap:
                routes.append([(e, ppl[:fcap])])
                ppl = ppl[fcap:]
            if ppl:
                rest[e] = ppl
        if rest:
            routes.extend(self._route(ln.dest_key, rest, fcap))
        for route in routes:
            keys = [(ln.dest_key, StopKind.STATION)] + [(e, StopKind.DROPOFF) for e, _ in route]
            load = sum(len(pp) for _, pp in route)
            trip = self.coach_trip(
                built, "F", fv, keys, day, fcap, load, "", start_min=start, parent=tid
            )
            assert trip is not None
            built.trips.append(trip)
            for _e, pp in route:
                for q in pp:
                    legs[q.id_number].append(trip.trip_id)

    def _route(
        self, depot: str, rest: dict[str, list[Person]], cap: int
    ) -> list[list[tuple[str, list[Person]]]]:
        ctx = self.ctx
        emps = sorted(rest)
        keys = [depot, *emps]
        idx = [ctx.inst.index[k] for k in keys]
        km = ctx.inst.distance_km[np.ix_(idx, idx)]
        cpk = ctx.feeder.cost_per_km_fen
        dist = np.rint(km * max(cpk, 1)).astype(np.int64)
        demands = [0] + [len(rest[e]) for e in emps]
        result_routes: list[tuple[int, ...]] | None = None
        if len(emps) > 1:
            try:
                from planner.optimise.routing import solve_cvrp

                tl, wl = self.router_limit()
                res = solve_cvrp(
                    dist,
                    demands,
                    cap,
                    fixed_vehicle_cost=ctx.feeder.fixed_cost_fen,
                    time_limit_s=tl,
                    work_limit=wl,
                    seed=ctx.params.seed,
                    compute_lower_bound=False,
                )
                if res.feasible:
                    result_routes = [tuple(r) for r in res.routes]
                    self.router_stats.append({"customers": len(emps), "cost": res.cost})
            except Exception as exc:  # the router is another module: fall back, never fail
                self.router_stats.append({"error": str(exc)})
        if result_routes is None:
            result_routes = _sweep(ctx, depot, emps, demands, cap)
        return [[(emps[i - 1], rest[emps[i - 1]]) for i in r] for r in result_routes]


def _sweep(
    ctx: Context, depot: str, emps: list[str], demands: list[int], cap: int
) -> list[tuple[int, ...]]:
    """Fallback CVRP: sweep by bearing around the depot, fill to capacity, order by 2-opt."""
    dlat, dlon = _latlon(ctx, depot)

    def angle(k: str) -> float:
        lat, lon = _latlon(ctx, k)
        return math.atan2(lat - dlat, (lon - dlon) * 0.87)

    order = sorted(range(1, len(emps) + 1), key=lambda i: (angle(emps[i - 1]), emps[i - 1]))
    routes: list[list[int]] = []
    cur: list[int] = []
    load = 0
    for i in order:
        if load + demands[i] > cap and cur:
            routes.append(cur)
            cur, load = [], 0
        cur.append(i)
        load += demands[i]
    if cur:
        routes.append(cur)
    out = []
    for r in routes:
        seq = order_dropoffs(ctx.inst.km, depot, depot, [emps[i - 1] for i in r])
        out.append(tuple(emps.index(k) + 1 for k in seq))
    return out


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
