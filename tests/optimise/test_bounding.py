"""The lower bound's models solved beside the planning, in a worker process."""

from __future__ import annotations

import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from planner.optimise import PlanParams, bounding, solve

# A work limit makes every bound model node-limited, so both modes must agree to the fen.
P = PlanParams(time_limit_s=5.0, work_limit=2.0)


def _scenario(kit: Any) -> Any:
    people = (
        kit.workers("520502", 70)
        + kit.workers("520524", 20)
        + kit.workers("340102", 30)
        + kit.workers("420102", 12)
    )
    return kit.build(people, [kit.employer("E001"), kit.employer("E002", lat=30.1, lon=121.2)])


def test_worker_process_gives_the_same_bound_as_planning_alone(
    kit: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Solved in a second process while the units are planned, the bound is the one the
    planner gets solving the models itself afterwards: same bound, same per-unit figures."""
    pools: list[Any] = []

    class Spy(ProcessPoolExecutor):
        def submit(self, *args: Any, **kwargs: Any) -> Any:
            fut = super().submit(*args, **kwargs)
            pools.append(fut)
            return fut

    monkeypatch.setattr(bounding, "ProcessPoolExecutor", Spy)
    _sc, inst = _scenario(kit)
    beside = solve(inst, P.replace(parallel_bound_min_people=0)).summary
    # Models the worker had not started when the planning ended may have gone to this process.
    assert pools and all(f.done() and (f.cancelled() or f.exception() is None) for f in pools)
    alone = solve(inst, P.replace(parallel_bound_min_people=None)).summary
    assert beside.lower_bound_fen == alone.lower_bound_fen > 0
    assert beside.total_cost_fen == alone.total_cost_fen
    units = {k: v["lower_bound_yuan"] for k, v in beside.extra["units"].items()}
    assert units == {k: v["lower_bound_yuan"] for k, v in alone.extra["units"].items()}


def test_a_failing_worker_leaves_the_bound_to_this_process(
    kit: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the worker process fails, each model is solved here instead: the plan still gets
    its bound."""

    def broken(task: bounding.BoundTask, deadline: float) -> bounding.BoundResult:
        raise RuntimeError("worker lost")

    _sc, inst = _scenario(kit)
    alone = solve(inst, P.replace(parallel_bound_min_people=None)).summary
    monkeypatch.setattr(bounding, "_solve_in_worker", broken)
    beside = solve(inst, P.replace(parallel_bound_min_people=0)).summary
    assert beside.lower_bound_fen == alone.lower_bound_fen > 0


def test_small_scenarios_are_bounded_in_this_process() -> None:
    """Below ``parallel_bound_min_people`` (default 2,000) no process is started; ``None``
    never starts one."""
    assert not bounding.use_worker(PlanParams(), 1999)
    assert not bounding.use_worker(PlanParams(parallel_bound_min_people=None), 10**6)


def test_time_shares_split_what_is_left_by_weight() -> None:
    assert bounding.shares([2.0, 1.0, 1.0]) == [0.5, 0.5, 1.0]


def test_bound_worker_starts_from_a_thread_as_in_the_app(kit: Any) -> None:
    """The web app plans in a script thread while its server threads run: the worker process
    still starts there and the bound comes back the same."""
    import threading

    _sc, inst = _scenario(kit)
    alone = solve(inst, P.replace(parallel_bound_min_people=None)).summary
    out: dict[str, Any] = {}
    stop = threading.Event()
    busy = threading.Thread(target=lambda: stop.wait(30), daemon=True)  # a server thread
    busy.start()

    def plan() -> None:
        out["summary"] = solve(inst, P.replace(parallel_bound_min_people=0)).summary

    t = threading.Thread(target=plan)
    t.start()
    t.join(120)
    stop.set()
    assert not t.is_alive()
    assert out["summary"].lower_bound_fen == alone.lower_bound_fen > 0


def _held_solve_in_worker(task: bounding.BoundTask, deadline: float) -> bounding.BoundResult:
    """The worker's job, held until the planning has ended (the test's main process creates
    the file named in JOBBUS_TEST_RELEASE then); a module function, so the worker can be sent
    it."""
    release = Path(os.environ["JOBBUS_TEST_RELEASE"])
    for _ in range(600):
        if release.exists():
            break
        time.sleep(0.1)
    assert bounding._WORKER_CTX is not None
    return bounding._solve(bounding._WORKER_CTX, task, deadline)


def test_models_still_waiting_for_the_worker_are_shared_with_this_process(
    kit: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Once the planning is done this process helps: the models the worker has not started
    are split between the two, and the bound is the same as solving them all here. (The
    worker is held on its first model until the planning has ended.)"""
    people = (
        kit.workers("520502", 40)
        + kit.workers("340102", 30)
        + kit.workers("420102", 12)
        + kit.workers("330102", 20)
        + kit.workers("520111", 25)
    )
    _sc, inst = kit.build(people, [kit.employer("E001")])
    alone = solve(inst, P.replace(parallel_bound_min_people=None)).summary
    release = tmp_path / "planning-done"
    monkeypatch.setenv("JOBBUS_TEST_RELEASE", str(release))
    solved_here: list[str] = []
    solve_here = bounding._solve

    def spy(ctx: Any, task: bounding.BoundTask, deadline: float) -> bounding.BoundResult:
        solved_here.append(task.unit)  # the forked worker appends to its own copy
        return solve_here(ctx, task, deadline)

    results = bounding.BoundRunner.results

    def results_after_planning(self: bounding.BoundRunner) -> Any:
        it = results(self)
        first = next(it)  # splits the waiting models, then solves this process's share
        release.touch()
        yield first
        yield from it

    monkeypatch.setattr(bounding, "_solve_in_worker", _held_solve_in_worker)
    monkeypatch.setattr(bounding, "_solve", spy)
    monkeypatch.setattr(bounding.BoundRunner, "results", results_after_planning)
    beside = solve(inst, P.replace(parallel_bound_min_people=0)).summary
    # Five units: at most three are with the worker (one held, two handed over), so at
    # least one is solved here, and not all.
    assert len(beside.extra["units"]) == 5
    assert 1 <= len(solved_here) < 5
    assert beside.lower_bound_fen == alone.lower_bound_fen > 0


def test_waiting_models_split_in_halves_of_about_equal_weight() -> None:
    """Heaviest first to the lighter half; each half keeps the submitted order and shares its
    time anew."""
    tasks = [
        bounding.BoundTask(f"u{i}", (), 0.1, None, w)
        for i, w in enumerate([5.0, 1.0, 1.0, 1.0, 2.0])
    ]
    first, second = bounding._halves(tasks)
    assert [t.unit for t in first] == ["u0"]
    assert [t.unit for t in second] == ["u1", "u2", "u3", "u4"]
    assert [round(t.share, 3) for t in bounding._reshared(second)] == [0.2, 0.25, 0.333, 1.0]


def test_models_past_the_bound_deadline_count_their_lp_relaxation(
    kit: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under a time limit, a bound model that starts after the bound deadline counts its LP
    relaxation (a valid bound, no more than the full model's), not 0."""
    _sc, inst = _scenario(kit)
    full = solve(inst, P.replace(parallel_bound_min_people=None)).summary
    monkeypatch.setattr(bounding, "BOUND_DEADLINE", 0.0)
    late = solve(
        inst, P.replace(work_limit=None, time_limit_s=5.0, parallel_bound_min_people=None)
    ).summary
    statuses = {v.get("bound_status", "") for v in late.extra["units"].values()}
    assert statuses and all(s.startswith(f"{bounding.TIME_UP}: lp") for s in statuses)
    assert 0 < late.lower_bound_fen <= full.lower_bound_fen


def test_a_worker_not_back_by_the_limit_leaves_the_lp_bound(
    kit: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A bound model the worker has not answered by the end of the time limit counts the LP
    relaxation this process solved while waiting, so the plan keeps a positive bound."""
    _sc, inst = _scenario(kit)
    release = tmp_path / "never-before-the-limit"
    monkeypatch.setenv("JOBBUS_TEST_RELEASE", str(release))
    monkeypatch.setattr(bounding, "_solve_in_worker", _held_solve_in_worker)
    params = P.replace(work_limit=None, time_limit_s=2.0, parallel_bound_min_people=0)
    try:
        summary = solve(inst, params).summary
    finally:
        release.touch()  # let the held worker end
    statuses = [v.get("bound_status", "") for v in summary.extra["units"].values()]
    assert any(s.startswith(f"{bounding.TIME_UP}: lp") for s in statuses)
    assert summary.lower_bound_fen > 0
