"""Import use cases: a scenario folder, a plan folder or an event file into the ledger.

Rules implemented here:

- importing needs an operator (bank results: finance), checked first; a refused import changes
  nothing;
- every import is one transaction: any problem in any row refuses the whole file, nothing is
  written; the same file (same kind and SHA-256) imported again is a no-op; overlapping rows of a
  different file add only what is new (see ``planner.ledger.importers``);
- an arrivals file some of whose arrivals were undone since (an undone check-in, see
  ``planner.services.movements``) is no longer "already imported": importing it again records
  again what was undone, into the same import, and nothing else (arrivals are keyed by person
  and employer, so nothing counts twice);
- an evidence file (arrivals, charters) dated more than a year outside the active policy is
  refused, naming file, row and column; a bank result file is not: its ``paid_on`` is when the
  bank paid an approved claim, checked by the payment-date rule
  (``planner.services.payments.payment_date_refusal``, the same as for 登记已支付);
- a scenario's policy.toml imported by an operator is stored as a draft, never made active;
- a scenario updates the people and employers already registered (their contact, availability,
  bank details, an employer's place and demand: ``planner.ledger.importers``), one audit entry
  per row changed with the fields before and after; a blank cell clears the field (not the
  planner's default for a blank), a column the file does not carry keeps it
  (``planner.ledger.importers.FileCells``); a changed or cleared bank account sends the
  payee's unpaid claims past draft back to review, and is refused while a payment of theirs is
  at the bank (``planner.services.payments``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from planner import clock
from planner.io.plans import PAPER_FILES
from planner.ledger import models as m
from planner.ledger.importers import (
    EVENT_MERGES,
    BankTally,
    FileCells,
    Merge,
    merge_employers,
    merge_people,
)
from planner.ledger.repository import LedgerRepository, row_dict
from planner.messages import msg
from planner.problems import InputError, Problem, problem
from planner.services.auth import (
    User,
    check_permission,
)
from planner.services.context import Ledger, using
from planner.services.payments import _payee_account_changed, _reconcile_bank
from planner.services.policies import _store_policy, load_active_policy

IMPORT_KINDS: tuple[str, ...] = (
    "scenario",
    "plan",
    "arrivals",
    "insurance",
    "charters",
    "charter_riders",
    "headcount",
    "bank_results",
    "placements",
    "trip_events",
)

#: Test hooks: called inside the transaction just before an import commits, and after a
#: transition has read its claim (to force a race). ``None`` in normal use.
before_import_commit: Callable[[], None] | None = None


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import did. ``already``: this very file was imported before; nothing changed.
    ``updated``: registered people and employers a scenario changed.
    ``exceptions``: claims it marked as payment exceptions for the auditor (a bank file paying a
    flagged claim or another amount, or saying a payment recorded paid failed).
    ``bank``: what a bank result file did — paid, failed, duplicates, with amounts
    (``payments.bank_import_summary`` says it); ``None`` for other kinds and a file imported
    before."""

    kind: str
    file_name: str
    sha256: str
    rows: int
    added: int
    already: bool = False
    seconds: float = 0.0
    notes: tuple[str, ...] = ()
    exceptions: int = 0
    updated: int = 0
    bank: BankTally | None = None


def content_sha256(path: Path, skip: Iterable[str] = ()) -> str:
    """SHA-256 of a file, or of a folder's files (names and contents, in name order; files
    named in ``skip`` left out)."""
    digest = hashlib.sha256()
    if path.is_dir():
        skipped = set(skip)
        for child in sorted(p for p in path.rglob("*") if p.is_file() and p.name not in skipped):
            digest.update(str(child.relative_to(path)).encode())
            digest.update(b"\0")
            _digest_file(digest, child)
            digest.update(b"\0")
    else:
        _digest_file(digest, path)
    return digest.hexdigest()


def _digest_file(digest: Any, path: Path) -> None:
    """Feed a file to ``digest`` in 1 MB pieces (a file too big to read is refused later
    without having been held in memory)."""
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)


def import_path(
    kind: str,
    path: str | Path,
    actor: User,
    *,
    url: str | None = None,
    ledger: Ledger | None = None,
) -> ImportResult:
    """Import a scenario folder, a plan folder or an event file into the ledger.

    Parameters
    ----------
    kind
        One of ``IMPORT_KINDS``.
    path
        A folder for ``scenario`` and ``plan``, a CSV/xlsx file otherwise.
    actor
        An operator (``bank_results``: finance).
    url
        Ledger URL.

    Returns
    -------
    ImportResult

    Raises
    ------
    InputError
        Any problem in any row (file, row, column named); nothing was written.
    PermissionDenied
        The actor's role may not import this kind.
    """
    import time

    started = time.perf_counter()
    if kind not in IMPORT_KINDS:
        raise InputError([problem(str(path), "problem.unknown_import_kind", kind=kind,
                                  kinds=", ".join(IMPORT_KINDS))])
    check_permission(actor, "import_bank_results" if kind == "bank_results" else "import", url,
                     ledger=ledger)
    path = Path(path)
    if kind in ("scenario", "plan"):
        if not path.is_dir():
            raise InputError([problem(str(path), "problem.expected_folder", kind=kind)])
    elif not path.is_file():
        raise InputError([problem(str(path), "problem.no_such_file")])
    # a plan folder is its data: the printed papers beside it are made from it
    sha = content_sha256(path, PAPER_FILES if kind == "plan" else ())
    with using(url, ledger).uow() as uow:
        if _complete(uow.repo, uow.repo.import_of(kind, sha)):
            return ImportResult(kind, path.name, sha, 0, 0, already=True,
                                seconds=time.perf_counter() - started)
    records, count = _read(kind, path)
    _check_event_dates(kind, records, path, url, ledger=ledger)
    try:
        with using(url, ledger).uow() as uow:
            earlier = uow.repo.import_of(kind, sha)
            if _complete(uow.repo, earlier):  # someone was faster
                return ImportResult(kind, path.name, sha, count, 0, already=True)
            imp = earlier or m.Import(kind=kind, file_name=path.name, sha256=sha, rows=count,
                                      rows_added=0, by=actor.username)
            before = None if earlier is None else row_dict(earlier)
            uow.repo.add(imp)
            uow.session.flush()
            merges, notes = _merge(uow.repo, kind, records, imp, path, actor)
            problems = [p for mg in merges for p in mg.problems]
            if problems:
                if kind not in ("scenario", "plan"):
                    problems = _locate(kind, path, problems)
                raise InputError(problems)
            added = sum(mg.added for mg in merges)
            imp.rows_added = added if earlier is None else _arrivals_held(uow.repo, imp)
            uow.repo.audit(actor.username, "import", imp.id, f"import_{kind}", before,
                           row_dict(imp))
            uow.session.flush()
            if before_import_commit is not None:
                before_import_commit()
            uow.commit()
            return ImportResult(kind, path.name, sha, count, added,
                                seconds=time.perf_counter() - started, notes=tuple(notes),
                                exceptions=sum(mg.exceptions for mg in merges),
                                updated=sum(len(mg.updates) for mg in merges),
                                bank=next((mg.bank for mg in merges if mg.bank is not None),
                                          None))
    except (IntegrityError, OperationalError, StaleDataError) as exc:
        raise _lost_race(kind, sha, path, exc, url, ledger=ledger) from None


def _complete(repo: LedgerRepository, imp: m.Import | None) -> bool:
    """Whether ``imp`` (an earlier import of the same file) still holds all it added: any
    import but an arrivals one some of whose arrivals were undone since."""
    if imp is None:
        return False
    return imp.kind != "arrivals" or _arrivals_held(repo, imp) >= imp.rows_added


def _arrivals_held(repo: LedgerRepository, imp: m.Import) -> int:
    """How many arrivals the ledger holds from the import ``imp``."""
    from sqlalchemy import func

    return int(repo.session.scalar(select(func.count()).select_from(m.Event).where(
        m.Event.kind == "arrived", m.Event.import_id == imp.id, m.standing())) or 0)


def _lost_race(kind: str, sha: str, path: Path, exc: Exception, url: str | None,
               *, ledger: Ledger | None = None) -> Exception:
    """The refusal for an import that lost a race with another one (nothing of it was
    written): the same file just imported by someone else, another import still writing
    (SQLite's lock timed out), overlapping rows written at the same moment, or claims a
    concurrent bank file changed (their version counter moved)."""
    if isinstance(exc, OperationalError) and "locked" not in str(exc.orig).lower():
        return exc  # a real database failure, not a race
    with using(url, ledger).uow() as uow:
        winner = uow.repo.import_of(kind, sha)
        if winner is not None:
            return InputError([problem(path.name, "problem.ledger_import_raced", who=winner.by,
                                       id=winner.id)])
    if isinstance(exc, OperationalError):
        return InputError([problem(path.name, "problem.ledger_import_busy")])
    if isinstance(exc, StaleDataError):
        return InputError([problem(path.name, "problem.ledger_import_claims_raced")])
    return InputError([problem(path.name, "problem.ledger_import_overlap")])


EVENT_DATES = {"arrivals": "arrived_on", "charters": "depart_date"}
"""The date of each evidence file checked against the active policy's validity (a bank
result's ``paid_on`` is not evidence: the payment-date rule checks it)."""

PLAUSIBLE_MARGIN = dt.timedelta(days=366)


def _check_event_dates(kind: str, records: Any, path: Path, url: str | None,
                       *, ledger: Ledger | None = None) -> None:
    """Refuse an event file with a date more than a year before the active policy starts or
    after it ends (an open-ended policy: after today), naming file, row and column."""
    field = EVENT_DATES.get(kind)
    active = load_active_policy(url, ledger=ledger) if field else None
    if field is None or active is None:
        return
    policy = active[1]
    first = policy.valid_from - PLAUSIBLE_MARGIN
    last = (policy.valid_to or clock.today()) + PLAUSIBLE_MARGIN
    problems = [
        problem(path.name, "problem.ledger_date_outside_policy", i + 2, field, date=str(day),
                policy=policy.name, start=str(policy.valid_from),
                end=str(policy.valid_to) if policy.valid_to else msg("problem.today"),
                first=str(first), last=str(last))
        for i, r in enumerate(records)
        if (day := getattr(r, field, None)) is not None and not first <= day <= last
    ]
    if problems:
        raise InputError(_locate(kind, path, problems))


@dataclass(frozen=True, slots=True)
class _ScenarioRead:
    """A scenario folder as read: the scenario (defaults filled in) and what its people's
    and employers' files say (``FileCells``: a blank cell clears a registered field, a
    missing column keeps it)."""

    scenario: Any
    cells: dict[str, FileCells]


def _read(kind: str, path: Path) -> tuple[Any, int]:
    if kind == "scenario":
        from planner.io.validate import load_scenario_tables

        scenario, tables = load_scenario_tables(path)
        cells = {name: FileCells.of(tables[name], key) for name, key in
                 (("workers", "id_number"), ("employers", "uscc")) if name in tables}
        return _ScenarioRead(scenario, cells), len(scenario.workers) + len(scenario.employers)
    if kind == "plan":
        from planner.io import read_plan

        plan = read_plan(path)
        return plan, len(plan.trips) + len(plan.assignments) + len(plan.legs)
    from planner.io import read_events

    records = read_events(kind, path)
    return records, len(records)


def _locate(kind: str, path: Path, problems: list[Problem]) -> list[Problem]:
    """Problems of an event file with rows and columns as the file shows them (the reader
    skips nothing it keeps, but a file may hold blank rows and Chinese headers)."""
    from dataclasses import replace

    from planner.io import read_table
    from planner.io.schemas import EVENT_TABLES

    table = read_table(path, EVENT_TABLES[kind])
    rownums = [r.row for r in table.rows]
    out = []
    for p in problems:
        row = p.row
        if row is not None and 0 <= row - 2 < len(rownums):
            row = rownums[row - 2]
        column = table.headers.get(p.column, p.column) if p.column else p.column
        out.append(replace(p, row=row, column=column))
    return out


def _merge(
    repo: LedgerRepository, kind: str, records: Any, imp: m.Import, path: Path, actor: User
) -> tuple[list[Merge], list[str]]:
    notes: list[str] = []
    if kind == "scenario":
        scenario, cells = records.scenario, records.cells
        employers = merge_employers(repo, scenario.employers, imp, "employers.csv",
                                    cells.get("employers"))
        repo.session.flush()
        usccs = set(repo.employers_by_uscc())
        people = merge_people(repo, scenario.workers, imp, "workers.csv", usccs,
                              cells.get("workers"))
        if not employers.problems and not people.problems:
            for merge in (employers, people):
                _record_updates(repo, merge, actor)
        if scenario.policy is not None:
            note = _store_policy(repo, scenario.policy, actor.username, path.name)
            if note:
                notes.append(note)
        return [employers, people], notes
    if kind == "plan":
        return _import_plan(repo, records, imp, path, actor)
    merge = Merge(path.name, table=kind)
    if kind == "bank_results":
        return [_reconcile_bank(repo, records, imp, merge, actor)], notes
    return [EVENT_MERGES[kind](repo, records, imp, merge)], notes


def _record_updates(repo: LedgerRepository, merge: Merge, actor: User) -> None:
    """Audit each registered row ``merge`` changed (the changed fields before and after, as
    the ledger holds them: a bank account in full, like the row itself); act on a changed
    bank account (``_payee_account_changed``)."""
    for update in merge.updates:
        repo.audit(actor.username, update.entity, update.key, "update_registration",
                   _plain(update.before), _plain(update.after))
        if update.account_changed:
            _payee_account_changed(repo, merge, update, actor)


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    """Values for the audit's JSON (dates as ISO text)."""
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in values.items()}


def _import_plan(repo: LedgerRepository, plan: Any, imp: m.Import, path: Path, actor: User
                 ) -> tuple[list[Merge], list[str]]:
    """A plan folder: saved as a plan version (or the version it was written from), then
    dispatched (``planner.services.plans``)."""
    from planner.services.plans import dispatch_into, store_plan

    row = repo.session.scalars(select(m.PlanVersion).where(
        m.PlanVersion.sha256 == imp.sha256).order_by(m.PlanVersion.id)).first()
    notes: list[str] = []
    if row is None:
        row, plan, renumbered = store_plan(repo, plan, path.name, actor.username,
                                           source="import", always_renumber=False)
        notes.append(f"saved as plan {row.id}")
        if renumbered:
            notes.append(f"trip ids were already in use: this plan's trips are numbered "
                         f"P{row.id:03d}-…")
    elif row.state == "dispatched":
        notes.append(f"plan {row.id} is already dispatched; nothing changed")
        return [], notes
    merges, result = dispatch_into(repo, row, plan, actor.username, imp)
    if result.trips_withdrawn:
        notes.append(f"withdrawn trips of earlier plans: {', '.join(result.trips_withdrawn)}")
    return merges, notes
