"""Solver-independent checks of a plan against its scenario: the specification in code.

Each ``check_*`` returns every violation it finds as a sentence; each ``assert_*`` raises
``AssertionError`` listing them; ``validate_plan`` runs them all. Rules checked:

- every registered person is in exactly one of assignments, self_return and unserved;
  ``travel = own`` is never seated;
- no trip carries more people than it says, nor more than floor(seats × load cap in force on
  its departure day for its origins) (strictest load-cap row over its pickup counties; none:
  the fleet's ``max_load``);
- a coach whose loaded run is longer than ``two_driver_km`` has two drivers;
- a coach's stop times can be kept by a lawful timetable (no driving 02:00–05:00 unless
  ``night_relay``; ≤ 4 h continuous by day, ≤ 2 h at night, breaks ≥ 20 min; ≤ 8 h per driver
  in any 24 h); the earliest lawful timetable is recomputed from the stops and checked on its own;
- coach trips are direct: every pickup (and boarding station) comes before every drop-off, and
  the pickups lie in one prefecture;
- nobody leaves before their ``available_from`` or before ``plan_from`` (trains: not before
  ``plan_from + lead_days``); nobody arrives after their employer's ``needed_by`` or after
  ``plan_to``;
- with a service level ``max_wait_days`` = W (in the params handed to ``validate_plan``), each
  carried person's first leg leaves no later than ``max(available_from, plan_from) + W``
  (``check_wait_limit``; people on fixed trips are not checked);
- returning employees go to their own employer; new recruits per employer do not exceed
  ``new_hires_wanted``; every carried person is delivered: their last trip has a drop-off at
  their employer; a journey of several legs lists its main trip among consecutive legs 1, 2, …;
- a journey's legs connect: each leg reaches a stop of the next (a collector the station
  where its riders board the train, the train its arrival station) no later than the next
  leaves it (``check_connections``; times as the stops give them; fixed people not checked);
- on no day are more vehicles of a kind out than ``available``;
- fixed trips and their people are kept exactly;
- every trip's cost follows from its km, hire days and drivers; the summary's total is the trips
  plus the self-return subsidies; ``lower_bound ≤ total_cost``.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

from planner.domain import Plan, Scenario, StopKind, Travel, Trip, VehicleKind, VehicleType
from planner.rules.costs import coach_cost_fen, train_cost_fen
from planner.rules.drivers import drivers_needed, two_driver_threshold_km
from planner.rules.load_cap import cap_in_force
from planner.rules.params import PlanParams
from planner.rules.timetable import (
    Schedule,
    check_driving,
    day_of,
    drive_minutes,
    from_min,
    hire_days,
    lawful_timetable,
    to_min,
)

__all__ = [
    "assert_capacity",
    "assert_connections",
    "assert_costs",
    "assert_delivery",
    "assert_direct",
    "assert_drivers",
    "assert_employers",
    "assert_fixed",
    "assert_partition",
    "assert_vehicles_available",
    "assert_wait_limit",
    "assert_windows",
    "validate_plan",
]


def _raise(problems: list[str]) -> None:
    if problems:
        more = f"\n… and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise AssertionError("\n".join(problems[:20]) + more)


def _fleet(sc: Scenario) -> dict[str, VehicleType]:
    return {v.name: v for v in sc.fleet}


def _legs_km(trip: Trip, road_factor: float) -> list[float]:
    """Road km of each leg (stop to stop, then back to the first stop)."""
    from planner.geo import DistanceModel

    pts = [(s.lat, s.lon) for s in trip.stops]
    if len(pts) < 2:
        return [0.0]
    m = DistanceModel(road_factor=road_factor).matrix_km(pts)
    legs = [float(m[i, i + 1]) for i in range(len(pts) - 1)]
    legs.append(float(m[len(pts) - 1, 0]))
    return legs


class _Timetables:
    """Recomputed earliest lawful timetables of coach trips (cached)."""

    def __init__(self, params: PlanParams) -> None:
        self.params = params
        self.rules = params.regulation
        self.cache: dict[str, tuple[list[float], Schedule]] = {}

    def get(self, trip: Trip) -> tuple[list[float], Schedule]:
        if trip.trip_id not in self.cache:
            legs = _legs_km(trip, self.params.road_factor)
            sch = lawful_timetable(
                to_min(trip.depart),
                [drive_minutes(k, self.params.speed_kmh) for k in legs],
                drivers=trip.drivers,
                rules=self.rules,
                dwell_min=self.params.stop_dwell_min,
            )
            self.cache[trip.trip_id] = (legs, sch)
        return self.cache[trip.trip_id]


def check_partition(sc: Scenario, plan: Plan) -> list[str]:
    """Everyone exactly once; ``own`` never seated; nobody unknown."""
    out: list[str] = []
    workers = {w.id_number: w for w in sc.workers}
    seen: Counter[str] = Counter()
    for a in plan.assignments:
        seen[a.id_number] += 1
    for s in plan.self_returns:
        seen[s.id_number] += 1
    for u in plan.unserved:
        if u.id_number is not None:
            seen[u.id_number] += 1
        if not u.reason.strip():
            out.append(f"unserved row for {u.id_number or u.employer_uscc} has no reason")
    for s in plan.self_returns:
        if not s.reason.strip():
            out.append(f"self-return of {s.id_number} has no reason")
        if s.expected_subsidy_fen < 0:
            out.append(f"self-return of {s.id_number} has a negative subsidy")
    for pid, n in seen.items():
        if pid not in workers:
            out.append(f"{pid} is in the plan but not in workers.csv")
        elif n > 1:
            out.append(f"{pid} appears {n} times across assignments, self_return and unserved")
    for pid in workers:
        if pid not in seen:
            out.append(f"{pid} is in none of assignments, self_return and unserved")
    for a in plan.assignments:
        w = workers.get(a.id_number)
        if w is not None and w.travel is Travel.OWN:
            out.append(f"{a.id_number} registered travel=own but is seated on {a.trip_id}")
    return out


def _riders(plan: Plan) -> dict[str, set[str]]:
    on: dict[str, set[str]] = defaultdict(set)
    for a in plan.assignments:
        on[a.trip_id].add(a.id_number)
    for g in plan.legs:
        on[g.trip_id].add(g.id_number)
    return on


def _origins(trip: Trip) -> list[str]:
    picks = [s.ref for s in trip.stops if s.kind is StopKind.PICKUP]
    return picks or [trip.origin_adcode]


def check_capacity(sc: Scenario, plan: Plan) -> list[str]:
    """Load within capacity; capacity within floor(seats × cap in force) by date and origin."""
    out: list[str] = []
    fleet = _fleet(sc)
    on = _riders(plan)
    for t in plan.trips:
        n = len(on.get(t.trip_id, ()))
        if n != t.load:
            out.append(f"trip {t.trip_id} says load {t.load} but carries {n} people")
        v = fleet.get(t.vehicle)
        if v is None:
            out.append(f"trip {t.trip_id}: vehicle {t.vehicle!r} is not in the fleet")
            continue
        limit = cap_in_force(v.seats, v.max_load, sc.load_caps, t.depart_date, _origins(t))
        if t.capacity > limit:
            out.append(
                f"trip {t.trip_id}: capacity {t.capacity} above the {limit} allowed on "
                f"{t.depart_date} from {'/'.join(_origins(t)) or 'the district'}"
            )
        if max(n, t.load) > min(limit, t.capacity):
            out.append(
                f"trip {t.trip_id} carries {max(n, t.load)} people, more than "
                f"{min(limit, t.capacity)} (seats {v.seats} × load cap in force)"
            )
        if t.seats != v.seats:
            out.append(f"trip {t.trip_id}: {t.seats} seats but a {v.name} has {v.seats}")
    return out


def check_drivers(
    sc: Scenario, plan: Plan, params: PlanParams, tt: _Timetables | None = None
) -> list[str]:
    """Two drivers above the two-driver threshold (400 km, 600 on a direct expressway); stop
    times kept by a lawful timetable."""
    out: list[str] = []
    tt = tt or _Timetables(params)
    for t in plan.trips:
        if t.kind is not VehicleKind.COACH or t.fixed:
            continue
        legs, sch = tt.get(t)
        loaded = sum(legs[:-1])
        if drivers_needed(loaded, tt.rules) > t.drivers:
            limit = two_driver_threshold_km(tt.rules)
            out.append(
                f"coach {t.trip_id} runs {loaded:.0f} km loaded with {t.drivers} driver(s); "
                f"above {limit:.0f} km it needs two"
            )
        for msg in check_driving(sch.intervals, tt.rules):
            out.append(f"coach {t.trip_id}: {msg}")
        tol = 2 + len(legs)
        for i, s in enumerate(t.stops[1:], start=1):
            earliest = sch.arrive[i - 1]
            if s.time is not None and to_min(s.time) < earliest - tol:
                out.append(
                    f"coach {t.trip_id} reaches {s.name} at {s.time:%Y-%m-%d %H:%M}, but a "
                    f"lawful timetable gets there at {from_min(earliest):%Y-%m-%d %H:%M} "
                    "at the earliest"
                )
        last = t.stops[-1].time
        if last is not None and t.arrive < last - dt.timedelta(minutes=1):
            out.append(f"coach {t.trip_id} arrives {t.arrive} before its last stop {last}")
    return out


def check_direct(sc: Scenario, plan: Plan) -> list[str]:
    """Pickups before drop-offs; pickups in one prefecture."""
    out: list[str] = []
    for t in plan.trips:
        if t.kind is not VehicleKind.COACH:
            continue
        kinds = [s.kind for s in t.stops]
        if StopKind.DROPOFF in kinds:
            first_drop = kinds.index(StopKind.DROPOFF)
            if any(k is not StopKind.DROPOFF for k in kinds[first_drop:]):
                out.append(f"coach {t.trip_id} boards people after a drop-off: not a direct run")
        picks = {s.ref[:4] for s in t.stops if s.kind is StopKind.PICKUP}
        if len(picks) > 1:
            out.append(f"coach {t.trip_id} picks up in several prefectures: {sorted(picks)}")
    return out


def _journeys(plan: Plan) -> dict[str, list[str]]:
    main = {a.id_number: a.trip_id for a in plan.assignments}
    legs: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for g in plan.legs:
        legs[g.id_number].append((g.leg, g.trip_id))
    out: dict[str, list[str]] = {}
    for pid, tid in main.items():
        seq = [x for _, x in sorted(legs.get(pid, []))]
        out[pid] = seq or [tid]
    return out


def check_windows(sc: Scenario, plan: Plan) -> list[str]:
    """available_from, plan_from, lead_days, needed_by, plan_to."""
    out: list[str] = []
    trips = {t.trip_id: t for t in plan.trips}
    fleet = _fleet(sc)
    workers = {w.id_number: w for w in sc.workers}
    employers = {e.uscc: e for e in sc.employers}
    for t in plan.trips:
        if t.fixed:
            continue
        if t.depart_date < sc.plan_from:
            out.append(f"trip {t.trip_id} leaves {t.depart_date}, before plan_from {sc.plan_from}")
        if t.arrive_date > sc.plan_to:
            out.append(f"trip {t.trip_id} arrives {t.arrive_date}, after plan_to {sc.plan_to}")
        v = fleet.get(t.vehicle)
        if t.kind is VehicleKind.TRAIN and v is not None:
            first = sc.plan_from + dt.timedelta(days=v.lead_days)
            if t.depart_date < first:
                out.append(
                    f"train {t.trip_id} leaves {t.depart_date}; with {v.lead_days} days' "
                    f"notice it can leave on {first} at the earliest"
                )
    fixed_people = {a.id_number for a in sc.fixed_assignments}
    for pid, seq in _journeys(plan).items():
        if pid in fixed_people or pid not in workers:
            continue
        w = workers[pid]
        missing = next((x for x in seq if x not in trips), None)
        if missing is not None:
            out.append(f"{pid}: trip {missing} does not exist")
            continue
        first_trip = trips[seq[0]]
        if first_trip.depart_date < w.available_from:
            out.append(
                f"{pid} leaves on {first_trip.depart_date} ({first_trip.trip_id}) but is "
                f"available from {w.available_from}"
            )
    emp_of = {a.id_number: a.employer_uscc for a in plan.assignments}
    for pid, seq in _journeys(plan).items():
        if pid in fixed_people or pid not in workers or any(x not in trips for x in seq):
            continue
        last = trips[seq[-1]]
        e = employers.get(emp_of[pid])
        if e is None:
            continue
        when = last.arrive
        for s in last.stops:
            if s.kind is StopKind.DROPOFF and s.ref == e.uscc and s.time is not None:
                when = s.time
                break
        if when.date() > e.needed_by:
            out.append(
                f"{pid} reaches {e.name} on {when.date()}, after its needed_by {e.needed_by}"
            )
        if when.date() > sc.plan_to:
            out.append(f"{pid} arrives on {when.date()}, after plan_to {sc.plan_to}")
    return out


def check_wait_limit(sc: Scenario, plan: Plan, max_wait_days: int | None) -> list[str]:
    """Nobody carried waits more than ``max_wait_days`` (first leg leaves by
    ``max(available_from, plan_from) + max_wait_days``; ``None``: no limit)."""
    if max_wait_days is None:
        return []
    out: list[str] = []
    trips = {t.trip_id: t for t in plan.trips}
    workers = {w.id_number: w for w in sc.workers}
    fixed_people = {a.id_number for a in sc.fixed_assignments}
    for pid, seq in _journeys(plan).items():
        if pid in fixed_people or pid not in workers or seq[0] not in trips:
            continue
        w = workers[pid]
        first = trips[seq[0]]
        if first.fixed:
            continue
        latest = max(w.available_from, sc.plan_from) + dt.timedelta(days=max_wait_days)
        if first.depart_date > latest:
            out.append(
                f"{pid} leaves on {first.depart_date} ({first.trip_id}), more than "
                f"{max_wait_days} days after being available on "
                f"{max(w.available_from, sc.plan_from)} (latest {latest})"
            )
    return out


def check_connections(sc: Scenario, plan: Plan) -> list[str]:
    """Each leg of a journey reaches a stop of the next leg no later than that leg leaves it:
    collectors are at their boarding station before the train calls there."""
    out: list[str] = []
    trips = {t.trip_id: t for t in plan.trips}
    fixed_people = {a.id_number for a in sc.fixed_assignments}
    for pid, seq in _journeys(plan).items():
        if pid in fixed_people or any(x not in trips for x in seq):
            continue
        for a, b in itertools.pairwise(seq):
            ta, tb = trips[a], trips[b]
            later = {s.ref: s.time for s in tb.stops}
            meet = [(s.time, later[s.ref]) for s in ta.stops if s.ref in later]
            if not meet:
                out.append(f"{pid}: leg {a} and the next leg {b} have no stop in common")
                continue
            there, leaves = meet[-1]
            if there is not None and leaves is not None and there > leaves:
                out.append(
                    f"{pid}: {a} reaches the change at {there:%m-%d %H:%M} but {b} leaves "
                    f"there at {leaves:%m-%d %H:%M}"
                )
    return out


def check_employers(sc: Scenario, plan: Plan) -> list[str]:
    """Returning employees to their own employer; recruits within new_hires_wanted."""
    out: list[str] = []
    workers = {w.id_number: w for w in sc.workers}
    employers = {e.uscc: e for e in sc.employers}
    recruits: Counter[str] = Counter()
    rows = [(a.id_number, a.employer_uscc) for a in plan.assignments] + [
        (s.id_number, s.employer_uscc) for s in plan.self_returns
    ]
    for pid, uscc in rows:
        w = workers.get(pid)
        if w is None:
            continue
        if w.employer_uscc is not None and uscc != w.employer_uscc:
            out.append(f"{pid} is a returning employee of {w.employer_uscc} but goes to {uscc}")
        if uscc is not None and uscc not in employers:
            out.append(f"{pid} goes to {uscc}, which is not in employers.csv")
        if w.employer_uscc is None and uscc is not None:
            recruits[uscc] += 1
    for uscc, n in recruits.items():
        e = employers.get(uscc)
        if e is not None and n > e.new_hires_wanted:
            out.append(f"{e.name} gets {n} new recruits but wanted {e.new_hires_wanted}")
    return out


def check_delivery(sc: Scenario, plan: Plan) -> list[str]:
    """Every carried person reaches a drop-off at their employer; legs are consistent."""
    out: list[str] = []
    trips = {t.trip_id: t for t in plan.trips}
    legs: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for g in plan.legs:
        legs[g.id_number].append((g.leg, g.trip_id))
    workers = {w.id_number: w for w in sc.workers}
    for a in plan.assignments:
        if a.trip_id not in trips:
            out.append(f"{a.id_number}: trip {a.trip_id} does not exist")
            continue
        mine = sorted(legs.get(a.id_number, []))
        if mine:
            nums = [n for n, _ in mine]
            if nums != list(range(1, len(nums) + 1)):
                out.append(f"{a.id_number}: legs numbered {nums}, not 1, 2, …")
            if a.trip_id not in [t for _, t in mine]:
                out.append(f"{a.id_number}: main trip {a.trip_id} is not among their legs")
            seq = [t for _, t in mine]
        else:
            seq = [a.trip_id]
        if any(t not in trips for t in seq):
            out.append(f"{a.id_number}: a leg names an unknown trip")
            continue
        last = trips[seq[-1]]
        if not any(s.kind is StopKind.DROPOFF and s.ref == a.employer_uscc for s in last.stops):
            out.append(
                f"{a.id_number} is not dropped at employer {a.employer_uscc} by {last.trip_id}"
            )
        first = trips[seq[0]]
        w = workers.get(a.id_number)
        stop_names = {s.name for s in first.stops}
        if a.pickup_stop not in stop_names:
            out.append(f"{a.id_number}: pickup {a.pickup_stop!r} is not a stop of {first.trip_id}")
        if (
            w is not None
            and first.kind is VehicleKind.COACH
            and any(s.kind is StopKind.PICKUP for s in first.stops)
            and not any(s.kind is StopKind.PICKUP and s.ref == w.home_adcode for s in first.stops)
        ):
            out.append(
                f"{a.id_number} lives in {w.home_adcode} but {first.trip_id} does not pick up there"
            )
    return out


def vehicle_days(trip: Trip, params: PlanParams, tt: _Timetables | None = None) -> list[dt.date]:
    """Days a trip's vehicle is out (a coach until back at its first stop)."""
    first, last = trip.depart_date, trip.arrive_date
    if trip.kind is VehicleKind.COACH:
        tt = tt or _Timetables(params)
        _legs, sch = tt.get(trip)
        last = max(last, day_of(sch.end))
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def check_vehicles_available(
    sc: Scenario, plan: Plan, params: PlanParams, tt: _Timetables | None = None
) -> list[str]:
    """No more vehicles of a kind out on a day than ``available``."""
    out: list[str] = []
    fleet = _fleet(sc)
    tt = tt or _Timetables(params)
    count: Counter[tuple[str, dt.date]] = Counter()
    for t in plan.trips:
        v = fleet.get(t.vehicle)
        if v is None or v.available is None:
            continue
        for d in vehicle_days(t, params, tt):
            count[(t.vehicle, d)] += 1
    for (name, d), n in sorted(count.items()):
        if n > (fleet[name].available or 0):
            out.append(f"{n} × {name} out on {d}, but only {fleet[name].available} available")
    return out


def check_fixed(sc: Scenario, plan: Plan) -> list[str]:
    """Fixed trips, their people and legs are kept exactly."""
    out: list[str] = []
    trips = {t.trip_id: t for t in plan.trips}
    for t in sc.fixed_trips:
        got = trips.get(t.trip_id)
        if got is None:
            out.append(f"fixed trip {t.trip_id} is missing from the plan")
            continue
        for f in ("kind", "vehicle", "depart", "arrive", "stops", "seats", "load", "cost_fen"):
            if getattr(got, f) != getattr(t, f):
                out.append(f"fixed trip {t.trip_id} changed its {f}")
    have = set(plan.assignments)
    for a in sc.fixed_assignments:
        if a not in have:
            out.append(f"fixed assignment of {a.id_number} to {a.trip_id} is missing or changed")
    legs = set(plan.legs)
    for g in sc.fixed_legs:
        if g not in legs:
            out.append(f"fixed leg {g.leg} of {g.id_number} on {g.trip_id} is missing")
    return out


def check_costs(
    sc: Scenario, plan: Plan, params: PlanParams, tt: _Timetables | None = None
) -> list[str]:
    """Trip costs follow from km, hire days and drivers; the summary adds up; bound ≤ cost."""
    out: list[str] = []
    fleet = _fleet(sc)
    tt = tt or _Timetables(params)
    for t in plan.trips:
        v = fleet.get(t.vehicle)
        if v is None or t.fixed:
            continue
        if t.kind is VehicleKind.COACH:
            legs, sch = tt.get(t)
            km = sum(legs)
            if abs(km - t.distance_km) > 0.5 + 0.005 * km:
                out.append(
                    f"coach {t.trip_id} says {t.distance_km:.1f} km but its route is {km:.1f} km"
                )
            days = hire_days(to_min(t.depart), sch.end)
            want = coach_cost_fen(v, t.distance_km, days, t.drivers)
        else:
            want = train_cost_fen(v, t.distance_km)
        if abs(want - t.cost_fen) > 100:
            out.append(
                f"trip {t.trip_id} costs {t.cost_fen / 100:.2f} yuan; its km, days and "
                f"drivers give {want / 100:.2f}"
            )
    s = plan.summary
    total = sum(t.cost_fen for t in plan.trips) + sum(
        x.expected_subsidy_fen for x in plan.self_returns
    )
    if s.total_cost_fen != total:
        out.append(
            f"summary total {s.total_cost_fen} fen, but trips + self-return subsidies = {total}"
        )
    if s.lower_bound_fen > s.total_cost_fen:
        out.append(f"lower bound {s.lower_bound_fen} fen is above the cost {s.total_cost_fen}")
    if s.lower_bound_fen < 0:
        out.append("lower bound is negative")
    if s.trips != len(plan.trips):
        out.append(f"summary says {s.trips} trips, the plan has {len(plan.trips)}")
    forecast = sum(x.expected_subsidy_fen for x in plan.self_returns)
    if s.subsidy_forecast_fen != forecast:
        out.append(f"subsidy forecast {s.subsidy_forecast_fen} fen, self-returns add to {forecast}")
    if s.total_cost_fen > 0:
        gap = (s.total_cost_fen - s.lower_bound_fen) / s.total_cost_fen
        if abs(gap - s.gap) > 1e-3:
            out.append(f"gap {s.gap} does not match (cost − bound) / cost = {gap:.4f}")
    return out


def _wrap(fn: Callable[..., list[str]]) -> Callable[..., None]:
    def inner(*args: Any, **kwargs: Any) -> None:
        _raise(fn(*args, **kwargs))

    inner.__doc__ = f"Raise AssertionError unless: {fn.__doc__}"
    return inner


assert_partition = _wrap(check_partition)
assert_capacity = _wrap(check_capacity)
assert_drivers = _wrap(check_drivers)
assert_direct = _wrap(check_direct)
assert_windows = _wrap(check_windows)
assert_wait_limit = _wrap(check_wait_limit)
assert_connections = _wrap(check_connections)
assert_employers = _wrap(check_employers)
assert_delivery = _wrap(check_delivery)
assert_vehicles_available = _wrap(check_vehicles_available)
assert_fixed = _wrap(check_fixed)
assert_costs = _wrap(check_costs)


def validate_plan(scenario: Scenario, plan: Plan, params: PlanParams | None = None) -> list[str]:
    """Every violation of the rules by ``plan`` (empty: the plan is valid).

    Parameters
    ----------
    scenario
        The scenario planned.
    plan
        The plan.
    params
        The planning parameters used (speed, road factor, drivers' rules, service level).

    Returns
    -------
    list of str
        One sentence per violation.
    """
    params = params or PlanParams()
    tt = _Timetables(params)
    out: list[str] = []
    out += check_partition(scenario, plan)
    out += check_capacity(scenario, plan)
    out += check_drivers(scenario, plan, params, tt)
    out += check_direct(scenario, plan)
    out += check_windows(scenario, plan)
    out += check_wait_limit(scenario, plan, params.max_wait_days)
    out += check_connections(scenario, plan)
    out += check_employers(scenario, plan)
    out += check_delivery(scenario, plan)
    out += check_vehicles_available(scenario, plan, params, tt)
    out += check_fixed(scenario, plan)
    out += check_costs(scenario, plan, params, tt)
    return out


def assert_valid(scenario: Scenario, plan: Plan, params: PlanParams | None = None) -> None:
    """Raise AssertionError listing every violation, if any."""
    _raise(validate_plan(scenario, plan, params))


__all__ += ["assert_valid", "vehicle_days"]
