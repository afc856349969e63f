"""Drivers needed, from DOMAIN.md "Coach drivers": over 400 km two drivers, 600 km on a direct
expressway."""

from __future__ import annotations

from planner.rules.drivers import drivers_needed, two_driver_threshold_km
from planner.rules.params import PlanParams, Regulation

REG = Regulation()


def test_a_run_of_400_km_needs_one_driver_and_401_two() -> None:
    """Hefei → Shaoxing-length runs: 400 km is one driver, anything over is two."""
    assert drivers_needed(400.0, REG) == 1
    assert drivers_needed(401.0, REG) == 2


def test_direct_expressway_raises_the_threshold_to_600_km() -> None:
    """On a direct expressway a 580 km run (Nanchang) keeps one driver; 601 km needs two."""
    assert drivers_needed(580.0, REG, expressway=True) == 1
    assert drivers_needed(601.0, REG, expressway=True) == 2
    assert drivers_needed(580.0, REG) == 2


def test_a_scenario_declared_on_expressway_uses_600_km_everywhere() -> None:
    """``expressway_direct`` in the planning parameters applies the 600 km threshold."""
    reg = PlanParams(expressway_direct=True).regulation
    assert two_driver_threshold_km(reg) == 600.0
    assert drivers_needed(580.0, reg) == 1
    assert two_driver_threshold_km(PlanParams().regulation) == 400.0
