"""event withdrawal: a boarding or a check-in undone is kept, marked withdrawn with who, when
and why

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawn_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_by', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('withdraw_reason', sa.String(length=200), nullable=True))


def downgrade() -> None:
    # without the columns a withdrawn boarding or arrival would count again (claims rest on
    # arrivals): it goes, as an undo did before 0010; the audit log keeps it as it was
    op.execute("DELETE FROM events WHERE withdrawn_at IS NOT NULL")
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('withdraw_reason')
        batch_op.drop_column('withdrawn_by')
        batch_op.drop_column('withdrawn_at')
