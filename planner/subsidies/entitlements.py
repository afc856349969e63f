"""What is owed under a policy, from what happened: one line per payee and rule.

Rules implemented (one function per rule, in this order, because later rules read earlier ones):

1. **charter** — per contract: ``share`` × invoice, then capped per trip (``cap_per_trip``,
   ``cap_per_seat`` × seats, ``cap_per_rider`` × riders); nothing below ``min_riders`` riders
   (riders = distinct people on the roster, or the declared riders when there is no roster);
   then capped per employer, earlier departures paid first (ties by contract number). A contract
   shared by several employers is one bus: its caps apply to the whole, split by invoice.
   Only departures inside the policy window count.
2. **self_return** — per person with an own-travel arrival (blank trip) inside the window: the
   region tier (or distance band) × taper share of the earliest such arrival, at that arrival's
   employer. Nothing if the person is carried on a government trip (any arrival with a trip id
   listed in ``government_trips``) or on a subsidised charter (on its roster, or arrived with its
   contract number as trip id), or, with ``requires_insured``, not insured at that employer in the
   arrival month or later. One person, one line.
3. **agency** — per agency: its placements whose person is insured at the placement employer for
   strictly more than ``min_insured_months`` consecutive months (counted from the policy's first
   month); paid only with at least ``min_placed`` of them. A person placed by several agencies
   counts once, for the lowest agency code.
4. **recruitment** — ``headcount_growth``: (headcount in ``month`` − headcount
   ``compare_months_back`` months before) minus the agency-rewarded people placed at that
   employer and insured there in ``month``, never below 0, × amount, capped per employer.
   ``per_recruit``: each person first insured at an employer in the policy window (never before
   its first month), insured there for at least ``min_insured_months`` consecutive months, with an
   arrival there in the window when ``requires_arrival``, and not agency-rewarded; one employer per
   person (the earliest run). The agency reward wins over the employer's reward in both modes.
5. **retention** — per (registered-poor) person arrived in the window and insured anywhere in
   the month ``after_months`` after the arrival month.
6. **sending_area** — per home county (or prefecture, province): distinct people arrived in the
   window; the highest band reached.

Amounts are integer fen and never negative; identical duplicate facts count once; facts in any
order give the same lines; contradictory duplicates raise ``FactsConflict``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from planner.domain.events import Arrival, Charter, CharterRider, Headcount, InsuredMonth
from planner.subsidies.amounts import self_return_subsidy_fen
from planner.subsidies.money import format_yuan, fraction_text, share_of_fen
from planner.subsidies.policy import (
    PayeeKind,
    Policy,
    RecruitmentMode,
    SelfReturnBasis,
    region_of,
)


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
_RULE_ORDER = {rule: i for i, rule in enumerate(Rule)}


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
    evidence: tuple[str, ...]
    basis: dict[str, Any] = field(default_factory=dict, hash=False)

    def explain(self) -> str:
        """The line for people to read: what, to whom, how much, and why."""
        who = f"{self.payee_kind.value} {self.payee_id}"
        if self.payee_name:
            who = f"{self.payee_kind.value} {self.payee_name} ({self.payee_id})"
        head = f"{self.key}: {RULE_LABELS[self.rule]} {format_yuan(self.amount_fen)} yuan to {who}"
        lines = [head, *(f"  - {e}" for e in self.evidence)]
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


def _longest_run(months: Iterable[str]) -> tuple[str, str, int] | None:
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


def _span(months: Iterable[str]) -> str:
    ordered = sorted(set(months))
    if not ordered:
        return "no month"
    return ordered[0] if len(ordered) == 1 else f"{ordered[0]}..{ordered[-1]}"


@dataclass(frozen=True)
class _Index:
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

    def person_name(self, id_number: str) -> str:
        person = self.people.get(id_number)
        return person.name if person is not None else ""

    def insured_at(self, id_number: str, employer: str) -> set[str]:
        return self.insured.get(id_number, {}).get(employer, set())


def _index(facts: LedgerFacts) -> _Index:
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
    return _Index(
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


# --- the rules -----------------------------------------------------------------------------


def _charter_lines(policy: Policy, ix: _Index) -> list[EntitlementLine]:
    rule = policy.charter
    if not rule.enabled:
        return []
    rounding = policy.workflow.rounding
    by_contract: dict[str, list[Charter]] = defaultdict(list)
    for c in ix.charters:
        by_contract[c.contract_no].append(c)

    provisional: list[tuple[Charter, int, list[str], dict[str, Any], str | None]] = []
    for contract_no in sorted(by_contract, key=lambda n: (by_contract[n][0].depart_date, n)):
        rows = sorted(by_contract[contract_no], key=lambda c: c.employer_uscc)
        invoice = sum(c.invoice_amount_fen for c in rows)
        seats = max(c.seats for c in rows)
        roster = ix.roster.get(contract_no, frozenset())
        riders = len(roster) if roster else sum(c.riders for c in rows)
        depart = rows[0].depart_date
        shared = len(rows) > 1
        evidence = [
            f"charter contract {contract_no}, invoice {format_yuan(invoice)} yuan, {riders} riders",
            f"departed {depart.isoformat()} from {rows[0].origin_adcode}, {seats} seats"
            + ("" if roster else " (riders as declared; no roster)"),
        ]
        if shared:
            evidence.append(
                "shared by "
                + ", ".join(
                    f"{c.employer_uscc} ({format_yuan(c.invoice_amount_fen)} yuan)" for c in rows
                )
            )
        basis: dict[str, Any] = {
            "contract_no": contract_no,
            "invoice_fen": invoice,
            "share": fraction_text(rule.share).strip('"'),
            "seats": seats,
            "riders": riders,
        }
        reason: str | None = None
        total = 0
        if not any(policy.in_force(c.depart_date) for c in rows):
            reason = f"departed {depart.isoformat()}, outside the policy window"
        elif riders < rule.min_riders:
            reason = f"{riders} riders, fewer than the {rule.min_riders} required"
        else:
            total = share_of_fen(invoice, rule.share, rounding)
            basis["share_of_invoice_fen"] = total
            caps = [
                ("per trip", rule.cap_per_trip_fen),
                (
                    "per seat",
                    None if rule.cap_per_seat_fen is None else rule.cap_per_seat_fen * seats,
                ),
                (
                    "per rider",
                    None if rule.cap_per_rider_fen is None else rule.cap_per_rider_fen * riders,
                ),
            ]
            for label, cap in caps:
                if cap is not None and total > cap:
                    total = cap
                    basis["capped"] = label
                    evidence.append(f"capped {label} at {format_yuan(cap)} yuan")
        for c, part in zip(rows, _split(total, [c.invoice_amount_fen for c in rows]), strict=True):
            row_basis = dict(basis)
            if shared:
                row_basis["employer_invoice_fen"] = c.invoice_amount_fen
            provisional.append((c, part, list(evidence), row_basis, reason))

    lines: list[EntitlementLine] = []
    paid_by_employer: dict[str, int] = defaultdict(int)
    shared_contracts = {n for n, rows in by_contract.items() if len(rows) > 1}
    for c, part, evidence, basis, reason in provisional:
        amount = part
        cap = rule.cap_per_employer_fen
        if cap is not None and reason is None:
            room = max(0, cap - paid_by_employer[c.employer_uscc])
            if amount > room:
                evidence.append(
                    f"employer cap {format_yuan(cap)} yuan: "
                    f"{format_yuan(paid_by_employer[c.employer_uscc])} yuan already paid "
                    "on earlier charters"
                )
                basis["capped"] = "per employer"
                amount = room
                if amount == 0:
                    reason = "employer cap already reached"
        paid_by_employer[c.employer_uscc] += amount
        if reason is None and amount == 0:
            reason = "nothing left after the share and caps"
        if reason is not None:
            basis["reason"] = reason
        key = f"charter:{c.contract_no}" + (
            f":{c.employer_uscc}" if c.contract_no in shared_contracts else ""
        )
        lines.append(
            EntitlementLine(
                key=key,
                rule=Rule.CHARTER,
                payee_kind=PayeeKind.EMPLOYER,
                payee_id=c.employer_uscc,
                payee_name=ix.employer_names.get(c.employer_uscc, ""),
                amount_fen=amount,
                evidence=tuple(evidence),
                basis=basis,
            )
        )
    return lines


def _split(total: int, weights: list[int]) -> list[int]:
    """Split ``total`` fen by ``weights``: floors, then the leftover fen by largest remainder."""
    if len(weights) == 1:
        return [total]
    weight_sum = sum(weights)
    if weight_sum == 0:
        weights, weight_sum = [1] * len(weights), len(weights)
    parts = [total * w // weight_sum for w in weights]
    remainders = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % weight_sum), i))
    for i in remainders[: total - sum(parts)]:
        parts[i] += 1
    return parts


def _self_return_lines(
    policy: Policy, ix: _Index, subsidised_charters: frozenset[str]
) -> list[EntitlementLine]:
    rule = policy.self_return
    if not rule.enabled:
        return []
    carried: dict[str, str] = {}  # id_number → why excluded
    for a in ix.arrivals:
        if a.trip_id is not None and a.trip_id in ix.government_trips:
            carried.setdefault(a.id_number, f"carried on government trip {a.trip_id}")
        elif a.trip_id is not None and a.trip_id in subsidised_charters:
            carried.setdefault(a.id_number, f"carried on subsidised charter {a.trip_id}")
    for contract_no in sorted(subsidised_charters):
        for id_number in ix.roster.get(contract_no, frozenset()):
            carried.setdefault(id_number, f"on the roster of subsidised charter {contract_no}")

    own: dict[str, list[Arrival]] = defaultdict(list)
    for a in ix.arrivals:
        if a.trip_id is None:
            own[a.id_number].append(a)

    lines: list[EntitlementLine] = []
    for id_number in sorted(own):
        in_window = [a for a in own[id_number] if policy.in_force(a.arrived_on)]
        claim = min(in_window or own[id_number], key=lambda a: (a.arrived_on, a.employer_uscc))
        person = ix.people.get(id_number)
        payee_id, payee_name = (id_number, ix.person_name(id_number))
        if rule.payee is PayeeKind.EMPLOYER:
            payee_id, payee_name = (
                claim.employer_uscc,
                ix.employer_names.get(claim.employer_uscc, ""),
            )
        evidence = [f"arrival {claim.arrived_on.isoformat()} at {claim.employer_uscc} (own travel)"]
        basis: dict[str, Any] = {"employer_uscc": claim.employer_uscc}
        reason: str | None = None
        amount = 0
        insured = {
            m
            for m in ix.insured_at(id_number, claim.employer_uscc)
            if m >= month_of(claim.arrived_on)
        }
        if insured:
            evidence.append(f"insured {_span(insured)} at {claim.employer_uscc}")
        if not in_window:
            reason = f"arrived {claim.arrived_on.isoformat()}, outside the policy window"
        elif id_number in carried:
            reason = carried[id_number]
            evidence.append(reason)
        elif person is None:
            reason = "not in the register of people: home unknown"
        elif rule.requires_insured and not insured:
            reason = f"not insured at {claim.employer_uscc} from {month_of(claim.arrived_on)} on"
        else:
            region = region_of(person.home_adcode[:2])
            evidence.append(
                f"home {person.home_adcode} "
                f"(province {person.home_adcode[:2]}, region {region.value})"
            )
            basis.update(home_adcode=person.home_adcode, region=region.value)
            distance = ix.distance_km.get(id_number)
            if rule.basis is SelfReturnBasis.DISTANCE:
                if distance is None:
                    reason = "distance from home unknown"
                else:
                    basis["distance_km"] = distance
                    basis["full_fen"] = rule.band_fen(distance)
            else:
                basis["full_fen"] = rule.tier_fen(region)
            if reason is None:
                share = rule.share_on(claim.arrived_on)
                basis["share"] = fraction_text(share).strip('"')
                if rule.taper:
                    evidence.append(
                        f"arrived {claim.arrived_on.isoformat()}: taper share {basis['share']}"
                    )
                amount = self_return_subsidy_fen(
                    policy, person.home_adcode[:2], claim.arrived_on, distance_km=distance
                )
                if amount == 0:
                    reason = "the tier for this arrival is 0"
        if reason is not None:
            basis["reason"] = reason
        lines.append(
            EntitlementLine(
                key=f"self_return:{id_number}",
                rule=Rule.SELF_RETURN,
                payee_kind=rule.payee,
                payee_id=payee_id,
                payee_name=payee_name,
                amount_fen=amount,
                evidence=tuple(evidence),
                basis=basis,
            )
        )
    return lines


def _agency_lines(policy: Policy, ix: _Index) -> tuple[list[EntitlementLine], dict[str, Placement]]:
    """Agency lines, and the placements they reward (id_number → placement)."""
    rule = policy.agency
    if not rule.enabled:
        return [], {}
    first_month = month_of(policy.valid_from)
    qualifying: dict[str, list[tuple[Placement, tuple[str, str, int]]]] = defaultdict(list)
    agency_names: dict[str, set[str]] = defaultdict(set)
    for p in ix.placements:
        agency_names[p.agency_uscc].add(p.agency_name)
        run = _longest_run(
            m for m in ix.insured_at(p.id_number, p.employer_uscc) if m >= first_month
        )
        if run is not None and run[2] > rule.min_insured_months:
            qualifying[p.id_number].append((p, run))
    won: dict[str, list[tuple[Placement, tuple[str, str, int]]]] = defaultdict(list)
    for id_number in sorted(qualifying):
        placement, run = min(
            qualifying[id_number], key=lambda pr: (pr[0].agency_uscc, pr[0].employer_uscc)
        )
        won[placement.agency_uscc].append((placement, run))

    lines: list[EntitlementLine] = []
    rewarded: dict[str, Placement] = {}
    for agency in sorted(agency_names):
        people = won.get(agency, [])
        evidence = [
            f"placed {p.id_number} at {p.employer_uscc}, insured {first}..{last} ({n} months)"
            for p, (first, last, n) in people
        ]
        count = len(people)
        basis: dict[str, Any] = {
            "qualifying_placements": count,
            "min_placed": rule.min_placed,
            "amount_per_person_fen": rule.amount_per_person_fen,
            "insured_more_than_months": rule.min_insured_months,
        }
        amount = 0
        if count < rule.min_placed:
            basis["reason"] = (
                f"{count} placements insured more than {rule.min_insured_months} months, "
                f"fewer than the {rule.min_placed} required"
            )
        else:
            amount = count * rule.amount_per_person_fen
            rewarded.update((p.id_number, p) for p, _ in people)
        evidence.insert(
            0,
            f"{count} placements insured more than {rule.min_insured_months} months "
            f"(at least {rule.min_placed} needed)",
        )
        lines.append(
            EntitlementLine(
                key=f"agency:{agency}",
                rule=Rule.AGENCY,
                payee_kind=PayeeKind.AGENCY,
                payee_id=agency,
                payee_name=min(agency_names[agency]),
                amount_fen=amount,
                evidence=tuple(evidence),
                basis=basis,
            )
        )
    return lines, rewarded


def _cap(amount: int, cap: int | None) -> int:
    return amount if cap is None else min(amount, cap)


def _recruitment_lines(
    policy: Policy, ix: _Index, rewarded: Mapping[str, Placement]
) -> list[EntitlementLine]:
    rule = policy.recruitment
    if not rule.enabled:
        return []
    if rule.mode is RecruitmentMode.HEADCOUNT_GROWTH:
        return _headcount_growth_lines(policy, ix, rewarded)
    return _per_recruit_lines(policy, ix, rewarded)


def _headcount_growth_lines(
    policy: Policy, ix: _Index, rewarded: Mapping[str, Placement]
) -> list[EntitlementLine]:
    rule = policy.recruitment
    month = rule.month
    if month is None:
        return []
    before = add_months(month, -rule.compare_months_back)
    lines: list[EntitlementLine] = []
    for employer in sorted({e for e, m in ix.headcounts if m == month}):
        now = ix.headcounts[(employer, month)]
        evidence = [f"insured headcount {month}: {now} at {employer}"]
        basis: dict[str, Any] = {"month": month, "headcount": now, "compare_month": before}
        amount = 0
        if (employer, before) not in ix.headcounts:
            basis["reason"] = f"no headcount for {before} to compare with"
        else:
            then = ix.headcounts[(employer, before)]
            growth = max(0, now - then)
            by_agency = sorted(
                id_number
                for id_number, p in rewarded.items()
                if p.employer_uscc == employer and month in ix.insured_at(id_number, employer)
            )
            heads = max(0, growth - len(by_agency))
            evidence.append(f"insured headcount {before}: {then}")
            evidence.append(
                f"growth {growth}; {len(by_agency)} of them placed by a rewarded agency"
            )
            basis.update(
                compare_headcount=then,
                growth=growth,
                agency_rewarded=len(by_agency),
                paid_heads=heads,
                amount_per_head_fen=rule.amount_per_head_fen,
            )
            amount = _cap(heads * rule.amount_per_head_fen, rule.cap_per_employer_fen)
            if amount < heads * rule.amount_per_head_fen:
                evidence.append(f"capped per employer at {format_yuan(amount)} yuan")
            if heads == 0:
                basis["reason"] = "no growth left to reward"
        lines.append(
            EntitlementLine(
                key=f"recruitment:{employer}:{month}",
                rule=Rule.RECRUITMENT,
                payee_kind=PayeeKind.EMPLOYER,
                payee_id=employer,
                payee_name=ix.employer_names.get(employer, ""),
                amount_fen=amount,
                evidence=tuple(evidence),
                basis=basis,
            )
        )
    return lines


def _per_recruit_lines(
    policy: Policy, ix: _Index, rewarded: Mapping[str, Placement]
) -> list[EntitlementLine]:
    rule = policy.recruitment
    first_month = month_of(policy.valid_from)
    arrived_at: set[tuple[str, str]] = {
        (a.id_number, a.employer_uscc) for a in ix.arrivals if policy.in_force(a.arrived_on)
    }
    recruits: dict[str, list[tuple[str, tuple[str, str, int]]]] = defaultdict(list)
    for id_number in sorted(ix.insured):
        if id_number in rewarded:
            continue
        options: list[tuple[str, tuple[str, str, int]]] = []
        for employer, months in ix.insured[id_number].items():
            if any(m < first_month for m in months):
                continue  # insured there before the policy: not a new recruit
            if rule.requires_arrival and (id_number, employer) not in arrived_at:
                continue
            run = _longest_run(months)
            if run is not None and run[2] >= rule.min_insured_months:
                options.append((employer, run))
        if options:
            employer, run = min(options, key=lambda o: (o[1][0], o[0]))
            recruits[employer].append((id_number, run))

    lines: list[EntitlementLine] = []
    for employer in sorted(recruits):
        people = recruits[employer]
        full = len(people) * rule.amount_per_head_fen
        amount = _cap(full, rule.cap_per_employer_fen)
        evidence = [
            f"new recruit {i} insured {a}..{b} ({n} months) at {employer}"
            for i, (a, b, n) in people
        ]
        if amount < full:
            evidence.append(f"capped per employer at {format_yuan(amount)} yuan")
        lines.append(
            EntitlementLine(
                key=f"recruitment:{employer}",
                rule=Rule.RECRUITMENT,
                payee_kind=PayeeKind.EMPLOYER,
                payee_id=employer,
                payee_name=ix.employer_names.get(employer, ""),
                amount_fen=amount,
                evidence=tuple(evidence),
                basis={
                    "recruits": len(people),
                    "amount_per_head_fen": rule.amount_per_head_fen,
                    "min_insured_months": rule.min_insured_months,
                },
            )
        )
    return lines


def _retention_lines(policy: Policy, ix: _Index) -> list[EntitlementLine]:
    rule = policy.retention
    if not rule.enabled:
        return []
    first_arrival: dict[str, Arrival] = {}
    for a in ix.arrivals:  # sorted by day: the first one seen is the earliest
        if policy.in_force(a.arrived_on):
            first_arrival.setdefault(a.id_number, a)
    lines: list[EntitlementLine] = []
    for id_number in sorted(first_arrival):
        person = ix.people.get(id_number)
        if person is None or (rule.poverty_registered_only and not person.poverty_registered):
            continue
        arrival = first_arrival[id_number]
        target = add_months(month_of(arrival.arrived_on), rule.after_months)
        employers = sorted(
            e for e, months in ix.insured.get(id_number, {}).items() if target in months
        )
        evidence = [f"arrival {arrival.arrived_on.isoformat()} at {arrival.employer_uscc}"]
        if person.poverty_registered:
            evidence.append("registered poor (建档立卡)")
        basis: dict[str, Any] = {
            "arrival_month": month_of(arrival.arrived_on),
            "checked_month": target,
        }
        amount = 0
        if employers:
            evidence.append(
                f"insured {target} at {employers[0]} ({rule.after_months} months after arrival)"
            )
            amount = rule.amount_per_person_fen
        else:
            basis["reason"] = f"not insured in {target}"
        payee_id, payee_name = id_number, person.name
        if rule.payee is PayeeKind.EMPLOYER:
            employer = employers[0] if employers else arrival.employer_uscc
            payee_id, payee_name = employer, ix.employer_names.get(employer, "")
        lines.append(
            EntitlementLine(
                key=f"retention:{id_number}",
                rule=Rule.RETENTION,
                payee_kind=rule.payee,
                payee_id=payee_id,
                payee_name=payee_name,
                amount_fen=amount,
                evidence=tuple(evidence),
                basis=basis,
            )
        )
    return lines


def _sending_area_lines(policy: Policy, ix: _Index) -> list[EntitlementLine]:
    rule = policy.sending_area
    if not rule.enabled:
        return []
    sent: dict[str, set[str]] = defaultdict(set)
    days: dict[str, list[dt.date]] = defaultdict(list)
    for a in ix.arrivals:
        person = ix.people.get(a.id_number)
        if person is None or not policy.in_force(a.arrived_on):
            continue
        code = person.home_adcode[: rule.level.digits]
        sent[code].add(a.id_number)
        days[code].append(a.arrived_on)
    lines: list[EntitlementLine] = []
    for code in sorted(sent):
        count = len(sent[code])
        reached = [b for b in rule.bands if count >= b.min_sent]
        evidence = [
            f"sent {count} people "
            f"(arrivals {min(days[code]).isoformat()}..{max(days[code]).isoformat()})"
        ]
        basis: dict[str, Any] = {"sent": count, "level": rule.level.value}
        amount = 0
        if reached:
            band = reached[-1]
            amount = band.amount_fen
            evidence.append(
                f"band: at least {band.min_sent} sent → {format_yuan(band.amount_fen)} yuan"
            )
            basis["band_min_sent"] = band.min_sent
        else:
            basis["reason"] = "fewer people sent than the lowest band"
        lines.append(
            EntitlementLine(
                key=f"sending_area:{code}",
                rule=Rule.SENDING_AREA,
                payee_kind=PayeeKind.GOVERNMENT,
                payee_id=code,
                payee_name=ix.area_names.get(code, ""),
                amount_fen=amount,
                evidence=tuple(evidence),
                basis=basis,
            )
        )
    return lines


# --- public --------------------------------------------------------------------------------


def compute_entitlements(
    policy: Policy, facts: LedgerFacts, *, include_zero: bool = False
) -> list[EntitlementLine]:
    """Everything owed under ``policy`` for what happened.

    Parameters
    ----------
    policy : Policy
        The policy in force.
    facts : LedgerFacts
        People, employers, government trips and the event tables, in any order.
    include_zero : bool
        Also return lines of 0 (claims refused), each with ``basis["reason"]``; for audit and
        explanation. Off by default: finance gets payable lines only.

    Returns
    -------
    list[EntitlementLine]
        Sorted by rule (charter, self-return, recruitment, agency, retention, sending area),
        then key; keys are unique; no amount is negative.

    Raises
    ------
    FactsConflict
        If two records of the same thing disagree.
    """
    ix = _index(facts)
    charter = _charter_lines(policy, ix)
    subsidised = frozenset(line.basis["contract_no"] for line in charter if line.amount_fen > 0)
    agency, rewarded = _agency_lines(policy, ix)
    lines = [
        *charter,
        *_self_return_lines(policy, ix, subsidised),
        *_recruitment_lines(policy, ix, rewarded),
        *agency,
        *_retention_lines(policy, ix),
        *_sending_area_lines(policy, ix),
    ]
    if not include_zero:
        lines = [line for line in lines if line.amount_fen > 0]
    return sorted(lines, key=lambda line: (_RULE_ORDER[line.rule], line.key))


def totals_by_rule(lines: Iterable[EntitlementLine]) -> dict[str, int]:
    """Sum of ``amount_fen`` per rule name, for every rule (0 where no line)."""
    totals = {rule.value: 0 for rule in Rule}
    for line in lines:
        totals[line.rule.value] += line.amount_fen
    return totals


def explain(lines: Iterable[EntitlementLine]) -> str:
    """All lines for people to read, with totals per rule and overall.

    Parameters
    ----------
    lines : iterable of EntitlementLine

    Returns
    -------
    str
        One block per line (``EntitlementLine.explain``), then the totals.
    """
    lines = list(lines)
    blocks = [line.explain() for line in lines]
    totals = totals_by_rule(lines)
    summary = [
        f"{RULE_LABELS[Rule(rule)]}: {format_yuan(fen)} yuan" for rule, fen in totals.items()
    ]
    summary.append(f"total: {format_yuan(sum(totals.values()))} yuan")
    return "\n".join([*blocks, *summary])
