"""The scenario of a re-plan (``planner.services.planning``): locked trips handed back as fixed
trips with their people, and the screen's parameters applied to a copy of the scenario."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from planner.domain.model import (
    Assignment,
    Leg,
    LoadCap,
    Place,
    Plan,
    PlanSummary,
    Scenario,
    Stop,
    StopKind,
    Trip,
    VehicleKind,
    VehicleType,
)
from planner.services.planning import locked_scenario, scenario_with

HUB = Place("上虞区", 30.03, 120.87)
DAY = dt.datetime(2020, 2, 20, 6)


def _trip(trip_id: str, kind: VehicleKind = VehicleKind.COACH,
          parent: str | None = None, fixed: bool = False) -> Trip:
    stops = (Stop(StopKind.PICKUP, "正安县", "520324", 28.55, 107.45),
             Stop(StopKind.DROPOFF, "上虞区", "330604", 30.03, 120.87))
    return Trip(trip_id, kind, "53座大客车", DAY, DAY + dt.timedelta(hours=30), stops, 53, 26,
                1, 1600.0, 2_000_000, parent_trip_id=parent, fixed=fixed)


def _plan() -> Plan:
    """A train T1 fed by coach F1 (person a rides both), a coach C2 (person b), a coach C3
    (person c)."""
    trips = (_trip("T1", VehicleKind.TRAIN), _trip("F1", parent="T1"), _trip("C2"), _trip("C3"))
    assignments = (Assignment("a", "T1", "正安县", "E"), Assignment("b", "C2", "正安县", "E"),
                   Assignment("c", "C3", "正安县", "E"))
    legs = (Leg("a", "F1", 1), Leg("a", "T1", 2))
    return Plan(trips, assignments, (), (), legs, PlanSummary(4, 3, 8_000_000, 0, 0.0, 0, 1.0))


def _scenario(**changes: Any) -> Scenario:
    fleet = (VehicleType(VehicleKind.COACH, "53座大客车", 53, max_load=0.5, available=4),
             VehicleType(VehicleKind.COACH, "35座中巴", 35, max_load=0.5))
    base = Scenario("s", HUB, dt.date(2020, 2, 15), dt.date(2020, 3, 15), (), (), fleet)
    return dataclasses.replace(base, **changes)


def test_a_locked_train_keeps_its_feeder_and_its_people_whole_journey():
    """Locking a train fixes its feeder coach too, and the person on it keeps both legs."""
    locked = locked_scenario(_scenario(), _plan(), ["T1"])
    assert [t.trip_id for t in locked.fixed_trips] == ["T1", "F1"]
    assert all(t.fixed for t in locked.fixed_trips)
    assert [a.id_number for a in locked.fixed_assignments] == ["a"]
    assert [(g.trip_id, g.leg) for g in locked.fixed_legs] == [("F1", 1), ("T1", 2)]


def test_trips_not_locked_are_left_to_the_planner():
    """Only the locked coach and its people are fixed; the other coaches stay free."""
    locked = locked_scenario(_scenario(), _plan(), ["C2"])
    assert [t.trip_id for t in locked.fixed_trips] == ["C2"]
    assert [a.id_number for a in locked.fixed_assignments] == ["b"]
    assert locked.fixed_legs == ()


def test_a_trip_already_fixed_is_not_fixed_twice():
    """Locking a trip the scenario already holds as fixed keeps one copy of it."""
    scenario = _scenario(fixed_trips=(_trip("C2", fixed=True),))
    locked = locked_scenario(scenario, _plan(), ["C2", "C3"])
    assert [t.trip_id for t in locked.fixed_trips] == ["C2", "C3"]


def test_a_uniform_load_cap_replaces_the_dated_caps():
    """A uniform cap sets every vehicle's load share and drops the dated caps; the dates,
    and the availability of the vehicles named, are the screen's."""
    cap = LoadCap(dt.date(2020, 2, 15), dt.date(2020, 2, 29), 0.5)
    wider = scenario_with(_scenario(load_caps=(cap,)), dt.date(2020, 2, 1), dt.date(2020, 3, 1),
                          0.8, {"35座中巴": 2})
    assert wider.load_caps == ()
    assert (wider.plan_from, wider.plan_to) == (dt.date(2020, 2, 1), dt.date(2020, 3, 1))
    assert [(v.max_load, v.available) for v in wider.fleet] == [(0.8, 4), (0.8, 2)]


def test_without_a_uniform_cap_the_dated_caps_and_the_policy_stay():
    """No uniform cap: the dated caps, each vehicle's load share and the policy are kept."""
    cap = LoadCap(dt.date(2020, 2, 15), dt.date(2020, 2, 29), 0.5)
    kept = scenario_with(_scenario(load_caps=(cap,), policy="p"), dt.date(2020, 2, 15),
                         dt.date(2020, 3, 15), None, {"53座大客车": None})
    assert kept.load_caps == (cap,) and kept.policy == "p"
    assert [(v.max_load, v.available) for v in kept.fleet] == [(0.5, None), (0.5, None)]


def test_the_people_of_the_scenarios_own_fixed_trips_stay_on_them():
    """A scenario's fixed coach C2 keeps its person b when another coach is locked for a
    re-plan: without b the fixed coach would run empty while the re-plan carried b again."""
    scenario = _scenario(
        fixed_trips=(_trip("C2", fixed=True),),
        fixed_assignments=(Assignment("b", "C2", "正安县", "E"),),
    )
    locked = locked_scenario(scenario, _plan(), ["C3"])
    assert [t.trip_id for t in locked.fixed_trips] == ["C2", "C3"]
    assert sorted(a.id_number for a in locked.fixed_assignments) == ["b", "c"]
