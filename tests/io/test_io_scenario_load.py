"""Loading a valid scenario: the domain records it produces."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from planner.domain import Travel, VehicleKind
from planner.io import check_scenario, load_scenario


def test_minimal_scenario_loads_without_problems(make_scenario, ids) -> None:
    """The helper's minimal scenario loads with no problem at all."""
    scenario, problems = check_scenario(make_scenario())
    assert [str(p) for p in problems] == []
    assert scenario is not None
    assert [w.id_number for w in scenario.workers] == [ids.W1, ids.W2, ids.W3]


def test_workers_resolved_and_defaulted(make_scenario, ids) -> None:
    """Addresses resolve to a county; defaults for available_from, travel, poverty apply."""
    s = load_scenario(make_scenario())
    w1, w2, w3 = s.workers
    assert w1.home_adcode == "422801" and w1.employer_uscc == ids.E1
    assert w1.available_from == dt.date(2020, 2, 16)
    assert w2.home_adcode == "520524"  # 贵州省毕节市织金县
    assert w2.available_from == s.plan_from and w2.employer_uscc is None
    assert w2.poverty_registered and w2.travel is Travel.EITHER
    assert w3.poverty_registered and w3.travel is Travel.OWN


def test_employers_default_to_destination_and_plan_to(make_scenario, ids) -> None:
    """An employer without lat/lon gets the destination's; needed_by defaults to plan_to."""
    s = load_scenario(make_scenario())
    e1, e2 = s.employers
    assert (e1.lat, e1.lon) == (30.03, 120.87) and e1.needed_by == dt.date(2020, 3, 15)
    assert (e2.lat, e2.lon) == (30.05, 120.90) and e2.uscc == ids.E2


def test_fleet_money_in_fen(make_scenario, ids) -> None:
    """Yuan in fleet.csv become integer fen; train fields are kept."""
    s = load_scenario(make_scenario())
    coach, train = s.fleet
    assert coach.kind is VehicleKind.COACH and coach.cost_per_km_fen == 800
    assert coach.fixed_cost_fen == 180_000 and coach.max_load == 0.5 and coach.available is None
    assert train.fixed_cost_fen == 60_000_000 and train.origin_station == "贵阳北站"
    assert train.lead_days == 1 and train.available == 1


def test_scenario_folder_recorded(make_scenario, ids) -> None:
    """The scenario remembers its folder and name; the policy is parsed when possible."""
    d = make_scenario()
    s = load_scenario(d)
    assert Path(s.folder or "") == d and s.name == "Test scenario"
