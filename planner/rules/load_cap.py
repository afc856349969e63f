"""The load cap in force on a trip.

Rules implemented (DOMAIN.md "Load caps"): a coach may carry at most its seats × the share in
force; the share depends on the day the trip leaves and on its origins (a cap row names a
period and the origin codes — province, prefecture or county prefixes — it applies to). When
several rows apply (several origins, overlapping rows) the strictest wins; when none applies
the fleet row's own ``max_load`` holds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Protocol

__all__ = ["CapRow", "cap_in_force", "share_in_force"]


class CapRow(Protocol):
    """A load-cap row: its share and whether it applies to a day and an origin code."""

    @property
    def max_load(self) -> float: ...

    def applies(self, day: dt.date, adcode: str) -> bool: ...


def share_in_force(
    fleet_max_load: float, caps: Sequence[CapRow], day: dt.date, adcodes: Sequence[str]
) -> float:
    """The share of seats that may be filled: the strictest applicable row, else the fleet's."""
    best: float | None = None
    for c in caps:
        for a in adcodes or ("",):
            if c.applies(day, a):
                ml = float(c.max_load)
                best = ml if best is None else min(best, ml)
    return fleet_max_load if best is None else best


def cap_in_force(
    seats: int, fleet_max_load: float, caps: Sequence[CapRow], day: dt.date, adcodes: Sequence[str]
) -> int:
    """floor(seats × load cap in force) for a trip leaving on ``day`` from ``adcodes``."""
    return int(seats * share_in_force(fleet_max_load, caps, day, adcodes) + 1e-9)
