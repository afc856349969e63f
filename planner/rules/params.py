"""Planning parameters: one typed object per concern, and ``PlanParams`` — the flat, frozen
set of every planning number with defaults, read from a dict or a TOML file — that gives them.

The concerns:

- ``SearchBudget``: how long and how hard the search runs (time limit, work limit, seed);
- ``Physics``: how vehicles move (road factor, speeds, dwell and transfer minutes);
- ``Regulation``: what the law allows (the drivers' rules, the 02:00–05:00 halt, the two-driver
  thresholds of 400 km and 600 km on a direct expressway);
- ``ServiceLevel``: what the public owes people (the wait limit; the policy's seat-cost multiple
  and penalty for the unserved);
- ``Operations``: how the service is run (coach start times, the train's departure, the
  collector and pickup radii, trains allowed or not).

Nothing here imports a solver; the app, the CLI, the optimiser and the validator share these
numbers.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def _hhmm(text: str) -> int:
    """Minutes after midnight of an ``HH:MM`` text."""
    t = dt.time.fromisoformat(text)
    return t.hour * 60 + t.minute


DEFAULT_SEAT_COST_MULTIPLE = 3.0
"""A seat-seeker whose seat costs more than this many times their self-return subsidy is advised
to come alone (the policy's ``planning.seat_cost_multiple`` overrides it)."""

DAY_MIN = 1440


@dataclass(frozen=True, slots=True)
class SearchBudget:
    """How long and how hard the search runs (see ``PlanParams`` for each field)."""

    time_limit_s: float = 24.0
    work_limit: float | None = None
    seed: int = 0
    parallel_bound_min_people: int | None = 2000


@dataclass(frozen=True, slots=True)
class Physics:
    """How vehicles move: road km per straight km, speeds, minutes at stops and transfers."""

    road_factor: float = 1.25
    speed_kmh: float = 70.0
    stop_dwell_min: int = 10
    train_speed_kmh: float = 100.0
    transfer_min: int = 60
    dropoff_allowance_km: float = 60.0


@dataclass(frozen=True, slots=True)
class Regulation:
    """What the law allows a coach (DOMAIN.md "Coach drivers"), in minutes and km.

    A driver drives at most ``day_limit_min`` without a break by day, ``night_limit_min`` at
    night (``night_from``–``night_to``), breaks last ``break_min``, at most ``daily_limit_min``
    in any ``window_min``; coaches halt from ``halt_from`` to ``halt_to`` unless drivers relay
    (``night_relay``); a loaded run above ``two_driver_km`` needs two drivers, above
    ``expressway_two_driver_km`` when it runs on a direct expressway (``expressway_direct``:
    every loaded run of the scenario does).
    """

    night_relay: bool = False
    day_limit_min: int = 240
    night_limit_min: int = 120
    break_min: int = 20
    daily_limit_min: int = 480
    window_min: int = DAY_MIN
    halt_from: int = 120  # 02:00
    halt_to: int = 300  # 05:00
    night_from: int = 22 * 60
    night_to: int = 6 * 60
    two_driver_km: float = 400.0
    expressway_two_driver_km: float = 600.0
    expressway_direct: bool = False


@dataclass(frozen=True, slots=True)
class ServiceLevel:
    """What the public owes people: the wait limit, the seat-cost multiple and the penalty for
    someone left unserved (``None``: the policy's)."""

    max_wait_days: int | None = 3
    seat_cost_multiple: float | None = None
    unmet_penalty_fen: int | None = None


@dataclass(frozen=True, slots=True)
class Operations:
    """How the service is run: start times, the train's departure, radii, trains allowed."""

    coach_start_min: tuple[int, ...] = (300, 360)
    train_depart_min: int = 720
    collector_radius_km: float = 350.0
    walk_in_km: float = 25.0
    pickup_radius_km: float = 150.0
    max_pickups: int = 4
    feeder_vehicle: str | None = None
    allow_trains: bool = True


@dataclass(frozen=True, slots=True)
class PlanParams:
    """What the planner may do and how hard it searches.

    Attributes
    ----------
    time_limit_s
        Wall-clock budget for the whole search (seconds).
    work_limit
        Deterministic budget instead of a clock: split over the planning units by their share
        of the people, each unit's MIP (SCIP) may explore ``10 × share`` branch-and-bound
        nodes (at least its root) and the feeder router accepts 50 solutions. When set, the
        same input, seed and work limit give the same plan byte for byte and the wall-clock
        limit is ignored.
    seed
        Random seed handed to every solver.
    road_factor, speed_kmh
        Road km per straight-line km; average coach speed (driving only).
    coach_start_times
        Times of day (``HH:MM``) a coach may leave its first pickup point. The default starts
        at 05:00, when the night halt ends: a long run that sets off an hour later often comes
        back after midnight and is hired a day longer.
    stop_dwell_min
        Minutes at each pickup or drop-off (boarding or alighting; a break only if ≥ 20).
    night_relay
        Drivers relay at night, so coaches need not halt from 02:00 to 05:00.
    two_driver_km, expressway_two_driver_km, expressway_direct
        A loaded run longer than ``two_driver_km`` (400) needs two drivers; on a direct
        expressway ``expressway_two_driver_km`` (600). ``expressway_direct``: every loaded run
        of the scenario goes on expressway throughout (default ``False``: 400 km holds).
    train_speed_kmh, train_depart_time, transfer_min
        Average special-train speed including stops; its departure time of day; minutes
        between a collector coach's arrival and the train (and the train and the feeders).
    collector_radius_km
        Counties within this road distance of a train's station in their own province may
        send their people to the train by collector coach (350 km: a hub such as 贵阳北 serves
        counties of Bijie, Zunyi and Tongren 150–350 km away; the collector's cost is
        modelled, so the model decides whether the train pays).
    walk_in_km
        People living this close to the station reach it on their own (no collector).
    pickup_radius_km
        A coach may pick up in other counties of its prefecture within this distance of its
        first pickup.
    max_pickups
        Most pickup counties on a coach formed by merging or re-packing coaches after the
        model; the model itself limits sharing by ``pickup_radius_km`` only.
    feeder_vehicle
        Fleet name of the coach kind for feeders and collectors (default: the largest coach).
    unmet_penalty_fen, seat_cost_multiple
        Overrides of the policy's planning numbers (``None``: take the policy's).
    allow_trains
        ``False`` plans with coaches only.
    dropoff_allowance_km
        Estimated km a coach drives inside the district between drop-offs (planning estimate
        only; real routes are computed). 60 km: a coach of 20–26 people drops at a dozen or so
        employers; on the demo the built coaches drove 78 km on average in the district, and
        with 40 km the model hired coaches whose real cost it under-rated (2.1% over its
        estimate).
    max_wait_days
        Service level: a person given a seat leaves (their first leg departs) no later than
        this many days after they can first be carried, ``max(available_from, plan_from)``;
        who cannot be served within it comes alone or stays unserved, with the reason.
        ``None``: no limit (people may wait until their deadline allows).
    parallel_bound_min_people
        From this many people to plan on, the lower bound's models are solved in a second
        process while the units are planned (on a machine with two or more cores), so the bound
        gets the whole time limit; ``None``: always after the planning, in this process.
    """

    time_limit_s: float = 24.0
    work_limit: float | None = None
    seed: int = 0
    road_factor: float = 1.25
    speed_kmh: float = 70.0
    coach_start_times: tuple[str, ...] = ("05:00", "06:00")
    stop_dwell_min: int = 10
    night_relay: bool = False
    two_driver_km: float = 400.0
    expressway_two_driver_km: float = 600.0
    expressway_direct: bool = False
    train_speed_kmh: float = 100.0
    train_depart_time: str = "12:00"
    transfer_min: int = 60
    collector_radius_km: float = 350.0
    walk_in_km: float = 25.0
    pickup_radius_km: float = 150.0
    max_pickups: int = 4
    feeder_vehicle: str | None = None
    unmet_penalty_fen: int | None = None
    seat_cost_multiple: float | None = None
    allow_trains: bool = True
    dropoff_allowance_km: float = 60.0
    max_wait_days: int | None = 3
    parallel_bound_min_people: int | None = 2000
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for t in (*self.coach_start_times, self.train_depart_time):
            _hhmm(t)
        if not self.coach_start_times:
            raise ValueError("coach_start_times must name at least one time")
        if self.speed_kmh <= 0 or self.train_speed_kmh <= 0:
            raise ValueError("speeds must be positive")
        if self.time_limit_s <= 0:
            raise ValueError("time_limit_s must be positive")
        if self.work_limit is not None and self.work_limit <= 0:
            raise ValueError("work_limit must be positive")
        if self.parallel_bound_min_people is not None and self.parallel_bound_min_people < 0:
            raise ValueError("parallel_bound_min_people must be ≥ 0 (or None)")
        if self.max_wait_days is not None and (
            isinstance(self.max_wait_days, bool)
            or not isinstance(self.max_wait_days, int)
            or self.max_wait_days < 0
        ):
            raise ValueError("max_wait_days must be a whole number of days ≥ 0 (or None)")

    @property
    def coach_start_min(self) -> tuple[int, ...]:
        """Coach start times as minutes after midnight, sorted."""
        return tuple(sorted(_hhmm(t) for t in self.coach_start_times))

    @property
    def train_depart_min(self) -> int:
        """Train departure time as minutes after midnight."""
        return _hhmm(self.train_depart_time)

    @property
    def budget(self) -> SearchBudget:
        """The search budget."""
        return SearchBudget(
            self.time_limit_s, self.work_limit, self.seed, self.parallel_bound_min_people
        )

    @property
    def physics(self) -> Physics:
        """How vehicles move."""
        return Physics(
            self.road_factor,
            self.speed_kmh,
            self.stop_dwell_min,
            self.train_speed_kmh,
            self.transfer_min,
            self.dropoff_allowance_km,
        )

    @property
    def regulation(self) -> Regulation:
        """The drivers' rules and the two-driver thresholds."""
        return Regulation(
            night_relay=self.night_relay,
            two_driver_km=self.two_driver_km,
            expressway_two_driver_km=self.expressway_two_driver_km,
            expressway_direct=self.expressway_direct,
        )

    @property
    def service(self) -> ServiceLevel:
        """The service level owed."""
        return ServiceLevel(self.max_wait_days, self.seat_cost_multiple, self.unmet_penalty_fen)

    @property
    def operations(self) -> Operations:
        """How the service is run."""
        return Operations(
            self.coach_start_min,
            self.train_depart_min,
            self.collector_radius_km,
            self.walk_in_km,
            self.pickup_radius_km,
            self.max_pickups,
            self.feeder_vehicle,
            self.allow_trains,
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PlanParams:
        """Parameters from a mapping; unknown keys raise ``ValueError``.

        Parameters
        ----------
        data
            Field names to values (lists are accepted for tuples).
        """
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ValueError(f"unknown planning parameter(s): {', '.join(unknown)}")
        clean = dict(data)
        if "coach_start_times" in clean:
            v = clean["coach_start_times"]
            clean["coach_start_times"] = (v,) if isinstance(v, str) else tuple(v)
        return cls(**clean)

    @classmethod
    def from_file(cls, path: str | Path) -> PlanParams:
        """Parameters from a TOML file (top level, or a ``[planning]`` table)."""
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
        if "planning" in data and isinstance(data["planning"], dict):
            data = data["planning"]
        return cls.from_dict(data)

    def replace(self, **changes: Any) -> PlanParams:
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)
