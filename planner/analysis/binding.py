"""What binds a plan: the vehicles in use against those available, day by day, and why the
people who come alone or stay unserved do so, grouped by cause.

Rules implemented here:

- a vehicle is in use on every calendar day of its hire, counted as the specification
  (``planner.validation.check_vehicles_available``) counts it: a coach from the day it leaves
  its first stop to the day it is back there (its lawful timetable, the empty return
  included); a train from its departure day to its arrival day. Fixed trips count like planned
  ones. A cell may so show more in use than available: the plan breaks the fleet limit there
  (the validator says so too);
- a (vehicle type, day) cell *binds* when the type has a limit (fleet.csv ``available``) and
  every vehicle of it is in use that day;
- each reason code maps to one cause: ``fleet`` (the vehicles were full or none was left),
  ``dates`` (dates and service level: no vehicle fits the person's window, or it arrives too
  late), ``vacancies`` (no employer has a place for a recruit), ``cost`` (a seat would cost
  more than the self-return subsidy allows), ``own`` (registered to travel alone) and ``other``
  (input the planner could not place). A "coaches full" reason counts as ``fleet`` only when
  some coach type binds on a day of the person's window; otherwise another coach could have
  run and the plan judged it too dear: ``cost``;
- a person's window is the one their reason names (``first``–``last``) or else their release
  day (``available_from``, not before ``plan_from``) to ``max_wait_days`` later (to
  ``plan_to`` without a service level).

No solver, no storage, no UI: a plan and its instance in, a frozen ``Binding`` out.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from planner.domain import Plan, Scenario, Trip, VehicleKind
from planner.messages import Message
from planner.optimise.instance import Instance
from planner.rules.params import PlanParams


class Cause(StrEnum):
    """Why people come alone or stay unserved, grouped for the task force."""

    FLEET = "fleet"
    DATES = "dates"
    VACANCIES = "vacancies"
    COST = "cost"
    OWN = "own"
    OTHER = "other"


# Reason codes (planner/optimise/reasons.py) to their cause. "Full" codes are FLEET only when a
# coach type binds in the person's window (see ``classify``).
CODE_CAUSE: Mapping[str, Cause] = {
    "reason.no_vehicle_left": Cause.FLEET,
    "reason.no_seat_left": Cause.FLEET,
    "reason.coaches_full": Cause.FLEET,
    "reason.either_full": Cause.FLEET,
    "reason.no_seat_within": Cause.DATES,
    "reason.no_trip": Cause.DATES,
    "reason.coach_late": Cause.DATES,
    "reason.coach_late_own_dear": Cause.DATES,
    "reason.coach_reaches_late": Cause.DATES,
    "reason.no_vacancy": Cause.VACANCIES,
    "reason.no_vacancy_late": Cause.VACANCIES,
    "reason.hires_short": Cause.VACANCIES,
    "reason.either_cheaper": Cause.COST,
    "reason.few_seekers": Cause.COST,
    "reason.own_travel": Cause.OWN,
    "reason.not_in_gazetteer": Cause.OTHER,
    "reason.unknown_employer": Cause.OTHER,
}
FULL_CODES = frozenset({"reason.coaches_full", "reason.either_full", "reason.no_seat_left"})
WRAPPERS = frozenset({"reason.advised_alone", "reason.at_employer"})


@dataclass(frozen=True, slots=True)
class UsageCell:
    """Vehicles of one type in use on one day, of those available (``None``: no limit)."""

    vehicle: str
    kind: str
    day: dt.date
    used: int
    available: int | None

    @property
    def binding(self) -> bool:
        """Every vehicle of the type is in use that day."""
        return self.available is not None and self.used >= self.available

    def as_dict(self) -> dict[str, Any]:
        return {
            "vehicle": self.vehicle,
            "kind": self.kind,
            "day": self.day.isoformat(),
            "used": self.used,
            "available": self.available,
            "binding": self.binding,
        }


@dataclass(frozen=True, slots=True)
class CauseCount:
    """People sent alone and people left unserved for one cause, and the reason codes."""

    cause: Cause
    alone: int
    unserved: int
    codes: tuple[tuple[str, int], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "cause": self.cause.value,
            "alone": self.alone,
            "unserved": self.unserved,
            "codes": dict(self.codes),
        }


@dataclass(frozen=True, slots=True)
class Pressure:
    """A binding cell and how many people sent alone or unserved for the fleet could have
    left that day (their window holds it)."""

    vehicle: str
    day: dt.date
    people: int


@dataclass(frozen=True, slots=True)
class Binding:
    """What binds a plan. ``usage``: every (type, day) with a vehicle in use, by type then
    day; ``causes``: in ``Cause`` order, only those with people; ``pressure``: binding cells
    by people the fleet left out who could have gone that day, most first; ``what_ifs``:
    dicts of ``planner.analysis.what_if.WhatIf.as_dict`` (computed on request; ``None``
    skipped: not asked for, else how many were skipped for time); ``fleet``:
    each vehicle type's ``available`` the plan was made with (to replay a what-if)."""

    usage: tuple[UsageCell, ...]
    causes: tuple[CauseCount, ...]
    pressure: tuple[Pressure, ...] = ()
    what_ifs: tuple[dict[str, Any], ...] = ()
    what_if_skipped: int | None = None
    fleet: tuple[tuple[str, int | None], ...] = ()

    @property
    def binding_cells(self) -> tuple[UsageCell, ...]:
        """The cells where the fleet is used up."""
        return tuple(c for c in self.usage if c.binding)

    def as_dict(self) -> dict[str, Any]:
        """summary.json's ``binding`` (documented in docs/FORMATS-EXTENSIONS.md)."""
        out: dict[str, Any] = {
            "fleet_available": dict(self.fleet),
            "binding_cells": [c.as_dict() for c in self.binding_cells],
            "usage": [c.as_dict() for c in self.usage],
            "causes": [c.as_dict() for c in self.causes],
            "pressure": [
                {"vehicle": p.vehicle, "day": p.day.isoformat(), "people": p.people}
                for p in self.pressure
            ],
        }
        if self.what_if_skipped is not None:  # what-ifs were asked for
            out["what_if"] = list(self.what_ifs)
            out["what_if_skipped"] = self.what_if_skipped
        return out


def vehicle_days(trip: Trip, inst: Instance, params: PlanParams) -> list[dt.date]:
    """The calendar days ``trip``'s vehicle is out: the specification's count
    (``planner.validation.vehicle_days``: a coach until it is back at its first stop, on its
    earliest lawful timetable). ``inst`` is kept for callers; the plan's stops suffice."""
    from planner.validation import vehicle_days as spec_days

    return spec_days(trip, params)


def fleet_usage(inst: Instance, plan: Plan, params: PlanParams) -> tuple[UsageCell, ...]:
    """Vehicles in use per (type, day) against the fleet's ``available``: every day with a
    vehicle of the type in use, by type (fleet order) then day."""
    count: Counter[tuple[str, dt.date]] = Counter()
    for t in plan.trips:
        for d in vehicle_days(t, inst, params):
            count[(t.vehicle, d)] += 1
    cells = []
    for v in inst.scenario.fleet:
        for (name, d), n in sorted(count.items()):
            if name == v.name:
                cells.append(UsageCell(v.name, v.kind.value, d, n, v.available))
    return tuple(cells)


def _unwrap(m: Message) -> Message:
    while m.code in WRAPPERS and isinstance(m.args.get("cause"), Message):
        m = m.args["cause"]
    return m


def person_window(
    m: Message, release: dt.date, scenario: Scenario, params: PlanParams
) -> tuple[dt.date, dt.date]:
    """The days a person could have left: those their reason names, else release to the
    service level (module docstring)."""
    args = _unwrap(m).args
    first, last = args.get("first") or args.get("release"), args.get("last")
    if isinstance(first, str) and isinstance(last, str):
        return dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    wait = params.max_wait_days
    end = scenario.plan_to if wait is None else release + dt.timedelta(days=wait)
    return release, min(end, scenario.plan_to)


def classify(m: Message, window: tuple[dt.date, dt.date], binding_days: set[dt.date]) -> Cause:
    """The cause of a reason (module docstring); ``binding_days``: days a coach type binds."""
    inner = _unwrap(m)
    cause = CODE_CAUSE.get(inner.code, Cause.OTHER)
    if inner.code in FULL_CODES:
        first, last = window
        if not any(first <= d <= last for d in binding_days):
            return Cause.COST
    return cause


def binding_of(inst: Instance, plan: Plan, params: PlanParams) -> Binding:
    """What binds ``plan`` (planned from ``inst`` with ``params``): usage, causes, pressure.

    Parameters
    ----------
    inst
        The instance the plan was made from (its fleet, people and distances).
    plan
        The plan.
    params
        The planning parameters (speed and drivers' rules for hire days; the service level).

    Returns
    -------
    Binding
        Without what-ifs (``planner.analysis.what_if`` computes them).
    """
    sc = inst.scenario
    usage = fleet_usage(inst, plan, params)
    coach_names = {v.name for v in sc.fleet if v.kind is VehicleKind.COACH}
    binding_days = {c.day for c in usage if c.binding and c.vehicle in coach_names}
    release = {w.id_number: max(w.available_from, sc.plan_from) for w in sc.workers}
    alone: Counter[Cause] = Counter()
    unserved: Counter[Cause] = Counter()
    codes: dict[Cause, Counter[str]] = defaultdict(Counter)
    fleet_windows: list[tuple[dt.date, dt.date]] = []
    people: Iterable[tuple[str | None, Message, int, Counter[Cause]]] = itertools.chain(
        ((s.id_number, s.why, 1, alone) for s in plan.self_returns),
        ((u.id_number, u.why, u.count, unserved) for u in plan.unserved),
    )
    for pid, why, n, tally in people:
        if pid is None:  # a vacancy left empty: not a person
            continue
        window = person_window(why, release.get(pid, sc.plan_from), sc, params)
        cause = classify(why, window, binding_days)
        tally[cause] += n
        codes[cause][_unwrap(why).code] += n
        if cause is Cause.FLEET:
            fleet_windows.append(window)
    causes = tuple(
        CauseCount(c, alone[c], unserved[c], tuple(sorted(codes[c].items())))
        for c in Cause
        if alone[c] or unserved[c]
    )
    pressure = [
        Pressure(c.vehicle, c.day, sum(1 for a, b in fleet_windows if a <= c.day <= b))
        for c in usage
        if c.binding
    ]
    pressure.sort(key=lambda p: (-p.people, p.day, p.vehicle))
    fleet = tuple((v.name, v.available) for v in sc.fleet)
    return Binding(usage, causes, tuple(pressure), fleet=fleet)
