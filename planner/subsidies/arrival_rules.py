"""The rewards for arriving: retention (per person still insured) and sending area (per home).

Rules implemented here (see ``planner.subsidies.entitlements`` for the whole rulebook):

- **retention** — per (registered-poor) person arrived in the window and insured anywhere in
  the month ``after_months`` after the arrival month;
- **sending_area** — per home county (or prefecture, province): distinct people arrived in the
  window; the highest band reached.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from planner.domain.events import Arrival
from planner.messages import msg
from planner.subsidies.facts import EntitlementLine, FactIndex, Rule, add_months, month_of
from planner.subsidies.policy import PayeeKind, Policy


def retention_lines(policy: Policy, ix: FactIndex) -> list[EntitlementLine]:
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
        evidence = [msg("evidence.arrival", day=arrival.arrived_on.isoformat(),
                        employer=ix.employer_label(arrival.employer_uscc))]
        if person.poverty_registered:
            evidence.append(msg("evidence.registered_poor"))
        basis: dict[str, Any] = {
            "arrival_month": month_of(arrival.arrived_on),
            "checked_month": target,
        }
        amount = 0
        if employers:
            evidence.append(msg("evidence.insured_after", month=target,
                                employer=ix.employer_label(employers[0]),
                                n=rule.after_months))
            amount = rule.amount_per_person_fen
        else:
            basis["reason"] = msg("unpaid.not_insured_in", month=target)
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


def sending_area_lines(policy: Policy, ix: FactIndex) -> list[EntitlementLine]:
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
        evidence = [msg("evidence.sent", count=count, first=min(days[code]).isoformat(),
                        last=max(days[code]).isoformat())]
        basis: dict[str, Any] = {"sent": count, "level": rule.level.value}
        amount = 0
        if reached:
            band = reached[-1]
            amount = band.amount_fen
            evidence.append(msg("evidence.band", min=band.min_sent, amount=band.amount_fen))
            basis["band_min_sent"] = band.min_sent
        else:
            basis["reason"] = msg("unpaid.below_lowest_band")
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
