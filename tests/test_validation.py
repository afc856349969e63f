"""The validator catches broken plans (each rule on a tampered copy of a valid plan)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "optimise"))
import conftest as kit

from planner.domain import Assignment, Plan, Scenario, SelfReturn, Travel
from planner.optimise import PlanParams, solve
from planner.validation import (
    assert_capacity,
    assert_costs,
    assert_partition,
    validate_plan,
)

P = PlanParams(time_limit_s=5.0, work_limit=1.0)


@pytest.fixture(scope="module")
def planned() -> tuple[Scenario, Plan]:
    people = kit.workers("340102", 60) + kit.workers("330102", 3, prefix="own", travel=Travel.OWN)
    sc, inst = kit.build(people, [kit.employer("E001")])
    return sc, solve(inst, P)


def test_valid_plan_has_no_violations(planned: tuple[Scenario, Plan]) -> None:
    """The optimiser's plan passes."""
    sc, plan = planned
    assert validate_plan(sc, plan, P) == []


def test_person_missing_or_twice_is_caught(planned: tuple[Scenario, Plan]) -> None:
    """Dropping an assignment or doubling a person breaks the partition."""
    sc, plan = planned
    dropped = dataclasses.replace(plan, assignments=plan.assignments[1:])
    with pytest.raises(AssertionError, match="none of"):
        assert_partition(sc, dropped)
    twice = dataclasses.replace(
        plan,
        self_returns=(
            *plan.self_returns,
            SelfReturn(plan.assignments[0].id_number, "E001", "x", 0),
        ),
    )
    with pytest.raises(AssertionError, match="appears 2 times"):
        assert_partition(sc, twice)


def test_own_seated_is_caught(planned: tuple[Scenario, Plan]) -> None:
    """Seating someone who registered travel=own is a violation."""
    sc, plan = planned
    own = plan.self_returns[0]
    trip = plan.trips[0]
    bad = dataclasses.replace(
        plan,
        self_returns=plan.self_returns[1:],
        assignments=(
            *plan.assignments,
            Assignment(own.id_number, trip.trip_id, trip.stops[0].name, "E001"),
        ),
    )
    assert any("travel=own" in m for m in validate_plan(sc, bad, P))


def test_over_capacity_and_wrong_cap_are_caught(planned: tuple[Scenario, Plan]) -> None:
    """A trip claiming more capacity than seats × cap, or carrying too many, is caught."""
    sc, plan = planned
    t = plan.trips[0]
    bad = dataclasses.replace(
        plan, trips=(dataclasses.replace(t, capacity=t.seats + 5), *plan.trips[1:])
    )
    with pytest.raises(AssertionError, match="capacity"):
        assert_capacity(sc, bad)


def test_late_arrival_and_early_departure_are_caught(planned: tuple[Scenario, Plan]) -> None:
    """A needed_by before the arrival, an available_from after the departure: violations."""
    sc, plan = planned
    emp = dataclasses.replace(sc.employers[0], needed_by=dt.date(2020, 2, 15))
    late = dataclasses.replace(sc, employers=(emp,))
    assert any("needed_by" in m for m in validate_plan(late, plan, P))
    workers = tuple(dataclasses.replace(w, available_from=dt.date(2020, 3, 20)) for w in sc.workers)
    early = dataclasses.replace(sc, workers=workers)
    assert any("available from" in m for m in validate_plan(early, plan, P))


def test_cost_tampering_and_bound_above_cost_are_caught(planned: tuple[Scenario, Plan]) -> None:
    """A trip cost not following from its km, or a bound above the cost, is caught."""
    sc, plan = planned
    t = plan.trips[0]
    bad = dataclasses.replace(
        plan, trips=(dataclasses.replace(t, cost_fen=t.cost_fen + 10_000), *plan.trips[1:])
    )
    with pytest.raises(AssertionError, match="costs"):
        assert_costs(sc, bad, P)
    s = dataclasses.replace(plan.summary, lower_bound_fen=plan.summary.total_cost_fen + 1)
    assert any(
        "lower bound" in m for m in validate_plan(sc, dataclasses.replace(plan, summary=s), P)
    )


def test_vehicle_limit_is_caught(planned: tuple[Scenario, Plan]) -> None:
    """With fewer vehicles available than the plan uses on a day, the validator says so."""
    sc, plan = planned
    fleet = tuple(dataclasses.replace(v, available=0) for v in sc.fleet)
    assert any(
        "available" in m for m in validate_plan(dataclasses.replace(sc, fleet=fleet), plan, P)
    )


def test_two_driver_rule_is_caught(planned: tuple[Scenario, Plan]) -> None:
    """A 430-km loaded run with one driver breaks the two-driver rule."""
    sc, plan = planned
    t = plan.trips[0]
    assert t.drivers == 2
    bad = dataclasses.replace(plan, trips=(dataclasses.replace(t, drivers=1), *plan.trips[1:]))
    assert any("two" in m for m in validate_plan(sc, bad, P))
