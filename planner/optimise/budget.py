"""The time budget of one plan: one clock, shared by the planning units and the bound.

The clock starts when planning starts (``plan_scenario``: distances and subsidies count), and
the plan is ready by the limit:

- the planning units get their solver time up to ``plan_end`` of the limit (``PLAN_PHASE``, or
  ``PLAN_PHASE_BESIDE`` when the bound runs in a worker process beside them), each its weight's
  share of what is left, *less a reserve for the work no solver limit bounds* — building each
  remaining unit's model, its starts, its trips and timetables, routing its feeders. The reserve
  is measured as the plan goes: the seconds each unit ran beyond the solver time it was given,
  per person, times the people still to plan (``Overhead``);
- the bound models finish by ``BOUND_DEADLINE`` of the limit; one not started by then counts
  its LP relaxation alone, as does one the worker has not answered by the end — see
  ``bounding``;
- the rest (assembling the plan, the summary) takes a few hundredths of a second.

Under a work limit nothing here reads the clock's result: solver budgets are deterministic and
the plan does not depend on the machine's load.

``Budget`` and ``Overhead`` are immutable and picklable: a unit planned in another process gets
its seconds as a number, and the deadline as a ``time.time()`` instant.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

PLAN_PHASE = 0.6  # share of the limit for planning the units; the bound has the rest
# With the bound models in a worker process beside the planning, the planning may run longer:
# the bound no longer waits for it.
PLAN_PHASE_BESIDE = 0.75
BOUND_DEADLINE = 0.9  # share of the limit by which every bound model has finished
MIN_SOLVE_S = 0.02  # least solver time of a unit when the time is up (it keeps its start)
# Share of the time left that one call of the feeder router gets. No solver limit counts it
# and a large unit makes several calls (seven on the 30,000-person scenario's first unit,
# which with a tenth each spent 40% of a 10 s limit routing feeders).
ROUTER_SHARE = 0.03


@dataclass(frozen=True, slots=True)
class Budget:
    """A plan's time limit, work limit and the instant (``time.time()``) its clock started.

    Parameters
    ----------
    limit_s
        Seconds for the whole plan.
    work_limit
        Deterministic budget (``None``: the clock rules).
    started
        ``time.time()`` when planning started.
    """

    limit_s: float
    work_limit: float | None = None
    started: float = 0.0

    @classmethod
    def start(cls, limit_s: float, work_limit: float | None = None) -> Budget:
        """A budget whose clock starts now."""
        return cls(limit_s, work_limit, time.time())

    @property
    def deterministic(self) -> bool:
        """Whether a work limit rules (the plan does not depend on the clock)."""
        return self.work_limit is not None

    def elapsed(self) -> float:
        """Seconds since the clock started."""
        return time.time() - self.started

    def deadline(self, share: float) -> float:
        """The ``time.time()`` instant at ``share`` of the limit."""
        return self.started + share * self.limit_s

    def left(self, share: float = 1.0) -> float:
        """Seconds left before ``share`` of the limit (negative once past it)."""
        return self.deadline(share) - time.time()

    def unit_seconds(
        self, share: float, weight: float, weight_rest: float, reserve_s: float = 0.0
    ) -> float:
        """A unit's solver seconds: its ``weight`` over the weights still to come (its own
        included) of the time left before ``share`` of the limit, less ``reserve_s`` kept for
        the work of the units still to come that no solver limit bounds. Time earlier units
        did not use, or overran, is shared by those still to come."""
        left = self.left(share) - reserve_s
        return max(MIN_SOLVE_S, left * weight / max(weight, weight_rest))

    def router_seconds(self) -> float:
        """Seconds for one call of the feeder router: ``ROUTER_SHARE`` of what is left,
        0.05–1 s; 0 once the limit is reached (the builder then routes by its sweep)."""
        left = self.left()
        if left <= 0:
            return 0.0
        return max(0.05, min(1.0, ROUTER_SHARE * left))


@dataclass(frozen=True, slots=True)
class Overhead:
    """Seconds the planned units ran beyond the solver time they were given, and their people:
    an estimate, per person, of the work no solver limit bounds."""

    seconds: float = 0.0
    people: int = 0

    def after(self, people: int, wall_s: float, given_s: float) -> Overhead:
        """This estimate once a unit of ``people`` ran ``wall_s`` seconds for ``given_s``."""
        return Overhead(self.seconds + max(0.0, wall_s - given_s), self.people + people)

    def reserve(self, people_left: int) -> float:
        """Seconds to keep for planning ``people_left`` more people."""
        if self.people == 0:
            return 0.0
        return self.seconds / self.people * people_left
