"""The demo generator: determinism, the mix of people, valid identifiers, real places."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from stdnum.cn import ric, uscc

from planner import paths
from planner.demo import DemoTables, apportion, generate_demo, home_adcodes
from planner.demo.generate import (
    EMPLOYER_COLUMNS,
    FLEET_COLUMNS,
    LOAD_CAP_COLUMNS,
    WORKER_COLUMNS,
)
from planner.demo.places import PAIRED_COUNTIES, SENDING_COUNTIES

MAIN_NINE = {"52", "51", "41", "34", "53", "36", "42", "50", "43"}


@pytest.fixture(scope="module")
def demo() -> DemoTables:
    return generate_demo()


@pytest.fixture(scope="module")
def homes(demo: DemoTables) -> list[str]:
    return home_adcodes(demo.workers)


def test_apportion_is_exact_and_stable() -> None:
    """Largest-remainder apportionment sums to the total and breaks ties by position."""
    assert apportion([1, 1, 1], 10).tolist() == [4, 3, 3]
    assert apportion([0.5, 0.25, 0.25], 4).tolist() == [2, 1, 1]
    assert apportion([1, 2], 0).tolist() == [0, 0]


def test_same_seed_same_tables_other_seed_differs() -> None:
    """The same seed gives identical tables; another seed gives other people."""
    a, b = generate_demo(7, 400), generate_demo(7, 400)
    for name in ("workers", "employers", "fleet", "load_caps"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    assert a.scenario == b.scenario
    c = generate_demo(8, 400)
    assert set(c.workers["id_number"]) != set(a.workers["id_number"])


def test_columns_follow_formats(demo: DemoTables) -> None:
    """Tables carry the FORMATS.md columns, in order, and the scenario names its files."""
    assert tuple(demo.workers.columns) == WORKER_COLUMNS
    assert tuple(demo.employers.columns) == EMPLOYER_COLUMNS
    assert tuple(demo.fleet.columns) == FLEET_COLUMNS
    assert tuple(demo.load_caps.columns) == LOAD_CAP_COLUMNS
    s = demo.scenario
    assert s["destination"] == {"name": "上虞区", "lat": 30.03, "lon": 120.87}
    assert (s["plan_from"], s["plan_to"]) == (dt.date(2020, 2, 15), dt.date(2020, 3, 15))
    assert s["policy"] == "policy.toml" and "fixed" not in s


def test_province_mix(demo: DemoTables, homes: list[str]) -> None:
    """18 provinces; Guizhou leads; the nine big senders bring about 91%; Xiaojin ≈ 260."""
    per_province = Counter(h[:2] for h in homes)
    assert len(demo.workers) == 10_500
    assert len(per_province) == 18
    assert per_province.most_common(1)[0][0] == "52"
    main = sum(per_province[p] for p in MAIN_NINE) / len(homes)
    assert 0.89 <= main <= 0.93
    assert 250 <= Counter(homes)["513227"] <= 270
    assert "33" in per_province  # some come from elsewhere in Zhejiang


def test_zipf_spread_over_counties(homes: list[str]) -> None:
    """A few counties send hundreds, many send a handful."""
    per_county = Counter(homes)
    assert max(per_county.values()) >= 400
    assert sum(1 for n in per_county.values() if n < 30) >= 20
    assert len(per_county) >= 140


def test_shares_of_people(demo: DemoTables, homes: list[str]) -> None:
    """60/40 returning/new, travel 80/12/8, ~10% poor (most in paired counties), ~90% phones."""
    w = demo.workers
    assert w["employer_uscc"].notna().mean() == pytest.approx(0.60, abs=0.005)
    travel = w["travel"].value_counts(normalize=True)
    assert travel["seat"] == pytest.approx(0.80, abs=0.005)
    assert travel["own"] == pytest.approx(0.12, abs=0.005)
    assert travel["either"] == pytest.approx(0.08, abs=0.005)
    assert w["poverty_registered"].mean() == pytest.approx(0.10, abs=0.015)
    paired = np.array([h in PAIRED_COUNTIES for h in homes])
    assert w["poverty_registered"][paired].mean() > 0.75
    assert w["phone"].notna().mean() == pytest.approx(0.90, abs=0.005)
    address_only = w["home_adcode"].isna()
    assert address_only.mean() == pytest.approx(0.10, abs=0.005)
    assert w["home_address"].notna().equals(address_only)


def test_resident_ids_valid_and_unique(demo: DemoTables, homes: list[str]) -> None:
    """Every ID passes stdnum (check digit, birth date, birthplace in force), born 1965–2002."""
    ids = demo.workers["id_number"]
    assert ids.is_unique
    history = {c.adcode: {code for code, _, _ in c.history} for c in SENDING_COUNTIES}
    checked: set[tuple[str, str]] = set()  # (birthplace, year): stdnum's lookup is slow
    for number, home in zip(ids, homes, strict=True):
        assert number[17] == ric.calc_check_digit(number)
        assert 1965 <= ric.get_birth_date(number).year <= 2002
        assert number[:6] in history[home]
        if (number[:6], number[6:10]) not in checked:
            checked.add((number[:6], number[6:10]))
            assert ric.validate(number) == number  # birthplace code in force in that year


def test_phones_look_like_mainland_mobiles(demo: DemoTables) -> None:
    """Phones are 11 digits with a 13x/15x/17x/18x/19x prefix, and unique."""
    phones = demo.workers["phone"].dropna()
    assert phones.is_unique
    assert phones.str.fullmatch(r"1[35789]\d{9}").all()


def test_employers_valid_and_placed_in_shangyu(demo: DemoTables) -> None:
    """USCCs valid and registered in Shangyu; names plausible; locations inside the district."""
    e = demo.employers
    assert 250 <= len(e) <= 350
    assert e["uscc"].is_unique and e["name"].is_unique
    assert all(uscc.validate(code) == code for code in e["uscc"])
    assert e["uscc"].str.startswith("91330604").all()
    assert e["name"].str.endswith("有限公司").all()
    assert e["lat"].between(29.80, 30.20).all() and e["lon"].between(120.65, 121.10).all()
    assert set(demo.workers["employer_uscc"].dropna()) <= set(e["uscc"])


def test_demand_exceeds_recruits_by_five_percent(demo: DemoTables) -> None:
    """New-hire demand totals 105% of the new recruits; deadlines mostly 15 March."""
    recruits = int(demo.workers["employer_uscc"].isna().sum())
    assert int(demo.employers["new_hires_wanted"].sum()) == round(1.05 * recruits)
    assert (demo.employers["needed_by"] == dt.date(2020, 3, 15)).mean() > 0.7


def test_availability_mostly_first_week(demo: DemoTables, homes: list[str]) -> None:
    """Availability runs 15 Feb – 5 Mar 2020, mostly the first week; Hubei from 1 March."""
    days = pd.Series(demo.workers["available_from"])
    assert days.min() == dt.date(2020, 2, 15) and days.max() == dt.date(2020, 3, 5)
    assert (days < dt.date(2020, 2, 22)).mean() > 0.6
    hubei = np.array([h.startswith("42") for h in homes])
    assert (days[hubei] >= dt.date(2020, 3, 1)).all()


def test_fleet_and_load_caps(demo: DemoTables) -> None:
    """Two coach sizes, six special trains to Shaoxing North; caps 50% (Hubei longer)."""
    f = demo.fleet
    coaches, trains = f[f["kind"] == "coach"], f[f["kind"] == "train"]
    assert sorted(coaches["seats"]) == [45, 53]
    assert coaches["cost_per_km"].between(6.5, 7.0).all()
    assert len(trains) == 6 and trains["cost_per_km"].isna().all()
    assert (trains["dest_station"] == "绍兴北站").all() and (trains["lead_days"] == 2).all()
    caps = demo.load_caps
    assert (caps["max_load"] == 0.5).all()
    hubei = caps[caps["origin"] == "42"].iloc[0]
    assert hubei["to_date"] == dt.date(2020, 3, 15)


def test_places_are_current_in_gazetteer(demo: DemoTables, homes: list[str]) -> None:
    """Every home code is a current county, and every free-text address resolves to it."""
    if not (paths.DATA_DIR / "gazetteer" / "counties.csv").is_file():
        pytest.skip("the gazetteer (data/gazetteer/counties.csv) is not built yet")
    from planner.geo import load_gazetteer

    gazetteer = load_gazetteer()
    for county in SENDING_COUNTIES:
        division = gazetteer.get(county.adcode)
        assert division is not None and gazetteer.is_current(county.adcode), county.adcode
        assert division.name == county.name
    addresses = demo.workers["home_address"]
    for address, home in zip(addresses, homes, strict=True):
        if isinstance(address, str):
            match = gazetteer.resolve_address(address)
            assert match is not None and match.adcode == home, address


def test_scales_to_100k_workers() -> None:
    """100,000 workers generate with unique IDs and ~2,860 employers."""
    big = generate_demo(2020, 100_000)
    assert len(big.workers) == 100_000 and big.workers["id_number"].is_unique
    assert 2800 <= len(big.employers) <= 2900
    assert int(big.fleet.loc[big.fleet["name"] == "53座大客车", "available"].iloc[0]) == 1905


def test_small_scale_keeps_all_provinces() -> None:
    """1,000 workers still come from all 18 provinces, with about 29 employers."""
    small = generate_demo(2020, 1000)
    assert len({h[:2] for h in home_adcodes(small.workers)}) == 18
    assert len(small.employers) == 29
