"""The agency placement reward and the recruitment reward (the agency reward wins).

Rules implemented here (see ``planner.subsidies.entitlements`` for the whole rulebook):

- **agency** — per agency: its placements whose person is insured at the placement employer
  for strictly more than ``min_insured_months`` consecutive months (counted from the policy's
  first month); paid only with at least ``min_placed`` of them. A person placed by several
  agencies counts once, for the lowest agency code.
- **recruitment** — ``headcount_growth``: (headcount in ``month`` − headcount
  ``compare_months_back`` months before) minus the agency-rewarded people placed at that
  employer and insured there in ``month``, never below 0, × amount, capped per employer.
  ``per_recruit``: each person first insured at an employer in the policy window, insured there
  for at least ``min_insured_months`` consecutive months, with an arrival there in the window
  when ``requires_arrival``, and not agency-rewarded; one employer per person (the earliest run).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from planner.messages import msg
from planner.subsidies.facts import (
    EntitlementLine,
    FactIndex,
    Placement,
    Rule,
    add_months,
    longest_run,
    month_of,
)
from planner.subsidies.policy import PayeeKind, Policy, RecruitmentMode


def agency_lines(policy: Policy,
                 ix: FactIndex) -> tuple[list[EntitlementLine], dict[str, Placement]]:
    """Agency lines, and the placements they reward (id_number → placement)."""
    rule = policy.agency
    if not rule.enabled:
        return [], {}
    first_month = month_of(policy.valid_from)
    qualifying: dict[str, list[tuple[Placement, tuple[str, str, int]]]] = defaultdict(list)
    agency_names: dict[str, set[str]] = defaultdict(set)
    for p in ix.placements:
        agency_names[p.agency_uscc].add(p.agency_name)
        run = longest_run(
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
            msg("evidence.placed", id=p.id_number, employer=ix.employer_label(p.employer_uscc),
                first=first, last=last, n=n)
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
            basis["reason"] = msg("unpaid.too_few_placements", count=count,
                                  months=rule.min_insured_months, min=rule.min_placed)
        else:
            amount = count * rule.amount_per_person_fen
            rewarded.update((p.id_number, p) for p, _ in people)
        evidence.insert(0, msg("evidence.placements", count=count,
                               months=rule.min_insured_months, min=rule.min_placed))
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


def recruitment_lines(
    policy: Policy, ix: FactIndex, rewarded: Mapping[str, Placement]
) -> list[EntitlementLine]:
    rule = policy.recruitment
    if not rule.enabled:
        return []
    if rule.mode is RecruitmentMode.HEADCOUNT_GROWTH:
        return _headcount_growth_lines(policy, ix, rewarded)
    return _per_recruit_lines(policy, ix, rewarded)


def _headcount_growth_lines(
    policy: Policy, ix: FactIndex, rewarded: Mapping[str, Placement]
) -> list[EntitlementLine]:
    rule = policy.recruitment
    month = rule.month
    if month is None:
        return []
    before = add_months(month, -rule.compare_months_back)
    lines: list[EntitlementLine] = []
    for employer in sorted({e for e, m in ix.headcounts if m == month}):
        now = ix.headcounts[(employer, month)]
        evidence = [msg("evidence.headcount_at", month=month, n=now,
                        employer=ix.employer_label(employer))]
        basis: dict[str, Any] = {"month": month, "headcount": now, "compare_month": before}
        amount = 0
        if (employer, before) not in ix.headcounts:
            basis["reason"] = msg("unpaid.no_compare", month=before)
        else:
            then = ix.headcounts[(employer, before)]
            growth = max(0, now - then)
            by_agency = sorted(
                id_number
                for id_number, p in rewarded.items()
                if p.employer_uscc == employer and month in ix.insured_at(id_number, employer)
            )
            heads = max(0, growth - len(by_agency))
            evidence.append(msg("evidence.headcount", month=before, n=then))
            evidence.append(msg("evidence.growth", growth=growth, n=len(by_agency)))
            basis.update(
                compare_headcount=then,
                growth=growth,
                agency_rewarded=len(by_agency),
                paid_heads=heads,
                amount_per_head_fen=rule.amount_per_head_fen,
            )
            amount = _cap(heads * rule.amount_per_head_fen, rule.cap_per_employer_fen)
            if amount < heads * rule.amount_per_head_fen:
                evidence.append(msg("evidence.capped_employer", amount=amount))
            if heads == 0:
                basis["reason"] = msg("unpaid.no_growth")
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
    policy: Policy, ix: FactIndex, rewarded: Mapping[str, Placement]
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
            run = longest_run(months)
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
            msg("evidence.new_recruit", id=i, first=a, last=b, n=n,
                employer=ix.employer_label(employer))
            for i, (a, b, n) in people
        ]
        if amount < full:
            evidence.append(msg("evidence.capped_employer", amount=amount))
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
