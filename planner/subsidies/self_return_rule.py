"""The self-return subsidy: one line per person who travelled on their own.

Rules implemented here (see ``planner.subsidies.entitlements`` for the whole rulebook):

- per person with an own-travel arrival (blank trip) inside the window: the region tier (or
  distance band) × taper share of the earliest such arrival, at that arrival's employer;
- nothing if the person is carried on a government trip (any arrival with a trip id listed in
  ``government_trips``) or on a subsidised charter (on its roster, or arrived with its contract
  number as trip id), or, with ``requires_insured``, not insured at that employer in the
  arrival month or later; one person, one line.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from planner.domain.events import Arrival
from planner.messages import Message, msg
from planner.subsidies.amounts import self_return_subsidy_fen
from planner.subsidies.facts import (
    EntitlementLine,
    FactIndex,
    Rule,
    insured_evidence,
    month_of,
)
from planner.subsidies.money import fraction_text
from planner.subsidies.policy import PayeeKind, Policy, SelfReturnBasis, region_of


def self_return_lines(policy: Policy, ix: FactIndex,
                      subsidised_charters: frozenset[str]) -> list[EntitlementLine]:
    """The self-return lines, by id number."""
    rule = policy.self_return
    if not rule.enabled:
        return []
    carried = _carried(ix, subsidised_charters)
    own: dict[str, list[Arrival]] = defaultdict(list)
    for a in ix.arrivals:
        if a.trip_id is None:
            own[a.id_number].append(a)
    lines: list[EntitlementLine] = []
    for id_number in sorted(own):
        in_window = [a for a in own[id_number] if policy.in_force(a.arrived_on)]
        claim = min(in_window or own[id_number], key=lambda a: (a.arrived_on, a.employer_uscc))
        payee_id, payee_name = (id_number, ix.person_name(id_number))
        if rule.payee is PayeeKind.EMPLOYER:
            payee_id = claim.employer_uscc
            payee_name = ix.employer_names.get(claim.employer_uscc, "")
        amount, evidence, basis = _assess(policy, ix, claim, bool(in_window),
                                          carried.get(id_number))
        lines.append(EntitlementLine(
            key=f"self_return:{id_number}", rule=Rule.SELF_RETURN, payee_kind=rule.payee,
            payee_id=payee_id, payee_name=payee_name, amount_fen=amount,
            evidence=tuple(evidence), basis=basis,
        ))
    return lines


def _carried(ix: FactIndex, subsidised_charters: frozenset[str]) -> dict[str, Message]:
    """id_number → why the person was carried (and so gets no self-return subsidy)."""
    carried: dict[str, Message] = {}
    for a in ix.arrivals:
        if a.trip_id is not None and a.trip_id in ix.government_trips:
            carried.setdefault(a.id_number, msg("evidence.carried_government", trip=a.trip_id))
        elif a.trip_id is not None and a.trip_id in subsidised_charters:
            carried.setdefault(a.id_number, msg("evidence.carried_charter", trip=a.trip_id))
    for contract_no in sorted(subsidised_charters):
        for id_number in ix.roster.get(contract_no, frozenset()):
            carried.setdefault(id_number, msg("evidence.on_roster", contract=contract_no))
    return carried


def _assess(policy: Policy, ix: FactIndex, claim: Arrival, in_window: bool,
            carried: Message | None) -> tuple[int, list[Message], dict[str, Any]]:
    """One person's amount, evidence and basis (with ``reason`` when the amount is 0)."""
    rule = policy.self_return
    id_number, employer = claim.id_number, claim.employer_uscc
    evidence = [msg("evidence.arrival_own", day=claim.arrived_on.isoformat(),
                    employer=ix.employer_label(employer))]
    basis: dict[str, Any] = {"employer_uscc": employer}
    insured = {m for m in ix.insured_at(id_number, employer) if m >= month_of(claim.arrived_on)}
    if insured:
        evidence.append(insured_evidence(insured, ix.employer_label(employer)))
    person = ix.people.get(id_number)
    reason: Message | None = None
    amount = 0
    if not in_window:
        reason = msg("unpaid.outside_window_arrived", day=claim.arrived_on.isoformat())
    elif carried is not None:
        reason = carried
        evidence.append(carried)
    elif person is None:
        reason = msg("unpaid.not_registered")
    elif rule.requires_insured and not insured:
        reason = msg("unpaid.not_insured_from", employer=ix.employer_label(employer),
                     month=month_of(claim.arrived_on))
    else:
        amount, reason = _subsidy(policy, ix, claim, person.home_adcode, evidence, basis)
    if reason is not None:
        basis["reason"] = reason
    return amount, evidence, basis


def _subsidy(policy: Policy, ix: FactIndex, claim: Arrival, home: str,
             evidence: list[Message], basis: dict[str, Any]) -> tuple[int, Message | None]:
    """The tier (or distance band) × taper share for someone from ``home``."""
    rule = policy.self_return
    region = region_of(home[:2])
    evidence.append(msg("evidence.home", home=home, province=home[:2],
                        region=msg(f"subsidy_region.{region.value}")))
    basis.update(home_adcode=home, region=region.value)
    distance = ix.distance_km.get(claim.id_number)
    if rule.basis is SelfReturnBasis.DISTANCE:
        if distance is None:
            return 0, msg("unpaid.distance_unknown")
        basis["distance_km"] = distance
        basis["full_fen"] = rule.band_fen(distance)
    else:
        basis["full_fen"] = rule.tier_fen(region)
    basis["share"] = fraction_text(rule.share_on(claim.arrived_on)).strip('"')
    if rule.taper:
        evidence.append(msg("evidence.taper", day=claim.arrived_on.isoformat(),
                            share=basis["share"]))
    amount = self_return_subsidy_fen(policy, home[:2], claim.arrived_on, distance_km=distance)
    return amount, (msg("unpaid.tier_zero") if amount == 0 else None)
