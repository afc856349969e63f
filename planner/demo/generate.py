"""Generate the Shangyu 2020 demo scenario, or a scenario of another shape (``DemoShape``).

Rules implemented here (for the default shape; a ``DemoShape`` changes the size, employers and
their scatter, the sending mix and its Zipf exponent, the dates, the late provinces, the fleet
factor and the destination, whose hub, station, industrial areas, trades, USCC registration and
name prefixes come from ``destinations.py``; everything else stays as described):

- Everything random comes from one ``numpy.random.Generator`` seeded with ``seed`` and consumed
  in a fixed order; nothing depends on dict order, hash seeds, the clock or the machine. The same
  ``(seed, n_workers, n_employers)`` (or ``(seed, shape)``) gives the same tables; no shape is
  ``DemoShape(n_workers, n_employers)``, byte for byte the demo this module always wrote.
- Workers per county: each province gets its share (``places.PROVINCES``); inside a province the
  county ranked k gets a weight 1/k (Zipf), so a few counties send hundreds and many a handful.
  The four paired counties have fixed shares. Counts are apportioned exactly (largest remainder),
  so proportions hold at every scale.
- Resident IDs: the birthplace is the worker's home county, under the code in force in the birth
  year; birth dates 1965–2002; the sequence digit's parity gives the sex; the check digit is
  python-stdnum's. One person, one ID; phones are unique too.
- Exact shares: 60% returning employees (an employer chosen in proportion to its size, half of
  them among employers that recruit in the worker's province), 40% new recruits; ~90% give a
  phone; ~10% give a free-text address instead of a code; travel 80% seat / 12% own / 8% either.
  Poverty registration: 85% in the paired counties, 5.5% elsewhere (≈ 10% overall).
- Availability: 15 Feb – 5 Mar 2020, decaying over the days (most in the first week); workers
  from Hubei only from 1 March (assumption: Hubei's exit restrictions were the longest).
- Employers: ≈ 300 per 10,500 workers, on Shangyu's industrial areas with ~1.5 km jitter; USCCs
  registered in Shangyu (``91330604``) with a valid organisation-code check and USCC check
  character; new-hire demand totals 105% of the new recruits.
- Fleet: 53- and 45-seat coaches and special trains from six provincial hubs; how many may run
  at once scales with the number of workers. Load caps: 50% everywhere until 7 March 2020, for
  Hubei until the end of the plan.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from stdnum.cn import ric, uscc

from planner.demo.destinations import Destination, corridors_for, destination
from planner.demo.places import (
    PAIRED_COUNTIES,
    SEAT_TOWNS,
    SENDING_COUNTIES,
    SendingCounty,
)
from planner.demo.shape import REFERENCE_MIX, DemoShape

DEFAULT_SEED = 2020
DEFAULT_WORKERS = 10_500
REFERENCE_WORKERS = 10_500  # the scale the fleet's availability and employer count refer to
EMPLOYERS_PER_REFERENCE = 300

SHARE_RETURNING = 0.60
SHARE_PHONE = 0.90
SHARE_ADDRESS_ONLY = 0.10
TRAVEL_SHARES = (("seat", 0.80), ("own", 0.12), ("either", 0.08))
POVERTY_PAIRED = 0.85
POVERTY_ELSEWHERE = 0.055
SHARE_MALE = 0.65
DEMAND_OVER_RECRUITS = 1.05

WORKER_COLUMNS = (
    "id_number", "name", "phone", "home_adcode", "home_address", "employer_uscc",
    "available_from", "poverty_registered", "travel",
)
EMPLOYER_COLUMNS = ("uscc", "name", "lat", "lon", "new_hires_wanted", "needed_by")
FLEET_COLUMNS = (
    "kind", "name", "seats", "max_load", "cost_per_km", "fixed_cost", "available",
    "origin_station", "origin_lat", "origin_lon", "lead_days",
    "dest_station", "dest_lat", "dest_lon", "driver_cost",
)
LOAD_CAP_COLUMNS = ("from_date", "to_date", "origin", "max_load")

# Common surnames with rough relative frequencies (per mille of the population).
_SURNAMES = (
    ("王", 72), ("李", 72), ("张", 69), ("刘", 54), ("陈", 45), ("杨", 31), ("黄", 23),
    ("赵", 22), ("吴", 21), ("周", 21), ("徐", 16), ("孙", 15), ("马", 15), ("朱", 14),
    ("胡", 13), ("郭", 12), ("何", 12), ("高", 12), ("林", 11), ("罗", 11), ("郑", 10),
    ("梁", 10), ("谢", 8), ("宋", 8), ("唐", 8), ("许", 7), ("韩", 7), ("冯", 7), ("邓", 7),
    ("曹", 6), ("彭", 6), ("曾", 6), ("肖", 6), ("田", 6), ("董", 5), ("袁", 5), ("潘", 5),
    ("蒋", 5), ("蔡", 5), ("余", 5), ("杜", 5), ("叶", 5), ("程", 5), ("魏", 4), ("苏", 4),
    ("吕", 4), ("丁", 4), ("任", 4), ("龙", 3), ("熊", 3), ("吉", 2), ("阿", 1), ("安", 2),
)
_GIVEN_MALE = tuple("伟强军勇杰涛明超亮刚平辉鹏华飞波斌磊俊峰建国文海林德志兵龙成江川")
_GIVEN_FEMALE = tuple("芳娟敏静丽艳霞燕红玲梅英兰萍琴雪莉秀娜慧婷琳凤翠云月花桂春珍")
_VILLAGES = (
    "新华", "红星", "前进", "石桥", "大坪", "新田", "和平", "团结", "光明", "胜利", "长岭", "龙泉",
    "青山", "柏林", "双河", "高桥", "白岩", "杨柳", "河口", "中心", "坪上", "水井", "桥头", "新民",
    "兴隆", "联合", "东风", "沙坝", "黄泥", "茶园",
)
_PHONE_PREFIXES = (
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151", "152",
    "153", "155", "156", "157", "158", "159", "176", "177", "178", "180", "181", "182", "183",
    "184", "185", "186", "187", "188", "189", "198", "199",
)
_BRAND_FIRST = tuple("华永宏金恒天瑞兴鼎信博嘉万明盛泰富新康宇中东立德鸿凯安洪越舜")
_BRAND_SECOND = tuple("达昌丰源利成通鑫诚远力峰翔宁兴发泰升隆宇辉德元盛晟豪邦江海和")
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


@dataclass(frozen=True)
class DemoTables:
    """A generated demo scenario, as the files will hold it.

    Attributes
    ----------
    scenario : dict
        The keys of ``scenario.toml`` (dates as ``datetime.date``), table file names for CSV.
    workers : pandas.DataFrame
        Columns ``WORKER_COLUMNS``; blanks are missing values (``None`` or ``NaN``);
        ``available_from`` is a date, ``poverty_registered`` a bool.
    employers : pandas.DataFrame
        Columns ``EMPLOYER_COLUMNS``.
    fleet : pandas.DataFrame
        Columns ``FLEET_COLUMNS`` (money in yuan as floats; blanks ``None``).
    load_caps : pandas.DataFrame
        Columns ``LOAD_CAP_COLUMNS``; ``origin`` is ``""`` for every origin.
    seed : int
        The seed it was generated from.
    shape : DemoShape
        The shape it was generated with (the default: the Shangyu 2020 demo).
    """

    scenario: dict[str, Any]
    workers: pd.DataFrame
    employers: pd.DataFrame
    fleet: pd.DataFrame
    load_caps: pd.DataFrame
    seed: int
    shape: DemoShape = field(default_factory=DemoShape)


def apportion(weights: npt.ArrayLike, total: int) -> npt.NDArray[np.int64]:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder).

    Ties go to the earlier index, so the result is fully determined by the inputs.

    Parameters
    ----------
    weights : array_like
        Non-negative weights, not all zero.
    total : int
        The sum the result must have.

    Returns
    -------
    numpy.ndarray
        Integer counts summing to ``total``.
    """
    w = np.asarray(weights, dtype=float)
    if total <= 0:
        return np.zeros(len(w), dtype=np.int64)
    quota = w / w.sum() * total
    counts = np.floor(quota).astype(np.int64)
    rest = total - int(counts.sum())
    if rest > 0:
        order = np.argsort(-(quota - counts), kind="stable")
        counts[order[:rest]] += 1
    return counts


def _exact_mask(rng: np.random.Generator, n: int, share: float) -> npt.NDArray[np.bool_]:
    """A random boolean mask with exactly ``round(share * n)`` true entries."""
    mask = np.zeros(n, dtype=bool)
    mask[rng.permutation(n)[: round(share * n)]] = True
    return mask


def county_weights(
    mix: tuple[tuple[str, float], ...] = REFERENCE_MIX,
    concentration: float = 1.0,
    paired: dict[str, float] = PAIRED_COUNTIES,
) -> npt.NDArray[np.float64]:
    """Each sending county's share of all workers (sums to 1), in ``SENDING_COUNTIES`` order.

    Parameters
    ----------
    mix : tuple of (str, float)
        ``(province code, per cent)``; counties of other provinces get 0.
    concentration : float
        Zipf exponent: the county ranked k in its province weighs ``1 / k**concentration``.
    paired : dict
        Counties with a fixed share of all workers (taken out of their province's share).
    """
    weights = np.zeros(len(SENDING_COUNTIES))
    paired = {c: s for c, s in paired.items() if c[:2] in dict(mix)}
    for code, share in mix:
        members = [
            i for i, c in enumerate(SENDING_COUNTIES)
            if c.adcode[:2] == code and c.adcode not in paired
        ]
        target = share / 100
        fixed = [s for c, s in paired.items() if c[:2] == code]
        if fixed:
            target = max(0.0, target - sum(fixed))
        zipf = 1.0 / np.arange(1, len(members) + 1) ** concentration
        weights[members] = zipf / zipf.sum() * target
    for i, c in enumerate(SENDING_COUNTIES):
        if c.adcode in paired:
            weights[i] = paired[c.adcode]
    return weights / weights.sum()


def _org_check(body: str) -> str:
    """Check character of a GB 11714 organisation code (8 characters in, 1 out)."""
    total = sum(int(ch, 36) * w for ch, w in zip(body, _ORG_WEIGHTS, strict=True))
    value = 11 - total % 11
    return "X" if value == 10 else "0" if value == 11 else str(value)


def _make_usccs(rng: np.random.Generator, n: int, registration: str) -> list[str]:
    """``n`` distinct USCCs of enterprises registered under ``registration`` (``91330604…``
    for Shangyu)."""
    out: list[str] = []
    seen: set[str] = set()
    letters = np.array(list(_USCC_ALPHABET))
    while len(out) < n:
        if rng.random() < 0.6:  # an older enterprise: numeric organisation code
            body = f"{int(rng.integers(10_000_000, 100_000_000)):08d}"
        else:  # registered after 2015: "MA2" + five characters
            body = "MA2" + "".join(rng.choice(letters, size=5))
        stem = "91" + registration + body + _org_check(body)
        code = stem + uscc.calc_check_digit(stem)
        if code not in seen:
            seen.add(code)
            out.append(code)
    return out


def _employer_names(
    rng: np.random.Generator, area_idx: npt.NDArray[np.int64], dest: Destination
) -> list[str]:
    """One distinct plausible company name per employer, its trade often its area's."""
    areas = dest.areas
    prefixes = dest.name_prefixes
    prefix_p = np.array([p for _, p in prefixes])
    names: list[str] = []
    seen: set[str] = set()
    for a in area_idx:
        area = areas[int(a)]
        while True:
            if rng.random() < 0.6:
                trade = area.industries[int(rng.integers(len(area.industries)))]
            else:
                trade = dest.industries[int(rng.integers(len(dest.industries)))]
            prefix = prefixes[int(rng.choice(len(prefixes), p=prefix_p))][0]
            brand = (
                _BRAND_FIRST[int(rng.integers(len(_BRAND_FIRST)))]
                + _BRAND_SECOND[int(rng.integers(len(_BRAND_SECOND)))]
            )
            form = "股份有限公司" if rng.random() < 0.08 else "有限公司"
            name = f"{prefix}{brand}{trade}{form}"
            if name not in seen:
                seen.add(name)
                names.append(name)
                break
    return names


def _make_employers(
    rng: np.random.Generator, n: int, shape: DemoShape, dest: Destination
) -> tuple[pd.DataFrame, npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """Employers without demand yet; also their sizes and linked province indices (into
    ``shape.sending_mix``)."""
    areas = dest.areas
    area_w = np.array([a.weight for a in areas], dtype=float)
    area_idx = rng.choice(len(areas), size=n, p=area_w / area_w.sum())
    names = _employer_names(rng, area_idx, dest)
    spread = shape.employer_spread
    lat = np.array([areas[int(a)].lat for a in area_idx]) + rng.normal(0, 0.012 * spread, n)
    lon = np.array([areas[int(a)].lon for a in area_idx]) + rng.normal(0, 0.014 * spread, n)
    usccs = _make_usccs(rng, n, dest.registration)
    sizes = rng.lognormal(3.0, 1.0, n)
    share = np.array([s for _, s in shape.sending_mix])
    linked = rng.choice(len(share), size=n, p=share / share.sum())
    needed = rng.choice(3, size=n, p=[0.80, 0.15, 0.05])
    first = shape.plan_from
    deadlines = (
        shape.plan_to,
        first + dt.timedelta(days=round(shape.plan_days * 15 / 29)),
        first + dt.timedelta(days=round(shape.plan_days * 22 / 29)),
    )
    frame = pd.DataFrame(
        {
            "uscc": usccs,
            "name": names,
            "lat": np.round(lat, 5),
            "lon": np.round(lon, 5),
            "new_hires_wanted": np.zeros(n, dtype=np.int64),
            "needed_by": [deadlines[int(k)] for k in needed],
        }
    )
    return frame, sizes, linked


def _address(county: SendingCounty, village: str, group: int) -> str:
    town = SEAT_TOWNS.get(county.adcode, "")
    return f"{county.province}{county.prefecture}{county.name}{town}{village}村{group}组"


def home_adcodes(workers: pd.DataFrame) -> list[str]:
    """Each worker's home county code, read back from ``home_address`` where the code is blank.

    Parameters
    ----------
    workers : pandas.DataFrame
        A demo's workers table.

    Returns
    -------
    list of str
        Current 6-digit codes, in row order.
    """
    by_prefix = {c.province + c.prefecture + c.name: c.adcode for c in SENDING_COUNTIES}
    lengths = sorted({len(prefix) for prefix in by_prefix}, reverse=True)
    out: list[str] = []
    codes, addresses = workers["home_adcode"].tolist(), workers["home_address"].tolist()
    for code, address in zip(codes, addresses, strict=True):
        if isinstance(code, str):
            out.append(code)
        else:
            text = str(address)
            out.append(next(by_prefix[text[:n]] for n in lengths if text[:n] in by_prefix))
    return out


def _unique_redraw(
    keys: list[str], redraw: Any, max_rounds: int = 1000
) -> list[str]:
    """Replace later duplicates in ``keys`` by ``redraw(i)`` until all are distinct."""
    for _ in range(max_rounds):
        seen: set[str] = set()
        dupes = []
        for i, k in enumerate(keys):
            if k in seen:
                dupes.append(i)
            else:
                seen.add(k)
        if not dupes:
            return keys
        for i in dupes:
            keys[i] = redraw(i)
    raise RuntimeError("could not make the keys unique")  # pragma: no cover


def generate_demo(
    seed: int = DEFAULT_SEED,
    n_workers: int = DEFAULT_WORKERS,
    *,
    n_employers: int | None = None,
    shape: DemoShape | None = None,
) -> DemoTables:
    """Build a demo scenario in memory: by default the Shangyu 2020 demo.

    Parameters
    ----------
    seed : int
        Seed of the random generator; the same seed (and shape) gives the same tables.
    n_workers : int
        Number of people in workers.csv (10,500 ≈ the 10,562 of 2020); with ``shape``, leave
        it at its default (the shape carries the size).
    n_employers : int, optional
        Number of employers; default ≈ 300 per 10,500 workers (at least 3). Not with ``shape``.
    shape : DemoShape, optional
        Size, employers, sending mix, dates, fleet and destination; default: the Shangyu 2020
        demo of ``n_workers`` workers (``DemoShape(n_workers, n_employers)``).

    Returns
    -------
    DemoTables
        The scenario dict and the four tables (workers, employers, fleet, load_caps).
    """
    if shape is None:
        if n_workers < 1:
            raise ValueError("n_workers must be at least 1")
        if n_employers is not None and n_employers < 1:
            raise ValueError("n_employers must be at least 1")
        shape = DemoShape(n_workers=n_workers, n_employers=n_employers)
    elif n_workers != DEFAULT_WORKERS or n_employers is not None:
        raise ValueError("give the number of workers and employers in the shape")
    dest = destination(shape.destination)
    n_workers = shape.n_workers
    n_employers = shape.n_employers
    if n_employers is None:
        n_employers = max(3, round(n_workers * EMPLOYERS_PER_REFERENCE / REFERENCE_WORKERS))
    rng = np.random.default_rng(seed)
    employers, sizes, linked = _make_employers(rng, n_employers, shape, dest)
    workers = _make_workers(rng, employers, sizes, linked, shape, dest)
    employers["new_hires_wanted"] = _new_hires_wanted(rng, workers, employers, sizes)
    scale = n_workers / REFERENCE_WORKERS
    return DemoTables(
        scenario=_scenario_dict(shape, dest),
        workers=workers,
        employers=employers,
        fleet=_make_fleet(scale * shape.fleet_factor, shape, dest),
        load_caps=_make_load_caps(shape),
        seed=seed,
        shape=shape,
    )


def _new_hires_wanted(
    rng: np.random.Generator,
    workers: pd.DataFrame,
    employers: pd.DataFrame,
    sizes: npt.NDArray[np.float64],
) -> npt.NDArray[np.int64]:
    """Vacancies per employer: 105% of the new recruits, each employer wanting someone."""
    n_employers = len(employers)
    recruits = int(workers["employer_uscc"].isna().sum())
    demand = round(DEMAND_OVER_RECRUITS * recruits)
    appetite = sizes * rng.lognormal(0.0, 0.5, n_employers) * (rng.random(n_employers) > 0.12)
    if appetite.sum() == 0:
        appetite = sizes.copy()
    wanted = apportion(appetite, demand)
    returning = workers["employer_uscc"].value_counts()
    idle = [
        i for i, u in enumerate(employers["uscc"]) if wanted[i] == 0 and u not in returning
    ]
    for i in idle:  # every employer wants someone: move one vacancy from the largest
        j = int(np.argmax(wanted))
        if wanted[j] <= 1:
            break
        wanted[j] -= 1
        wanted[i] += 1
    return wanted


def _make_ids(
    rng: np.random.Generator, counties: list[SendingCounty]
) -> tuple[list[str], npt.NDArray[np.bool_]]:
    """Valid, distinct resident ID numbers (birthplace: the home county's code in force in
    the birth year) and the sex they encode (True: male)."""
    n = len(counties)
    male = rng.random(n) < SHARE_MALE
    years = np.clip(np.floor(rng.triangular(1965, 1986, 2003, n)), 1965, 2002).astype(np.int64)
    leap = ((years % 4 == 0) & (years % 100 != 0)) | (years % 400 == 0)
    offsets = np.floor(rng.random(n) * (365 + leap)).astype(np.int64)
    births = (years - 1970).astype("datetime64[Y]").astype("datetime64[D]") + offsets
    birth_text = [str(b).replace("-", "") for b in births]
    sequence = rng.integers(0, 500, n) * 2 + male
    bodies = [
        f"{c.code_in(int(y))}{b}{int(s):03d}"
        for c, y, b, s in zip(counties, years, birth_text, sequence, strict=True)
    ]

    def redraw_body(i: int) -> str:
        return bodies[i][:14] + f"{int(rng.integers(0, 500)) * 2 + int(male[i]):03d}"

    bodies = _unique_redraw(bodies, redraw_body)
    return [b + ric.calc_check_digit(b + "0") for b in bodies], male


def _make_names(rng: np.random.Generator, male: npt.NDArray[np.bool_]) -> list[str]:
    """Surname by frequency, one or two given characters by sex."""
    n = len(male)
    surname_p = np.array([f for _, f in _SURNAMES], dtype=float)
    surnames = rng.choice(len(_SURNAMES), size=n, p=surname_p / surname_p.sum())
    two_chars = rng.random(n) < 0.75
    g1 = rng.random(n)
    g2 = rng.random(n)
    names = []
    for i in range(n):
        pool = _GIVEN_MALE if male[i] else _GIVEN_FEMALE
        given = pool[int(g1[i] * len(pool))]
        if two_chars[i]:
            given += pool[int(g2[i] * len(pool))]
        names.append(_SURNAMES[surnames[i]][0] + given)
    return names


def _make_phones(rng: np.random.Generator, n: int) -> list[str | None]:
    """Distinct mainland mobiles for ~90%, ``None`` for the rest."""
    has_phone = _exact_mask(rng, n, SHARE_PHONE)
    prefixes = rng.integers(0, len(_PHONE_PREFIXES), n)
    lines = rng.integers(0, 100_000_000, n)
    phones = [f"{_PHONE_PREFIXES[p]}{int(x):08d}" for p, x in zip(prefixes, lines, strict=True)]

    def redraw_phone(i: int) -> str:
        return phones[i][:3] + f"{int(rng.integers(0, 100_000_000)):08d}"

    phones = _unique_redraw(phones, redraw_phone)
    return [p if ok else None for p, ok in zip(phones, has_phone, strict=True)]


def _pick_employers(
    rng: np.random.Generator,
    counties: list[SendingCounty],
    sizes: npt.NDArray[np.float64],
    linked: npt.NDArray[np.int64],
    mix: tuple[tuple[str, float], ...],
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.int64]]:
    """Who returns (exactly 60%) and to which employer (by size; half of them among the
    employers linked to their home province)."""
    n = len(counties)
    returning = _exact_mask(rng, n, SHARE_RETURNING)
    province_of = {code: k for k, (code, _) in enumerate(mix)}
    home_province = np.array([province_of.get(c.adcode[:2], -1) for c in counties])
    use_link = rng.random(n) < 0.5
    any_pick = rng.choice(len(sizes), size=n, p=sizes / sizes.sum())
    employer_idx = any_pick.copy()
    for k in range(len(mix)):
        members = np.flatnonzero(linked == k)
        rows = np.flatnonzero(returning & use_link & (home_province == k))
        if len(members) and len(rows):
            p = sizes[members] / sizes[members].sum()
            employer_idx[rows] = members[rng.choice(len(members), size=len(rows), p=p)]
    return returning, employer_idx


def _release_days(
    rng: np.random.Generator, counties: list[SendingCounty], shape: DemoShape
) -> npt.NDArray[np.int64]:
    """Day (from ``plan_from``) each person becomes available: decaying over the release
    window; people of late provinces uniformly from ``late_from_day``."""
    n = len(counties)
    day_w = np.exp(-np.arange(shape.release_days) / shape.release_decay_days)
    days = rng.choice(shape.release_days, size=n, p=day_w / day_w.sum())
    late_days = rng.integers(shape.late_from_day, shape.release_days, n)
    late = np.array([c.adcode[:2] in shape.late_provinces for c in counties], dtype=bool)
    return np.where(late, late_days, days)


def _make_workers(
    rng: np.random.Generator,
    employers: pd.DataFrame,
    sizes: npt.NDArray[np.float64],
    linked: npt.NDArray[np.int64],
    shape: DemoShape,
    dest: Destination,
) -> pd.DataFrame:
    n = shape.n_workers
    weights = county_weights(shape.sending_mix, shape.concentration, dest.paired)
    counts = apportion(weights, n)
    county_idx = np.repeat(np.arange(len(SENDING_COUNTIES)), counts)
    counties = [SENDING_COUNTIES[int(i)] for i in county_idx]
    ids, male = _make_ids(rng, counties)
    names = _make_names(rng, male)
    phones = _make_phones(rng, n)
    # Home: a code for most, a free-text address for some.
    address_only = _exact_mask(rng, n, SHARE_ADDRESS_ONLY)
    villages = rng.integers(0, len(_VILLAGES), n)
    groups = rng.integers(1, 13, n)
    returning, employer_idx = _pick_employers(rng, counties, sizes, linked, shape.sending_mix)
    usccs = employers["uscc"].to_numpy()
    days = _release_days(rng, counties, shape)
    # Poverty registration and travel wish.
    paired = np.array([c.adcode in dest.paired for c in counties], dtype=bool)
    poverty = rng.random(n) < np.where(paired, POVERTY_PAIRED, POVERTY_ELSEWHERE)
    travel_counts = apportion([s for _, s in TRAVEL_SHARES], n)
    travel = rng.permutation(np.repeat([t for t, _ in TRAVEL_SHARES], travel_counts))

    frame = pd.DataFrame(
        {
            "id_number": ids,
            "name": names,
            "phone": phones,
            "home_adcode": [
                None if a else c.adcode for c, a in zip(counties, address_only, strict=True)
            ],
            "home_address": [
                _address(c, _VILLAGES[v], int(g)) if a else None
                for c, a, v, g in zip(counties, address_only, villages, groups, strict=True)
            ],
            "employer_uscc": [
                str(usccs[e]) if r else None
                for e, r in zip(employer_idx, returning, strict=True)
            ],
            "available_from": [shape.plan_from + dt.timedelta(days=int(d)) for d in days],
            "poverty_registered": poverty,
            "travel": [str(t) for t in travel],
        },
        columns=list(WORKER_COLUMNS),
    )
    order = rng.permutation(n)  # registration order, not grouped by county
    return frame.iloc[order].reset_index(drop=True)


def _scenario_dict(shape: DemoShape, dest: Destination) -> dict[str, Any]:
    name, lat, lon = dest.hub
    return {
        "name": f"{dest.short} {shape.plan_from.year} 复工返岗",
        "destination": {"name": name, "lat": lat, "lon": lon},
        "plan_from": shape.plan_from,
        "plan_to": shape.plan_to,
        "workers": "workers.csv",
        "employers": "employers.csv",
        "fleet": "fleet.csv",
        "policy": "policy.toml",
        "load_caps": "load_caps.csv",
    }


def _make_fleet(scale: float, shape: DemoShape, dest: Destination) -> pd.DataFrame:
    """Two coach sizes and the special trains to ``dest``; ``scale`` sets how many may run."""
    station, s_lat, s_lon = dest.station

    def many(base: int) -> int:
        return max(1, math.ceil(base * scale - 1e-9))

    rows: list[dict[str, Any]] = [
        {
            "kind": "coach", "name": "53座大客车", "seats": 53, "max_load": 1.0,
            "cost_per_km": 7.00, "fixed_cost": 1800.00, "available": many(200),
            "driver_cost": 300.00,
        },
        {
            "kind": "coach", "name": "45座大客车", "seats": 45, "max_load": 1.0,
            "cost_per_km": 6.50, "fixed_cost": 1700.00, "available": many(150),
            "driver_cost": 300.00,
        },
    ]
    for t in corridors_for(dest, dict(shape.sending_mix)):
        # Lump sum (est.): 200,000 yuan + 200 yuan per road km for 1,000 seats, pro rata to
        # seats, rounded to 10,000 yuan.
        price = round((200_000 + 200 * t.road_km) * t.seats / 1000, -4)
        rows.append(
            {
                "kind": "train", "name": t.name, "seats": t.seats, "max_load": 1.0,
                "cost_per_km": None, "fixed_cost": float(price), "available": many(t.available),
                "origin_station": t.station, "origin_lat": t.lat, "origin_lon": t.lon,
                "lead_days": 2, "dest_station": station, "dest_lat": s_lat, "dest_lon": s_lon,
            }
        )
    frame = pd.DataFrame(rows, columns=list(FLEET_COLUMNS))
    return frame.astype(object).where(frame.notna(), None)


def _make_load_caps(shape: DemoShape) -> pd.DataFrame:
    """50% for every origin over the first ``general_cap_days``; for late provinces to the end."""
    first = shape.plan_from
    rows: list[dict[str, Any]] = []
    if shape.general_cap_days:
        until = first + dt.timedelta(days=shape.general_cap_days)
        rows.append({"from_date": first, "to_date": until, "origin": "", "max_load": 0.5})
    for code in shape.late_provinces:
        rows.append({"from_date": first, "to_date": shape.plan_to, "origin": code,
                     "max_load": 0.5})
    return pd.DataFrame(rows, columns=list(LOAD_CAP_COLUMNS))
