"""What a trip costs the public. No solver imports; the optimiser prices trips with these
functions and ``planner.validation`` re-prices a finished plan with the same ones.

Rules implemented (DOMAIN.md "Prices and distances"):

- a coach costs its price per km times the km it actually drives (the empty return to its
  first stop included), plus its daily fee for every calendar day it is out (from the day it
  leaves to the day it is back), plus a second driver's daily pay when it has two drivers;
- a train costs its lump sum plus its price per km (usually nil) times the km;
- a collector coach (county → the train's station) drives there and back: a coach trip of twice
  the distance;
- a feeder coach (the destination station → employers) drives out to the employers, about
  ``dropoff_km`` between them, and back: a coach trip of one day with one driver.

Distances are kept to the metre (three decimals), as trips.csv writes them.
"""

from __future__ import annotations

from planner.domain import VehicleType

__all__ = [
    "coach_cost_fen",
    "collector_cost_fen",
    "feeder_cost_fen",
    "round_km",
    "train_cost_fen",
]


def round_km(km: float) -> float:
    """Distances are kept to the metre (three decimals), as trips.csv writes them."""
    return round(float(km), 3)


def coach_cost_fen(vehicle: VehicleType, km: float, days: int, drivers: int) -> int:
    """Cost of one coach trip in fen: km × price per km + days × (daily fee + extra drivers)."""
    per_day = vehicle.fixed_cost_fen + (drivers - 1) * vehicle.driver_cost_fen
    return round(vehicle.cost_per_km_fen * round_km(km)) + per_day * days


def train_cost_fen(vehicle: VehicleType, km: float) -> int:
    """Cost of one special train in fen: lump sum + km × price per km."""
    return vehicle.fixed_cost_fen + round(vehicle.cost_per_km_fen * round_km(km))


def collector_cost_fen(vehicle: VehicleType, km_to_station: float, days: int, drivers: int) -> int:
    """Cost of a collector coach ``km_to_station`` from the station: there and back."""
    return coach_cost_fen(vehicle, 2 * km_to_station, days, drivers)


def feeder_cost_fen(vehicle: VehicleType, km_out: float, dropoff_km: float = 0.0) -> int:
    """Cost of a feeder coach driving ``km_out`` to the employers and back, ``dropoff_km``
    between them, within one day and with one driver."""
    return coach_cost_fen(vehicle, 2 * km_out + dropoff_km, 1, 1)
