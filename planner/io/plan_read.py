"""Reading plans: trips.csv, assignments.csv, self_return.csv, unserved.csv, legs.csv and
summary.json back into a ``Plan`` (``read_plan``), and the trip, assignment and leg rows a
scenario's fixed trips share with them (``trips_from_table`` …, used by ``validate``).

Rules implemented here:

- trips.csv and assignments.csv are required, the rest optional; problems are reported like the
  scenario reader's (file, row, column), all of them before anything is returned;
- a reason with ``reason_code`` comes back as that message; an older file's reason as free
  text (``reason.text``);
- stops without ``stop_refs`` are resolved by name (an employer, a fleet station, the
  destination, else a county address) by a ``PlaceResolver``;
- summary.json's money is yuan; its keys after the totals are the run statistics
  (``planner.domain.stats.RunStats``).

Imports nothing from ``planner.io.plans`` or ``planner.io.validate``: both import it.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planner.domain.model import (
    Assignment,
    Employer,
    Leg,
    Place,
    Plan,
    PlanSummary,
    SelfReturn,
    Stop,
    StopKind,
    Trip,
    Unserved,
    VehicleKind,
    VehicleType,
)
from planner.domain.stats import RunStats
from planner.io.schemas import (
    ASSIGNMENTS,
    LEGS,
    SELF_RETURN,
    TRIPS,
    UNSERVED,
)
from planner.io.tables import Row, Table, check_duplicates, format_fen, read_table
from planner.messages import Message, msg
from planner.messages.people import person as named
from planner.problems import InputError, Problem, Severity, problem

CREW_COLUMNS = ("leader_name", "leader_phone", "driver_name", "driver_phone")
SUMMARY_MONEY = {
    "total_cost": "total_cost_fen",
    "lower_bound": "lower_bound_fen",
    "subsidy_forecast": "subsidy_forecast_fen",
}
SUMMARY_PLAIN = ("workers_planned", "trips", "gap", "solve_seconds")


def _why(v: Mapping[str, Any]) -> Message:
    """The reason of a self_return.csv / unserved.csv row: its code and parameters when the row
    has them (files written since reasons are codes), else its text as free text."""
    code = v.get("reason_code")
    if code:
        try:
            params = json.loads(v.get("reason_params") or "{}")
            if isinstance(params, dict):
                return Message.from_json({"code": code, "params": params})
        except ValueError:
            pass
    return msg("reason.text", text=str(v["reason"]))


@dataclass(slots=True)
class PlaceResolver:
    """Turns stop names and refs into places: employers by USCC or name, fleet stations, the
    destination and counties (via the gazetteer). Every part is optional.

    ``strict``: a stop that cannot be placed is an error; otherwise a warning, and the stop is
    kept as written (kind guessed: the last stop a drop-off, the others pick-ups; coordinates
    NaN). ``auto_gazetteer``: load the shipped gazetteer the first time one is needed.
    """

    gazetteer: Any = None
    employers: Mapping[str, Employer] = field(default_factory=dict)
    fleet: Mapping[str, VehicleType] = field(default_factory=dict)
    destination: Place | None = None
    strict: bool = True
    auto_gazetteer: bool = False
    _stations: dict[str, tuple[float, float]] = field(default_factory=dict)
    _employer_names: dict[str, Employer] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for vt in self.fleet.values():
            if vt.origin_station and vt.origin_lat is not None and vt.origin_lon is not None:
                self._stations.setdefault(vt.origin_station, (vt.origin_lat, vt.origin_lon))
            for name, lat, lon in vt.extra_stations:
                self._stations.setdefault(name, (lat, lon))
            if vt.dest_station and vt.dest_lat is not None and vt.dest_lon is not None:
                self._stations.setdefault(vt.dest_station, (vt.dest_lat, vt.dest_lon))
        for e in self.employers.values():
            self._employer_names.setdefault(e.name, e)

    def stop(
        self, name: str, ref: str | None, kind: str | None
    ) -> tuple[StopKind, str, float, float] | Message:
        """(kind, ref, lat, lon), or a message saying why the stop is unknown."""
        key = ref or name
        e = self.employers.get(key) or self._employer_names.get(name)
        if e is not None and kind in (None, "dropoff"):
            return StopKind.DROPOFF, e.uscc, e.lat, e.lon
        if key in self._stations and kind in (None, "station"):
            lat, lon = self._stations[key]
            return StopKind.STATION, key, lat, lon
        if name in self._stations and kind in (None, "station"):
            lat, lon = self._stations[name]
            return StopKind.STATION, name, lat, lon
        d = self.destination
        if d is not None and name == d.name and kind in (None, "dropoff", "station"):
            return StopKind(kind or "dropoff"), ref or "", d.lat, d.lon
        if self.gazetteer is None and self.auto_gazetteer:
            from planner.geo import load_gazetteer

            self.gazetteer = load_gazetteer()
        if self.gazetteer is not None:
            div = None
            if key.isdigit() and len(key) == 6:
                current = self.gazetteer.current_code(key)
                div = self.gazetteer.get(current) if current else None
            if div is None and kind in (None, "pickup"):
                div = self.gazetteer.resolve_address(name)
            if div is not None:
                return StopKind(kind or "pickup"), div.adcode, div.lat, div.lon
        if kind is not None and ref is not None:  # nothing to look it up in: keep as written
            return StopKind(kind), ref, math.nan, math.nan
        return msg("problem.stop_unknown", name=name)


def _split(text: str | None) -> list[str]:
    if text is None or text == "":
        return []
    return [p.strip() for p in text.replace("；", ";").split(";")]


STOP_COLUMNS = ("stop_refs", "stop_kinds", "stop_lats", "stop_lons", "stop_times")
TRIP_REQUIRED = (
    "trip_id",
    "kind",
    "vehicle",
    "depart_date",
    "arrive_date",
    "seats",
    "load",
    "km",
    "cost",
)


def trips_from_table(table: Table, resolver: PlaceResolver, fixed: bool = False) -> list[Trip]:
    """Build trips from a parsed trips.csv, adding problems to ``table``.

    Parameters
    ----------
    table : Table
        trips.csv (or a scenario's fixed_trips.csv) read with ``planner.io.schemas.TRIPS``.
    resolver : PlaceResolver
        For stops without coordinates.
    fixed : bool
        Mark every trip as fixed (already dispatched).

    Returns
    -------
    list of Trip
        The rows that could be built.
    """
    check_duplicates(table, ("trip_id",))
    out: list[Trip] = []
    for r in table.rows:
        stops = _stops_of_row(table, r, resolver)
        if stops is None or any(r.values.get(k) is None for k in TRIP_REQUIRED):
            continue
        trip = _trip_of_row(table, r, stops, resolver, fixed)
        if trip is not None:
            out.append(trip)
    return out


def _stop_lists(table: Table, r: Row) -> tuple[list[str], dict[str, list[str]]] | None:
    """A row's stop names and its per-stop columns (refs, kinds, coordinates, times), each as
    long as the names or empty; None (problems added) when a name is blank, a column has the
    wrong number of entries, or there are no stops."""
    v = r.values
    names = _split(v.get("stops"))
    if v.get("stops") is not None and not all(names):
        table.problem(msg("problem.stop_blank"), r.row, "stops")
        return None
    extras: dict[str, list[str]] = {}
    bad = False
    for col in STOP_COLUMNS:
        parts = _split(v.get(col))
        if parts and len(parts) != len(names):
            table.problem(msg("problem.stop_entries", n=len(parts), stops=len(names)), r.row,
                          col)
            bad = True
        extras[col] = parts
    if bad or not names:
        return None
    return names, extras


def _stops_of_row(table: Table, r: Row, resolver: PlaceResolver) -> list[Stop] | None:
    """A row's stops; None when any stop has a problem (every stop is checked, so each problem
    is reported)."""
    lists = _stop_lists(table, r)
    if lists is None:
        return None
    names, extras = lists
    stops: list[Stop] = []
    bad = False
    for i in range(len(names)):
        stop = _one_stop(table, r, resolver, i, names, extras)
        if stop is None:
            bad = True
        else:
            stops.append(stop)
    return None if bad else stops


def _one_stop(
    table: Table,
    r: Row,
    resolver: PlaceResolver,
    i: int,
    names: list[str],
    extras: dict[str, list[str]],
) -> Stop | None:
    """Stop ``i`` of a row: its kind, ref and coordinates as written or resolved, and its time;
    None (problem added) when its kind, coordinates, place or time is wrong."""
    from planner.io.tables import parse_datetime

    name = names[i]
    ref = extras["stop_refs"][i] if extras["stop_refs"] else None
    kind = extras["stop_kinds"][i] if extras["stop_kinds"] else None
    if kind is not None and kind not in ("pickup", "station", "dropoff"):
        table.problem(msg("problem.stop_kind", kind=kind), r.row, "stop_kinds")
        return None
    lat = lon = None
    lats, lons = extras["stop_lats"], extras["stop_lons"]
    if lats and lons and lats[i] and lons[i]:
        try:
            lat, lon = float(lats[i]), float(lons[i])
        except ValueError:
            table.problem(msg("problem.stop_coordinates", name=name), r.row, "stop_lats")
            return None
    if lat is not None and lon is not None and kind is not None and ref is not None:
        skind, sref = StopKind(kind), ref
    else:
        found = _resolve_stop(table, r, resolver, name, ref, kind, last=i == len(names) - 1)
        if found is None:
            return None
        skind, sref, flat, flon = found
        lat = flat if lat is None else lat
        lon = flon if lon is None else lon
    when = None
    if extras["stop_times"] and extras["stop_times"][i]:
        parsed, wrong, _ = parse_datetime(extras["stop_times"][i])
        if wrong:
            table.problem(msg("problem.stop_time", name=name, why=wrong), r.row,
                          "stop_times")
            return None
        when = parsed
    return Stop(skind, name, sref, float(lat), float(lon), when)


def _resolve_stop(
    table: Table,
    r: Row,
    resolver: PlaceResolver,
    name: str,
    ref: str | None,
    kind: str | None,
    *,
    last: bool,
) -> tuple[StopKind, str, float, float] | None:
    """A stop written without full coordinates, placed by ``resolver``; one it cannot place is
    an error (None) when strict, else kept as written with a warning (the last stop guessed a
    drop-off, the others pick-ups)."""
    found = resolver.stop(name, ref, kind)
    if isinstance(found, Message) and resolver.strict:
        table.problem(found, r.row, "stops")
        return None
    if isinstance(found, Message):
        table.problem(msg("problem.kept_as_written", why=found), r.row, "stops",
                      Severity.WARNING)
        guess = "dropoff" if last else "pickup"
        return StopKind(kind or guess), ref or name, math.nan, math.nan
    return found


def _trip_times(table: Table, r: Row) -> tuple[dt.datetime, dt.datetime] | None:
    """(depart, arrive): the times written, else the start of the depart date and the end of
    the arrive date; None (problem added) when a time is not on its date or arrives before it
    departs."""
    v = r.values
    depart = v.get("depart_time") or dt.datetime.combine(v["depart_date"], dt.time())
    arrive = v.get("arrive_time") or dt.datetime.combine(v["arrive_date"], dt.time(23, 59))
    if depart.date() != v["depart_date"]:
        table.problem(msg("problem.depart_time_date", time=str(depart),
                          date=str(v["depart_date"])), r.row, "depart_time")
        return None
    if arrive.date() != v["arrive_date"]:
        table.problem(msg("problem.arrive_time_date", time=str(arrive),
                          date=str(v["arrive_date"])), r.row, "arrive_time")
        return None
    if arrive < depart:
        table.problem(msg("problem.arrives_before_departs", arrive=str(arrive),
                          depart=str(depart)), r.row, "arrive_date")
        return None
    return depart, arrive


def _trip_capacity(table: Table, r: Row, resolver: PlaceResolver) -> int | None:
    """The capacity written, else the seats times the vehicle type's load cap; None (problem
    added) when the capacity or the load is above the seats."""
    v = r.values
    seats = v["seats"]
    capacity = v.get("capacity")
    if capacity is None:
        vt = resolver.fleet.get(v["vehicle"])
        capacity = math.floor(seats * vt.max_load + 1e-9) if vt else seats
    if capacity > seats:
        table.problem(msg("problem.capacity_above_seats", capacity=capacity, seats=seats),
                      r.row, "capacity")
        return None
    if v["load"] > seats:
        table.problem(msg("problem.load_above_seats", load=v["load"], seats=seats), r.row,
                      "load")
        return None
    return capacity


def _trip_of_row(
    table: Table, r: Row, stops: list[Stop], resolver: PlaceResolver, fixed: bool
) -> Trip | None:
    """The trip of a row whose stops are good; None (problem added) when its times or
    capacity are wrong."""
    v = r.values
    times = _trip_times(table, r)
    if times is None:
        return None
    capacity = _trip_capacity(table, r, resolver)
    if capacity is None:
        return None
    depart, arrive = times
    origin = v.get("origin_adcode") or next(
        (s.ref for s in stops if s.kind is StopKind.PICKUP and s.ref.isdigit()), ""
    )
    return Trip(
        trip_id=v["trip_id"],
        kind=VehicleKind(v["kind"]),
        vehicle=v["vehicle"],
        depart=depart,
        arrive=arrive,
        stops=tuple(stops),
        seats=v["seats"],
        capacity=capacity,
        load=v["load"],
        distance_km=float(v["km"]),
        cost_fen=v["cost"],
        drivers=v.get("drivers") or 1,
        origin_adcode=origin,
        parent_trip_id=v.get("parent_trip_id") or None,
        fixed=fixed or bool(v.get("fixed")),
        **{k: v.get(k) or None for k in CREW_COLUMNS},
    )


def assignments_from_table(
    table: Table,
    trip_ids: set[Any],
    people: set[str] | None = None,
    employers: set[str] | None = None,
) -> list[Assignment]:
    """Build assignments, checking that each person appears once and that trips, people and
    employers exist (``people``/``employers`` ``None``: not checked)."""
    check_duplicates(table, ("id_number",))
    out: list[Assignment] = []
    for r in table.rows:
        v = r.values
        ok = True
        if v.get("trip_id") is not None and v["trip_id"] not in trip_ids:
            table.problem(msg("problem.trip_not_in_trips", trip=v["trip_id"]), r.row, "trip_id")
            ok = False
        if people is not None and v.get("id_number") and v["id_number"] not in people:
            table.problem(msg("problem.not_in_workers", id=named(v["id_number"])), r.row,
                          "id_number")
            ok = False
        if employers is not None and v.get("employer_uscc") and v["employer_uscc"] not in employers:
            table.problem(msg("problem.employer_unknown", employer=v["employer_uscc"]), r.row,
                          "employer_uscc")
            ok = False
        if ok and all(v.get(k) is not None for k in ASSIGNMENTS.names):
            out.append(
                Assignment(v["id_number"], v["trip_id"], v["pickup_stop"], v["employer_uscc"])
            )
    return out


def legs_from_table(table: Table, trip_ids: set[Any], people: set[str] | None = None) -> list[Leg]:
    """Build legs, checking (person, leg) is unique and trips and people exist."""
    check_duplicates(table, ("id_number", "leg"))
    out: list[Leg] = []
    for r in table.rows:
        v = r.values
        ok = True
        if v.get("trip_id") is not None and v["trip_id"] not in trip_ids:
            table.problem(msg("problem.trip_not_in_trips", trip=v["trip_id"]), r.row, "trip_id")
            ok = False
        if people is not None and v.get("id_number") and v["id_number"] not in people:
            table.problem(msg("problem.not_carried", id=named(v["id_number"])), r.row, "id_number")
            ok = False
        if ok and all(v.get(k) is not None for k in LEGS.names):
            out.append(Leg(v["id_number"], v["trip_id"], v["leg"]))
    return out


PLAN_TABLES = (
    (TRIPS, True),
    (ASSIGNMENTS, True),
    (SELF_RETURN, False),
    (UNSERVED, False),
    (LEGS, False),
)


def read_plan(plan_dir: Path | str, resolver: PlaceResolver | None = None) -> Plan:
    """Read a plan folder written by ``write_plan`` (or by hand in its columns).

    Parameters
    ----------
    plan_dir : Path or str
        Holds trips.csv and assignments.csv (required), self_return.csv, unserved.csv,
        legs.csv and summary.json (optional). ``.xlsx`` files of the same stems are read too.
    resolver : PlaceResolver, optional
        Resolves stops written without ``stop_refs``/coordinates (a scenario's employers,
        fleet, destination and gazetteer). Default: counties only, via the shipped gazetteer,
        and a stop it cannot place is a warning (kept as written, coordinates NaN).

    Returns
    -------
    Plan

    Raises
    ------
    InputError
        Every problem found, when any is an error.
    """
    folder = Path(plan_dir)
    if not folder.is_dir():
        raise InputError(
            [problem(str(plan_dir), "problem.plan_folder_not_found" if not folder.exists()
                     else "problem.not_a_plan_folder")]
        )
    resolver = resolver or PlaceResolver(strict=False, auto_gazetteer=True)
    problems: list[Problem] = []
    tables = _read_plan_tables(folder, problems)
    trips, trip_ids = _plan_trips(tables.get("trips"), resolver)
    assignments: list[Assignment] = []
    legs: list[Leg] = []
    ta = tables.get("assignments")
    if ta is not None and ta.ok:
        assignments = assignments_from_table(ta, trip_ids)
    tl = tables.get("legs")
    if tl is not None and tl.ok:
        legs = legs_from_table(tl, trip_ids)
    self_returns = _self_returns_from_table(tables.get("self_return"))
    unserved = _unserved_from_table(tables.get("unserved"))
    _one_place_each(tables, problems)
    for table in tables.values():
        problems.extend(table.problems)
    summary, more = _read_summary(folder / "summary.json", trips, assignments, self_returns)
    problems.extend(more)
    if any(p.severity is Severity.ERROR for p in problems):
        raise InputError(problems)
    return Plan(
        tuple(trips), tuple(assignments), tuple(self_returns), tuple(unserved), tuple(legs), summary
    )


def _read_plan_tables(folder: Path, problems: list[Problem]) -> dict[str, Table]:
    """The plan's tables found in ``folder`` (``.csv`` before ``.xlsx``), by name; a missing
    required one is added to ``problems``."""
    tables: dict[str, Table] = {}
    for schema, required in PLAN_TABLES:
        found = None
        for suffix in (".csv", ".xlsx"):
            path = folder / f"{schema.name}{suffix}"
            if path.is_file():
                found = path
                break
        if found is None:
            if required:
                problems.append(problem(f"{schema.name}.csv", "problem.file_not_found"))
            continue
        tables[schema.name] = read_table(found, schema)
    return tables


def _plan_trips(t: Table | None, resolver: PlaceResolver) -> tuple[list[Trip], set[Any]]:
    """The trips of trips.csv and every trip id it names; a parent trip it does not name is a
    problem of the child's row."""
    if t is None or not t.ok:
        return [], set()
    trips = trips_from_table(t, resolver)
    trip_ids = {r.values.get("trip_id") for r in t.rows} - {None}
    for tr in trips:
        if tr.parent_trip_id and tr.parent_trip_id not in trip_ids:
            row = next(r.row for r in t.rows if r.values.get("trip_id") == tr.trip_id)
            t.problem(msg("problem.parent_trip_unknown", trip=tr.parent_trip_id), row,
                      "parent_trip_id")
    return trips, trip_ids


def _self_returns_from_table(ts: Table | None) -> list[SelfReturn]:
    """self_return.csv's complete rows (a person once)."""
    if ts is None or not ts.ok:
        return []
    check_duplicates(ts, ("id_number",))
    out: list[SelfReturn] = []
    for r in ts.rows:
        v = r.values
        if v.get("id_number") and v.get("reason") and v.get("expected_subsidy") is not None:
            out.append(
                SelfReturn(v["id_number"], v.get("employer_uscc"), _why(v), v["expected_subsidy"])
            )
    return out


def _unserved_from_table(tu: Table | None) -> list[Unserved]:
    """unserved.csv's rows with a reason (a person once); a row naming neither a person nor an
    employer is a problem."""
    if tu is None or not tu.ok:
        return []
    check_duplicates(tu, ("id_number",))
    out: list[Unserved] = []
    for r in tu.rows:
        v = r.values
        if (
            not v.get("id_number")
            and not v.get("employer_uscc")
            and not r.text.get("id_number")
            and not r.text.get("employer_uscc")
        ):
            tu.problem(msg("problem.give_id_or_employer"), r.row, "id_number")
            continue
        if v.get("reason"):
            out.append(
                Unserved(_why(v), v.get("id_number"), v.get("employer_uscc"), v.get("count") or 1)
            )
    return out


def _one_place_each(tables: Mapping[str, Table], problems: list[Problem]) -> None:
    """Every person in exactly one of assignments, self_return or unserved."""
    seen: dict[str, tuple[str, int]] = {}
    for name in ("assignments", "self_return", "unserved"):
        t = tables.get(name)
        if t is None:
            continue
        for r in t.rows:
            pid = r.values.get("id_number")
            if not pid:
                continue
            first = seen.get(pid)
            if first is not None and first[0] != t.file:
                t.problem(msg("problem.person_twice", id=named(pid), file=first[0],
                                  first=first[1]),
                          r.row, "id_number")
            else:
                seen.setdefault(pid, (t.file, r.row))


def _read_summary(
    path: Path,
    trips: Sequence[Trip],
    assignments: Sequence[Assignment],
    self_returns: Sequence[SelfReturn],
) -> tuple[PlanSummary, list[Problem]]:
    total = sum(t.cost_fen for t in trips)
    default = PlanSummary(
        len(assignments),
        len(trips),
        total,
        total,
        0.0,
        sum(s.expected_subsidy_fen for s in self_returns),
        0.0,
    )
    if not path.is_file():
        return default, []
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return default, [problem(path.name, "problem.not_json", why=str(exc))]
    if not isinstance(data, dict):
        return default, [problem(path.name, "problem.json_not_object")]
    from decimal import Decimal, InvalidOperation

    problems: list[Problem] = []
    fen: dict[str, int] = {}
    for key, attr in SUMMARY_MONEY.items():
        try:
            value = Decimal(str(data.get(key, format_fen(getattr(default, attr)))))
            fen[attr] = int((value * 100).to_integral_value())
        except InvalidOperation:
            problems.append(problem(path.name, "problem.not_amount", None, key,
                                    raw=repr(data[key])))
            fen[attr] = getattr(default, attr)
    try:
        summary = PlanSummary(
            workers_planned=int(data.get("workers_planned", default.workers_planned)),
            trips=int(data.get("trips", default.trips)),
            gap=float(data.get("gap", 0.0)),
            solve_seconds=float(data.get("solve_seconds", 0.0)),
            stats=RunStats.from_dict(
                {k: v for k, v in data.items() if k not in SUMMARY_MONEY and k not in SUMMARY_PLAIN}
            ),
            **fen,
        )
    except (TypeError, ValueError) as exc:
        return default, [*problems, problem(path.name, "problem.wrong_type", why=str(exc))]
    return summary, problems


# --- scenarios as tables ------------------------------------------------------------------------
