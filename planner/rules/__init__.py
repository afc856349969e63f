"""The rules a plan obeys, shared by the optimiser that makes plans and ``planner.validation``
that checks them: trip costs (``costs``), drivers needed (``drivers``), the driving timetable
and the night halt (``timetable``), the load cap in force (``load_cap``), and the parameters,
one typed object per concern (``params``). Nothing here imports a solver or ``planner.optimise``.
"""

from planner.rules.params import (
    Operations,
    Physics,
    PlanParams,
    Regulation,
    SearchBudget,
    ServiceLevel,
)

__all__ = ["Operations", "Physics", "PlanParams", "Regulation", "SearchBudget", "ServiceLevel"]
