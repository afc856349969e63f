"""Payment use cases: issue and record payments, finance lines, payment batches, bank results.

Rules implemented here:

- a claim has at most one payment (unique), paid once: bank result files reconcile
  idempotently — ``paid`` marks the claim paid (the amount must match), ``failed`` leaves it at
  notice_done with the bank's reason so it can be paid again, and a line seen before changes
  nothing; a failure of a payment the ledger holds as paid (recorded by hand with 登记已支付, or
  returned after the bank paid) never unpays it but marks the claim a payment exception for
  the auditor; either way the failure is a step of the claim's history (办理记录:
  ``bank_failed``, its state unchanged) naming the file, the date, the payment and the bank's
  reason;
- a payment batch is made only by an explicit action of finance, confirmed with the count and
  total of its lines (``make_payment_batch``), never by a download of the finance list: it
  holds exactly the lines confirmed, as they were read (their claims' versions) — a line
  batched or changed since (a double click, a second finance user) is refused, naming it, and
  nothing is issued; it rechecks every entitlement against the ledger before it is numbered,
  and makes no batch when a line confirmed no longer matches (that line is flagged);
- the payment-date rule (``payment_date_refusal``), the same for a payment recorded paid by
  hand (登记已支付, ``jobbus claims pay --paid-on``) and for a bank file's paid line: a
  payment is dated when the bank paid, which is neither before the claim's notice closed (it
  was not payable before) nor after the office's today. The policy's validity window is not
  consulted: it says which events earn a subsidy, not when an approved claim may be paid, so a
  2020 claim may be paid today;
- issuing a payment (``issue_payments``, a payment batch) holds its claim: the claim's version
  is bumped in the same transaction, so a concurrent change of the claim — a changed payee
  account flagging it — and the issue cannot both commit: the one that comes second is refused,
  naming the claim (nothing of it written; done again, it sees the other's result). The payee's
  account is then read in that transaction and recorded on the payment: the account a payment
  goes to is the one registered when it was issued, and the finance list of an open batch shows
  it. A caller that read the claims earlier (a list confirmed on screen) passes the versions it
  read; a claim changed since is refused, naming it;
- a payee's bank account (bank or account number) changed by a scenario import is a money
  event: refused, naming the row, while a payment of that payee (claims by ``payee_id``, as the
  finance list finds their bank fields) is pending at the bank; else every claim of that payee
  past draft and not paid is flagged for review, with a note naming the old and the new account
  by bank and last four characters, and so is not issued, recorded paid nor batched until a
  reviewer has taken it back (a recompute does not clear that flag);
- money is integer fen throughout.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from planner import clock
from planner.ledger import models as m
from planner.ledger.evidence import (
    ACCOUNT_CHANGED,
    account_label,
    evidence_messages,
    note_json,
    note_message,
    with_note,
)
from planner.ledger.importers import (
    BankTally,
    Merge,
    RowUpdate,
)
from planner.ledger.repository import LedgerRepository, UnitOfWork, row_dict
from planner.ledger.workflow import (
    ClaimState,
    TransitionRefused,
)
from planner.messages import Message, msg
from planner.problems import InputError, problem
from planner.services.auth import (
    User,
    check_permission,
)
from planner.services.claims import (
    _claim_dict,
    _finish,
    _four_eyes,
    _naming,
    _refuse_races,
    _revisit,
    _Tally,
    _transition,
)
from planner.services.context import Ledger, using
from planner.services.policies import _policy_module, load_active_policy

#: Test hooks (``None`` in normal use), to force a race: called when issuing has read the
#: claims it is about to pay and has not written yet, and when a registration import has
#: checked that no payment of a payee whose account changed is at the bank and has not flagged
#: their claims yet.
after_payable_read: Callable[[], None] | None = None
after_account_check: Callable[[], None] | None = None


def payment_id_for(claim_id: int) -> str:
    """The payment id the bank sees for a claim's payment."""
    return f"JB{claim_id:08d}"


def issue_payments(claim_ids: Iterable[int] | None, actor: User, *,
                   seen: Mapping[int, int] | None = None,
                   url: str | None = None, ledger: Ledger | None = None) -> list[str]:
    """Issue payment orders for claims whose notice is done (finance), all or none.

    A claim gets one payment, ever: issuing again after a bank failure re-opens the same
    payment (same id). ``None``: every notice_done claim without a pending or paid payment.
    Each payment records the payee's account as registered now (read in this transaction).

    Parameters
    ----------
    seen
        Claim id → the claim's ``version`` as the caller read it (the list the user
        confirmed); a claim whose version moved since (its payee's account changed, it was
        flagged or its flag cleared, …) is refused, naming it. ``None``: no such check.

    Returns
    -------
    list of str
        The payment ids issued.

    Raises
    ------
    TransitionRefused
        A claim is not notice_done, is flagged for review, changed since ``seen``, or was
        changed by someone else while it was being issued (a payee account saved through 登记
        at the same moment). Nothing was issued.
    """
    check_permission(actor, "issue_payment", url, ledger=ledger)
    issuer_not_approver = _issuer_not_approver(url, ledger=ledger)
    issued: list[str] = []
    with _refuse_races(url, ledger=ledger) as uow:
        claims = (uow.repo.claims(ClaimState.NOTICE_DONE.value) if claim_ids is None
                  else [c for c in (uow.repo.claim(i) for i in claim_ids) if c is not None])
        if after_payable_read is not None:
            after_payable_read()
        for claim in claims:
            payment = _issue(uow, claim, actor, issuer_not_approver,
                             seen=None if seen is None else seen.get(claim.id))
            if payment is not None:
                issued.append(payment.payment_id)
        uow.commit()
    return issued


def _issuer_not_approver(url: str | None, *, ledger: Ledger | None = None) -> bool:
    """Whether the active policy's ``[workflow]`` wants payment issuer ≠ approver."""
    found = load_active_policy(url, ledger=ledger)
    return bool(found is not None and found[1].workflow.issuer_not_approver)


def _issue(uow: UnitOfWork, claim: m.Claim, actor: User, issuer_not_approver: bool,
           batch: m.PaymentBatch | None = None, *, seen: int | None = None
           ) -> m.Payment | None:
    """Issue (or re-issue after a bank failure) the payment of one claim whose notice is done
    and which is not flagged, to the payee's account as registered now; ``None`` if it is
    pending or paid already. ``seen``: the claim's version as the caller read it."""
    if claim.state != ClaimState.NOTICE_DONE:
        raise TransitionRefused(msg("refusal.not_after_notice", claim=claim.id,
                                    state=msg(f"claim_state.{claim.state}")))
    if claim.needs_review:
        raise TransitionRefused(msg("refusal.flagged", claim=claim.id,
                                    why=note_message(claim.review_note) or ""))
    if issuer_not_approver:
        _four_eyes(uow, claim.id, actor, "approve", "issue_payment")
    payment = uow.repo.payment_of(claim.id)
    if payment is not None and not (
            payment.status == "failed" or (batch is not None and payment.status == "pending"
                                           and payment.batch_id is None)):
        return None
    if seen is not None and claim.version != seen:
        raise TransitionRefused(msg("refusal.changed_since_read", claim=claim.id))
    _hold(uow, claim)
    bank_name, bank_account = uow.repo.payee_account(claim.payee_id)
    if payment is None:
        payment = m.Payment(payment_id=payment_id_for(claim.id), claim_id=claim.id,
                            amount_fen=claim.amount_fen, status="pending",
                            created_by=actor.username, batch_id=batch.id if batch else None,
                            bank_name=bank_name, bank_account=bank_account)
        uow.repo.add(payment)
        uow.session.flush()
        uow.repo.audit(actor.username, "payment", payment.payment_id, "issue", None,
                       _payment_audit(payment, ("payment_id", "claim_id", "amount_fen",
                                                "status", "batch_id")))
    else:
        before = _payment_audit(payment, ("status", "failure_reason", "batch_id"))
        payment.status = "pending"
        payment.amount_fen = claim.amount_fen
        payment.batch_id = batch.id if batch else None
        payment.bank_name, payment.bank_account = bank_name, bank_account
        uow.repo.audit(actor.username, "payment", payment.payment_id,
                       "reissue" if before["status"] == "failed" else "batch", before,
                       _payment_audit(payment, ("status", "failure_reason", "batch_id")))
    return payment


def _hold(uow: UnitOfWork, claim: m.Claim) -> None:
    """Hold ``claim`` for its payment in this transaction: its version is bumped now (an
    UPDATE that says ``WHERE version =`` the version this transaction read). If the claim was
    changed since it was read — a payee account saved through 登记 flagged it — this is
    refused, naming the claim; once it passed, a concurrent change of the claim waits for this
    transaction and then fails on the version (``_payee_account_changed``)."""
    claim_id = claim.id  # not readable once the flush failed
    claim.updated_at = m.utcnow()
    try:
        uow.session.flush()
    except StaleDataError:
        raise TransitionRefused(msg("refusal.changed_while_issuing", claim=claim_id)) from None


def _payment_audit(payment: m.Payment, fields: tuple[str, ...]) -> dict[str, Any]:
    """A payment for the audit log: ``fields`` and the account it goes to, by bank and last
    four characters only (``account_label``), never in full."""
    return {**row_dict(payment, fields),
            "account": account_label(payment.bank_name, payment.bank_account).to_json()}


def record_payment(claim_id: int, actor: User, *, paid_on: dt.date | None = None,
                   seen: Mapping[int, int] | None = None,
                   url: str | None = None, ledger: Ledger | None = None) -> str:
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
    return record_payments([claim_id], actor, paid_on=paid_on, seen=seen, url=url,
                           ledger=ledger)[0]


def record_payments(claim_ids: Iterable[int], actor: User, *, paid_on: dt.date | None = None,
                    seen: Mapping[int, int] | None = None,
                    url: str | None = None, ledger: Ledger | None = None) -> list[str]:
    """Record that the payments of several claims went through (finance), all or none: if
    one claim may not be recorded paid, none is (the refusal names it), so a list confirmed
    by its total is never half recorded. ``seen``: claim id → version as the caller read it
    (as for ``issue_payments``). A claim paid without an issued payment gets one recording the
    payee's account as registered now.

    Returns
    -------
    list of str
        The payment ids, in the order of ``claim_ids``.

    Raises
    ------
    TransitionRefused
        A claim is not notice_done, is flagged for review, changed since ``seen``, or was paid
        at the same moment by someone else.
    """
    check_permission(actor, "record_payment", url, ledger=ledger)
    paid_on = paid_on or clock.today()
    done: list[str] = []
    with _refuse_races(url, ledger=ledger) as uow:
        changes = []
        ids = list(claim_ids)
        for claim_id in ids:
            flagged = uow.repo.claim(claim_id)
            if flagged is not None and flagged.needs_review:
                raise TransitionRefused(msg("refusal.flagged_record", claim=claim_id,
                                            why=note_message(flagged.review_note) or ""))
            if (flagged is not None and seen is not None and claim_id in seen
                    and flagged.version != seen[claim_id]):
                raise TransitionRefused(msg("refusal.changed_since_read", claim=claim_id))
            with _naming(claim_id, len(ids)):
                claim, before = _transition(uow, claim_id, "record_payment", actor)
                wrong_date = payment_date_refusal(paid_on, payment_id_for(claim.id),
                                                  payable_from(uow.repo, claim.id))
                if wrong_date is not None:
                    raise TransitionRefused(wrong_date)
            payment = uow.repo.payment_of(claim.id)
            if payment is None:
                bank_name, bank_account = uow.repo.payee_account(claim.payee_id)
                payment = m.Payment(payment_id=payment_id_for(claim.id), claim_id=claim.id,
                                    amount_fen=claim.amount_fen, created_by=actor.username,
                                    bank_name=bank_name, bank_account=bank_account)
                uow.repo.add(payment)
            payment.status = "paid"
            payment.paid_on = paid_on
            changes.append((claim, before, "record_payment"))
            done.append(payment.payment_id)
        _finish(uow, changes, actor)
    return done


def payable_from(repo: LedgerRepository, claim_id: int) -> dt.date | None:
    """The first day a claim may be paid: the day its notice closed (its newest notice closed
    as done). ``None`` if the ledger holds no closed notice for it."""
    return repo.session.scalars(
        select(m.Notice.closed_on).where(m.Notice.claim_id == claim_id,
                                         m.Notice.outcome == "done",
                                         m.Notice.closed_on.is_not(None))
        .order_by(m.Notice.id.desc())).first()


def payment_date_refusal(paid_on: dt.date, payment_id: str,
                         notice_closed: dt.date | None) -> Message | None:
    """The payment-date rule: why ``paid_on`` cannot be the day the payment ``payment_id``
    was paid, or ``None`` if it can. It cannot be after the office's today (the bank has not
    paid yet) nor before ``notice_closed``, the day the claim's notice closed (it was not
    payable before; ``payable_from``). Used alike by 登记已支付 and by a bank file's paid
    line; the policy's validity window plays no part (it governs which events earn a subsidy,
    not when the bank pays an approved claim)."""
    today = clock.today()
    if paid_on > today:
        return msg("refusal.paid_in_future", payment=payment_id, paid_on=paid_on.isoformat(),
                   today=today.isoformat())
    if notice_closed is not None and paid_on < notice_closed:
        return msg("refusal.paid_before_notice_closed", payment=payment_id,
                   paid_on=paid_on.isoformat(), closed=notice_closed.isoformat())
    return None


def _reconcile_bank(repo: LedgerRepository, records: Sequence[Any], imp: m.Import,
                    merge: Merge, actor: User) -> Merge:
    file = merge.file
    tally = merge.bank = BankTally()
    to_issue_again: set[str] = set()
    seen = {b.natural_key for b in repo.session.scalars(select(m.BankLine))}
    for i, r in enumerate(records):
        row = merge.at(i)
        status = str(getattr(r.status, "value", r.status)).lower()
        key = f"{r.payment_id}|{status}|{r.paid_on}|{r.amount_fen}"
        if key in seen:
            tally.duplicates += 1
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
        if status == "paid" and r.paid_on is not None and (wrong_date := payment_date_refusal(
                r.paid_on, r.payment_id, payable_from(repo, payment.claim_id))) is not None:
            merge.problem(row, "paid_on", wrong_date)
            continue
        reason = r.reason
        repo.add(m.BankLine(natural_key=key, payment_id=r.payment_id, status=status,
                            paid_on=r.paid_on, amount_fen=int(r.amount_fen), reason=reason,
                            import_id=imp.id))
        merge.added += 1
        claim = repo.claim(payment.claim_id)
        assert claim is not None
        if status == "paid":
            tally.paid += 1
            tally.paid_fen += int(r.amount_fen)
        else:
            tally.failed += 1
            tally.failed_fen += int(r.amount_fen)
            _bank_failure_step(repo, claim, payment, r.paid_on, reason, actor, file)
        before = row_dict(payment, ("status", "paid_on", "failure_reason"))
        if payment.status == "paid":
            # Paid once: a later failure or repeat never unpays or pays twice. But a failure
            # contradicts the record (recorded paid by hand, or returned by the bank): the
            # auditor is told. Any new line about it holds the claim (its version moves), so
            # this file and a resolution of the claim's payment exception at the same moment
            # never both commit (``payment_exceptions``).
            claim.updated_at = m.utcnow()
            if status != "paid" and _failed_after_paid(repo, claim, payment, reason, actor, file):
                merge.exceptions += 1
            continue
        if status == "paid":
            if claim.state != ClaimState.NOTICE_DONE:
                merge.problem(row, "status", msg("problem.bank_claim_state", claim=claim.id,
                                                 payment=r.payment_id, state=str(claim.state)))
                continue
            if _bank_paid(repo, claim, payment, r.paid_on, imp, actor, file):
                merge.exceptions += 1
            tally.newly_paid += 1
            to_issue_again.discard(payment.payment_id)
        else:
            payment.status = "failed"
            payment.failure_reason = reason or "failed (no reason given by the bank)"
            payment.bank_file_sha256 = imp.sha256
            to_issue_again.add(payment.payment_id)
        repo.audit(actor.username, "payment", payment.payment_id, f"bank_{status}", before,
                   row_dict(payment, ("status", "paid_on", "failure_reason")))
    tally.to_issue_again = len(to_issue_again)
    return merge


def bank_import_summary(result: Any) -> list[Message]:
    """What importing a bank result file did (``imports.ImportResult`` of ``bank_results``),
    one message a line, the same in the app and on the command line: the file and its lines;
    paid — lines, amount, and how many payments this file newly paid; failed — lines, amount,
    and how many payments may be issued again; the payment exceptions it marked (the
    auditor's to check); the lines skipped as seen before. A file imported before says only
    that nothing changed."""
    if result.already or result.bank is None:
        return [msg("bank_import.already", file=result.file_name)]
    tally = result.bank
    lines = [msg("bank_import.head", file=result.file_name, rows=result.rows),
             msg("bank_import.paid", n=tally.paid, amount=tally.paid_fen,
                 newly=tally.newly_paid),
             msg("bank_import.failed", n=tally.failed, amount=tally.failed_fen)]
    if tally.to_issue_again:
        lines.append(msg("bank_import.issue_again", n=tally.to_issue_again))
    lines += [msg("bank_import.exceptions", n=result.exceptions),
              msg("bank_import.duplicates", n=tally.duplicates)]
    return lines


def bank_import_needs_a_look(result: Any) -> bool:
    """Whether a bank import's summary is a warning: a line failed, or a claim was marked a
    payment exception."""
    return bool(result.exceptions) or bool(result.bank is not None and result.bank.failed)


def _bank_failure_step(repo: LedgerRepository, claim: m.Claim, payment: m.Payment,
                       on: dt.date | None, reason: str | None, actor: User, file: str) -> None:
    """Write a bank's failure of ``payment`` into its claim's history (``bank_failed``, the
    claim's state unchanged): the file, the date the bank gives (else today), the payment and
    the bank's reason — said as a failure of a payment recorded paid when it was."""
    code = ("decision.bank_failed_after_paid" if payment.status == "paid"
            else "decision.bank_failed")
    repo.add(m.Decision(
        claim_id=claim.id, action="bank_failed", from_state=claim.state, to_state=claim.state,
        actor=actor.username,
        reason=note_json(msg(code, file=file, on=(on or clock.today()).isoformat(),
                             payment=payment.payment_id,
                             reason=reason or msg("decision.bank_no_reason")))))


#: The notes of a payment the bank says failed after it was recorded paid (the money may never
#: have arrived: not shown as 已到账).
BANK_FAILED_NOTES = frozenset({"paid_exception.bank_failed",
                               "paid_exception.bank_failed_no_reason"})

#: The status shown for a payment recorded paid that the bank then said failed.
FAILED_AFTER_PAID = "failed_after_paid"


def payment_status_shown(status: Any, paid_exception: Any, exception_note: Any) -> str | None:
    """The status of a claim's payment as every screen and listing shows it: the payment's
    own (``pending``, ``paid``, ``failed``), except a payment recorded paid that the bank then
    said failed (a payment exception whose note is one of ``BANK_FAILED_NOTES``):
    ``FAILED_AFTER_PAID`` — the money may never have arrived, so never shown as paid.
    ``None``: no payment."""
    if not isinstance(status, str) or not status:
        return None
    if (bool(paid_exception) and isinstance(exception_note, Message)
            and exception_note.code in BANK_FAILED_NOTES):
        return FAILED_AFTER_PAID
    return status


def _failed_after_paid(repo: LedgerRepository, claim: m.Claim, payment: m.Payment,
                       reason: str | None, actor: User, file: str) -> bool:
    """The bank says a payment failed that the ledger holds as paid (recorded by hand with
    登记已支付, or paid by an earlier bank file): the claim stays paid (nothing is paid twice)
    but is marked ``paid_exception`` with a note and an audit entry, so the auditor checks
    whether the money arrived. A claim marked already because the bank paid it although it was
    flagged (or at another amount) is marked again as a bank failure: the money may have come
    back, which is the exception to check now (the earlier note stays in the audit entry).
    Whether it was marked now (not marked as a bank failure before)."""
    if claim.paid_exception and _exception_code(claim) in BANK_FAILED_NOTES:
        return False
    before = {**_claim_dict(claim), "exception_note": claim.exception_note}
    claim.paid_exception = True
    note = (msg("paid_exception.bank_failed", file=file, paid_on=str(payment.paid_on),
                reason=reason) if reason else
            msg("paid_exception.bank_failed_no_reason", file=file, paid_on=str(payment.paid_on)))
    claim.exception_note = note_json(note)
    repo.session.flush()
    repo.audit(actor.username, "claim", claim.id, "bank_failed_after_paid", before,
               {**_claim_dict(claim), "exception_note": claim.exception_note})
    return True


def _exception_code(claim: m.Claim) -> str | None:
    """The code of a claim's payment-exception note (``None``: no note)."""
    note = note_message(claim.exception_note)
    return note.code if note is not None else None


def _bank_paid(repo: LedgerRepository, claim: m.Claim, payment: m.Payment,
               paid_on: dt.date | None, imp: m.Import, actor: User, file: str) -> bool:
    """The bank paid: the claim becomes paid. Money that has left is never refused; if the
    claim was flagged for review or its amount no longer matches the payment, it is marked
    ``paid_exception`` with a note and an audit entry, for the auditor. Whether it was."""
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
    payment.paid_on = paid_on or clock.today()
    payment.bank_file_sha256 = imp.sha256
    repo.session.flush()
    repo.audit(actor.username, "claim", claim.id,
               "paid_with_exception" if code is not None else "record_payment", claim_before,
               _claim_dict(claim))
    return code is not None


#: The states of a claim a changed payee account sends back to review: past draft, not paid.
ACCOUNT_REVIEW_STATES = (ClaimState.REVIEWED.value, ClaimState.APPROVED.value,
                         ClaimState.IN_NOTICE.value, ClaimState.NOTICE_DONE.value)


def _payee_account_changed(repo: LedgerRepository, merge: Merge, update: RowUpdate,
                           actor: User) -> None:
    """A registered payee's bank account changed (``update``, from ``merge``'s file): a
    problem on its row while a payment of theirs is pending at the bank (the import is then
    refused whole); else each claim of theirs past draft and not paid is flagged for review
    with a note naming both accounts by bank and last four characters, audited, and the step
    is written in the claim's history (``flag_account_changed``, its state unchanged).

    The claims are read *before* the look for a pending payment, and flagging them bumps their
    version: a payment issued meanwhile (which bumps it too) is either seen pending here, or
    makes this import fail on the version — never are both saved. Read after the look, a
    payment committed in between would go unseen and the claims be flagged anyway."""
    claims = list(repo.session.scalars(select(m.Claim).where(
        m.Claim.payee_id == update.key, m.Claim.state.in_(ACCOUNT_REVIEW_STATES))
        .order_by(m.Claim.id)))
    pending = repo.session.scalars(
        select(m.Payment.payment_id).join(m.Claim, m.Claim.id == m.Payment.claim_id)
        .where(m.Claim.payee_id == update.key, m.Payment.status == "pending")
        .order_by(m.Payment.payment_id)).first()
    if pending is not None:
        column = "bank_account" if "bank_account" in update.after else "bank_name"
        what = msg("problem.what_person" if update.entity == "person"
                   else "problem.what_employer", **{"id" if update.entity == "person"
                                                    else "employer": update.key})
        merge.problem(update.row, column, msg("problem.payee_account_with_bank", what=what,
                                              payment=pending))
        return
    if after_account_check is not None:
        after_account_check()
    model: Any = m.Person if update.entity == "person" else m.Employer
    key = model.id_number if update.entity == "person" else model.uscc
    row = repo.session.scalars(select(model).where(key == update.key)).one()
    after = {"bank_name": row.bank_name, "bank_account": row.bank_account, **update.after}
    before = {**after, **update.before}
    note = msg(ACCOUNT_CHANGED,
               old=account_label(before.get("bank_name"), before.get("bank_account")),
               new=account_label(after.get("bank_name"), after.get("bank_account")))
    for claim in claims:
        was = _claim_dict(claim)
        claim.review_note = with_note(claim.review_note if claim.needs_review else None, note)
        claim.needs_review = True
        repo.add(m.Decision(claim_id=claim.id, action="flag_account_changed",
                            from_state=claim.state, to_state=claim.state,
                            actor=actor.username, reason=note_json(note)))
        repo.session.flush()
        repo.audit(actor.username, "claim", claim.id, "flag_account_changed", was,
                   {**_claim_dict(claim), "review_note": claim.review_note})


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
    """Finance-list rows of ``claims``, with the payment batch and the bank fields: where the
    payment was issued to (pending or paid), else the payee's registration (``_account``)."""
    payments = {p.claim_id: p for p in uow.session.scalars(select(m.Payment))}
    batches = {b.id: b.number for b in uow.session.scalars(select(m.PaymentBatch))}
    banks = {p.id_number: (p.bank_name, p.bank_account)
             for p in uow.session.scalars(select(m.Person))}
    banks.update({e.uscc: (e.bank_name, e.bank_account)
                  for e in uow.session.scalars(select(m.Employer))})
    rows = []
    for c in claims:
        p = payments.get(c.id)
        bank_name, bank_account = _account(p, banks.get(c.payee_id, (None, None)))
        rows.append({
            "claim_id": c.id, "payment_id": p.payment_id if p else None, "rule": c.rule,
            "payee_kind": c.payee_kind, "payee_id": c.payee_id, "payee_name": c.payee_name,
            "amount_fen": c.amount_fen, "evidence": evidence_messages(c.evidence, c.rule),
            "state": c.state, "bank_name": bank_name, "bank_account": bank_account,
            "batch": batches.get(p.batch_id) if p and p.batch_id and p.status == "pending"
            else None,
        })
    return pd.DataFrame(rows, columns=FINANCE_COLUMNS)


def _account(payment: m.Payment | None, registered: tuple[str | None, str | None]
             ) -> tuple[str | None, str | None]:
    """The account a finance line names: the one its payment was issued to while the payment
    is pending or paid, else (no payment, a failed one to issue again, or one issued before
    payments kept their account) the payee's registration."""
    if (payment is not None and payment.status in ("pending", "paid")
            and (payment.bank_name is not None or payment.bank_account is not None)):
        return payment.bank_name, payment.bank_account
    return registered


def finance_lines(state: str | None = None, *, url: str | None = None,
                  ledger: Ledger | None = None) -> pd.DataFrame:
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
    with using(url, ledger).uow() as uow:
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


def _fresh(uow: UnitOfWork) -> list[m.Claim]:
    """The lines a new payment batch takes now: payable (``_payable``) and not in a batch yet —
    no payment, a failed one, or one issued by 发起支付 outside any batch. By claim id."""
    payments = {p.claim_id: p for p in uow.session.scalars(select(m.Payment))}
    return [c for c in uow.repo.claims(ClaimState.NOTICE_DONE.value)
            if _payable(c, payments.get(c.id)) and (
                c.id not in payments or payments[c.id].status == "failed"
                or payments[c.id].batch_id is None)]


def batch_candidates(*, url: str | None = None, ledger: Ledger | None = None) -> pd.DataFrame:
    """The lines a new payment batch would take now, read only (nothing is issued): the
    claims payable now whose payment is not in a batch yet. ``make_payment_batch`` rechecks
    their entitlements before it numbers them.

    Returns
    -------
    pandas.DataFrame
        ``FINANCE_COLUMNS`` and ``version`` (the claim's version, for
        ``make_payment_batch(seen=…)``), by claim id.
    """
    with using(url, ledger).uow() as uow:
        claims = _fresh(uow)
        lines = _finance_rows(uow, claims)
        lines["version"] = pd.Series([c.version for c in claims], dtype="int64")
        return lines


def open_batch(*, url: str | None = None, ledger: Ledger | None = None
               ) -> tuple[str | None, pd.DataFrame]:
    """The newest open payment batch (a payment of it still pending: the bank has not
    answered) and its pending lines, read only; ``(None, empty)`` if no batch is open."""
    with using(url, ledger).uow() as uow:
        return _open_batch(uow)


def _open_batch(uow: UnitOfWork) -> tuple[str | None, pd.DataFrame]:
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


@dataclass(frozen=True, slots=True)
class BatchMade:
    """What ``make_payment_batch`` did: the batch's ``number`` and its ``lines`` and
    ``total_fen`` (``None``, 0, 0: no batch made), and the claims the recheck of the
    entitlements flagged just now (``flagged``: claim ids) — left out; if they were among the
    lines confirmed, no batch was made."""

    number: str | None
    lines: int = 0
    total_fen: int = 0
    flagged: tuple[int, ...] = ()


def make_payment_batch(actor: User, *, seen: Mapping[int, int] | None = None,
                       url: str | None = None, ledger: Ledger | None = None) -> BatchMade:
    """Number a new payment batch of the lines not yet sent to the bank, issuing their
    payments (pending): an explicit action of finance, confirmed with the lines' count and
    total — never a side effect of downloading the finance list.

    First every claim whose notice is done is checked against its entitlement on the facts
    now (``_recheck_entitlements``): a claim that no longer matches is flagged, not batched.
    A line in an open batch is never batched again; a line whose payment failed, or issued by
    发起支付 outside a batch, goes into the new batch.

    Parameters
    ----------
    seen
        The lines confirmed: claim id → the claim's ``version`` as read for the confirmation
        (``batch_candidates``). The batch holds exactly these lines (a line payable since is
        left for the next batch). A confirmed line that is no longer a candidate — put in a
        batch by someone else meanwhile (a double click, a second finance user) — or changed
        since is refused, naming it, and nothing is issued; one the recheck flagged now makes
        no batch either (the flags are kept, ``BatchMade.flagged`` names them): the list
        confirmed is not the list that would go. ``None``: every candidate line, less those
        the recheck flagged.

    Raises
    ------
    PermissionDenied
        The actor may not issue payments (finance), or the policy wants issuer ≠ approver and
        the actor approved one of the lines.
    TransitionRefused
        A confirmed line is in a batch already, changed since ``seen``, or changed by someone
        else while the batch was being made (its payee's account, a concurrent batch): nothing
        was issued, no batch numbered.
    """
    check_permission(actor, "issue_payment", url, ledger=ledger)
    issuer_not_approver = _issuer_not_approver(url, ledger=ledger)
    found = load_active_policy(url, ledger=ledger)
    with _refuse_races(url, ledger=ledger) as uow:
        flagged_keys = _recheck_entitlements(uow, found, actor) if found is not None else []
        fresh = {c.id: c for c in _fresh(uow)}
        flagged = tuple(sorted(c.id for c in uow.repo.claims(ClaimState.NOTICE_DONE.value)
                               if c.key in set(flagged_keys)))
        if seen is None:
            lines = list(fresh.values())
        else:
            for claim_id in sorted(seen):
                if claim_id in flagged:
                    continue
                _still_a_candidate(uow, claim_id, fresh.get(claim_id), seen[claim_id])
            if set(flagged) & set(seen):
                uow.commit()  # the recheck's flags stand; nothing issued
                return BatchMade(None, flagged=flagged)
            lines = [fresh[i] for i in sorted(seen)]
        if after_payable_read is not None:
            after_payable_read()
        if not lines:
            uow.commit()
            return BatchMade(None, flagged=flagged)
        batch = m.PaymentBatch(number=_next_batch_number(uow, clock.today()),
                               created_by=actor.username, lines=len(lines),
                               total_fen=sum(c.amount_fen for c in lines), lines_sha256="")
        uow.repo.add(batch)
        uow.session.flush()
        for claim in lines:
            claim_id = claim.id
            if _issue(uow, claim, actor, issuer_not_approver, batch,
                      seen=None if seen is None else seen[claim_id]) is None:
                # issued meanwhile, by a batch or 发起支付 that committed after our read
                raise TransitionRefused(msg("refusal.changed_while_issuing", claim=claim_id))
        uow.session.flush()
        batch.lines_sha256 = _lines_sha256(_finance_rows(uow, lines))
        uow.repo.audit(actor.username, "payment_batch", batch.number, "create_batch", None,
                       row_dict(batch, ("number", "lines", "total_fen", "lines_sha256")))
        made = BatchMade(batch.number, batch.lines, batch.total_fen, flagged)
        uow.commit()
    return made


def _still_a_candidate(uow: UnitOfWork, claim_id: int, claim: m.Claim | None,
                       version: int) -> None:
    """Refuse a confirmed line that is no longer what was confirmed: in a batch already
    (naming it), or otherwise not a candidate, or changed since it was read (``version``)."""
    if claim is not None and claim.version == version:
        return
    payment = uow.repo.payment_of(claim_id)
    if payment is not None and payment.status == "pending" and payment.batch_id is not None:
        batch = uow.session.get(m.PaymentBatch, payment.batch_id)
        raise TransitionRefused(msg("refusal.already_in_batch", claim=claim_id,
                                    batch=batch.number if batch else "?"))
    raise TransitionRefused(msg("refusal.changed_since_read", claim=claim_id))


def payment_batch(actor: User, *, url: str | None = None,
                  ledger: Ledger | None = None) -> tuple[str | None, pd.DataFrame]:
    """Make a payment batch of every line not yet sent to the bank (``make_payment_batch``
    without a confirmed list: the command line's ``jobbus claims batch --yes`` reads the list
    first and passes it) and return the newest open batch's number and its pending lines
    (``open_batch``): exporting again with nothing new re-exports the newest open batch (same
    number, same lines). ``(None, empty)`` if nothing is payable or pending.

    Raises
    ------
    PermissionDenied, TransitionRefused
        As ``make_payment_batch``.
    """
    make_payment_batch(actor, url=url, ledger=ledger)
    return open_batch(url=url, ledger=ledger)


def _recheck_entitlements(uow: UnitOfWork, policy: tuple[int, Any], actor: User
                          ) -> list[str]:
    """Before a batch: compare each claim whose notice is done with its entitlement on the
    ledger's facts now (evidence imported since the last compute included); one that no longer
    matches is flagged for review, as a recompute would, and so is left out of the batch.
    Returns the keys of the claims flagged now."""
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
    return list(tally.flagged_keys or [])
