"""Use cases around a scenario folder: load it, check it, summarise it for a person.

Rules implemented here:

- ``load_scenario`` / ``check_scenario`` are those of ``planner.io`` (every problem at once);
- the summary counts people by home province (Chinese names, most people first), returning
  employees against new recruits, how they want to travel (seat / own / either), registered-poor
  workers, employers with their demand (``new_hires_wanted``) and returning employees, and the
  fleet; ``format_summary`` fits it on one screen (long lists are cut with "… n more") with
  columns aligned for Chinese characters (which take two columns in a terminal).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from planner.domain.model import Scenario
from planner.io.validate import GazetteerLike
from planner.io.validate import check_scenario as _check
from planner.io.validate import load_scenario as _load
from planner.problems import Problem


def load_scenario(folder: Path | str, gazetteer: GazetteerLike | None = None) -> Scenario:
    """Read and check a scenario folder; raise ``InputError`` with every problem if any error.

    Parameters
    ----------
    folder : Path or str
    gazetteer : GazetteerLike, optional

    Returns
    -------
    Scenario
    """
    return _load(folder, gazetteer)


def check_scenario(
    folder: Path | str, gazetteer: GazetteerLike | None = None
) -> tuple[Scenario | None, list[Problem]]:
    """Read and check a scenario folder; the scenario (``None`` on any error) and every problem.

    Parameters
    ----------
    folder : Path or str
    gazetteer : GazetteerLike, optional

    Returns
    -------
    tuple of (Scenario or None, list of Problem)
    """
    return _check(folder, gazetteer)


@dataclass(frozen=True, slots=True)
class ProvinceCount:
    code: str
    name: str
    people: int
    returning: int
    new: int


@dataclass(frozen=True, slots=True)
class EmployerCount:
    uscc: str
    name: str
    new_hires_wanted: int
    returning: int


@dataclass(frozen=True, slots=True)
class FleetLine:
    kind: str
    name: str
    seats: int
    max_load: float
    available: int | None


@dataclass(frozen=True, slots=True)
class ScenarioSummary:
    """What a scenario holds, in numbers (see ``scenario_summary``)."""

    name: str
    destination: str
    plan_from: dt.date
    plan_to: dt.date
    workers: int
    returning: int
    new: int
    seat: int
    own: int
    either: int
    poverty_registered: int
    provinces: tuple[ProvinceCount, ...]
    employers: tuple[EmployerCount, ...]
    total_demand: int
    fleet: tuple[FleetLine, ...]
    load_caps: int
    fixed_trips: int
    fixed_people: int


def scenario_summary(scenario: Scenario, gazetteer: Any = None) -> ScenarioSummary:
    """Count what a scenario holds.

    Parameters
    ----------
    scenario : Scenario
    gazetteer : optional
        For province names (default: the shipped gazetteer).

    Returns
    -------
    ScenarioSummary
        Provinces with most people first; employers in file order.
    """
    if gazetteer is None:
        from planner.io.validate import default_gazetteer

        gazetteer = default_gazetteer()
    by_prov: dict[str, list[int]] = {}
    travel = Counter(str(w.travel) for w in scenario.workers)
    returning_by_employer = Counter(w.employer_uscc for w in scenario.workers if w.employer_uscc)
    for w in scenario.workers:
        counts = by_prov.setdefault(w.home_adcode[:2], [0, 0, 0])
        counts[0] += 1
        counts[1 if w.is_returning else 2] += 1
    provinces = tuple(
        sorted(
            (
                ProvinceCount(code, _province_name(gazetteer, code), *counts)
                for code, counts in by_prov.items()
            ),
            key=lambda p: (-p.people, p.code),
        )
    )
    employers = tuple(
        EmployerCount(e.uscc, e.name, e.new_hires_wanted, returning_by_employer.get(e.uscc, 0))
        for e in scenario.employers
    )
    returning = sum(1 for w in scenario.workers if w.is_returning)
    return ScenarioSummary(
        name=scenario.name,
        destination=scenario.destination.name,
        plan_from=scenario.plan_from,
        plan_to=scenario.plan_to,
        workers=len(scenario.workers),
        returning=returning,
        new=len(scenario.workers) - returning,
        seat=travel.get("seat", 0),
        own=travel.get("own", 0),
        either=travel.get("either", 0),
        poverty_registered=sum(1 for w in scenario.workers if w.poverty_registered),
        provinces=provinces,
        employers=employers,
        total_demand=sum(e.new_hires_wanted for e in scenario.employers),
        fleet=tuple(
            FleetLine(str(v.kind), v.name, v.seats, v.max_load, v.available) for v in scenario.fleet
        ),
        load_caps=len(scenario.load_caps),
        fixed_trips=len(scenario.fixed_trips),
        fixed_people=len(scenario.fixed_assignments),
    )


def _province_name(gazetteer: Any, code: str) -> str:
    name_fn = getattr(gazetteer, "province_name", None)
    name = name_fn(code) if name_fn is not None else None
    return str(name) if name else code


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    fill = " " * max(0, width - _width(text))
    return fill + text if right else text + fill


def _cut(text: str, width: int) -> str:
    if _width(text) <= width:
        return text
    out = ""
    for c in text:
        if _width(out + c) > width - 1:
            break
        out += c
    return out + "…"


def _table(header: list[str], rows: list[list[str]], right: set[int]) -> list[str]:
    widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = []
    for r in [header, *rows]:
        cells = [_pad(c, widths[i], i in right) for i, c in enumerate(r)]
        lines.append("  " + "  ".join(cells).rstrip())
    return lines


def format_summary(summary: ScenarioSummary, max_rows: int = 10) -> str:
    """The summary as one screen of text.

    Parameters
    ----------
    summary : ScenarioSummary
    max_rows : int
        Most rows shown per list (provinces, employers); the rest are counted in one line.

    Returns
    -------
    str
    """
    s = summary
    out = [
        f"Scenario: {s.name}",
        f"Destination: {s.destination}    Plan: {s.plan_from} to {s.plan_to}",
        "",
        f"People: {s.workers}  (returning {s.returning}, new recruits {s.new}; "
        f"seat {s.seat}, own {s.own}, either {s.either}; registered poor "
        f"{s.poverty_registered})",
    ]
    rows = [[p.name, str(p.people), str(p.returning), str(p.new)] for p in s.provinces]
    out += _table(["Province", "People", "Returning", "New"], _limit(rows, max_rows, 4), {1, 2, 3})
    out += [
        "",
        f"Employers: {len(s.employers)}  (new hires wanted {s.total_demand}, returning "
        f"employees {s.returning})",
    ]
    rows = [
        [_cut(e.name, 24), e.uscc, str(e.new_hires_wanted), str(e.returning)] for e in s.employers
    ]
    out += _table(["Employer", "USCC", "Wanted", "Returning"], _limit(rows, max_rows, 4), {2, 3})
    out += ["", f"Fleet: {len(s.fleet)} kinds"]
    rows = [
        [
            f.kind,
            _cut(f.name, 24),
            str(f.seats),
            f"{f.max_load:g}",
            "unlimited" if f.available is None else str(f.available),
        ]
        for f in s.fleet
    ]
    out += _table(["Kind", "Name", "Seats", "Max load", "Available"], rows, {2, 3, 4})
    extras = []
    if s.load_caps:
        extras.append(f"load caps: {s.load_caps}")
    if s.fixed_trips:
        extras.append(f"fixed trips: {s.fixed_trips} carrying {s.fixed_people} people")
    if extras:
        out += ["", "; ".join(extras).capitalize()]
    return "\n".join(out) + "\n"


def _limit(rows: list[list[str]], max_rows: int, ncols: int) -> list[list[str]]:
    if len(rows) <= max_rows:
        return rows
    rest = len(rows) - (max_rows - 1)
    return [*rows[: max_rows - 1], [f"… {rest} more", *([""] * (ncols - 1))]]
