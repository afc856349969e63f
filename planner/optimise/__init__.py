"""The optimiser: the only package that imports OR-Tools.

Public names: ``solve`` (instance → plan), ``Instance`` and ``Origin`` (what it is handed),
``PlanParams`` (what it may do), ``plan_by_hand`` (the baseline, "planning by hand") and the
router's ``solve_cvrp``. ``schedule``, ``costs``, ``params`` and ``instance`` import no solver,
so ``planner.validation`` can use them; the solver-backed names load on first use.
"""

from __future__ import annotations

from typing import Any

from planner.optimise.instance import Instance, Origin
from planner.rules.load_cap import cap_in_force
from planner.rules.params import PlanParams

__all__ = [
    "Instance",
    "Origin",
    "PlanParams",
    "cap_in_force",
    "plan_by_hand",
    "solve",
    "solve_cvrp",
]


def __getattr__(name: str) -> Any:
    if name == "solve":
        from planner.optimise.pipeline import solve

        return solve
    if name == "plan_by_hand":
        from planner.optimise.baseline import plan_by_hand

        return plan_by_hand
    if name == "solve_cvrp":
        from planner.optimise.routing import solve_cvrp

        return solve_cvrp
    raise AttributeError(f"module 'planner.optimise' has no attribute {name!r}")
