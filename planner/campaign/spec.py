"""Reading a campaign: ``campaign.toml`` and the destination scenarios it names.

A campaign is a folder holding ``campaign.toml``::

    name = "2020 返岗 Zhejiang task force"

    [[destination]]
    name = "上虞区"          # unique in the campaign
    code = "SY"              # optional: letters, digits, _; default D01, D02, … in file order
    scenario = "shangyu"     # an ordinary scenario folder (FORMATS.md), relative to this file

    [[pool]]                 # optional: coaches shared by the destinations
    province = "52"          # the province (2-digit code) whose coach companies supply it
    vehicles = ["53座大客车"] # fleet.csv names; a destination with such a row draws on the pool
    per_day = 40             # vehicles of the pool out on any one day, all destinations together

Rules implemented here:

- every destination's scenario is read and checked like ``jobbus validate``; its problems are
  reported with its folder before the file (``camp/shangyu/workers.csv:3: id_number: …``);
- two destinations with the same name or the same code, a missing or mistyped key, a pool
  with no vehicles or a ``per_day`` below 1, a vehicle type in two pools, and a pool vehicle
  that is a train in a destination's fleet are problems of ``campaign.toml``, named by entry
  (``destination[2].name``);
- every problem is collected before anything is refused (``InputError``), so one run shows all.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from planner.domain import Scenario
from planner.domain.model import VehicleKind
from planner.problems import InputError, Problem, problem

CAMPAIGN_FILE = "campaign.toml"
_CODE = re.compile(r"^[A-Za-z0-9_]{1,16}$")


@dataclass(frozen=True, slots=True)
class Destination:
    """One destination county of a campaign: its name, code, scenario folder and scenario."""

    name: str
    code: str
    folder: Path
    scenario: Scenario


@dataclass(frozen=True, slots=True)
class Pool:
    """Coaches shared by the destinations whose fleet names one of ``vehicles``."""

    province: str
    vehicles: tuple[str, ...]
    per_day: int

    @property
    def key(self) -> str:
        return f"{self.province}:{'+'.join(self.vehicles)}"


@dataclass(frozen=True, slots=True)
class Campaign:
    name: str
    folder: Path
    destinations: tuple[Destination, ...]
    pools: tuple[Pool, ...] = ()

    def drawing_on(self, pool: Pool) -> list[int]:
        """Indexes of the destinations whose fleet has one of the pool's vehicle types."""
        names = set(pool.vehicles)
        return [
            i
            for i, d in enumerate(self.destinations)
            if any(v.name in names for v in d.scenario.fleet)
        ]


def _prefixed(problems: list[Problem], folder: Path) -> list[Problem]:
    out = []
    for p in problems:
        if not p.file.startswith(str(folder)):
            p = dataclasses.replace(p, file=f"{folder}/{p.file}")
        out.append(p)
    return out


def _read_toml(path: Path) -> dict[str, Any]:
    if not path.parent.is_dir():
        raise InputError([problem(str(path.parent), "problem.campaign_not_found")])
    if not path.is_file():
        raise InputError([problem(str(path), "problem.file_not_found")])
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise InputError([problem(str(path), "problem.not_utf8")]) from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError([problem(str(path), "problem.not_toml", why=str(exc))]) from None


def _text(entry: dict[str, Any], key: str) -> str | None:
    value = entry.get(key)
    return value.strip() if isinstance(value, str) and value.strip() else None


def _destinations(
    raw: Any, folder: Path, file: str, problems: list[Problem]
) -> list[tuple[str, str, Path]]:
    """(name, code, scenario folder) of each well-formed entry; problems appended."""
    if not isinstance(raw, list) or not raw:
        problems.append(problem(file, "problem.campaign_no_destination"))
        return []
    out: list[tuple[str, str, Path]] = []
    names: dict[str, int] = {}
    codes: dict[str, int] = {}
    for n, entry in enumerate(raw, start=1):
        where = f"destination[{n}]"
        if not isinstance(entry, dict):
            problems.append(problem(file, "problem.campaign_entry_table", column=where))
            continue
        name, path = _text(entry, "name"), _text(entry, "scenario")
        code = _text(entry, "code") or f"D{n:02d}"
        for key, value in (("name", name), ("scenario", path)):
            if value is None:
                problems.append(problem(file, "problem.campaign_key_text", column=f"{where}.{key}"))
        if not _CODE.match(code):
            problems.append(
                problem(file, "problem.campaign_bad_code", column=f"{where}.code", code=code)
            )
        for seen, value, key in ((names, name, "name"), (codes, code, "code")):
            if value is None:
                continue
            if value in seen:
                problems.append(
                    problem(file, "problem.campaign_twice", column=f"{where}.{key}",
                            what=key, value=value, first=seen[value])
                )
            else:
                seen[value] = n
        if name is not None and path is not None:
            out.append((name, code, folder / path))
    return out


def _pools(raw: Any, file: str, problems: list[Problem]) -> list[Pool]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        problems.append(problem(file, "problem.campaign_entry_table", column="pool"))
        return []
    pools: list[Pool] = []
    owner: dict[str, int] = {}
    for n, entry in enumerate(raw, start=1):
        where = f"pool[{n}]"
        if not isinstance(entry, dict):
            problems.append(problem(file, "problem.campaign_entry_table", column=where))
            continue
        province = str(entry.get("province", "")).strip()
        vehicles = entry.get("vehicles")
        per_day = entry.get("per_day")
        ok = True
        if not re.fullmatch(r"\d{2}", province):
            problems.append(problem(file, "problem.campaign_province", column=f"{where}.province",
                                    raw=province))
            ok = False
        if (
            not isinstance(vehicles, list)
            or not vehicles
            or not all(isinstance(v, str) and v.strip() for v in vehicles)
        ):
            problems.append(problem(file, "problem.campaign_vehicles", column=f"{where}.vehicles"))
            ok = False
            vehicles = []
        if isinstance(per_day, bool) or not isinstance(per_day, int) or per_day < 1:
            problems.append(problem(file, "problem.campaign_per_day", column=f"{where}.per_day",
                                    raw=per_day))
            ok = False
        for v in vehicles:
            if v.strip() in owner:
                problems.append(problem(file, "problem.campaign_vehicle_two_pools",
                                        column=f"{where}.vehicles", vehicle=v.strip(),
                                        first=owner[v.strip()]))
                ok = False
            owner[v.strip()] = n
        if ok and isinstance(per_day, int):
            pools.append(Pool(province, tuple(v.strip() for v in vehicles), int(per_day)))
    return pools


def read_campaign(folder: Path | str) -> Campaign:
    """Read and check a campaign folder; every problem found raises one ``InputError``.

    Parameters
    ----------
    folder
        The campaign folder (holding ``campaign.toml``), or the ``campaign.toml`` file itself.

    Returns
    -------
    Campaign
        With every destination's scenario read and checked.
    """
    from planner.io import load_scenario

    folder = Path(folder)
    path = folder if folder.name == CAMPAIGN_FILE else folder / CAMPAIGN_FILE
    folder = path.parent
    data = _read_toml(path)
    file = str(path)
    problems: list[Problem] = []
    name = _text(data, "name")
    if name is None:
        problems.append(problem(file, "problem.key_missing", setting="name"))
    entries = _destinations(data.get("destination"), folder, file, problems)
    pools = _pools(data.get("pool"), file, problems)
    destinations: list[Destination] = []
    for d_name, code, scenario_folder in entries:
        try:
            scenario = load_scenario(scenario_folder)
        except InputError as exc:
            problems.extend(_prefixed(exc.problems, scenario_folder))
            continue
        destinations.append(Destination(d_name, code, scenario_folder, scenario))
    pool_of = {v: n for n, p in enumerate(pools, start=1) for v in p.vehicles}
    for d in destinations:
        for v in d.scenario.fleet:
            if v.name in pool_of and v.kind is not VehicleKind.COACH:
                problems.append(problem(file, "problem.campaign_pool_train",
                                        column=f"pool[{pool_of[v.name]}].vehicles",
                                        vehicle=v.name, destination=d.name))
    errors = [p for p in problems if p.severity.value == "error"]
    if errors:
        raise InputError(problems)
    return Campaign(name or "", folder, tuple(destinations), tuple(pools))
