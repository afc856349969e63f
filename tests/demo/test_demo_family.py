"""The scenario family: shapes, destinations, determinism and loadable members."""

from __future__ import annotations

import datetime as dt
import json
import warnings
from pathlib import Path

import pandas as pd
import pytest
from stdnum.cn import uscc

from planner.demo import (
    DESTINATION_KEYS,
    DemoShape,
    destination,
    family,
    generate_demo,
    home_adcodes,
    write_family,
)
from planner.geo import great_circle_km
from planner.io import load_scenario

SMALL = (150, 450)  # people per member in tests, to stay fast


def test_same_seed_and_shape_give_identical_tables() -> None:
    """A shaped scenario is reproducible; the family itself is a pure function of its seed."""
    shape = family(4, 3, sizes=SMALL)[1].shape
    a, b = generate_demo(9, shape=shape), generate_demo(9, shape=shape)
    for name in ("workers", "employers", "fleet", "load_caps"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    assert a.scenario == b.scenario
    assert family(4, 6, sizes=SMALL) == family(4, 6, sizes=SMALL)
    assert family(4, 6, sizes=SMALL) != family(5, 6, sizes=SMALL)


def test_no_shape_is_the_reference_shape() -> None:
    """Without a shape the generator builds the Shangyu demo, equal to its default shape."""
    plain = generate_demo(3, 200)
    shaped = generate_demo(3, shape=DemoShape(n_workers=200))
    pd.testing.assert_frame_equal(plain.workers, shaped.workers)
    pd.testing.assert_frame_equal(plain.fleet, shaped.fleet)
    assert plain.shape.is_reference and plain.scenario["name"] == "上虞 2020 复工返岗"
    with pytest.raises(ValueError):
        generate_demo(3, 200, shape=DemoShape(n_workers=200))


@pytest.mark.parametrize("key", DESTINATION_KEYS)
def test_employers_lie_around_their_destination(key: str) -> None:
    """Every destination's employers sit within 40 km of its hub, registered there."""
    dest = destination(key)
    tables = generate_demo(1, shape=DemoShape(n_workers=300, destination=key,
                                              employer_spread=2.0))
    _, lat, lon = dest.hub
    for e_lat, e_lon in zip(tables.employers["lat"], tables.employers["lon"], strict=True):
        assert great_circle_km(lat, lon, float(e_lat), float(e_lon)) < 40
    assert tables.employers["uscc"].str.startswith("91" + dest.registration).all()
    assert all(uscc.validate(code) == code for code in tables.employers["uscc"])
    assert tables.scenario["destination"] == {"name": dest.hub[0], "lat": lat, "lon": lon}
    trains = tables.fleet[tables.fleet["kind"] == "train"]
    assert len(trains) > 0 and (trains["dest_station"] == dest.station[0]).all()
    _, s_lat, s_lon = dest.station
    assert great_circle_km(lat, lon, s_lat, s_lon) < 40  # trains arrive near the hub


def test_tight_fleet_has_fewer_coaches_per_person_than_loose() -> None:
    """Fleet factor 0.5 gives fewer coaches per person than factor 1.8 at the same size."""

    def coaches_per_person(factor: float) -> float:
        t = generate_demo(2, shape=DemoShape(n_workers=3000, fleet_factor=factor))
        return int(t.fleet.loc[t.fleet["kind"] == "coach", "available"].sum()) / 3000

    assert coaches_per_person(0.5) < coaches_per_person(1.0) < coaches_per_person(1.8)


def test_family_spans_sizes_destinations_fleets_and_dates() -> None:
    """Eight members: 2k and 30k both reached, all five destinations, tight and loose, 3+ dates."""
    members = family(15, 8)
    sizes = [m.shape.n_workers for m in members]
    assert min(sizes) == 2000 and max(sizes) == 30_000
    assert {m.shape.destination for m in members} == set(DESTINATION_KEYS)
    factors = [m.shape.fleet_factor for m in members]
    assert sum(f < 1 for f in factors) == 4 and sum(f > 1 for f in factors) == 4
    assert len({m.shape.plan_from for m in members}) >= 3
    assert len({m.shape.sending_mix for m in members}) == 8
    assert [m.name for m in members] == [f"member-{i:02d}" for i in range(1, 9)]


def test_shape_follows_sending_mix_and_dates() -> None:
    """Only the mix's provinces send; availability lies in the release window; late ones late."""
    shape = DemoShape(
        n_workers=400, destination="baoan", sending_mix=(("45", 50.0), ("43", 30.0),
                                                         ("52", 20.0)),
        plan_from=dt.date(2023, 1, 30), plan_days=25, release_days=12, late_provinces=("52",),
        late_from_day=8, general_cap_days=0,
    )
    t = generate_demo(5, shape=shape)
    homes = home_adcodes(t.workers)
    assert {h[:2] for h in homes} == {"45", "43", "52"}
    days = pd.Series([(d - shape.plan_from).days for d in t.workers["available_from"]])
    assert days.between(0, 11).all()
    late = pd.Series([h.startswith("52") for h in homes])
    assert (days[late] >= 8).all()
    assert t.load_caps["origin"].tolist() == ["52"]
    assert t.load_caps["to_date"].tolist() == [dt.date(2023, 2, 24)]
    assert (pd.Series(t.employers["needed_by"]) <= dt.date(2023, 2, 24)).all()


def test_bad_shapes_are_refused() -> None:
    """Unknown destinations, provinces without counties and impossible dates are refused."""
    with pytest.raises(ValueError, match="destination"):
        DemoShape(destination="atlantis")
    with pytest.raises(ValueError, match="province"):
        DemoShape(sending_mix=(("44", 100.0),))
    with pytest.raises(ValueError, match="late_from_day"):
        DemoShape(release_days=10, late_from_day=12)


def test_every_member_loads_and_validates(tmp_path: Path) -> None:
    """Five small members written by write_family load cleanly; family.json regenerates them."""
    rows = write_family(tmp_path, 21, 5, sizes=SMALL)
    doc = json.loads((tmp_path / "family.json").read_text(encoding="utf-8"))
    assert [m["name"] for m in doc["members"]] == [r["name"] for r in rows]
    assert (tmp_path / "family.md").read_text(encoding="utf-8").count("| member-") == 5
    for row in rows:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no warning either
            scenario = load_scenario(tmp_path / row["name"])
        assert len(scenario.workers) == row["workers"]
        assert len(scenario.employers) == row["employers"]
        assert scenario.destination.name == destination(row["shape"]["destination"]).hub[0]
        assert DemoShape.from_dict(row["shape"]) == family(21, 5, sizes=SMALL)[
            int(row["name"][-2:]) - 1
        ].shape


def test_a_member_on_other_dates_gets_a_policy_in_force_on_them(tmp_path: Path) -> None:
    """A scenario planned from 30 January 2023 gets the 2020 policy with its dates moved by the
    same 1,080 days (valid from 25 January to 15 June 2023), so its people are owed their
    self-return subsidies: before, the policy had expired and the planner sent everyone home
    alone at no cost, which measured nothing."""
    import tomllib

    from planner.demo import write_demo
    from planner.optimise import PlanParams
    from planner.services.planning import plan_scenario

    shape = DemoShape(n_workers=300, plan_from=dt.date(2023, 1, 30), destination="kunshan")
    write_demo(tmp_path / "m", 5, fmt="csv", shape=shape)
    policy = tomllib.loads((tmp_path / "m" / "policy.toml").read_text(encoding="utf-8"))
    window = (policy["valid_from"], policy["valid_to"])
    assert window == (dt.date(2023, 1, 25), dt.date(2023, 6, 15))
    plan = plan_scenario(load_scenario(tmp_path / "m"), PlanParams(work_limit=0.3))
    assert plan.summary.total_cost_fen > 0
    assert plan.summary.subsidy_forecast_fen > 0
