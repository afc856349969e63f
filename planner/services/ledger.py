"""The ledger's use cases: imports, claims and their workflow, payments, exports and reports.

Rules implemented here:

- every action checks the actor's role first (``planner.services.auth.check_permission``); a
  refused action changes nothing;
- every import is one transaction: any problem in any row refuses the whole file, nothing is
  written; the same file (same kind and SHA-256) imported again is a no-op; overlapping rows of a
  different file add only what is new (see ``planner.ledger.importers``);
- claims are upserted by entitlement key: a new line is a draft; an unchanged line is left alone;
  a changed amount updates a draft, but on a claim past draft it is only flagged
  (``needs_review``, with a note and an audit entry), never changed silently;
- each claim transition is checked against the state machine (``planner.ledger.workflow``) and
  guarded by the claim's version counter: of two concurrent transitions of one claim exactly
  one wins, the other gets ``TransitionRefused``;
- a claim has at most one payment (unique), paid once: bank result files reconcile
  idempotently — ``paid`` marks the claim paid (the amount must match), ``failed`` leaves it at
  notice_done with the bank's reason so it can be paid again, and a line seen before changes
  nothing;
- every change writes the audit log (who, when, before, after) in the same transaction;
- exports name their actor: the finance list (full ID numbers) is for finance, auditor and
  admin; the public notice (masked) for approver, finance, auditor and admin; the returns report
  for every role; each export writes an audit entry (entity ``export``: who, what, when, file
  name, row count, SHA-256 of the file written, the state selected);
- a scenario's policy.toml imported by an operator is stored as a draft, never made active:
  only an administrator (or the trusted command line) activates a policy.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tomllib
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from planner.io.plans import PAPER_FILES
from planner.ledger import models as m
from planner.ledger.db import default_database_url, init_db, is_initialised
from planner.ledger.evidence import (
    evidence_messages,
    note_json,
    note_message,
    reason_message,
    stored_evidence,
)
from planner.ledger.importers import (
    EVENT_MERGES,
    Merge,
    merge_employers,
    merge_people,
)
from planner.ledger.repository import LedgerRepository, UnitOfWork, row_dict
from planner.ledger.workflow import (
    OPEN_STATES,
    ClaimState,
    NoticeCalendarWarning,
    TransitionRefused,
    add_working_days,
    calendar_warning,
    next_state,
)
from planner.messages import Message, msg
from planner.problems import InputError, Problem, problem
from planner.refusal import InvalidRequest
from planner.services.auth import (
    PERMISSIONS,
    PermissionDenied,
    Role,
    User,
    check_permission,
    system_actor,
)

__all__ = [
    "IMPORT_KINDS",
    "ClaimState",
    "ComputeResult",
    "ImportResult",
    "PermissionDenied",
    "TransitionRefused",
    "activate_policy",
    "add_policy_version",
    "approve",
    "audit_log",
    "claim_history",
    "close_notice",
    "compute_claims",
    "east_west_report",
    "ensure_default_policy",
    "ensure_ledger",
    "export_finance_list",
    "export_notice",
    "export_returns",
    "finance_lines",
    "import_path",
    "is_empty",
    "issue_payments",
    "ledger_counts",
    "list_claims",
    "list_imports",
    "load_active_policy",
    "money_by_rule",
    "notice_working_days",
    "payment_batch",
    "payment_id_for",
    "policy_versions",
    "publish_notice",
    "raise_objection",
    "record_payment",
    "reject",
    "reopen_flagged",
    "retention_report",
    "returns_report",
    "review",
    "seed_demo",
    "write_shipped_demo_sample",
]

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

CLAIM_COLUMNS = [
    "claim_id",
    "key",
    "rule",
    "payee_kind",
    "payee_id",
    "payee_name",
    "amount_fen",
    "state",
    "needs_review",
    "review_note",
    "payment_id",
    "payment_status",
    "paid_on",
    "evidence",
    "version",
    "paid_exception",
    "exception_note",
]

#: Test hooks: called inside the transaction just before an import commits, and after a
#: transition has read its claim (to force a race). ``None`` in normal use.
before_import_commit: Callable[[], None] | None = None
after_claim_read: Callable[[], None] | None = None


def ensure_ledger(url: str | None = None) -> str:
    """Create or upgrade the ledger at ``url`` (default: ``default_database_url()``)."""
    return init_db(url or default_database_url())


# =========================================================================== imports
@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import did. ``already``: this very file was imported before; nothing changed."""

    kind: str
    file_name: str
    sha256: str
    rows: int
    added: int
    already: bool = False
    seconds: float = 0.0
    notes: tuple[str, ...] = ()


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
    check_permission(actor, "import_bank_results" if kind == "bank_results" else "import", url)
    path = Path(path)
    if kind in ("scenario", "plan"):
        if not path.is_dir():
            raise InputError([problem(str(path), "problem.expected_folder", kind=kind)])
    elif not path.is_file():
        raise InputError([problem(str(path), "problem.no_such_file")])
    # a plan folder is its data: the printed papers beside it are made from it
    sha = content_sha256(path, PAPER_FILES if kind == "plan" else ())
    with UnitOfWork(url) as uow:
        if uow.repo.import_of(kind, sha) is not None:
            return ImportResult(kind, path.name, sha, 0, 0, already=True,
                                seconds=time.perf_counter() - started)
    records, count = _read(kind, path)
    _check_event_dates(kind, records, path, url)
    try:
        with UnitOfWork(url) as uow:
            if uow.repo.import_of(kind, sha) is not None:  # someone was faster
                return ImportResult(kind, path.name, sha, count, 0, already=True)
            imp = m.Import(kind=kind, file_name=path.name, sha256=sha, rows=count,
                           rows_added=0, by=actor.username)
            uow.repo.add(imp)
            uow.session.flush()
            merges, notes = _merge(uow.repo, kind, records, imp, path, actor)
            problems = [p for mg in merges for p in mg.problems]
            if problems:
                if kind not in ("scenario", "plan"):
                    problems = _locate(kind, path, problems)
                raise InputError(problems)
            imp.rows_added = sum(mg.added for mg in merges)
            uow.repo.audit(actor.username, "import", imp.id, f"import_{kind}", None,
                           row_dict(imp))
            uow.session.flush()
            if before_import_commit is not None:
                before_import_commit()
            uow.commit()
            return ImportResult(kind, path.name, sha, count, imp.rows_added,
                                seconds=time.perf_counter() - started, notes=tuple(notes))
    except (IntegrityError, OperationalError, StaleDataError) as exc:
        raise _lost_race(kind, sha, path, exc, url) from None


def _lost_race(kind: str, sha: str, path: Path, exc: Exception, url: str | None) -> Exception:
    """The refusal for an import that lost a race with another one (nothing of it was
    written): the same file just imported by someone else, another import still writing
    (SQLite's lock timed out), overlapping rows written at the same moment, or claims a
    concurrent bank file changed (their version counter moved)."""
    if isinstance(exc, OperationalError) and "locked" not in str(exc.orig).lower():
        return exc  # a real database failure, not a race
    with UnitOfWork(url) as uow:
        winner = uow.repo.import_of(kind, sha)
        if winner is not None:
            return InputError([problem(path.name, "problem.ledger_import_raced", who=winner.by,
                                       id=winner.id)])
    if isinstance(exc, OperationalError):
        return InputError([problem(path.name, "problem.ledger_import_busy")])
    if isinstance(exc, StaleDataError):
        return InputError([problem(path.name, "problem.ledger_import_claims_raced")])
    return InputError([problem(path.name, "problem.ledger_import_overlap")])


EVENT_DATES = {"arrivals": "arrived_on", "charters": "depart_date", "bank_results": "paid_on"}
"""The date of each event file checked against the active policy's validity."""

PLAUSIBLE_MARGIN = dt.timedelta(days=366)


def _check_event_dates(kind: str, records: Any, path: Path, url: str | None) -> None:
    """Refuse an event file with a date more than a year before the active policy starts or
    after it ends (an open-ended policy: after today), naming file, row and column."""
    field = EVENT_DATES.get(kind)
    active = load_active_policy(url) if field else None
    if field is None or active is None:
        return
    policy = active[1]
    first = policy.valid_from - PLAUSIBLE_MARGIN
    last = (policy.valid_to or dt.date.today()) + PLAUSIBLE_MARGIN
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


def _read(kind: str, path: Path) -> tuple[Any, int]:
    if kind == "scenario":
        from planner.io import load_scenario

        scenario = load_scenario(path)
        return scenario, len(scenario.workers) + len(scenario.employers)
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
        employers = merge_employers(repo, records.employers, imp, "employers.csv")
        repo.session.flush()
        usccs = set(repo.employers_by_uscc())
        people = merge_people(repo, records.workers, imp, "workers.csv", usccs)
        if records.policy is not None:
            note = _store_policy(repo, records.policy, actor.username, path.name)
            if note:
                notes.append(note)
        return [employers, people], notes
    if kind == "plan":
        return _import_plan(repo, records, imp, path, actor)
    merge = Merge(path.name)
    if kind == "bank_results":
        return [_reconcile_bank(repo, records, imp, merge, actor)], notes
    return [EVENT_MERGES[kind](repo, records, imp, merge)], notes


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


# ========================================================================== policies
def _policy_module() -> Any:
    import planner.subsidies as subsidies

    return subsidies


def _store_policy(repo: LedgerRepository, policy: Any, actor: str, source: str) -> str | None:
    text = _policy_module().policy_to_toml(policy)
    sha = hashlib.sha256(text.encode()).hexdigest()
    for version in repo.policy_versions():
        if version.sha256 == sha:
            return None
        if version.name == policy.name and version.valid_from == policy.valid_from:
            return (f"policy {policy.name!r} from {policy.valid_from} is already stored with "
                    f"different rules; kept the stored one")
    # only an administrator activates a policy: the scenario's is kept as a draft
    row = m.PolicyVersion(name=policy.name, valid_from=policy.valid_from, toml_text=text,
                          sha256=sha, active=False, created_by=actor)
    repo.add(row)
    repo.session.flush()
    repo.audit(actor, "policy", row.id, "add_policy", None,
               row_dict(row, ("name", "valid_from", "active", "sha256")))
    return (f"stored policy {policy.name!r} as draft version {row.id}, not in force; "
            "an administrator activates it")


def add_policy_version(
    toml_text: str,
    actor: User | None = None,
    *,
    file_name: str = "policy.toml",
    activate: bool = True,
    url: str | None = None,
) -> int:
    """Store a policy (TOML text, checked by the rule engine) as a new version.

    Parameters
    ----------
    toml_text
        The policy file's text.
    actor
        An administrator (``None``: the command line).
    file_name
        Named in problems.
    activate
        Make it the active policy (others are deactivated).
    url
        Ledger URL.

    Returns
    -------
    int
        The policy version's id (an existing one if the same text is stored already).
    """
    if actor is not None:
        check_permission(actor, "manage_policies", url)
    who = actor.username if actor else "system"
    policy = _policy_module().parse_policy(toml_text, file_name)
    sha = hashlib.sha256(toml_text.encode()).hexdigest()
    with UnitOfWork(url) as uow:
        row = uow.session.scalars(
            select(m.PolicyVersion).where(m.PolicyVersion.sha256 == sha)
        ).first()
        if row is None:
            clash: m.PolicyVersion | None = uow.session.scalars(
                select(m.PolicyVersion).where(
                    m.PolicyVersion.name == policy.name,
                    m.PolicyVersion.valid_from == policy.valid_from,
                )
            ).first()
            if clash is not None and _same_rules(clash, policy):
                row = clash  # the same rules, written differently (e.g. a scenario's draft)
            elif clash is not None:
                raise InputError([problem(file_name, "problem.policy_clash", name=policy.name,
                                          valid_from=str(policy.valid_from))])
            else:
                row = m.PolicyVersion(name=policy.name, valid_from=policy.valid_from,
                                      toml_text=toml_text, sha256=sha, active=False,
                                      created_by=who)
                uow.repo.add(row)
                uow.session.flush()
                uow.repo.audit(who, "policy", row.id, "add_policy", None,
                               row_dict(row, ("name", "valid_from", "sha256")))
        if activate and not row.active:
            for other in uow.repo.policy_versions():
                if other.active:
                    other.active = False
            row.active = True
            uow.repo.audit(who, "policy", row.id, "activate_policy", {"active": False},
                           {"active": True})
        uow.commit()
        return row.id


def activate_policy(version_id: int, actor: User | None = None, *,
                    url: str | None = None) -> None:
    """Put a stored policy version (e.g. a scenario's draft) in force (administrators; ``None``:
    the command line); the others are deactivated."""
    if actor is not None:
        check_permission(actor, "manage_policies", url)
    who = actor.username if actor else "system"
    with UnitOfWork(url) as uow:
        versions = uow.repo.policy_versions()
        row = next((v for v in versions if v.id == version_id), None)
        if row is None:
            raise InputError([problem("policy", "problem.no_policy_version", id=version_id)])
        if row.active:
            return
        for other in versions:
            other.active = False
        row.active = True
        uow.repo.audit(who, "policy", row.id, "activate_policy", {"active": False},
                       {"active": True})
        uow.commit()


def policy_versions(*, url: str | None = None) -> pd.DataFrame:
    """Stored policy versions, newest first: id, name, title (the Chinese title in the file,
    or ""), valid_from, active, created_at, created_by."""
    with UnitOfWork(url) as uow:
        rows = [{**row_dict(v, ("id", "name", "valid_from", "active", "created_at",
                                "created_by")), "title": _policy_title(v.toml_text)}
                for v in uow.repo.policy_versions()]
    return pd.DataFrame(rows, columns=["id", "name", "title", "valid_from", "active",
                                       "created_at", "created_by"])


def _policy_title(toml_text: str) -> str:
    """The ``title`` a stored policy text gives (``""`` if none or unreadable)."""
    try:
        return str(tomllib.loads(toml_text).get("title", ""))
    except tomllib.TOMLDecodeError:
        return ""


def _same_rules(row: m.PolicyVersion, policy: Any) -> bool:
    try:
        return bool(_policy_module().parse_policy(row.toml_text, f"{row.name}.toml") == policy)
    except InputError:
        return False


def load_active_policy(url: str | None = None) -> tuple[int, Any] | None:
    """The active policy version's id and parsed ``Policy``, or ``None`` if none is stored."""
    with UnitOfWork(url) as uow:
        row = uow.repo.active_policy()
        if row is None:
            return None
        return row.id, _policy_module().parse_policy(row.toml_text, f"{row.name}.toml")


def ensure_default_policy(url: str | None = None) -> int:
    """Store and activate the shipped default policy (shangyu-2020) if no policy is active."""
    found = load_active_policy(url)
    if found is not None:
        return found[0]
    from planner.paths import DATA_DIR

    path = DATA_DIR / "policies" / "shangyu-2020.toml"
    return add_policy_version(path.read_text(encoding="utf-8"), None, file_name=path.name,
                              url=url)


# ============================================================================ claims
@dataclass(frozen=True, slots=True)
class ComputeResult:
    """What ``compute_claims`` did, in claims. ``voided``: drafts whose entitlement became 0."""

    added: int
    updated: int
    flagged: int
    unchanged: int
    lines: int
    policy: str
    flagged_keys: tuple[str, ...] = ()
    voided: int = 0


@dataclass(slots=True)
class _Tally:
    added: int = 0
    updated: int = 0
    flagged: int = 0
    unchanged: int = 0
    voided: int = 0
    flagged_keys: list[str] | None = None


def compute_claims(actor: User, *, url: str | None = None) -> ComputeResult:
    """Compute entitlements from the ledger with the active policy and upsert the claims.

    Every open claim (draft up to notice_done) is compared with its fresh entitlement, a fresh
    zero included (a line refused, or no line at all): a draft is updated, or voided when it
    became 0; a claim past draft is flagged for review (``needs_review``) and so cannot be paid
    until it is resolved; a flagged claim whose entitlement is back at its amount is unflagged.

    Parameters
    ----------
    actor
        An operator.
    url
        Ledger URL.

    Returns
    -------
    ComputeResult

    Raises
    ------
    InputError
        No active policy.
    """
    check_permission(actor, "compute_claims", url)
    from planner.ledger.facts import build_facts

    found = load_active_policy(url)
    if found is None:
        raise InputError([problem("policy", "problem.no_active_policy")])
    policy_id, policy = found
    subsidies = _policy_module()
    with UnitOfWork(url) as uow:
        facts = build_facts(uow.repo)
        try:
            lines = subsidies.compute_entitlements(policy, facts, include_zero=True)
        except subsidies.FactsConflict as exc:
            raise InputError([problem("ledger", "problem.contradictory_facts",
                                      why=str(exc))]) from None
        existing = uow.repo.claims_by_key()
        tally = _Tally(flagged_keys=[])
        created: list[m.Claim] = []
        for line in lines:
            claim = existing.pop(line.key, None)
            fresh = (int(line.amount_fen), stored_evidence(line.evidence), _jsonable(line.basis))
            if claim is None and fresh[0] > 0:
                claim = m.Claim(key=line.key, rule=str(line.rule),
                                payee_kind=str(getattr(line.payee_kind, "value", line.payee_kind)),
                                payee_id=line.payee_id, payee_name=line.payee_name,
                                amount_fen=fresh[0], evidence=fresh[1], basis=fresh[2],
                                policy_version_id=policy_id, state=ClaimState.DRAFT.value)
                uow.repo.add(claim)
                created.append(claim)
                tally.added += 1
            elif claim is not None:
                _revisit(uow, claim, fresh, policy_id, actor, tally)
        for claim in existing.values():  # no line at all any more: nothing is owed
            _revisit(uow, claim, (0, list(claim.evidence or []), dict(claim.basis or {})),
                     policy_id, actor, tally)
        uow.session.flush()
        for claim in created:
            uow.repo.audit(actor.username, "claim", claim.id, "create", None, _claim_dict(claim))
        uow.commit()
    return ComputeResult(tally.added, tally.updated, tally.flagged, tally.unchanged,
                         sum(1 for line in lines if line.amount_fen > 0), policy.name,
                         tuple(tally.flagged_keys or ()), tally.voided)


def _revisit(uow: UnitOfWork, claim: m.Claim, fresh: tuple[int, list[Any], Any],
             policy_id: int, actor: User, tally: _Tally) -> None:
    """Compare one existing claim with its fresh entitlement ``(amount, evidence, basis)``."""
    amount, evidence, _basis = fresh
    before = _claim_dict(claim)
    if claim.state == ClaimState.VOID and amount > 0:
        _decide(uow, claim, "revive", actor,
                note_json(msg("decision.entitlement_again", amount=amount)))
        _set_line(claim, fresh, policy_id)
        action = "revive"
        tally.updated += 1
    elif claim.state not in OPEN_STATES:
        tally.unchanged += 1  # paid, rejected or void: history, not revisited
        return
    elif claim.state == ClaimState.DRAFT and amount <= 0:
        _decide(uow, claim, "void", actor, note_json(msg("decision.entitlement_zero")))
        action = "void"
        tally.voided += 1
    elif claim.state == ClaimState.DRAFT and (claim.amount_fen, claim.evidence) != (amount,
                                                                                    evidence):
        _set_line(claim, fresh, policy_id)
        action = "recompute"
        tally.updated += 1
    elif claim.state != ClaimState.DRAFT and claim.amount_fen != amount:
        if claim.needs_review and claim.proposed_amount_fen == amount:
            tally.unchanged += 1
            return
        claim.needs_review = True
        claim.review_note = note_json(msg("review_note.recomputed", new=amount,
                                          old=claim.amount_fen,
                                          state=msg(f"claim_state.{claim.state}")))
        claim.proposed_amount_fen = amount
        action = "flag_for_review"
        tally.flagged += 1
        assert tally.flagged_keys is not None
        tally.flagged_keys.append(claim.key)
    elif claim.needs_review and claim.amount_fen == amount:
        claim.needs_review = False
        claim.review_note = note_json(msg("review_note.flag_cleared", amount=amount))
        claim.proposed_amount_fen = None
        action = "unflag"
        tally.updated += 1
    else:
        tally.unchanged += 1
        return
    uow.session.flush()
    uow.repo.audit(actor.username, "claim", claim.id, action, before, _claim_dict(claim))


def _set_line(claim: m.Claim, fresh: tuple[int, list[Any], Any], policy_id: int) -> None:
    claim.amount_fen, claim.evidence, claim.basis = fresh
    claim.policy_version_id = policy_id


def _decide(uow: UnitOfWork, claim: m.Claim, action: str, actor: User, reason: str) -> None:
    """Move ``claim`` by ``action`` (state machine checked), recorded as a decision."""
    target = next_state(claim.state, action)
    uow.repo.add(m.Decision(claim_id=claim.id, action=action, from_state=claim.state,
                            to_state=target.value, actor=actor.username, reason=reason))
    claim.state = target.value


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Message):
        return value.to_json()
    return str(value)


def _claim_dict(claim: m.Claim) -> dict[str, Any]:
    return row_dict(claim, ("key", "rule", "payee_id", "amount_fen", "state", "needs_review",
                            "paid_exception", "version"))


# ========================================================================== workflow
def _transition(
    uow: UnitOfWork,
    claim_id: int,
    action: str,
    actor: User,
    reason: str | None = None,
) -> tuple[m.Claim, dict[str, Any]]:
    claim = uow.repo.claim(claim_id)
    if claim is None:
        raise TransitionRefused(msg("refusal.no_claim", claim=claim_id))
    if after_claim_read is not None:
        after_claim_read()
    target = next_state(claim.state, action)
    before = _claim_dict(claim)
    uow.repo.add(m.Decision(claim_id=claim.id, action=action, from_state=claim.state,
                            to_state=target.value, actor=actor.username, reason=reason))
    claim.state = target.value
    return claim, before


def _finish(uow: UnitOfWork, changes: list[tuple[m.Claim, dict[str, Any], str]],
            actor: User) -> None:
    uow.session.flush()
    for claim, before, action in changes:
        uow.repo.audit(actor.username, "claim", claim.id, action, before, _claim_dict(claim))
    uow.commit()


@contextmanager
def _refuse_races(url: str | None) -> Iterator[UnitOfWork]:
    """A unit of work whose lost races (stale version, duplicate payment) become a clear
    ``TransitionRefused``; nothing of it is written."""
    with UnitOfWork(url) as uow:
        try:
            yield uow
        except (StaleDataError, IntegrityError):
            uow.rollback()
            raise TransitionRefused(msg("refusal.race")) from None


def _simple(action: str, permission: str, claim_ids: Iterable[int], actor: User,
            reason: str | None, url: str | None) -> int:
    check_permission(actor, permission, url)
    ids = list(claim_ids)
    with _refuse_races(url) as uow:
        changes = []
        for claim_id in ids:
            if action == "approve":
                _four_eyes(uow, claim_id, actor, "review", "approve")
            claim, before = _transition(uow, claim_id, action, actor, reason)
            if action == "review" and claim.needs_review:
                claim.needs_review = False
                if claim.proposed_amount_fen is not None:
                    claim.amount_fen = claim.proposed_amount_fen
                    claim.proposed_amount_fen = None
            changes.append((claim, before, action))
        _finish(uow, changes, actor)
    return len(ids)


def _four_eyes(uow: UnitOfWork, claim_id: int, actor: User, earlier: str, now: str) -> None:
    """Refuse ``now`` on a claim whose ``earlier`` decision (from its history) was ``actor``'s.

    Raises
    ------
    PermissionDenied
        The same person would do both steps; nothing changed.
    """
    done_by = uow.session.scalars(
        select(m.Decision.actor).where(m.Decision.claim_id == claim_id,
                                       m.Decision.action == earlier)
    ).all()
    if actor.username in done_by:
        raise PermissionDenied(msg("refusal.four_eyes", claim=claim_id, user=actor.username,
                                   earlier=msg(f"action.{earlier}"), now=msg(f"action.{now}")))


def review(claim_ids: Iterable[int], actor: User, *, note: str | None = None,
           url: str | None = None) -> int:
    """Mark draft claims reviewed (reviewer). Returns how many claims moved."""
    return _simple("review", "review", claim_ids, actor, note, url)


def approve(claim_ids: Iterable[int], actor: User, *, note: str | None = None,
            url: str | None = None) -> int:
    """Approve reviewed claims (approver). Returns how many claims moved."""
    return _simple("approve", "approve", claim_ids, actor, note, url)


def reject(claim_ids: Iterable[int], actor: User, reason: str, *,
           url: str | None = None) -> int:
    """Reject claims (reviewer or approver), with a reason. Returns how many moved."""
    if not reason.strip():
        raise InvalidRequest(msg("refusal.reason_needed"))
    return _simple("reject", "reject", claim_ids, actor, reason, url)


def reopen_flagged(claim_ids: Iterable[int], actor: User, *, note: str | None = None,
                   url: str | None = None) -> int:
    """Take claims a recompute flagged for review back to draft at their entitlement now
    (reviewer), to go through review, approval and notice again; one whose entitlement is now
    zero is voided. An open notice of the claim ends (outcome ``reopened``).

    Returns
    -------
    int
        How many claims were reopened.

    Raises
    ------
    TransitionRefused
        A claim is not flagged, is not past draft and open, or its payment is with the bank
        (pending: wait for the bank's answer; a payment the bank made anyway is recorded as
        paid with exception). Nothing changed.
    InputError
        No active policy, or contradictory facts.
    """
    check_permission(actor, "review", url)
    found = load_active_policy(url)
    if found is None:
        raise InputError([problem("policy", "problem.no_active_policy")])
    policy_id, policy = found
    ids = list(claim_ids)
    with _refuse_races(url) as uow:
        fresh = _entitlements_now(uow, policy)
        changes = []
        for claim_id in ids:
            _reopenable(uow, claim_id)
            claim, before = _transition(uow, claim_id, "reopen", actor, note or None)
            notice = uow.repo.open_notice(claim.id)
            if notice is not None:
                notice.closed_on = dt.date.today()
                notice.outcome = "reopened"
            line = fresh.get(claim.key)
            _set_line(claim, (int(line.amount_fen), stored_evidence(line.evidence),
                              _jsonable(line.basis))
                      if line is not None else (0, list(claim.evidence or []),
                                                dict(claim.basis or {})), policy_id)
            claim.needs_review = False
            claim.proposed_amount_fen = None
            claim.review_note = note_json(msg("review_note.reopened", amount=claim.amount_fen))
            if claim.amount_fen <= 0:
                _decide(uow, claim, "void", actor, note_json(msg("decision.entitlement_zero")))
            changes.append((claim, before, "reopen"))
        _finish(uow, changes, actor)
    return len(ids)


def _entitlements_now(uow: UnitOfWork, policy: Any) -> dict[str, Any]:
    """Entitlement lines by key on the ledger's facts now (zero lines included)."""
    from planner.ledger.facts import build_facts

    subsidies = _policy_module()
    try:
        lines = subsidies.compute_entitlements(policy, build_facts(uow.repo), include_zero=True)
    except subsidies.FactsConflict as exc:
        raise InputError([problem("ledger", "problem.contradictory_facts", why=str(exc))]) from None
    return {line.key: line for line in lines}


def _reopenable(uow: UnitOfWork, claim_id: int) -> None:
    """Refuse to reopen a claim that is not flagged, or whose payment is with the bank."""
    claim = uow.repo.claim(claim_id)
    if claim is None:
        raise TransitionRefused(msg("refusal.no_claim", claim=claim_id))
    if not claim.needs_review:
        raise TransitionRefused(msg("refusal.not_flagged", claim=claim_id))
    payment = uow.repo.payment_of(claim.id)
    if payment is not None and payment.status == "pending":
        raise TransitionRefused(msg("refusal.with_bank", claim=claim_id,
                                    payment=payment.payment_id))


def notice_working_days(url: str | None = None) -> int:
    """The active policy's notice length in working days (5 if no policy is stored)."""
    found = load_active_policy(url)
    if found is None:
        return 5
    return int(found[1].workflow.notice_working_days)


def _notice_calendar(url: str | None) -> tuple[int, tuple[dt.date, ...], tuple[dt.date, ...]]:
    """The active policy's notice length and its local holidays and workdays."""
    found = load_active_policy(url)
    if found is None:
        return 5, (), ()
    w = found[1].workflow
    return int(w.notice_working_days), tuple(w.local_holidays), tuple(w.local_workdays)


def publish_notice(claim_ids: Iterable[int], actor: User, *, on: dt.date | None = None,
                   url: str | None = None) -> dt.date:
    """Put approved claims on public notice from ``on`` (default today) for the policy's N
    Chinese working days (the policy's local holidays and workdays win over the official
    calendar). Returns the notice's last day.

    A notice reaching into a year the holiday library does not cover is counted Monday–Friday:
    it warns (``NoticeCalendarWarning``) and the warning is the reason of each claim's
    publish decision."""
    check_permission(actor, "publish_notice", url)
    on = on or dt.date.today()
    days, holidays, workdays = _notice_calendar(url)
    ends_on = add_working_days(on, days, holidays, workdays=workdays)
    warning = calendar_warning(on, ends_on)
    if warning:
        warnings.warn(NoticeCalendarWarning(warning), stacklevel=2)
    with _refuse_races(url) as uow:
        changes = []
        for claim_id in claim_ids:
            claim, before = _transition(uow, claim_id, "publish_notice", actor, warning)
            uow.repo.add(m.Notice(claim_id=claim.id, published_on=on, ends_on=ends_on,
                                  working_days=days))
            changes.append((claim, before, "publish_notice"))
        _finish(uow, changes, actor)
    return ends_on


def raise_objection(claim_id: int, actor: User, reason: str, *,
                    url: str | None = None) -> None:
    """Record an objection to a claim in notice (reviewer); the claim goes back to reviewed."""
    check_permission(actor, "object", url)
    if not reason.strip():
        raise InvalidRequest(msg("refusal.objection_needs_reason"))
    with _refuse_races(url) as uow:
        claim, before = _transition(uow, claim_id, "object", actor, reason)
        notice = uow.repo.open_notice(claim.id)
        if notice is not None:
            notice.closed_on = dt.date.today()
            notice.outcome = "objection"
            uow.repo.add(m.Objection(notice_id=notice.id, claim_id=claim.id,
                                     raised_by=actor.username, reason=reason))
        _finish(uow, [(claim, before, "object")], actor)


def close_notice(claim_ids: Iterable[int], actor: User, *, on: dt.date | None = None,
                 url: str | None = None) -> int:
    """End the notice of claims whose notice period is over (approver).

    Raises
    ------
    TransitionRefused
        A claim is not in notice, or its notice has not ended by ``on``.
    """
    check_permission(actor, "close_notice", url)
    on = on or dt.date.today()
    ids = list(claim_ids)
    with _refuse_races(url) as uow:
        changes = []
        for claim_id in ids:
            claim, before = _transition(uow, claim_id, "close_notice", actor)
            notice = uow.repo.open_notice(claim.id)
            if notice is not None:
                if on <= notice.ends_on:
                    raise TransitionRefused(msg("refusal.notice_runs", claim=claim.id,
                                                day=notice.ends_on.isoformat()))
                notice.closed_on = on
                notice.outcome = "done"
            changes.append((claim, before, "close_notice"))
        _finish(uow, changes, actor)
    return len(ids)


def payment_id_for(claim_id: int) -> str:
    """The payment id the bank sees for a claim's payment."""
    return f"JB{claim_id:08d}"


def issue_payments(claim_ids: Iterable[int] | None, actor: User, *,
                   url: str | None = None) -> list[str]:
    """Issue payment orders for claims whose notice is done (finance).

    A claim gets one payment, ever: issuing again after a bank failure re-opens the same
    payment (same id). ``None``: every notice_done claim without a pending or paid payment.

    Returns
    -------
    list of str
        The payment ids issued.
    """
    check_permission(actor, "issue_payment", url)
    issuer_not_approver = _issuer_not_approver(url)
    issued: list[str] = []
    with _refuse_races(url) as uow:
        claims = (uow.repo.claims(ClaimState.NOTICE_DONE.value) if claim_ids is None
                  else [c for c in (uow.repo.claim(i) for i in claim_ids) if c is not None])
        for claim in claims:
            payment = _issue(uow, claim, actor, issuer_not_approver)
            if payment is not None:
                issued.append(payment.payment_id)
        uow.commit()
    return issued


def _issuer_not_approver(url: str | None) -> bool:
    """Whether the active policy's ``[workflow]`` wants payment issuer ≠ approver."""
    found = load_active_policy(url)
    return bool(found is not None and found[1].workflow.issuer_not_approver)


def _issue(uow: UnitOfWork, claim: m.Claim, actor: User, issuer_not_approver: bool,
           batch: m.PaymentBatch | None = None) -> m.Payment | None:
    """Issue (or re-issue after a bank failure) the payment of one claim whose notice is done
    and which is not flagged; ``None`` if it is pending or paid already."""
    if claim.state != ClaimState.NOTICE_DONE:
        raise TransitionRefused(msg("refusal.not_after_notice", claim=claim.id,
                                    state=msg(f"claim_state.{claim.state}")))
    if claim.needs_review:
        raise TransitionRefused(msg("refusal.flagged", claim=claim.id,
                                    why=note_message(claim.review_note) or ""))
    if issuer_not_approver:
        _four_eyes(uow, claim.id, actor, "approve", "issue_payment")
    payment = uow.repo.payment_of(claim.id)
    if payment is None:
        payment = m.Payment(payment_id=payment_id_for(claim.id), claim_id=claim.id,
                            amount_fen=claim.amount_fen, status="pending",
                            created_by=actor.username, batch_id=batch.id if batch else None)
        uow.repo.add(payment)
        uow.session.flush()
        uow.repo.audit(actor.username, "payment", payment.payment_id, "issue", None,
                       row_dict(payment, ("payment_id", "claim_id", "amount_fen", "status",
                                          "batch_id")))
    elif payment.status == "failed" or (batch is not None and payment.status == "pending"
                                        and payment.batch_id is None):
        before = row_dict(payment, ("status", "failure_reason", "batch_id"))
        payment.status = "pending"
        payment.amount_fen = claim.amount_fen
        payment.batch_id = batch.id if batch else None
        uow.repo.audit(actor.username, "payment", payment.payment_id,
                       "reissue" if before["status"] == "failed" else "batch", before,
                       row_dict(payment, ("status", "failure_reason", "batch_id")))
    else:
        return None
    return payment


def record_payment(claim_id: int, actor: User, *, paid_on: dt.date | None = None,
                   url: str | None = None) -> str:
    """Record that a claim's payment went through (finance): the claim becomes paid, once.

    Returns
    -------
    str
        The payment id.

    Raises
    ------
    TransitionRefused
        The claim is not notice_done, is flagged for review, or it was paid at the same
        moment by someone else.
    """
    check_permission(actor, "record_payment", url)
    paid_on = paid_on or dt.date.today()
    with _refuse_races(url) as uow:
        flagged = uow.repo.claim(claim_id)
        if flagged is not None and flagged.needs_review:
            raise TransitionRefused(msg("refusal.flagged_record", claim=claim_id,
                                        why=note_message(flagged.review_note) or ""))
        claim, before = _transition(uow, claim_id, "record_payment", actor)
        payment = uow.repo.payment_of(claim.id)
        if payment is None:
            payment = m.Payment(payment_id=payment_id_for(claim.id), claim_id=claim.id,
                                amount_fen=claim.amount_fen, created_by=actor.username)
            uow.repo.add(payment)
        payment.status = "paid"
        payment.paid_on = paid_on
        _finish(uow, [(claim, before, "record_payment")], actor)
        return payment.payment_id


def _reconcile_bank(repo: LedgerRepository, records: Sequence[Any], imp: m.Import,
                    merge: Merge, actor: User) -> Merge:
    file = merge.file
    seen = {b.natural_key for b in repo.session.scalars(select(m.BankLine))}
    for i, r in enumerate(records):
        row = merge.at(i)
        status = str(getattr(r.status, "value", r.status)).lower()
        key = f"{r.payment_id}|{status}|{r.paid_on}|{r.amount_fen}"
        if key in seen:
            continue
        seen.add(key)
        payment = repo.payment(r.payment_id)
        if payment is None:
            merge.problem(row, "payment_id", msg("problem.unknown_payment", payment=r.payment_id))
            continue
        if int(r.amount_fen) != payment.amount_fen:
            merge.problem(row, "amount", msg("problem.bank_amount_differs", reported=r.amount_fen,
                                             payment=r.payment_id, amount=payment.amount_fen))
            continue
        reason = getattr(r, "reason", None) or getattr(r, "message", None)
        repo.add(m.BankLine(natural_key=key, payment_id=r.payment_id, status=status,
                            paid_on=r.paid_on, amount_fen=int(r.amount_fen), reason=reason,
                            import_id=imp.id))
        merge.added += 1
        claim = repo.claim(payment.claim_id)
        assert claim is not None
        before = row_dict(payment, ("status", "paid_on", "failure_reason"))
        if payment.status == "paid":
            continue  # paid once; a later failure or repeat never unpays or pays twice
        if status == "paid":
            if claim.state != ClaimState.NOTICE_DONE:
                merge.problem(row, "status", msg("problem.bank_claim_state", claim=claim.id,
                                                 payment=r.payment_id, state=str(claim.state)))
                continue
            _bank_paid(repo, claim, payment, r.paid_on, imp, actor, file)
        else:
            payment.status = "failed"
            payment.failure_reason = reason or "failed (no reason given by the bank)"
            payment.bank_file_sha256 = imp.sha256
        repo.audit(actor.username, "payment", payment.payment_id, f"bank_{status}", before,
                   row_dict(payment, ("status", "paid_on", "failure_reason")))
    return merge


def _bank_paid(repo: LedgerRepository, claim: m.Claim, payment: m.Payment,
               paid_on: dt.date | None, imp: m.Import, actor: User, file: str) -> None:
    """The bank paid: the claim becomes paid. Money that has left is never refused; if the
    claim was flagged for review or its amount no longer matches the payment, it is marked
    ``paid_exception`` with a note and an audit entry, for the auditor."""
    claim_before = _claim_dict(claim)
    differs = claim.amount_fen != payment.amount_fen
    code = {(True, False): "flagged", (False, True): "amount",
            (True, True): "flagged_amount"}.get((bool(claim.needs_review), differs))
    repo.add(m.Decision(claim_id=claim.id, action="record_payment",
                        from_state=claim.state, to_state=ClaimState.PAID.value,
                        actor=actor.username,
                        reason=note_json(msg("decision.bank_file", file=file))))
    claim.state = ClaimState.PAID.value
    if code is not None:
        claim.paid_exception = True
        claim.exception_note = note_json(msg(f"paid_exception.{code}", file=file,
                                             claim=claim.amount_fen, paid=payment.amount_fen))
    payment.status = "paid"
    payment.paid_on = paid_on or dt.date.today()
    payment.bank_file_sha256 = imp.sha256
    repo.session.flush()
    repo.audit(actor.username, "claim", claim.id,
               "paid_with_exception" if code is not None else "record_payment", claim_before,
               _claim_dict(claim))


# ============================================================================= reads
def list_claims(state: str | None = None, rule: str | None = None, *,
                url: str | None = None) -> pd.DataFrame:
    """Claims as a table.

    Returns
    -------
    pandas.DataFrame
        Columns ``CLAIM_COLUMNS``: claim_id, key, rule, payee_kind, payee_id, payee_name,
        amount_fen, state, needs_review, review_note, payment_id, payment_status, paid_on,
        evidence (``;``-joined), version, paid_exception (the bank paid it although it was
        flagged or its amount changed) and exception_note.
    """
    with UnitOfWork(url) as uow:
        payments = {p.claim_id: p for p in uow.session.scalars(select(m.Payment))}
        rows = []
        for c in uow.repo.claims(state, rule):
            p = payments.get(c.id)
            rows.append({
                "claim_id": c.id, "key": c.key, "rule": c.rule, "payee_kind": c.payee_kind,
                "payee_id": c.payee_id, "payee_name": c.payee_name, "amount_fen": c.amount_fen,
                "state": c.state, "needs_review": c.needs_review,
                "review_note": note_message(c.review_note),
                "payment_id": p.payment_id if p else None,
                "payment_status": p.status if p else None,
                "paid_on": p.paid_on if p else None,
                "evidence": evidence_messages(c.evidence, c.rule),
                "version": c.version,
                "paid_exception": bool(c.paid_exception),
                "exception_note": note_message(c.exception_note),
            })
    return pd.DataFrame(rows, columns=CLAIM_COLUMNS)


def claim_history(claim_id: int, *, url: str | None = None) -> pd.DataFrame:
    """A claim's decisions: at, actor, action, from_state, to_state, reason (a ``Message``
    when the system decided, the text a person typed otherwise)."""
    with UnitOfWork(url) as uow:
        rows = [
            {"at": d.at, "actor": d.actor, "action": d.action, "from_state": d.from_state,
             "to_state": d.to_state, "reason": reason_message(d.reason)}
            for d in uow.session.scalars(
                select(m.Decision).where(m.Decision.claim_id == claim_id).order_by(m.Decision.id)
            )
        ]
    return pd.DataFrame(rows, columns=["at", "actor", "action", "from_state", "to_state",
                                       "reason"])


def audit_log(entity: str | None = None, entity_id: object = None, *,
              url: str | None = None) -> pd.DataFrame:
    """The audit log: at, actor, entity, entity_id, action, before, after (oldest first)."""
    with UnitOfWork(url) as uow:
        rows = [
            {"at": a.at, "actor": a.actor, "entity": a.entity, "entity_id": a.entity_id,
             "action": a.action, "before": a.before, "after": a.after}
            for a in uow.repo.audit_log(entity, entity_id)
        ]
    return pd.DataFrame(rows, columns=["at", "actor", "entity", "entity_id", "action", "before",
                                       "after"])


def list_imports(*, url: str | None = None) -> pd.DataFrame:
    """Imports, newest first: id, kind, file_name, sha256, rows, rows_added, at, by."""
    with UnitOfWork(url) as uow:
        rows = [row_dict(i) for i in uow.repo.imports()]
    return pd.DataFrame(rows, columns=["id", "kind", "file_name", "sha256", "rows",
                                       "rows_added", "at", "by"])


def ledger_counts(*, url: str | None = None) -> dict[str, int]:
    """How many rows each ledger table holds (for a status page)."""
    tables = {
        "employers": m.Employer, "people": m.Person, "trips": m.Trip,
        "manifest": m.ManifestEntry, "events": m.Event, "charters": m.Charter,
        "charter_riders": m.CharterRider, "headcounts": m.Headcount,
        "placements": m.Placement, "claims": m.Claim, "payments": m.Payment,
        "imports": m.Import, "audit_log": m.AuditEntry, "users": m.User,
    }
    with UnitOfWork(url) as uow:
        return {name: uow.repo.count(model) for name, model in tables.items()}


def is_empty(*, url: str | None = None) -> bool:
    """Whether the ledger holds no people and no claims (or is not initialised)."""
    if not is_initialised(url):
        return True
    counts = ledger_counts(url=url)
    return counts["people"] == 0 and counts["claims"] == 0


def operator_for(role: Role | str) -> User:
    """The command line's actor for a role (``system:<role>``)."""
    return system_actor(role)



# =========================================================================== exports
#: ``--state all``: every claim still owed or paid (not rejected, not void).
ALL_OWED = "all"

FINANCE_COLUMNS = ["claim_id", "payment_id", "rule", "payee_kind", "payee_id", "payee_name",
                   "amount_fen", "evidence", "state", "bank_name", "bank_account", "batch"]


def _states(state: str | None, default: tuple[str, ...]) -> tuple[str, ...]:
    """The states ``--state`` names (one, several comma-separated, or ``all``)."""
    if state is None:
        return default
    if state.strip() == ALL_OWED:
        return tuple(s.value for s in ClaimState
                     if s not in (ClaimState.REJECTED, ClaimState.VOID))
    names = tuple(s.strip() for s in state.split(",") if s.strip())
    known = {s.value for s in ClaimState}
    bad = [n for n in names if n not in known]
    if bad or not names:
        raise InputError([problem("--state", "problem.cli_unknown_state",
                                  state=", ".join(bad) or repr(state), all_owed=ALL_OWED,
                                  states=", ".join(s.value for s in ClaimState))])
    return names


def _payable(claim: m.Claim, payment: m.Payment | None) -> bool:
    """May be paid now: notice over and closed, not flagged, not paid."""
    return (claim.state == ClaimState.NOTICE_DONE and not claim.needs_review
            and (payment is None or payment.status != "paid"))


def _finance_rows(uow: UnitOfWork, claims: Iterable[m.Claim]) -> pd.DataFrame:
    """Finance-list rows of ``claims``, with the payee's bank fields and the payment batch."""
    payments = {p.claim_id: p for p in uow.session.scalars(select(m.Payment))}
    batches = {b.id: b.number for b in uow.session.scalars(select(m.PaymentBatch))}
    banks = {p.id_number: (p.bank_name, p.bank_account)
             for p in uow.session.scalars(select(m.Person))}
    banks.update({e.uscc: (e.bank_name, e.bank_account)
                  for e in uow.session.scalars(select(m.Employer))})
    rows = []
    for c in claims:
        p = payments.get(c.id)
        bank_name, bank_account = banks.get(c.payee_id, (None, None))
        rows.append({
            "claim_id": c.id, "payment_id": p.payment_id if p else None, "rule": c.rule,
            "payee_kind": c.payee_kind, "payee_id": c.payee_id, "payee_name": c.payee_name,
            "amount_fen": c.amount_fen, "evidence": evidence_messages(c.evidence, c.rule),
            "state": c.state, "bank_name": bank_name, "bank_account": bank_account,
            "batch": batches.get(p.batch_id) if p and p.batch_id and p.status == "pending"
            else None,
        })
    return pd.DataFrame(rows, columns=FINANCE_COLUMNS)


def finance_lines(state: str | None = None, *, url: str | None = None) -> pd.DataFrame:
    """The lines of the finance list.

    Parameters
    ----------
    state
        ``None``: the lines payable now — notice over (notice_done), not flagged for review,
        not paid. Otherwise the claims of that state (several comma-separated, or ``all``:
        every claim but the rejected and void ones).

    Returns
    -------
    pandas.DataFrame
        ``FINANCE_COLUMNS``: claim_id, payment_id, rule, payee_kind, payee_id (ID number or
        credit code), payee_name, amount_fen, evidence, state, bank_name, bank_account (the
        payee's registration, where it has them) and batch (the open payment batch holding the
        line).
    """
    states = _states(state, (ClaimState.NOTICE_DONE.value,))
    with UnitOfWork(url) as uow:
        payments = {p.claim_id: p for p in uow.session.scalars(select(m.Payment))}
        claims = [c for c in uow.repo.claims() if c.state in states
                  and (state is not None or _payable(c, payments.get(c.id)))]
        return _finance_rows(uow, claims)


def _next_batch_number(uow: UnitOfWork, today: dt.date) -> str:
    prefix = f"PB-{today.year}-"
    taken = uow.session.scalars(
        select(m.PaymentBatch.number).where(m.PaymentBatch.number.like(f"{prefix}%"))).all()
    return f"{prefix}{max((int(n[len(prefix):]) for n in taken), default=0) + 1:04d}"


def _lines_sha256(lines: pd.DataFrame) -> str:
    digest = hashlib.sha256()
    for r in lines.sort_values("payment_id").to_dict("records"):
        digest.update(f"{r['payment_id']}|{r['payee_id']}|{int(r['amount_fen'])}\n".encode())
    return digest.hexdigest()


def payment_batch(actor: User, *, url: str | None = None) -> tuple[str | None, pd.DataFrame]:
    """Put the payable lines not yet sent to the bank into a new payment batch (issuing their
    payments) and return the newest open batch's number and its pending lines.

    First every claim whose notice is done is checked against its entitlement on the facts
    now (``_recheck_entitlements``): a claim that no longer matches is flagged, not batched.
    A batch is open while any of its payments is pending (the bank has not answered). A line
    in an open batch is never batched again; a line whose payment failed goes into the next
    batch. Exporting again with nothing new re-exports the newest open batch (same number,
    same lines). ``(None, empty)`` if nothing is payable or pending.

    Raises
    ------
    PermissionDenied
        The actor may not issue payments (finance), or the policy wants issuer ≠ approver and
        the actor approved one of the lines.
    """
    check_permission(actor, "issue_payment", url)
    issuer_not_approver = _issuer_not_approver(url)
    found = load_active_policy(url)
    with _refuse_races(url) as uow:
        if found is not None:
            _recheck_entitlements(uow, found, actor)
        payments = {p.claim_id: p for p in uow.session.scalars(select(m.Payment))}
        fresh = [c for c in uow.repo.claims(ClaimState.NOTICE_DONE.value)
                 if _payable(c, payments.get(c.id)) and (
                     c.id not in payments or payments[c.id].status == "failed"
                     or payments[c.id].batch_id is None)]
        if fresh:
            batch = m.PaymentBatch(number=_next_batch_number(uow, dt.date.today()),
                                   created_by=actor.username, lines=len(fresh),
                                   total_fen=sum(c.amount_fen for c in fresh), lines_sha256="")
            uow.repo.add(batch)
            uow.session.flush()
            for claim in fresh:
                _issue(uow, claim, actor, issuer_not_approver, batch)
            uow.session.flush()
            batch.lines_sha256 = _lines_sha256(_finance_rows(uow, fresh))
            uow.repo.audit(actor.username, "payment_batch", batch.number, "create_batch", None,
                           row_dict(batch, ("number", "lines", "total_fen", "lines_sha256")))
            uow.commit()
        open_ids = {p.batch_id for p in uow.session.scalars(select(m.Payment))
                    if p.status == "pending" and p.batch_id is not None}
        if not open_ids:
            return None, _finance_rows(uow, [])
        newest = uow.session.get(m.PaymentBatch, max(open_ids))
        assert newest is not None
        pending = [p.claim_id for p in uow.session.scalars(
            select(m.Payment).where(m.Payment.batch_id == newest.id,
                                    m.Payment.status == "pending").order_by(m.Payment.id))]
        claims = [c for c in (uow.repo.claim(i) for i in pending) if c is not None]
        return newest.number, _finance_rows(uow, claims)


def _recheck_entitlements(uow: UnitOfWork, policy: tuple[int, Any], actor: User) -> None:
    """Before a batch: compare each claim whose notice is done with its entitlement on the
    ledger's facts now (evidence imported since the last compute included); one that no longer
    matches is flagged for review, as a recompute would, and so is left out of the batch."""
    from planner.ledger.facts import build_facts

    subsidies = _policy_module()
    try:
        lines = subsidies.compute_entitlements(policy[1], build_facts(uow.repo),
                                               include_zero=True)
    except subsidies.FactsConflict as exc:
        raise InputError([problem("ledger", "problem.contradictory_facts", why=str(exc))]) from None
    fresh = {line.key: line for line in lines}
    tally = _Tally(flagged_keys=[])
    for claim in uow.repo.claims(ClaimState.NOTICE_DONE.value):
        line = fresh.get(claim.key)
        amount = int(line.amount_fen) if line is not None else 0
        _revisit(uow, claim, (amount, list(claim.evidence or []), claim.basis), policy[0],
                 actor, tally)


def _state_label(state: str | None, default: tuple[str, ...], payable: bool) -> str:
    """What the file says about the states it holds (Chinese)."""
    from planner.ledger.workflow import STATE_ZH

    names = "、".join(STATE_ZH.get(s, s) for s in _states(state, default))
    if state is not None and state.strip() == ALL_OWED:
        return f"全部应付（{names}）"
    return f"可拨付：{names}，未拨付，无复核标记" if payable else names


def export_finance_list(path: str | Path, actor: User, *, state: str | None = None,
                        url: str | None = None) -> Path:
    """Write the finance list xlsx (summary sheet + one sheet per rule, totals that add up).

    It carries full ID numbers: finance, auditor and admin only; audited (``_audit_export``).
    By default it holds the lines payable now as a numbered payment batch (``payment_batch``)
    when ``actor`` is finance; another allowed role gets the payable lines as a preview, not
    batched. ``state`` selects other claims explicitly (no batch). The file names the batch
    and the states it holds.
    """
    from planner.ledger.exports import write_finance_list

    actor = check_permission(actor, "export_finance_list", url)
    default = (ClaimState.NOTICE_DONE.value,)
    label = _state_label(state, default, payable=state is None)
    if state is not None:
        lines = finance_lines(state, url=url)
        written = write_finance_list(lines, path, states=label)
    elif actor.role not in PERMISSIONS["issue_payment"]:
        lines = finance_lines(None, url=url)
        written = write_finance_list(lines, path, states=label,
                                     batch="预览（未编入拨付批次，不作拨付依据）")
    else:
        number, lines = payment_batch(actor, url=url)
        written = write_finance_list(lines, path, states=label,
                                     batch=number or "（无可拨付条目）")
        if number is not None:
            _record_batch_file(number, written, actor, url)
    _audit_export(actor, "finance_list", written, len(lines), state, url)
    return written


def _record_batch_file(number: str, path: Path, actor: User, url: str | None) -> None:
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    with UnitOfWork(url) as uow:
        batch = uow.session.scalars(
            select(m.PaymentBatch).where(m.PaymentBatch.number == number)).one()
        before = row_dict(batch, ("number", "file_sha256"))
        batch.file_sha256 = sha
        uow.repo.audit(actor.username, "payment_batch", number, "export_batch", before,
                       row_dict(batch, ("number", "file_sha256")))
        uow.commit()


def export_notice(path: str | Path, actor: User, *, state: str | None = None,
                  url: str | None = None) -> Path:
    """Write the public notice (xlsx or csv by suffix), names, IDs and phones masked. By
    default it holds the claims in notice; ``state`` selects others explicitly.

    Approver, finance, auditor and admin; audited (``_audit_export``).
    """
    from planner.ledger.exports import write_notice

    check_permission(actor, "export_notice", url)
    default = (ClaimState.IN_NOTICE.value,)
    states = _states(state, default)
    lines = finance_lines(",".join(states), url=url)
    written = write_notice(lines, path, states=_state_label(state, default, payable=False))
    _audit_export(actor, "notice", written, len(lines), state, url)
    return written


def _audit_export(actor: User, what: str, path: str | Path, rows: int, state: str | None,
                  url: str | None) -> None:
    """One audit entry per export: who (the actor), what, when (the entry's time), the file
    name, row count, the file's SHA-256 and the state selected."""
    path = Path(path)
    with UnitOfWork(url) as uow:
        uow.repo.audit(actor.username, "export", what, f"export_{what}", None,
                       {"file": path.name, "rows": rows, "sha256": content_sha256(path),
                        "state": state})
        uow.commit()


def returns_report(*, url: str | None = None) -> dict[str, pd.DataFrame]:
    """People brought back by province, county, employer, day and mode against demand (see
    ``planner.ledger.reports.returns_report``)."""
    from planner.ledger import reports

    with UnitOfWork(url) as uow:
        return reports.returns_report(uow.repo)


def retention_report(*, url: str | None = None) -> dict[str, pd.DataFrame]:
    """Retention at 3 and 6 months by origin province and employer."""
    from planner.ledger import reports

    with UnitOfWork(url) as uow:
        return reports.retention_report(uow.repo)


def east_west_report(*, url: str | None = None) -> pd.DataFrame:
    """Registered-poor people placed and still employed, paired counties and totals."""
    from planner.ledger import reports

    with UnitOfWork(url) as uow:
        return reports.east_west_report(uow.repo)


def money_by_rule(*, url: str | None = None) -> pd.DataFrame:
    """Money owed, approved and paid by rule (yuan), with a total row."""
    from planner.ledger import reports

    with UnitOfWork(url) as uow:
        return reports.money_report(uow.repo)


def export_returns(path: str | Path, actor: User, *, url: str | None = None) -> Path:
    """Write the returns report xlsx: returns against demand, retention, east–west, money
    (any signed-in role; audited, the row count being the rows of every sheet)."""
    from planner.ledger.exports import write_report_book

    check_permission(actor, "export_returns", url)
    returns = returns_report(url=url)
    retention = retention_report(url=url)
    sheets = {
        "按省份": returns["province"],
        "按县": returns["county"],
        "按企业": returns["employer"],
        "按日期": returns["day"],
        "按方式": returns["mode"],
        "留存-省份": retention["province"],
        "留存-企业": retention["employer"],
        "东西部协作": east_west_report(url=url),
        "补助资金": money_by_rule(url=url),
    }
    written = write_report_book(sheets, path)
    _audit_export(actor, "returns", written, sum(len(frame) for frame in sheets.values()),
                  None, url)
    return written


# ============================================================================== demo
DEMO_WORKERS = 1500
#: the folder the demo's plan is written to; its name is the plan's name in the app
DEMO_PLAN = "演示方案"


def seed_demo(
    url: str | None = None,
    *,
    n_workers: int = DEMO_WORKERS,
    seed: int = 2020,
    work_limit: float = 5.0,
    folder: str | Path | None = None,
    plan: Any = None,
    shipped: bool = True,
) -> str | None:
    """Fill an empty ledger with the demo, so a first start shows a living ledger.

    The seeded scenario is the shipped ``data/demo`` (every employer, the fleet, the load caps
    and the policies) with ``n_workers`` of its people (``write_shipped_demo_sample``), so the
    shipped files upload into the seeded app without a problem; with ``shipped=False`` (or no
    shipped demo) a demo of ``n_workers`` is generated from ``seed`` instead.

    Writes the demo scenario, plans it (``plan_scenario`` with a deterministic work limit),
    simulates what happened (``planner.ledger.demo_events``), imports scenario, plan and events,
    computes the claims and walks them through the workflow so every state appears: most are
    paid (through a bank result file, one payment failing), some wait in each earlier state,
    one is rejected and one went back to review after an objection.

    Parameters
    ----------
    url
        Ledger URL.
    n_workers, seed
        Size and seed of the demo.
    work_limit
        The planner's deterministic work limit.
    folder
        Where the demo's files are written (default: ``<user data>/demo-ledger``).
    plan
        A ready plan of the demo scenario (skips planning; tests).
    shipped
        Sample the shipped demo (default) rather than generate one.

    Returns
    -------
    str or None
        A one-line summary, or ``None`` when the ledger was not empty (nothing done).
    """
    from planner.demo import write_demo
    from planner.io import load_scenario, write_plan, write_table
    from planner.ledger.demo_events import EVENT_ORDER, simulate_events
    from planner.paths import user_data_dir

    url = ensure_ledger(url)
    if not is_empty(url=url):
        return None
    root = Path(folder) if folder else user_data_dir() / "demo-ledger"
    if not (shipped and write_shipped_demo_sample(root / "scenario", n_workers, seed)):
        write_demo(root / "scenario", seed=seed, n_workers=n_workers, force=True)
    scenario = load_scenario(root / "scenario")
    if plan is None:
        from planner.optimise.params import PlanParams
        from planner.services.planning import plan_scenario

        params = PlanParams(time_limit_s=60.0, work_limit=work_limit, seed=seed)
        try:
            plan = plan_scenario(scenario, params)
        except Exception:  # the demo must start even if the optimiser fails
            from planner.services.planning import plan_by_hand

            plan = plan_by_hand(scenario, params)
    write_plan(plan, root / DEMO_PLAN)
    events = simulate_events(scenario, plan, seed)
    (root / "events").mkdir(parents=True, exist_ok=True)
    operator = system_actor(Role.OPERATOR)
    import_path("scenario", root / "scenario", operator, url=url)
    import_path("plan", root / DEMO_PLAN, operator, url=url)
    for kind in EVENT_ORDER:
        import_path(kind, write_table(events[kind], root / "events" / f"{kind}.csv"), operator,
                    url=url)
    ensure_default_policy(url)
    computed = compute_claims(operator, url=url)
    _walk_demo_claims(url, root)
    states = list_claims(url=url)["state"].value_counts().to_dict()
    return (f"demo ledger: {len(scenario.workers)} people, {len(plan.trips)} trips, "
            f"{computed.added} claims ({', '.join(f'{k} {v}' for k, v in sorted(states.items()))})")


def write_shipped_demo_sample(folder: Path, n_workers: int, seed: int) -> bool:
    """Copy the shipped demo (``data/demo``) to ``folder`` keeping ``n_workers`` of its people.

    The people kept are a seeded sample, in the order of the shipped ``workers.csv``, byte for
    byte; every other table is copied whole. Returns ``False`` (nothing written) when there is
    no shipped demo.
    """
    import random
    import shutil

    from planner.paths import DATA_DIR

    source = DATA_DIR / "demo"
    if not (source / "scenario.toml").is_file() or not (source / "workers.csv").is_file():
        return False
    folder.mkdir(parents=True, exist_ok=True)
    for path in source.iterdir():
        if path.is_file() and path.name != "workers.csv":
            shutil.copyfile(path, folder / path.name)
    header, *rows = (source / "workers.csv").read_bytes().splitlines(keepends=True)
    if n_workers < len(rows):
        keep = sorted(random.Random(seed).sample(range(len(rows)), n_workers))
        rows = [rows[i] for i in keep]
    (folder / "workers.csv").write_bytes(header + b"".join(rows))
    return True


def _walk_demo_claims(url: str, root: Path) -> None:
    reviewer = system_actor(Role.REVIEWER)
    approver = system_actor(Role.APPROVER)
    finance = system_actor(Role.FINANCE)
    claims = list_claims(url=url)
    if claims.empty:
        return
    # round robin over the rules, so every rule has claims in every state
    claims["rank"] = claims.groupby("rule").cumcount()
    ids = [int(i) for i in claims.sort_values(["rank", "claim_id"])["claim_id"]]
    # one claim per bucket first, then the rest by share
    shares = {"paid": 0.5, "done": 0.1, "notice": 0.1, "objected": 0.0, "approved": 0.1,
              "reviewed": 0.1, "rejected": 0.0, "draft": 0.1}
    buckets: dict[str, list[int]] = {name: [] for name in shares}
    names = list(shares)
    rest = ids[len(names):]
    for name, claim_id in zip(names, ids, strict=False):
        buckets[name].append(claim_id)
    start = 0
    for name, share in shares.items():
        take = round(len(rest) * share)
        buckets[name] += rest[start:start + take]
        start += take
    buckets["draft"] += rest[start:]
    paid, done, notice = buckets["paid"], buckets["done"], buckets["notice"]
    objected, approved = buckets["objected"], buckets["approved"]
    through_notice = paid + done
    in_notice = notice + objected
    beyond_review = through_notice + in_notice + approved
    review(beyond_review + buckets["reviewed"] + buckets["rejected"], reviewer, url=url)
    if buckets["rejected"]:
        reject(buckets["rejected"], approver, note_json(msg("decision.duplicate_roster")),
               url=url)
    approve(beyond_review, approver, url=url)
    if through_notice:
        publish_notice(through_notice, approver, on=dt.date(2020, 4, 1), url=url)
        # Qingming (2020-04-04..06) is off: the notice from 04-01 runs to 04-09
        close_notice(through_notice, approver, on=dt.date(2020, 4, 10), url=url)
    if in_notice:
        publish_notice(in_notice, approver, on=dt.date(2020, 4, 20), url=url)
    for claim_id in objected:
        raise_objection(claim_id, reviewer, "异议：该人员已乘坐政府专车返岗", url=url)
    issued = issue_payments(paid, finance, url=url)
    after = list_claims(url=url)
    amounts = dict(zip(after["payment_id"], after["amount_fen"], strict=True))
    rows = []
    for k, pid in enumerate(issued):
        status = "failed" if k == len(issued) - 1 and len(issued) > 3 else "paid"
        rows.append({"payment_id": pid, "status": status,
                     "paid_on": "2020-04-15" if status == "paid" else "",
                     "amount": f"{amounts[pid] / 100:.2f}"})
    if rows:
        from planner.io import write_table

        bank = write_table(pd.DataFrame(rows), root / "events" / "bank_results.csv")
        import_path("bank_results", bank, finance, url=url)
