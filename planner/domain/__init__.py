"""Plain data of the job-bus domain: facts (workers, employers, vehicle kinds), what is decided
(trips, assignments) and what happened (events). Standard library only.

Conventions: money is integer fen (1 yuan = 100 fen) in ``*_fen`` fields; distances are km
(``*_km``); durations are whole minutes (``*_min``); dates are ``datetime.date`` and times of day
``datetime.datetime`` in local (China Standard) time without tzinfo.
"""

from planner.domain.events import (
    Arrival,
    BankResult,
    Charter,
    CharterRider,
    Headcount,
    InsuredMonth,
    TripMovement,
)
from planner.domain.model import (
    Assignment,
    Employer,
    Leg,
    LoadCap,
    Place,
    Plan,
    PlanSummary,
    Region,
    Scenario,
    SelfReturn,
    Stop,
    StopKind,
    Travel,
    Trip,
    Unserved,
    VehicleKind,
    VehicleType,
    Worker,
)
from planner.domain.stats import FeederRouting, RunStats, UnitStats

__all__ = [
    "Arrival",
    "Assignment",
    "BankResult",
    "Charter",
    "CharterRider",
    "Employer",
    "FeederRouting",
    "Headcount",
    "InsuredMonth",
    "Leg",
    "LoadCap",
    "Place",
    "Plan",
    "PlanSummary",
    "Region",
    "RunStats",
    "Scenario",
    "SelfReturn",
    "Stop",
    "StopKind",
    "Travel",
    "Trip",
    "TripMovement",
    "UnitStats",
    "Unserved",
    "VehicleKind",
    "VehicleType",
    "Worker",
]
