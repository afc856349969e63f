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

Each rule family has its module (``charter_rule``, ``self_return_rule``, ``placement_rules``,
``arrival_rules``); the facts, lines and index they share are in ``planner.subsidies.facts``.
Evidence lines and zero-line reasons are ``planner.messages.Message`` codes
(``planner/messages/catalogue/evidence.*.toml``), rendered in Chinese or English.

Amounts are integer fen and never negative; identical duplicate facts count once; facts in any
order give the same lines; contradictory duplicates raise ``FactsConflict``.
"""

from __future__ import annotations

from collections.abc import Iterable

from planner.subsidies.arrival_rules import retention_lines, sending_area_lines
from planner.subsidies.charter_rule import charter_lines
from planner.subsidies.facts import (
    RULE_LABELS,
    RULE_ORDER,
    EmployerLike,
    EmployerRef,
    EntitlementLine,
    FactsConflict,
    LedgerFacts,
    Person,
    PersonLike,
    Placement,
    Rule,
    add_months,
    index_facts,
    month_of,
)
from planner.subsidies.money import format_yuan
from planner.subsidies.placement_rules import agency_lines, recruitment_lines
from planner.subsidies.policy import Policy
from planner.subsidies.self_return_rule import self_return_lines

__all__ = [
    "RULE_LABELS",
    "EmployerLike",
    "EmployerRef",
    "EntitlementLine",
    "FactsConflict",
    "LedgerFacts",
    "Person",
    "PersonLike",
    "Placement",
    "Rule",
    "add_months",
    "compute_entitlements",
    "explain",
    "month_of",
    "totals_by_rule",
]


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
    ix = index_facts(facts)
    charter = charter_lines(policy, ix)
    subsidised = frozenset(line.basis["contract_no"] for line in charter if line.amount_fen > 0)
    agency, rewarded = agency_lines(policy, ix)
    lines = [
        *charter,
        *self_return_lines(policy, ix, subsidised),
        *recruitment_lines(policy, ix, rewarded),
        *agency,
        *retention_lines(policy, ix),
        *sending_area_lines(policy, ix),
    ]
    if not include_zero:
        lines = [line for line in lines if line.amount_fen > 0]
    return sorted(lines, key=lambda line: (RULE_ORDER[line.rule], line.key))


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
