"""The shape of a generated scenario: size, employers, sending mix, dates, fleet, destination.

Rules implemented here:

- ``DemoShape()`` with its defaults is the Shangyu 2020 demo: 10,500 workers, about 300
  employers, the 18-province mix of ``places.PROVINCES`` with a Zipf spread (exponent 1) over
  each province's counties, 15 Feb – 15 Mar 2020, people available over the first 20 days
  (decaying with a 5-day scale), Hubei (``42``) released from day 15 and capped to the end,
  every origin capped at 50% for the first 21 days, the fleet as in 2020 (factor 1).
- A shape is a frozen value; ``to_dict``/``from_dict`` round-trip it through JSON (dates as
  ISO text), so a family member can be described and regenerated from ``family.json``.
- Checks: at least one worker; shares positive and only of provinces that have sending counties
  in ``places.py``; ``late_from_day`` < ``release_days`` ≤ ``plan_days``; factors positive.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

from planner.demo.destinations import DESTINATION_KEYS
from planner.demo.places import PROVINCES

REFERENCE_MIX: tuple[tuple[str, float], ...] = tuple((code, share) for code, _, share in PROVINCES)
SENDING_PROVINCES: frozenset[str] = frozenset(code for code, _ in REFERENCE_MIX)


@dataclass(frozen=True)
class DemoShape:
    """What a generated scenario looks like; the defaults give the Shangyu 2020 demo.

    Attributes
    ----------
    n_workers : int
        People in workers.csv.
    n_employers : int or None
        Employers; ``None``: about 300 per 10,500 workers (at least 3).
    employer_spread : float
        Scale of the scatter of employers around their industrial area (1.0: about 1.3 km).
    destination : str
        Key of the receiving place in ``destinations.DESTINATIONS``.
    sending_mix : tuple of (str, float)
        ``(province code, per cent of workers)``; provinces with sending counties only.
    concentration : float
        Zipf exponent over a province's counties, ranked: 1.0 as in 2020; higher sends more
        from the first few counties, lower spreads people evenly.
    plan_from : datetime.date
        First day of the plan.
    plan_days : int
        ``plan_to`` is ``plan_from`` + this many days.
    release_days : int
        People become available over the first ``release_days`` days.
    release_decay_days : float
        Scale of the exponential decay of availability over those days (small: most early).
    late_provinces : tuple of str
        Provinces whose people are available only from ``late_from_day`` and whose coaches are
        capped at 50% to the end of the plan (in 2020: Hubei).
    late_from_day : int
        Day (from ``plan_from``) from which ``late_provinces`` are released.
    general_cap_days : int
        Every origin is capped at 50% for the first this many days (0: no general cap).
    fleet_factor : float
        Multiplies how many vehicles of each kind may run at once: < 1 a tight fleet, > 1 loose.
    """

    n_workers: int = 10_500
    n_employers: int | None = None
    employer_spread: float = 1.0
    destination: str = "shangyu"
    sending_mix: tuple[tuple[str, float], ...] = REFERENCE_MIX
    concentration: float = 1.0
    plan_from: dt.date = dt.date(2020, 2, 15)
    plan_days: int = 29
    release_days: int = 20
    release_decay_days: float = 5.0
    late_provinces: tuple[str, ...] = ("42",)
    late_from_day: int = 15
    general_cap_days: int = 21
    fleet_factor: float = 1.0

    def __post_init__(self) -> None:
        problems = []
        if self.n_workers < 1:
            problems.append("n_workers must be at least 1")
        if self.n_employers is not None and self.n_employers < 1:
            problems.append("n_employers must be at least 1")
        if self.destination not in DESTINATION_KEYS:
            problems.append(f"unknown destination {self.destination!r}")
        if not self.sending_mix or any(s <= 0 for _, s in self.sending_mix):
            problems.append("sending_mix needs positive shares")
        unknown = {p for p, _ in self.sending_mix} - SENDING_PROVINCES
        unknown |= set(self.late_provinces) - SENDING_PROVINCES
        if unknown:
            problems.append(f"no sending counties for province(s) {sorted(unknown)}")
        if not 0 <= self.late_from_day < self.release_days <= self.plan_days:
            problems.append("need 0 <= late_from_day < release_days <= plan_days")
        if min(self.employer_spread, self.concentration, self.release_decay_days,
               self.fleet_factor) <= 0:
            problems.append("spread, concentration, decay and fleet factor must be positive")
        if not 0 <= self.general_cap_days <= self.plan_days:
            problems.append("general_cap_days must lie within the plan")
        if problems:
            raise ValueError("; ".join(problems))

    @property
    def plan_to(self) -> dt.date:
        """Last day of the plan."""
        return self.plan_from + dt.timedelta(days=self.plan_days)

    @property
    def is_reference(self) -> bool:
        """True when only the size differs from the Shangyu 2020 demo."""
        return self == DemoShape(n_workers=self.n_workers, n_employers=self.n_employers)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (dates as ISO text, tuples as lists)."""
        out = dataclasses.asdict(self)
        out["plan_from"] = self.plan_from.isoformat()
        out["sending_mix"] = [[p, s] for p, s in self.sending_mix]
        out["late_provinces"] = list(self.late_provinces)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DemoShape:
        """The shape ``to_dict`` described."""
        values = dict(data)
        values["plan_from"] = dt.date.fromisoformat(str(values["plan_from"]))
        values["sending_mix"] = tuple((str(p), float(s)) for p, s in values["sending_mix"])
        values["late_provinces"] = tuple(str(p) for p in values["late_provinces"])
        return cls(**values)
