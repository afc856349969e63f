"""Shared fixtures: ``db_url`` — an empty database, on SQLite (a temporary file) and, when
``JOBBUS_TEST_POSTGRES_URL`` is set, on PostgreSQL (a fresh schema per test, so tests can run in
parallel under pytest-xdist)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests search the same examples on every run, so CI is reproducible and a red run
# is never luck; HYPOTHESIS_PROFILE=explore draws fresh random examples to hunt for new bugs.
settings.register_profile("repeatable", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

PG_ENV = "JOBBUS_TEST_POSTGRES_URL"


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgresql", marks=pytest.mark.postgres),
    ]
)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A SQLAlchemy URL to an empty database of each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ledger.sqlite'}"
        _dispose(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
        return
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"PostgreSQL tests need {PG_ENV}")
    from sqlalchemy import create_engine, text

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    url = f"{base}{sep}options=-csearch_path%3D{schema}"
    try:
        yield url
    finally:
        _dispose(url)
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _dispose(url: str) -> None:
    try:
        from planner.ledger.db import dispose_engine
    except ImportError:  # the ledger is not built
        return
    dispose_engine(url)
