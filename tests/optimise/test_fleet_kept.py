"""A plan never puts more coaches on the road than the fleet has, even where the model's
estimate of a coach's days out is a day short of the timetable of the trip built."""

from __future__ import annotations

from planner.validation import check_vehicles_available


def test_a_tight_fleet_is_never_overbooked(tight_demo):
    """2,000 demo people and three coaches of each type: every (type, day) has at most three
    out, and people still ride."""
    scenario, plan, params = tight_demo
    assert check_vehicles_available(scenario, plan, params) == []
    assert plan.assignments, "the three coaches a day still carry people"
