"""Special trains boarding at two stations (fleet.csv's ``extra_stations``): who boards where,
when, in what the train seats, what the bound says, and that the written plan reads back and
validates. Scenario: the test kit's ``TRAIN2`` (贵阳北, then 凯里南, 400 seats), 300 people of
花溪区 (near 贵阳北) and 300 of 麻江县 (about 35 km from 凯里南, over 90 km from 贵阳北)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from planner.domain import Plan, Scenario, StopKind, VehicleKind
from planner.geo import DistanceModel
from planner.optimise import solve
from planner.validation import assert_valid

from .conftest import FAST


@pytest.fixture(scope="module")
def planned() -> tuple[Scenario, Plan]:
    """The two-station scenario planned once for the module."""
    from tests.io.conftest import make_id, make_uscc

    from . import conftest as kit

    emp = make_uscc()
    people = [
        dataclasses.replace(w, id_number=make_id(w.home_adcode, "19900101", f"{i % 300:03d}"))
        for i, w in enumerate(
            kit.workers("520111", 300, employer_uscc=emp)
            + kit.workers("522635", 300, employer_uscc=emp)
        )
    ]
    sc, inst = kit.build(people, [kit.employer(emp)], fleet=(kit.COACH53, kit.TRAIN2))
    plan = solve(inst, FAST)
    assert_valid(sc, plan, FAST)
    return sc, plan


def _trains(plan: Plan) -> list[Any]:
    return [t for t in plan.trips if t.kind is VehicleKind.TRAIN]


def _riders(plan: Plan, trip_id: str) -> set[str]:
    return {g.id_number for g in plan.legs if g.trip_id == trip_id}


def _county(pid: str) -> str:
    return pid[:6]


def test_county_near_the_second_station_boards_there_later(planned: Any) -> None:
    """麻江县's people reach the train by collector at 凯里南 (not a long one to 贵阳北) and the
    train leaves 凯里南 later than 贵阳北 by the km between them at the train's 100 km/h."""
    _sc, plan = planned
    trains = _trains(plan)
    assert trains
    train = trains[0]
    assert [s.name for s in train.stops] == ["贵阳北站", "凯里南站", "绍兴北站"]
    assert all(s.kind is StopKind.STATION for s in train.stops)
    km = float(DistanceModel().matrix_km([(26.62, 106.68), (26.52, 107.93)])[0, 1])
    later = (train.stops[1].time - train.stops[0].time).total_seconds() / 60
    assert abs(later - km / 100 * 60) <= 1
    collectors = [
        t for t in plan.trips if t.parent_trip_id and t.stops[0].ref == "522635"
    ]
    assert collectors and all(t.stops[-1].name == "凯里南站" for t in collectors)
    for t in collectors:
        parent = next(x for x in trains if x.trip_id == t.parent_trip_id)
        assert t.stops[-1].time <= parent.stops[1].time
    mj_on_train = {p for x in trains for p in _riders(plan, x.trip_id) if _county(p) == "522635"}
    assert mj_on_train and mj_on_train == {p for t in collectors for p in _riders(plan, t.trip_id)}


def test_train_seats_riders_of_both_stations_together(planned: Any) -> None:
    """600 people near the two stations do not fit the one 400-seat train the fleet has: it
    carries riders of both stations, 400 in all, and the other 200 go another way."""
    _sc, plan = planned
    (train,) = _trains(plan)
    riders = _riders(plan, train.trip_id)
    assert len(riders) == train.load == 400
    assert {_county(p) for p in riders} == {"520111", "522635"}
    others = {a.id_number for a in plan.assignments} - riders
    unserved = sum(1 for u in plan.unserved if u.id_number)
    assert len(others) + len(plan.self_returns) + unserved == 200


def test_bound_at_most_the_plan_cost(planned: Any) -> None:
    """The lower bound stays a valid relaxation with two boarding stations."""
    _sc, plan = planned
    s = plan.summary
    assert 0 < s.lower_bound_fen <= s.total_cost_fen


def test_plan_files_read_back_and_validate(planned: Any, tmp_path: Path) -> None:
    """A plan with a two-station train written to CSV reads back (stations placed from the
    fleet) and validates against its scenario."""
    from planner.io import read_plan, write_plan
    from planner.io.plan_read import PlaceResolver

    sc, plan = planned
    write_plan(plan, tmp_path / "out")
    resolver = PlaceResolver(
        employers={e.uscc: e for e in sc.employers},
        fleet={v.name: v for v in sc.fleet},
        destination=sc.destination,
    )
    back = read_plan(tmp_path / "out", resolver)
    assert [t.trip_id for t in back.trips] == [t.trip_id for t in plan.trips]
    train = _trains(back)[0]
    assert [s.name for s in train.stops] == ["贵阳北站", "凯里南站", "绍兴北站"]
    assert_valid(sc, back, FAST)


def test_collector_late_for_the_second_station_is_caught(planned: Any) -> None:
    """Validation checks connections: a collector arriving at 凯里南 after the train has
    left it is a violation."""
    from planner.validation import check_connections

    sc, plan = planned
    train = _trains(plan)[0]
    arrives = min(
        t.stops[-1].time for t in plan.trips if t.parent_trip_id and t.stops[-1].name == "凯里南站"
    )
    early = arrives - dt.timedelta(minutes=1)
    late = dataclasses.replace(
        train,
        stops=tuple(
            dataclasses.replace(s, time=early) if s.name == "凯里南站" else s
            for s in train.stops
        ),
    )
    bad = dataclasses.replace(
        plan, trips=tuple(late if t.trip_id == train.trip_id else t for t in plan.trips)
    )
    assert not check_connections(sc, plan)
    assert any(train.trip_id in v for v in check_connections(sc, bad))
