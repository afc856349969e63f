"""bank failures in history: a failure the bank reported before the ledger wrote it into the
claim's history (办理记录) becomes a step of it, as one reported now is (``bank_failed``, the
claim's state unchanged, by the user who imported the file, at the import's time)

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def _note(code: str, **params: object) -> str:
    """A message's JSON as ``planner.ledger.evidence.note_json`` writes it (params sorted)."""
    return json.dumps({"code": code, "params": dict(sorted(params.items()))},
                      ensure_ascii=False)


def upgrade() -> None:
    conn = op.get_bind()
    bank_lines = sa.table("bank_lines", sa.column("id", sa.Integer),
                          sa.column("payment_id", sa.String), sa.column("status", sa.String),
                          sa.column("paid_on", sa.Date), sa.column("reason", sa.Text),
                          sa.column("import_id", sa.Integer))
    payments = sa.table("payments", sa.column("payment_id", sa.String),
                        sa.column("claim_id", sa.Integer))
    imports = sa.table("imports", sa.column("id", sa.Integer),
                       sa.column("file_name", sa.String), sa.column("by", sa.String),
                       sa.column("at", sa.DateTime))
    decisions = sa.table("decisions", sa.column("claim_id", sa.Integer),
                         sa.column("action", sa.String), sa.column("from_state", sa.String),
                         sa.column("to_state", sa.String), sa.column("actor", sa.String),
                         sa.column("reason", sa.Text), sa.column("at", sa.DateTime))
    failures = conn.execute(
        sa.select(bank_lines.c.payment_id, bank_lines.c.paid_on, bank_lines.c.reason,
                  payments.c.claim_id, imports.c.file_name, imports.c.by, imports.c.at)
        .join(payments, payments.c.payment_id == bank_lines.c.payment_id)
        .join(imports, imports.c.id == bank_lines.c.import_id)
        .where(bank_lines.c.status != "paid").order_by(bank_lines.c.id)).all()
    rows = []
    for payment_id, paid_on, reason, claim_id, file_name, by, at in failures:
        # recorded paid before this file came: a failure of a payment the ledger held as paid
        paid = conn.execute(sa.select(decisions.c.claim_id).where(
            decisions.c.claim_id == claim_id, decisions.c.action == "record_payment",
            decisions.c.at <= at)).first() is not None
        state = "paid" if paid else "notice_done"
        day: dt.date = paid_on if paid_on is not None else at.date()
        why: object = reason or {"code": "decision.bank_no_reason", "params": {}}
        rows.append({
            "claim_id": claim_id, "action": "bank_failed", "from_state": state,
            "to_state": state, "actor": by, "at": at,
            "reason": _note("decision.bank_failed_after_paid" if paid else "decision.bank_failed",
                            file=file_name, on=day.isoformat(), payment=payment_id,
                            reason=why)})
    if rows:
        op.bulk_insert(decisions, rows)


def downgrade() -> None:
    op.execute("DELETE FROM decisions WHERE action = 'bank_failed'")
