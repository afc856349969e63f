"""Report use cases: the audit log, imports, counts, and the returns and money reports."""

from __future__ import annotations

import pandas as pd

from planner.ledger import models as m
from planner.ledger.db import is_initialised
from planner.ledger.repository import row_dict
from planner.services.auth import (
    Role,
    User,
    system_actor,
)
from planner.services.context import Ledger, using


def audit_log(entity: str | None = None, entity_id: object = None, *,
              url: str | None = None, ledger: Ledger | None = None) -> pd.DataFrame:
    """The audit log: at, actor, entity, entity_id, action, before, after (oldest first)."""
    with using(url, ledger).uow() as uow:
        rows = [
            {"at": a.at, "actor": a.actor, "entity": a.entity, "entity_id": a.entity_id,
             "action": a.action, "before": a.before, "after": a.after}
            for a in uow.repo.audit_log(entity, entity_id)
        ]
    return pd.DataFrame(rows, columns=["at", "actor", "entity", "entity_id", "action", "before",
                                       "after"])


def list_imports(*, url: str | None = None, ledger: Ledger | None = None) -> pd.DataFrame:
    """Imports, newest first: id, kind, file_name, sha256, rows, rows_added, at, by."""
    with using(url, ledger).uow() as uow:
        rows = [row_dict(i) for i in uow.repo.imports()]
    return pd.DataFrame(rows, columns=["id", "kind", "file_name", "sha256", "rows",
                                       "rows_added", "at", "by"])


def ledger_counts(*, url: str | None = None, ledger: Ledger | None = None) -> dict[str, int]:
    """How many rows each ledger table holds (for a status page)."""
    tables = {
        "employers": m.Employer, "people": m.Person, "trips": m.Trip,
        "manifest": m.ManifestEntry, "events": m.Event, "charters": m.Charter,
        "charter_riders": m.CharterRider, "headcounts": m.Headcount,
        "placements": m.Placement, "claims": m.Claim, "payments": m.Payment,
        "imports": m.Import, "audit_log": m.AuditEntry, "users": m.User,
    }
    with using(url, ledger).uow() as uow:
        return {name: uow.repo.count(model) for name, model in tables.items()}


def is_empty(*, url: str | None = None, ledger: Ledger | None = None) -> bool:
    """Whether the ledger holds no people and no claims (or is not initialised)."""
    if not is_initialised(using(url, ledger).url):
        return True
    counts = ledger_counts(url=url, ledger=ledger)
    return counts["people"] == 0 and counts["claims"] == 0


def operator_for(role: Role | str) -> User:
    """The command line's actor for a role (``system:<role>``)."""
    return system_actor(role)


def returns_report(*, url: str | None = None,
                   ledger: Ledger | None = None) -> dict[str, pd.DataFrame]:
    """People brought back by province, county, employer, day and mode against demand (see
    ``planner.ledger.reports.returns_report``)."""
    from planner.ledger import reports

    with using(url, ledger).uow() as uow:
        return reports.returns_report(uow.repo)


def retention_report(*, url: str | None = None,
                     ledger: Ledger | None = None) -> dict[str, pd.DataFrame]:
    """Retention at 3 and 6 months by origin province and employer."""
    from planner.ledger import reports

    with using(url, ledger).uow() as uow:
        return reports.retention_report(uow.repo)


def east_west_report(*, url: str | None = None, ledger: Ledger | None = None) -> pd.DataFrame:
    """Registered-poor people placed and still employed, paired counties and totals."""
    from planner.ledger import reports

    with using(url, ledger).uow() as uow:
        return reports.east_west_report(uow.repo)


def money_by_rule(url: str | None = None, *, ledger: Ledger | None = None) -> pd.DataFrame:
    """Money owed, approved and paid by rule (yuan), with a total row (``url`` may be given
    by position: ``ui.backend.read`` passes a first parameter named ``url`` so)."""
    from planner.ledger import reports

    with using(url, ledger).uow() as uow:
        return reports.money_report(uow.repo)
