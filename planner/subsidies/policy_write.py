"""Writing a ``Policy`` as policy.toml text (``planner.subsidies.policy_toml`` reads it back).

Rules implemented:

- every field is written (the local day lists and ``issuer_not_approver`` only when set, so the
  text of a policy without them is unchanged), amounts as yuan with two decimals, shares as
  exact fractions; ``parse_policy(policy_to_toml(p)) == p``.
"""

from __future__ import annotations

import json

from planner.subsidies.money import fen_to_decimal, fraction_text
from planner.subsidies.policy import Policy


def _str(value: str) -> str:
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007F")


def _yuan(fen: int) -> str:
    return str(fen_to_decimal(fen))


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _section(name: str, lines: list[str]) -> list[str]:
    return ["", f"[{name}]", *lines]


def _optional_amount(key: str, fen: int | None) -> list[str]:
    return [] if fen is None else [f"{key} = {_yuan(fen)}"]


def policy_to_toml(policy: Policy) -> str:
    """Write a policy as policy.toml text; ``parse_policy`` reads it back equal.

    Parameters
    ----------
    policy : Policy

    Returns
    -------
    str
        TOML with every field written out, amounts as yuan with two decimals.
    """
    out = [
        *_head(policy),
        *_charter_and_trips(policy),
        *_self_return(policy),
        *_rewards(policy),
        *_sending_area(policy),
        *_planning_and_workflow(policy),
    ]
    return "\n".join(out) + "\n"


def _head(policy: Policy) -> list[str]:
    out: list[str] = [f"name = {_str(policy.name)}"]
    if policy.title:
        out.append(f"title = {_str(policy.title)}")
    if policy.region:
        out.append(f"region = {_str(policy.region)}")
    if policy.issuer:
        out.append(f"issuer = {_str(policy.issuer)}")
    if policy.posted_on is not None:
        out.append(f"posted_on = {policy.posted_on.isoformat()}")
    out.append(f"valid_from = {policy.valid_from.isoformat()}")
    if policy.valid_to is not None:
        out.append(f"valid_to = {policy.valid_to.isoformat()}")
    out.append(f"currency = {_str(policy.currency)}")
    if policy.notes:
        out.append(f"notes = {_str(policy.notes)}")
    return out


def _charter_and_trips(policy: Policy) -> list[str]:
    c, g = policy.charter, policy.government_trips
    return [
        *_section("charter", [
            f"enabled = {_bool(c.enabled)}",
            f"share = {fraction_text(c.share)}",
            *_optional_amount("cap_per_trip", c.cap_per_trip_fen),
            *_optional_amount("cap_per_seat", c.cap_per_seat_fen),
            *_optional_amount("cap_per_rider", c.cap_per_rider_fen),
            *_optional_amount("cap_per_employer", c.cap_per_employer_fen),
            f"min_riders = {c.min_riders}",
        ]),
        *_section("government_trips",
                  [f"enabled = {_bool(g.enabled)}", f"share = {fraction_text(g.share)}"]),
    ]


def _self_return(policy: Policy) -> list[str]:
    s = policy.self_return
    lines = [
        f"enabled = {_bool(s.enabled)}",
        f"basis = {_str(s.basis.value)}",
        f"requires_insured = {_bool(s.requires_insured)}",
        f"payee = {_str(s.payee.value)}",
        f"after_taper_share = {fraction_text(s.after_taper_share)}",
    ]
    if s.tiers:
        inner = ", ".join(f"{region.value} = {_yuan(fen)}" for region, fen in s.tiers)
        lines.append(f"tiers = {{ {inner} }}")
    out = _section("self_return", lines)
    for band in s.distance_bands:
        out.extend(["", "[[self_return.distance_bands]]"])
        if band.up_to_km is not None:
            out.append(f"up_to_km = {band.up_to_km}")
        out.append(f"amount = {_yuan(band.amount_fen)}")
    for step in s.taper:
        out.extend(["", "[[self_return.taper]]", f"until = {step.until.isoformat()}",
                    f"share = {fraction_text(step.share)}"])
    return out


def _rewards(policy: Policy) -> list[str]:
    rc, a, rt = policy.recruitment, policy.agency, policy.retention
    return [
        *_section("recruitment", [
            f"enabled = {_bool(rc.enabled)}",
            f"mode = {_str(rc.mode.value)}",
            f"amount_per_head = {_yuan(rc.amount_per_head_fen)}",
            *([] if rc.month is None else [f"month = {_str(rc.month)}"]),
            f"compare_months_back = {rc.compare_months_back}",
            f"min_insured_months = {rc.min_insured_months}",
            f"requires_arrival = {_bool(rc.requires_arrival)}",
            *_optional_amount("cap_per_employer", rc.cap_per_employer_fen),
        ]),
        *_section("agency", [
            f"enabled = {_bool(a.enabled)}",
            f"amount_per_person = {_yuan(a.amount_per_person_fen)}",
            f"min_placed = {a.min_placed}",
            f"min_insured_months = {a.min_insured_months}",
        ]),
        *_section("retention", [
            f"enabled = {_bool(rt.enabled)}",
            f"amount_per_person = {_yuan(rt.amount_per_person_fen)}",
            f"after_months = {rt.after_months}",
            f"poverty_registered_only = {_bool(rt.poverty_registered_only)}",
            f"payee = {_str(rt.payee.value)}",
        ]),
    ]


def _sending_area(policy: Policy) -> list[str]:
    sa = policy.sending_area
    out = _section("sending_area",
                   [f"enabled = {_bool(sa.enabled)}", f"level = {_str(sa.level.value)}"])
    if not sa.bands:
        out.append("bands = []")
    for sband in sa.bands:
        out.extend(["", "[[sending_area.bands]]", f"min_sent = {sband.min_sent}",
                    f"amount = {_yuan(sband.amount_fen)}"])
    return out


def _planning_and_workflow(policy: Policy) -> list[str]:
    pl, w = policy.planning, policy.workflow
    return [
        *_section("planning", [
            f"seat_cost_multiple = {fraction_text(pl.seat_cost_multiple)}",
            f"unmet_penalty = {_yuan(pl.unmet_penalty_fen)}",
        ]),
        *_section("workflow", [
            f"notice_working_days = {w.notice_working_days}",
            f"rounding = {_str(w.rounding)}",
            *(f"{key} = [{', '.join(d.isoformat() for d in days)}]"
              for key, days in (("local_holidays", w.local_holidays),
                                ("local_workdays", w.local_workdays)) if days),
            # written only when set, so policies stored before the key existed keep their text
            *(["issuer_not_approver = true"] if w.issuer_not_approver else []),
        ]),
    ]
