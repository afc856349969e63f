"""The embedded ledger (ID numbers, phones, password hashes) is readable by its owner only
(issue 12, item 11)."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from planner.ledger.db import dispose_engine, get_engine, init_db
from planner.paths import user_data_dir


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_new_ledger_is_private(tmp_path: Path) -> None:
    """A new ledger's folder is 0700 and its file, -wal and -shm are 0600 while in use."""
    path = tmp_path / "home" / "jobbus.sqlite"
    url = init_db(f"sqlite:///{path}")
    try:
        with get_engine(url).begin() as conn:
            conn.execute(text("CREATE TABLE probe (x INTEGER)"))
            conn.execute(text("INSERT INTO probe VALUES (1)"))
            files = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
            assert all(f.exists() for f in files)
            assert [mode(f) for f in files] == [0o600, 0o600, 0o600]
        assert mode(path.parent) == 0o700
    finally:
        dispose_engine(url)


def test_existing_world_readable_ledger_is_narrowed(tmp_path: Path) -> None:
    """A ledger made 0644 (with 0644 -wal/-shm) by an older jobbus is 0600 once opened."""
    path = tmp_path / "jobbus.sqlite"
    keep = sqlite3.connect(path)  # holds the -wal and -shm open, as a crashed app would leave
    keep.execute("PRAGMA journal_mode=WAL")
    keep.execute("CREATE TABLE probe (x INTEGER)")
    keep.execute("INSERT INTO probe VALUES (1)")
    keep.commit()
    files = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
    for f in files:
        f.chmod(0o644)
    url = f"sqlite:///{path}"
    try:
        get_engine(url)
        assert [mode(f) for f in files] == [0o600, 0o600, 0o600]
    finally:
        keep.close()
        dispose_engine(url)


def test_user_data_dir_is_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The data folder is created 0700, and an existing 0755 one is narrowed to 0700."""
    monkeypatch.setenv("JOBBUS_HOME", str(tmp_path / "new"))
    assert mode(user_data_dir()) == 0o700
    old = tmp_path / "old"
    old.mkdir(mode=0o755)
    old.chmod(0o755)
    monkeypatch.setenv("JOBBUS_HOME", str(old))
    assert mode(user_data_dir()) == 0o700
