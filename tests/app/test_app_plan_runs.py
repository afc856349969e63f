"""A planner run started from 规划 belongs to the server, not to the page: it finishes and
saves its plan with nobody watching, and a user runs one plan at a time."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.services.auth import Role, User, system_actor


@pytest.fixture
def ledger(tmp_path: Path) -> tuple[str, object]:
    """A ledger with a 60-person demo scenario, and that scenario."""
    from planner.demo import write_demo
    from planner.io import load_scenario
    from planner.ledger import init_db
    from planner.services import ledger as svc
    from planner.services.auth import add_user

    url = init_db(f"sqlite:///{tmp_path / 'l.sqlite'}")
    for name, role in (("op", "operator"), ("reviewer1", "reviewer")):
        add_user(name, "secret-pass-1", role, url=url)  # services re-read their actor
    write_demo(tmp_path / "scenario", seed=7, n_workers=60)
    svc.import_path("scenario", tmp_path / "scenario", system_actor(Role.OPERATOR), url=url)
    return url, load_scenario(tmp_path / "scenario")


def test_run_saves_its_plan_with_no_page_open(ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    """A run left alone (no page script polling it) saves its plan under its name, by its
    user, with its parameters; a second run while it goes on is refused."""
    import threading

    from planner.optimise.params import PlanParams
    from planner.services import planning
    from planner.services.plans import list_plans
    from ui.plan_runs import Registry

    url, scenario = ledger
    go = threading.Event()
    real = planning.plan_scenario

    def held(*args, **kwargs):
        go.wait(60)
        return real(*args, **kwargs)

    monkeypatch.setattr(planning, "plan_scenario", held)
    runs = Registry()
    user = User("reviewer1", Role.REVIEWER)  # registered by the fixture
    run = runs.start(user, scenario, PlanParams(time_limit_s=2.0, seed=3), "夜间方案", url)
    assert run is not None
    assert runs.start(user, scenario, PlanParams(), "again", url) is None
    go.set()
    assert run.thread is not None
    run.thread.join(120)
    assert run.error is None and run.fraction == 1.0
    [saved] = list_plans(url)
    assert (saved.id, saved.name, saved.created_by, saved.params["seed"]) == (
        run.saved_id, "夜间方案", "reviewer1", 3)
    assert runs.get("reviewer1") is run


def test_a_failed_run_says_why_in_chinese() -> None:
    """A run refused for its input names the file and the problem in Chinese; a run that hit
    a bug says so in Chinese, naming only the error's type."""
    from planner.problems import InputError, problem
    from ui.plan_runs import PlanRun, error_text

    bad_input = PlanRun("夜间方案", failure=InputError(
        [problem("trips.csv", "problem.trip_not_in_trips", 2, "trip_id", trip="C0002")]))
    assert error_text(bad_input, "zh") == "trips.csv：车次 C0002 不在车次表（trips.csv）中"
    bug = PlanRun("夜间方案", failure=RuntimeError("index out of range"))
    assert error_text(bug, "zh") == "规划程序内部出错（RuntimeError），已记入日志，请联系管理员"
