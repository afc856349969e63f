"""Reading and checking a whole scenario folder; every problem is reported at once.

Rules implemented here (cell-level rules are in ``planner.io.tables``):

- the folder must exist, be a folder and be readable; it must hold ``scenario.toml`` (a path to
  the ``scenario.toml`` itself is accepted too);
- scenario.toml: valid TOML; ``destination`` (a table with ``name``, ``lat``, ``lon``),
  ``plan_from``, ``plan_to`` (TOML dates or ``YYYY-MM-DD`` strings; ``plan_to`` not before
  ``plan_from``), ``workers``, ``employers``, ``fleet`` and ``policy`` are required; ``name``
  defaults to the folder name; ``load_caps`` and ``fixed`` are optional; the people on fixed
  trips are in ``fixed_assignments`` (default ``fixed_assignments.csv``, required with
  ``fixed``) and their legs in ``fixed_legs`` (default ``fixed_legs.csv``, optional); every file
  named must exist (a table saved in the other format, ``workers.xlsx`` for ``workers.csv``, is
  read instead, with a warning); unknown keys are a warning;
- workers: one row per ``id_number`` (a repeat is an error on the later row naming the first);
  ``home_adcode`` must be a county the gazetteer knows (an old code that maps to a current one
  is accepted and the current one used), else ``home_address`` must resolve to exactly one
  county (an ambiguous address names its candidates); one of the two is required;
  ``employer_uscc`` must be in employers.csv; ``available_from`` must not be after ``plan_to``
  (default ``plan_from``); ``travel`` defaults to ``seat``;
- employers: one row per ``uscc``; ``needed_by`` not before ``plan_from`` (default ``plan_to``);
  ``lat`` and ``lon`` together or neither (default: the destination);
- fleet: ``kind`` coach or train; a coach needs ``cost_per_km``; a train needs
  ``origin_station``, ``origin_lat`` and ``origin_lon``; names unique;
- load_caps: ``to_date`` not before ``from_date``; ``origin`` a province/prefecture/county code
  prefix the gazetteer knows;
- fixed trips: trip ids unique; people on them must be workers, each once; trips they reference
  must exist; employers must be in employers.csv;
- policy.toml problems come from ``planner.subsidies.load_policy``;
- money in files is yuan, in the domain fen.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from planner.domain.model import (
    Assignment,
    Employer,
    Leg,
    LoadCap,
    Place,
    Scenario,
    Travel,
    Trip,
    VehicleKind,
    VehicleType,
    Worker,
)
from planner.io.plan_read import (
    PlaceResolver,
    assignments_from_table,
    legs_from_table,
    trips_from_table,
)
from planner.io.schemas import (
    ASSIGNMENTS,
    EMPLOYERS,
    FLEET,
    LEGS,
    LOAD_CAPS,
    TRIPS,
    WORKERS,
    Schema,
)
from planner.io.stations import parse_extra_stations
from planner.io.tables import Table, check_duplicates, read_table, to_date
from planner.messages import Message, msg
from planner.problems import InputError, Problem, Severity, problem

TOML = "scenario.toml"
REQUIRED_KEYS = ("destination", "plan_from", "plan_to", "workers", "employers", "fleet", "policy")
OPTIONAL_KEYS = ("name", "load_caps", "fixed", "fixed_assignments", "fixed_legs")
TABLE_KEYS: dict[str, Schema] = {
    "workers": WORKERS,
    "employers": EMPLOYERS,
    "fleet": FLEET,
    "load_caps": LOAD_CAPS,
    "fixed": TRIPS,
    "fixed_assignments": ASSIGNMENTS,
    "fixed_legs": LEGS,
}


class DivisionLike(Protocol):
    adcode: str
    name: str
    province: str
    lat: float
    lon: float


class GazetteerLike(Protocol):
    """What the checks need from ``planner.geo.Gazetteer``."""

    def get(self, adcode: str) -> Any: ...

    def current_code(self, adcode: str) -> str | None: ...

    def resolve_address(self, text: str) -> Any: ...


def default_gazetteer() -> GazetteerLike:
    """The shipped gazetteer (``planner.geo.load_gazetteer``)."""
    from planner.geo import load_gazetteer

    return load_gazetteer()


@dataclass(slots=True)
class ScenarioFiles:
    """scenario.toml read and its tables parsed (before cross-table checks)."""

    folder: Path
    config: dict[str, Any] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)  # key -> file name as written
    tables: dict[str, Table] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    name: str = ""
    destination: Place | None = None
    plan_from: dt.date | None = None
    plan_to: dt.date | None = None
    toml_text: str = ""

    def all_problems(self) -> list[Problem]:
        """scenario.toml's problems, then each table's (cross-table checks add to tables)."""
        return [*self.problems, *(p for t in self.tables.values() for p in t.problems)]


# --- scenario.toml ------------------------------------------------------------------------------


def _key_line(text: str, key: str) -> int | None:
    m = re.search(rf"^\s*{re.escape(key)}\s*=", text, re.MULTILINE)
    return text.count("\n", 0, m.start()) + 1 if m else None


def _toml_date(value: Any) -> dt.date | Message:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        return to_date(value)
    return msg("problem.date", raw=repr(value))


def read_scenario_files(folder: Path | str) -> ScenarioFiles:
    """Read scenario.toml and parse every table it names (cell-level checks only).

    Parameters
    ----------
    folder : Path or str
        The scenario folder (or its scenario.toml).

    Returns
    -------
    ScenarioFiles
        What could be read, and every problem found so far.
    """
    path = Path(folder)
    if path.is_file() and path.suffix.lower() == ".toml":
        toml_path, path = path, path.parent
    else:
        toml_path = path / TOML
    sf = ScenarioFiles(path)
    if not _read_toml(sf, str(folder), toml_path):
        return sf
    config, tname, text = sf.config, toml_path.name, sf.toml_text

    def bad(key: str, what: Message, severity: Severity = Severity.ERROR) -> None:
        sf.problems.append(Problem(tname, what, _key_line(text, key), key, severity))

    _check_settings(sf, tname, bad)
    for key in (*TABLE_KEYS, "policy"):
        if key not in config:
            continue
        value = config[key]
        if not isinstance(value, str) or not value.strip():
            bad(key, msg("problem.file_name_in_quotes"))
            continue
        sf.files[key] = value.strip()
    if "fixed" in sf.files:
        sf.files.setdefault("fixed_assignments", "fixed_assignments.csv")
        if "fixed_legs" not in sf.files and (path / "fixed_legs.csv").exists():
            sf.files["fixed_legs"] = "fixed_legs.csv"
    _read_tables(sf, bad)
    return sf


def _read_toml(sf: ScenarioFiles, given: str, toml_path: Path) -> bool:
    """Read and parse scenario.toml into ``sf.config``; ``False`` (with a problem) if it can't."""
    path, probs = sf.folder, sf.problems
    try:
        if not path.exists():
            probs.append(problem(given, "problem.scenario_not_found"))
            return False
        if not path.is_dir():
            probs.append(problem(given, "problem.not_a_folder"))
            return False
        if not toml_path.is_file():
            probs.append(problem(toml_path.name, "problem.not_found_in", path=str(path)))
            return False
        raw = toml_path.read_bytes()
    except PermissionError:
        probs.append(problem(given, "problem.permission_denied"))
        return False
    except OSError as exc:
        probs.append(problem(given, "problem.cannot_read", why=str(exc.strerror or exc)))
        return False
    tname = toml_path.name
    try:
        sf.toml_text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            sf.toml_text = raw.decode("gb18030")  # saved by Notepad on Chinese Windows
        except UnicodeDecodeError:
            probs.append(problem(tname, "problem.not_utf8"))
            return False
    try:
        sf.config = tomllib.loads(sf.toml_text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        probs.append(problem(tname, "problem.not_toml", int(m.group(1)) if m else None,
                             why=str(exc)))
        return False
    return True


def _check_settings(sf: ScenarioFiles, tname: str, bad: Any) -> None:
    """The settings of scenario.toml: required and unknown keys, the plan window, destination."""
    config, path = sf.config, sf.folder
    for key in REQUIRED_KEYS:
        if key not in config:
            sf.problems.append(problem(tname, "problem.key_missing", None, key, setting=key))
    for key in config:
        if key not in REQUIRED_KEYS and key not in OPTIONAL_KEYS:
            bad(key, msg("problem.unknown_key"), Severity.WARNING)
    name = config.get("name", path.resolve().name)
    sf.name = str(name) if not isinstance(name, dict | list) else path.resolve().name
    for key in ("plan_from", "plan_to"):
        if key in config:
            value = _toml_date(config[key])
            if isinstance(value, Message):
                bad(key, value)
            else:
                setattr(sf, key, value)
    if sf.plan_from and sf.plan_to and sf.plan_to < sf.plan_from:
        bad("plan_to", msg("problem.plan_to_early", plan_to=sf.plan_to.isoformat(),
                           plan_from=sf.plan_from.isoformat()))
    if "destination" in config:
        sf.destination = _destination(config["destination"], bad)


def _read_tables(sf: ScenarioFiles, bad: Any) -> None:
    """Read each table scenario.toml names (the other format when only that one is there)."""
    for key, fname in list(sf.files.items()):
        fpath = sf.folder / fname
        other = _other_format(fpath) if key != "policy" else None
        if not fpath.is_file() and other is not None:
            bad(key, msg("problem.other_format", file=fname, other=other.name), Severity.WARNING)
            fpath, fname = other, other.name
            sf.files[key] = fname
        if not fpath.is_file():
            code = "problem.named_is_folder" if fpath.is_dir() else "problem.named_not_found"
            bad(key, msg(code, file=fname))
            continue
        if key == "policy":
            continue
        sf.tables[key] = read_table(fpath, TABLE_KEYS[key], fname)


def _other_format(path: Path) -> Path | None:
    """The same table saved in the other format (workers.xlsx for workers.csv), if present."""
    for suffix in (".csv", ".xlsx"):
        other = path.with_suffix(suffix)
        if other != path and other.is_file():
            return other
    return None


def _destination(value: Any, bad: Any) -> Place | None:
    if not isinstance(value, dict):
        bad("destination", msg("problem.destination_table"))
        return None
    name = value.get("name")
    missing = [k for k in ("name", "lat", "lon") if k not in value]
    if missing:
        bad("destination", msg("problem.destination_missing", keys=", ".join(missing)))
        return None
    lat, lon = value["lat"], value["lon"]
    ok = True
    for key, v, lim in (("lat", lat, 90), ("lon", lon, 180)):
        if isinstance(v, bool) or not isinstance(v, int | float) or not -lim <= v <= lim:
            bad("destination", msg("problem.destination_coordinate", key=key, value=repr(v),
                                   lim=lim))
            ok = False
    if not ok:
        return None
    return Place(str(name), float(lat), float(lon))


# --- the whole scenario -------------------------------------------------------------------------


def check_scenario(
    folder: Path | str, gazetteer: GazetteerLike | None = None
) -> tuple[Scenario | None, list[Problem]]:
    """Read and check a scenario folder, collecting every problem.

    Parameters
    ----------
    folder : Path or str
        The scenario folder.
    gazetteer : GazetteerLike, optional
        Division lookups (default: ``planner.geo.load_gazetteer()``).

    Returns
    -------
    scenario, problems
        ``scenario`` is ``None`` when any problem is an error; warnings are returned either way.
    """
    scenario, problems, _ = _check_scenario(folder, gazetteer)
    return scenario, problems


def load_scenario_tables(folder: Path | str, gazetteer: GazetteerLike | None = None
                         ) -> tuple[Scenario, dict[str, Table]]:
    """:func:`load_scenario`, with its tables as read (by key: ``workers``, ``employers``, …):
    what the files say, blank cells and missing columns included, where the scenario has the
    defaults filled in (an employer without coordinates at the destination, without
    ``needed_by`` on ``plan_to``; a person without ``available_from`` on ``plan_from``).

    Raises
    ------
    InputError
        With every problem (warnings included) when any is an error.
    """
    scenario, problems, sf = _check_scenario(folder, gazetteer)
    if scenario is None:
        raise InputError(problems)
    return scenario, dict(sf.tables)


def _check_scenario(folder: Path | str, gazetteer: GazetteerLike | None
                    ) -> tuple[Scenario | None, list[Problem], ScenarioFiles]:
    """:func:`check_scenario`, and the files as read."""
    sf = read_scenario_files(folder)
    if not sf.config:
        return None, sf.all_problems(), sf
    gaz = gazetteer if gazetteer is not None else default_gazetteer()
    policy, policy_problems = _load_policy(sf)
    ctx = _Context(sf, gaz)
    employers = ctx.employers()
    workers = ctx.workers()
    fleet = ctx.fleet()
    caps = ctx.load_caps()
    trips, assignments, legs = ctx.fixed()
    problems = sort_problems([*sf.all_problems(), *policy_problems])
    if any(p.severity is Severity.ERROR for p in problems):
        return None, problems, sf
    assert sf.destination and sf.plan_from and sf.plan_to
    scenario = Scenario(
        name=sf.name,
        destination=sf.destination,
        plan_from=sf.plan_from,
        plan_to=sf.plan_to,
        workers=tuple(workers),
        employers=tuple(employers),
        fleet=tuple(fleet),
        policy=policy,
        load_caps=tuple(caps),
        fixed_trips=tuple(trips),
        fixed_assignments=tuple(assignments),
        fixed_legs=tuple(legs),
        folder=str(sf.folder),
    )
    return scenario, problems, sf


def sort_problems(problems: list[Problem]) -> list[Problem]:
    """File by file (in the order first met), whole-file problems first, then by row."""
    order: dict[str, int] = {}
    for p in problems:
        order.setdefault(p.file, len(order))
    return sorted(problems, key=lambda p: (order[p.file], p.row or 0))


def load_scenario(folder: Path | str, gazetteer: GazetteerLike | None = None) -> Scenario:
    """Read and check a scenario folder.

    Parameters
    ----------
    folder : Path or str
        The scenario folder.
    gazetteer : GazetteerLike, optional
        Division lookups (default: the shipped gazetteer).

    Returns
    -------
    Scenario

    Raises
    ------
    InputError
        With every problem (warnings included) when any is an error.
    """
    scenario, problems = check_scenario(folder, gazetteer)
    if scenario is None:
        raise InputError(problems)
    return scenario


def _load_policy(sf: ScenarioFiles) -> tuple[Any, list[Problem]]:
    fname = sf.files.get("policy")
    if fname is None or not (sf.folder / fname).is_file():
        return None, []
    try:
        from planner.subsidies import load_policy  # type: ignore[attr-defined,unused-ignore]
    except ImportError:
        return None, [problem(fname, "problem.policy_not_checked", severity=Severity.WARNING)]
    try:
        return load_policy(sf.folder / fname), []
    except InputError as exc:
        return None, list(exc.problems)


class _Context:
    """Cross-table checks and building the domain records."""

    def __init__(self, sf: ScenarioFiles, gaz: GazetteerLike) -> None:
        self.sf = sf
        self.gaz = gaz
        self.employer_by_uscc: dict[str, Employer] = {}
        self.employer_codes: set[str] = set()  # every code in employers.csv, rows in error too
        self.worker_ids: set[str] = set()
        self.fleet_by_name: dict[str, VehicleType] = {}
        self._addr_cache: dict[str, tuple[str | None, Message | None]] = {}
        # rows are checked against the plan window only when the window itself is sound
        self.dates_ok = bool(sf.plan_from and sf.plan_to and sf.plan_from <= sf.plan_to)

    def table(self, key: str) -> Table | None:
        t = self.sf.tables.get(key)
        return t if t is not None and t.ok else None

    def employers(self) -> list[Employer]:
        t = self.table("employers")
        if t is None:
            return []
        check_duplicates(t, ("uscc",))
        # the same name under two codes is suspicious but possible (a branch): a warning
        check_duplicates(t, ("name",), Severity.WARNING)
        self.employer_codes = {r.values["uscc"] for r in t.rows if r.values.get("uscc")}
        dest = self.sf.destination
        out: list[Employer] = []
        for r in t.rows:
            v = r.values
            lat, lon = v.get("lat"), v.get("lon")
            if (lat is None) != (lon is None) and not (r.text.get("lat") and r.text.get("lon")):
                t.problem(msg("problem.lat_lon_pair"), r.row, "lon" if lon is None else "lat")
            needed_by = v.get("needed_by") or self.sf.plan_to
            if v.get("needed_by") and self.dates_ok and v["needed_by"] < self.sf.plan_from:
                t.problem(msg("problem.needed_by_early", needed_by=str(needed_by),
                              plan_from=str(self.sf.plan_from)), r.row, "needed_by")
            if v.get("uscc") is None or v.get("name") is None or v.get("new_hires_wanted") is None:
                continue
            if lat is None or lon is None:
                lat, lon = (dest.lat, dest.lon) if dest else (0.0, 0.0)
            e = Employer(
                v["uscc"], v["name"], lat, lon, v["new_hires_wanted"], needed_by or dt.date.min,
                bank_name=v.get("bank_name"), bank_account=v.get("bank_account"),
            )
            self.employer_by_uscc.setdefault(e.uscc, e)
            out.append(e)
        return out

    def _resolve_address(self, text: str) -> tuple[str | None, Message | None]:
        """(current adcode, None) or (None, why not)."""
        if text in self._addr_cache:
            return self._addr_cache[text]
        result: tuple[str | None, Message | None]
        detail_fn = getattr(self.gaz, "resolve_address_detail", None)
        division = None
        candidates: list[str] = []
        if detail_fn is not None:
            detail = detail_fn(text)
            division = getattr(detail, "division", None)
            if division is None and hasattr(detail, "adcode"):
                division = detail
            candidates = [_division_label(c) for c in getattr(detail, "candidates", ()) or ()]
        else:
            division = self.gaz.resolve_address(text)
        if division is not None and len(candidates) <= 1:
            result = (division.adcode, None)
        elif len(candidates) > 1:
            result = (None, msg("problem.address_ambiguous", address=text,
                                candidates=", ".join(candidates[:6])))
        else:
            result = (None, msg("problem.address_unresolved", address=text))
        self._addr_cache[text] = result
        return result

    def workers(self) -> list[Worker]:
        t = self.table("workers")
        if t is None:
            return []
        check_duplicates(t, ("id_number",))
        self.worker_ids = {r.values["id_number"] for r in t.rows if r.values.get("id_number")}
        out: list[Worker] = []
        plan_from, plan_to = self.sf.plan_from, self.sf.plan_to
        has_employers = self.table("employers") is not None
        for r in t.rows:
            v = r.values
            code: str | None = None
            if v.get("home_adcode"):
                raw = v["home_adcode"]
                current = self.gaz.current_code(raw)
                if current is None or self.gaz.get(current) is None:
                    t.problem(msg("problem.adcode_unknown", raw=raw), r.row, "home_adcode")
                else:
                    code = current
            elif v.get("home_address"):
                code, why = self._resolve_address(v["home_address"])
                if why:
                    t.problem(why, r.row, "home_address")
            elif not r.text.get("home_adcode"):
                t.problem(
                    msg("problem.home_missing"),
                    r.row,
                    "home_adcode"
                    if "home_adcode" in t.headers
                    else ("home_address" if "home_address" in t.headers else None),
                )
            emp = v.get("employer_uscc")
            if emp and has_employers and emp not in self.employer_codes:
                t.problem(msg("problem.employer_unknown", employer=emp), r.row, "employer_uscc")
            avail = v.get("available_from")
            if avail and self.dates_ok and avail > plan_to:
                t.problem(msg("problem.available_late", date=str(avail), plan_to=str(plan_to)),
                          r.row, "available_from")
            if v.get("id_number") is None or v.get("name") is None or code is None:
                continue
            out.append(
                Worker(
                    id_number=v["id_number"],
                    name=v["name"],
                    home_adcode=code,
                    available_from=avail or plan_from or dt.date.min,
                    phone=v.get("phone"),
                    home_address=v.get("home_address"),
                    employer_uscc=emp,
                    poverty_registered=bool(v.get("poverty_registered")),
                    travel=Travel(v.get("travel") or "seat"),
                    bank_name=v.get("bank_name"),
                    bank_account=v.get("bank_account"),
                )
            )
        return out

    def fleet(self) -> list[VehicleType]:
        t = self.table("fleet")
        if t is None:
            return []
        check_duplicates(t, ("name",))
        out: list[VehicleType] = []
        for r in t.rows:
            v = r.values
            kind = v.get("kind")
            if kind == "coach" and v.get("cost_per_km") is None and not r.text.get("cost_per_km"):
                t.problem(
                    msg("problem.coach_needs_cost"),
                    r.row,
                    "cost_per_km" if "cost_per_km" in t.headers else "kind",
                )
            if kind == "train":
                for col in ("origin_station", "origin_lat", "origin_lon"):
                    if v.get(col) is None and not r.text.get(col):
                        t.problem(
                            msg("problem.train_needs", column=col),
                            r.row,
                            col if col in t.headers else "kind",
                        )
            extra, bad = parse_extra_stations(
                v.get("extra_stations") or "", v.get("origin_station")
            )
            if extra and kind != "train":
                bad.append(msg("problem.extra_stations_not_train"))
            for m in bad:
                t.problem(m, r.row, "extra_stations")
            if (v.get("dest_lat") is None) != (v.get("dest_lon") is None):
                t.problem(msg("problem.dest_lat_lon_pair"), r.row, "dest_lat")
            if kind is None or v.get("name") is None or v.get("seats") is None:
                continue
            vt = VehicleType(
                kind=VehicleKind(kind),
                name=v["name"],
                seats=v["seats"],
                max_load=v.get("max_load") or 1.0,
                cost_per_km_fen=v.get("cost_per_km") or 0,
                fixed_cost_fen=v.get("fixed_cost") or 0,
                available=v.get("available"),
                origin_station=v.get("origin_station"),
                origin_lat=v.get("origin_lat"),
                origin_lon=v.get("origin_lon"),
                lead_days=v.get("lead_days") or 0,
                dest_station=v.get("dest_station"),
                dest_lat=v.get("dest_lat"),
                dest_lon=v.get("dest_lon"),
                extra_stations=extra,
                **(
                    {"driver_cost_fen": v["driver_cost"]}
                    if v.get("driver_cost") is not None
                    else {}
                ),
            )
            self.fleet_by_name.setdefault(vt.name, vt)
            out.append(vt)
        return out

    def load_caps(self) -> list[LoadCap]:
        t = self.table("load_caps")
        if t is None:
            return []
        out: list[LoadCap] = []
        for r in t.rows:
            v = r.values
            f, to = v.get("from_date"), v.get("to_date")
            if f and to and to < f:
                t.problem(msg("problem.to_before_from", to=str(to), start=str(f)), r.row,
                          "to_date")
            origin = v.get("origin") or ""
            if origin and not self._prefix_known(origin):
                t.problem(msg("problem.origin_unknown", raw=origin), r.row, "origin")
            if f and to and v.get("max_load"):
                out.append(LoadCap(f, to, v["max_load"], origin))
        return out

    def _prefix_known(self, prefix: str) -> bool:
        if len(prefix) == 6:
            return self.gaz.get(prefix) is not None or self.gaz.current_code(prefix) is not None
        name_fn = getattr(self.gaz, "province_name", None)
        if len(prefix) == 2 and name_fn is not None:
            try:
                return bool(name_fn(prefix))
            except (KeyError, ValueError):
                return False
        codes = getattr(self, "_all_codes", None)
        if codes is None:
            codes = _known_codes(self.gaz)
            self._all_codes = codes
        return any(c.startswith(prefix) for c in codes) if codes else True

    def fixed(self) -> tuple[list[Trip], list[Assignment], list[Leg]]:
        t = self.table("fixed")
        if t is None:
            return [], [], []
        resolver = PlaceResolver(
            gazetteer=self.gaz,
            employers=self.employer_by_uscc,
            fleet=self.fleet_by_name,
            destination=self.sf.destination,
        )
        trips = trips_from_table(t, resolver, fixed=True)
        trip_ids = {tr.trip_id for tr in trips} | {r.values.get("trip_id") for r in t.rows}
        assignments: list[Assignment] = []
        legs: list[Leg] = []
        ta = self.table("fixed_assignments")
        if ta is not None:
            assignments = assignments_from_table(ta, trip_ids, self.worker_ids, self.employer_codes)
        tl = self.table("fixed_legs")
        if tl is not None:
            legs = legs_from_table(tl, trip_ids, self.worker_ids)
        return trips, assignments, legs


def _division_label(d: Any) -> str:
    if isinstance(d, str):
        return d
    full = getattr(d, "full_name", None)
    if isinstance(full, str):
        return f"{full} ({d.adcode})"
    parts = [getattr(d, "province", ""), getattr(d, "prefecture", ""), getattr(d, "name", "")]
    label = "".join(dict.fromkeys(p for p in parts if p))
    code = getattr(d, "adcode", "")
    return f"{label} ({code})" if code else label


def _known_codes(gaz: Any) -> list[str]:
    for attr in ("counties", "divisions", "codes"):
        obj = getattr(gaz, attr, None)
        if obj is None:
            continue
        items = obj() if callable(obj) else obj
        try:
            return [getattr(d, "adcode", d) for d in items]
        except TypeError:
            continue
    return []
