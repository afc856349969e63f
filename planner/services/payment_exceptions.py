"""Resolving a payment exception: finance says whether the money of a claim marked
``paid_exception`` did arrive.

A claim is marked a payment exception when the bank's file contradicts the ledger
(``planner.services.payments``): a payment recorded paid (by hand with 登记已支付, or by an
earlier bank file) that the bank then reports failed or returned, or a claim the bank paid
although it was flagged for review or at another amount. The claim stays paid meanwhile, so
nothing is paid twice; this module is the way out.

Rules implemented here:

- two outcomes, after checking the bank statement: ``arrived`` (到账已核实) clears the mark,
  the claim stays paid; ``not_arrived`` (未到账，重新支付), only for a bank failure, makes the
  payment ``failed`` (the bank's reason, its paid date cleared) and takes the claim back to
  notice_done by the workflow's ``payment_returned`` transition, so finance issues it again by
  the usual path (the same payment id; a flagged claim is not issued, four eyes where the
  policy wants them) and a later bank file pays it once;
- ``not_arrived`` is refused for an exception where money did leave (the bank paid a flagged
  claim, or another amount) and while the bank's latest line for the payment says paid (the
  bank paid it after all: paying it again would pay it twice);
- who: finance (permission ``resolve_payment_exception``, the role re-read from the ledger at
  each call, so a user demoted while signed in is refused). Finance holds the bank statements
  and is the role that pays the claim again; the auditor reads everything and changes nothing,
  and stays so. Four eyes within finance: not the user who recorded the payment paid by hand,
  nor the one who imported the bank file that raised the exception — they checked their own
  work otherwise;
- a note is required (what was checked: the statement's reference, the day), at most
  ``NOTE_LIMIT`` characters, and is kept: in the claim's exception note (with the exception it
  resolved), as the reason of the claim's decision (办理记录) and in the audit log. Any full ID
  number, bank account (ID-like runs of 15 or more digits, and the payee's own account and ID
  number whatever their length) or phone number in it is masked first;
- the claim's version guards it: of two resolutions at once, or a resolution and a bank file
  touching the payment at once, exactly one is saved; the other is refused with nothing
  written (``refusal.race``). A caller that showed the claim passes the version it showed
  (``seen_version``); a claim changed since is refused the same way;
- every change is audited (claim, and payment for ``not_arrived``) with before and after.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import StrEnum

from sqlalchemy import select

from planner.ledger import models as m
from planner.ledger.evidence import note_json, note_message, reason_message
from planner.ledger.exports import scrub
from planner.ledger.repository import UnitOfWork, row_dict
from planner.ledger.workflow import ClaimState, TransitionRefused
from planner.messages import Message, msg
from planner.refusal import InvalidRequest
from planner.services.auth import PermissionDenied, User, check_permission
from planner.services.claims import _claim_dict, _decide, _refuse_races
from planner.services.context import Ledger
from planner.services.payments import BANK_FAILED_NOTES

__all__ = ["NOTE_LIMIT", "Outcome", "is_bank_failure", "resolve_payment_exception"]


class Outcome(StrEnum):
    """What finance found on the bank statement."""

    ARRIVED = "arrived"
    NOT_ARRIVED = "not_arrived"


#: Most characters a resolution's note may have.
NOTE_LIMIT = 300

#: The audit actions of a bank import marking a claim a payment exception.
_MARKED = ("bank_failed_after_paid", "paid_with_exception")

#: Test hook: called after the claim was read, before anything is checked or written (to force
#: a race). ``None`` in normal use.
after_exception_read: Callable[[], None] | None = None


def is_bank_failure(exception_note: Message | None) -> bool:
    """Whether a payment-exception note says the bank failed a payment recorded paid (the
    money may never have arrived), as opposed to the bank paying a flagged claim or another
    amount (the money did leave)."""
    return exception_note is not None and exception_note.code in BANK_FAILED_NOTES


def resolve_payment_exception(claim_id: int, actor: User, outcome: Outcome | str, note: str,
                              *, seen_version: int | None = None, url: str | None = None,
                              ledger: Ledger | None = None) -> ClaimState:
    """Resolve the payment exception of a paid claim after checking the bank statement.

    Parameters
    ----------
    claim_id
        A paid claim marked ``paid_exception``.
    actor
        A finance user who neither recorded its payment paid by hand nor imported the bank
        file that raised the exception.
    outcome
        ``arrived``: the mark is cleared, the claim stays paid. ``not_arrived`` (a bank
        failure only): the payment fails with the bank's reason, the claim goes back to
        notice_done (``payment_returned``) to be paid again.
    note
        What was checked (the statement's reference, the day); required. Full ID numbers,
        bank accounts and phone numbers in it are masked.
    seen_version
        The claim's ``version`` as the caller showed it; ``None``: no such check.

    Returns
    -------
    ClaimState
        The claim's state now: paid, or notice_done.

    Raises
    ------
    PermissionDenied
        Not finance (now), or the four-eyes rule. Nothing changed.
    TransitionRefused
        No such claim, no payment exception on it, ``not_arrived`` for an exception where the
        money left or whose payment the bank has since reported paid, or the claim changed
        since ``seen_version`` or at the same moment. Nothing changed.
    InvalidRequest
        No note, a note too long, or an unknown outcome.
    """
    actor = check_permission(actor, "resolve_payment_exception", url, ledger=ledger)
    chosen = _outcome(outcome)
    text = " ".join(str(note or "").split())
    if not text or len(text) > NOTE_LIMIT:
        raise InvalidRequest(msg("refusal.exception_note_needed", limit=NOTE_LIMIT))
    with _refuse_races(url, ledger=ledger) as uow:
        claim = uow.repo.claim(claim_id)
        if claim is None:
            raise TransitionRefused(msg("refusal.no_claim", claim=claim_id))
        if after_exception_read is not None:
            after_exception_read()
        if seen_version is not None and claim.version != seen_version:
            raise TransitionRefused(msg("refusal.race"))
        exception = note_message(claim.exception_note)
        if claim.state != ClaimState.PAID or not claim.paid_exception:
            raise TransitionRefused(msg("refusal.no_payment_exception", claim=claim.id))
        payment = uow.repo.payment_of(claim.id)
        assert payment is not None  # a paid claim has its payment
        _four_eyes(uow, claim, actor)
        text = _masked(uow, claim, text)
        before = {**_claim_dict(claim), "exception_note": claim.exception_note}
        resolved = msg(f"paid_exception.resolved_{chosen.value}", by=actor.username, note=text,
                       was=exception or "")
        if chosen is Outcome.ARRIVED:
            uow.repo.add(m.Decision(claim_id=claim.id, action="confirm_payment_arrived",
                                    from_state=claim.state, to_state=claim.state,
                                    actor=actor.username, reason=text))
            action = "confirm_payment_arrived"
        else:
            _return_payment(uow, claim, payment, exception, actor, text)
            action = "payment_returned"
        claim.paid_exception = False
        claim.exception_note = note_json(resolved)
        uow.session.flush()  # the claim's version is checked here: a concurrent change wins
        uow.repo.audit(actor.username, "claim", claim.id, action, before,
                       {**_claim_dict(claim), "exception_note": claim.exception_note})
        state = ClaimState(claim.state)
        uow.commit()
    return state


def _outcome(outcome: Outcome | str) -> Outcome:
    try:
        return Outcome(str(outcome).replace("-", "_"))
    except ValueError:
        raise InvalidRequest(msg("refusal.exception_outcome", outcome=str(outcome),
                                 outcomes=", ".join(o.value for o in Outcome))) from None


def _four_eyes(uow: UnitOfWork, claim: m.Claim, actor: User) -> None:
    """Refuse the user who recorded the claim's payment paid by hand (its latest
    ``record_payment`` decision, unless a bank file made it) or who imported the bank file that
    marked the exception (the latest audit entry marking it)."""
    recorded = uow.session.scalars(
        select(m.Decision).where(m.Decision.claim_id == claim.id,
                                 m.Decision.action == "record_payment")
        .order_by(m.Decision.id.desc())).first()
    by_bank = (recorded is not None
               and isinstance(why := reason_message(recorded.reason), Message)
               and why.code == "decision.bank_file")
    if recorded is not None and not by_bank and recorded.actor == actor.username:
        raise PermissionDenied(msg("refusal.exception_four_eyes_recorded", claim=claim.id,
                                   user=actor.username))
    marked_by = uow.session.scalars(
        select(m.AuditEntry.actor).where(m.AuditEntry.entity == "claim",
                                         m.AuditEntry.entity_id == str(claim.id),
                                         m.AuditEntry.action.in_(_MARKED))
        .order_by(m.AuditEntry.id.desc())).first()
    if marked_by == actor.username:
        raise PermissionDenied(msg("refusal.exception_four_eyes_imported", claim=claim.id,
                                   user=actor.username))


def _return_payment(uow: UnitOfWork, claim: m.Claim, payment: m.Payment,
                    exception: Message | None, actor: User, text: str) -> None:
    """The money did not arrive: the payment fails with the bank's reason (its latest failed
    line) and the claim goes back to notice_done (``payment_returned``), to be paid again.

    Raises
    ------
    TransitionRefused
        The exception is not a bank failure (the money left), or the bank's latest line for
        the payment says it was paid.
    """
    if not is_bank_failure(exception):
        raise TransitionRefused(msg("refusal.exception_money_left", claim=claim.id,
                                    why=exception or ""))
    latest = uow.session.scalars(
        select(m.BankLine).where(m.BankLine.payment_id == payment.payment_id)
        .order_by(m.BankLine.id.desc())).first()
    if latest is not None and latest.status == "paid":
        imported = uow.session.get(m.Import, latest.import_id) if latest.import_id else None
        raise TransitionRefused(msg("refusal.exception_bank_paid_since", claim=claim.id,
                                    payment=payment.payment_id,
                                    file=imported.file_name if imported else "?"))
    before = row_dict(payment, ("status", "paid_on", "failure_reason"))
    payment.status = "failed"
    payment.paid_on = None
    payment.failure_reason = ((latest.reason if latest is not None else None)
                              or "failed (no reason given by the bank)")
    if latest is not None and latest.import_id is not None:
        imported = uow.session.get(m.Import, latest.import_id)
        payment.bank_file_sha256 = imported.sha256 if imported else payment.bank_file_sha256
    _decide(uow, claim, "payment_returned", actor, text)
    uow.repo.audit(actor.username, "payment", payment.payment_id, "payment_returned", before,
                   row_dict(payment, ("status", "paid_on", "failure_reason")))


def _masked(uow: UnitOfWork, claim: m.Claim, text: str) -> str:
    """``text`` with every ID-like number, phone and landline masked (``exports.scrub``), and
    the payee's own ID number (a person's) and registered bank account, whatever their length,
    down to their last four characters."""
    text = scrub(text)
    secrets: set[str | None] = {claim.payee_id} if claim.payee_kind == "person" else set()
    secrets.add(uow.repo.payee_account(claim.payee_id)[1])
    for secret in secrets:
        digits = "".join(str(secret or "").split())
        if len(digits) >= 6:
            spaced = r"\s?".join(re.escape(ch) for ch in digits)
            text = re.sub(spaced, "*" * (len(digits) - 4) + digits[-4:], text,
                          flags=re.IGNORECASE)
    return text
