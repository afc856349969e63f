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
from planner.io.tables import Table, check_duplicates, format_fen, read_table
from planner.messages import Message, msg
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
    from planner.io.tables import parse_datetime

    check_duplicates(table, ("trip_id",))
    out: list[Trip] = []
    for r in table.rows:
        v = r.values
        names = _split(v.get("stops"))
        if v.get("stops") is not None and not all(names):
            table.problem(msg("problem.stop_blank"), r.row, "stops")
            continue
        extras: dict[str, list[str]] = {}
        bad = False
        for col in ("stop_refs", "stop_kinds", "stop_lats", "stop_lons", "stop_times"):
            parts = _split(v.get(col))
            if parts and len(parts) != len(names):
                table.problem(msg("problem.stop_entries", n=len(parts), stops=len(names)), r.row,
                              col)
                bad = True
            extras[col] = parts
        if bad or not names:
            continue
        stops: list[Stop] = []
        for i, name in enumerate(names):
            ref = extras["stop_refs"][i] if extras["stop_refs"] else None
            kind = extras["stop_kinds"][i] if extras["stop_kinds"] else None
            if kind is not None and kind not in ("pickup", "station", "dropoff"):
                table.problem(msg("problem.stop_kind", kind=kind), r.row, "stop_kinds")
                bad = True
                continue
            lat = lon = None
            if (
                extras["stop_lats"]
                and extras["stop_lons"]
                and extras["stop_lats"][i]
                and extras["stop_lons"][i]
            ):
                try:
                    lat, lon = float(extras["stop_lats"][i]), float(extras["stop_lons"][i])
                except ValueError:
                    table.problem(msg("problem.stop_coordinates", name=name), r.row, "stop_lats")
                    bad = True
                    continue
            if lat is not None and lon is not None and kind is not None and ref is not None:
                skind, sref = StopKind(kind), ref
            else:
                found = resolver.stop(name, ref, kind)
                if isinstance(found, Message) and resolver.strict:
                    table.problem(found, r.row, "stops")
                    bad = True
                    continue
                if isinstance(found, Message):
                    table.problem(msg("problem.kept_as_written", why=found), r.row, "stops",
                                  Severity.WARNING)
                    guess = "dropoff" if i == len(names) - 1 else "pickup"
                    found = (StopKind(kind or guess), ref or name, math.nan, math.nan)
                skind, sref, flat, flon = found
                lat = flat if lat is None else lat
                lon = flon if lon is None else lon
            when = None
            if extras["stop_times"] and extras["stop_times"][i]:
                parsed, wrong, _ = parse_datetime(extras["stop_times"][i])
                if wrong:
                    table.problem(msg("problem.stop_time", name=name, why=wrong), r.row,
                                  "stop_times")
                    bad = True
                    continue
                when = parsed
            stops.append(Stop(skind, name, sref, float(lat), float(lon), when))
        required = (
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
        if bad or any(v.get(k) is None for k in required):
            continue
        depart = v.get("depart_time") or dt.datetime.combine(v["depart_date"], dt.time())
        arrive = v.get("arrive_time") or dt.datetime.combine(v["arrive_date"], dt.time(23, 59))
        if depart.date() != v["depart_date"]:
            table.problem(msg("problem.depart_time_date", time=str(depart),
                              date=str(v["depart_date"])), r.row, "depart_time")
            continue
        if arrive.date() != v["arrive_date"]:
            table.problem(msg("problem.arrive_time_date", time=str(arrive),
                              date=str(v["arrive_date"])), r.row, "arrive_time")
            continue
        if arrive < depart:
            table.problem(msg("problem.arrives_before_departs", arrive=str(arrive),
                              depart=str(depart)), r.row, "arrive_date")
            continue
        seats = v["seats"]
        capacity = v.get("capacity")
        if capacity is None:
            vt = resolver.fleet.get(v["vehicle"])
            capacity = math.floor(seats * vt.max_load + 1e-9) if vt else seats
        if capacity > seats:
            table.problem(msg("problem.capacity_above_seats", capacity=capacity, seats=seats),
                          r.row, "capacity")
            continue
        if v["load"] > seats:
            table.problem(msg("problem.load_above_seats", load=v["load"], seats=seats), r.row,
                          "load")
            continue
        origin = v.get("origin_adcode") or next(
            (s.ref for s in stops if s.kind is StopKind.PICKUP and s.ref.isdigit()), ""
        )
        out.append(
            Trip(
                trip_id=v["trip_id"],
                kind=VehicleKind(v["kind"]),
                vehicle=v["vehicle"],
                depart=depart,
                arrive=arrive,
                stops=tuple(stops),
                seats=seats,
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
        )
    return out


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
            table.problem(msg("problem.not_in_workers", id=v["id_number"]), r.row, "id_number")
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
            table.problem(msg("problem.not_carried", id=v["id_number"]), r.row, "id_number")
            ok = False
        if ok and all(v.get(k) is not None for k in LEGS.names):
            out.append(Leg(v["id_number"], v["trip_id"], v["leg"]))
    return out


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
    problems: list[Problem] = []
    if not folder.is_dir():
        raise InputError(
            [problem(str(plan_dir), "problem.plan_folder_not_found" if not folder.exists()
                     else "problem.not_a_plan_folder")]
        )
    resolver = resolver or PlaceResolver(strict=False, auto_gazetteer=True)

    def find(stem: str) -> Path | None:
        for suffix in (".csv", ".xlsx"):
            p = folder / f"{stem}{suffix}"
            if p.is_file():
                return p
        return None

    tables: dict[str, Table] = {}
    for schema, required in (
        (TRIPS, True),
        (ASSIGNMENTS, True),
        (SELF_RETURN, False),
        (UNSERVED, False),
        (LEGS, False),
    ):
        p = find(schema.name)
        if p is None:
            if required:
                problems.append(problem(f"{schema.name}.csv", "problem.file_not_found"))
            continue
        tables[schema.name] = read_table(p, schema)
    trips: list[Trip] = []
    assignments: list[Assignment] = []
    self_returns: list[SelfReturn] = []
    unserved: list[Unserved] = []
    legs: list[Leg] = []
    t = tables.get("trips")
    trip_ids: set[Any] = set()
    if t is not None and t.ok:
        trips = trips_from_table(t, resolver)
        trip_ids = {r.values.get("trip_id") for r in t.rows} - {None}
        for tr in trips:
            if tr.parent_trip_id and tr.parent_trip_id not in trip_ids:
                row = next(r.row for r in t.rows if r.values.get("trip_id") == tr.trip_id)
                t.problem(msg("problem.parent_trip_unknown", trip=tr.parent_trip_id), row,
                          "parent_trip_id")
    ta = tables.get("assignments")
    if ta is not None and ta.ok:
        assignments = assignments_from_table(ta, trip_ids)
    tl = tables.get("legs")
    if tl is not None and tl.ok:
        legs = legs_from_table(tl, trip_ids)
    ts = tables.get("self_return")
    if ts is not None and ts.ok:
        check_duplicates(ts, ("id_number",))
        for r in ts.rows:
            v = r.values
            if v.get("id_number") and v.get("reason") and v.get("expected_subsidy") is not None:
                self_returns.append(
                    SelfReturn(
                        v["id_number"], v.get("employer_uscc"), _why(v), v["expected_subsidy"]
                    )
                )
    tu = tables.get("unserved")
    if tu is not None and tu.ok:
        check_duplicates(tu, ("id_number",))
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
                unserved.append(
                    Unserved(
                        _why(v), v.get("id_number"), v.get("employer_uscc"), v.get("count") or 1
                    )
                )
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
                t.problem(msg("problem.person_twice", id=pid, file=first[0], first=first[1]),
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
