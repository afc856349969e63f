"""Run statistics of a plan: what the optimiser reports beside the plan (summary.json's keys
after the totals). Typed, immutable; ``as_dict`` gives summary.json's keys and order, and
``from_dict`` reads them back (keys it does not know are kept in ``other``)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class FeederRouting:
    """Calls of the feeder router, and the reasons it fell back to a simpler route."""

    cvrp_calls: int = 0
    fallbacks: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"cvrp_calls": self.cvrp_calls, "fallbacks": list(self.fallbacks)}


@dataclass(frozen=True, slots=True)
class UnitStats:
    """One planning unit: its plan model, its bound model, its cost, lower bound and gap
    (yuan). ``None``: not known (``plan_seconds`` under a work limit; the bound of a unit
    whose people all come alone by rule)."""

    coaches_merged: int | None = None
    plan_status: str | None = None
    plan_objective_yuan: float | None = None
    groups: int | None = None
    plan_seconds: float | None = None
    bound_model_yuan: float | None = None
    bound_status: str | None = None
    cost_yuan: float | None = None
    lower_bound_yuan: float | None = None
    gap: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)
            if getattr(self, f.name) is not None
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> UnitStats:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass(frozen=True, slots=True)
class RunStats:
    """What a planner reports beside the plan. ``None`` fields are left out of summary.json.

    ``cost_by_component`` and ``people_by_mode`` are in yuan and people; ``units`` holds each
    planning unit's figures; ``binding`` what binds the plan (``planner.analysis``, JSON-ready);
    ``other`` any key of a summary.json this version does not know."""

    method: str | None = None
    cost_by_component: dict[str, float] | None = None
    people_by_mode: dict[str, int] | None = None
    trips_by_kind: dict[str, int] | None = None
    vacancies_unfilled: int | None = None
    people_per_trip: float | None = None
    unmet_in_bound: int | None = None
    feeder_routing: FeederRouting | None = None
    units: dict[str, UnitStats] | None = None
    bound_method: str | None = None
    bound_warning: str | None = None
    binding: dict[str, Any] | None = None
    # Seconds from the clock's start until every unit had its trips: a whole, feasible plan,
    # its lower bound still to come. Left out under a work limit (it depends on the machine).
    first_plan_seconds: float | None = None
    other: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """summary.json's keys after the totals, in its order."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name == "other" or value is None:
                continue
            if isinstance(value, FeederRouting):
                value = value.as_dict()
            elif f.name == "units":
                value = {k: u.as_dict() for k, u in value.items()}
            out[f.name] = value
        for k, v in self.other.items():
            out.setdefault(k, v)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunStats:
        """Read summary.json's keys back (unknown keys go to ``other``)."""
        names = {f.name for f in dataclasses.fields(cls)} - {"other"}
        known: dict[str, Any] = {k: v for k, v in data.items() if k in names}
        routing = known.get("feeder_routing")
        if isinstance(routing, dict):
            known["feeder_routing"] = FeederRouting(
                int(routing.get("cvrp_calls", 0)), tuple(routing.get("fallbacks", ()))
            )
        units = known.get("units")
        if isinstance(units, dict):
            known["units"] = {
                k: UnitStats.from_dict(u) for k, u in units.items() if isinstance(u, dict)
            }
        other = {k: v for k, v in data.items() if k not in names}
        return cls(**known, other=other)
