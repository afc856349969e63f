"""Facts, decisions and the plan. Frozen dataclasses; standard library and planner.messages only."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from planner.domain.stats import RunStats
from planner.messages import Message, msg


class Travel(StrEnum):
    """How a person wants to come back (``travel`` column of workers.csv)."""

    SEAT = "seat"  # registered for organised transport (default)
    OWN = "own"  # comes alone, claims the self-return subsidy, never seated
    EITHER = "either"  # the planner may advise either


class VehicleKind(StrEnum):
    COACH = "coach"
    TRAIN = "train"


class Region(StrEnum):
    """Region of a home province, as the self-return subsidy tiers use it."""

    ZHEJIANG = "zhejiang"
    EAST_CHINA = "east_china"  # Shanghai, Jiangsu, Anhui, Fujian, Jiangxi, Shandong (not Zhejiang)
    OTHER = "other"


class StopKind(StrEnum):
    PICKUP = "pickup"  # a gathering point in an origin county
    STATION = "station"  # a railway station (train boarding, or where a feeder coach starts)
    DROPOFF = "dropoff"  # an employer, or the destination hub


@dataclass(frozen=True, slots=True)
class Place:
    """A named point."""

    name: str
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class Worker:
    """One row of workers.csv, checked and resolved.

    ``home_adcode`` is always the current 6-digit county code (resolved from the address or an
    old code by the reader). ``employer_uscc`` is set for a returning employee, ``None`` for a new
    recruit the planner may match to any employer with demand.
    """

    id_number: str
    name: str
    home_adcode: str
    available_from: dt.date
    phone: str | None = None
    home_address: str | None = None
    employer_uscc: str | None = None
    poverty_registered: bool = False
    travel: Travel = Travel.SEAT
    bank_name: str | None = None
    bank_account: str | None = None

    @property
    def is_returning(self) -> bool:
        return self.employer_uscc is not None


@dataclass(frozen=True, slots=True)
class Employer:
    """One row of employers.csv. ``lat``/``lon`` default to the destination hub."""

    uscc: str
    name: str
    lat: float
    lon: float
    new_hires_wanted: int
    needed_by: dt.date
    bank_name: str | None = None
    bank_account: str | None = None


@dataclass(frozen=True, slots=True)
class VehicleType:
    """One row of fleet.csv: a kind of transport that can be chartered.

    Money in fen. ``available`` is how many may run at once (``None``: unlimited).
    Trains load at ``origin_station`` and unload at ``dest_station`` (default: the hub); a
    train may also stop to board at ``extra_stations`` ((name, lat, lon), in the order it
    calls there after ``origin_station``; at most two), see ``boarding_stations``.
    """

    kind: VehicleKind
    name: str
    seats: int
    max_load: float = 1.0
    cost_per_km_fen: int = 0
    fixed_cost_fen: int = 0
    available: int | None = None
    origin_station: str | None = None
    origin_lat: float | None = None
    origin_lon: float | None = None
    lead_days: int = 0
    dest_station: str | None = None
    dest_lat: float | None = None
    dest_lon: float | None = None
    driver_cost_fen: int = 30_000  # a second driver's pay and lodging per day
    extra_stations: tuple[tuple[str, float, float], ...] = ()

    @property
    def boarding_stations(self) -> tuple[tuple[str, float | None, float | None], ...]:
        """Every station a train boards at, in calling order: ``origin_station`` first."""
        if self.kind is not VehicleKind.TRAIN or not self.origin_station:
            return ()
        return ((self.origin_station, self.origin_lat, self.origin_lon), *self.extra_stations)


@dataclass(frozen=True, slots=True)
class LoadCap:
    """One row of load_caps.csv. ``origin`` is a code prefix (``"42"`` = Hubei), ``""`` = all."""

    from_date: dt.date
    to_date: dt.date
    max_load: float
    origin: str = ""

    def applies(self, day: dt.date, adcode: str) -> bool:
        return self.from_date <= day <= self.to_date and adcode.startswith(self.origin)


@dataclass(frozen=True, slots=True)
class Stop:
    """A stop of a trip. ``ref`` is a county adcode (pickup), a station name (station) or an
    employer USCC (drop-off); ``name`` is what people read."""

    kind: StopKind
    name: str
    ref: str
    lat: float
    lon: float
    time: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class Trip:
    """One vehicle moving people: a coach run, a special train, or a feeder coach.

    ``load`` is the most people on board at any point; ``capacity`` = floor(seats × max_load in
    force). ``parent_trip_id`` links a feeder coach to its train. ``cost_fen`` is everything the
    trip costs the public: km actually driven (empty legs included) × price, fixed cost, drivers.
    ``leader_*``/``driver_*``: the bus leader and the driver, when the dispatcher has named them
    (trips.csv extension columns; the planner leaves them empty).
    """

    trip_id: str
    kind: VehicleKind
    vehicle: str
    depart: dt.datetime
    arrive: dt.datetime
    stops: tuple[Stop, ...]
    seats: int
    capacity: int
    load: int
    distance_km: float
    cost_fen: int
    drivers: int = 1
    origin_adcode: str = ""
    parent_trip_id: str | None = None
    fixed: bool = False
    leader_name: str | None = None
    leader_phone: str | None = None
    driver_name: str | None = None
    driver_phone: str | None = None

    @property
    def depart_date(self) -> dt.date:
        return self.depart.date()

    @property
    def arrive_date(self) -> dt.date:
        return self.arrive.date()


@dataclass(frozen=True, slots=True)
class Assignment:
    """A person carried: their main trip, where they board and the employer they go to."""

    id_number: str
    trip_id: str
    pickup_stop: str
    employer_uscc: str


@dataclass(frozen=True, slots=True)
class Leg:
    """One leg of a multi-leg journey (train, then feeder coach)."""

    id_number: str
    trip_id: str
    leg: int


@dataclass(frozen=True, slots=True)
class SelfReturn:
    """A person advised (or who chose) to travel on their own, and why (a message; a plain
    string is taken as free text, ``reason.text``)."""

    id_number: str
    employer_uscc: str | None
    why: Message
    expected_subsidy_fen: int

    def __post_init__(self) -> None:
        if isinstance(self.why, str):
            object.__setattr__(self, "why", msg("reason.text", text=self.why))

    @property
    def reason(self) -> str:
        """The reason in English."""
        return self.why.render("en")


@dataclass(frozen=True, slots=True)
class Unserved:
    """A person or a vacancy the plan does not serve, and why.

    For a vacancy ``id_number`` is ``None`` and ``count`` says how many places stay empty.
    ``why`` is a message (a plain string is taken as free text, ``reason.text``).
    """

    why: Message
    id_number: str | None = None
    employer_uscc: str | None = None
    count: int = 1

    def __post_init__(self) -> None:
        if isinstance(self.why, str):
            object.__setattr__(self, "why", msg("reason.text", text=self.why))

    @property
    def reason(self) -> str:
        """The reason in English."""
        return self.why.render("en")


@dataclass(frozen=True, slots=True)
class PlanSummary:
    """summary.json. Money in fen here; written as yuan."""

    workers_planned: int
    trips: int
    total_cost_fen: int
    lower_bound_fen: int
    gap: float
    subsidy_forecast_fen: int
    solve_seconds: float
    stats: RunStats = field(default_factory=RunStats)

    @property
    def extra(self) -> dict[str, Any]:
        """The run statistics as summary.json's keys (read only)."""
        return self.stats.as_dict()


@dataclass(frozen=True, slots=True)
class Plan:
    trips: tuple[Trip, ...]
    assignments: tuple[Assignment, ...]
    self_returns: tuple[SelfReturn, ...]
    unserved: tuple[Unserved, ...]
    legs: tuple[Leg, ...]
    summary: PlanSummary


@dataclass(frozen=True, slots=True)
class Scenario:
    """A whole scenario folder, read and checked.

    ``policy`` is the parsed policy (a ``planner.subsidies.Policy``); typed ``Any`` so the
    domain imports nothing outside the standard library.
    """

    name: str
    destination: Place
    plan_from: dt.date
    plan_to: dt.date
    workers: tuple[Worker, ...]
    employers: tuple[Employer, ...]
    fleet: tuple[VehicleType, ...]
    policy: Any = None
    load_caps: tuple[LoadCap, ...] = ()
    fixed_trips: tuple[Trip, ...] = ()
    fixed_assignments: tuple[Assignment, ...] = ()
    fixed_legs: tuple[Leg, ...] = ()
    folder: str | None = None

    def employer(self, uscc: str) -> Employer | None:
        for e in self.employers:
            if e.uscc == uscc:
                return e
        return None
