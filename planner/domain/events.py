"""What happened: the event tables of FORMATS.md as plain records. Money in fen."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Arrival:
    """A person who arrived at an employer (arrivals.csv). ``trip_id`` ``None``: came alone."""

    id_number: str
    employer_uscc: str
    arrived_on: dt.date
    trip_id: str | None = None
    ticket_amount_fen: int | None = None


@dataclass(frozen=True, slots=True)
class InsuredMonth:
    """A person insured by an employer in a month (insurance.csv); ``month`` is ``YYYY-MM``."""

    id_number: str
    employer_uscc: str
    month: str


@dataclass(frozen=True, slots=True)
class Charter:
    """A coach an employer chartered itself (charters.csv)."""

    employer_uscc: str
    contract_no: str
    depart_date: dt.date
    origin_adcode: str
    seats: int
    riders: int
    invoice_amount_fen: int


@dataclass(frozen=True, slots=True)
class CharterRider:
    """A person on an employer's charter (charter_riders.csv)."""

    contract_no: str
    id_number: str


@dataclass(frozen=True, slots=True)
class Headcount:
    """An employer's insured headcount in a month (headcount.csv)."""

    employer_uscc: str
    month: str
    insured_headcount: int


@dataclass(frozen=True, slots=True)
class BankResult:
    """A payment line from the bank (bank_results.csv); ``reason``: why it failed, as the bank
    says (optional column)."""

    payment_id: str
    status: str  # "paid" or "failed"
    paid_on: dt.date | None
    amount_fen: int
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class TripMovement:
    """What happened to a trip (trip_events.csv): ``event`` is ``departed``, ``arrived``,
    ``delayed`` or ``cancelled``, ``at`` when (a delay: when it was reported)."""

    trip_id: str
    event: str
    at: dt.datetime
    note: str | None = None
