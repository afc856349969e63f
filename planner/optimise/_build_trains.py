"""Special trains with their collector and feeder coaches (``TrainBuilder``).

Rules implemented:

- a special train leaves its (first) station at ``train_depart_time`` and calls at its
  further boarding stations in turn (``Context.train_calls``: one trip, a station stop at
  each, times from the timetable); people of counties near the station they board at (their
  nearest) walk in, others come by collector coach to it (leaving the same day, arriving
  ``transfer_min`` before the train leaves that station);
- feeders leave the arrival station ``transfer_min`` after the train arrives and are routed as
  a CVRP (``planner.optimise.routing``), whole coachloads for one employer going direct; when
  the router fails, a sweep by bearing around the station fills coaches in turn.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Callable

import numpy as np

from planner.domain import StopKind, Trip, VehicleKind
from planner.optimise._build_trip import (
    Built,
    TripMaker,
    _chunks,
    _latlon,
    _split_loads,
    order_dropoffs,
)
from planner.optimise.model import Context, Decision, TrainLine
from planner.optimise.prepare import Person
from planner.rules.costs import round_km, train_cost_fen
from planner.rules.timetable import coach_start, day_of, drive_minutes, from_min


class TrainBuilder(TripMaker):
    """Builds the special trains of a decision, each with its collectors and feeders."""

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
        calls = ln.stations or ((ln.station_key, 0),)
        boarding = {k: self.stop(k, StopKind.STATION, dep + off) for k, off in calls}
        train = Trip(
            trip_id=tid,
            kind=VehicleKind.TRAIN,
            vehicle=ln.vehicle.name,
            depart=from_min(dep),
            arrive=from_min(arr),
            stops=(*boarding.values(), self.stop(ln.dest_key, StopKind.STATION, arr)),
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
            skey, offset = ln.boards_at(c)
            if c in ln.walk_in:
                for q in group:
                    built.main[q.id_number] = (tid, boarding[skey].name)
                continue
            ccap = ctx.cap(fv, d, (c,))
            start = ctx.collector_start(c, skey, d, offset)
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
                    [(f"c:{c}", StopKind.PICKUP), (skey, StopKind.STATION)],
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
        tl, wl = self.router_limit()
        if len(emps) > 1 and (wl is not None or tl > 0):  # time up: the sweep is enough
            try:
                from planner.optimise.routing import solve_cvrp

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

