"""The plain values that pass between the steps of ``solve``: immutable and picklable, so a
unit can be planned in another process or on another machine."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from planner.domain import SelfReturn, Trip, Unserved
from planner.domain.stats import UnitStats
from planner.optimise.budget import Budget
from planner.optimise.prepare import Person

FleetKey = tuple[str, dt.date]  # (vehicle type, day)


@dataclass(frozen=True, slots=True)
class FleetUse(Mapping[FleetKey, int]):
    """Vehicles out per (vehicle type, day): an immutable mapping. What is still available
    of a type on a day is its ``available`` less this. Kept as a tuple of pairs (a lookup
    scans it): take ``to_dict()`` for many lookups."""

    items_: tuple[tuple[FleetKey, int], ...] = ()

    @classmethod
    def of(cls, counts: Mapping[FleetKey, int]) -> FleetUse:
        """The use ``counts`` gives, keys in their order (as the planner met them)."""
        return cls(tuple(counts.items()))

    def __getitem__(self, key: FleetKey) -> int:
        for k, n in self.items_:
            if k == key:
                return n
        raise KeyError(key)

    def __iter__(self) -> Iterator[FleetKey]:
        return (k for k, _ in self.items_)

    def __len__(self) -> int:
        return len(self.items_)

    def to_dict(self) -> dict[FleetKey, int]:
        return dict(self.items_)

    def plus(self, more: Mapping[FleetKey, int]) -> FleetUse:
        """This use and ``more`` together."""
        out = self.to_dict()
        for key, n in more.items():
            out[key] = out.get(key, 0) + n
        return FleetUse.of(out)


@dataclass(frozen=True, slots=True)
class Unit:
    """A planning unit: a prefecture, or prefectures a train's catchment joins (so one train
    can take people from all of them).

    ``weight`` is its share of the planning time (``weight_left``: its own and those of the
    units planned after it); ``bound_weight`` and ``bound_share`` the same for its bound
    model, which grows faster than its people (see ``make_units``)."""

    key: str  # "province/prefecture" of the first prefecture (in code order)
    province: str
    people: tuple[Person, ...]
    weight: float
    weight_left: float
    bound_weight: float
    bound_share: float

    @property
    def counties(self) -> frozenset[str]:
        return frozenset(q.county for q in self.people)


@dataclass(frozen=True, slots=True)
class UnitInput:
    """What planning one unit needs besides the instance and the parameters.

    Units share the fleet and the trip numbers: ``vehicles_out`` are the vehicles fixed trips
    and the units planned before this one use, ``trip_numbers`` the last number given per
    trip-id prefix (``C``, ``T``, ``K``, ``F``) by those units."""

    unit: Unit
    vehicles_out: FleetUse
    trip_numbers: tuple[tuple[str, int], ...]
    time_limit_s: float
    work_limit: float | None
    budget: Budget  # the plan's clock, for the feeder router's seconds


@dataclass(frozen=True, slots=True)
class UnitPlan:
    """What the planning of one unit decided, as plain values.

    ``carried`` holds (person, trip, pickup name) of everyone on a coach or train, ``legs``
    each train rider's trips in order; ``stranded`` the seat-seekers it sends home alone
    (their subsidy is a constant of the bound); ``bound_people`` the unit's people its bound
    model carries (all but the stranded)."""

    key: str
    trips: tuple[Trip, ...]
    carried: tuple[tuple[str, str, str], ...]
    legs: tuple[tuple[str, tuple[str, ...]], ...]
    self_returns: tuple[SelfReturn, ...]
    unserved: tuple[Unserved, ...]
    stranded: frozenset[str]
    bound_people: tuple[Person, ...]
    vehicles_out: FleetUse  # this unit's trips' vehicles per (type, day)
    trip_numbers: tuple[tuple[str, int], ...]  # the last number per prefix after this unit
    router_calls: int  # feeder routes the CVRP router found
    router_errors: tuple[str, ...]  # why it failed where it did (a sweep was used instead)
    stats: UnitStats


@dataclass(frozen=True, slots=True)
class UnitBound:
    """The proven lower bound (fen) of one unit's bound model, and its status."""

    key: str
    bound: float
    status: str
