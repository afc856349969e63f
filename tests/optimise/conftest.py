"""Tiny scenarios built in code for the optimiser's tests."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import Any

import pytest

from planner.domain import (
    Employer,
    LoadCap,
    Place,
    Scenario,
    Travel,
    VehicleKind,
    VehicleType,
    Worker,
)
from planner.geo import DistanceModel
from planner.optimise import Instance, Origin, PlanParams

D0 = dt.date(2020, 2, 15)
HUB = Place("上虞区", 30.03, 120.87)

# Real-ish sending counties: (adcode, name, prefecture code, province code, lat, lon).
COUNTIES: dict[str, tuple[str, str, str, float, float]] = {
    "520502": ("七星关区", "5205", "52", 27.30, 105.30),  # Guizhou, ~1,900 km road
    "520524": ("织金县", "5205", "52", 26.66, 105.77),
    "340102": ("瑶海区", "3401", "34", 31.86, 117.31),  # Hefei, ~430 km
    "420102": ("江岸区", "4201", "42", 30.60, 114.31),  # Wuhan
    "330102": ("上城区", "3301", "33", 30.24, 120.17),  # Hangzhou, ~90 km
    "520111": ("花溪区", "5201", "52", 26.41, 106.67),  # Guiyang, near 贵阳北
    "520113": ("白云区", "5201", "52", 26.68, 106.62),
    "522635": ("麻江县", "5226", "52", 26.49, 107.59),  # Qiandongnan, near 凯里南, far from 贵阳北
    "431202": ("鹤城区", "4312", "43", 27.55, 109.98),  # Huaihua (Hunan), by 怀化南
    "522223": ("玉屏侗族自治县", "5222", "52", 27.24, 108.91),  # Guizhou, nearer 怀化南 than 贵阳北
}

COACH53 = VehicleType(
    VehicleKind.COACH,
    "53座大客车",
    53,
    1.0,
    cost_per_km_fen=700,
    fixed_cost_fen=180_000,
    available=None,
)
COACH45 = VehicleType(
    VehicleKind.COACH,
    "45座大客车",
    45,
    1.0,
    cost_per_km_fen=650,
    fixed_cost_fen=170_000,
    available=None,
)
TRAIN = VehicleType(
    VehicleKind.TRAIN,
    "贵阳北—绍兴北专列",
    1000,
    1.0,
    fixed_cost_fen=20_000_000,
    available=1,
    origin_station="贵阳北站",
    origin_lat=26.62,
    origin_lon=106.68,
    lead_days=2,
    dest_station="绍兴北站",
    dest_lat=30.02,
    dest_lon=120.59,
)

# A train boarding at two stations: 贵阳北 (12:00), then 凯里南 on its way east.
TRAIN2 = dataclasses.replace(
    TRAIN,
    name="贵阳北—凯里南—绍兴北专列",
    seats=400,
    fixed_cost_fen=1_000_000,
    extra_stations=(("凯里南站", 26.52, 107.93),),
)

# A train of Guizhou that also boards in Hunan: 贵阳北, then 怀化南 on its way east.
TRAIN_GZ_HN = dataclasses.replace(
    TRAIN,
    name="贵阳北—怀化南—绍兴北专列",
    seats=600,
    fixed_cost_fen=1_000_000,
    extra_stations=(("怀化南站", 27.53, 109.96),),
)


def employer(
    uscc: str,
    wanted: int = 0,
    needed_by: dt.date | None = None,
    lat: float = 30.05,
    lon: float = 120.85,
) -> Employer:
    return Employer(uscc, f"企业{uscc[-3:]}", lat, lon, wanted, needed_by or dt.date(2020, 3, 15))


def workers(
    county: str,
    n: int,
    *,
    prefix: str = "",
    employer_uscc: str | None = "E001",
    travel: Travel = Travel.SEAT,
    available_from: dt.date = D0,
) -> list[Worker]:
    tag = prefix or county
    return [
        Worker(
            f"{tag}-{i:04d}",
            f"人{i}",
            county,
            available_from,
            employer_uscc=employer_uscc,
            travel=travel,
        )
        for i in range(n)
    ]


SUBSIDY = {"33": 20_000, "34": 50_000}  # fen; others 80_000


def build(
    people: Sequence[Worker],
    employers: Sequence[Employer],
    *,
    fleet: Sequence[VehicleType] = (COACH53, COACH45),
    caps: Sequence[LoadCap] = (),
    plan_to: dt.date = dt.date(2020, 3, 15),
    fixed: tuple = ((), (), ()),
    **extra: Any,
) -> tuple[Scenario, Instance]:
    sc = Scenario(
        name="test",
        destination=HUB,
        plan_from=D0,
        plan_to=plan_to,
        workers=tuple(people),
        employers=tuple(employers),
        fleet=tuple(fleet),
        load_caps=tuple(caps),
        fixed_trips=tuple(fixed[0]),
        fixed_assignments=tuple(fixed[1]),
        fixed_legs=tuple(fixed[2]),
    )
    origins = {}
    for w in people:
        name, pref, prov, lat, lon = COUNTIES[w.home_adcode]
        origins[w.home_adcode] = Origin(w.home_adcode, name, pref, pref, prov, prov, lat, lon)
    sub = {w.id_number: SUBSIDY.get(w.home_adcode[:2], 80_000) for w in people}
    inst = Instance.build(sc, origins, sub, DistanceModel().matrix_km, **extra)
    return sc, inst


FAST = PlanParams(time_limit_s=5.0, work_limit=2.0)


@pytest.fixture
def kit() -> Any:
    """The helpers of this file (builders, fleet, counties) as one namespace."""
    import sys

    return sys.modules[__name__]


@pytest.fixture(scope="session")
def tight_demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any, PlanParams]:
    """2,000 demo people (seed 2020) with three coaches of each type a day, planned once under
    a work limit: (scenario, plan, params). A fleet this tight once had four 53-seat coaches
    out on 18 February (a Jiangxi coach back at its first stop the day after its run)."""
    import pandas as pd

    from planner.demo import write_demo
    from planner.io import load_scenario
    from planner.services.planning import plan_scenario

    folder = tmp_path_factory.mktemp("tight") / "tight"
    write_demo(folder, 2020, 2000)
    fleet = pd.read_csv(folder / "fleet.csv", dtype=str, keep_default_na=False,
                        encoding="utf-8-sig")
    fleet.loc[fleet["kind"] == "coach", "available"] = "3"
    fleet.to_csv(folder / "fleet.csv", index=False, encoding="utf-8-sig")
    scenario = load_scenario(folder)
    params = PlanParams(work_limit=5.0)
    return scenario, plan_scenario(scenario, params), params
