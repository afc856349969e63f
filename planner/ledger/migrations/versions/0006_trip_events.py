"""trip events: a trip's recorded departure, arrival, delay or cancellation

Revision ID: 0006
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'trip_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('natural_key', sa.String(length=200), nullable=False),
        sa.Column('trip_pk', sa.Integer(), nullable=False),
        sa.Column('event', sa.String(length=16), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('recorded_by', sa.String(length=64), nullable=False),
        sa.Column('import_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['import_id'], ['imports.id'],
                                name=op.f('fk_trip_events_import_id_imports')),
        sa.ForeignKeyConstraint(['trip_pk'], ['trips.id'],
                                name=op.f('fk_trip_events_trip_pk_trips')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_trip_events')),
        sa.UniqueConstraint('natural_key', name=op.f('uq_trip_events_natural_key')),
    )
    with op.batch_alter_table('trip_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trip_events_trip_pk'), ['trip_pk'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('trip_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trip_events_trip_pk'))
    op.drop_table('trip_events')
