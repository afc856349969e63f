"""money in 64-bit fen

PostgreSQL's ``integer`` is 32-bit: an amount above 21,474,836.47 yuan (a 30,000,000-yuan
charter invoice) failed with ``NumericValueOutOfRange``. Every ``*_fen`` column becomes
``BIGINT``; existing rows keep their values (a widening cast loses nothing). SQLite stores any
integer in 64 bits already; its columns are retyped through a table copy (``batch_alter_table``)
so the schema matches the models.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

# (table, column, nullable)
MONEY_COLUMNS = (
    ("trips", "cost_fen", False),
    ("events", "amount_fen", True),
    ("charters", "invoice_amount_fen", False),
    ("claims", "amount_fen", False),
    ("claims", "proposed_amount_fen", True),
    ("payments", "amount_fen", False),
    ("bank_lines", "amount_fen", False),
)


def _retype(old: type[sa.types.TypeEngine], new: type[sa.types.TypeEngine]) -> None:
    tables: dict[str, list[tuple[str, bool]]] = {}
    for table, column, nullable in MONEY_COLUMNS:
        tables.setdefault(table, []).append((column, nullable))
    for table, columns in tables.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, nullable in columns:
                batch_op.alter_column(column, existing_type=old(), type_=new(),
                                      existing_nullable=nullable)


def _rebuild_money_tables(old: type[sa.types.TypeEngine],
                          new: type[sa.types.TypeEngine]) -> None:
    """Retype the money columns. SQLite rebuilds a table by copy, drop and rename while rows of
    other tables (the payments of a claim) point at it, so foreign keys are switched off (when
    no transaction is open) or deferred to commit (inside one), then checked once."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("PRAGMA foreign_keys = OFF")
        op.execute("PRAGMA defer_foreign_keys = ON")
    _retype(old, new)
    if sqlite:
        op.execute("PRAGMA foreign_keys = ON")
        dangling = op.get_bind().exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if dangling:
            raise RuntimeError(f"rows point at missing rows after the rebuild: {dangling[:5]}")


def upgrade() -> None:
    _rebuild_money_tables(sa.Integer, sa.BigInteger)


def downgrade() -> None:
    # Only safe while every amount fits 32 bits; PostgreSQL refuses the cast otherwise.
    _rebuild_money_tables(sa.BigInteger, sa.Integer)
