"""Trip costs, from DOMAIN.md "Prices and distances" (not from the optimiser's code)."""

from __future__ import annotations

from planner.domain import VehicleKind, VehicleType
from planner.rules.costs import (
    coach_cost_fen,
    collector_cost_fen,
    feeder_cost_fen,
    round_km,
    train_cost_fen,
)

# A 53-seat coach at market prices: 1,800 yuan a day, 6 yuan per km, a second driver 250 a day.
COACH = VehicleType(
    VehicleKind.COACH,
    "53座",
    53,
    cost_per_km_fen=600,
    fixed_cost_fen=180_000,
    driver_cost_fen=25_000,
)
TRAIN = VehicleType(VehicleKind.TRAIN, "专列", 1000, fixed_cost_fen=60_000_000)


def test_guizhou_to_shaoxing_charter_costs_what_domain_quotes() -> None:
    """A one-way charter Guiyang → Shaoxing (~1,600 km, paid empty return, 3 days, two
    drivers) costs within DOMAIN.md's 16,000–26,000 yuan."""
    fen = coach_cost_fen(COACH, 2 * 1600, days=3, drivers=2)
    assert fen == 3200 * 600 + 3 * (180_000 + 25_000)
    assert 1_600_000 <= fen <= 2_600_000


def test_second_driver_is_paid_per_day() -> None:
    """A second driver adds their daily pay for every hire day, nothing else."""
    one = coach_cost_fen(COACH, 860, days=2, drivers=1)
    two = coach_cost_fen(COACH, 860, days=2, drivers=2)
    assert two - one == 2 * 25_000


def test_km_are_charged_to_the_metre() -> None:
    """Distances count to three decimals, as trips.csv writes them."""
    assert round_km(430.12345) == 430.123
    assert coach_cost_fen(COACH, 430.0004, 1, 1) == coach_cost_fen(COACH, 430.0, 1, 1)


def test_train_is_a_lump_sum_plus_its_km_price() -> None:
    """A special train costs its lump sum (no public price: the user enters it) plus km × price."""
    assert train_cost_fen(TRAIN, 1600) == 60_000_000
    per_km = VehicleType(VehicleKind.TRAIN, "专列", 1000, cost_per_km_fen=1000, fixed_cost_fen=5)
    assert train_cost_fen(per_km, 1600) == 5 + 1_600_000


def test_collector_drives_to_the_station_and_back() -> None:
    """A collector 150 km from the station is charged 300 km and its days."""
    assert collector_cost_fen(COACH, 150, 1, 1) == coach_cost_fen(COACH, 300, 1, 1)


def test_feeder_drives_out_between_employers_and_back_in_a_day() -> None:
    """A feeder 20 km from the employers with 30 km between drop-offs is one day, one driver,
    70 km."""
    assert feeder_cost_fen(COACH, 20, 30) == 70 * 600 + 180_000
