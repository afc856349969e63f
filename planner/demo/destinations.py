"""Receiving places of the demo family: Shangyu and four other counties/districts.

Rules implemented here (data only, no randomness):

- A destination is a real county-level receiving place: its hub (where every trip ends: the
  seat of government or the main industrial centre), the railway station where special trains
  arrive, the industrial areas where its employers sit (each with a weight and its typical
  trades), the registration code its enterprises' USCCs carry and the prefixes of their names.
- Shangyu's entry is the one the 2020 demo always used (``places.py``): its six train corridors
  with their road distances are kept as they are. The other destinations get one corridor per
  big sending province from that province's hub station (``PROVINCE_HUBS``), priced by the same
  formula; their road distance is estimated as 1.25 × the great-circle distance, rounded to
  10 km (est.).
- Coordinates are approximate (a few hundred metres to ~2 km): a hub and industrial areas
  within ~40 km of each other, as in a real district or county-level city.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from planner.demo.places import (
    DEST_STATION,
    DESTINATION,
    INDUSTRIAL_AREAS,
    INDUSTRIES,
    PAIRED_COUNTIES,
    TRAIN_CORRIDORS,
    IndustrialArea,
    TrainCorridor,
)
from planner.geo.distance import great_circle_km

ROAD_OVER_GREAT_CIRCLE = 1.25  # est.: road km per great-circle km on long-distance corridors


@dataclass(frozen=True, slots=True)
class Destination:
    """A receiving county or district: hub, arrival station, industrial areas, naming.

    ``registration`` is the 6-digit division code in the USCC of its enterprises (``91`` +
    code); ``name_prefixes`` are ``(prefix, share)`` of employer names; ``corridors`` is empty
    when the corridors are derived from ``PROVINCE_HUBS``; ``paired`` are the sending counties
    paired with it in east-west cooperation and their fixed shares of all workers.
    """

    key: str
    short: str
    hub: tuple[str, float, float]
    station: tuple[str, float, float]
    areas: tuple[IndustrialArea, ...]
    industries: tuple[str, ...]
    registration: str
    name_prefixes: tuple[tuple[str, float], ...]
    corridors: tuple[TrainCorridor, ...] = ()
    paired: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ProvinceHub:
    """The station special trains leave from for a sending province."""

    province: str
    station: str
    lat: float
    lon: float
    seats: int


PROVINCE_HUBS: tuple[ProvinceHub, ...] = (
    ProvinceHub("52", "贵阳北站", 26.62, 106.68, 1000),
    ProvinceHub("51", "成都东站", 30.63, 104.14, 1000),
    ProvinceHub("50", "重庆北站", 29.61, 106.55, 1000),
    ProvinceHub("53", "昆明南站", 24.87, 102.87, 1000),
    ProvinceHub("41", "郑州东站", 34.76, 113.78, 1000),
    ProvinceHub("34", "阜阳西站", 32.90, 115.76, 600),
    ProvinceHub("43", "长沙南站", 28.15, 113.07, 1000),
    ProvinceHub("36", "南昌西站", 28.62, 115.80, 1000),
    ProvinceHub("45", "南宁东站", 22.83, 108.42, 1000),
    ProvinceHub("42", "武汉站", 30.61, 114.42, 1000),
)

# Which province each of Shangyu's six corridors serves (same order as TRAIN_CORRIDORS).
SHANGYU_CORRIDOR_PROVINCES = ("52", "51", "50", "53", "41", "34")

_A = IndustrialArea

DESTINATIONS: tuple[Destination, ...] = (
    Destination(
        key="shangyu", short="上虞", hub=DESTINATION, station=DEST_STATION,
        areas=INDUSTRIAL_AREAS, industries=INDUSTRIES, registration="330604",
        name_prefixes=(("绍兴上虞", 0.6), ("浙江", 0.2), ("绍兴", 0.1), ("上虞", 0.1)),
        corridors=TRAIN_CORRIDORS, paired=PAIRED_COUNTIES,
    ),
    Destination(
        key="kunshan", short="昆山", hub=("昆山市", 31.38, 120.98),
        station=("昆山南站", 31.37, 120.96),
        areas=(
            _A("昆山经济技术开发区", 31.36, 121.00, 30, ("电子", "精密机械", "光电")),
            _A("昆山高新技术产业开发区", 31.42, 120.94, 15, ("新材料", "机电", "电子")),
            _A("花桥经济开发区", 31.30, 121.07, 8, ("物流", "服饰")),
            _A("周市镇", 31.46, 120.98, 8, ("汽车部件", "五金")),
            _A("张浦镇", 31.29, 120.93, 9, ("精密机械", "食品")),
            _A("陆家镇", 31.32, 121.04, 7, ("电子", "五金")),
            _A("千灯镇", 31.27, 120.99, 7, ("新材料", "塑业")),
            _A("巴城镇", 31.45, 120.88, 6, ("食品", "机电")),
        ),
        industries=("电子", "精密机械", "光电", "新材料", "机电", "汽车部件", "五金", "塑业",
                    "食品", "服饰", "物流", "模具"),
        registration="320583", name_prefixes=(("昆山", 0.6), ("江苏", 0.2), ("苏州", 0.2)),
    ),
    Destination(
        key="baoan", short="宝安", hub=("宝安区", 22.56, 113.88),
        station=("深圳北站", 22.61, 114.03),
        areas=(
            _A("沙井街道", 22.73, 113.83, 16, ("电子", "模具", "五金")),
            _A("福永街道", 22.67, 113.82, 14, ("电子", "光电", "精密机械")),
            _A("松岗街道", 22.77, 113.85, 12, ("电子", "塑业")),
            _A("石岩街道", 22.68, 113.93, 12, ("电子", "电器")),
            _A("西乡街道", 22.58, 113.87, 10, ("服饰", "物流")),
            _A("新桥街道", 22.72, 113.84, 8, ("五金", "模具")),
            _A("燕罗街道", 22.79, 113.89, 8, ("电子", "塑业")),
            _A("航城街道", 22.63, 113.84, 8, ("物流", "电子")),
        ),
        industries=("电子", "光电", "模具", "五金", "塑业", "电器", "精密机械", "服饰", "物流",
                    "新材料"),
        registration="440300", name_prefixes=(("深圳市", 0.7), ("深圳", 0.2), ("广东", 0.1)),
    ),
    Destination(
        key="jinjiang", short="晋江", hub=("晋江市", 24.78, 118.55),
        station=("晋江站", 24.85, 118.57),
        areas=(
            _A("陈埭镇", 24.84, 118.62, 18, ("鞋业", "服饰")),
            _A("池店镇", 24.83, 118.53, 10, ("鞋业", "食品")),
            _A("安海镇", 24.71, 118.47, 12, ("服饰", "食品", "纺织")),
            _A("磁灶镇", 24.85, 118.48, 10, ("陶瓷", "五金")),
            _A("内坑镇", 24.76, 118.43, 6, ("鞋业", "纺织")),
            _A("深沪镇", 24.65, 118.65, 8, ("纺织", "服饰")),
            _A("英林镇", 24.62, 118.58, 8, ("服饰", "纺织")),
            _A("五里工业园", 24.77, 118.52, 10, ("纸业", "鞋业", "食品")),
        ),
        industries=("鞋业", "服饰", "纺织", "陶瓷", "食品", "纸业", "五金", "伞业", "塑业"),
        registration="350582", name_prefixes=(("晋江", 0.5), ("福建", 0.3), ("泉州", 0.2)),
    ),
    Destination(
        key="yiwu", short="义乌", hub=("义乌市", 29.31, 120.08),
        station=("义乌站", 29.37, 120.07),
        areas=(
            _A("义乌经济技术开发区", 29.27, 120.03, 24, ("饰品", "针织", "日用品")),
            _A("北苑街道", 29.34, 120.06, 12, ("针织", "服饰")),
            _A("佛堂镇", 29.20, 120.07, 12, ("日用品", "工艺品")),
            _A("苏溪镇", 29.40, 120.14, 10, ("服饰", "五金")),
            _A("廿三里街道", 29.36, 120.21, 8, ("工艺品", "饰品")),
            _A("义亭镇", 29.24, 119.95, 8, ("纺织", "日用品")),
            _A("后宅街道", 29.37, 120.01, 6, ("电子", "五金")),
        ),
        industries=("饰品", "针织", "日用品", "服饰", "工艺品", "五金", "电子", "纺织", "塑业",
                    "印刷"),
        registration="330782", name_prefixes=(("义乌市", 0.6), ("浙江", 0.2), ("金华", 0.2)),
    ),
)

DESTINATION_KEYS: tuple[str, ...] = tuple(d.key for d in DESTINATIONS)


def destination(key: str) -> Destination:
    """The destination called ``key`` (``"shangyu"``, ``"kunshan"``, …).

    Raises
    ------
    ValueError
        ``key`` is not in ``DESTINATION_KEYS``.
    """
    for d in DESTINATIONS:
        if d.key == key:
            return d
    raise ValueError(f"unknown destination {key!r}: use one of {', '.join(DESTINATION_KEYS)}")


def corridors_for(dest: Destination, shares: dict[str, float]) -> list[TrainCorridor]:
    """The special-train corridors to ``dest`` for a sending mix (province → per cent).

    A province gets a corridor when it sends at least 5% and has a hub station at least 400 km
    away; two trains may run at once when it sends at least 15%, else one. Shangyu keeps its
    own six corridors (those of provinces below 5% are dropped).
    """
    if dest.corridors:
        return [
            c for c, p in zip(dest.corridors, SHANGYU_CORRIDOR_PROVINCES, strict=True)
            if shares.get(p, 0.0) >= 5.0
        ]
    _, s_lat, s_lon = dest.station
    out: list[TrainCorridor] = []
    for hub in PROVINCE_HUBS:
        share = shares.get(hub.province, 0.0)
        km = great_circle_km(hub.lat, hub.lon, s_lat, s_lon)
        if share < 5.0 or km < 400:
            continue
        road_km = int(round(ROAD_OVER_GREAT_CIRCLE * km, -1))
        out.append(
            TrainCorridor(
                f"{hub.station.removesuffix('站')}—{dest.station[0].removesuffix('站')}专列",
                hub.station, hub.lat, hub.lon, hub.seats, 2 if share >= 15.0 else 1, road_km,
            )
        )
    return out
