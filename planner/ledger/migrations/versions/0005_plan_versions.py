"""plan versions: a ``plans`` table and ``trips.plan_id``

Saved plans are numbered versions with their parameters, summary and files; a dispatched
trip names the plan version it came from.

Revision ID: 0005
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'plans',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by', sa.String(length=64), nullable=False),
        sa.Column('source', sa.String(length=16), nullable=False),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('summary', sa.JSON(), nullable=False),
        sa.Column('files', sa.JSON(), nullable=False),
        sa.Column('trip_ids', sa.JSON(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('parent_id', sa.Integer(), nullable=True),
        sa.Column('dispatched_at', sa.DateTime(), nullable=True),
        sa.Column('dispatched_by', sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(['parent_id'], ['plans.id'],
                                name=op.f('fk_plans_parent_id_plans')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_plans')),
    )
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plans_sha256'), ['sha256'], unique=False)
        batch_op.create_index(batch_op.f('ix_plans_state'), ['state'], unique=False)
    with op.batch_alter_table('trips', schema=None) as batch_op:
        batch_op.add_column(sa.Column('plan_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_trips_plan_id'), ['plan_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_trips_plan_id_plans'), 'plans',
                                    ['plan_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('trips', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_trips_plan_id_plans'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_trips_plan_id'))
        batch_op.drop_column('plan_id')
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plans_state'))
        batch_op.drop_index(batch_op.f('ix_plans_sha256'))
    op.drop_table('plans')
