"""How many drivers a coach needs.

Rules implemented (DOMAIN.md "Coach drivers"): a single trip whose loaded run (first stop to
last stop) is longer than 400 km needs two drivers; 600 km when it runs on a direct
expressway. Both thresholds are ``Regulation`` parameters; which trips run on expressway
throughout is the caller's knowledge (``Regulation.expressway_direct`` declares it for every
trip of a scenario).
"""

from __future__ import annotations

from planner.rules.params import Regulation

__all__ = ["drivers_needed", "two_driver_threshold_km"]

_EPS = 1e-9


def two_driver_threshold_km(reg: Regulation, *, expressway: bool | None = None) -> float:
    """The loaded km above which two drivers are needed (``expressway`` ``None``: the
    regulation's own ``expressway_direct``)."""
    on_expressway = reg.expressway_direct if expressway is None else expressway
    return reg.expressway_two_driver_km if on_expressway else reg.two_driver_km


def drivers_needed(loaded_km: float, reg: Regulation, *, expressway: bool | None = None) -> int:
    """1, or 2 when the loaded run is longer than the threshold in force."""
    return 2 if loaded_km > two_driver_threshold_km(reg, expressway=expressway) + _EPS else 1
