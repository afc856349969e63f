"""The load cap in force, from DOMAIN.md "Load caps": 50% of seats on inter-provincial charters
in February 2020; from early March only from medium- and high-risk areas."""

from __future__ import annotations

import datetime as dt

from planner.domain import LoadCap
from planner.rules.load_cap import cap_in_force

FEB = LoadCap(dt.date(2020, 2, 1), dt.date(2020, 2, 29), 0.5)
MARCH_HUBEI = LoadCap(dt.date(2020, 3, 1), dt.date(2020, 3, 31), 0.5, origin="42")


def test_february_charters_carry_half_their_seats() -> None:
    """A 53-seat coach leaving on 20 February may carry 26."""
    assert cap_in_force(53, 1.0, [FEB, MARCH_HUBEI], dt.date(2020, 2, 20), ["520102"]) == 26


def test_in_march_only_risk_areas_are_capped() -> None:
    """In March a coach from Guiyang is full-load; one from Wuhan (Hubei) still half."""
    caps = [FEB, MARCH_HUBEI]
    assert cap_in_force(53, 1.0, caps, dt.date(2020, 3, 5), ["520102"]) == 53
    assert cap_in_force(53, 1.0, caps, dt.date(2020, 3, 5), ["420102"]) == 26


def test_strictest_origin_of_a_shared_coach_wins() -> None:
    """A coach boarding in Guizhou and Hubei in March takes the Hubei cap."""
    day = dt.date(2020, 3, 5)
    assert cap_in_force(53, 1.0, [MARCH_HUBEI], day, ["520102", "420102"]) == 26


def test_without_a_cap_row_the_fleet_max_load_holds() -> None:
    """No row applies: the fleet row's own max_load (here 90%)."""
    assert cap_in_force(50, 0.9, [FEB], dt.date(2020, 4, 1), ["520102"]) == 45
