"""A re-plan on 规划 starts from the settings its plan was planned with, not from whatever the
parameter widgets show after a reload: the page says which it uses and where the widgets
differ, shows a plan's settings in Chinese, and can load them back into the widgets."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest

from planner.optimise import PlanParams
from planner.services.planning import PlanSettings
from tests.app.conftest import PASSWORD, REPO_ROOT, _sign_in, finish_plan_run

AVAILABLE = "可同时调用（空白 = 不限）"  # the fleet table's column


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, int, PlanSettings]:
    """A JOBBUS_HOME with a 300-person demo scenario and two saved plans: one made before
    settings were recorded (its parameters only), then the parent: planned from 02-18 with
    one coach of each kind, under a work limit (deterministic and quick, re-plans too)."""
    from planner.demo import write_demo
    from planner.io import load_scenario
    from planner.ledger import init_db
    from planner.services import ledger as svc
    from planner.services.auth import Role, User, add_user, system_actor
    from planner.services.planning import plan_and_save, plan_scenario
    from planner.services.plans import save_plan

    home = tmp_path_factory.mktemp("replan-home")
    folder = home / "scenario"
    url = f"sqlite:///{home / 'jobbus.sqlite'}"
    write_demo(folder, n_workers=300)
    init_db(url)
    add_user("operator", PASSWORD, "operator", url=url)
    svc.import_path("scenario", folder, system_actor(Role.OPERATOR), url=url)
    scenario = load_scenario(folder)
    op = User("operator", Role.OPERATOR)
    params = PlanParams(work_limit=0.3)
    old = save_plan(plan_scenario(scenario, params), "旧方案", op, dataclasses.asdict(params),
                    url)
    parent = PlanSettings(params, dt.date(2020, 2, 18), scenario.plan_to, None,
                          {v.name: v.available for v in scenario.fleet}
                          | {"53座大客车": 1, "45座大客车": 1}, "policy.toml")
    made = plan_and_save(scenario, parent, "限运力方案", op, url, folder=folder)
    return home, old.id, made.id, parent


@pytest.fixture
def fresh(home, monkeypatch: pytest.MonkeyPatch):
    """This test runs the app on the module's home."""
    monkeypatch.setenv("JOBBUS_HOME", str(home[0]))
    monkeypatch.setenv("JOBBUS_DATABASE_URL", f"sqlite:///{home[0] / 'jobbus.sqlite'}")
    os.chdir(REPO_ROOT)
    return home


def _showing(plan_id: int) -> Any:
    """规划 in a new browser session (as after a reload) showing plan ``plan_id``."""
    at = _sign_in("operator", PASSWORD)
    at.default_timeout = 30
    at.switch_page("app_pages/planning.py").run()
    at.selectbox(key="plan_pick").set_value(plan_id).run()
    assert not at.exception, at.exception
    return at


def _texts(at: Any, kind: str) -> str:
    return "\n".join(str(e.value) for e in at.get(kind))


def _fleet_shown(at: Any) -> dict[str, Any]:
    """The fleet table's availability by vehicle, as drawn."""
    table = next(d.value for d in at.dataframe if AVAILABLE in d.value.columns)
    return dict(zip(table["车型 / 专列"], table[AVAILABLE], strict=True))


def _replan(at: Any) -> int:
    """Lock the shown plan's first trip, re-plan, wait: the new plan's number."""
    first = at.multiselect(key="plan_lock").options[0].split(" · ")[0]
    at.multiselect(key="plan_lock").select(first).run()
    at.button(key="plan_replan").click().run()
    return finish_plan_run(at, "operator").session_state["plan_pick"]


def test_a_replan_after_a_reload_uses_its_plans_fleet_and_dates(fresh) -> None:
    """After a reload the widgets show the scenario's fleet (5 of the 45-seat coach, here
    raised to 9) and dates (here from 02-16); the re-plan of the parent still runs with the
    parent's one coach of each kind from 02-18, records those settings, and keeps them."""
    from planner.io import load_scenario
    from planner.services.plans import load_plan, plan_info
    from planner.validation import check_vehicles_available

    home, _, parent_id, parent = fresh
    url = f"sqlite:///{home / 'jobbus.sqlite'}"
    at = _showing(parent_id)
    at.date_input(key="plan_from").set_value(dt.date(2020, 2, 16))
    at.session_state["plan_fleet_0"] = {"edited_rows": {1: {AVAILABLE: 9}}, "added_rows": [],
                                        "deleted_rows": []}
    at.run()
    child_id = _replan(at)
    child = plan_info(child_id, url)
    assert (child_id != parent_id, child.parent_id) == (True, parent_id)
    assert PlanSettings.from_json(child.params) == parent
    plan = load_plan(child_id, url)
    assert min(t.depart.date() for t in plan.trips) >= dt.date(2020, 2, 18)
    limited = parent.scenario(load_scenario(home / "scenario"), home / "scenario")
    assert check_vehicles_available(limited, plan, parent.params) == []


def test_the_replan_note_lists_where_the_widgets_differ(fresh) -> None:
    """Beside the re-plan button: whose settings it uses, and the widgets that differ from
    them (the first day, each coach's availability), in Chinese."""
    _, _, parent_id, _ = fresh
    note = _texts(_showing(parent_id), "info")
    assert f"按方案 P{parent_id:03d} 的参数重新规划" in note
    assert "最早出发日期：方案 2020-02-18，当前 2020-02-15" in note
    assert "运力 45座大客车：方案 1 辆，当前 5 辆" in note
    assert "运力 53座大客车：方案 1 辆，当前 6 辆" in note


def test_loading_a_plans_settings_fills_the_widgets(fresh) -> None:
    """载入方案 P… 的参数 puts the plan's dates, caps, service level and fleet into the
    parameter widgets, which then no longer differ from it there."""
    _, _, parent_id, parent = fresh
    at = _showing(parent_id)
    at.button(key="plan_load_settings").click().run()
    assert not at.exception, at.exception
    assert at.date_input(key="plan_from").value == parent.plan_from
    assert at.checkbox(key="plan_dated_caps").value is True
    assert at.number_input(key="plan_max_wait").value == 3
    fleet = _fleet_shown(at)
    assert (fleet["53座大客车"], fleet["45座大客车"]) == (1, 1)
    assert "当前 2020-02-15" not in _texts(at, "info")
    assert f"已将方案 P{parent_id:03d} 的参数填入" in _texts(at, "success")


def test_ticking_to_use_the_widgets_replans_with_them(fresh) -> None:
    """Ticked 改用上方“规划参数”, a re-plan runs with the widgets: the scenario's fleet and
    first day, a 2-second time limit."""
    from planner.services.plans import plan_info

    home, _, parent_id, _ = fresh
    at = _showing(parent_id)
    at.number_input(key="plan_time_limit").set_value(2).run()
    at.checkbox(key=f"plan_replan_current_{parent_id}").check().run()
    assert "不采用方案" in _texts(at, "info")
    child = PlanSettings.from_json(plan_info(_replan(at), f"sqlite:///{home / 'jobbus.sqlite'}")
                                   .params)
    assert child is not None
    assert (child.plan_from, child.available["45座大客车"]) == (dt.date(2020, 2, 15), 5)
    assert (child.params.time_limit_s, child.params.work_limit) == (2.0, None)


def test_a_plans_settings_are_shown_in_chinese(fresh) -> None:
    """The plan's details list its dates, load caps, fleet, service level and policy."""
    _, _, parent_id, _ = fresh
    shown = _texts(_showing(parent_id), "markdown")
    for line in ("规划日期：2020-02-18 至 2020-03-15", "载客率：按方案中的分日期载客率限制",
                 "53座大客车 1 辆；45座大客车 1 辆；贵阳北—绍兴北专列 1 列",
                 "等车天数：最长 3 天", "返岗专列：可安排",
                 "补贴政策：上虞区 2020 年复工返岗补贴（现行）",
                 "计算量上限（结果可复现）：0.3"):
        assert line in shown, line


def test_a_plan_without_settings_says_so_and_replans_with_the_widgets(fresh) -> None:
    """A plan saved before settings were recorded says it did not record them, shows the
    parameters it did, and its re-plan uses the widgets (no load button)."""
    _, old_id, _, _ = fresh
    at = _showing(old_id)
    assert "该方案未记录规划日期、载客率、运力和补贴政策" in _texts(at, "caption")
    assert "等车天数：最长 3 天" in _texts(at, "markdown")
    assert f"方案 P{old_id:03d} 未记录规划参数，将按上方“规划参数”重新规划" in _texts(
        at, "caption")
    assert not [b for b in at.button if b.key == "plan_load_settings"]


def test_a_loaded_fleet_is_forgotten_with_the_other_widgets(fresh) -> None:
    """Leaving 规划 resets its parameter widgets to the scenario's; the fleet loaded from a
    plan goes with them, so the table never mixes a plan's fleet with the scenario's dates."""
    _, _, parent_id, _ = fresh
    at = _showing(parent_id)
    at.button(key="plan_load_settings").click().run()
    at.switch_page("app_pages/overview.py").run()
    at.switch_page("app_pages/planning.py").run()
    assert not at.exception, at.exception
    assert at.date_input(key="plan_from").value == dt.date(2020, 2, 15)
    assert _fleet_shown(at)["45座大客车"] == 5


def test_a_policy_file_gone_is_replaced_by_the_widgets_choice() -> None:
    """A plan whose policy file is no longer beside the scenario is re-planned with the
    policy picked on screen (the page names the file); all else stays the plan's."""
    from ui.plan_settings import replan_settings

    plan = PlanSettings(PlanParams(seed=3), dt.date(2020, 2, 18), dt.date(2020, 3, 15),
                        policy_file="policy-gone.toml")
    screen = PlanSettings(PlanParams(), dt.date(2020, 2, 15), dt.date(2020, 3, 15))
    use, gone = replan_settings(plan, screen, ["policy.toml", "policy-ningbo-2020.toml"])
    assert (gone, use.policy_file) == ("policy-gone.toml", "policy.toml")
    assert dataclasses.replace(use, policy_file=plan.policy_file) == plan


def test_a_blank_availability_in_the_fleet_table_is_unlimited() -> None:
    """Blank cells (None, "", or NaN once the table holds numbers) are unlimited, numbers
    are whole vehicles."""
    from ui.plan_settings import availability

    rows = [{"车型 / 专列": name, AVAILABLE: value}
            for name, value in (("甲", None), ("乙", ""), ("丙", float("nan")), ("丁", 2.0))]
    assert availability(rows) == {"甲": None, "乙": None, "丙": None, "丁": 2}


def test_a_policy_file_edited_since_the_plan_is_said_before_a_replan(fresh) -> None:
    """The policy file the parent was planned with is edited afterwards (a line added): the
    re-plan note warns that the subsidies will be those of the edited policy; put back as it
    was, the warning goes."""
    home, _, parent_id, _ = fresh
    policy = home / "scenario" / "policy.toml"
    original = policy.read_bytes()
    try:
        policy.write_bytes(original + "\n# 3 月 1 日起补贴标准调整\n".encode())
        assert "已被修改" in _texts(_showing(parent_id), "warning")
    finally:
        policy.write_bytes(original)
    assert "已被修改" not in _texts(_showing(parent_id), "warning")
