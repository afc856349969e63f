"""Fixtures of the service tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.ledger import init_db
from planner.services.auth import Role, User, add_user


@pytest.fixture()
def ledger(tmp_path: Path) -> tuple[str, User]:
    """A fresh SQLite ledger with one operator: (its URL, the operator)."""
    url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    init_db(url)
    add_user("op", "a-long-secret-passphrase-9", "operator", url=url)
    return url, User("op", Role.OPERATOR)
