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

import datetime as dt
import time
from collections.abc import Mapping, Sequence

from planner.optimise.model.bound import ModelBound, bound_model, solve_bound, solve_bound_model
from planner.optimise.model.context import Context
from planner.optimise.model.groups import Group, TrainLine, build_groups
from planner.optimise.model.plan import Decision, plan_model, solve_plan
from planner.optimise.model.state import UnitModel
from planner.optimise.prepare import Person
from planner.rules.timetable import to_min


def solve_province(
    ctx: Context,
    people: Sequence[Person],
    province: str,
    *,
    bound: bool,
    time_limit_s: float,
    work_limit: float | None,
    used: Mapping[tuple[str, dt.date], int] | None = None,
    backend: str = "scip",
    whole_trains: bool = False,
    lp_only: bool = False,
) -> Decision:
    """``solve_plan``, or with ``bound`` ``solve_bound`` as a ``Decision`` with no plan.

    Compatibility: removed when pipeline moves to units (call ``solve_plan`` or
    ``solve_bound``)."""
    if not bound:
        return solve_plan(
            ctx,
            people,
            province,
            time_limit_s=time_limit_s,
            work_limit=work_limit,
            used=used,
            backend=backend,
        )
    begun = time.perf_counter()
    um = bound_model(ctx, people, province, whole_trains=whole_trains)
    res = solve_bound_model(
        um,
        begun=begun,
        time_limit_s=time_limit_s,
        work_limit=work_limit,
        backend=backend,
        whole_trains=whole_trains,
        lp_only=lp_only,
    )
    return Decision(
        coaches={},
        coach_flow={},
        trains={},
        train_flow={},
        self_return={},
        unmet={},
        groups=um.groups,
        lines=um.lines,
        objective=res.objective,
        bound=res.value,
        status=res.status,
        wall_s=res.wall_s,
        det_time=res.det_time,
    )


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
    "solve_province",
    "to_min",
]
