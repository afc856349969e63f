"""What every step derives from (instance, parameters) alone, kept once per process.

``Context`` (the model's estimates, with caches filled as they are used) and the preparation
(who is planned, who comes alone or is unserved before any trip) are pure functions of the
instance and the parameters. Each step rebuilds them from its arguments instead of receiving
them from its caller, so a step can run in another process from pickled arguments. To keep the
speed of one process, the last (instance, parameters) pair seen and what was derived from it are
kept here (a memo keyed by identity: a new or a copied instance derives them anew). The memo
holds caches only: the values returned never depend on what ran before.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from planner.domain import Trip, VehicleKind, Worker
from planner.optimise.instance import Instance
from planner.optimise.model import Context, TrainLine
from planner.optimise.prepare import Prepared, prepare
from planner.rules.params import PlanParams
from planner.rules.timetable import coach_timetable, day_of, to_min


@dataclass
class _Derived:
    inst: Instance
    params: PlanParams
    ctx: Context
    prepared: Prepared | None = None
    pair: tuple[Instance, PlanParams] = field(init=False)

    def __post_init__(self) -> None:
        self.pair = (self.inst, self.params)


_LAST: list[_Derived] = []  # at most one: the pair last used in this process


def _derived(inst: Instance, params: PlanParams) -> _Derived:
    if _LAST and _LAST[0].inst is inst and _LAST[0].params is params:
        return _LAST[0]
    d = _Derived(inst, params, Context(inst, params))
    _LAST[:] = [d]
    return d


def shared_pair(inst: Instance, params: PlanParams) -> tuple[Instance, PlanParams]:
    """``(inst, params)`` as one value, the same object for as long as the pair is the last
    used in this process: what an executor sends its workers once (``ProcessPool`` keeps its
    workers while ``shared`` is the same object, so a plan's units and bounds share them)."""
    return _derived(inst, params).pair


def context(inst: Instance, params: PlanParams) -> Context:
    """The model's context for ``inst`` and ``params`` (built once per process and pair)."""
    return _derived(inst, params).ctx


def preparation(inst: Instance, params: PlanParams) -> Prepared:
    """Who is planned and who comes alone or is unserved before any trip is planned
    (``prepare``; computed once per process and pair). Do not change what it returns."""
    d = _derived(inst, params)
    if d.prepared is None:
        d.prepared = prepare(inst, _Arrival(d.ctx), params.max_wait_days)
    return d.prepared


class _Arrival:
    """The earliest a person could arrive when released on a day: by a coach from their
    county, or by a special train whose catchment holds it (train lines cached per county)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.lines: dict[str, list[TrainLine]] = {}

    def __call__(self, w: Worker, release: dt.date) -> dt.date:
        ctx = self.ctx
        c = w.home_adcode
        best = release + dt.timedelta(days=ctx.plan_coach(c)[0])
        if c not in self.lines:
            self.lines[c] = ctx.lines_for([c])
        for ln in self.lines[c]:
            if c in ln.catchment:
                best = min(best, max(release, ln.earliest) + dt.timedelta(days=ln.lag_plan))
        return best


def fixed_fleet_use(inst: Instance, params: PlanParams) -> dict[tuple[str, dt.date], int]:
    """Vehicles the fixed (already dispatched) trips keep out per (vehicle type, day)."""
    ctx = context(inst, params)
    used: dict[tuple[str, dt.date], int] = {}
    for t in inst.scenario.fixed_trips:
        for day in trip_days(t, inst.fixed_legs_km.get(t.trip_id), ctx):
            used[(t.vehicle, day)] = used.get((t.vehicle, day), 0) + 1
    return used


def trip_days(trip: Trip, legs_km: Sequence[float] | None, ctx: Context) -> list[dt.date]:
    """Calendar days a trip's vehicle is out (a coach until it is back at its first stop)."""
    first = trip.depart.date()
    last = trip.arrive.date()
    if trip.kind is VehicleKind.COACH and legs_km:
        p = ctx.params
        sch = coach_timetable(
            to_min(trip.depart),
            list(legs_km),
            drivers=trip.drivers,
            speed_kmh=p.speed_kmh,
            rules=ctx.rules,
            dwell_min=p.stop_dwell_min,
        )
        last = max(last, day_of(sch.end))
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
