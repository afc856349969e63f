"""The service level on the command line and the self-return forecast by expected arrival."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from planner.commands.plan import _params
from planner.domain import Place, Scenario, Worker
from planner.problems import InputError
from planner.services.planning import build_instance, travel_days
from planner.subsidies.policy_toml import load_policy

LONGWAN = Path(__file__).resolve().parents[2] / "data" / "demo" / "policy-longwan-2020.toml"


def _args(**kw: object) -> argparse.Namespace:
    base = dict(params=None, time_limit=None, seed=None, work_limit=None, coaches_only=False)
    base.update(kw)
    base.setdefault("max_wait_days", None)
    return argparse.Namespace(**base)


def test_cli_max_wait_days_sets_none_and_numbers_and_rejects_junk() -> None:
    """--max-wait-days 5 → 5, 'none' → None, default 3; a negative value is bad input."""
    assert _params(_args()).max_wait_days == 3
    assert _params(_args(max_wait_days="5")).max_wait_days == 5
    assert _params(_args(max_wait_days="none")).max_wait_days is None
    with pytest.raises(InputError):
        _params(_args(max_wait_days="-1"))


def test_travel_days_rounds_up_whole_days() -> None:
    """1,900 road km at 70 km/h (27 h) is 2 days; 0 km is 0; 70 km is 1."""
    assert travel_days(1900, 70) == 2
    assert travel_days(0, 70) == 0
    assert travel_days(70, 70) == 1


def test_forecast_uses_expected_arrival_under_a_tapered_policy() -> None:
    """Longwan pays in full up to 22 Feb, half to 29 Feb: someone from Bijie free on 21 Feb
    arrives after 22 Feb (2 days on the road), so the forecast is half the full amount."""
    policy = load_policy(LONGWAN)
    sc = Scenario(
        name="t",
        destination=Place("龙湾区", 27.93, 120.81),
        plan_from=dt.date(2020, 2, 15),
        plan_to=dt.date(2020, 3, 15),
        workers=(
            Worker("A", "甲", "520502", dt.date(2020, 2, 21)),
            Worker("B", "乙", "520502", dt.date(2020, 2, 16)),
        ),
        employers=(),
        fleet=(),
    )
    sc = dataclasses.replace(sc, policy=policy)
    inst = build_instance(sc)
    assert inst.subsidy_fen["B"] > 0
    assert inst.subsidy_fen["A"] * 2 == inst.subsidy_fen["B"]


def test_a_station_is_in_the_province_where_it_stands() -> None:
    """怀化南 is in Hunan even when only Guizhou people are planned (the nearest county of
    the gazetteer, not of the scenario's people); so 玉屏's people may board only at 贵阳北,
    their own province's station (test_train_two_provinces)."""
    from planner.domain import VehicleKind, VehicleType

    train = VehicleType(VehicleKind.TRAIN, "贵阳北—怀化南专列", 600, 1.0, fixed_cost_fen=1,
                        available=1, origin_station="贵阳北站", origin_lat=26.62,
                        origin_lon=106.68, lead_days=2, dest_station="绍兴北站",
                        dest_lat=30.02, dest_lon=120.59,
                        extra_stations=(("怀化南站", 27.53, 109.96),))
    coach = VehicleType(VehicleKind.COACH, "53座大客车", 53, 1.0, cost_per_km_fen=700,
                        fixed_cost_fen=180_000)
    day = dt.date(2020, 2, 15)
    people = tuple(Worker(f"W{i}", f"人{i}", "522223", day) for i in range(5))
    scenario = Scenario(name="t", destination=Place("上虞区", 30.03, 120.87), plan_from=day,
                        plan_to=dt.date(2020, 3, 15), workers=people, employers=(),
                        fleet=(coach, train))
    inst = build_instance(scenario)
    assert inst.station_province == {"贵阳北站": "52", "怀化南站": "43"}
