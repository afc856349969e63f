"""Everyone served or explained: each of a group's people rides something, comes alone (where
the model offers it, ``self_return``) or stays unserved at ``unmet_penalty`` each, so nobody
is silently dropped and the unserved are reported with a reason."""

from __future__ import annotations

from collections.abc import Callable

from planner.optimise.model.groups import Group
from planner.optimise.model.state import UnitModel

# How a model offers a group to come alone: the variable of its people who do, or None.
ComeAlone = Callable[[UnitModel, int, Group], "int | None"]


def everyone_served_or_explained(um: UnitModel, come_alone: ComeAlone) -> None:
    """For each group: its riders, those coming alone (``come_alone``) and its unserved
    people add up to its size."""
    m = um.m
    penalty = um.ctx.inst.unmet_penalty_fen
    for gi, g in enumerate(um.groups):
        terms = [(x, 1) for x in um.rides_of[gi]]
        sv = come_alone(um, gi, g)
        if sv is not None:
            terms.append((sv, 1))
        uv = m.var(0, g.size, f"unmet_{gi}", integer=False)
        um.u[gi] = uv
        terms.append((uv, 1))
        m.cost(uv, penalty)
        m.add_eq(terms, g.size)
