"""Campaigns on a real local Ray (never mocked): the same files as in-process, and a worker
killed during a task does not stop the campaign. Skipped only when ray is not installed."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

ray = pytest.importorskip("ray", reason="the scale extra (ray) is not installed")

from planner.campaign import plan_campaign, read_campaign  # noqa: E402
from planner.rules.params import PlanParams  # noqa: E402
from planner.scale import InProcess, RayExecutor  # noqa: E402

pytestmark = pytest.mark.ray
PARAMS = PlanParams(work_limit=1.0, seed=0)
COMPARED = ("trips.csv", "campaign_summary.json", "D01/trips.csv", "D01/assignments.csv",
            "D01/legs.csv", "D01/summary.json", "D02/trips.csv", "D02/assignments.csv",
            "D02/legs.csv", "D02/summary.json")


@pytest.fixture(scope="module")
def local_ray():
    """One local Ray of 2 CPUs for the module."""
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def campaign(tmp_path_factory, small_campaign):
    """Two destinations of 300 people whose pool of 2 coaches forces a second round."""
    return read_campaign(small_campaign(tmp_path_factory.mktemp("ray") / "c", 2, 300, 2))


@pytest.fixture(scope="module")
def in_process(campaign, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("inproc") / "out"
    plan_campaign(campaign, out, PARAMS, InProcess(), report=lambda _line: None)
    return out


def _same_files(a: Path, b: Path) -> None:
    for name in COMPARED:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_ray_plans_the_same_files_as_in_process(local_ray, campaign, in_process, tmp_path):
    """Under a work limit the campaign planned on Ray is byte-identical to in-process,
    the pool's second round included."""
    summary = plan_campaign(campaign, tmp_path / "out", PARAMS, RayExecutor(),
                            report=lambda _line: None)
    assert summary["pools"][0]["by_vehicle"]["45座大客车"]["planned_again"]
    _same_files(in_process, tmp_path / "out")


class _KillFirstAttempt:
    """Runs an executor's tasks, but the first task to start kills its own worker process."""

    def __init__(self, inner: RayExecutor, marker: Path) -> None:
        self.inner, self.marker, self.name = inner, marker, "ray"

    def map_ordered(self, fn, items, *, shared, on_done=None):
        marker = str(self.marker)

        def killing(item, shared_):  # a closure: Ray pickles it by value
            if not os.path.exists(marker):
                with open(marker, "w") as fh:
                    fh.write(str(os.getpid()))
                os.kill(os.getpid(), signal.SIGKILL)
            return fn(item, shared_)

        return self.inner.map_ordered(killing, items, shared=shared, on_done=on_done)


def test_a_killed_worker_is_retried_and_the_campaign_completes(
    local_ray, campaign, in_process, tmp_path
):
    """A worker process killed during its task: Ray retries it, and the second Ray run gives
    the same files as the in-process run (so as the first Ray run)."""
    marker = tmp_path / "killed"
    executor = _KillFirstAttempt(RayExecutor(), marker)
    plan_campaign(campaign, tmp_path / "out", PARAMS, executor, report=lambda _line: None)
    assert int(marker.read_text()) != os.getpid()  # a worker, not this process, was killed
    _same_files(in_process, tmp_path / "out")
