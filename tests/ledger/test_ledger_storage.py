"""Storage: migrations, the unit of work and the audit log."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from planner.ledger import UnitOfWork, get_engine, init_db
from planner.ledger import models as m
from planner.ledger.workflow import add_working_days


def test_migrated_schema_matches_models(ledger_url: str) -> None:
    """After `alembic upgrade head` the database equals the models (autogenerate diff empty)."""
    with get_engine(ledger_url).connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, m.Base.metadata)
    assert diff == []


def test_unit_of_work_commits_only_when_told(ledger_url: str) -> None:
    """Migrating twice is harmless; rows added without commit() or before an exception are
    gone after the block; committed rows stay."""
    init_db(ledger_url)
    with UnitOfWork(ledger_url) as uow:
        uow.repo.add(m.Employer(uscc="X1", name="甲", new_hires_wanted=1))
    try:
        with UnitOfWork(ledger_url) as uow:
            uow.repo.add(m.Employer(uscc="X2", name="乙", new_hires_wanted=0))
            uow.session.flush()
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    with UnitOfWork(ledger_url) as uow:
        assert uow.repo.count(m.Employer) == 0
        uow.repo.add(m.Employer(uscc="X1", name="甲", new_hires_wanted=1))
        uow.commit()
    with UnitOfWork(ledger_url) as uow:
        assert list(uow.repo.employers_by_uscc()) == ["X1"]


def test_working_days_skip_weekends() -> None:
    """A notice of 5 working days published on a Friday ends the next Friday."""
    import datetime as dt

    friday = dt.date(2020, 3, 6)
    assert add_working_days(friday, 5) == dt.date(2020, 3, 13)
    assert add_working_days(dt.date(2020, 3, 9), 5) == dt.date(2020, 3, 16)
    assert add_working_days(friday, 0) == friday
