"""The lower bound's models, solved beside the planning in a second process, or after it.

Each planning unit's bound model (``planner.optimise.model.bound``) depends only on the unit's
people and on whom the plan strands there, so it can be solved as soon as that unit is planned.
On a Linux machine with two or more cores and a scenario of ``parallel_bound_min_people`` or more,
the bound models run one after another in one worker process while the main process plans the
next units: the bound gets the whole time limit (up to ``BOUND_DEADLINE`` of it) instead of
what the planning leaves, and once the planning is done this process solves half of the models
the worker has not started. Otherwise they run in this process after the planning.

Either way each model gets the share of the time left before the deadline given by the weights
(so a model that finishes early leaves its time to the next), and under a work limit nothing
depends on the clock: the bound is the same in both modes.

The time limit holds (``planner.optimise.budget``): a model not started by the deadline counts
its LP relaxation alone (a valid bound, a little weaker, found in hundredths of a second); for
each model the worker has not answered when the planning ends, this process solves that LP
while it waits, and a model not back by the end of the limit counts it (the worker then starts
no other model). Only a model whose LP could not be solved either counts 0 (no cost is
negative).
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import sys
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from dataclasses import dataclass

from planner.optimise.budget import BOUND_DEADLINE, MIN_SOLVE_S, Budget
from planner.optimise.instance import Instance
from planner.optimise.model import Context, solve_bound
from planner.optimise.params import PlanParams
from planner.optimise.prepare import Person

TIME_UP = "time up"  # the status of a model not solved in time (its LP bound, or 0, counts)
# Seconds this process waits for the worker past the bound deadline (a model's SCIP overruns
# its limit by a little: building the model, stopping the search).
WORKER_GRACE_S = 0.3

_WORKER_CTX: Context | None = None


@dataclass(frozen=True)
class BoundTask:
    """One unit's bound model: its people (without those the plan strands) and budgets."""

    unit: str
    people: tuple[Person, ...]
    share: float  # this model's part of the time left when it starts
    work_limit: float | None
    weight: float = 1.0  # for re-sharing the time when the models still waiting are split


@dataclass(frozen=True)
class BoundResult:
    bound: float  # fen, a proven lower bound of the unit's bound model
    status: str


def _init_worker(inst: Instance, params: PlanParams) -> None:
    global _WORKER_CTX
    _WORKER_CTX = Context(inst, params)


def _solve(ctx: Context, task: BoundTask, deadline: float | None) -> BoundResult:
    """``task``'s bound; ``deadline`` (``time.time()``) is ``None`` under a work limit. Past
    the deadline only the model's LP relaxation is solved (a valid bound, in a few
    hundredths of a second on the demo's units)."""
    if deadline is None:
        left = 0.0
    else:
        left = deadline - time.time()
        if left <= 0:
            return _relaxed(ctx, task)
    tl = max(0.05, left * task.share)
    res = solve_bound(
        ctx,
        task.people,
        time_limit_s=tl,
        work_limit=task.work_limit,
        backend="scip",
        whole_trains=True,
    )
    return BoundResult(res.value, res.status)


def _relaxed(ctx: Context, task: BoundTask) -> BoundResult:
    """``task``'s bound from its LP relaxation alone, for a model whose time is up."""
    res = solve_bound(
        ctx,
        task.people,
        time_limit_s=MIN_SOLVE_S,
        work_limit=None,
        backend="scip",
        whole_trains=True,
        lp_only=True,
    )
    return BoundResult(max(0.0, res.value), f"{TIME_UP}: {res.status}")


def _solve_in_worker(task: BoundTask, deadline: float | None) -> BoundResult:
    assert _WORKER_CTX is not None, "bound worker not initialised"
    return _solve(_WORKER_CTX, task, deadline)


def use_worker(params: PlanParams, people: int) -> bool:
    """Whether the bound models run in a worker process beside the planning: on Linux (the
    worker is forked, which is unsafe or missing elsewhere), with two or more cores, for
    ``parallel_bound_min_people`` people or more."""
    limit = params.parallel_bound_min_people
    if limit is None or people < limit or not sys.platform.startswith("linux"):
        return False
    return len(os.sched_getaffinity(0)) >= 2


class BoundRunner:
    """Solves the units' bound models, in a worker process or here.

    Parameters
    ----------
    ctx
        The planner's shared data (the worker builds its own from ``ctx.inst``).
    budget
        The plan's budget: every model should have finished by ``BOUND_DEADLINE`` of it, and
        none is waited for past its end (unless a work limit rules).
    worker
        Run the models in a worker process as they are submitted.
    """

    def __init__(self, ctx: Context, budget: Budget, worker: bool) -> None:
        self.ctx = ctx
        self.deadline = None if budget.deterministic else budget.deadline(BOUND_DEADLINE)
        self.wait_until = None if budget.deterministic else budget.deadline(1.0) - WORKER_GRACE_S
        self.pool: ProcessPoolExecutor | None = None
        self.pending: list[tuple[BoundTask, Future[BoundResult] | None]] = []
        if worker:
            # Fork: the worker inherits the instance (nothing to pickle) and, unlike spawn,
            # does not re-run the caller's main script.
            try:
                self.pool = ProcessPoolExecutor(
                    max_workers=1,
                    mp_context=multiprocessing.get_context("fork"),
                    initializer=_init_worker,
                    initargs=(ctx.inst, ctx.params),
                )
            except OSError:  # no processes allowed here: solve in this process
                self.pool = None

    @property
    def parallel(self) -> bool:
        return self.pool is not None

    def submit(self, task: BoundTask) -> None:
        fut = None
        if self.pool is not None:
            try:
                fut = self.pool.submit(_solve_in_worker, task, self.deadline)
            except RuntimeError:  # the pool broke: solve the rest here
                self.pool = None
        self.pending.append((task, fut))

    def results(self) -> Iterator[tuple[BoundTask, BoundResult]]:
        """Each submitted task with its result (a model the worker could not solve is solved
        here).

        Called once the planning is done, so this process's core is free: the models the worker
        has not started yet are split in two halves of about equal weight, one solved here
        while the worker solves the other, each half sharing its time anew. Models solved here
        come first, then the worker's, each in the order submitted."""
        try:
            here: list[BoundTask] = []
            if self.pool is not None:
                # Futures the worker has not started can still be cancelled.
                waiting = [task for task, fut in self.pending if fut is not None and fut.cancel()]
                mine, theirs = _halves(waiting)
                here = _reshared(mine)
                self.pending = [(t, f) for t, f in self.pending if f is None or not f.cancelled()]
                for task in _reshared(theirs):
                    self.submit(task)
            for task in here:
                yield task, _solve(self.ctx, task, self.deadline)
            fallback = self._fallbacks()
            for i, (task, fut) in enumerate(self.pending):
                if fut is not None:
                    timeout = None
                    if self.wait_until is not None:
                        timeout = max(0.0, self.wait_until - time.time())
                    try:
                        yield task, fut.result(timeout=timeout)
                        continue
                    except TimeoutError:  # past the limit: the LP bound computed here counts
                        self._stop_worker()
                        yield task, fallback.get(i, BoundResult(0.0, TIME_UP))
                        continue
                    except CancelledError:  # the worker was stopped before it began this one
                        if i in fallback:
                            yield task, fallback[i]
                            continue
                    except Exception:  # the worker died or failed: solve it here instead
                        pass
                yield task, _solve(self.ctx, task, self.deadline)
        finally:
            self.close()

    def _fallbacks(self) -> dict[int, BoundResult]:
        """Under a time limit, the LP bound of each model the worker has not answered yet,
        solved here while it works: what such a model counts if the worker is not back by
        the end of the limit (instead of 0).

        The worker takes its models in order, so these are solved from the last one back;
        past the bound deadline each is first taken from the worker when it has not started
        it (it would only solve the same LP): the two processes meet in the middle instead of
        both solving every LP. Once a model is answered, so are those before it."""
        if self.deadline is None or self.pool is None:
            return {}
        out: dict[int, BoundResult] = {}
        for i in range(len(self.pending) - 1, -1, -1):
            task, fut = self.pending[i]
            if fut is None:
                continue
            if fut.done():
                break
            if time.time() >= self.deadline:
                fut.cancel()  # fails when the worker has it already: this LP is the fallback
            out[i] = _relaxed(self.ctx, task)
        return out

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    def _stop_worker(self) -> None:
        """Stop waiting for the worker: it is past the time limit (its models count 0). It ends
        the model it is solving (within that model's own time limit) and starts no other."""
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = None

    def __del__(self) -> None:  # planning failed before the results were read
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)


def _halves(tasks: Sequence[BoundTask]) -> tuple[list[BoundTask], list[BoundTask]]:
    """Two lists of about equal weight (heaviest first to the lighter list), each in the
    order given."""
    load = [0.0, 0.0]
    side: dict[int, int] = {}
    for i in sorted(range(len(tasks)), key=lambda i: (-tasks[i].weight, i)):
        k = 0 if load[0] <= load[1] else 1
        side[i] = k
        load[k] += tasks[i].weight
    first = [t for i, t in enumerate(tasks) if side[i] == 0]
    second = [t for i, t in enumerate(tasks) if side[i] == 1]
    return first, second


def _reshared(tasks: Sequence[BoundTask]) -> list[BoundTask]:
    """``tasks`` with their time shares computed for solving them one after another."""
    return [
        dataclasses.replace(t, share=sh)
        for t, sh in zip(tasks, shares([t.weight for t in tasks]), strict=True)
    ]


def shares(weights: Sequence[float]) -> list[float]:
    """Each model's part of the time left when it starts: its weight over the weights of the
    models still to solve (itself included)."""
    out = []
    for i, w in enumerate(weights):
        rest = sum(weights[i:])
        out.append(w / rest if rest > 0 else 1.0)
    return out
