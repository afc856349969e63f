"""trip event withdrawal: a movement recorded by mistake is withdrawn by a row of its own

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('trip_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdraws_id', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_trip_events_withdraws_id'),
                                          ['withdraws_id'])
        batch_op.create_foreign_key(batch_op.f('fk_trip_events_withdraws_id_trip_events'),
                                    'trip_events', ['withdraws_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('trip_events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_trip_events_withdraws_id_trip_events'),
                                 type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_trip_events_withdraws_id'), type_='unique')
        batch_op.drop_column('withdraws_id')
