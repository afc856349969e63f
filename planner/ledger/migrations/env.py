"""Alembic environment of the ledger: migrations run on a connection handed in by
``planner.ledger.db.init_db`` (or on an engine made from the ``url`` attribute)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from planner.ledger.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations on the given connection, or on a fresh engine for ``url``."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from planner.ledger.db import get_engine

    url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
    with get_engine(url).begin() as conn:
        _run(conn)


if context.is_offline_mode():
    raise RuntimeError("offline migrations are not supported; use init_db(url)")
run_migrations_online()
