"""Export use cases: the finance list, the public notice and the returns report as files.

Rules implemented here:

- exports name their actor: the finance list (full ID numbers) is for finance, auditor and
  admin; the public notice (masked) for approver, finance, auditor and admin; the returns report
  for every role;
- each export writes an audit entry (entity ``export``: who, what, when, file name, row count,
  SHA-256 of the file written, the state selected).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import select

from planner.ledger import models as m
from planner.ledger.repository import row_dict
from planner.ledger.workflow import (
    ClaimState,
)
from planner.services.auth import (
    PERMISSIONS,
    User,
    check_permission,
)
from planner.services.context import Ledger, using
from planner.services.imports import content_sha256
from planner.services.payments import ALL_OWED, _states, finance_lines, open_batch
from planner.services.reports import (
    east_west_report,
    money_by_rule,
    retention_report,
    returns_report,
)


def _state_label(state: str | None, default: tuple[str, ...], payable: bool) -> str:
    """What the file says about the states it holds (Chinese)."""
    from planner.ledger.workflow import STATE_ZH

    names = "、".join(STATE_ZH.get(s, s) for s in _states(state, default))
    if state is not None and state.strip() == ALL_OWED:
        return f"全部应付（{names}）"
    return f"可拨付：{names}，未拨付，无复核标记" if payable else names


#: What the summary sheet says (F1:G1 拨付批次) of a finance list that is not a batch.
PREVIEW = "预览（未编入拨付批次，不作拨付依据）"


def export_finance_list(path: str | Path, actor: User, *, state: str | None = None,
                        url: str | None = None, ledger: Ledger | None = None) -> Path:
    """Write the finance list xlsx (summary sheet + one sheet per rule, totals that add up).

    It carries full ID numbers: finance, auditor and admin only; audited (``_audit_export``).
    Writing it never issues a payment nor makes a batch (``payments.make_payment_batch`` does,
    confirmed). By default, for finance, it is the newest open payment batch — its number and
    its lines still pending at the bank (re-exported as often as needed, the file's SHA-256
    kept with the batch); with no batch open, and for any other role, the lines payable now as
    a preview, marked as such (``PREVIEW``). ``state`` selects other claims explicitly (no
    batch). The file names the batch and the states it holds.
    """
    from planner.ledger.exports import write_finance_list

    actor = check_permission(actor, "export_finance_list", url, ledger=ledger)
    default = (ClaimState.NOTICE_DONE.value,)
    label = _state_label(state, default, payable=state is None)
    number = None
    if state is not None:
        lines = finance_lines(state, url=url, ledger=ledger)
        written = write_finance_list(lines, path, states=label)
    else:
        if actor.role in PERMISSIONS["issue_payment"]:
            number, lines = open_batch(url=url, ledger=ledger)
        if number is None:
            lines = finance_lines(None, url=url, ledger=ledger)
        written = write_finance_list(lines, path, states=label, batch=number or PREVIEW)
        if number is not None:
            _record_batch_file(number, written, actor, url, ledger=ledger)
    _audit_export(actor, "finance_list", written, len(lines), state, url, ledger=ledger)
    return written


def _record_batch_file(number: str, path: Path, actor: User, url: str | None,
                       *, ledger: Ledger | None = None) -> None:
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    with using(url, ledger).uow() as uow:
        batch = uow.session.scalars(
            select(m.PaymentBatch).where(m.PaymentBatch.number == number)).one()
        before = row_dict(batch, ("number", "file_sha256"))
        batch.file_sha256 = sha
        uow.repo.audit(actor.username, "payment_batch", number, "export_batch", before,
                       row_dict(batch, ("number", "file_sha256")))
        uow.commit()


def export_notice(path: str | Path, actor: User, *, state: str | None = None,
                  url: str | None = None, ledger: Ledger | None = None) -> Path:
    """Write the public notice (xlsx or csv by suffix), names, IDs and phones masked. By
    default it holds the claims in notice; ``state`` selects others explicitly.

    Approver, finance, auditor and admin; audited (``_audit_export``).
    """
    from planner.ledger.exports import write_notice

    check_permission(actor, "export_notice", url, ledger=ledger)
    default = (ClaimState.IN_NOTICE.value,)
    states = _states(state, default)
    lines = finance_lines(",".join(states), url=url, ledger=ledger)
    written = write_notice(lines, path, states=_state_label(state, default, payable=False))
    _audit_export(actor, "notice", written, len(lines), state, url, ledger=ledger)
    return written


def _audit_export(actor: User, what: str, path: str | Path, rows: int, state: str | None,
                  url: str | None, *, ledger: Ledger | None = None) -> None:
    """One audit entry per export: who (the actor), what, when (the entry's time), the file
    name, row count, the file's SHA-256 and the state selected."""
    path = Path(path)
    with using(url, ledger).uow() as uow:
        uow.repo.audit(actor.username, "export", what, f"export_{what}", None,
                       {"file": path.name, "rows": rows, "sha256": content_sha256(path),
                        "state": state})
        uow.commit()


def export_returns(path: str | Path, actor: User, *, url: str | None = None,
                   ledger: Ledger | None = None) -> Path:
    """Write the returns report xlsx: returns against demand, retention, east–west, money
    (any signed-in role; audited, the row count being the rows of every sheet)."""
    from planner.ledger.exports import write_report_book

    check_permission(actor, "export_returns", url, ledger=ledger)
    returns = returns_report(url=url, ledger=ledger)
    retention = retention_report(url=url, ledger=ledger)
    sheets = {
        "按省份": returns["province"],
        "按县": returns["county"],
        "按企业": returns["employer"],
        "按日期": returns["day"],
        "按方式": returns["mode"],
        "留存-省份": retention["province"],
        "留存-企业": retention["employer"],
        "东西部协作": east_west_report(url=url, ledger=ledger),
        "补助资金": money_by_rule(url=url, ledger=ledger),
    }
    written = write_report_book(sheets, path)
    _audit_export(actor, "returns", written, sum(len(frame) for frame in sheets.values()),
                  None, url, ledger=ledger)
    return written
