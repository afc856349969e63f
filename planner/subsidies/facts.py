"""The facts the subsidy rules read, the lines they write, and the index they share.

Rules implemented here: identical duplicate facts count once; contradictory duplicates raise
``FactsConflict``; facts in any order give the same index (arrivals, charters and placements
sorted); a line's ``evidence`` is a tuple of ``planner.messages.Message`` (codes in
``planner/messages/catalogue/evidence.*.toml``) and a zero line's ``basis["reason"]`` is one too.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from planner.domain.events import Arrival, Charter, CharterRider, Headcount, InsuredMonth
from planner.messages import Message, msg
from planner.subsidies.money import format_yuan
from planner.subsidies.policy import PayeeKind


class FactsConflict(ValueError):
    """Two records of the same thing disagree (e.g. one charter contract, two invoices)."""


class Rule(StrEnum):
    """The rules, in the order lines are listed."""

    CHARTER = "charter"
    SELF_RETURN = "self_return"
    RECRUITMENT = "recruitment"
    AGENCY = "agency"
    RETENTION = "retention"
    SENDING_AREA = "sending_area"


RULE_LABELS: dict[Rule, str] = {
    Rule.CHARTER: "employer charter subsidy",
    Rule.SELF_RETURN: "self-return subsidy",
    Rule.RECRUITMENT: "recruitment reward",
    Rule.AGENCY: "agency placement reward",
    Rule.RETENTION: "retention reward",
    Rule.SENDING_AREA: "sending-area reward",
}
RULE_ORDER = {rule: i for i, rule in enumerate(Rule)}


class PersonLike(Protocol):
    """What the engine reads of a person (``planner.domain.Worker`` fits)."""

    @property
    def id_number(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def home_adcode(self) -> str: ...
    @property
    def poverty_registered(self) -> bool: ...


class EmployerLike(Protocol):
    """What the engine reads of an employer (``planner.domain.Employer`` fits)."""

    @property
    def uscc(self) -> str: ...
    @property
    def name(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Person:
    """A person in the register."""

    id_number: str
    name: str
    home_adcode: str
    poverty_registered: bool = False


@dataclass(frozen=True, slots=True)
class EmployerRef:
    """An employer: its unified social credit code and name."""

    uscc: str
    name: str


@dataclass(frozen=True, slots=True)
class Placement:
    """A person an agency (labour agency or labour station) placed with an employer."""

    agency_uscc: str
    agency_name: str
    id_number: str
    employer_uscc: str


@dataclass(frozen=True)
class LedgerFacts:
    """Everything that happened, as plain records; any order, duplicates allowed.

    ``government_trips``: trip ids of government (subsidised) trips. ``distance_km``: km from
    home by id number, only needed when the self-return subsidy tiers by distance.
    ``area_names``: names of sending areas by code, for the payee name.
    """

    people: Sequence[PersonLike] = ()
    employers: Sequence[EmployerLike] = ()
    government_trips: Iterable[str] = ()
    arrivals: Sequence[Arrival] = ()
    insured_months: Sequence[InsuredMonth] = ()
    charters: Sequence[Charter] = ()
    charter_riders: Sequence[CharterRider] = ()
    headcounts: Sequence[Headcount] = ()
    placements: Sequence[Placement] = ()
    distance_km: Mapping[str, float] = field(default_factory=dict)
    area_names: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class EntitlementLine:
    """One amount owed to one payee under one rule.

    ``key`` is stable and unique (``self_return:<id_number>``, ``charter:<contract_no>``,
    ``recruitment:<uscc>:<month>``, ``agency:<agency_uscc>``, ``retention:<id_number>``,
    ``sending_area:<code>``); ``evidence`` names the events it rests on; ``basis`` holds the
    numbers used (fen as int, shares as text), plus ``reason`` on a line of 0.
    """

    key: str
    rule: Rule
    payee_kind: PayeeKind
    payee_id: str
    payee_name: str
    amount_fen: int
    evidence: tuple[Message, ...]
    basis: dict[str, Any] = field(default_factory=dict, hash=False)

    def explain(self) -> str:
        """The line for people to read: what, to whom, how much, and why."""
        who = f"{self.payee_kind.value} {self.payee_id}"
        if self.payee_name:
            who = f"{self.payee_kind.value} {self.payee_name} ({self.payee_id})"
        head = f"{self.key}: {RULE_LABELS[self.rule]} {format_yuan(self.amount_fen)} yuan to {who}"
        lines = [head, *(f"  - {e}" for e in self.evidence)]  # English (str of a Message)
        if self.basis:
            numbers = ", ".join(f"{k}={v}" for k, v in self.basis.items())
            lines.append(f"  basis: {numbers}")
        return "\n".join(lines)


# --- small helpers -------------------------------------------------------------------------


def month_of(day: dt.date) -> str:
    """``YYYY-MM`` of a day."""
    return f"{day.year:04d}-{day.month:02d}"


def add_months(month: str, n: int) -> str:
    """``add_months("2020-03", -12) == "2019-03"``."""
    year, mon = int(month[:4]), int(month[5:7])
    index = year * 12 + (mon - 1) + n
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _runs(months: Iterable[str]) -> list[tuple[str, str, int]]:
    """Runs of consecutive months: (first, last, length), in order."""
    runs: list[tuple[str, str, int]] = []
    for month in sorted(set(months)):
        if runs and add_months(runs[-1][1], 1) == month:
            first, _, length = runs[-1]
            runs[-1] = (first, month, length + 1)
        else:
            runs.append((month, month, 1))
    return runs


def longest_run(months: Iterable[str]) -> tuple[str, str, int] | None:
    runs = _runs(months)
    if not runs:
        return None
    return min(runs, key=lambda run: (-run[2], run[0]))


def _unique(records: Iterable[Any], key: Any, what: str) -> dict[Any, Any]:
    """Index records by ``key(record)``; identical duplicates collapse, different ones conflict."""
    out: dict[Any, Any] = {}
    for record in records:
        k = key(record)
        if k in out and out[k] != record:
            raise FactsConflict(f"two different {what} records for {k}: {out[k]} and {record}")
        out[k] = record
    return out


def insured_evidence(months: Iterable[str], employer: str) -> Message:
    """``insured 2020-03 at …`` or ``insured 2020-03..2020-05 at …`` (first and last month)."""
    ordered = sorted(set(months))
    if len(ordered) == 1:
        return msg("evidence.insured_at", month=ordered[0], employer=employer)
    return msg("evidence.insured_span", first=ordered[0], last=ordered[-1], employer=employer)


@dataclass(frozen=True)
class FactIndex:
    """The facts, deduplicated and indexed."""

    people: dict[str, PersonLike]
    employer_names: dict[str, str]
    government_trips: frozenset[str]
    arrivals: tuple[Arrival, ...]  # sorted, unique
    insured: dict[str, dict[str, set[str]]]  # id_number → employer → months
    charters: tuple[Charter, ...]  # sorted, unique per (contract_no, employer)
    roster: dict[str, frozenset[str]]  # contract_no → id numbers
    headcounts: dict[tuple[str, str], int]  # (employer, month) → headcount
    placements: tuple[Placement, ...]  # sorted, unique
    distance_km: Mapping[str, float]
    area_names: Mapping[str, str]

    def employer_label(self, uscc: str) -> str:
        """How evidence names an employer: its registered name (a reviewer reads names, not
        credit codes), else its credit code."""
        return self.employer_names.get(uscc) or uscc

    def person_name(self, id_number: str) -> str:
        person = self.people.get(id_number)
        return person.name if person is not None else ""

    def insured_at(self, id_number: str, employer: str) -> set[str]:
        return self.insured.get(id_number, {}).get(employer, set())


def index_facts(facts: LedgerFacts) -> FactIndex:
    people = _unique(
        facts.people,
        lambda p: p.id_number,
        "person",
    )
    employers: dict[str, str] = {}
    for e in facts.employers:
        if e.uscc in employers and employers[e.uscc] != e.name:
            raise FactsConflict(
                f"two names for employer {e.uscc}: {employers[e.uscc]!r}, {e.name!r}"
            )
        employers[e.uscc] = e.name
    insured: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for m in facts.insured_months:
        insured[m.id_number][m.employer_uscc].add(m.month)
    charters = _unique(facts.charters, lambda c: (c.contract_no, c.employer_uscc), "charter")
    roster: dict[str, set[str]] = defaultdict(set)
    for rider in facts.charter_riders:
        roster[rider.contract_no].add(rider.id_number)
    headcounts = _unique(facts.headcounts, lambda h: (h.employer_uscc, h.month), "headcount")
    return FactIndex(
        people=people,
        employer_names=employers,
        government_trips=frozenset(facts.government_trips),
        arrivals=tuple(sorted(set(facts.arrivals), key=_arrival_order)),
        insured={k: dict(v) for k, v in insured.items()},
        charters=tuple(
            sorted(charters.values(), key=lambda c: (c.depart_date, c.contract_no, c.employer_uscc))
        ),
        roster={k: frozenset(v) for k, v in roster.items()},
        headcounts={k: h.insured_headcount for k, h in headcounts.items()},
        placements=tuple(
            sorted(
                set(facts.placements),
                key=lambda p: (p.agency_uscc, p.id_number, p.employer_uscc, p.agency_name),
            )
        ),
        distance_km=facts.distance_km,
        area_names=facts.area_names,
    )


def _arrival_order(a: Arrival) -> tuple[Any, ...]:
    return (a.arrived_on, a.id_number, a.employer_uscc, a.trip_id or "", a.ticket_amount_fen or 0)


