"""Writing and reading plans, and writing tables and whole scenarios (CSV or xlsx).

Rules implemented here:

- ``write_plan`` writes trips.csv, assignments.csv, self_return.csv, unserved.csv, legs.csv and
  summary.json with the FORMATS.md columns first, then extra columns: trips.csv adds
  ``depart_time``, ``arrive_time`` (ISO ``YYYY-MM-DDTHH:MM``), ``drivers``, ``capacity``,
  ``origin_adcode``, ``parent_trip_id``, ``stop_refs`` (``;``-separated: county adcode, station
  name or employer USCC), ``stop_kinds`` (pickup/station/dropoff), ``stop_lats``, ``stop_lons``,
  ``stop_times``, ``fixed`` and the crew (``leader_name``, ``leader_phone``, ``driver_name``,
  ``driver_phone``; blank unless the dispatcher named them); unserved.csv adds ``count`` (places
  left empty for a vacancy); self_return.csv and unserved.csv add ``reason_code`` and
  ``reason_params`` (the reason as a message: its code and its parameters as JSON; ``reason`` is
  that message rendered in the plan's language, Chinese by default); given the scenario it
  also writes the print-ready papers (``PAPER_FILES``, ``planner.io.papers``);
- money columns are yuan with two decimals (summary.json too: ``total_cost``, ``lower_bound``,
  ``subsidy_forecast`` in yuan); ``km`` has at most three decimals;
- CSVs are UTF-8 with BOM so Excel on Chinese Windows opens them correctly;
- writing is atomic: everything goes to a temporary folder beside the target first, then is
  moved in; a failure leaves the target untouched (other files already in it are kept);
- ``read_plan`` is the inverse (trips.csv and assignments.csv required, the rest optional) and
  reports problems like the scenario reader (a reason with ``reason_code`` comes back as that
  message; an older file's reason as free text, ``reason.text``); stops without ``stop_refs``
  are resolved by name (an employer, a fleet station, the destination, else a county address);
- ``write_scenario`` writes a scenario's tables as CSV or xlsx with English or Chinese headers,
  so a scenario round-trips CSV ↔ xlsx ↔ Chinese headers.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from planner.domain.model import (
    Assignment,
    Employer,
    Leg,
    Place,
    Plan,
    PlanSummary,
    Scenario,
    SelfReturn,
    Stop,
    StopKind,
    Trip,
    Unserved,
    VehicleKind,
    VehicleType,
)
from planner.domain.stats import RunStats
from planner.io.safe_cells import protect_cell, write_safe_csv
from planner.io.schemas import (
    ASSIGNMENTS,
    LEGS,
    SELF_RETURN,
    TRIPS,
    UNSERVED,
    Kind,
    Schema,
)
from planner.io.tables import Table, check_duplicates, format_fen, read_table
from planner.messages import Message, msg
from planner.problems import InputError, Problem, Severity, problem

PLAN_FILES = (
    "trips.csv",
    "assignments.csv",
    "self_return.csv",
    "unserved.csv",
    "legs.csv",
    "summary.json",
)
SUMMARY_MONEY = {
    "total_cost": "total_cost_fen",
    "lower_bound": "lower_bound_fen",
    "subsidy_forecast": "subsidy_forecast_fen",
}
SUMMARY_PLAIN = ("workers_planned", "trips", "gap", "solve_seconds")
CREW_COLUMNS = ("leader_name", "leader_phone", "driver_name", "driver_phone")
PAPER_FILES = ("dispatch.xlsx", "manifests.xlsx", "self_return_calls.xlsx")


# --- formatting ---------------------------------------------------------------------------------


def _num(x: float, decimals: int) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return ""
    text = f"{round(float(x), decimals):.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _time(t: dt.datetime | None) -> str:
    return t.isoformat(timespec="minutes") if t is not None else ""


def trips_frame(trips: Iterable[Trip]) -> pd.DataFrame:
    """trips.csv as a DataFrame of text (columns of ``planner.io.schemas.TRIPS``)."""
    rows = []
    for t in trips:
        rows.append(
            {
                "trip_id": t.trip_id,
                "kind": str(t.kind),
                "vehicle": t.vehicle,
                "depart_date": t.depart_date.isoformat(),
                "arrive_date": t.arrive_date.isoformat(),
                "stops": ";".join(s.name for s in t.stops),
                "seats": str(t.seats),
                "load": str(t.load),
                "km": _num(t.distance_km, 3),
                "cost": format_fen(t.cost_fen),
                "depart_time": _time(t.depart),
                "arrive_time": _time(t.arrive),
                "drivers": str(t.drivers),
                "capacity": str(t.capacity),
                "origin_adcode": t.origin_adcode,
                "parent_trip_id": t.parent_trip_id or "",
                "stop_refs": ";".join(s.ref for s in t.stops),
                "stop_kinds": ";".join(str(s.kind) for s in t.stops),
                "stop_lats": ";".join(_num(s.lat, 6) for s in t.stops),
                "stop_lons": ";".join(_num(s.lon, 6) for s in t.stops),
                "stop_times": ";".join(_time(s.time) for s in t.stops),
                "fixed": "true" if t.fixed else "false",
                **{k: getattr(t, k) or "" for k in CREW_COLUMNS},
            }
        )
    return pd.DataFrame(rows, columns=list(TRIPS.names), dtype=object)


def _params_json(why: Message) -> str:
    """A reason's parameters as JSON (nested messages as ``{"code", "params"}``)."""
    return json.dumps(why.to_json()["params"], ensure_ascii=False, sort_keys=True)


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


def plan_frames(plan: Plan, lang: str = "zh") -> dict[str, pd.DataFrame]:
    """The CSV files of a plan as DataFrames of text, by file name; reasons in ``lang``."""
    return {
        "trips.csv": trips_frame(plan.trips),
        "assignments.csv": pd.DataFrame(
            [[a.id_number, a.trip_id, a.pickup_stop, a.employer_uscc] for a in plan.assignments],
            columns=list(ASSIGNMENTS.names),
            dtype=object,
        ),
        "self_return.csv": pd.DataFrame(
            [
                [
                    s.id_number,
                    s.employer_uscc or "",
                    s.why.render(lang),
                    format_fen(s.expected_subsidy_fen),
                    s.why.code,
                    _params_json(s.why),
                ]
                for s in plan.self_returns
            ],
            columns=list(SELF_RETURN.names),
            dtype=object,
        ),
        "unserved.csv": pd.DataFrame(
            [
                [
                    u.id_number or "",
                    u.employer_uscc or "",
                    u.why.render(lang),
                    str(u.count),
                    u.why.code,
                    _params_json(u.why),
                ]
                for u in plan.unserved
            ],
            columns=list(UNSERVED.names),
            dtype=object,
        ),
        "legs.csv": pd.DataFrame(
            [[g.id_number, g.trip_id, str(g.leg)] for g in plan.legs],
            columns=list(LEGS.names),
            dtype=object,
        ),
    }


def summary_dict(summary: PlanSummary) -> dict[str, Any]:
    """summary.json content: money in yuan (numbers with two decimals); ``extra`` merged in."""
    out: dict[str, Any] = {
        "workers_planned": summary.workers_planned,
        "trips": summary.trips,
        "total_cost": float(format_fen(summary.total_cost_fen)),
        "lower_bound": float(format_fen(summary.lower_bound_fen)),
        "gap": summary.gap,
        "subsidy_forecast": float(format_fen(summary.subsidy_forecast_fen)),
        "solve_seconds": summary.solve_seconds,
    }
    for k, v in summary.extra.items():
        out.setdefault(k, v)
    return out


# --- writing ------------------------------------------------------------------------------------


def write_table(
    df: pd.DataFrame, path: Path | str, headers: Schema | None = None, chinese: bool = False
) -> Path:
    """Write one table: CSV (UTF-8 with BOM) or xlsx, chosen by the file suffix.

    Parameters
    ----------
    df : DataFrame
        The table; every cell is written as text (IDs stay text in Excel).
    path : Path or str
        ``.csv`` or ``.xlsx``.
    headers : Schema, optional
        With ``chinese=True``, English column names are replaced by the schema's first alias.
    chinese : bool
        Write Chinese headers.

    Returns
    -------
    Path
        The path written.
    """
    path = Path(path)
    df = _with_headers(df, headers, chinese)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        to_xlsx({(headers.name if headers else path.stem): df}, path)
    else:
        write_safe_csv(df, path, encoding="utf-8-sig", lineterminator="\r\n")
    return path


def _with_headers(df: pd.DataFrame, schema: Schema | None, chinese: bool) -> pd.DataFrame:
    if not chinese or schema is None:
        return df
    zh = {c.name: c.zh for c in schema.columns}
    return df.rename(columns=lambda c: zh.get(c, c))


def to_xlsx(frames: Mapping[str, pd.DataFrame], path: Path | str) -> Path:
    """Write DataFrames as sheets of one xlsx; text cells are marked as Text (``@``) so Excel
    keeps ID numbers as typed.

    Parameters
    ----------
    frames : mapping of sheet name to DataFrame
    path : Path or str

    Returns
    -------
    Path
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    path = Path(path)
    wb = Workbook(write_only=True)
    used: set[str] = set()
    for sheet_name, df in frames.items():
        title = _sheet_title(str(sheet_name), used)
        ws = wb.create_sheet(title=title)
        ws.append([protect_cell(WriteOnlyCell(ws, value=str(c))) for c in df.columns])
        for values in df.itertuples(index=False, name=None):
            row = []
            for v in values:
                if _missing(v):
                    row.append(WriteOnlyCell(ws, value=None))
                    continue
                if isinstance(v, pd.Timestamp):
                    v = v.to_pydatetime()
                cell = protect_cell(WriteOnlyCell(ws, value=v))
                if isinstance(v, str):
                    cell.number_format = "@"
                row.append(cell)
            ws.append(row)
    wb.save(path)
    return path


def _missing(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, str | bytes):
        return False
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _sheet_title(name: str, used: set[str]) -> str:
    """Excel's sheet-name rules: at most 31 characters, none of ``[]:*?/\\``, unique."""
    base = "".join("_" if c in "[]:*?/\\" else c for c in name).strip("'")[:31] or "Sheet"
    title, n = base, 1
    while title.lower() in used:
        n += 1
        title = f"{base[: 31 - len(str(n)) - 1]}_{n}"
    used.add(title.lower())
    return title


def _atomic_write(out_dir: Path, files: Mapping[str, Any]) -> Path:
    """Write ``files`` (name → DataFrame, dict for JSON, a function writing the given path, or
    str) into ``out_dir`` atomically."""
    out_dir = Path(out_dir)
    parent = out_dir.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".tmp", dir=parent))
    try:
        for name, content in files.items():
            target = tmp / name
            if isinstance(content, pd.DataFrame):
                write_table(content, target)
            elif isinstance(content, dict):
                target.write_text(
                    json.dumps(content, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
                )
            elif callable(content):
                content(target)
            else:
                target.write_text(str(content), encoding="utf-8")
        if not out_dir.exists():
            os.replace(tmp, out_dir)
            return out_dir
        for name in files:
            os.replace(tmp / name, out_dir / name)
        tmp.rmdir()
        return out_dir
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def write_plan(
    plan: Plan, out_dir: Path | str, scenario: Scenario | None = None, lang: str = "zh"
) -> Path:
    """Write a plan's files (FORMATS.md, "What ``plan`` writes") atomically.

    Parameters
    ----------
    plan : Plan
    out_dir : Path or str
        Created if missing; files of the same names are replaced, other files kept.
    scenario : Scenario, optional
        The scenario planned: with it the print-ready papers are written too (``PAPER_FILES``:
        the dispatch sheet, the manifests and the self-return call list; ``planner.io.papers``).
    lang : str
        Language of the reasons in self_return.csv and unserved.csv (``"zh"``, the default, or
        ``"en"``); their ``reason_code`` and ``reason_params`` columns keep the message itself.

    Returns
    -------
    Path
        The output folder.
    """
    files: dict[str, Any] = dict(plan_frames(plan, lang))
    files["summary.json"] = summary_dict(plan.summary)
    if scenario is not None:
        from planner.io import papers

        files["dispatch.xlsx"] = lambda p: papers.write_dispatch_sheet(plan, p)
        files["manifests.xlsx"] = lambda p: papers.write_manifests(plan, scenario, p)
        files["self_return_calls.xlsx"] = lambda p: papers.write_self_return_calls(
            plan, scenario, p
        )
    return _atomic_write(Path(out_dir), files)


# --- reading ------------------------------------------------------------------------------------


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
            from planner.io.validate import default_gazetteer

            self.gazetteer = default_gazetteer()
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


@dataclass(slots=True)
class ScenarioTables:
    """A scenario as plain tables: scenario.toml's settings, each table as a DataFrame of text
    with English column names (keyed like scenario.toml: workers, employers, fleet, load_caps,
    fixed, fixed_assignments, fixed_legs) and the policy file's text."""

    config: dict[str, Any]
    frames: dict[str, pd.DataFrame]
    policy_text: str | None = None


def _cell_out(kind: Kind, value: Any, text: str) -> str:
    if value is None:
        return text
    if kind is Kind.MONEY:
        return format_fen(value)
    if kind is Kind.BOOL:
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return _num(value, 6)
    return str(value)


def table_frame(table: Table) -> pd.DataFrame:
    """A parsed table as a DataFrame of normalised text (English column names, dates ISO,
    money yuan, booleans true/false); cells that did not parse are kept as written."""
    cols = [c for c in table.schema.columns if c.name in table.headers]
    rows = [
        [_cell_out(c.kind, r.values.get(c.name), r.text.get(c.name, "")) for c in cols]
        for r in table.rows
    ]
    return pd.DataFrame(rows, columns=[c.name for c in cols], dtype=object)


def read_scenario_tables(folder: Path | str) -> ScenarioTables:
    """Read a scenario folder as plain tables (cell-level checks only).

    Raises
    ------
    InputError
        When scenario.toml or a table cannot be read.
    """
    from planner.io.validate import read_scenario_files

    sf = read_scenario_files(folder)
    problems = sf.all_problems()
    if not sf.config or any(p.severity is Severity.ERROR for p in problems):
        raise InputError(problems)
    policy_text = None
    if "policy" in sf.files:
        policy_text = (sf.folder / sf.files["policy"]).read_text(encoding="utf-8-sig")
    frames = {key: table_frame(t) for key, t in sf.tables.items()}
    return ScenarioTables(dict(sf.config), frames, policy_text)


def write_scenario(
    tables: ScenarioTables, folder: Path | str, fmt: str = "csv", headers: str = "en"
) -> Path:
    """Write a scenario folder: scenario.toml, policy and every table.

    Parameters
    ----------
    tables : ScenarioTables
    folder : Path or str
    fmt : {"csv", "xlsx"}
        Table format; scenario.toml names the new files.
    headers : {"en", "zh"}
        English column names or their Chinese aliases.

    Returns
    -------
    Path
    """
    import tomli_w

    from planner.io.validate import TABLE_KEYS

    if fmt not in ("csv", "xlsx") or headers not in ("en", "zh"):
        raise ValueError("fmt must be csv or xlsx, headers en or zh")
    config = dict(tables.config)
    files: dict[str, Any] = {}
    for key, df in tables.frames.items():
        stem = Path(str(config.get(key, f"{key}.csv"))).stem
        name = f"{stem}.{fmt}"
        config[key] = name
        schema = TABLE_KEYS[key]
        files[name] = _with_headers(df, schema, headers == "zh")
    if tables.policy_text is not None:
        policy = Path(str(config.get("policy", "policy.toml"))).name
        config["policy"] = policy
        files[policy] = tables.policy_text
    files["scenario.toml"] = tomli_w.dumps(config)
    return _atomic_write(Path(folder), files)
