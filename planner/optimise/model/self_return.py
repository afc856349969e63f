"""The come-alone choice: who may be advised to come on their own, and at what price.

People registered ``either`` may come alone for their self-return subsidy. In the plan a
seat-seeker may be sent home alone too, at ``seat_cost_multiple`` × their subsidy (the policy's
rule of thumb: a seat worth that much more than the subsidy is not worth a coach). The bound
offers it to ``either`` people only: the seat-seekers the plan strands are taken out of the
bound's people beforehand and their subsidies added as a constant.
"""

from __future__ import annotations

from planner.domain import Travel
from planner.optimise.model.groups import Group
from planner.optimise.model.state import UnitModel


def plan_come_alone(um: UnitModel, gi: int, g: Group) -> int:
    """Anyone may come alone: ``either`` people at their subsidy, seat-seekers at
    ``seat_cost_multiple`` × it."""
    mult = um.ctx.inst.seat_cost_multiple
    w = g.subsidy_fen if g.travel is Travel.EITHER else round(mult * g.subsidy_fen)
    return _alone(um, gi, g, w)


def bound_come_alone(um: UnitModel, gi: int, g: Group) -> int | None:
    """Only ``either`` people may come alone, at their subsidy."""
    if g.travel is not Travel.EITHER:
        return None
    return _alone(um, gi, g, g.subsidy_fen)


def _alone(um: UnitModel, gi: int, g: Group, price_fen: int) -> int:
    sv = um.m.var(0, g.size, f"alone_{gi}", integer=False)
    um.s[gi] = sv
    um.m.cost(sv, price_fen)
    return sv
