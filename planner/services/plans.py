"""Plans that last: saved plan versions, their trip ids, and dispatching one to the ledger.

Rules implemented here:

- every plan saved (app, ``jobbus plan --save``, ``jobbus ledger import plan``) is a numbered
  version in the ``plans`` table with its name, who made it, its parameters, its summary and
  its files (the folder ``planner.io.write_plan`` writes, with the ledger's trip ids); it is
  never changed afterwards except for its state: saved → dispatched → superseded;
- trip ids are unique across the ledger: a plan's own (not fixed) trips are renumbered
  ``P{version:03d}-{id}`` (an earlier ``Pnnn-`` prefix replaced) — always for plans jobbus made,
  and for an imported folder only when one of its ids is already used by another plan or
  trip; fixed (locked) trips keep their ids, since they are the trips already dispatched;
- a plan saved without a name of its own is named by a function of its version number, called
  once the ledger has numbered it (``方案 P004``): the number is given when the plan is saved,
  so a name made earlier could claim a number that another user's save then takes;
- a re-plan names the plan it re-plans (``parent_id``; for an import: the plan whose trips it
  keeps fixed);
- dispatching writes the plan's trips and manifest to the ledger in one transaction: a trip
  already there with the same values is kept, with other values it is refused naming the trip
  and what differs (money in yuan); trips of earlier plans that carried people this plan
  places anew are withdrawn when nothing happened on them yet (no boarding, arrival or other
  event), and refused otherwise, naming the dispatched plan the trip belongs to (the one to
  open, lock the trip in and plan again: the plan being dispatched does not hold it); an
  earlier dispatched plan losing a trip, and the plan a dispatched re-plan re-plans, become
  superseded;
- dispatching a plan already dispatched changes nothing and says so;
- saving needs the ``save_plan`` permission (every role), dispatching ``dispatch_plan``
  (operator); reading needs none.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import defer

from planner.domain.model import Plan
from planner.ledger import models as m
from planner.ledger.importers import Merge, merge_manifest, merge_trips
from planner.ledger.repository import LedgerRepository, row_dict
from planner.ledger.trip_events import live
from planner.messages import msg
from planner.problems import InputError
from planner.refusal import Refusal
from planner.services.auth import User, check_permission
from planner.services.context import Ledger, using

__all__ = [
    "DispatchResult",
    "PlanName",
    "PlanNotFound",
    "SavedPlan",
    "dispatch_plan",
    "list_plans",
    "load_plan",
    "plan_info",
    "save_plan",
    "save_plan_folder",
    "save_uploaded_plan",
]

PLAN_STATES = ("saved", "dispatched", "superseded")
#: A plan's name, or a function of the number it is saved under giving it (``方案 P004``).
PlanName = str | Callable[[int], str]
SOURCES = ("app", "cli", "import")
_PREFIX = re.compile(r"^P\d{3,}-")


class PlanNotFound(Refusal, LookupError):
    """No saved plan has this number (a ``LookupError`` too, for older callers)."""


@dataclass(frozen=True, slots=True)
class SavedPlan:
    """A saved plan version as listed: money in fen (``cost_fen``)."""

    id: int
    name: str
    created_at: dt.datetime
    created_by: str
    source: str
    state: str
    parent_id: int | None
    trips: int
    cost_fen: int
    params: dict[str, Any]
    summary: dict[str, Any]
    dispatched_at: dt.datetime | None = None
    renumbered: bool = False


@dataclass(frozen=True, slots=True)
class DispatchResult:
    """What a dispatch did; ``already``: the plan was dispatched before, nothing changed."""

    plan_id: int
    already: bool
    trips_added: int = 0
    trips_kept: int = 0
    trips_withdrawn: tuple[str, ...] = ()
    people_added: int = 0
    superseded: tuple[int, ...] = ()


# ------------------------------------------------------------------ files of a plan
def plan_files(plan: Plan) -> dict[str, str]:
    """A plan's folder as ``planner.io.write_plan`` writes it: file name → text."""
    from planner.io import write_plan

    with tempfile.TemporaryDirectory(prefix="jobbus-plan-") as tmp:
        out = write_plan(plan, Path(tmp) / "plan")
        return {p.name: p.read_bytes().decode("utf-8") for p in sorted(out.iterdir())}


def files_sha256(files: Mapping[str, str]) -> str:
    """SHA-256 of a plan's files, the same as ``content_sha256`` of the folder on disk."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode())
        digest.update(b"\0")
        digest.update(files[name].encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


def plan_from_files(files: Mapping[str, str]) -> Plan:
    """Read a stored plan back (``planner.io.read_plan`` on its files)."""
    from planner.io import read_plan

    with tempfile.TemporaryDirectory(prefix="jobbus-plan-") as tmp:
        folder = Path(tmp)
        for name, text in files.items():
            (folder / name).write_bytes(text.encode("utf-8"))
        return read_plan(folder)


def write_plan_files(files: Mapping[str, str], out_dir: Path | str) -> Path:
    """Write a stored plan's files to ``out_dir`` atomically (like ``write_plan``)."""
    from planner.io.plans import _atomic_write

    return _atomic_write(Path(out_dir), dict(files))


# ------------------------------------------------------------------ trip ids
def ledger_trip_id(version: int, trip_id: str) -> str:
    """The id the ledger gives trip ``trip_id`` of plan ``version``: ``P003-C0001``."""
    return f"P{version:03d}-{_PREFIX.sub('', trip_id)}"


def renumber(plan: Plan, mapping: Mapping[str, str]) -> Plan:
    """``plan`` with trip ids replaced by ``mapping`` (trips, feeders' parents, people, legs)."""
    if not mapping:
        return plan

    def new(tid: str | None) -> str | None:
        return None if tid is None else mapping.get(tid, tid)

    trips = tuple(replace(t, trip_id=mapping.get(t.trip_id, t.trip_id),
                          parent_trip_id=new(t.parent_trip_id))
                  for t in plan.trips)
    assignments = tuple(replace(a, trip_id=mapping.get(a.trip_id, a.trip_id))
                        for a in plan.assignments)
    legs = tuple(replace(g, trip_id=mapping.get(g.trip_id, g.trip_id)) for g in plan.legs)
    return replace(plan, trips=trips, assignments=assignments, legs=legs)


def _ids_in_use(repo: LedgerRepository, version: int) -> dict[str, int | None]:
    """Trip ids used by other plan versions or the ledger's trips → the plan holding them."""
    used: dict[str, int | None] = {tid: t.plan_id for tid, t in repo.trips_by_id().items()}
    rows = repo.session.execute(select(m.PlanVersion.id, m.PlanVersion.trip_ids)
                                .where(m.PlanVersion.id != version))
    for plan_id, trip_ids in rows:
        for tid in trip_ids or ():
            used.setdefault(tid, plan_id)
    return used


def _number_trips(plan: Plan, version: int, used: Mapping[str, int | None],
                  always: bool) -> dict[str, str]:
    """The renaming of the plan's own trips (fixed trips keep their ids)."""
    own = [t.trip_id for t in plan.trips if not t.fixed]
    if not always and not any(tid in used for tid in own):
        return {}
    return {tid: ledger_trip_id(version, tid) for tid in own}


# ------------------------------------------------------------------ saving
def store_plan(
    repo: LedgerRepository,
    plan: Plan,
    name: PlanName,
    actor: str,
    *,
    source: str,
    params: Mapping[str, Any] | None = None,
    parent_id: int | None = None,
    always_renumber: bool = True,
) -> tuple[m.PlanVersion, Plan, bool]:
    """Add ``plan`` as a new version in the session (the caller commits).

    ``name`` may be a function of the version's number: it is called once the row has its
    number (a blank name becomes ``plan``).

    Returns
    -------
    tuple
        The version row, the plan with the ledger's trip ids, and whether trips were
        renumbered.
    """
    from planner.io.plans import summary_dict

    if source not in SOURCES:
        raise ValueError(f"unknown plan source {source!r}")
    row = m.PlanVersion(name="plan", created_by=actor, source=source,
                        params=_jsonable(dict(params or {})), summary={}, files={},
                        trip_ids=[], sha256="", state="saved")
    repo.add(row)
    repo.session.flush()  # numbers the version
    given = name(row.id) if callable(name) else name
    row.name = (given.strip() or "plan")[:200]
    used = _ids_in_use(repo, row.id)
    mapping = _number_trips(plan, row.id, used, always_renumber)
    stored = renumber(plan, mapping)
    files = plan_files(stored)
    row.files = files
    row.sha256 = files_sha256(files)
    row.trip_ids = [t.trip_id for t in stored.trips]
    row.summary = _jsonable(summary_dict(stored.summary))
    row.parent_id = parent_id if parent_id is not None else _parent_of(stored, used)
    repo.audit(actor, "plan", row.id, "save_plan", None,
               row_dict(row, ("id", "name", "source", "state", "parent_id", "sha256")))
    repo.session.flush()
    return row, stored, bool(mapping)


def _parent_of(plan: Plan, used: Mapping[str, int | None]) -> int | None:
    """The plan version whose trips this plan keeps fixed, if any."""
    for t in plan.trips:
        if t.fixed and used.get(t.trip_id) is not None:
            return used[t.trip_id]
    return None


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value)


def save_plan(
    plan: Plan,
    name: PlanName,
    actor: User,
    params: Mapping[str, Any] | None = None,
    url: str | None = None,
    *,
    source: str = "app",
    parent_id: int | None = None,
    ledger: Ledger | None = None,
) -> SavedPlan:
    """Save ``plan`` as a new numbered version; its own trips get ledger ids ``Pnnn-…``.

    Parameters
    ----------
    plan
        A plan (from the planner, or read from a folder).
    name
        What people call it ("50% 载客率"), or a function of the number it is saved under
        giving its name (a default name that says its number: ``方案 P004``).
    actor
        Who saves it (any role).
    params
        The planning parameters used (JSON-friendly values).
    url
        Ledger URL.
    source
        ``app``, ``cli`` or ``import``.
    parent_id
        The plan this one re-plans (default: the plan owning its fixed trips).

    Returns
    -------
    SavedPlan
    """
    check_permission(actor, "save_plan", url, ledger=ledger)
    with using(url, ledger).uow() as uow:
        row, _, renumbered = store_plan(uow.repo, plan, name, actor.username, source=source,
                                        params=params, parent_id=parent_id)
        uow.commit()
        return _saved(row, renumbered)


def save_plan_folder(folder: Path | str, name: str, actor: User, url: str | None = None, *,
                     source: str = "import", ledger: Ledger | None = None) -> SavedPlan:
    """Save a plan folder (``planner.io.read_plan``) as a new version, not dispatched.

    Raises
    ------
    InputError
        The folder's files disagree or hold bad values (file, row and column named); nothing
        was saved.
    """
    from planner.io import read_plan

    check_permission(actor, "save_plan", url, ledger=ledger)
    plan = read_plan(folder)
    return save_plan(plan, name, actor, {"folder": Path(folder).name}, url, source=source,
                     ledger=ledger)


def save_uploaded_plan(files: Mapping[str, bytes], name: str, actor: User,
                       url: str | None = None, *, ledger: Ledger | None = None) -> SavedPlan:
    """Save a plan's files as uploaded (file name → bytes: trips.csv, assignments.csv, …)."""
    check_permission(actor, "save_plan", url, ledger=ledger)
    with tempfile.TemporaryDirectory(prefix="jobbus-upload-") as tmp:
        folder = Path(tmp) / "plan"
        folder.mkdir()
        for file_name, data in files.items():
            (folder / Path(file_name).name).write_bytes(data)
        return save_plan_folder(folder, name, actor, url, ledger=ledger)


def _saved(row: m.PlanVersion, renumbered: bool = False) -> SavedPlan:
    summary = dict(row.summary or {})
    cost = Decimal(str(summary.get("total_cost", 0))) * 100
    return SavedPlan(row.id, row.name, row.created_at, row.created_by, row.source, row.state,
                     row.parent_id, len(row.trip_ids or ()), int(cost.to_integral_value()),
                     dict(row.params or {}), summary, row.dispatched_at, renumbered)


# ------------------------------------------------------------------ reading
def list_plans(url: str | None = None, *, ledger: Ledger | None = None) -> list[SavedPlan]:
    """Every saved plan, newest first."""
    with using(url, ledger).uow() as uow:
        rows = uow.session.scalars(select(m.PlanVersion).options(defer(m.PlanVersion.files))
                                   .order_by(m.PlanVersion.id.desc()))
        return [_saved(r) for r in rows]


def plan_info(plan_id: int, url: str | None = None, *, ledger: Ledger | None = None) -> SavedPlan:
    """One saved plan's details (``PlanNotFound`` if there is none)."""
    with using(url, ledger).uow() as uow:
        return _saved(_get(uow.repo, plan_id))


def load_plan(plan_id: int, url: str | None = None, *, ledger: Ledger | None = None) -> Plan:
    """The saved plan ``plan_id`` as a ``Plan``, with the ledger's trip ids."""
    with using(url, ledger).uow() as uow:
        files = dict(_get(uow.repo, plan_id).files)
    return plan_from_files(files)


def plan_files_of(plan_id: int, url: str | None = None,
                  *, ledger: Ledger | None = None) -> dict[str, str]:
    """The saved plan's files (name → text), e.g. to write its folder."""
    with using(url, ledger).uow() as uow:
        return dict(_get(uow.repo, plan_id).files)


def _get(repo: LedgerRepository, plan_id: int) -> m.PlanVersion:
    row = repo.session.get(m.PlanVersion, int(plan_id))
    if row is None:
        raise PlanNotFound(msg("refusal.no_plan", plan=plan_id))
    return row


# ------------------------------------------------------------------ dispatching
def dispatch_plan(plan_id: int, actor: User, url: str | None = None,
                  *, ledger: Ledger | None = None) -> DispatchResult:
    """Write saved plan ``plan_id``'s trips and manifest to the ledger (all or nothing).

    Raises
    ------
    InputError
        A trip already dispatched with other values, a trip to withdraw that already ran, a
        person moved off a trip that ran: each named; nothing was written.
    PermissionDenied
        The actor is not an operator.
    PlanNotFound
        No such plan.
    """
    check_permission(actor, "dispatch_plan", url, ledger=ledger)
    with using(url, ledger).uow() as uow:
        row = _get(uow.repo, plan_id)
        if row.state == "dispatched":
            return DispatchResult(row.id, already=True)
        plan = plan_from_files(row.files)
        merges, result = dispatch_into(uow.repo, row, plan, actor.username, None)
        problems = [p for mg in merges for p in mg.problems]
        if problems:
            raise InputError(problems)
        uow.commit()
        return result


def dispatch_into(
    repo: LedgerRepository, row: m.PlanVersion, plan: Plan, actor: str, imp: m.Import | None
) -> tuple[list[Merge], DispatchResult]:
    """Dispatch ``plan`` (stored as ``row``) in the session; problems are in the merges."""
    # a plan imported from a folder names its trips.csv; a saved plan dispatched is named by
    # its number (the app's user never sees a trips.csv): the problem is the plan's
    withdraw = (withdraw_replaced(repo, plan, Merge("trips.csv"), column="trip_id")
                if imp is not None else withdraw_replaced(repo, plan, Merge(f"P{row.id:03d}")))
    if withdraw.problems:
        return [withdraw], DispatchResult(row.id, already=False)
    withdrawn = tuple(withdraw.withdrawn)
    known = set(repo.trips_by_id())
    trips = merge_trips(repo, plan.trips, imp, "trips.csv", plan_id=row.id)
    if trips.problems:
        return [trips], DispatchResult(row.id, already=False)
    manifest = merge_manifest(repo, plan.assignments, plan.legs, imp, "assignments.csv",
                              "legs.csv")
    replaced = withdraw.plans | ({row.parent_id} if row.parent_id else set())
    superseded = _supersede(repo, row, replaced, actor)
    row.state = "dispatched"
    row.dispatched_at = m.utcnow()
    row.dispatched_by = actor
    repo.audit(actor, "plan", row.id, "dispatch_plan", None,
               {"trips_added": trips.added, "withdrawn": list(withdrawn),
                "superseded": list(superseded)})
    kept = sum(1 for t in plan.trips if t.trip_id in known)
    return [trips, *manifest], DispatchResult(row.id, False, trips.added, kept, withdrawn,
                                              manifest[0].added, superseded)


@dataclass
class _Withdrawal(Merge):
    """The trips a dispatch withdraws, and the plans they came from."""

    withdrawn: list[str] = field(default_factory=list)
    plans: set[int] = field(default_factory=set)


def withdraw_replaced(repo: LedgerRepository, plan: Plan, merge: Merge,
                      column: str | None = None) -> _Withdrawal:
    """Remove from the session the ledger trips this plan replaces: trips not in the plan that
    carry someone the plan places anew (and their feeders); refuse any that already ran (a
    problem of ``merge``'s file, at ``column`` if the file has one)."""
    out = _Withdrawal(merge.file)
    people = {a.id_number for a in plan.assignments} | {s.id_number for s in plan.self_returns}
    people |= {u.id_number for u in plan.unserved if u.id_number}
    keep = {t.trip_id for t in plan.trips}
    s = repo.session
    rows = s.execute(select(m.Trip, m.Person.id_number)
                     .join(m.ManifestEntry, m.ManifestEntry.trip_pk == m.Trip.id)
                     .join(m.Person, m.Person.id == m.ManifestEntry.person_id))
    replaced = {t.id: t for t, pid in rows if pid in people and t.trip_id not in keep}
    parents = {t.trip_id for t in replaced.values()}
    for t in s.scalars(select(m.Trip).where(m.Trip.parent_trip_id.in_(parents))):
        if t.trip_id not in keep:
            replaced[t.id] = t
    if not replaced:
        return out
    ran = _events_on(repo, replaced.values())
    for trip in sorted(replaced.values(), key=lambda t: t.trip_id):
        if not ran.get(trip.id):
            continue
        if trip.plan_id is None:  # a trip from before plans were kept
            what = msg("problem.trip_already_ran", trip=trip.trip_id, n=ran[trip.id])
        else:  # the plan to open, lock the trip in and plan again
            what = msg("problem.trip_already_ran_in_plan", trip=trip.trip_id, n=ran[trip.id],
                       plan=trip.plan_id)
        out.problem(None, column, what)
    if out.problems:
        return out
    pks = list(replaced)
    s.execute(delete(m.ManifestEntry).where(m.ManifestEntry.trip_pk.in_(pks)))
    # a withdrawn boarding or check-in stays, naming the trip by its id as written (ref); so
    # does a withdrawn movement and its withdrawal (trip_ref): none of them counts (``ran``)
    s.execute(update(m.Event).where(m.Event.trip_pk.in_(pks), ~m.standing())
              .values(trip_pk=None))
    s.execute(update(m.TripEvent).where(m.TripEvent.trip_pk.in_(pks)).values(trip_pk=None))
    for trip in replaced.values():
        out.withdrawn.append(trip.trip_id)
        if trip.plan_id is not None:
            out.plans.add(trip.plan_id)
        s.delete(trip)
    out.withdrawn.sort()
    s.flush()
    return out


def _events_on(repo: LedgerRepository, trips: Any) -> dict[int, int]:
    """How many events name each trip (by row or by id as written), its recorded movements
    (departed, delayed, cancelled, arrived) included; a movement, a boarding or a check-in
    withdrawn as a mistake is not counted."""
    by_id = {t.trip_id: t.id for t in trips}
    counts: dict[int, int] = {}
    q = select(m.Event.trip_pk, m.Event.ref).where(
        or_(m.Event.trip_pk.in_(list(by_id.values())), m.Event.ref.in_(list(by_id))),
        m.standing())
    for pk, ref in repo.session.execute(q):
        key = pk if pk in by_id.values() else by_id.get(ref)
        if key is not None:
            counts[key] = counts.get(key, 0) + 1
    moved = select(m.TripEvent.trip_pk).where(m.TripEvent.trip_pk.in_(list(by_id.values())),
                                              live())
    for (pk,) in repo.session.execute(moved):  # a recorded departure, delay or cancellation
        if pk is not None:
            counts[pk] = counts.get(pk, 0) + 1
    return counts


def _supersede(repo: LedgerRepository, row: m.PlanVersion, plan_ids: set[int],
               actor: str) -> tuple[int, ...]:
    """Mark the dispatched plans that lost trips as superseded."""
    out = []
    for other in repo.session.scalars(select(m.PlanVersion).where(
            m.PlanVersion.id.in_(plan_ids - {row.id}), m.PlanVersion.state == "dispatched")):
        other.state = "superseded"
        repo.audit(actor, "plan", other.id, "supersede_plan", {"state": "dispatched"},
                   {"state": "superseded", "by": row.id})
        out.append(other.id)
    return tuple(sorted(out))
