"""Planning parameters live in ``planner.rules.params``; this name is kept for callers."""

from planner.rules.params import PlanParams

__all__ = ["PlanParams"]
