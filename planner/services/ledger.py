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
- every change writes the audit log (who, when, before, after) in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from planner.ledger import models as m
from planner.ledger.db import default_database_url, init_db, is_initialised
from planner.ledger.importers import (
    EVENT_MERGES,
    Merge,
    merge_employers,
    merge_people,
)
from planner.ledger.repository import LedgerRepository, UnitOfWork, row_dict
from planner.ledger.workflow import (
    ClaimState,
    TransitionRefused,
    add_working_days,
    next_state,
)
from planner.problems import InputError, Problem
from planner.services.auth import PermissionDenied, Role, User, check_permission, system_actor

__all__ = [
    "IMPORT_KINDS",
    "ClaimState",
    "ComputeResult",
    "ImportResult",
    "PermissionDenied",
    "TransitionRefused",
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
    "payment_id_for",
    "publish_notice",
    "raise_objection",
    "record_payment",
    "reject",
    "retention_report",
    "returns_report",
    "review",
    "seed_demo",
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


def content_sha256(path: Path) -> str:
    """SHA-256 of a file, or of a folder's files (names and contents, in name order)."""
    digest = hashlib.sha256()
    if path.is_dir():
        for child in sorted(p for p in path.rglob("*") if p.is_file()):
            digest.update(str(child.relative_to(path)).encode())
            digest.update(b"\0")
            digest.update(child.read_bytes())
            digest.update(b"\0")
    else:
        digest.update(path.read_bytes())
    return digest.hexdigest()


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
        raise InputError([Problem(str(path), f"unknown kind {kind!r}; choose one of "
                                  f"{', '.join(IMPORT_KINDS)}")])
    check_permission(actor, "import_bank_results" if kind == "bank_results" else "import")
    path = Path(path)
    if kind in ("scenario", "plan"):
        if not path.is_dir():
            raise InputError([Problem(str(path), f"{kind}: expected a folder")])
    elif not path.is_file():
        raise InputError([Problem(str(path), "no such file")])
    sha = content_sha256(path)
    with UnitOfWork(url) as uow:
        if uow.repo.import_of(kind, sha) is not None:
            return ImportResult(kind, path.name, sha, 0, 0, already=True,
                                seconds=time.perf_counter() - started)
    records, count = _read(kind, path)
    with UnitOfWork(url) as uow:
        if uow.repo.import_of(kind, sha) is not None:  # someone was faster
            return ImportResult(kind, path.name, sha, count, 0, already=True)
        imp = m.Import(kind=kind, file_name=path.name, sha256=sha, rows=count, rows_added=0,
                       by=actor.username)
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
        try:
            uow.commit()
        except IntegrityError as exc:  # a concurrent import of overlapping rows
            raise InputError([Problem(path.name, f"conflicting concurrent change: {exc.orig}")]
                             ) from None
        return ImportResult(kind, path.name, sha, count, imp.rows_added,
                            seconds=time.perf_counter() - started, notes=tuple(notes))


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
    activate = repo.active_policy() is None
    row = m.PolicyVersion(name=policy.name, valid_from=policy.valid_from, toml_text=text,
                          sha256=sha, active=activate, created_by=actor)
    repo.add(row)
    repo.session.flush()
    repo.audit(actor, "policy", row.id, "add_policy", None,
               row_dict(row, ("name", "valid_from", "active", "sha256")))
    return f"stored policy {policy.name!r}" + (" (active)" if activate else "")


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
        check_permission(actor, "manage_policies")
    who = actor.username if actor else "system"
    policy = _policy_module().parse_policy(toml_text, file_name)
    sha = hashlib.sha256(toml_text.encode()).hexdigest()
    with UnitOfWork(url) as uow:
        row = uow.session.scalars(
            select(m.PolicyVersion).where(m.PolicyVersion.sha256 == sha)
        ).first()
        if row is None:
            clash = uow.session.scalars(
                select(m.PolicyVersion).where(
                    m.PolicyVersion.name == policy.name,
                    m.PolicyVersion.valid_from == policy.valid_from,
                )
            ).first()
            if clash is not None:
                raise InputError([Problem(file_name, f"a different policy {policy.name!r} valid "
                                          f"from {policy.valid_from} is stored already; give "
                                          "the new version another name or valid_from")])
            row = m.PolicyVersion(name=policy.name, valid_from=policy.valid_from,
                                  toml_text=toml_text, sha256=sha, active=False, created_by=who)
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
    """What ``compute_claims`` did, in claims."""

    added: int
    updated: int
    flagged: int
    unchanged: int
    lines: int
    policy: str
    flagged_keys: tuple[str, ...] = ()


def compute_claims(actor: User, *, url: str | None = None) -> ComputeResult:
    """Compute entitlements from the ledger with the active policy and upsert the claims.

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
    check_permission(actor, "compute_claims")
    from planner.ledger.facts import build_facts

    found = load_active_policy(url)
    if found is None:
        raise InputError([Problem("policy", "no active policy: import a scenario or add one")])
    policy_id, policy = found
    subsidies = _policy_module()
    with UnitOfWork(url) as uow:
        facts = build_facts(uow.repo)
        try:
            lines = subsidies.compute_entitlements(policy, facts)
        except subsidies.FactsConflict as exc:
            raise InputError([Problem("ledger", f"contradictory facts: {exc}")]) from None
        existing = uow.repo.claims_by_key()
        added = updated = flagged = unchanged = 0
        flagged_keys: list[str] = []
        created: list[m.Claim] = []
        for line in lines:
            evidence = list(line.evidence)
            basis = _jsonable(line.basis)
            claim = existing.get(line.key)
            if claim is None and int(line.amount_fen) <= 0:
                continue  # nothing owed: no claim to pay
            if claim is None:
                claim = m.Claim(key=line.key, rule=str(line.rule),
                                payee_kind=str(getattr(line.payee_kind, "value", line.payee_kind)),
                                payee_id=line.payee_id, payee_name=line.payee_name,
                                amount_fen=int(line.amount_fen), evidence=evidence, basis=basis,
                                policy_version_id=policy_id, state=ClaimState.DRAFT.value)
                uow.repo.add(claim)
                created.append(claim)
                added += 1
                continue
            if claim.amount_fen == int(line.amount_fen) and claim.evidence == evidence:
                unchanged += 1
                continue
            before = _claim_dict(claim)
            if claim.state == ClaimState.DRAFT:
                claim.amount_fen = int(line.amount_fen)
                claim.evidence = evidence
                claim.basis = basis
                claim.policy_version_id = policy_id
                uow.session.flush()
                uow.repo.audit(actor.username, "claim", claim.id, "recompute", before,
                               _claim_dict(claim))
                updated += 1
            elif claim.amount_fen != int(line.amount_fen) and (
                claim.proposed_amount_fen != int(line.amount_fen) or not claim.needs_review
            ):
                note = (f"recomputed amount {int(line.amount_fen) / 100:.2f} differs from "
                        f"{claim.amount_fen / 100:.2f} while {claim.state}: review needed")
                claim.needs_review = True
                claim.review_note = note
                claim.proposed_amount_fen = int(line.amount_fen)
                uow.session.flush()
                uow.repo.audit(actor.username, "claim", claim.id, "flag_for_review", before,
                               _claim_dict(claim))
                flagged += 1
                flagged_keys.append(claim.key)
            else:
                unchanged += 1
        uow.session.flush()
        for claim in created:
            uow.repo.audit(actor.username, "claim", claim.id, "create", None, _claim_dict(claim))
        uow.commit()
    return ComputeResult(added, updated, flagged, unchanged, len(lines), policy.name,
                         tuple(flagged_keys))


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _claim_dict(claim: m.Claim) -> dict[str, Any]:
    return row_dict(claim, ("key", "rule", "payee_id", "amount_fen", "state", "needs_review",
                            "version"))


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
        raise TransitionRefused(f"no claim {claim_id}")
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
            raise TransitionRefused(
                "the claim was changed by someone else at the same time; nothing was done — "
                "reload and try again"
            ) from None


def _simple(action: str, permission: str, claim_ids: Iterable[int], actor: User,
            reason: str | None, url: str | None) -> int:
    check_permission(actor, permission)
    ids = list(claim_ids)
    with _refuse_races(url) as uow:
        changes = []
        for claim_id in ids:
            claim, before = _transition(uow, claim_id, action, actor, reason)
            if action == "review" and claim.needs_review:
                claim.needs_review = False
                if claim.proposed_amount_fen is not None:
                    claim.amount_fen = claim.proposed_amount_fen
                    claim.proposed_amount_fen = None
            changes.append((claim, before, action))
        _finish(uow, changes, actor)
    return len(ids)


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
        raise ValueError("a rejection needs a reason")
    return _simple("reject", "reject", claim_ids, actor, reason, url)


def notice_working_days(url: str | None = None) -> int:
    """The active policy's notice length in working days (5 if no policy is stored)."""
    found = load_active_policy(url)
    if found is None:
        return 5
    return int(found[1].workflow.notice_working_days)


def publish_notice(claim_ids: Iterable[int], actor: User, *, on: dt.date | None = None,
                   url: str | None = None) -> dt.date:
    """Put approved claims on public notice from ``on`` (default today) for the policy's N
    working days. Returns the notice's last day."""
    check_permission(actor, "publish_notice")
    on = on or dt.date.today()
    days = notice_working_days(url)
    ends_on = add_working_days(on, days)
    with _refuse_races(url) as uow:
        changes = []
        for claim_id in claim_ids:
            claim, before = _transition(uow, claim_id, "publish_notice", actor)
            uow.repo.add(m.Notice(claim_id=claim.id, published_on=on, ends_on=ends_on,
                                  working_days=days))
            changes.append((claim, before, "publish_notice"))
        _finish(uow, changes, actor)
    return ends_on


def raise_objection(claim_id: int, actor: User, reason: str, *,
                    url: str | None = None) -> None:
    """Record an objection to a claim in notice (reviewer); the claim goes back to reviewed."""
    check_permission(actor, "object")
    if not reason.strip():
        raise ValueError("an objection needs a reason")
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
    check_permission(actor, "close_notice")
    on = on or dt.date.today()
    ids = list(claim_ids)
    with _refuse_races(url) as uow:
        changes = []
        for claim_id in ids:
            claim, before = _transition(uow, claim_id, "close_notice", actor)
            notice = uow.repo.open_notice(claim.id)
            if notice is not None:
                if on <= notice.ends_on:
                    raise TransitionRefused(
                        f"claim {claim.id}: the notice runs until {notice.ends_on}; "
                        f"it can be closed after that day"
                    )
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
    check_permission(actor, "issue_payment")
    issued: list[str] = []
    with _refuse_races(url) as uow:
        claims = (uow.repo.claims(ClaimState.NOTICE_DONE.value) if claim_ids is None
                  else [c for c in (uow.repo.claim(i) for i in claim_ids) if c is not None])
        for claim in claims:
            if claim.state != ClaimState.NOTICE_DONE:
                raise TransitionRefused(f"claim {claim.id} is {claim.state}: payments are issued "
                                        "only after the notice")
            if claim.needs_review:
                raise TransitionRefused(f"claim {claim.id} is flagged for review: "
                                        f"{claim.review_note}")
            payment = uow.repo.payment_of(claim.id)
            if payment is None:
                payment = m.Payment(payment_id=payment_id_for(claim.id), claim_id=claim.id,
                                    amount_fen=claim.amount_fen, status="pending",
                                    created_by=actor.username)
                uow.repo.add(payment)
                uow.session.flush()
                uow.repo.audit(actor.username, "payment", payment.payment_id, "issue", None,
                               row_dict(payment, ("payment_id", "claim_id", "amount_fen",
                                                  "status")))
            elif payment.status == "failed":
                before = row_dict(payment, ("status", "failure_reason"))
                payment.status = "pending"
                payment.amount_fen = claim.amount_fen
                uow.repo.audit(actor.username, "payment", payment.payment_id, "reissue", before,
                               row_dict(payment, ("status", "failure_reason")))
            else:
                continue
            issued.append(payment.payment_id)
        uow.commit()
    return issued


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
        The claim is not notice_done, or it was paid at the same moment by someone else.
    """
    check_permission(actor, "record_payment")
    paid_on = paid_on or dt.date.today()
    with _refuse_races(url) as uow:
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
            merge.problem(row, "payment_id", f"unknown payment {r.payment_id}")
            continue
        if int(r.amount_fen) != payment.amount_fen:
            merge.problem(row, "amount", f"the bank reports {r.amount_fen / 100:.2f} but payment "
                          f"{r.payment_id} is for {payment.amount_fen / 100:.2f}")
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
                merge.problem(row, "status", f"claim {claim.id} of payment {r.payment_id} is "
                              f"{claim.state}, not notice_done")
                continue
            claim_before = _claim_dict(claim)
            repo.add(m.Decision(claim_id=claim.id, action="record_payment",
                                from_state=claim.state, to_state=ClaimState.PAID.value,
                                actor=actor.username, reason=f"bank file {file}"))
            claim.state = ClaimState.PAID.value
            payment.status = "paid"
            payment.paid_on = r.paid_on or dt.date.today()
            payment.bank_file_sha256 = imp.sha256
            repo.session.flush()
            repo.audit(actor.username, "claim", claim.id, "record_payment", claim_before,
                       _claim_dict(claim))
        else:
            payment.status = "failed"
            payment.failure_reason = reason or "failed (no reason given by the bank)"
            payment.bank_file_sha256 = imp.sha256
        repo.audit(actor.username, "payment", payment.payment_id, f"bank_{status}", before,
                   row_dict(payment, ("status", "paid_on", "failure_reason")))
    return merge


# ============================================================================= reads
def list_claims(state: str | None = None, rule: str | None = None, *,
                url: str | None = None) -> pd.DataFrame:
    """Claims as a table.

    Returns
    -------
    pandas.DataFrame
        Columns ``CLAIM_COLUMNS``: claim_id, key, rule, payee_kind, payee_id, payee_name,
        amount_fen, state, needs_review, review_note, payment_id, payment_status, paid_on,
        evidence (``;``-joined), version.
    """
    with UnitOfWork(url) as uow:
        payments = {p.claim_id: p for p in uow.session.scalars(select(m.Payment))}
        rows = []
        for c in uow.repo.claims(state, rule):
            p = payments.get(c.id)
            rows.append({
                "claim_id": c.id, "key": c.key, "rule": c.rule, "payee_kind": c.payee_kind,
                "payee_id": c.payee_id, "payee_name": c.payee_name, "amount_fen": c.amount_fen,
                "state": c.state, "needs_review": c.needs_review, "review_note": c.review_note,
                "payment_id": p.payment_id if p else None,
                "payment_status": p.status if p else None,
                "paid_on": p.paid_on if p else None,
                "evidence": ";".join(str(e) for e in (c.evidence or [])),
                "version": c.version,
            })
    return pd.DataFrame(rows, columns=CLAIM_COLUMNS)


def claim_history(claim_id: int, *, url: str | None = None) -> pd.DataFrame:
    """A claim's decisions: at, actor, action, from_state, to_state, reason."""
    with UnitOfWork(url) as uow:
        rows = [
            {"at": d.at, "actor": d.actor, "action": d.action, "from_state": d.from_state,
             "to_state": d.to_state, "reason": d.reason}
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
def finance_lines(state: str | None = None, *, url: str | None = None) -> pd.DataFrame:
    """The payable lines: every claim but the rejected ones (or only those of ``state``).

    Returns
    -------
    pandas.DataFrame
        claim_id, payment_id, rule, payee_kind, payee_id (ID number or credit code),
        payee_name, amount_fen, evidence, state.
    """
    if state is not None and state not in {s.value for s in ClaimState}:
        raise InputError([Problem("--state", f"unknown state {state!r}; choose one of "
                                  f"{', '.join(s.value for s in ClaimState)}")])
    claims = list_claims(state, url=url)
    if state is None:
        claims = claims[claims["state"] != ClaimState.REJECTED.value]
    return claims[["claim_id", "payment_id", "rule", "payee_kind", "payee_id", "payee_name",
                   "amount_fen", "evidence", "state"]].reset_index(drop=True)


def export_finance_list(path: str | Path, *, state: str | None = None,
                        url: str | None = None) -> Path:
    """Write the finance list xlsx (summary sheet + one sheet per rule, totals that add up)."""
    from planner.ledger.exports import write_finance_list

    return write_finance_list(finance_lines(state, url=url), path)


def export_notice(path: str | Path, *, state: str | None = None,
                  url: str | None = None) -> Path:
    """Write the public notice (xlsx or csv by suffix), names, IDs and phones masked."""
    from planner.ledger.exports import write_notice

    return write_notice(finance_lines(state, url=url), path)


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


def export_returns(path: str | Path, *, url: str | None = None) -> Path:
    """Write the returns report xlsx: returns against demand, retention, east–west, money."""
    from planner.ledger.exports import write_report_book

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
    return write_report_book(sheets, path)


# ============================================================================== demo
DEMO_WORKERS = 1500


def seed_demo(
    url: str | None = None,
    *,
    n_workers: int = DEMO_WORKERS,
    seed: int = 2020,
    work_limit: float = 5.0,
    folder: str | Path | None = None,
    plan: Any = None,
) -> str | None:
    """Fill an empty ledger with the demo, so a first start shows a living ledger.

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
    write_plan(plan, root / "plan")
    events = simulate_events(scenario, plan, seed)
    (root / "events").mkdir(parents=True, exist_ok=True)
    operator = system_actor(Role.OPERATOR)
    import_path("scenario", root / "scenario", operator, url=url)
    import_path("plan", root / "plan", operator, url=url)
    for kind in EVENT_ORDER:
        import_path(kind, write_table(events[kind], root / "events" / f"{kind}.csv"), operator,
                    url=url)
    ensure_default_policy(url)
    computed = compute_claims(operator, url=url)
    _walk_demo_claims(url, root)
    states = list_claims(url=url)["state"].value_counts().to_dict()
    return (f"demo ledger: {len(scenario.workers)} people, {len(plan.trips)} trips, "
            f"{computed.added} claims ({', '.join(f'{k} {v}' for k, v in sorted(states.items()))})")


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
        reject(buckets["rejected"], approver, "duplicate of an employer charter roster", url=url)
    approve(beyond_review, approver, url=url)
    if through_notice:
        publish_notice(through_notice, approver, on=dt.date(2020, 4, 1), url=url)
        close_notice(through_notice, approver, on=dt.date(2020, 4, 9), url=url)
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
