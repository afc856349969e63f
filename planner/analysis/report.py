"""What binds a plan, as messages (codes in ``planner/messages/catalogue/binding.*.toml``),
from summary.json's ``binding`` (``Binding.as_dict``): the CLI prints them as its closing
lines, in the plan's language.

Rules implemented here: the cells listed are the most pressed binding ones first (most people
left out by the fleet who could have gone that day), then by day, at most ``limit``; causes in
their fixed order; each what-if says how it was obtained (re-solve, people, work limit).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from planner.messages import Message, msg


def _day(text: str) -> dict[str, Any]:
    d = dt.date.fromisoformat(text)
    return {"day": text, "m": d.month, "d": d.day}


def cell_message(cell: dict[str, Any]) -> Message:
    """One binding (type, day) cell: ``2月18日 45座大客车 用满 30/30``."""
    return msg(
        "binding.cell",
        vehicle=cell["vehicle"],
        used=cell["used"],
        available=cell["available"],
        **_day(cell["day"]),
    )


def ordered_cells(binding: dict[str, Any]) -> list[dict[str, Any]]:
    """The binding cells, most pressed first, then by day and type."""
    press = {(p["vehicle"], p["day"]): p["people"] for p in binding.get("pressure", [])}
    cells = list(binding.get("binding_cells", []))
    return sorted(cells, key=lambda c: (-press.get((c["vehicle"], c["day"]), 0), c["day"],
                                        c["vehicle"]))


def what_if_message(w: dict[str, Any]) -> Message:
    """One what-if's answer and how it was obtained (seating more people may cost more public
    money: a seat may cost up to the seat-cost multiple of the subsidy it replaces)."""
    saved = round(float(w["money_saved"]) * 100)
    money = msg("binding.saves", fen=saved) if saved >= 0 else msg("binding.costs", fen=-saved)
    common = {
        "seated": w["seated_more"],
        "money": money,
        "people": w["people_resolved"],
        "wl": w["work_limit"],
    }
    if w["question"] == "more_coaches":
        return msg(
            "binding.what_if_coaches",
            vehicle=w["vehicle"],
            k=w["k"],
            span=w["span_days"],
            **_day(w["day"]),
            **common,
        )
    return msg("binding.what_if_service", days=w["days"], **common)


def binding_lines(binding: dict[str, Any] | None, limit: int = 3) -> list[Message]:
    """The closing lines: the binding cells, the causes, the what-ifs."""
    if not binding:
        return []
    cells = ordered_cells(binding)
    shown = tuple(cell_message(c) for c in cells[:limit])
    lines = []
    if not cells:
        lines.append(msg("binding.fleet_none"))
    elif len(cells) > limit:
        lines.append(msg("binding.fleet_more", cells=shown, n=len(cells) - limit))
    else:
        lines.append(msg("binding.fleet", cells=shown))
    parts = tuple(
        msg("binding.cause", name=msg(f"binding.cause_{c['cause']}"), alone=c["alone"],
            unserved=c["unserved"])
        for c in binding.get("causes", [])
    )
    if parts:
        lines.append(msg("binding.causes", parts=parts))
    lines.extend(what_if_message(w) for w in binding.get("what_if", []))
    if binding.get("what_if_skipped"):
        lines.append(msg("binding.what_if_skipped", n=int(binding["what_if_skipped"])))
    return lines
