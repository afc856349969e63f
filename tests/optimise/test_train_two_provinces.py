"""A special train boarding in two provinces: the test kit's ``TRAIN_GZ_HN`` (贵阳北 in Guizhou,
then 怀化南 in Hunan, 600 seats, cheap), 250 people of 花溪区 (Guiyang, by 贵阳北) and 250 of
鹤城区 (Huaihua, by 怀化南). People of Hunan board at 怀化南 and share the train with Guizhou's;
a county boards only at the train's stations of its own province."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from planner.domain import Plan, Scenario, VehicleKind
from planner.optimise import solve
from planner.optimise.model import Context
from planner.optimise.units import make_units
from planner.validation import assert_valid

from .conftest import FAST


def _people(kit: Any, counties: dict[str, int]) -> list[Any]:
    from tests.io.conftest import make_id

    out = []
    for county, n in counties.items():
        out += [
            dataclasses.replace(w, id_number=make_id(county, "19900101", f"{i:03d}"))
            for i, w in enumerate(kit.workers(county, n, employer_uscc=EMPLOYER))
        ]
    return out


EMPLOYER = "91330604MA2BCDEF1X"


@pytest.fixture(scope="module")
def planned() -> tuple[Scenario, Any, Plan]:
    """The two-province scenario planned once for the module."""
    from tests.io.conftest import make_uscc

    from . import conftest as kit

    global EMPLOYER
    EMPLOYER = make_uscc()
    people = _people(kit, {"520111": 250, "431202": 250})
    sc, inst = kit.build(
        people, [kit.employer(EMPLOYER)], fleet=(kit.COACH53, kit.TRAIN_GZ_HN)
    )
    plan = solve(inst, FAST)
    assert_valid(sc, plan, FAST)
    return sc, inst, plan


def test_hunan_people_board_the_guizhou_train_at_its_hunan_station(planned: Any) -> None:
    """鹤城区's people ride the train, boarding at 怀化南 (their collectors end there, or
    they walk in), together with 花溪区's from 贵阳北: one train, both provinces on it."""
    _sc, _inst, plan = planned
    trains = [t for t in plan.trips if t.kind is VehicleKind.TRAIN]
    assert len(trains) == 1
    (train,) = trains
    assert [s.name for s in train.stops] == ["贵阳北站", "怀化南站", "绍兴北站"]
    riders = {g.id_number for g in plan.legs if g.trip_id == train.trip_id}
    assert {p[:6] for p in riders} == {"520111", "431202"}
    hunan = [t for t in plan.trips if t.parent_trip_id and t.stops[0].ref == "431202"]
    assert all(t.stops[-1].name == "怀化南站" for t in hunan)


def test_the_train_joins_both_provinces_prefectures_into_one_unit(planned: Any) -> None:
    """Guiyang and Huaihua are planned together (one train may take people of both), and
    the lower bound of that unit stays a relaxation of the plan."""
    _sc, inst, plan = planned
    units = make_units(inst, FAST)
    assert len(units) == 1
    assert {c for c in units[0].counties} == {"520111", "431202"}
    assert 0 < plan.summary.lower_bound_fen <= plan.summary.total_cost_fen


def test_a_county_boards_only_in_its_own_province(kit: Any) -> None:
    """玉屏 (Guizhou) lies nearer 怀化南 (Hunan) than 贵阳北: it boards at 贵阳北, its own
    province's station, or not at all; 鹤城区 (Hunan) boards at 怀化南."""
    people = _people(kit, {"522223": 10, "431202": 10})
    _sc, inst = kit.build(people, [kit.employer(EMPLOYER)], fleet=(kit.COACH53, kit.TRAIN_GZ_HN))
    ctx = Context(inst, FAST)
    (line,) = ctx.lines_for(["522223", "431202"])
    assert line.board["431202"] == "s:怀化南站"
    assert line.board.get("522223", "s:贵阳北站") == "s:贵阳北站"
    assert line.province == "52"  # its load cap is its first station's province's
