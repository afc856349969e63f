"""payable lists: payment batches, paid-with-exception, payee bank fields

Revision ID: 0003
Revises: 0001
Create Date: 2026-12-01 09:00:00

Adds ``payment_batches`` (a finance list sent to the bank) and ``payments.batch_id``;
``claims.paid_exception`` / ``claims.exception_note`` (the bank paid a claim that was flagged or
whose amount changed); optional ``bank_name`` / ``bank_account`` on people and employers.
Existing ledgers upgrade in place: existing payments belong to no batch, no claim is an
exception, nobody has bank fields.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'payment_batches',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('number', sa.String(length=32), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by', sa.String(length=64), nullable=False),
        sa.Column('lines', sa.Integer(), nullable=False),
        sa.Column('total_fen', sa.BigInteger(), nullable=False),
        sa.Column('lines_sha256', sa.String(length=64), nullable=False),
        sa.Column('file_sha256', sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_batches')),
        sa.UniqueConstraint('number', name=op.f('uq_payment_batches_number')),
    )
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('batch_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_payments_batch_id'), ['batch_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_payments_batch_id_payment_batches'),
                                    'payment_batches', ['batch_id'], ['id'])
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.add_column(sa.Column('paid_exception', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('exception_note', sa.Text(), nullable=True))
    for table in ('people', 'employers'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('bank_name', sa.String(length=100), nullable=True))
            batch_op.add_column(sa.Column('bank_account', sa.String(length=34), nullable=True))


def downgrade() -> None:
    for table in ('employers', 'people'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('bank_account')
            batch_op.drop_column('bank_name')
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.drop_column('exception_note')
        batch_op.drop_column('paid_exception')
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_payments_batch_id_payment_batches'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_payments_batch_id'))
        batch_op.drop_column('batch_id')
    op.drop_table('payment_batches')
