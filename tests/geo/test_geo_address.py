"""Tests of free-text address resolution against the shipped gazetteer."""

from __future__ import annotations

import pytest

from planner.geo import Division, Gazetteer, load_gazetteer


@pytest.mark.parametrize(
    ("text", "adcode"),
    [
        ("四川省阿坝藏族羌族自治州小金县美兴镇", "513227"),
        ("阿坝州小金县", "513227"),
        ("贵州省毕节市威宁彝族回族苗族自治县", "520526"),
        ("河南周口市郸城县", "411625"),
        ("重庆市云阳县", "500235"),
        ("浙江省绍兴市上虞区百官街道", "330604"),
        ("北京朝阳", "110105"),
        ("吉林省吉林市昌邑区", "220202"),
        ("广东省东莞市长安镇", "441900"),
        ("湖北省仙桃市", "429004"),
        ("新疆伊犁州伊宁县", "654021"),
        ("威宁县", "520526"),
        (" 四川 阿坝 小金 ", "513227"),
    ],
)
def test_resolves_known_addresses(text: str, adcode: str) -> None:
    """Full, abbreviated and spaced addresses resolve to the right county."""
    d = load_gazetteer().resolve_address(text)
    assert d is not None and d.adcode == adcode


def test_abbreviated_stem_does_not_swallow_prefecture() -> None:
    """阿坝 in 四川省阿坝州 is the prefecture, not 阿坝县: 小金县 wins."""
    d = load_gazetteer().resolve_address("四川省阿坝州小金县")
    assert d is not None and d.name == "小金县"


def test_former_county_names_resolve_to_todays_county() -> None:
    """Old names (上虞市, 横县, 宜宾县) lead to the current county."""
    g = load_gazetteer()
    assert (d := g.resolve_address("浙江省绍兴市上虞市")) is not None and d.adcode == "330604"
    assert (d := g.resolve_address("广西南宁市横县")) is not None and d.adcode == "450181"
    assert (d := g.resolve_address("四川省宜宾市宜宾县")) is not None and d.adcode == "511504"


def test_ambiguous_address_returns_none_with_candidates() -> None:
    """朝阳区 alone could be Beijing or Changchun: no guess, both listed."""
    g = load_gazetteer()
    assert g.resolve_address("朝阳区建国路") is None
    detail = g.resolve_address_detail("朝阳区建国路")
    assert detail.status == "ambiguous"
    assert {d.adcode for d in detail.candidates} >= {"110105", "220104"}
    assert "ambiguous" in detail.reason and "北京市朝阳区" in detail.reason


def test_province_narrows_an_ambiguous_name() -> None:
    """With 吉林省 in front, 朝阳区 is Changchun's."""
    d = load_gazetteer().resolve_address("吉林省长春市朝阳区")
    assert d is not None and d.adcode == "220104"


@pytest.mark.parametrize("text", ["", "某某街道12号", "浙江省", "浙江省绍兴市", "火星市奥林匹斯县"])
def test_unknown_or_incomplete_addresses_return_none(text: str) -> None:
    """Text naming no county (or only a province or prefecture) resolves to nothing."""
    g = load_gazetteer()
    assert g.resolve_address(text) is None
    assert g.resolve_address_detail(text).status == "unknown"


def test_prefecture_must_contain_county() -> None:
    """A county named under the wrong prefecture is not matched there."""
    assert load_gazetteer().resolve_address("浙江省杭州市上虞区") is None


def test_tiny_inline_gazetteer() -> None:
    """The resolver works on a hand-built table with an old code and a former name."""
    divisions = [
        Division("330604", "上虞区", "3306", "绍兴市", "33", "浙江省", 30.03, 120.87),
        Division("330603", "柯桥区", "3306", "绍兴市", "33", "浙江省", 30.08, 120.49),
        Division(
            "520526", "威宁彝族回族苗族自治县", "5205", "毕节市", "52", "贵州省", 26.87, 104.25
        ),
    ]
    g = Gazetteer(divisions, {"330682": "330604"}, former_names={"330682": "上虞市"})
    assert len(g) == 3
    assert g.current_code("330682") == "330604"
    assert (d := g.resolve_address("绍兴上虞市")) is not None and d.adcode == "330604"
    assert (d := g.resolve_address("贵州威宁")) is not None and d.adcode == "520526"
    assert g.resolve_address("柯桥") is not None


def test_every_full_name_resolves_to_itself() -> None:
    """Each division's full name, followed by a town, resolves back to that division."""
    g = load_gazetteer()
    wrong = [
        d.full_name
        for d in g.counties()
        if (found := g.resolve_address(d.full_name + "某某镇")) is None or found.adcode != d.adcode
    ]
    assert wrong == []


@pytest.mark.parametrize(
    "text", ["江苏淮安", "江苏省淮安市", "辽宁省朝阳市", "湖北恩施", "四川宜宾"]
)
def test_prefecture_alone_is_no_county(text: str) -> None:
    """A prefecture named alone never resolves to the county or district sharing its name."""
    assert load_gazetteer().resolve_address(text) is None


def test_same_district_name_in_two_cities_is_ambiguous() -> None:
    """江苏省鼓楼区 could be Nanjing's or Xuzhou's: ambiguous, both listed."""
    detail = load_gazetteer().resolve_address_detail("江苏省鼓楼区")
    assert detail.status == "ambiguous"
    assert {d.adcode for d in detail.candidates} == {"320106", "320302"}
