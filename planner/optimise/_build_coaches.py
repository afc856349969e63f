"""Coaches from the model's coach flows, and re-packing them (``CoachBuilder``).

Rules implemented:

- a coach boards at its first pickup county (the farthest from the district), then at the
  other counties of its pool in order of falling distance, then drives to the district and
  drops off at employers;
- people of one (county, day) are spread over that day's coaches keeping employers that lie
  close together on the same coach: one short tour (nearest neighbour, then 2-opt) through the
  employers of all that day's people, cut into coach loads in its order;
- people a shared coach would bring late get a coach of their own when it costs no more than
  they would coming alone, else are advised to come alone;
- part-filled coaches of one prefecture and day are merged or re-packed into fewer when that
  is cheaper, lawful (pick-ups, radius, vehicles available) and on time.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Mapping

from planner.domain import StopKind, Travel, Trip, VehicleType
from planner.optimise._build_trip import (
    Built,
    TripMaker,
    _bearing,
    _split_loads,
    order_dropoffs,
)
from planner.optimise.model import Decision
from planner.optimise.prepare import Person


class CoachBuilder(TripMaker):
    """Builds the coaches of a decision and merges or re-packs part-filled ones."""

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
            vehicles: list[tuple[VehicleType, int]] = []
            for name in sorted(counts, key=lambda nm: -types[nm].seats):
                v = types[name]
                for _ in range(counts[name]):
                    vehicles.append((v, ctx.cap(v, d, order_c)))
            people.sort(key=self._loading_order(people, vehicles, rank, order_c[-1], a))
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

    def _loading_order(
        self,
        people: list[Person],
        vehicles: list[tuple[VehicleType, int]],
        rank: dict[str, int],
        last_pick: str,
        a: str,
    ) -> Callable[[Person], tuple]:
        """The order in which the people of one (anchor, day) fill its coaches: by pickup
        county, then, with two coaches or more, route first and cut second: one short tour
        (nearest neighbour) through all their employers, cut into coach loads in its order, so
        each coach's drop-offs lie together. One coach takes everyone (bearing order: who is
        left over when the flows' rounding leaves no seat)."""
        if len(vehicles) < 2:
            ctx = self.ctx
            return lambda q: (rank[q.county], _bearing(ctx, f"e:{q.employer}"), q.employer, q.order)
        emps = sorted({f"e:{q.employer}" for q in people})
        tour = order_dropoffs(self.km, f"c:{last_pick}", f"c:{a}", emps, two_opt=False)
        at = {e: i for i, e in enumerate(tour)}
        return lambda q: (rank[q.county], at[f"e:{q.employer}"], q.order)

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

    def drop_overbooked(
        self, built: Built, used: Mapping[tuple[str, dt.date], int]
    ) -> list[Person]:
        """Coaches the fleet cannot run. The model reckons a coach's days out from estimates;
        the timetable of the trip built (back at its first stop) can hold one more. Where the
        trips built and ``used`` (fixed trips, earlier units) put more vehicles of a type out
        on a day than it has, the coach trips out that day are dropped, fewest riders first
        (then the latest id), until none is over; their riders are returned (no seat left:
        they come alone). Feeders and collectors are kept (their train's riders need them)."""
        limits = {
            v.name: v.available for v in self.ctx.inst.scenario.fleet if v.available is not None
        }
        dropped: list[Person] = []
        while True:
            over = sorted(
                k
                for k, n in built.occupancy.items()
                if k[0] in limits and n > 0 and used.get(k, 0) + n > limits[k[0]]
            )
            victim = self._coach_to_drop(built, over)
            if victim is None:
                return dropped
            dropped += self._remove(built, victim)

    def _coach_to_drop(self, built: Built, over: list[tuple[str, dt.date]]) -> Trip | None:
        """The coach trip to drop for the first over-booked (type, day) of ``over`` that a
        coach trip occupies (fewest riders, then the latest id); ``None``: none to drop."""
        for name, day in over:
            out = [
                t
                for t in built.trips
                if t.trip_id in built.coach_people
                and t.vehicle == name
                and built.trip_occ[t.trip_id][1] <= day <= built.trip_occ[t.trip_id][2]
            ]
            if out:
                return min(out, key=lambda t: (t.load, _descending(t.trip_id)))
        return None

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


def _descending(trip_id: str) -> tuple[int, ...]:
    """A key that orders trip ids latest first."""
    return tuple(-ord(ch) for ch in trip_id)
