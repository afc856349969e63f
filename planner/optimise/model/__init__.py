"""The aggregate models of one planning unit (MIPs solved with SCIP), as rule functions.

Each rule is a function that adds its variables, rows and costs to a ``UnitModel`` under
construction (``state``):

``coaches``      coach counts, rides, capacity under the load cap in force
``reach``        what a coach drives to reach its passengers (plan: pickup detours; bound:
                 reach classes)
``trains``       special trains with their collectors and feeders
``served``       everyone served or explained (unserved at a penalty)
``self_return``  the come-alone choice
``limits``       vehicles available per day (plan only)

``plan`` composes them into the plan model (``plan_model``, ``solve_plan`` → ``Decision``);
``bound`` into a relaxation whose optimum bounds any plan's cost (``bound_model``,
``solve_bound`` → ``ModelBound``; the proof is that module's docstring). ``context`` holds the
data both share, ``groups`` the unit's people grouped by options, ``hints`` the plan's starts.
"""

from __future__ import annotations

from planner.optimise.model.bound import ModelBound, bound_model, solve_bound, solve_bound_model
from planner.optimise.model.context import Context
from planner.optimise.model.groups import Group, TrainLine, build_groups
from planner.optimise.model.plan import Decision, plan_model, solve_plan
from planner.optimise.model.state import UnitModel
from planner.rules.timetable import to_min

__all__ = [
    "Context",
    "Decision",
    "Group",
    "ModelBound",
    "TrainLine",
    "UnitModel",
    "bound_model",
    "build_groups",
    "plan_model",
    "solve_bound",
    "solve_bound_model",
    "solve_plan",
    "to_min",
]
