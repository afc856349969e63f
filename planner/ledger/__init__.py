"""The ledger: what happened and what is owed — SQLAlchemy models, repository, unit of work,
Alembic migrations, the claim state machine, import merges, exports and reports.

Storage only: the use cases that check roles and write the audit log live in
``planner.services.ledger`` and ``planner.services.auth``.
"""

from planner.ledger.db import default_database_url, get_engine, init_db, is_initialised
from planner.ledger.models import Base
from planner.ledger.repository import LedgerRepository, UnitOfWork
from planner.ledger.workflow import ClaimState, TransitionRefused, add_working_days

__all__ = [
    "Base",
    "ClaimState",
    "LedgerRepository",
    "TransitionRefused",
    "UnitOfWork",
    "add_working_days",
    "default_database_url",
    "get_engine",
    "init_db",
    "is_initialised",
]
