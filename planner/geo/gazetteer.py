"""The gazetteer of mainland China's county-level divisions.

Rules implemented
-----------------
- The divisions and their coordinates come from ``data/gazetteer/counties.csv`` (built by
  ``scripts/build_gazetteer.py``; see ``data/gazetteer/SOURCES.md``). Nothing here needs the
  build-time packages.
- An old 6-digit code is mapped to the current one through ``data/gazetteer/code_changes.csv``
  (followed transitively, so a chain of changes lands on a current code).
- A free-text address resolves to a county by reading, from its start, an optional province, an
  optional prefecture and a county, each by its full name or an abbreviated form: the name
  without 省/市/自治区/自治州/地区/盟/县/区/旗, without the ethnic groups of an autonomous area
  (贵州省毕节市威宁彝族回族苗族自治县 → 威宁县, 威宁), and 州/县/旗 forms of autonomous areas
  (阿坝藏族羌族自治州 → 阿坝州). The prefecture must lie in the province and the county in
  the prefecture. An abbreviated form must not run into another level's suffix (阿坝 in
  阿坝州 is not 阿坝县), nor be read where the same words name a prefecture (江苏淮安 is the
  prefecture, not 淮安区). Of all readings the ones that read furthest into the text win; when
  they name different counties the address is ambiguous and nothing is returned — the resolver
  never guesses.
- Only when no current name reads, the former county names of ``code_changes.csv`` are tried
  (广西南宁市横县 → 横州市), within the same province and prefecture rules; a former name that
  is now a prefecture's (淮安市) is not used, so a bare prefecture never resolves to a county.
"""

from __future__ import annotations

import csv
import functools
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from planner import paths
from planner.domain import Region

__all__ = [
    "AddressMatch",
    "Division",
    "Gazetteer",
    "load_gazetteer",
    "region_of",
]

MUNICIPALITIES = frozenset({"11", "12", "31", "50"})
EAST_CHINA = frozenset({"31", "32", "34", "35", "36", "37"})

# The 56 ethnic groups (names of autonomous areas carry them before 自治).
ETHNIC_GROUPS: tuple[str, ...] = (
    "汉族",
    "蒙古族",
    "回族",
    "藏族",
    "维吾尔族",
    "苗族",
    "彝族",
    "壮族",
    "布依族",
    "朝鲜族",
    "满族",
    "侗族",
    "瑶族",
    "白族",
    "土家族",
    "哈尼族",
    "哈萨克族",
    "傣族",
    "黎族",
    "傈僳族",
    "佤族",
    "畲族",
    "高山族",
    "拉祜族",
    "水族",
    "东乡族",
    "纳西族",
    "景颇族",
    "柯尔克孜族",
    "土族",
    "达斡尔族",
    "仫佬族",
    "羌族",
    "布朗族",
    "撒拉族",
    "毛南族",
    "仡佬族",
    "锡伯族",
    "阿昌族",
    "普米族",
    "塔吉克族",
    "怒族",
    "乌孜别克族",
    "俄罗斯族",
    "鄂温克族",
    "德昂族",
    "保安族",
    "裕固族",
    "京族",
    "塔塔尔族",
    "独龙族",
    "鄂伦春族",
    "赫哲族",
    "门巴族",
    "珞巴族",
    "基诺族",
)
# With 族 and, for names of three or more characters, without it (博尔塔拉蒙古自治州).
_ETHNIC_WORDS = sorted(
    set(ETHNIC_GROUPS) | {g[:-1] for g in ETHNIC_GROUPS if len(g) > 2}, key=lambda s: -len(s)
)
# Level suffixes, longest first.
_SUFFIXES = (
    "特别行政区",
    "自治区",
    "自治州",
    "自治县",
    "自治旗",
    "地区",
    "林区",
    "特区",
    "新区",
    "省",
    "市",
    "州",
    "县",
    "区",
    "旗",
    "盟",
)
# Characters that would continue a division name after an abbreviated form.
_NAME_CONTINUES = frozenset("省市州县区旗盟地")


@dataclass(frozen=True, slots=True)
class Division:
    """A current county-level division.

    ``prefecture`` is the municipality's own name for Beijing, Tianjin, Shanghai and Chongqing,
    and 省直辖县级行政区划 (or 自治区…) for counties directly under a province.
    """

    adcode: str
    name: str
    prefecture_code: str
    prefecture: str
    province_code: str
    province: str
    lat: float
    lon: float

    @property
    def full_name(self) -> str:
        """Province, prefecture and county without repeats (北京市朝阳区, 浙江省绍兴市上虞区)."""
        parts = [self.province]
        if self.prefecture not in parts and "直辖" not in self.prefecture:
            parts.append(self.prefecture)
        if self.name not in parts:
            parts.append(self.name)
        return "".join(parts)


@dataclass(frozen=True, slots=True)
class AddressMatch:
    """What :meth:`Gazetteer.resolve_address_detail` found.

    ``status`` is ``"matched"`` (``division`` set), ``"ambiguous"`` (``candidates`` lists the
    counties the text could mean) or ``"unknown"``; ``reason`` says why in plain English.
    """

    text: str
    status: str
    division: Division | None
    candidates: tuple[Division, ...]
    reason: str


def region_of(province_code: str) -> Region:
    """The subsidy region of a province.

    Parameters
    ----------
    province_code
        Two-digit province code (a longer code is cut to its first two digits).

    Returns
    -------
    Region
        ``ZHEJIANG`` for 33; ``EAST_CHINA`` for Shanghai 31, Jiangsu 32, Anhui 34, Fujian 35,
        Jiangxi 36 and Shandong 37; ``OTHER`` for every other code.
    """
    code = province_code.strip()[:2]
    if code == "33":
        return Region.ZHEJIANG
    if code in EAST_CHINA:
        return Region.EAST_CHINA
    return Region.OTHER


def _strip_ethnic(s: str) -> str:
    changed = True
    while changed:
        changed = False
        for word in _ETHNIC_WORDS:
            if s.endswith(word) and len(s) - len(word) >= 2:  # 内蒙古 keeps its 蒙古
                s = s[: -len(word)]
                changed = True
                break
    return s


def name_forms(name: str) -> tuple[set[str], set[str]]:
    """The forms an address may use for a division name.

    Parameters
    ----------
    name
        The official name (阿坝藏族羌族自治州).

    Returns
    -------
    tuple[set[str], set[str]]
        Full forms (the name and suffixed abbreviations: 阿坝州) and bare stems (阿坝), the
        latter only two characters or longer.
    """
    full = {name}
    bare: set[str] = set()
    if "自治" in name:
        head = name[: name.index("自治")]
        level = name[name.index("自治") + 2 :]  # 区 / 州 / 县 / 旗
        stem = _strip_ethnic(head)
        full.add(stem + level)
        if level == "区" and head != stem:
            full.add(head)  # 广西壮族自治区 is also written 广西壮族
        bare.add(stem)
    else:
        for suffix in _SUFFIXES:
            if name.endswith(suffix) and len(name) - len(suffix) >= 2:
                bare.add(name[: -len(suffix)])
                break
    return full, {b for b in bare if len(b) >= 2}


class _Index:
    """Name forms → codes for one level, with the set of forms that are bare stems."""

    def __init__(self) -> None:
        self.forms: dict[str, set[str]] = defaultdict(set)
        self.bare: set[str] = set()
        self.lengths: list[int] = []

    def add(self, code: str, name: str) -> None:
        full, bare = name_forms(name)
        for form in full:
            self.forms[form].add(code)
        for form in bare:
            self.forms[form].add(code)
            if form not in full:
                self.bare.add(form)

    def freeze(self) -> None:
        self.lengths = sorted({len(f) for f in self.forms}, reverse=True)

    def at(self, text: str, pos: int) -> Iterator[tuple[str, int, bool]]:
        """Every (code, end, is_bare) whose form starts at ``pos`` and runs into no suffix."""
        for n in self.lengths:
            form = text[pos : pos + n]
            if len(form) < n or form not in self.forms:
                continue
            end = pos + n
            bare = form in self.bare
            if bare and end < len(text) and text[end] in _NAME_CONTINUES:
                continue
            for code in self.forms[form]:
                yield code, end, bare


class Gazetteer:
    """All current county-level divisions, with old codes and address resolution.

    Build it with :func:`load_gazetteer`; behaves as a read-only collection of
    :class:`Division`.
    """

    def __init__(
        self,
        divisions: Iterable[Division],
        code_changes: dict[str, str] | None = None,
        province_names: dict[str, str] | None = None,
        prefecture_names: dict[str, str] | None = None,
        former_names: dict[str, str] | None = None,
    ) -> None:
        self._by_code: dict[str, Division] = {d.adcode: d for d in divisions}
        self._changes = dict(code_changes or {})
        self._provinces = dict(province_names or {})
        self._prefectures = dict(prefecture_names or {})
        for d in self._by_code.values():
            self._provinces.setdefault(d.province_code, d.province)
            self._prefectures.setdefault(d.prefecture_code, d.prefecture)
        self._province_index = _Index()
        for code, name in self._provinces.items():
            self._province_index.add(code, name)
        self._prefecture_index = _Index()
        for code, name in self._prefectures.items():
            if code[:2] not in MUNICIPALITIES and "直辖" not in name:
                self._prefecture_index.add(code, name)
        self._county_index = _Index()
        for d in self._by_code.values():
            self._county_index.add(d.adcode, d.name)
        # Former names, indexed under the old code's prefecture, pointing at the current code.
        self._former_index = _Index()
        self._former_target: dict[str, str] = {}
        prefecture_forms = set(self._prefecture_index.forms)
        for old_code, old_name in (former_names or {}).items():
            new = self.current_code(old_code)
            # A former county-level city that is now a prefecture (淮安市) names the prefecture.
            if new is not None and old_name and old_name not in prefecture_forms:
                self._former_index.add(old_code, old_name)
                self._former_target[old_code] = new
        for index in (
            self._province_index,
            self._prefecture_index,
            self._county_index,
            self._former_index,
        ):
            index.freeze()

    # --- collection -------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._by_code)

    def __iter__(self) -> Iterator[Division]:
        return iter(self._by_code.values())

    def __contains__(self, adcode: object) -> bool:
        return isinstance(adcode, str) and self.current_code(adcode) is not None

    def counties(self) -> Iterator[Division]:
        """Every division, in code order."""
        return iter(self._by_code.values())

    def in_province(self, code2: str) -> list[Division]:
        """The divisions of one province (two-digit code), in code order."""
        return [d for d in self._by_code.values() if d.province_code == code2]

    def province_name(self, code2: str) -> str | None:
        """The name of a province (``"33"`` → 浙江省), ``None`` if unknown."""
        return self._provinces.get(code2[:2])

    def prefecture_name(self, code4: str) -> str | None:
        """The name of a prefecture (``"3306"`` → 绍兴市), ``None`` if unknown."""
        return self._prefectures.get(code4[:4])

    # --- codes ------------------------------------------------------------------------------

    def current_code(self, adcode: str) -> str | None:
        """The current code for a current or old 6-digit code, ``None`` if unknown.

        Parameters
        ----------
        adcode
            A 6-digit code; a 12-digit statistical code is cut to its first six digits.
        """
        code = adcode.strip()
        if len(code) == 12 and code.isdigit():
            code = code[:6]
        seen: set[str] = set()
        while code not in self._by_code:
            if code in seen or code not in self._changes:
                return None
            seen.add(code)
            code = self._changes[code]
        return code

    def is_current(self, adcode: str) -> bool:
        """True when ``adcode`` is the code of a current division."""
        return adcode.strip() in self._by_code

    def get(self, adcode: str) -> Division | None:
        """The division of a current or old code, ``None`` if unknown."""
        code = self.current_code(adcode)
        return None if code is None else self._by_code[code]

    # --- addresses --------------------------------------------------------------------------

    def resolve_address(self, text: str) -> Division | None:
        """The county a free-text address lies in, ``None`` when unknown or ambiguous.

        Examples: 四川省阿坝藏族羌族自治州小金县美兴镇, 阿坝州小金县, 河南周口市郸城县,
        重庆市云阳县.
        """
        return self.resolve_address_detail(text).division

    def resolve_address_detail(self, text: str) -> AddressMatch:
        """Resolve an address and say how: matched, ambiguous (with candidates) or unknown."""
        clean = "".join(str(text).split())
        readings: list[tuple[int, str]] = []  # (end, county code)
        starts: list[tuple[int, str | None, str | None]] = [(0, None, None)]
        for found2, end, _ in self._province_index.at(clean, 0):
            starts.append((end, found2, None))
        with_prefecture: list[tuple[int, str | None, str | None]] = []
        prefecture_spans: set[tuple[int, int]] = set()
        for pos, code2, _ in starts:
            for found4, end, _ in self._prefecture_index.at(clean, pos):
                if code2 is None or found4[:2] == code2:
                    with_prefecture.append((end, found4[:2], found4))
                    prefecture_spans.add((pos, end))
        for index in (self._county_index, self._former_index):
            for pos, code2, code4 in starts + with_prefecture:
                for code6, end, bare in index.at(clean, pos):
                    if code4 is not None and code6[:4] != code4:
                        continue
                    if code2 is not None and code6[:2] != code2:
                        continue
                    if bare and (pos, end) in prefecture_spans:
                        continue  # 江苏淮安: the prefecture, not 淮安区
                    readings.append((end, self._former_target.get(code6, code6)))
            if readings:
                break
        if not readings:
            return AddressMatch(
                text, "unknown", None, (), "no county-level division name found in the address"
            )
        furthest = max(end for end, _ in readings)
        codes = sorted({code for end, code in readings if end == furthest})
        found = tuple(self._by_code[c] for c in codes)
        if len(found) == 1:
            return AddressMatch(text, "matched", found[0], found, f"matched {found[0].full_name}")
        names = " and ".join(d.full_name for d in found)
        return AddressMatch(text, "ambiguous", None, found, f"ambiguous: matches {names}")


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


@functools.cache
def load_gazetteer(data_dir: Path | None = None) -> Gazetteer:
    """Load (once) the gazetteer from ``counties.csv`` and ``code_changes.csv``.

    Parameters
    ----------
    data_dir
        Folder holding the two files; default ``planner.paths.DATA_DIR / "gazetteer"``.

    Returns
    -------
    Gazetteer
        Cached: later calls with the same argument return the same object.
    """
    folder = data_dir if data_dir is not None else paths.DATA_DIR / "gazetteer"
    divisions = [
        Division(
            adcode=r["adcode"],
            name=r["name"],
            prefecture_code=r["prefecture_code"],
            prefecture=r["prefecture"],
            province_code=r["province_code"],
            province=r["province"],
            lat=float(r["lat"]),
            lon=float(r["lon"]),
        )
        for r in _read_csv(folder / "counties.csv")
    ]
    changes_path = folder / "code_changes.csv"
    change_rows = _read_csv(changes_path) if changes_path.exists() else []
    changes = {r["old_adcode"]: r["new_adcode"] for r in change_rows}
    former = {r["old_adcode"]: r.get("old_name") or "" for r in change_rows}
    return Gazetteer(divisions, changes, former_names=former)
