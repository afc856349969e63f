"""A planning unit's model under construction (``UnitModel``): the linear model, the unit's
groups, pools, lines and days, and the variables each rule has added so far, by what they
stand for. The rule functions (``coaches``, ``reach``, ``trains``, ``served``,
``self_return``, ``limits``) each take one and add their variables, rows and costs; ``plan``
and ``bound`` compose them.

Variable maps (indices into ``m``):

``n``      coaches per (anchor, day, kind) (plan; the bound's coaches are only in ``cap_terms``)
``f``      people of a group riding coaches of (anchor, day): (group, anchor, day)
``k``      special trains per (line, day); ``h`` a group's riders: (group, line, day)
``z``      feeders per (line, day); ``q`` collectors per (county, line, day) (plan)
``s``      a group's people coming alone; ``u`` its people left unserved
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from planner.optimise.linmodel import LinModel, Terms
from planner.optimise.model.context import Context
from planner.optimise.model.groups import Group, TrainLine


@dataclass
class UnitModel:
    """One planning unit's model as the rules build it (see the module's docstring)."""

    ctx: Context
    groups: list[Group]
    pools: dict[str, list[str]]
    lines: list[TrainLine]
    levels: tuple[float, ...]  # bound: the reach classes in km (plan: ``(0.0,)``)
    used: Mapping[tuple[str, dt.date], int] = field(default_factory=dict)  # vehicles on the road
    m: LinModel = field(default_factory=LinModel)
    # People who may take each option.
    coach_demand: dict[tuple[str, dt.date], int] = field(default_factory=dict)
    train_demand: dict[tuple[int, dt.date], int] = field(default_factory=dict)
    train_members: dict[tuple[int, dt.date], list[int]] = field(default_factory=dict)
    # Coaches: their counts, seats, and the seat terms of each (anchor, day)'s capacity row.
    n: dict[tuple[str, dt.date, str], int] = field(default_factory=dict)
    n_cap: dict[tuple[str, dt.date, str], int] = field(default_factory=dict)
    cap_terms: dict[tuple[str, dt.date], Terms] = field(default_factory=lambda: defaultdict(list))
    # Bound: the seat terms of coaches of reach class j or more, per (anchor, day, j).
    reach_terms: dict[tuple[str, dt.date, int], Terms] = field(
        default_factory=lambda: defaultdict(list)
    )
    # Rides.
    f: dict[tuple[int, str, dt.date], int] = field(default_factory=dict)
    rides_of: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    flows_at: dict[tuple[str, dt.date], list[int]] = field(
        default_factory=lambda: defaultdict(list)
    )
    flows_cd: dict[tuple[str, str, dt.date], list[int]] = field(
        default_factory=lambda: defaultdict(list)
    )
    # Trains, their riders, feeders and collectors.
    k: dict[tuple[int, dt.date], int] = field(default_factory=dict)
    k_cap: dict[tuple[int, dt.date], int] = field(default_factory=dict)
    h: dict[tuple[int, int, dt.date], int] = field(default_factory=dict)
    z: dict[tuple[int, dt.date], int] = field(default_factory=dict)
    z_cap: dict[tuple[int, dt.date], int] = field(default_factory=dict)
    q: dict[tuple[str, int, dt.date], int] = field(default_factory=dict)
    q_cap: dict[tuple[str, int, dt.date], int] = field(default_factory=dict)
    # Everyone: coming alone, unserved.
    s: dict[int, int] = field(default_factory=dict)
    u: dict[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        coach_demand: dict[tuple[str, dt.date], int] = defaultdict(int)
        train_demand: dict[tuple[int, dt.date], int] = defaultdict(int)
        train_members: dict[tuple[int, dt.date], list[int]] = defaultdict(list)
        for gi, g in enumerate(self.groups):
            for o in g.coach:
                coach_demand[o] += g.size
            for t in g.train:
                train_demand[t] += g.size
                train_members[t].append(gi)
        self.coach_demand = coach_demand
        self.train_demand = train_demand
        self.train_members = train_members
