"""Where the ledger is, and how a use case opens a unit of work on it.

Rules implemented here:

- a service receives a ``Ledger`` (keyword ``ledger=``) and opens each transaction with
  ``ledger.uow()``; it never builds a ``UnitOfWork`` from a URL itself;
- ``url=`` stays on every service for the command line and older callers: ``using(url, ledger)``
  gives the ledger passed, else ``Ledger(url)`` (``None``: ``default_database_url()``);
- a test (or another store) passes its own unit-of-work factory: ``Ledger(url, factory=...)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from planner.ledger.db import default_database_url, init_db
from planner.ledger.repository import UnitOfWork

__all__ = ["Ledger", "ensure_ledger", "using"]


@dataclass(frozen=True, slots=True)
class Ledger:
    """A ledger: its SQLAlchemy URL (``None``: ``default_database_url()``) and the factory of
    its units of work (``UnitOfWork`` unless a caller provides one)."""

    url: str | None = None
    factory: Callable[[str | None], UnitOfWork] = UnitOfWork

    def uow(self) -> UnitOfWork:
        """A fresh unit of work (one transaction) on this ledger."""
        return self.factory(self.url)

    @classmethod
    def default(cls) -> Ledger:
        """The ledger of this installation: ``JOBBUS_DATABASE_URL`` or the embedded SQLite."""
        return cls(default_database_url())


def using(url: str | None, ledger: Ledger | None) -> Ledger:
    """The ledger a service works on: ``ledger`` if given, else the one at ``url``."""
    return ledger if ledger is not None else Ledger(url)


def ensure_ledger(url: str | None = None, *, ledger: Ledger | None = None) -> str:
    """Create or upgrade the ledger at ``url`` (default: ``default_database_url()``); returns
    its URL."""
    return init_db(using(url, ledger).url or default_database_url())
