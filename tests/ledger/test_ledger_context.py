"""The unit-of-work factory: services open every transaction through the ``Ledger`` they are
given, never from a URL of their own."""

from __future__ import annotations

import pytest

from planner.ledger import UnitOfWork
from planner.services import claims, imports, policies, reports
from planner.services.auth import User
from planner.services.context import Ledger


class CountingFactory:
    """A unit-of-work factory that counts the transactions it opened."""

    def __init__(self) -> None:
        self.opened = 0

    def __call__(self, url: str | None) -> UnitOfWork:
        self.opened += 1
        return UnitOfWork(url)


@pytest.fixture
def nowhere(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    """The default ledger is unusable: a service that ignored its ``Ledger`` would fail."""
    monkeypatch.setenv("JOBBUS_DATABASE_URL", f"sqlite:///{tmp_path}/missing/dir/ledger.sqlite")


def test_import_and_claims_run_on_the_factory_given(ledger_url: str, world, nowhere,
                                                     actors: dict[str, User]) -> None:
    """Importing a scenario, activating the policy and computing claims open every unit of
    work through the test's factory, on the test's ledger."""
    factory = CountingFactory()
    ledger = Ledger(ledger_url, factory=factory)
    imports.import_path("scenario", world.scenario_dir, actors["operator"], ledger=ledger)
    after_import = factory.opened
    policies.ensure_default_policy(ledger=ledger)
    claims.compute_claims(actors["operator"], ledger=ledger)
    assert after_import >= 2
    assert factory.opened > after_import
    assert reports.ledger_counts(ledger=ledger)["people"] == len(world.scenario.workers)


def test_url_keyword_still_names_the_ledger(ledger_url: str, world, nowhere,
                                            actors: dict[str, User]) -> None:
    """Callers that pass ``url=`` (the command line, older pages) work as before."""
    imports.import_path("scenario", world.scenario_dir, actors["operator"], url=ledger_url)
    assert reports.ledger_counts(url=ledger_url)["people"] == len(world.scenario.workers)
