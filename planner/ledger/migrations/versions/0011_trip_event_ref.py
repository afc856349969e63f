"""trip event ref: a trip's movements name it by its id as written too, so a dispatch may
withdraw a trip whose only movements were withdrawn as mistakes (the rows stay)

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('trip_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('trip_ref', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_trip_events_trip_ref'), ['trip_ref'], unique=False)
    op.execute("UPDATE trip_events SET trip_ref = "
               "(SELECT trips.trip_id FROM trips WHERE trips.id = trip_events.trip_pk)")
    with op.batch_alter_table('trip_events', schema=None) as batch_op:
        batch_op.alter_column('trip_pk', existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    # rows detached from a withdrawn trip cannot name a trip row again: they go (the audit
    # log keeps them)
    op.execute("DELETE FROM trip_events WHERE trip_pk IS NULL")
    with op.batch_alter_table('trip_events', schema=None) as batch_op:
        batch_op.alter_column('trip_pk', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_index(batch_op.f('ix_trip_events_trip_ref'))
        batch_op.drop_column('trip_ref')
