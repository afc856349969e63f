"""Plans in the app last: a plan made on 规划 is in the ledger after a reload, a re-plan with
locks is dispatched after its parent, and a second dispatch changes nothing — on a ledger
with people registered and nothing travelled yet."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.app.conftest import PASSWORD, REPO_ROOT, _sign_in, finish_plan_run


@pytest.fixture(scope="module")
def fresh_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A JOBBUS_HOME whose ledger holds a 600-person demo scenario and an operator."""
    from planner.demo import write_demo
    from planner.ledger import init_db
    from planner.services import ledger as svc
    from planner.services.auth import Role, add_user, system_actor

    home = tmp_path_factory.mktemp("fresh-home")
    url = f"sqlite:///{home / 'jobbus.sqlite'}"
    write_demo(home / "scenario", n_workers=600)
    init_db(url)
    add_user("operator", PASSWORD, "operator", url=url)  # the service re-reads its actor
    svc.import_path("scenario", home / "scenario", system_actor(Role.OPERATOR), url=url)
    return home


@pytest.fixture
def fresh(fresh_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This test runs the app on ``fresh_home``."""
    monkeypatch.setenv("JOBBUS_HOME", str(fresh_home))
    monkeypatch.setenv("JOBBUS_DATABASE_URL", f"sqlite:///{fresh_home / 'jobbus.sqlite'}")
    os.chdir(REPO_ROOT)
    return fresh_home


def _planning(lang: str = "zh"):
    at = _sign_in("operator", PASSWORD, lang)
    at.switch_page("app_pages/planning.py").run()
    assert not at.exception, at.exception
    return at


def _messages(at) -> str:
    return " ".join(str(e.value) for kind in ("success", "info", "error", "warning")
                    for e in at.get(kind))


def test_plan_is_still_there_after_a_reload(fresh: Path) -> None:
    """plan → saved → a new browser session (reload, sign in again) still lists and shows
    it, numbered P…, as saved."""
    at = _planning()
    at.number_input(key="plan_time_limit").set_value(5)
    at.text_input(key="plan_name").input("五成载客").run()
    at.button(key="plan_run").click().run()
    finish_plan_run(at, "operator")
    plan_id = at.session_state["plan_pick"]
    again = _planning()
    pick = again.selectbox(key="plan_pick")
    assert pick.value == plan_id
    assert f"P{plan_id:03d} 五成载客（已保存）" in pick.options



def _planned_and_dispatched() -> tuple[Any, int]:
    """规划 as the operator: a 5 s plan, then 下达车次; the page and the plan's id."""
    at = _planning()
    at.number_input(key="plan_time_limit").set_value(5)
    at.button(key="plan_run").click().run()
    a = finish_plan_run(at, "operator").session_state["plan_pick"]
    at.button(key="plan_dispatch").click().run()
    assert f"方案 P{a:03d} 已下达" in _messages(at)
    return at, a

def test_a_plan_left_unnamed_is_named_after_its_number(fresh: Path) -> None:
    """方案名称 left empty (its hint says so): the plan is saved as 方案 P<its number>, the
    number the list shows beside it, not a count of the plans listed when the page was drawn."""
    from planner.services.plans import plan_info

    at = _planning()
    assert at.text_input(key="plan_name").value == ""
    assert at.text_input(key="plan_name").placeholder == "不填则在保存时按方案编号命名（方案 P…）"
    at.number_input(key="plan_time_limit").set_value(5)
    at.button(key="plan_run").click().run()
    plan_id = finish_plan_run(at, "operator").session_state["plan_pick"]
    name = plan_info(plan_id, f"sqlite:///{fresh / 'jobbus.sqlite'}").name
    assert name == f"方案 P{plan_id:03d}"
    assert f"规划“{name}”已完成，已保存为方案 P{plan_id:03d}。" in _messages(at)


def test_replan_dispatched_after_its_parent_then_nothing_changes(fresh: Path) -> None:
    """dispatch A → lock a trip and re-plan → dispatch B (keeps the locked trip, replaces the
    rest) → dispatch B again says 已下达，没有变化 and the ledger is unchanged."""
    from planner.services import ledger as svc

    url = f"sqlite:///{fresh / 'jobbus.sqlite'}"
    at, a = _planned_and_dispatched()
    locked = at.selectbox(key="plan_trip").options[0].split(" · ")[0]  # "C0004 · 县 · 02-22"
    at.multiselect(key="plan_lock").select(locked).run()
    at.button(key="plan_replan").click().run()
    b = finish_plan_run(at, "operator").session_state["plan_pick"]
    assert b != a
    at.button(key="plan_dispatch").click().run()
    assert "保留已下达车次 1，" in _messages(at), _messages(at)
    assert "撤下未出发车次 0，" not in _messages(at)
    counts = svc.ledger_counts(url=url)
    at.button(key="plan_dispatch").click().run()
    assert f"方案 P{b:03d} 已下达，没有变化。" in _messages(at)
    assert svc.ledger_counts(url=url) == counts
    table = next(d.value for d in at.dataframe if "方案编号" in d.value.columns)
    states = dict(zip(table["方案编号"], table["状态"], strict=True))
    assert states[f"P{a:03d}"] == "已被取代" and states[f"P{b:03d}"] == "已下达"


def test_uploaded_plan_files_that_disagree_are_named_in_chinese(fresh: Path) -> None:
    """Plan files whose assignments name a trip missing from trips.csv are refused with file,
    row and column, the message in Chinese; no plan is saved."""
    from planner.problems import InputError
    from planner.services.auth import Role, system_actor
    from planner.services.plans import list_plans, save_uploaded_plan

    url = f"sqlite:///{fresh / 'jobbus.sqlite'}"
    trips = "trip_id,kind,vehicle,depart_date,arrive_date,stops,seats,load,km,cost\n"
    trips += "C0001,coach,53座大客车,2020-02-20,2020-02-21,正安县;上虞,53,1,1500,20000.00\n"
    assignments = "id_number,trip_id,pickup_stop,employer_uscc\n"
    assignments += "11010519491231002X,C0002,正安县,91330604MA20EUXP3H\n"
    before = list_plans(url)
    with pytest.raises(InputError) as err:
        save_uploaded_plan({"trips.csv": trips.encode(), "assignments.csv": assignments.encode()},
                           "坏方案", system_actor(Role.OPERATOR), url)
    problem = next(p for p in err.value.problems if p.file == "assignments.csv")
    assert (problem.row, problem.column) == (2, "trip_id")
    assert problem.text("zh") == "车次 C0002 不在车次表（trips.csv）中"
    assert list_plans(url) == before


def test_dispatch_refused_for_a_trip_that_ran_names_and_opens_that_plan(fresh: Path) -> None:
    """dispatch A → A's first trip departs → plan B anew → dispatching B is refused: the
    problem names plan A and its trip (行 blank, not None), and the button it offers opens A
    with that trip already picked in the lock picker. Runs last: it leaves a departure in the
    ledger."""
    from planner.services import plans as ps
    from planner.services.auth import Role, system_actor
    from planner.services.movements import record_trip_event

    url = f"sqlite:///{fresh / 'jobbus.sqlite'}"
    at, a = _planned_and_dispatched()
    ran = ps.load_plan(a, url).trips[0]
    record_trip_event(ran.trip_id, "departed", ran.depart, system_actor(Role.OPERATOR),
                      url=url)
    at.button(key="plan_run").click().run()
    b = finish_plan_run(at, "operator").session_state["plan_pick"]
    assert b != a
    at.button(key="plan_dispatch").click().run()
    table = next(d.value for d in at.dataframe if "问题" in d.value.columns)
    row = table[table["问题"].str.contains(ran.trip_id, regex=False)].iloc[0]
    assert row["问题"] == (f"已下达方案 P{a:03d} 的车次 {ran.trip_id} 已有 1 人次上车或到岗，"
                         f"本方案未保留该车次：请打开方案 P{a:03d}，锁定该车次后重新规划")
    assert row["行"] == ""
    # the plan as a whole, by its number: not the trips.csv / trip_id the user never saw
    assert (row["文件"], row["列"]) == (f"P{b:03d}", "")
    at.button(key=f"plan_open_{a}").click().run()
    assert not at.exception, at.exception
    assert at.selectbox(key="plan_pick").value == a
    assert any(o.startswith(f"{ran.trip_id} · ") for o in at.multiselect(key="plan_lock").options)
    assert at.multiselect(key="plan_lock").value == [ran.trip_id]  # picked, ready to lock
