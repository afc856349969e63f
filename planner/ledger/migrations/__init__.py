"""Alembic migrations of the ledger (run by ``planner.ledger.db.init_db``)."""
