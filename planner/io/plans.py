"""Writing plans, and writing tables and whole scenarios (CSV or xlsx).

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
- ``read_plan`` (``planner.io.plan_read``) is the inverse;
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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from planner.domain.model import (
    Plan,
    PlanSummary,
    Scenario,
    Trip,
)
from planner.io.plan_read import CREW_COLUMNS
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
from planner.io.tables import Table, format_fen
from planner.messages import Message
from planner.problems import InputError, Severity

PLAN_FILES = (
    "trips.csv",
    "assignments.csv",
    "self_return.csv",
    "unserved.csv",
    "legs.csv",
    "summary.json",
)
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
    """Excel's sheet-name rules: at most 31 characters (UTF-16 units, as Excel counts them), none
    of ``[]:*?/\\``, no apostrophe first or last, unique (case ignored)."""
    clean = "".join("_" if c in "[]:*?/\\" else c for c in name).strip("'")
    base = _utf16_cut(clean, 31).rstrip("'") or "Sheet"
    title, n = base, 1
    while title.lower() in used:
        n += 1
        title = f"{_utf16_cut(base, 31 - len(str(n)) - 1)}_{n}"
    used.add(title.lower())
    return title


def _utf16_cut(text: str, units: int) -> str:
    """The longest start of ``text`` of at most ``units`` UTF-16 code units."""
    size = 0
    for i, c in enumerate(text):
        size += 2 if ord(c) > 0xFFFF else 1
        if size > units:
            return text[:i]
    return text


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
