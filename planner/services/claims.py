"""Claim use cases: compute claims from the ledger, and their workflow up to the notice.

Rules implemented here:

- every action checks the actor's role first; a refused action changes nothing;
- claims are upserted by entitlement key: a new line is a draft; an unchanged line is left alone;
  a changed amount updates a draft, but on a claim past draft it is only flagged
  (``needs_review``, with a note and an audit entry), never changed silently; a recompute
  clears only its own flags: a claim flagged because its payee's bank account changed stays
  flagged until a reviewer takes it back (``reopen_flagged``) or confirms the payee's new
  account (``confirm_payee_account``);
- confirming a payee's new account (确认新账户, a reviewer, not the user who saved the change:
  four eyes) clears just that reason of the flag and leaves the claim's state, approval and
  notice as they were; the claim's history and the audit log name the account by bank and
  last four characters only;
- each claim transition is checked against the state machine (``planner.ledger.workflow``) and
  guarded by the claim's version counter: of two concurrent transitions of one claim exactly
  one wins, the other gets ``TransitionRefused``;
- no one approves a claim they reviewed (four eyes);
- the actions open to a set of claims are those that may start from every claim's state: a
  transition of the state machine, or issuing a payment from ``notice_done`` (for claims
  without a payment, or whose payment failed); reopening only when every claim is flagged for
  review, confirming a new account only when every claim is flagged for a changed payee
  account (``actions_open_to``);
- every change writes the audit log (who, when, before, after) in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from planner import clock
from planner.ledger import models as m
from planner.ledger.evidence import (
    ACCOUNT_CHANGED,
    account_label,
    evidence_messages,
    note_json,
    note_message,
    note_messages,
    notes_json,
    reason_message,
    stored_evidence,
)
from planner.ledger.exports import mask_id
from planner.ledger.repository import UnitOfWork, row_dict
from planner.ledger.workflow import (
    OPEN_STATES,
    TRANSITIONS,
    ClaimState,
    NoticeCalendarWarning,
    TransitionRefused,
    add_working_days,
    calendar_warning,
    next_state,
)
from planner.messages import Message, msg
from planner.problems import InputError, problem
from planner.refusal import InvalidRequest
from planner.services.auth import (
    PERMISSIONS,
    PermissionDenied,
    User,
    check_permission,
    current_actor,
)
from planner.services.context import Ledger, using
from planner.services.policies import _policy_module, load_active_policy
from planner.subsidies.policy import PayeeKind


def actions_open_to(states: Iterable[str], all_flagged: bool,
                    payment_statuses: Iterable[str | None] = (),
                    all_account_changed: bool = False) -> frozenset[str]:
    """The claim actions that may start from every one of ``states`` (no state: none).

    Parameters
    ----------
    states
        The states of the claims picked (``ClaimState`` values).
    all_flagged
        Whether every one of them is flagged for review (``needs_review``); ``reopen`` needs it.
    payment_statuses
        The status of each picked claim's payment (``None``: none issued). A payment is issued
        only for claims without one or whose payment failed: a pending one is already on its
        way to the bank (``payments.issue_payments`` would issue nothing).
    all_account_changed
        Whether every one of them is flagged because its payee's account changed
        (``account_changed``); ``confirm_payee_account`` needs it.

    Returns
    -------
    frozenset of str
        Names of workflow transitions (``planner.ledger.workflow.TRANSITIONS``),
        ``issue_payment`` and ``confirm_payee_account``.
    """
    picked = {str(s) for s in states}
    starts = {name: {str(s) for s in sources} for name, (sources, _) in TRANSITIONS.items()}
    if all(status in (None, "failed") for status in payment_statuses):
        starts["issue_payment"] = {ClaimState.NOTICE_DONE.value}
    if all_account_changed:
        starts["confirm_payee_account"] = {s.value for s in OPEN_STATES}
    return frozenset(name for name, sources in starts.items()
                     if picked and picked <= sources and (name != "reopen" or all_flagged))


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
    "account_changed",
]
after_claim_read: Callable[[], None] | None = None


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


def compute_claims(actor: User, *, url: str | None = None,
                   ledger: Ledger | None = None) -> ComputeResult:
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
    check_permission(actor, "compute_claims", url, ledger=ledger)
    from planner.ledger.facts import build_facts

    found = load_active_policy(url, ledger=ledger)
    if found is None:
        raise InputError([problem("policy", "problem.no_active_policy")])
    policy_id, policy = found
    subsidies = _policy_module()
    with using(url, ledger).uow() as uow:
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
        recomputed = msg("review_note.recomputed", new=amount, old=claim.amount_fen,
                         state=msg(f"claim_state.{claim.state}"))
        account = tuple(n for n in note_messages(claim.review_note) if n.code == ACCOUNT_CHANGED)
        claim.review_note = notes_json((*account, recomputed) if claim.needs_review
                                       else (recomputed,))
        claim.needs_review = True
        claim.proposed_amount_fen = amount
        action = "flag_for_review"
        tally.flagged += 1
        assert tally.flagged_keys is not None
        tally.flagged_keys.append(claim.key)
    elif claim.needs_review and claim.amount_fen == amount:
        account = tuple(n for n in note_messages(claim.review_note) if n.code == ACCOUNT_CHANGED)
        if account and claim.proposed_amount_fen is None:
            tally.unchanged += 1  # flagged for the account alone: a reviewer clears that
            return
        # the amount is back: that reason goes; a changed account still needs a reviewer
        claim.needs_review = bool(account)
        claim.review_note = notes_json(account or (msg("review_note.flag_cleared",
                                                       amount=amount),))
        claim.proposed_amount_fen = None
        action = "unflag_amount" if account else "unflag"
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


def account_changed(claim: m.Claim) -> bool:
    """Whether ``claim`` is flagged (among other reasons, maybe) because its payee's bank
    account changed (a note ``ACCOUNT_CHANGED``)."""
    return bool(claim.needs_review) and any(
        n.code == ACCOUNT_CHANGED for n in note_messages(claim.review_note))


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


@contextmanager
def _naming(claim_id: int, count: int) -> Iterator[None]:
    """A refusal of one of ``count`` claims acted on together names that claim and says that
    none of them was done (the unit of work is all or none)."""
    try:
        yield
    except TransitionRefused as refused:
        if count == 1:
            raise
        raise TransitionRefused(msg("refusal.claim_of_many", claim=claim_id,
                                    why=refused.message, n=count)) from None


def _finish(uow: UnitOfWork, changes: list[tuple[m.Claim, dict[str, Any], str]],
            actor: User) -> None:
    uow.session.flush()
    for claim, before, action in changes:
        uow.repo.audit(actor.username, "claim", claim.id, action, before, _claim_dict(claim))
    uow.commit()


@contextmanager
def _refuse_races(url: str | None, *, ledger: Ledger | None = None) -> Iterator[UnitOfWork]:
    """A unit of work whose lost races (stale version, duplicate payment) become a clear
    ``TransitionRefused``; nothing of it is written."""
    with using(url, ledger).uow() as uow:
        try:
            yield uow
        except (StaleDataError, IntegrityError):
            uow.rollback()
            raise TransitionRefused(msg("refusal.race")) from None


def _simple(action: str, permission: str, claim_ids: Iterable[int], actor: User,
            reason: str | None, url: str | None, *, ledger: Ledger | None = None) -> int:
    check_permission(actor, permission, url, ledger=ledger)
    ids = list(claim_ids)
    with _refuse_races(url, ledger=ledger) as uow:
        changes = []
        for claim_id in ids:
            with _naming(claim_id, len(ids)):
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
           url: str | None = None, ledger: Ledger | None = None) -> int:
    """Mark draft claims reviewed (reviewer). Returns how many claims moved."""
    return _simple("review", "review", claim_ids, actor, note, url, ledger=ledger)


def approve(claim_ids: Iterable[int], actor: User, *, note: str | None = None,
            url: str | None = None, ledger: Ledger | None = None) -> int:
    """Approve reviewed claims (approver). Returns how many claims moved."""
    return _simple("approve", "approve", claim_ids, actor, note, url, ledger=ledger)


def reject(claim_ids: Iterable[int], actor: User, reason: str, *,
           url: str | None = None, ledger: Ledger | None = None) -> int:
    """Reject claims (reviewer or approver), with a reason. Returns how many moved."""
    if not reason.strip():
        raise InvalidRequest(msg("refusal.reason_needed"))
    return _simple("reject", "reject", claim_ids, actor, reason, url, ledger=ledger)


def reopen_flagged(claim_ids: Iterable[int], actor: User, *, note: str | None = None,
                   url: str | None = None, ledger: Ledger | None = None) -> int:
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
    check_permission(actor, "review", url, ledger=ledger)
    found = load_active_policy(url, ledger=ledger)
    if found is None:
        raise InputError([problem("policy", "problem.no_active_policy")])
    policy_id, policy = found
    ids = list(claim_ids)
    with _refuse_races(url, ledger=ledger) as uow:
        fresh = _entitlements_now(uow, policy)
        changes = []
        for claim_id in ids:
            _reopenable(uow, claim_id)
            claim, before = _transition(uow, claim_id, "reopen", actor, note or None)
            notice = uow.repo.open_notice(claim.id)
            if notice is not None:
                notice.closed_on = clock.today()
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


def confirm_payee_account(claim_ids: Iterable[int], actor: User, *, note: str | None = None,
                          url: str | None = None, ledger: Ledger | None = None) -> int:
    """Confirm the new bank account of the payees whose change flagged these claims (确认新账户;
    a reviewer), all or none: the claims' flag for the changed account is cleared — and with
    it the flag, unless it holds another reason (a recomputed amount, which still needs
    ``reopen_flagged``) — while their state, approval and notice stay as they were, so a claim
    whose notice is over may be paid, to the account confirmed.

    Each claim's history gets a step ``confirm_payee_account`` (its state unchanged) naming
    the account by bank and last four characters, with ``note``; the audit log names who,
    when, and the same account label — never the full account number.

    Returns
    -------
    int
        How many claims were confirmed.

    Raises
    ------
    PermissionDenied
        The actor is not (or no longer) a reviewer, or saved the account change themselves
        (four eyes). Nothing changed.
    TransitionRefused
        A claim is not flagged for a changed payee account, is no longer open (paid, rejected,
        void), or was changed by someone else at the same moment. Nothing changed.
    """
    check_permission(actor, "confirm_payee_account", url, ledger=ledger)
    ids = list(claim_ids)
    with _refuse_races(url, ledger=ledger) as uow:
        changes = []
        for claim_id in ids:
            with _naming(claim_id, len(ids)):
                claim = _confirmable(uow, claim_id, actor)
            before = {**_claim_dict(claim), "review_note": claim.review_note}
            label = account_label(*uow.repo.payee_account(claim.payee_id))
            kept = tuple(n for n in note_messages(claim.review_note) if n.code != ACCOUNT_CHANGED)
            claim.needs_review = bool(kept)
            claim.review_note = notes_json(kept) if kept else note_json(
                msg("review_note.account_confirmed", account=label))
            text = (note or "").strip()
            uow.repo.add(m.Decision(
                claim_id=claim.id, action="confirm_payee_account", from_state=claim.state,
                to_state=claim.state, actor=actor.username,
                reason=note_json(msg("decision.account_confirmed_note", account=label,
                                     note=text) if text else
                                 msg("decision.account_confirmed", account=label))))
            changes.append((claim, before, label))
        uow.session.flush()
        for claim, before, label in changes:
            uow.repo.audit(actor.username, "claim", claim.id, "confirm_payee_account", before,
                           {**_claim_dict(claim), "review_note": claim.review_note,
                            "account": label.to_json()})
        uow.commit()
    return len(ids)


def _confirmable(uow: UnitOfWork, claim_id: int, actor: User) -> m.Claim:
    """The claim ``claim_id`` if ``actor`` may confirm its payee's new account: it is open and
    flagged for a changed account, and ``actor`` did not save that change (the audit entries
    of its flag name who did)."""
    claim = uow.repo.claim(claim_id)
    if claim is None:
        raise TransitionRefused(msg("refusal.no_claim", claim=claim_id))
    if claim.state not in OPEN_STATES:
        raise TransitionRefused(msg(
            "refusal.wrong_state", action=msg("action.confirm_payee_account"),
            state=msg(f"claim_state.{claim.state}"),
            allowed=[msg(f"claim_state.{s.value}") for s in sorted(OPEN_STATES)]))
    if not account_changed(claim):
        raise TransitionRefused(msg("refusal.account_not_flagged", claim=claim_id))
    changed_by = {a.actor for a in uow.repo.audit_log("claim", claim_id)
                  if a.action == "flag_account_changed"}
    if actor.username in changed_by:
        raise PermissionDenied(msg("refusal.account_four_eyes", claim=claim_id,
                                   user=actor.username))
    return claim


def notice_working_days(url: str | None = None, *, ledger: Ledger | None = None) -> int:
    """The active policy's notice length in working days (5 if no policy is stored)."""
    found = load_active_policy(url, ledger=ledger)
    if found is None:
        return 5
    return int(found[1].workflow.notice_working_days)


def _notice_calendar(url: str | None, *, ledger: Ledger | None = None
                     ) -> tuple[int, tuple[dt.date, ...], tuple[dt.date, ...]]:
    """The active policy's notice length and its local holidays and workdays."""
    found = load_active_policy(url, ledger=ledger)
    if found is None:
        return 5, (), ()
    w = found[1].workflow
    return int(w.notice_working_days), tuple(w.local_holidays), tuple(w.local_workdays)


def publish_notice(claim_ids: Iterable[int], actor: User, *, on: dt.date | None = None,
                   url: str | None = None, ledger: Ledger | None = None) -> dt.date:
    """Put approved claims on public notice from ``on`` (default today) for the policy's N
    Chinese working days (the policy's local holidays and workdays win over the official
    calendar). Returns the notice's last day.

    A notice reaching into a year the holiday library does not cover is counted Monday–Friday:
    it warns (``NoticeCalendarWarning``) and the warning is the reason of each claim's
    publish decision."""
    check_permission(actor, "publish_notice", url, ledger=ledger)
    on = on or clock.today()
    days, holidays, workdays = _notice_calendar(url, ledger=ledger)
    ends_on = add_working_days(on, days, holidays, workdays=workdays)
    warning = calendar_warning(on, ends_on)
    if warning:
        warnings.warn(NoticeCalendarWarning(warning), stacklevel=2)
    with _refuse_races(url, ledger=ledger) as uow:
        changes = []
        for claim_id in claim_ids:
            claim, before = _transition(uow, claim_id, "publish_notice", actor, warning)
            uow.repo.add(m.Notice(claim_id=claim.id, published_on=on, ends_on=ends_on,
                                  working_days=days))
            changes.append((claim, before, "publish_notice"))
        _finish(uow, changes, actor)
    return ends_on


def raise_objection(claim_id: int, actor: User, reason: str, *,
                    url: str | None = None, ledger: Ledger | None = None) -> None:
    """Record an objection to a claim in notice (reviewer); the claim goes back to reviewed."""
    raise_objections([claim_id], actor, reason, url=url, ledger=ledger)


def raise_objections(claim_ids: Iterable[int], actor: User, reason: str, *,
                     url: str | None = None, ledger: Ledger | None = None) -> None:
    """Record one objection to several claims in notice (reviewer), all or none: each goes
    back to reviewed; if one may not, none does (the refusal names it)."""
    check_permission(actor, "object", url, ledger=ledger)
    if not reason.strip():
        raise InvalidRequest(msg("refusal.objection_needs_reason"))
    ids = list(claim_ids)
    with _refuse_races(url, ledger=ledger) as uow:
        changes = []
        for claim_id in ids:
            with _naming(claim_id, len(ids)):
                claim, before = _transition(uow, claim_id, "object", actor, reason)
            notice = uow.repo.open_notice(claim.id)
            if notice is not None:
                notice.closed_on = clock.today()
                notice.outcome = "objection"
                uow.repo.add(m.Objection(notice_id=notice.id, claim_id=claim.id,
                                         raised_by=actor.username, reason=reason))
            changes.append((claim, before, "object"))
        _finish(uow, changes, actor)


def close_notice(claim_ids: Iterable[int], actor: User, *, on: dt.date | None = None,
                 url: str | None = None, ledger: Ledger | None = None) -> int:
    """End the notice of claims whose notice period is over (approver).

    Raises
    ------
    TransitionRefused
        A claim is not in notice, or its notice has not ended by ``on``.
    """
    check_permission(actor, "close_notice", url, ledger=ledger)
    on = on or clock.today()
    ids = list(claim_ids)
    with _refuse_races(url, ledger=ledger) as uow:
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


def list_claims(state: str | None = None, rule: str | None = None, *,
                url: str | None = None, ledger: Ledger | None = None) -> pd.DataFrame:
    """Claims as a table.

    Returns
    -------
    pandas.DataFrame
        Columns ``CLAIM_COLUMNS``: claim_id, key, rule, payee_kind, payee_id, payee_name,
        amount_fen, state, needs_review, review_note, payment_id, payment_status, paid_on,
        evidence (``;``-joined), version, paid_exception (the bank paid it although it was
        flagged or its amount changed), exception_note and account_changed (flagged because
        its payee's bank account changed: ``confirm_payee_account`` clears that).
    """
    with using(url, ledger).uow() as uow:
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
                "account_changed": account_changed(c),
            })
    return pd.DataFrame(rows, columns=CLAIM_COLUMNS)


def claims_seen_by(actor: User, state: str | None = None, rule: str | None = None, *,
                   url: str | None = None, ledger: Ledger | None = None) -> pd.DataFrame:
    """The claims (``list_claims``) as ``actor`` may see them on screen: a person's ID number
    in full only for a role that may view full ID numbers now (``view_full_ids``: finance,
    auditor, admin; the role re-read from the ledger, so a user demoted meanwhile sees it
    masked), else masked as the public files mask it (``5224**********1234``), in the payee
    column and in the evidence (an agency's recruits). Credit codes of employers and agencies
    are not personal data and stay whole.

    Raises
    ------
    PermissionDenied
        ``actor`` is unknown to the ledger or inactive.
    """
    with using(url, ledger).uow() as uow:
        live = current_actor(actor, uow)
    if not live.active:
        raise PermissionDenied(msg("refusal.inactive", user=live.username))
    frame = list_claims(state, rule, url=url, ledger=ledger)
    if live.role not in PERMISSIONS["view_full_ids"]:
        people = frame["payee_kind"] == PayeeKind.PERSON.value
        frame.loc[people, "payee_id"] = frame.loc[people, "payee_id"].map(mask_id)
        frame["evidence"] = pd.Series([_ids_masked(e) for e in frame["evidence"]],
                                      index=frame.index, dtype=object)
    return frame


def _ids_masked(evidence: tuple[Message, ...]) -> tuple[Message, ...]:
    """Evidence with the ID numbers it names (an agency's or employer's recruits: the ``id``
    parameter) masked."""
    return tuple(Message(e.code, tuple((k, mask_id(str(v)) if k == "id" else v)
                                       for k, v in e.params)) for e in evidence)


def claim_history(claim_id: int, *, url: str | None = None,
                  ledger: Ledger | None = None) -> pd.DataFrame:
    """A claim's history (办理记录), oldest first: at, actor, action, from_state, to_state,
    reason (a ``Message`` when the system decided, the text a person typed otherwise). Its
    steps are the claim's transitions and the steps that keep its state: its payee's account
    changed (``flag_account_changed``) or confirmed (``confirm_payee_account``), a payment the
    bank reports failed (``bank_failed``, naming the file, the date and the bank's reason)."""
    with using(url, ledger).uow() as uow:
        rows = [
            {"at": d.at, "actor": d.actor, "action": d.action, "from_state": d.from_state,
             "to_state": d.to_state, "reason": reason_message(d.reason)}
            for d in uow.session.scalars(
                select(m.Decision).where(m.Decision.claim_id == claim_id)
                .order_by(m.Decision.at, m.Decision.id)
            )
        ]
    return pd.DataFrame(rows, columns=["at", "actor", "action", "from_state", "to_state",
                                       "reason"])
