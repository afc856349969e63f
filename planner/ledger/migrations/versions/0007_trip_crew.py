"""trip crew: the dispatch's leader and driver (names, phones) and the leading user

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

CREW = (('leader_name', 100), ('leader_phone', 20), ('driver_name', 100),
        ('driver_phone', 20), ('leader_username', 64))


def upgrade() -> None:
    with op.batch_alter_table('trips', schema=None) as batch_op:
        for name, length in CREW:
            batch_op.add_column(sa.Column(name, sa.String(length=length), nullable=True))
        batch_op.create_index(batch_op.f('ix_trips_leader_username'), ['leader_username'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('trips', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trips_leader_username'))
        for name, _ in reversed(CREW):
            batch_op.drop_column(name)
