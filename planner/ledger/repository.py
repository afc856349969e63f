"""The ledger as a collection (repository) behind a unit of work.

Rules implemented here:

- ``with UnitOfWork(url) as uow: ...; uow.commit()``: nothing is written unless ``commit`` is
  called; leaving the block (normally or by an exception) rolls back what was not committed;
- every change a service makes is recorded with ``repo.audit(...)`` in the same transaction, so
  the audit log and the data can never disagree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from types import TracebackType
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from planner.ledger import models as m
from planner.ledger.db import get_engine


def row_dict(obj: Any, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """A model row as a JSON-friendly dict (dates as ISO strings), for the audit log."""
    names = list(fields) if fields is not None else [c.key for c in obj.__table__.columns]
    out: dict[str, Any] = {}
    for name in names:
        value = getattr(obj, name)
        if isinstance(value, dt.date | dt.datetime):
            value = value.isoformat()
        out[name] = value
    return out


class LedgerRepository:
    """Look-ups and additions on the ledger, within one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, obj: Any) -> None:
        """Add a new row (written at the next flush)."""
        self.session.add(obj)

    def audit(
        self,
        actor: str,
        entity: str,
        entity_id: object,
        action: str,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None:
        """Record who did what to which row, with the row before and after."""
        self.session.add(
            m.AuditEntry(
                actor=actor,
                entity=entity,
                entity_id=str(entity_id),
                action=action,
                before=before,
                after=after,
            )
        )

    # ----------------------------------------------------------------- facts
    def employers_by_uscc(self) -> dict[str, m.Employer]:
        """Every employer, by USCC."""
        return {e.uscc: e for e in self.session.scalars(select(m.Employer))}

    def people_by_id_number(self) -> dict[str, m.Person]:
        """Every person, by ID number."""
        return {p.id_number: p for p in self.session.scalars(select(m.Person))}

    def trips_by_id(self) -> dict[str, m.Trip]:
        """Every trip, by trip id."""
        return {t.trip_id: t for t in self.session.scalars(select(m.Trip))}

    def charters_by_contract(self) -> dict[str, m.Charter]:
        """Every employer charter, by contract number."""
        return {c.contract_no: c for c in self.session.scalars(select(m.Charter))}

    def import_of(self, kind: str, sha256: str) -> m.Import | None:
        """The import of this kind with this content, if it happened."""
        return self.session.scalars(
            select(m.Import).where(m.Import.kind == kind, m.Import.sha256 == sha256)
        ).first()

    def imports(self) -> list[m.Import]:
        """Every import, newest first."""
        return list(self.session.scalars(select(m.Import).order_by(m.Import.id.desc())))

    def count(self, model: type[Any]) -> int:
        """How many rows a table holds."""
        return int(self.session.scalar(select(func.count()).select_from(model)) or 0)

    # ---------------------------------------------------------------- claims
    def claim(self, claim_id: int) -> m.Claim | None:
        """A claim by its id."""
        return self.session.get(m.Claim, claim_id)

    def claims(self, state: str | None = None, rule: str | None = None) -> list[m.Claim]:
        """Claims, optionally of one state and/or rule, in id order."""
        query = select(m.Claim).order_by(m.Claim.id)
        if state is not None:
            query = query.where(m.Claim.state == state)
        if rule is not None:
            query = query.where(m.Claim.rule == rule)
        return list(self.session.scalars(query))

    def claims_by_key(self) -> dict[str, m.Claim]:
        """Every claim, by entitlement key."""
        return {c.key: c for c in self.session.scalars(select(m.Claim))}

    def payee_account(self, payee_id: str) -> tuple[str | None, str | None]:
        """Where a payee is paid as registered now: (bank name, account) of the employer with
        this credit code, else of the person with this ID number; ``(None, None)`` if neither
        is registered."""
        employer = self.session.scalars(
            select(m.Employer).where(m.Employer.uscc == payee_id)).first()
        if employer is not None:
            return employer.bank_name, employer.bank_account
        person = self.session.scalars(
            select(m.Person).where(m.Person.id_number == payee_id)).first()
        if person is not None:
            return person.bank_name, person.bank_account
        return None, None

    def payment_of(self, claim_id: int) -> m.Payment | None:
        """The payment of a claim, if one was issued."""
        return self.session.scalars(
            select(m.Payment).where(m.Payment.claim_id == claim_id)
        ).first()

    def payment(self, payment_id: str) -> m.Payment | None:
        """A payment by its payment id."""
        return self.session.scalars(
            select(m.Payment).where(m.Payment.payment_id == payment_id)
        ).first()

    def open_notice(self, claim_id: int) -> m.Notice | None:
        """The claim's notice that has not been closed, if any."""
        return self.session.scalars(
            select(m.Notice)
            .where(m.Notice.claim_id == claim_id, m.Notice.closed_on.is_(None))
            .order_by(m.Notice.id.desc())
        ).first()

    # --------------------------------------------------------------- policies
    def active_policy(self) -> m.PolicyVersion | None:
        """The policy version marked active (the newest if several are)."""
        return self.session.scalars(
            select(m.PolicyVersion)
            .where(m.PolicyVersion.active.is_(True))
            .order_by(m.PolicyVersion.valid_from.desc(), m.PolicyVersion.id.desc())
        ).first()

    def policy_versions(self) -> list[m.PolicyVersion]:
        """Every policy version, newest first."""
        return list(
            self.session.scalars(
                select(m.PolicyVersion).order_by(
                    m.PolicyVersion.valid_from.desc(), m.PolicyVersion.id.desc()
                )
            )
        )

    # ------------------------------------------------------------------ users
    def user(self, username: str) -> m.User | None:
        """A user by name."""
        return self.session.scalars(select(m.User).where(m.User.username == username)).first()

    def users(self) -> list[m.User]:
        """Every user, by name."""
        return list(self.session.scalars(select(m.User).order_by(m.User.username)))

    def audit_log(self, entity: str | None = None, entity_id: object = None) -> list[m.AuditEntry]:
        """Audit entries, oldest first, optionally for one entity (and id)."""
        query = select(m.AuditEntry).order_by(m.AuditEntry.id)
        if entity is not None:
            query = query.where(m.AuditEntry.entity == entity)
        if entity_id is not None:
            query = query.where(m.AuditEntry.entity_id == str(entity_id))
        return list(self.session.scalars(query))


class UnitOfWork:
    """One transaction on the ledger; rolls back unless ``commit()`` is called.

    Parameters
    ----------
    url
        SQLAlchemy URL; ``None`` for ``default_database_url()``.

    Examples
    --------
    >>> with UnitOfWork(url) as uow:  # doctest: +SKIP
    ...     uow.repo.add(row)
    ...     uow.commit()
    """

    def __init__(self, url: str | None = None) -> None:
        self.url = url
        self.session: Session
        self.repo: LedgerRepository

    def __enter__(self) -> UnitOfWork:
        self.session = Session(get_engine(self.url), expire_on_commit=False, autoflush=True)
        self.repo = LedgerRepository(self.session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.session.rollback()
        finally:
            self.session.close()

    def commit(self) -> None:
        """Write everything done in this unit of work."""
        self.session.commit()

    def rollback(self) -> None:
        """Forget everything not yet committed."""
        self.session.rollback()
