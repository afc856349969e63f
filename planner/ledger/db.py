"""Where the ledger lives and how to reach it.

Rules implemented here:

- the database URL is ``JOBBUS_DATABASE_URL`` when set, else an embedded SQLite file
  ``jobbus.sqlite`` in the user data folder;
- an embedded SQLite ledger is private to its owner: the file (and its ``-wal``/``-shm``) 0600,
  a folder made for it 0700, also for an existing ledger when jobbus first opens it;
- on SQLite every connection enforces foreign keys, uses write-ahead logging and waits up to
  30 s for a lock instead of failing at once;
- the schema is made and upgraded only by Alembic (``init_db`` runs ``upgrade head``).
"""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def default_database_url() -> str:
    """The ledger's URL: ``JOBBUS_DATABASE_URL`` or the embedded SQLite file.

    Returns
    -------
    str
        A SQLAlchemy URL.
    """
    url = os.environ.get("JOBBUS_DATABASE_URL")
    if url:
        return url
    from planner.paths import user_data_dir

    return f"sqlite:///{user_data_dir() / 'jobbus.sqlite'}"


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL, ``None`` for an in-memory database or another backend."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    if str(parsed.database).startswith("file:"):
        return None  # a URI filename: left to SQLite
    return Path(str(parsed.database))


def make_ledger_private(url: str) -> None:
    """Create the SQLite ledger file 0600 (its folder 0700 when we create it) before SQLite
    opens it, so it is never readable by others, and take group and other rights away from an
    existing ledger and its ``-wal``/``-shm`` files. SQLite gives the ``-wal`` and ``-shm``
    files it creates the database file's rights."""
    from planner.paths import make_private

    path = sqlite_file(url)
    if path is None:
        return
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):  # an existing ledger is narrowed below
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    for part in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        make_private(part)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def get_engine(url: str | None = None) -> Engine:
    """One engine per URL for the whole process.

    Parameters
    ----------
    url
        SQLAlchemy URL; ``None`` for ``default_database_url()``.

    Returns
    -------
    Engine
    """
    url = url or default_database_url()
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            if url.startswith("sqlite"):
                make_ledger_private(url)
                engine = create_engine(url, connect_args={"timeout": 30})
                event.listen(engine, "connect", _sqlite_pragmas)
            else:
                engine = create_engine(url, pool_pre_ping=True)
            _engines[url] = engine
        return engine


def dispose_engine(url: str) -> None:
    """Close the pooled connections of ``url`` (tests drop schemas afterwards)."""
    with _lock:
        engine = _engines.pop(url, None)
    if engine is not None:
        engine.dispose()


def alembic_config(url: str) -> Any:
    """An Alembic ``Config`` pointing at the ledger's migrations and ``url``."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["url"] = url
    return cfg


def init_db(url: str | None = None) -> str:
    """Create or upgrade the ledger schema (``alembic upgrade head``).

    Parameters
    ----------
    url
        SQLAlchemy URL; ``None`` for ``default_database_url()``.

    Returns
    -------
    str
        The URL that was initialised.
    """
    from alembic import command

    url = url or default_database_url()
    make_ledger_private(url)
    engine = get_engine(url)
    cfg = alembic_config(url)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")
    return url


def is_initialised(url: str | None = None) -> bool:
    """Whether the ledger tables exist at ``url``."""
    engine = get_engine(url)
    return inspect(engine).has_table("claims")
