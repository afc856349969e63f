"""The ledger's tables as typed SQLAlchemy models.

Rules implemented here:

- facts (employers, people, trips, manifest, events, charters, riders, headcounts, placements)
  carry the import that brought them and a natural key, so importing the same rows again adds
  nothing (``natural_key`` is unique per table);
- a claim is one row per entitlement line key; ``version`` is an optimistic-lock counter
  (SQLAlchemy's ``version_id_col``: every UPDATE says ``WHERE version = :v``), so of two
  concurrent transitions of the same claim exactly one wins;
- a claim has at most one payment row (``payments.claim_id`` is unique) and a payment id is
  unique, so nothing is paid twice;
- a payment records the account it was issued to (the payee's bank and account as registered
  when it was issued, read in the issuing transaction), so a file sent to the bank says where
  the money goes even if the registration changes later;
- issuing a payment bumps its claim's ``version``: a concurrent change of the claim (a changed
  payee account flagging it) and the issue cannot both commit;
- a payment belongs to at most one payment batch (the finance list sent to the bank); a batch
  is open while any of its payments is still pending, so a claim is never in two open batches;
- a claim the bank paid although it was flagged (or its amount changed) keeps
  ``paid_exception`` and a note, for the auditor;
- the audit log keeps who did what, when, and the row before and after, as JSON;
- money is integer fen everywhere, in 64-bit columns (PostgreSQL's 32-bit ``integer`` stops
  at 21,474,836.47 yuan).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ColumnElement,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    """The current time in UTC, without tzinfo (stored as naive UTC on every backend)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    """Base of every ledger table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}  # noqa: RUF012


class User(Base):
    """A person who may sign in; ``role`` is one of ``planner.services.auth.Role``."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class LoginThrottle(Base):
    """Failed sign-ins in a row for one user name or one address (``scope`` ``user`` or
    ``address``), and until when further sign-ins are refused (naive UTC)."""

    __tablename__ = "login_throttle"
    __table_args__ = (UniqueConstraint("scope", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(8))
    key: Mapped[str] = mapped_column(String(128))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class Import(Base):
    """One file (or folder) imported: the same kind and content is imported only once."""

    __tablename__ = "imports"
    __table_args__ = (UniqueConstraint("kind", "sha256"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    file_name: Mapped[str] = mapped_column(String(512))
    sha256: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(Integer)
    rows_added: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    by: Mapped[str] = mapped_column(String(64))


class Employer(Base):
    """An employer of the district (employers.csv)."""

    __tablename__ = "employers"
    id: Mapped[int] = mapped_column(primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    new_hires_wanted: Mapped[int] = mapped_column(Integer, default=0)
    needed_by: Mapped[dt.date | None] = mapped_column(Date)
    bank_name: Mapped[str | None] = mapped_column(String(100))
    bank_account: Mapped[str | None] = mapped_column(String(34))
    import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id"))


class Person(Base):
    """A registered worker (workers.csv): one person, one ID number."""

    __tablename__ = "people"
    id: Mapped[int] = mapped_column(primary_key=True)
    id_number: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(20))
    home_adcode: Mapped[str] = mapped_column(String(6))
    home_address: Mapped[str | None] = mapped_column(String(300))
    employer_uscc: Mapped[str | None] = mapped_column(String(18))
    available_from: Mapped[dt.date | None] = mapped_column(Date)
    poverty_registered: Mapped[bool] = mapped_column(Boolean, default=False)
    travel: Mapped[str] = mapped_column(String(8), default="seat")
    bank_name: Mapped[str | None] = mapped_column(String(100))
    bank_account: Mapped[str | None] = mapped_column(String(34))
    import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id"))


class Trip(Base):
    """A government job bus, special train or feeder coach from an imported plan; its crew
    (leader and driver, names and phones) when the dispatch names them, and the signed-in
    user who leads it (``leader_username``, set by an operator)."""

    __tablename__ = "trips"
    id: Mapped[int] = mapped_column(primary_key=True)
    trip_id: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(8))
    vehicle: Mapped[str] = mapped_column(String(200))
    depart_date: Mapped[dt.date] = mapped_column(Date)
    arrive_date: Mapped[dt.date] = mapped_column(Date)
    stops: Mapped[str] = mapped_column(Text, default="")
    seats: Mapped[int] = mapped_column(Integer)
    load: Mapped[int] = mapped_column(Integer)
    distance_km: Mapped[float] = mapped_column(Float, default=0.0)
    cost_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    origin_adcode: Mapped[str] = mapped_column(String(6), default="")
    parent_trip_id: Mapped[str | None] = mapped_column(String(64))
    import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id"))
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"), index=True)
    # the crew as the dispatch names them (trips.csv), and the user leading the trip
    leader_name: Mapped[str | None] = mapped_column(String(100))
    leader_phone: Mapped[str | None] = mapped_column(String(20))
    driver_name: Mapped[str | None] = mapped_column(String(100))
    driver_phone: Mapped[str | None] = mapped_column(String(20))
    leader_username: Mapped[str | None] = mapped_column(String(64), index=True)


class PlanVersion(Base):
    """A saved plan: a numbered version (``id``) with its parameters, summary and files.

    ``files`` holds the plan folder as written by ``planner.io.write_plan`` (file name → text),
    with the trip ids the ledger gave it; ``trip_ids`` lists them (ids are unique across the
    ledger). ``state``: saved, dispatched or superseded; ``parent_id``: the plan it re-plans.
    """

    __tablename__ = "plans"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(16))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    files: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    trip_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    state: Mapped[str] = mapped_column(String(16), default="saved", index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"))
    dispatched_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    dispatched_by: Mapped[str | None] = mapped_column(String(64))



class ManifestEntry(Base):
    """A person on a trip (one row per leg), with the stop where they board."""

    __tablename__ = "manifest"
    __table_args__ = (UniqueConstraint("person_id", "trip_pk"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    trip_pk: Mapped[int] = mapped_column(ForeignKey("trips.id"), index=True)
    leg: Mapped[int] = mapped_column(Integer, default=1)
    main: Mapped[bool] = mapped_column(Boolean, default=True)  # the assignment's trip
    pickup_stop: Mapped[str] = mapped_column(String(200), default="")
    employer_uscc: Mapped[str | None] = mapped_column(String(18))
    import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id"))


class Event(Base):
    """Something that happened to a person: registered, boarded, arrived, insured, left.

    ``natural_key`` (e.g. ``arrived|<id>|<uscc>``) is unique: re-imports add nothing.

    A boarding or an arrival (check-in) recorded by mistake is *withdrawn*, never deleted:
    ``withdrawn_at`` (naive UTC), ``withdrawn_by`` and ``withdraw_reason`` say when, who and
    why, and its natural key gets ``|withdrawn|<id>`` so that the same fact may be recorded
    again. A withdrawn row no longer counts: every read of events uses :func:`standing`.
    """

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    natural_key: Mapped[str] = mapped_column(String(200), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    employer_id: Mapped[int | None] = mapped_column(ForeignKey("employers.id"))
    trip_pk: Mapped[int | None] = mapped_column(ForeignKey("trips.id"))
    ref: Mapped[str | None] = mapped_column(String(64))  # trip id or charter contract as given
    on_date: Mapped[dt.date | None] = mapped_column(Date)
    month: Mapped[str | None] = mapped_column(String(7))
    amount_fen: Mapped[int | None] = mapped_column(BigInteger)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id"))
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    withdrawn_by: Mapped[str | None] = mapped_column(String(64))
    withdraw_reason: Mapped[str | None] = mapped_column(String(200))


def standing() -> ColumnElement[bool]:
    """The person events that count: not withdrawn (a ``where`` clause on ``Event``; every
    read of boardings, arrivals and insured months uses it)."""
    return Event.withdrawn_at.is_(None)


class TripEvent(Base):
    """Something that happened to a trip: it ``departed``, ``arrived``, was ``delayed`` or
    ``cancelled``, at a date and time, with a note and who recorded it.

    ``natural_key`` is unique: a trip departs, arrives and is cancelled once
    (``<event>|<trip_id>``); each delay is its own (``delayed|<trip_id>|<at>``).

    Rows are never changed nor deleted: a movement recorded by mistake is *withdrawn* by a row
    of its own, ``event`` ``withdrawn``, ``withdraws_id`` the mistaken row, ``at`` when,
    ``recorded_by`` who and ``note`` why (``planner.ledger.trip_events``). ``trip_ref`` is the
    trip's id as written; ``trip_pk`` the trip's row, cleared only when a dispatch withdraws a
    trip all of whose movements were withdrawn (the rows stay, naming it by ``trip_ref``).
    """

    __tablename__ = "trip_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    natural_key: Mapped[str] = mapped_column(String(200), unique=True)
    trip_pk: Mapped[int | None] = mapped_column(ForeignKey("trips.id"), index=True)
    trip_ref: Mapped[str | None] = mapped_column(String(64), index=True)
    event: Mapped[str] = mapped_column(String(16))
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(64))
    import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    withdraws_id: Mapped[int | None] = mapped_column(ForeignKey("trip_events.id"), unique=True)


class Charter(Base):
    """A coach an employer chartered itself (charters.csv)."""

    __tablename__ = "charters"
    id: Mapped[int] = mapped_column(primary_key=True)
    contract_no: Mapped[str] = mapped_column(String(64), unique=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"))
    depart_date: Mapped[dt.date] = mapped_column(Date)
    origin_adcode: Mapped[str] = mapped_column(String(6))
    seats: Mapped[int] = mapped_column(Integer)
    riders: Mapped[int] = mapped_column(Integer)
    invoice_amount_fen: Mapped[int] = mapped_column(BigInteger)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id"))


class CharterRider(Base):
    """A person on an employer's charter (charter_riders.csv)."""

    __tablename__ = "charter_riders"
    __table_args__ = (UniqueConstraint("charter_id", "person_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    charter_id: Mapped[int] = mapped_column(ForeignKey("charters.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id"))


class Headcount(Base):
    """An employer's insured headcount in a month (headcount.csv)."""

    __tablename__ = "headcounts"
    __table_args__ = (UniqueConstraint("employer_id", "month"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"))
    month: Mapped[str] = mapped_column(String(7))
    insured_headcount: Mapped[int] = mapped_column(Integer)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id"))


class Placement(Base):
    """A person an agency placed with an employer (placements.csv)."""

    __tablename__ = "placements"
    __table_args__ = (UniqueConstraint("person_id", "employer_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    agency_uscc: Mapped[str] = mapped_column(String(18))
    agency_name: Mapped[str] = mapped_column(String(200))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"))
    import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id"))


class PolicyVersion(Base):
    """A subsidy policy as TOML text, in force from ``valid_from``; one is ``active``."""

    __tablename__ = "policy_versions"
    __table_args__ = (UniqueConstraint("name", "valid_from"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    valid_from: Mapped[dt.date] = mapped_column(Date)
    toml_text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))


class Claim(Base):
    """One entitlement line: who is owed how much under which rule, and where it stands."""

    __tablename__ = "claims"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    rule: Mapped[str] = mapped_column(String(64), index=True)
    payee_kind: Mapped[str] = mapped_column(String(16))
    payee_id: Mapped[str] = mapped_column(String(64))
    payee_name: Mapped[str] = mapped_column(String(200))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    evidence: Mapped[list[Any]] = mapped_column(JSON, default=list)
    basis: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    policy_version_id: Mapped[int | None] = mapped_column(ForeignKey("policy_versions.id"))
    state: Mapped[str] = mapped_column(String(16), index=True, default="draft")
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False)
    review_note: Mapped[str | None] = mapped_column(Text)
    proposed_amount_fen: Mapped[int | None] = mapped_column(BigInteger)
    paid_exception: Mapped[bool] = mapped_column(Boolean, default=False)
    exception_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    payment: Mapped[Payment | None] = relationship(back_populates="claim", uselist=False)


class Decision(Base):
    """A step in a claim's history (办理记录), by whom, with the reason given: a transition of
    its state, or a step that leaves the state as it is (``from_state`` = ``to_state``): its
    payee's account changed (``flag_account_changed``), the new account confirmed
    (``confirm_payee_account``), a payment the bank reports failed (``bank_failed``)."""

    __tablename__ = "decisions"
    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Notice(Base):
    """A claim's public notice (公示): from ``published_on`` to ``ends_on`` (working days)."""

    __tablename__ = "notices"
    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    published_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    working_days: Mapped[int] = mapped_column(Integer)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(String(16))  # done / objection


class Objection(Base):
    """An objection raised against a claim during its notice."""

    __tablename__ = "objections"
    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id"))
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    raised_by: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class PaymentBatch(Base):
    """A finance list sent to the bank: its number, its lines and what they add up to."""

    __tablename__ = "payment_batches"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))
    lines: Mapped[int] = mapped_column(Integer)
    total_fen: Mapped[int] = mapped_column(BigInteger)
    lines_sha256: Mapped[str] = mapped_column(String(64))
    file_sha256: Mapped[str | None] = mapped_column(String(64))


class Payment(Base):
    """The one payment of a claim. ``status``: pending, paid or failed. ``bank_name`` and
    ``bank_account``: where it was issued to (``None`` on payments issued before the ledger
    kept it: the registration then)."""

    __tablename__ = "payments"
    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[str] = mapped_column(String(64), unique=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), unique=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    paid_on: Mapped[dt.date | None] = mapped_column(Date)
    bank_file_sha256: Mapped[str | None] = mapped_column(String(64))
    failure_reason: Mapped[str | None] = mapped_column(Text)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("payment_batches.id"), index=True)
    bank_name: Mapped[str | None] = mapped_column(String(100))
    bank_account: Mapped[str | None] = mapped_column(String(34))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))

    claim: Mapped[Claim] = relationship(back_populates="payment")


class BankLine(Base):
    """A line of a bank result file, kept so a second import of it changes nothing."""

    __tablename__ = "bank_lines"
    id: Mapped[int] = mapped_column(primary_key=True)
    natural_key: Mapped[str] = mapped_column(String(200), unique=True)
    payment_id: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16))
    paid_on: Mapped[dt.date | None] = mapped_column(Date)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str | None] = mapped_column(Text)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id"))


class AuditEntry(Base):
    """Who changed what, when: the row before and after, as JSON."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
