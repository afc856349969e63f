"""Shared coach pools: how many of a pool's coaches each destination's plan has out per day,
and each destination's share when together they want more than the pool has.

Rules implemented here:

- a coach trip on a pool's vehicle type keeps its vehicle from the day it leaves to the day it
  is back at its first stop (the empty return driven under the drivers' rules, as the
  optimiser counts a vehicle's days); a feeder or other trip without a return leg from its
  departure day to its arrival day;
- round 1 plans every destination against the whole pool (its fleet row's ``available`` at
  most ``per_day``); the use per (pool, vehicle type, day) is then added up over the
  destinations; where it exceeds ``per_day`` the vehicle type is *in conflict*;
- for a vehicle type in conflict, ``per_day`` is shared among the destinations drawing on it
  max-min fair on their peak daily use in round 1: each gets its peak if that fits an equal
  share of what is left, the rest share the remainder equally, the odd vehicles going to the
  earlier destinations in campaign order; the shares add up to at most ``per_day``;
- a destination whose peak use exceeds its share is planned again with its fleet row's
  ``available`` set to its share; the others keep their round-1 plans (already within their
  share), so every day's total fits the pool. Destinations are planned again in campaign order;
  the result does not depend on which finishes first.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from planner.domain.model import Trip, VehicleKind
from planner.geo import DistanceModel
from planner.rules.params import PlanParams
from planner.rules.timetable import coach_timetable, day_of, to_min

#: use of pool vehicle types by one destination: vehicle name → day (ISO) → vehicles out
Use = dict[str, dict[str, int]]


def trip_days(trip: Trip, params: PlanParams) -> list[dt.date]:
    """The calendar days ``trip``'s vehicle is out (a coach until it is back at its first stop)."""
    first, last = trip.depart.date(), trip.arrive.date()
    if trip.kind is VehicleKind.COACH and trip.parent_trip_id is None and len(trip.stops) > 1:
        model = DistanceModel(road_factor=params.road_factor, speed_kmh=params.speed_kmh)
        seq = [(s.lat, s.lon) for s in trip.stops] + [(trip.stops[0].lat, trip.stops[0].lon)]
        legs = [model.road_km(a, b) for a, b in itertools.pairwise(seq)]
        sch = coach_timetable(
            to_min(trip.depart),
            legs,
            drivers=trip.drivers,
            speed_kmh=params.speed_kmh,
            rules=params.regulation,
            dwell_min=params.stop_dwell_min,
        )
        last = max(last, day_of(sch.end))
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def pool_use(trips: Iterable[Trip], vehicles: set[str], params: PlanParams) -> Use:
    """Vehicles of each type in ``vehicles`` out per day in a plan's ``trips``."""
    use: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for t in trips:
        if t.vehicle in vehicles:
            for day in trip_days(t, params):
                use[t.vehicle][day.isoformat()] += 1
    return {v: dict(sorted(days.items())) for v, days in sorted(use.items())}


def peak(use: Use, vehicle: str) -> int:
    return max(use.get(vehicle, {}).values(), default=0)


def over_days(uses: Sequence[Use], vehicle: str, per_day: int) -> list[str]:
    """The days on which the destinations together have more than ``per_day`` of ``vehicle``."""
    total: dict[str, int] = defaultdict(int)
    for use in uses:
        for day, n in use.get(vehicle, {}).items():
            total[day] += n
    return sorted(day for day, n in total.items() if n > per_day)


def fair_shares(peaks: Mapping[int, int], per_day: int) -> dict[int, int]:
    """Max-min fair shares of ``per_day`` vehicles among destinations with these peak uses
    (keyed by campaign index; odd vehicles to the lower indexes)."""
    shares: dict[int, int] = {}
    left = per_day
    waiting = sorted(peaks)
    while waiting:
        level = left // len(waiting)
        fits = [i for i in waiting if peaks[i] <= level]
        if not fits:
            extra = left - level * len(waiting)
            for k, i in enumerate(waiting):
                shares[i] = level + (1 if k < extra else 0)
            return shares
        for i in fits:
            shares[i] = peaks[i]
            left -= peaks[i]
        waiting = [i for i in waiting if i not in fits]
    return shares
