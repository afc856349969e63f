"""Claims on screen: cached reads, translated tables, the workflow buttons and the exports.

Rules implemented:

- amounts are shown as ``¥12,345.00`` (``ui.fmt``), states and rules in the session's language;
- each line carries its evidence (the service's messages, rendered in the session's language;
  a legacy English line reads as its rule in Chinese) and, on demand, its history;
- an action button is drawn only for a role the service would let act (``auth.PERMISSIONS``);
  the service still checks and its refusal is shown as a message;
- an action that moves money (``MONEY_ACTIONS``: 发起支付, 登记已支付) is asked to confirm with
  its count, total and number of payees; 确认 acts on exactly the claims shown, and only while
  they are as they were shown: a pick changed since, or a claim changed in the ledger since
  (someone else acted), drops the confirmation and does nothing — and the service is given
  the claims' versions as confirmed, so a change in the moment between is refused there too;
  another button clicked while
  it waits (取消, a workflow button) drops it without a word, so the page shows one message,
  about that click; leaving the page cancels it, and coming back says so plainly; 确认 is
  acted on before the question would be drawn again, so a refusal (four eyes: the claim's
  approver may not issue its payment) stands alone, with neither the question nor 确认 left;
- 生成拨付批次 (finance) is such a money action too, on the lines a new payment batch would take
  rather than the claims picked: asked with their count, total and payees and that they become
  payments pending at the bank; a line changed since drops it. Downloading the finance list
  never issues a payment: it is the open batch, or a preview marked as such;
- a claim with a payment exception offers finance a small form under its evidence: the outcome
  of checking the bank statement (到账已核实, or 未到账，重新支付 for a bank failure only), a
  note (required) and 确认; the service decides who may (four eyes) and refuses in the
  session's language; a resolved exception shows what was found above the evidence;
- exports are produced by the ledger service into a temporary file and offered as downloads.
"""

from __future__ import annotations

import datetime as dt
import functools
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from planner import clock
from planner.errors import JobbusError
from planner.ledger.evidence import evidence_messages, evidence_text
from planner.messages import Message
from planner.services import claims as claims_service
from planner.services import exports, imports, payment_exceptions, payments
from ui import backend, fmt
from ui.auth import actor_label
from ui.i18n import current_language, t
from ui.layout import flash, kpi, left_unconfirmed, money_kpi, show_flash

CLAIM_STATES = ("draft", "reviewed", "approved", "in_notice", "notice_done", "paid", "rejected",
                "void")
RULES = ("charter", "self_return", "recruitment", "agency", "retention", "sending_area")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def claims(url: str, user: Any) -> pd.DataFrame:
    """Every claim as ``user`` may see it (``planner.services.claims.claims_seen_by``: a
    person's ID number masked unless the user's role may view it in full), cached until the
    ledger changes — here or elsewhere: another user's payment, or the user's own new role,
    shows at the next click (``backend.read``)."""
    return backend.read(claims_service.claims_seen_by, url, user)


def claim_metrics(frame: pd.DataFrame) -> None:
    """Owed, approved and paid: count and amount."""
    live = frame[frame["state"] != "rejected"] if not frame.empty else frame
    approved = live[live["state"].isin(["approved", "in_notice", "notice_done", "paid"])]
    paid = live[live["state"] == "paid"]
    c1, c2, c3, c4 = st.columns(4)
    kpi(c1, t("subsidies.m_claims"), fmt.count(len(frame)),
        t("subsidies.rejected_n", n=len(frame) - len(live)))
    money_kpi(c2, t("subsidies.m_owed"), int(live["amount_fen"].sum()) if len(live) else 0)
    money_kpi(c3, t("subsidies.m_approved"),
              int(approved["amount_fen"].sum()) if len(approved) else 0,
              t("subsidies.lines", n=len(approved)))
    odd = int(paid["paid_exception"].astype(bool).sum()) if len(paid) else 0
    money_kpi(c4, t("subsidies.m_paid"), int(paid["amount_fen"].sum()) if len(paid) else 0,
              t("subsidies.lines", n=len(paid))
              + (t("subsidies.exceptions_n", n=odd) if odd else ""))


def _evidence_text(evidence: Any, rule: str) -> str:
    """A claim's evidence (messages), each line in the session's language."""
    return evidence_text(evidence_messages(evidence, rule), current_language())


def claims_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Claims with translated headers and values, amounts formatted, evidence one per line."""
    return pd.DataFrame(
        {
            t("claims.id"): frame["claim_id"].astype(int),
            t("claims.rule"): [t(f"rules.{r}") for r in frame["rule"]],
            t("claims.payee"): frame["payee_name"],
            t("claims.payee_id"): frame["payee_id"],
            t("claims.amount"): [fmt.yuan(int(a)) for a in frame["amount_fen"]],
            t("claims.state"): [t(f"states.{s}") for s in frame["state"]],
            t("claims.flag"): [
                (note.render(current_language()) if isinstance(note, Message)
                 else note or t("common.yes")) if flag else "" for flag, note in
                zip(frame["needs_review"], frame["review_note"], strict=True)
            ],
            t("claims.payment"): [
                _payment_text(p, s, x, n) for p, s, x, n in zip(
                    frame["payment_id"], frame["payment_status"], frame["paid_exception"],
                    frame["exception_note"], strict=True)
            ],
            t("claims.evidence"): [_evidence_text(e, r) for e, r in
                                   zip(frame["evidence"], frame["rule"], strict=True)],
        }
    )


#: The state picker's entry for the payment exceptions (paid, but the auditor must check).
EXCEPTIONS = "paid_exception"

def payment_status_text(status: Any, exception: Any, note: Any) -> str:
    """A claim's payment status as every part of the page shows it (the table's 支付 cell,
    the claim picker, the messages naming claims): ``payments.payment_status_shown`` in the
    session's language — a payment the bank said failed after 登记已支付 is never 已到账.
    ``""``: no payment."""
    shown = payments.payment_status_shown(status, exception, note)
    return "" if shown is None else t(f"payments.{shown}")


def _payment_text(payment_id: Any, status: Any, exception: Any, note: Any) -> str:
    """A claim's payment and its status, with the exception the auditor must check (paid
    although flagged, at another amount, or failed at the bank after 登记已支付)."""
    if pd.isna(payment_id) or not payment_id:
        return ""
    text = f"{payment_id} · {payment_status_text(status, exception, note)}"
    if not bool(exception):
        return text
    why = t("claims.exception", why=note.render(current_language())
            if isinstance(note, Message) else "")
    return f"{text} · {why}"


def bank_done_text(result: Any) -> str:
    """What importing a bank file did (``payments.bank_import_summary``), one line each, in the
    session's language: paid, failed (and that those may be issued again), the payment
    exceptions it marked (the auditor's to check), the duplicates skipped — said first-hand,
    not left to be found in the table."""
    lang = current_language()
    return "  \n".join(line.render(lang) for line in payments.bank_import_summary(result))


def bank_needs_a_look(result: Any) -> bool:
    """Whether a bank import is shown as a warning: a line failed or a claim was marked a
    payment exception (``payments.bank_import_needs_a_look``)."""
    return payments.bank_import_needs_a_look(result)


def claims_columns() -> dict[str, Any]:
    """Column widths for the claims table."""
    return {
        t("claims.id"): st.column_config.NumberColumn(width="small", format="%d"),
        t("claims.evidence"): st.column_config.TextColumn(width="large"),
    }


def claim_labels(frame: pd.DataFrame) -> dict[int, str]:
    """``claim id → "#12 · 张三 · ¥800.00 · 待审核"`` for pickers; a claim with a payment
    also names its status (``… · 公示期满 · 待银行回单``), so a claim already paid out is
    not paid again by mistake."""
    labels = {}
    for r in frame.itertuples():
        amount = fmt.yuan(int(str(r.amount_fen)))
        label = f"#{r.claim_id} · {r.payee_name} · {amount} · {t('states.' + str(r.state))}"
        status = payment_status_text(getattr(r, "payment_status", None),
                                     getattr(r, "paid_exception", False),
                                     getattr(r, "exception_note", None))
        if status:
            label += f" · {status}"
        labels[int(str(r.claim_id))] = label
    return labels


def claim_ids(values: Iterable[Any]) -> list[int]:
    """The claim ids of a claim picker's values. A claim picked before its label changed (a
    payment issued, a state moved: ``#12 · 张三 · ¥800.00 · 公示期满``) comes back from the
    browser as that old label, not as its id: the id is read from its ``#12`` head (values
    that are neither are dropped)."""
    out: list[int] = []
    for value in values:
        if isinstance(value, int):
            out.append(value)
            continue
        head = str(value).split(" ", 1)[0].lstrip("#")
        if head.isdigit():
            out.append(int(head))
    return list(dict.fromkeys(out))


@dataclass(frozen=True, slots=True)
class ClaimAction:
    """A workflow button: its name, the permission it needs, whether claims must be picked."""

    name: str
    permission: str
    needs_pick: bool = True


CLAIM_ACTIONS = (
    ClaimAction("review", "review"),
    ClaimAction("approve", "approve"),
    ClaimAction("reject", "reject"),
    ClaimAction("reopen", "review"),
    ClaimAction("confirm_payee_account", "confirm_payee_account"),
    ClaimAction("publish_notice", "publish_notice"),
    ClaimAction("object", "object"),
    ClaimAction("close_notice", "close_notice"),
    ClaimAction("issue_payment", "issue_payment"),
    ClaimAction("record_payment", "record_payment"),
)


#: the actions that send a claim back or stop it (never the emphasised button)
BACKWARD_ACTIONS = frozenset({"reject", "reopen", "object"})


def main_action(actions: list[ClaimAction]) -> ClaimAction | None:
    """The emphasised (primary) button among ``actions``: the first that moves the claims on
    (review, approve, publish, close the notice, pay); none when all send them back."""
    return next((a for a in actions if a.name not in BACKWARD_ACTIONS), None)


#: the actions whose buttons come with the 意见 / 理由 box (a note, or a reason they need)
ACTIONS_WITH_NOTE = frozenset({"reject", "object", "review", "approve", "confirm_payee_account"})


def actions_for(actions: list[ClaimAction], frame: pd.DataFrame,
                picked: list[int]) -> list[ClaimAction]:
    """The buttons of ``actions`` open to every picked claim (``claims.actions_open_to``)."""
    if not picked:
        return []
    rows = frame.loc[frame["claim_id"].isin(picked)]
    flagged = bool(len(rows)) and bool(rows["needs_review"].astype(bool).all())
    account = bool(len(rows)) and bool(rows["account_changed"].astype(bool).all())
    paying = [None if pd.isna(s) else str(s) for s in rows["payment_status"]]
    open_to = claims_service.actions_open_to(set(rows["state"]), flagged, paying, account)
    return [a for a in actions if a.name in open_to]


def _claims_now(frame: pd.DataFrame, ids: list[int], *, amounts: bool = False) -> str:
    """``#12 已拨付、#13 公示期满（待银行回单）``: the claims ``ids`` as they stand in ``frame``
    (``amounts``: each with its amount)."""
    rows = frame.loc[frame["claim_id"].isin(ids)]
    return "、".join(
        f"#{r.claim_id} {t('states.' + str(r.state))}"
        + (f" {fmt.yuan(int(str(r.amount_fen)))}" if amounts else "")
        + (f"（{payment_status_text(r.payment_status, r.paid_exception, r.exception_note)}）"
           if isinstance(r.payment_status, str) and r.state != "paid" else "")
        for r in rows.itertuples()
    )


def not_done_text(action: ClaimAction, frame: pd.DataFrame, picked: list[int]) -> str:
    """Why a button clicked was not acted on: the claims picked have changed since the page
    was drawn (someone else acted on them first); their states now."""
    return t("subsidies.not_done", what=t(f"subsidies.do_{action.name}"),
             now=_claims_now(frame, picked))


#: the actions that move money: one click acts on every claim picked ("Select all" included),
#: so the first click asks to confirm the count and the total (``MoneyConfirmation``)
MONEY_ACTIONS = frozenset({"issue_payment", "record_payment"})

#: session key of the money action clicked once and waiting for 确认
CONFIRM = "sub_confirm"
#: keys of the 确认 and 取消 buttons drawn under a waiting confirmation
CONFIRM_YES, CONFIRM_NO = "sub_confirm_yes", "sub_confirm_no"

#: 生成拨付批次: the money action that numbers a payment batch of every line payable and not
#: yet at the bank (``payments.make_payment_batch``), confirmed like the others, with its
#: count and total, but not tied to the claims picked
MAKE_BATCH = "make_batch"
#: key of the 生成拨付批次 button
MAKE_BATCH_KEY = "sub_make_batch"


def action_key(name: str) -> str:
    """The key of the workflow button of the action ``name``."""
    return f"sub_do_{name}"


def _as_seen(frame: pd.DataFrame, ids: list[int]) -> tuple[tuple[Any, ...], ...]:
    """What a confirmation rests on, per claim: its version (the ledger's optimistic lock,
    bumped by every change of the claim), state, amount, review flag and payment."""
    rows = frame.loc[frame["claim_id"].isin(ids)].sort_values("claim_id")
    return tuple(
        (int(str(r.claim_id)), int(str(r.version)), str(r.state), int(str(r.amount_fen)),
         bool(r.needs_review), None if pd.isna(r.payment_id) else str(r.payment_id),
         None if pd.isna(r.payment_status) else str(r.payment_status))
        for r in rows.itertuples()
    )


@dataclass(frozen=True, slots=True)
class MoneyConfirmation:
    """A money action clicked once, waiting for 确认: the claims picked then (sorted), their
    total and number of payees as shown, and how each claim stood in the ledger then."""

    action: str
    ids: tuple[int, ...]
    total_fen: int
    payees: int
    seen: tuple[tuple[Any, ...], ...]

    @property
    def versions(self) -> dict[int, int]:
        """Claim id → its version when the confirmation was asked: the service refuses a claim
        changed since (a payee account changed meanwhile), whatever the page saw."""
        return {int(row[0]): int(row[1]) for row in self.seen}


def ask_to_confirm(action: ClaimAction | str, frame: pd.DataFrame, picked: list[int]) -> None:
    """Keep ``action`` (a workflow button, or ``MAKE_BATCH``) on the claims ``picked`` (as
    ``frame`` shows them) waiting for 确认."""
    ids = sorted({int(c) for c in picked})
    rows = frame.loc[frame["claim_id"].isin(ids)]
    st.session_state[CONFIRM] = MoneyConfirmation(
        action=action if isinstance(action, str) else action.name, ids=tuple(ids),
        total_fen=int(rows["amount_fen"].sum()), payees=int(rows["payee_id"].nunique()),
        seen=_as_seen(frame, ids))


def claims_confirmation() -> MoneyConfirmation | None:
    """The money action on the claims picked waiting for 确认 (发起支付, 登记已支付), asked and
    acted on under the workflow buttons; ``None`` if none waits or it is 生成拨付批次 (asked
    and acted on beside its button, ``batch_panel``)."""
    pending = st.session_state.get(CONFIRM)
    if not isinstance(pending, MoneyConfirmation) or pending.action == MAKE_BATCH:
        return None
    return pending


def confirmation_left() -> str | None:
    """Drop a confirmation left waiting when the user went to another page and came back, and
    say plainly that it was cancelled. Streamlit forgets the state of a widget a run does not
    draw: a waiting confirmation whose 确认 button has no state was not drawn by the last run
    (another page was; :func:`ui.layout.left_unconfirmed`). ``None``: none waits, or the last
    run drew it."""
    if not isinstance(st.session_state.get(CONFIRM), MoneyConfirmation):
        return None
    pending = left_unconfirmed(CONFIRM, CONFIRM_YES)
    if pending is None:
        return None
    return t("subsidies.confirm_left", what=t(f"subsidies.do_{pending.action}"),
             n=len(pending.ids), total=fmt.yuan(pending.total_fen))


def confirmation_lapsed(frame: pd.DataFrame, picked: list[int],
                        offered: list[ClaimAction]) -> str | None:
    """Drop the waiting confirmation if it no longer holds, and say why: a claim it covers
    changed in the ledger (``frame``, read now) since it was asked, the claims ``picked`` are
    not the ones it covers, or its action is no longer ``offered`` for them. ``None``: none
    waits, or it holds, or another click of this run (a workflow button, 取消) replaced it:
    then it is dropped without a word, and that click alone speaks (a new confirmation, its
    result, or why it was not done)."""
    pending = st.session_state.get(CONFIRM)
    if not isinstance(pending, MoneyConfirmation):
        st.session_state.pop(CONFIRM, None)
        return None
    if st.session_state.get(CONFIRM_NO) or st.session_state.get(MAKE_BATCH_KEY) or any(
            st.session_state.get(action_key(a.name)) for a in CLAIM_ACTIONS):
        del st.session_state[CONFIRM]
        return None
    what = t(f"subsidies.do_{pending.action}")
    ids = list(pending.ids)
    if pending.action == MAKE_BATCH:  # its lines, not the claims picked
        now = _as_seen(frame, ids)
        if now == pending.seen and len(now) == len(ids):
            return None
        changed = sorted(set(ids) - {row[0] for row in set(now) & set(pending.seen)})
        why = t("subsidies.confirm_batch_changed", what=what,
                now=_claims_now(frame, changed or ids, amounts=True))
    elif _as_seen(frame, ids) != pending.seen or len(pending.seen) != len(ids):
        why = t("subsidies.confirm_changed", what=what,
                now=_claims_now(frame, ids, amounts=True))
    elif sorted({int(c) for c in picked}) != ids:
        why = t("subsidies.confirm_repicked", what=what)
    elif pending.action not in {a.name for a in offered}:
        why = t("subsidies.not_done", what=what, now=_claims_now(frame, ids))
    else:
        return None
    del st.session_state[CONFIRM]
    return why


def confirm_text(pending: MoneyConfirmation) -> str:
    """``发起支付：12 条，合计 ¥9,600.00（收款人 11 个）。确认？``; 生成拨付批次 also says that
    its lines become payments pending at the bank."""
    return t("subsidies.confirm_batch" if pending.action == MAKE_BATCH else "subsidies.confirm",
             what=t(f"subsidies.do_{pending.action}"), n=len(pending.ids),
             total=fmt.yuan(pending.total_fen), payees=pending.payees)


def batch_panel(frame: pd.DataFrame, url: str, user: Any) -> None:
    """生成拨付批次, for a role that may issue payments: the open batch (its number, lines and
    total at the bank), the lines a new batch would take now and the button that makes it —
    first asking 确认 with their count, total and payees, and saying that they become payments
    pending at the bank; 确认 makes a batch of exactly those lines, as they were shown
    (``payments.make_payment_batch`` with their versions: a line batched or changed since, by a
    double click or another finance officer, is refused there too). Downloading the finance
    list never makes one (``export_buttons``)."""
    show_flash(at="batch")  # what 生成拨付批次 did, beside it
    from ui.auth import may

    if not may("issue_payment"):
        return
    number, open_lines = backend.read(payments.open_batch, url)
    if number is not None:
        st.caption(t("subsidies.batch_open", number=number, n=len(open_lines),
                     total=fmt.yuan(int(open_lines["amount_fen"].sum()))))
    lines = backend.read(payments.batch_candidates, url)
    ids = [int(c) for c in lines["claim_id"]]
    if not ids:
        st.caption(t("subsidies.batch_nothing"))
    else:
        st.caption(t("subsidies.batch_waiting", n=len(ids),
                     total=fmt.yuan(int(lines["amount_fen"].sum()))))
        if st.button(t("subsidies.do_make_batch"), key=MAKE_BATCH_KEY,
                     icon=":material/request_quote:"):
            ask_to_confirm(MAKE_BATCH, frame, ids)
    pending = st.session_state.get(CONFIRM)
    if not isinstance(pending, MoneyConfirmation) or pending.action != MAKE_BATCH:
        return
    if st.session_state.get(CONFIRM_YES):  # acted on now, so a refusal stands alone
        del st.session_state[CONFIRM]
        made = backend.run(payments.make_payment_batch, user, seen=pending.versions, url=url)
        if made is None:
            return
        if made.number is None:  # the recheck flagged lines confirmed: nothing issued
            flash(t("subsidies.batch_flagged", claims="、".join(f"#{c}" for c in made.flagged)),
                  warn=True, at="batch")
        else:
            flash(t("subsidies.batch_made", number=made.number, n=made.lines,
                    total=fmt.yuan(made.total_fen)), at="batch")
    st.warning(confirm_text(pending), icon=":material/payments:")
    yes, no = st.columns(2)
    yes.button(t("subsidies.confirm_yes"), key=CONFIRM_YES, type="primary", width="stretch")
    no.button(t("subsidies.confirm_no"), key=CONFIRM_NO, width="stretch")


def run_action(action: ClaimAction, ids: list[int], user: Any, reason: str,
               url: str, *, seen: dict[int, int] | None = None) -> str | None:
    """Do ``action`` on the claims ``ids`` through the ledger service; a money action with
    ``seen``, the claims' versions as confirmed (``MoneyConfirmation.versions``).

    Returns
    -------
    str or None
        What was done, in a few words; ``None`` if the service refused (message shown).
    """
    note = reason.strip() or None
    calls: dict[str, Callable[[], Any]] = {
        "review": lambda: claims_service.review(ids, user, note=note, url=url),
        "approve": lambda: claims_service.approve(ids, user, note=note, url=url),
        "reject": lambda: claims_service.reject(ids, user, reason, url=url),
        "reopen": lambda: claims_service.reopen_flagged(ids, user, note=note, url=url),
        "confirm_payee_account": lambda: claims_service.confirm_payee_account(
            ids, user, note=note, url=url),
        "publish_notice": lambda: claims_service.publish_notice(ids, user, url=url),
        "object": lambda: claims_service.raise_objections(ids, user, reason, url=url),
        "close_notice": lambda: claims_service.close_notice(ids, user, url=url),
        "issue_payment": lambda: payments.issue_payments(ids, user, seen=seen, url=url),
        "record_payment": lambda: payments.record_payments(ids, user, seen=seen, url=url),
    }
    try:
        result = calls[action.name]()
    except JobbusError as exc:
        st.error(t("common.refused", reason=backend.refusal_text(exc)), icon=":material/block:")
        return None
    except Exception:
        backend.show_bug(f"claim action {action.name}")
        return None
    what = t(f"subsidies.do_{action.name}")
    if isinstance(result, dt.date):
        return t("subsidies.notice_until", what=what, n=len(ids), until=fmt.date(result))
    if action.name == "issue_payment" and len(result) < len(ids):
        return t("subsidies.issued_some", what=what, n=len(result),
                 already=len(ids) - len(result))
    return t("subsidies.moved", what=what, n=len(ids))


def claim_detail(frame: pd.DataFrame, claim_id: int, url: str) -> None:
    """One claim: its evidence, one per line, and its history of decisions."""
    row = frame[frame["claim_id"] == claim_id]
    if row.empty:
        return
    line = row.iloc[0]
    st.markdown(t("subsidies.detail", rule=t(f"rules.{line['rule']}"), payee=line["payee_name"],
                  amount=fmt.yuan(int(line["amount_fen"]))))
    lang = current_language()
    note = line["exception_note"]
    if bool(line["paid_exception"]) and isinstance(note, Message):
        st.warning(t("claims.exception", why=note.render(lang)))
    elif isinstance(note, Message) and note.code.startswith("paid_exception.resolved_"):
        st.info(t("subsidies.exc_resolved", what=note.render(lang)))
    for message in evidence_messages(line["evidence"], str(line["rule"])):
        st.markdown(f"- {message.render(lang)}")
    history = claims_service.claim_history(claim_id, url=url)
    if not history.empty:
        history = history.assign(
            at=[fmt.recorded(a) for a in history["at"]],
            actor=[actor_label(a) for a in history["actor"]],
            reason=[r.render(lang) if isinstance(r, Message) else (r if isinstance(r, str) else "")
                    for r in history["reason"]],
            action=[t(f"subsidies.do_{a}") for a in history["action"]],
            from_state=[t(f"states.{s}") for s in history["from_state"]],
            to_state=[t(f"states.{s}") for s in history["to_state"]],
        ).rename(columns={c: t(f"history.{c}") for c in history.columns})
        st.dataframe(history, hide_index=True, width="stretch")


def exception_key(claim_id: int, part: str) -> str:
    """The key of a widget of the payment-exception form of claim ``claim_id``."""
    return f"sub_exc_{part}_{claim_id}"


def resolve_exception_form(frame: pd.DataFrame, claim_id: int, user: Any, url: str) -> None:
    """For a claim marked a payment exception: the outcome of checking the bank statement, a
    note and 确认, resolved by the service (``payment_exceptions``) on the claim as shown (its
    version): a claim changed since is refused, not resolved on what the user did not see."""
    row = frame[frame["claim_id"] == claim_id]
    if row.empty or not bool(row.iloc[0]["paid_exception"]):
        return
    line = row.iloc[0]
    note = line["exception_note"]
    returned = payment_exceptions.is_bank_failure(note if isinstance(note, Message) else None)
    outcomes = [o.value for o in payment_exceptions.Outcome] if returned else ["arrived"]
    labels = {o: t(f"subsidies.exc_{o}") for o in outcomes}
    with st.form(key=exception_key(claim_id, "form")):
        st.markdown(t("subsidies.exc_title"))
        outcome = st.radio(t("subsidies.exc_outcome"), outcomes,
                           format_func=labels.__getitem__,
                           key=exception_key(claim_id, "outcome"), horizontal=True)
        if not returned:
            st.caption(t("subsidies.exc_money_left"))
        text = st.text_input(t("subsidies.exc_note"), key=exception_key(claim_id, "note"),
                             max_chars=payment_exceptions.NOTE_LIMIT,
                             placeholder=t("subsidies.exc_note_hint"))
        st.caption(t("subsidies.exc_four_eyes"))
        submitted = st.form_submit_button(t("subsidies.confirm_yes"), type="primary",
                                          key=exception_key(claim_id, "confirm"))
    if not submitted:
        return
    state = backend.run(payment_exceptions.resolve_payment_exception, claim_id, user,
                        str(outcome), text, seen_version=int(line["version"]), url=url)
    if state is not None:
        flash(t(f"subsidies.exc_done_{outcome}", claim=claim_id,
                payment=str(line["payment_id"])), at="claim")


#: export name -> the permission it needs (``auth.PERMISSIONS``)
EXPORT_PERMISSIONS = {"finance": "export_finance_list", "notice": "export_notice",
                      "returns": "export_returns"}

#: export name -> (the export service, file name)
EXPORTS: dict[str, tuple[Callable[..., Path], str]] = {
    "finance": (exports.export_finance_list, "finance-list.xlsx"),
    "notice": (exports.export_notice, "public-notice.xlsx"),
    "returns": (exports.export_returns, "returns-report.xlsx"),
}


def make_export(name: str, url: str, user: Any) -> bytes:
    """Produce an export through the ledger service as ``user`` and return the file's bytes
    (called when the user clicks the download button; the service audits it then). The finance
    list is, for a finance user, the newest open payment batch (made with 生成拨付批次), else —
    and for the other roles allowed to see it — the payable lines as a preview, marked as such.
    Downloading never issues a payment."""
    fn, file_name = EXPORTS[name]
    with tempfile.TemporaryDirectory(prefix="jobbus-export-") as tmp:
        path = Path(tmp) / file_name
        written = fn(path, user, url=url)
        target = Path(written) if isinstance(written, str | Path) else path
        return target.read_bytes()


def export_refusal(name: str) -> str:
    """Why the user's role may not make export ``name``: the roles that may, as the service's
    permission lists them (``auth.PERMISSIONS``)."""
    from planner.services.auth import PERMISSIONS, Role

    roles = PERMISSIONS[EXPORT_PERMISSIONS[name]]
    names = t("subsidies.role_sep").join(t(f"roles.{r.value}") for r in Role if r in roles)
    return t("subsidies.export_not_allowed", roles=names)


def export_buttons(url: str, user: Any) -> None:
    """One download button per export the user's role may make; the file is made (and
    audited) when the button is clicked (the finance list as ``user``: for finance the open
    payment batch it names, else a preview it names as such)."""
    from ui.auth import may

    for name in EXPORTS:
        if not may(EXPORT_PERMISSIONS[name]):
            st.caption(t(f"subsidies.export_{name}") + " — " + export_refusal(name))
            continue
        what = t(f"subsidies.export_{name}")
        if name == "finance":
            number = (backend.read(payments.open_batch, url)[0] if may("issue_payment")
                      else None)
            what = (t("subsidies.export_finance_batch", number=number) if number
                    else t("subsidies.export_finance_preview"))
        st.download_button(
            t("subsidies.download", what=what),
            data=functools.partial(make_export, name, url, user),
            file_name=f"{clock.today():%Y%m%d}-{EXPORTS[name][1]}", mime=XLSX,
            key=f"sub_export_{name}", icon=":material/download:", on_click="rerun",
        )
        if name == "finance":
            st.caption(t("subsidies.finance_batch_hint"))


def import_upload(kind: str, uploaded: Any, user: Any, url: str) -> Any:
    """Import an uploaded event file (arrivals, bank results, …) through the ledger service."""
    with tempfile.TemporaryDirectory(prefix="jobbus-import-") as tmp:
        path = Path(tmp) / Path(uploaded.name).name
        path.write_bytes(uploaded.getvalue())
        return backend.run(imports.import_path, kind, path, user, url=url)
