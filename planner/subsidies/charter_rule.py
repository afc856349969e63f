"""The employer charter subsidy: one line per contract (per employer on a shared contract).

Rules implemented here (see ``planner.subsidies.entitlements`` for the whole rulebook):

- ``share`` × invoice, then capped per trip (``cap_per_trip``, ``cap_per_seat`` × seats,
  ``cap_per_rider`` × riders); nothing below ``min_riders`` riders (riders = distinct people on
  the roster, or the declared riders when there is no roster);
- then capped per employer, earlier departures paid first (ties by contract number);
- a contract shared by several employers is one bus: its caps apply to the whole, split by
  invoice (largest remainder);
- only departures inside the policy window count.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from planner.domain.events import Charter
from planner.messages import Message, msg
from planner.subsidies.facts import EntitlementLine, FactIndex, Rule
from planner.subsidies.money import fraction_text, share_of_fen
from planner.subsidies.policy import PayeeKind, Policy


@dataclass
class _Contract:
    """A contract's amount before the employer cap, per employer row."""

    rows: list[Charter]
    total: int
    evidence: list[Message]
    basis: dict[str, Any]
    reason: Message | None = None
    parts: list[int] = field(default_factory=list)


def charter_lines(policy: Policy, ix: FactIndex) -> list[EntitlementLine]:
    """The charter lines, in departure order (ties by contract number)."""
    if not policy.charter.enabled:
        return []
    by_contract: dict[str, list[Charter]] = defaultdict(list)
    for c in ix.charters:
        by_contract[c.contract_no].append(c)
    contracts = [
        _contract(policy, ix, sorted(by_contract[n], key=lambda c: c.employer_uscc))
        for n in sorted(by_contract, key=lambda n: (by_contract[n][0].depart_date, n))
    ]
    lines: list[EntitlementLine] = []
    paid_by_employer: dict[str, int] = defaultdict(int)
    for contract in contracts:
        for c, part in zip(contract.rows, contract.parts, strict=True):
            lines.append(_employer_line(policy, ix, contract, c, part, paid_by_employer))
    return lines


def _contract(policy: Policy, ix: FactIndex, rows: list[Charter]) -> _Contract:
    """One contract: its evidence, its share of the invoice and the caps per trip."""
    rule = policy.charter
    contract_no = rows[0].contract_no
    invoice = sum(c.invoice_amount_fen for c in rows)
    seats = max(c.seats for c in rows)
    roster = ix.roster.get(contract_no, frozenset())
    riders = len(roster) if roster else sum(c.riders for c in rows)
    depart = rows[0].depart_date
    departed = "evidence.charter_departed" if roster else "evidence.charter_departed_no_roster"
    evidence = [
        msg("evidence.charter_contract", contract=contract_no, invoice=invoice, riders=riders),
        msg(departed, day=depart.isoformat(), origin=rows[0].origin_adcode, seats=seats),
    ]
    if len(rows) > 1:
        evidence.append(msg("evidence.charter_shared", shares=[
            msg("evidence.share", employer=ix.employer_label(c.employer_uscc),
                amount=c.invoice_amount_fen)
            for c in rows]))
    basis: dict[str, Any] = {"contract_no": contract_no, "invoice_fen": invoice,
                             "share": fraction_text(rule.share).strip('"'), "seats": seats,
                             "riders": riders}
    contract = _Contract(rows, 0, evidence, basis)
    if not any(policy.in_force(c.depart_date) for c in rows):
        contract.reason = msg("unpaid.outside_window_departed", day=depart.isoformat())
    elif riders < rule.min_riders:
        contract.reason = msg("unpaid.too_few_riders", riders=riders, min=rule.min_riders)
    else:
        _share_and_caps(policy, contract, invoice, seats, riders)
    contract.parts = _split(contract.total, [c.invoice_amount_fen for c in rows])
    return contract


def _share_and_caps(policy: Policy, contract: _Contract, invoice: int, seats: int,
                    riders: int) -> None:
    """The policy's share of the invoice, capped per trip, per seat and per rider."""
    rule = policy.charter
    total = share_of_fen(invoice, rule.share, policy.workflow.rounding)
    contract.basis["share_of_invoice_fen"] = total
    caps = [
        ("per_trip", rule.cap_per_trip_fen),
        ("per_seat", None if rule.cap_per_seat_fen is None else rule.cap_per_seat_fen * seats),
        ("per_rider",
         None if rule.cap_per_rider_fen is None else rule.cap_per_rider_fen * riders),
    ]
    for label, cap in caps:
        if cap is not None and total > cap:
            total = cap
            contract.basis["capped"] = label.replace("_", " ")
            contract.evidence.append(msg("evidence.capped", label=msg(f"charter_cap.{label}"),
                                         amount=cap))
    contract.total = total


def _employer_line(policy: Policy, ix: FactIndex, contract: _Contract, c: Charter, part: int,
                   paid_by_employer: dict[str, int]) -> EntitlementLine:
    """One employer's line of a contract, after the cap per employer."""
    evidence, basis, reason = list(contract.evidence), dict(contract.basis), contract.reason
    shared = len(contract.rows) > 1
    if shared:
        basis["employer_invoice_fen"] = c.invoice_amount_fen
    amount = part
    cap = policy.charter.cap_per_employer_fen
    if cap is not None and reason is None:
        paid = paid_by_employer[c.employer_uscc]
        room = max(0, cap - paid)
        if amount > room:
            evidence.append(msg("evidence.employer_cap", cap=cap, paid=paid))
            basis["capped"] = "per employer"
            amount = room
            if amount == 0:
                reason = msg("unpaid.employer_cap_reached")
    paid_by_employer[c.employer_uscc] += amount
    if reason is None and amount == 0:
        reason = msg("unpaid.nothing_left")
    if reason is not None:
        basis["reason"] = reason
    return EntitlementLine(
        key=f"charter:{c.contract_no}" + (f":{c.employer_uscc}" if shared else ""),
        rule=Rule.CHARTER,
        payee_kind=PayeeKind.EMPLOYER,
        payee_id=c.employer_uscc,
        payee_name=ix.employer_names.get(c.employer_uscc, ""),
        amount_fen=amount,
        evidence=tuple(evidence),
        basis=basis,
    )


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
