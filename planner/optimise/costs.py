"""What a trip costs the public, and the coach estimates the model uses. No solver imports.

Rules implemented (DOMAIN.md "Prices"):

- a coach costs its price per km times the km it actually drives (the empty return to its
  first stop included), plus its daily fee for every calendar day it is out (from the day it
  leaves to the day it is back), plus a second driver's daily pay when it has two drivers;
- a coach needs two drivers when its loaded run (first stop to last stop) exceeds
  ``two_driver_km``;
- a train costs its lump sum plus its price per km (usually nil) times the km.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from planner.domain import VehicleType
from planner.optimise.schedule import (
    DrivingRules,
    Schedule,
    coach_start,
    day_of,
    drive_minutes,
    hire_days,
    lawful_timetable,
)


def round_km(km: float) -> float:
    """Distances are kept to the metre (three decimals), as trips.csv writes them."""
    return round(float(km), 3)


def coach_cost_fen(vehicle: VehicleType, km: float, days: int, drivers: int) -> int:
    """Cost of one coach trip in fen."""
    per_day = vehicle.fixed_cost_fen + (drivers - 1) * vehicle.driver_cost_fen
    return round(vehicle.cost_per_km_fen * round_km(km)) + per_day * days


def train_cost_fen(vehicle: VehicleType, km: float) -> int:
    """Cost of one special train in fen."""
    return vehicle.fixed_cost_fen + round(vehicle.cost_per_km_fen * round_km(km))


def drivers_needed(loaded_km: float, two_driver_km: float) -> int:
    """1, or 2 when the loaded run is longer than ``two_driver_km``."""
    return 2 if loaded_km > two_driver_km + 1e-9 else 1


def coach_timetable(
    start_min: int,
    legs_km: Sequence[float],
    *,
    drivers: int,
    speed_kmh: float,
    rules: DrivingRules,
    dwell_min: int,
) -> Schedule:
    """Timetable of a coach driving ``legs_km`` (the last leg is the empty return)."""
    return lawful_timetable(
        start_min,
        [drive_minutes(k, speed_kmh) for k in legs_km],
        drivers=drivers,
        rules=rules,
        dwell_min=dwell_min,
    )


def coach_profile(
    legs_km: Sequence[float],
    *,
    loaded_legs: int,
    start_times: Sequence[int],
    speed_kmh: float,
    rules: DrivingRules,
    dwell_min: int,
    two_driver_km: float,
    day: dt.date = dt.date(2020, 1, 1),
) -> tuple[int, int, int]:
    """``(arrival day offset, hire days, drivers)`` for the best start time of a route.

    The best start time gives the fewest hire days, then the earliest arrival. The result does
    not depend on the date (the rules repeat every day).
    """
    loaded_km = sum(legs_km[:loaded_legs])
    drivers = drivers_needed(loaded_km, two_driver_km)
    best: tuple[int, int, int] | None = None
    for st in start_times:
        start = coach_start(day, st)
        sch = coach_timetable(
            start, legs_km, drivers=drivers, speed_kmh=speed_kmh, rules=rules, dwell_min=dwell_min
        )
        lag = (day_of(sch.arrive[loaded_legs - 1]) - day).days
        cand = (hire_days(start, sch.end), lag, st)
        if best is None or cand < best:
            best = cand
    assert best is not None
    return best[1], best[0], drivers
