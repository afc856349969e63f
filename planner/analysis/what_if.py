"""What relaxing a binding constraint would change, found by re-solving.

Rules implemented here:

- every figure comes from two plans made the same way: the *base* (the scenario as it is) and
  the *variant* (the constraint relaxed), with the same seed and a work limit, so both are
  deterministic and the difference is the relaxation's, not the search's. Neither is the plan
  being shown: that one may have been made under a clock;
- given the plan being shown, only the *affected* provinces are re-solved (planning units never
  span provinces): for more coaches of a type, those with riders on such coaches on the relaxed
  days or people the fleet left out whose window holds one of those days; for a longer service
  level, those with people whose reason is their dates. The vehicles the other provinces' trips
  hold are kept off the fleet by placeholder hires (fixed trips without stops, people or cost);
  without a plan the whole scenario is re-solved;
- *k more coaches on day D* (for ``span_days`` days from D): the type's ``available`` grows by
  ``k`` and ``k`` placeholder hires hold the extra vehicles on every other day;
- *one more day of service level*: ``max_wait_days`` grows by ``days`` (nothing to relax
  without a limit);
- reported: people newly seated (fewer sent alone or unserved), public money saved (the plans'
  total cost, trips plus self-return subsidies) and the objective saved (cost plus the penalty
  of each unserved person).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from planner.analysis.binding import Cause, binding_of, person_window, vehicle_days
from planner.domain import Plan, Trip, VehicleKind, VehicleType
from planner.optimise.instance import Instance
from planner.rules.params import PlanParams

DEFAULT_WORK_LIMIT = 2.0
MARGIN_DAYS = 60  # placeholder hires reach this far beyond the planning days


@dataclass(frozen=True, slots=True)
class WhatIf:
    """One relaxation's effect. ``question`` is ``more_coaches`` (``vehicle``, ``day``, ``k``,
    ``span_days``) or ``longer_service`` (``days``); money in fen; ``provinces``: those
    re-solved (empty: the whole scenario)."""

    question: str
    seated_more: int
    alone_fewer: int
    unserved_fewer: int
    money_saved_fen: int
    objective_saved_fen: int
    people_resolved: int
    work_limit: float
    seed: int
    seconds: float
    provinces: tuple[str, ...] = ()
    vehicle: str | None = None
    day: dt.date | None = None
    k: int = 0
    span_days: int = 0
    days: int = 0

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"question": self.question}
        if self.question == "more_coaches":
            out |= {
                "vehicle": self.vehicle,
                "day": self.day.isoformat() if self.day else None,
                "k": self.k,
                "span_days": self.span_days,
            }
        else:
            out["days"] = self.days
        out |= {
            "seated_more": self.seated_more,
            "alone_fewer": self.alone_fewer,
            "unserved_fewer": self.unserved_fewer,
            "money_saved": round(self.money_saved_fen / 100, 2),
            "objective_saved": round(self.objective_saved_fen / 100, 2),
            "method": "re-solve",
            "provinces": list(self.provinces) or "all",
            "people_resolved": self.people_resolved,
            "work_limit": self.work_limit,
            "seed": self.seed,
        }
        return out


def _province(inst: Instance, adcode: str) -> str:
    o = inst.origins.get(adcode)
    return o.province_code if o is not None else adcode[:2]


def _trip_provinces(inst: Instance, plan: Plan) -> dict[str, set[str]]:
    """Provinces of each trip's riders (main trips and legs); a trip without riders: its
    origin's."""
    home = {w.id_number: _province(inst, w.home_adcode) for w in inst.scenario.workers}
    out: dict[str, set[str]] = defaultdict(set)
    for a in plan.assignments:
        if a.id_number in home:
            out[a.trip_id].add(home[a.id_number])
    for leg in plan.legs:
        if leg.id_number in home:
            out[leg.trip_id].add(home[leg.id_number])
    for t in plan.trips:
        if not out.get(t.trip_id) and t.origin_adcode:
            out[t.trip_id].add(_province(inst, t.origin_adcode))
    return out


def _placeholder(n: int, v: VehicleType, first: dt.date, last: dt.date) -> Trip:
    """A hire holding one vehicle of ``v`` from ``first`` to ``last``: no stops, no cost."""
    return Trip(
        trip_id=f"X{n:06d}",
        kind=v.kind,
        vehicle=v.name,
        depart=dt.datetime.combine(first, dt.time(0, 0)),
        arrive=dt.datetime.combine(last, dt.time(23, 0)),
        stops=(),
        seats=v.seats,
        capacity=0,
        load=0,
        distance_km=0.0,
        cost_fen=0,
        fixed=True,
    )


def _holds(profile: dict[dt.date, int]) -> list[tuple[dt.date, dt.date]]:
    """Intervals of days whose stacking gives ``profile`` (vehicles held per day)."""
    out: list[tuple[dt.date, dt.date]] = []
    open_: list[dt.date] = []
    days = sorted(profile)
    if not days:
        return out
    d, end = days[0], days[-1] + dt.timedelta(days=1)
    while d <= end:
        want = profile.get(d, 0)
        while len(open_) > want:
            out.append((open_.pop(), d - dt.timedelta(days=1)))
        while len(open_) < want:
            open_.append(d)
        d += dt.timedelta(days=1)
    return sorted(out)


def _sub_instance(
    inst: Instance, plan: Plan, provinces: set[str], params: PlanParams
) -> Instance:
    """``inst`` restricted to the people of ``provinces``; the vehicles the other provinces'
    planned trips hold are kept off the fleet by placeholder hires."""
    sc = inst.scenario
    of_trip = _trip_provinces(inst, plan)
    fixed_ids = {t.trip_id for t in sc.fixed_trips}
    held: dict[str, dict[dt.date, int]] = defaultdict(lambda: defaultdict(int))
    for t in plan.trips:
        if t.trip_id in fixed_ids or of_trip.get(t.trip_id, set()) & provinces:
            continue
        for d in vehicle_days(t, inst, params):
            held[t.vehicle][d] += 1
    fleet = {v.name: v for v in sc.fleet}
    extra: list[Trip] = []
    for name in sorted(held):
        for first, last in _holds(held[name]):
            extra.append(_placeholder(len(extra) + 1, fleet[name], first, last))
    workers = tuple(w for w in sc.workers if _province(inst, w.home_adcode) in provinces)
    sub = dataclasses.replace(sc, workers=workers, fixed_trips=sc.fixed_trips + tuple(extra))
    return dataclasses.replace(inst, scenario=sub)


def _more_fleet(inst: Instance, vehicle: str, day: dt.date, k: int, span: int) -> Instance:
    """``inst`` with ``k`` more of ``vehicle`` from ``day`` for ``span`` days only."""
    sc = inst.scenario
    v = next((x for x in sc.fleet if x.name == vehicle), None)
    if v is None or v.available is None:
        raise ValueError(f"{vehicle!r} is not a vehicle type with a limit in the fleet")
    bigger = dataclasses.replace(v, available=v.available + k)
    fleet = tuple(bigger if x.name == vehicle else x for x in sc.fleet)
    lo = sc.plan_from - dt.timedelta(days=MARGIN_DAYS)
    hi = sc.plan_to + dt.timedelta(days=MARGIN_DAYS)
    until = day + dt.timedelta(days=span - 1)
    spans = [(lo, day - dt.timedelta(days=1)), (until + dt.timedelta(days=1), hi)]
    extra = [
        _placeholder(900_000 + i * 2 + j, bigger, a, b)
        for i in range(k)
        for j, (a, b) in enumerate(spans)
        if a <= b
    ]
    sub = dataclasses.replace(sc, fleet=fleet, fixed_trips=sc.fixed_trips + tuple(extra))
    return dataclasses.replace(inst, scenario=sub)


def _left_out(plan: Plan) -> tuple[int, int]:
    """People sent alone (not by their own choice) and people unserved."""
    own = sum(1 for s in plan.self_returns if s.why.code == "reason.own_travel")
    unserved = sum(u.count for u in plan.unserved if u.id_number is not None)
    return len(plan.self_returns) - own, unserved


def _compare(
    question: str,
    base_inst: Instance,
    variant_inst: Instance,
    params: PlanParams,
    provinces: set[str] | None,
    **what: Any,
) -> WhatIf:
    """Solve base and variant the same deterministic way; the difference."""
    from planner.optimise import solve

    begun = time.perf_counter()
    wl = params.work_limit
    base_params, variant_params = params, what.pop("variant_params", params)
    base = solve(base_inst, base_params)
    variant = solve(variant_inst, variant_params)
    b_alone, b_unmet = _left_out(base)
    v_alone, v_unmet = _left_out(variant)
    pen = base_inst.unmet_penalty_fen
    money = base.summary.total_cost_fen - variant.summary.total_cost_fen
    return WhatIf(
        question=question,
        seated_more=(b_alone + b_unmet) - (v_alone + v_unmet),
        alone_fewer=b_alone - v_alone,
        unserved_fewer=b_unmet - v_unmet,
        money_saved_fen=money,
        objective_saved_fen=money + pen * (b_unmet - v_unmet),
        people_resolved=len(base_inst.scenario.workers),
        work_limit=float(wl if wl is not None else DEFAULT_WORK_LIMIT),
        seed=params.seed,
        seconds=round(time.perf_counter() - begun, 1),
        provinces=tuple(sorted(provinces or ())),
        **what,
    )


def _deterministic(params: PlanParams, work_limit: float | None) -> PlanParams:
    return params.replace(
        work_limit=float(work_limit or params.work_limit or DEFAULT_WORK_LIMIT)
    )


def what_if_more_coaches(
    inst: Instance,
    params: PlanParams,
    vehicle_type: str,
    day: dt.date,
    k: int = 1,
    *,
    plan: Plan | None = None,
    span_days: int = 1,
    work_limit: float | None = None,
) -> WhatIf:
    """What ``k`` more vehicles of ``vehicle_type`` available from ``day`` for ``span_days``
    days would seat and save (module docstring).

    Parameters
    ----------
    inst, params
        The instance and parameters the plan was made with.
    vehicle_type
        A fleet name with a limit (``available``).
    day, k, span_days
        The extra vehicles: ``k`` of them, from ``day`` for ``span_days`` days (a coach on a
        long run is hired for several days).
    plan
        The plan shown: only the affected provinces are re-solved (default: everything).
    work_limit
        The re-solves' deterministic budget (default: the params', else 2).
    """
    if k < 1 or span_days < 1:
        raise ValueError("k and span_days must be at least 1")
    params = _deterministic(params, work_limit)
    days = {day + dt.timedelta(days=i) for i in range(span_days)}
    provinces: set[str] | None = None
    base_inst = inst
    if plan is not None:
        provinces = _fleet_provinces(inst, plan, params, vehicle_type, days)
        base_inst = _sub_instance(inst, plan, provinces, params)
    variant = _more_fleet(base_inst, vehicle_type, day, k, span_days)
    return _compare(
        "more_coaches", base_inst, variant, params, provinces,
        vehicle=vehicle_type, day=day, k=k, span_days=span_days,
    )


def _fleet_provinces(
    inst: Instance, plan: Plan, params: PlanParams, vehicle: str, days: set[dt.date]
) -> set[str]:
    """Provinces riding ``vehicle`` on ``days`` or left out by the fleet on one of them."""
    out: set[str] = set()
    of_trip = _trip_provinces(inst, plan)
    for t in plan.trips:
        if t.vehicle == vehicle and days & set(vehicle_days(t, inst, params)):
            out |= of_trip.get(t.trip_id, set())
    for pid, first, last in _left_out_windows(inst, plan, params, Cause.FLEET):
        if any(first <= d <= last for d in days):
            out.add(pid)
    return out


def _left_out_windows(
    inst: Instance, plan: Plan, params: PlanParams, cause: Cause
) -> list[tuple[str, dt.date, dt.date]]:
    """(province, first, last) of each person left out for ``cause``."""
    from planner.analysis.binding import classify

    sc = inst.scenario
    usage = binding_of(inst, plan, params).usage
    coach = {v.name for v in sc.fleet if v.kind is VehicleKind.COACH}
    binding_days = {c.day for c in usage if c.binding and c.vehicle in coach}
    workers = {w.id_number: w for w in sc.workers}
    out = []
    reasons = [(s.id_number, s.why) for s in plan.self_returns]
    reasons += [(u.id_number, u.why) for u in plan.unserved if u.id_number is not None]
    for pid, why in reasons:
        w = workers.get(str(pid))
        if w is None:
            continue
        window = person_window(why, max(w.available_from, sc.plan_from), sc, params)
        if classify(why, window, binding_days) is cause:
            out.append((_province(inst, w.home_adcode), *window))
    return out


def what_if_longer_service(
    inst: Instance,
    params: PlanParams,
    days: int = 1,
    *,
    plan: Plan | None = None,
    work_limit: float | None = None,
) -> WhatIf | None:
    """What ``days`` more of service level (``max_wait_days``) would seat and save (module
    docstring); ``None`` when the params set no service level (nothing to relax)."""
    wait = params.max_wait_days
    if wait is None:
        return None
    if days < 1:
        raise ValueError("days must be at least 1")
    params = _deterministic(params, work_limit)
    provinces: set[str] | None = None
    base_inst = inst
    if plan is not None:
        provinces = {p for p, _a, _b in _left_out_windows(inst, plan, params, Cause.DATES)}
        base_inst = _sub_instance(inst, plan, provinces, params)
    longer = params.replace(max_wait_days=wait + days)
    return _compare(
        "longer_service", base_inst, base_inst, params, provinces,
        variant_params=longer, days=days,
    )


def span_of(inst: Instance, plan: Plan, params: PlanParams, vehicle: str, day: dt.date) -> int:
    """The longest hire (days) of ``vehicle`` leaving on ``day`` in ``plan`` (at least 1): how
    long an extra vehicle leaving that day would be out."""
    spans = [
        len(vehicle_days(t, inst, params))
        for t in plan.trips
        if t.vehicle == vehicle and t.depart.date() == day
    ]
    return max(spans, default=1)


def top_what_ifs(
    inst: Instance,
    plan: Plan,
    params: PlanParams,
    *,
    cells: int = 3,
    k: int = 1,
    max_seconds: float | None = None,
    work_limit: float | None = None,
) -> tuple[list[WhatIf], int]:
    """The what-ifs of the ``cells`` most binding (type, day) cells (most people the fleet
    left out who could have gone that day) and of one more day of service level; stops
    starting new ones after ``max_seconds``. Returns them and how many were skipped."""
    begun = time.perf_counter()
    b = binding_of(inst, plan, params)
    asks: list[tuple[str, Any]] = [("cell", p) for p in b.pressure if p.people > 0][:cells]
    dates = any(c.cause is Cause.DATES for c in b.causes)
    if dates and params.max_wait_days is not None:
        asks.append(("service", None))
    out: list[WhatIf] = []
    skipped = 0
    for what, p in asks:
        if max_seconds is not None and time.perf_counter() - begun > max_seconds:
            skipped += 1
            continue
        if what == "cell":
            span = span_of(inst, plan, params, p.vehicle, p.day)
            out.append(
                what_if_more_coaches(
                    inst, params, p.vehicle, p.day, k, plan=plan, span_days=span,
                    work_limit=work_limit,
                )
            )
        else:
            w = what_if_longer_service(inst, params, 1, plan=plan, work_limit=work_limit)
            if w is not None:
                out.append(w)
    return out, skipped

