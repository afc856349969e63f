"""A plan's settings (``planner.services.planning.PlanSettings``): the planner's parameters and
the scenario's edits (dates, load cap, fleet, policy file) are saved in the plan's JSON
``params`` and read back; plans saved before, by the command line or imported still load."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest

from planner.demo import write_demo
from planner.io import load_scenario
from planner.optimise import PlanParams
from planner.refusal import Refusal
from planner.services.planning import (
    PlanSettings,
    params_from_json,
    plan_and_save,
    plan_scenario,
)
from planner.services.plans import list_plans, load_plan, save_plan
from planner.validation import check_vehicles_available

SETTINGS = PlanSettings(
    params=PlanParams(work_limit=0.3, seed=4, allow_trains=False, max_wait_days=2),
    plan_from=dt.date(2020, 2, 18),
    plan_to=dt.date(2020, 3, 10),
    load_cap=0.8,
    available={"53座大客车": 1, "45座大客车": None},
    policy_file="policy-ningbo-2020.toml",
)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("s") / "demo"
    write_demo(out, seed=7, n_workers=120)
    return out


def test_settings_read_back_as_written():
    """Settings written to JSON text and read back are the same settings."""
    text = json.dumps(SETTINGS.to_json())
    assert PlanSettings.from_json(json.loads(text)) == SETTINGS


def test_settings_keep_the_parameters_at_the_top_level():
    """The parameters' own fields stay where older readers look for them."""
    data = SETTINGS.to_json()
    assert (data["seed"], data["max_wait_days"]) == (4, 2)
    assert params_from_json(data) == SETTINGS.params


def test_a_plan_saved_with_settings_reads_them_back(ledger, folder):
    """plan_and_save with settings: the saved plan lists them as they were given."""
    url, op = ledger
    scenario = load_scenario(folder)
    settings = dataclasses.replace(SETTINGS, policy_file="policy.toml")
    saved = plan_and_save(scenario, settings, "周二方案", op, url, folder=folder)
    [listed] = list_plans(url)
    assert listed.id == saved.id
    assert PlanSettings.from_json(listed.params) == settings


def test_a_plan_is_planned_with_its_settings(ledger, folder):
    """The scenario edits are applied: no trip before the settings' first day and no more
    53-seat coaches out on a day than the one the settings allow."""
    url, op = ledger
    scenario = load_scenario(folder)
    settings = dataclasses.replace(SETTINGS, policy_file="policy.toml", load_cap=None,
                                   plan_from=dt.date(2020, 2, 25))
    saved = plan_and_save(scenario, settings, "周二方案", op, url, folder=folder)
    plan = load_plan(saved.id, url)  # the scenario itself plans from 02-15
    assert plan.trips and min(t.depart.date() for t in plan.trips) >= settings.plan_from
    limited = settings.scenario(scenario, folder)
    assert check_vehicles_available(limited, plan, settings.params) == []


def test_an_old_plan_without_settings_still_loads(ledger, folder):
    """A plan saved with its parameters only (before settings were kept, or by the command
    line) lists, loads, and reads back no settings but its parameters."""
    url, op = ledger
    params = PlanParams(work_limit=0.3, seed=5)
    plan = plan_scenario(load_scenario(folder), params)
    saved = save_plan(plan, "旧方案", op, dataclasses.asdict(params), url)
    [listed] = list_plans(url)
    assert PlanSettings.from_json(listed.params) is None
    assert params_from_json(listed.params) == params
    assert len(load_plan(saved.id, url).trips) == len(plan.trips)


def test_an_imported_plan_has_no_settings_nor_parameters():
    """An imported plan's params name its folder only: no settings, default parameters."""
    assert PlanSettings.from_json({"folder": "plan"}) is None
    assert params_from_json({"folder": "plan"}) == PlanParams()


def test_settings_that_cannot_be_read_count_as_none():
    """Settings with a date that is not one are not half read: there are none."""
    data = SETTINGS.to_json()
    data["settings"]["plan_from"] = "周一"
    assert PlanSettings.from_json(data) is None


def test_a_policy_file_beside_the_scenario_is_the_policy_planned_with(folder):
    """The settings' policy file replaces the scenario's own policy."""
    scenario = load_scenario(folder)
    edited = SETTINGS.scenario(scenario, folder)
    assert edited.policy is not None and edited.policy.name != scenario.policy.name


def test_a_policy_file_no_longer_there_is_refused_in_chinese(folder):
    """A policy file missing from the scenario's folder is named; nothing is planned."""
    settings = dataclasses.replace(SETTINGS, policy_file="policy-gone.toml")
    with pytest.raises(Refusal) as refused:
        settings.scenario(load_scenario(folder), folder)
    assert "policy-gone.toml 不在方案数据文件夹中" in refused.value.message.render("zh")


def test_differences_name_the_settings_that_differ():
    """Dates, cap, policy, each vehicle and the parameters' fields are compared one by one."""
    other = dataclasses.replace(
        SETTINGS, plan_to=dt.date(2020, 3, 15), load_cap=None,
        available={"53座大客车": 1, "45座大客车": 3, "35座中巴": None},
        params=SETTINGS.params.replace(seed=0))
    assert SETTINGS.differences(other) == [
        "plan_to", "load_cap", "available:45座大客车", "available:35座中巴", "seed"]
    assert SETTINGS.differences(SETTINGS) == []


def test_a_what_if_re_solves_the_scenario_as_the_plan_was_planned(folder, monkeypatch):
    """"One more coach" on a plan with settings re-solves the scenario with the plan's dates,
    load cap and fleet, not the scenario's own (a plan made with one 53-seat coach is asked
    about a second one, not about the unlimited fleet of the files)."""
    from planner.services import planning

    scenario = load_scenario(folder)
    settings = dataclasses.replace(SETTINGS, policy_file="policy.toml")
    plan = plan_scenario(settings.scenario(scenario, folder), settings.params)
    seen: list = []
    real = planning.build_instance

    def spy(sc, params):
        seen.append(sc)
        return real(sc, params)

    monkeypatch.setattr(planning, "build_instance", spy)
    answer = planning.what_if_more_coaches(scenario, plan, settings, "53座大客车",
                                           settings.plan_from, folder=folder)
    assert answer.vehicle == "53座大客车"
    [used] = seen
    assert (used.plan_from, used.plan_to) == (settings.plan_from, settings.plan_to)
    assert {v.name: v.available for v in used.fleet}["53座大客车"] == 1
    assert scenario.plan_from != settings.plan_from, "the files' own dates differ"


def test_a_plan_records_its_policy_files_digest(ledger, folder):
    """A plan saved with settings records the SHA-256 of its policy file: unchanged, the file
    is as planned; once edited, the settings say so."""
    url, op = ledger
    settings = dataclasses.replace(SETTINGS, policy_file="policy.toml")
    plan_and_save(load_scenario(folder), settings, "周三方案", op, url, folder=folder)
    [listed] = list_plans(url)
    recorded = PlanSettings.from_json(listed.params)
    assert recorded is not None and recorded.policy_sha256 is not None
    path = recorded.policy_path(folder)
    assert not recorded.policy_edited(path)
    original = path.read_bytes()
    try:
        path.write_bytes(original + b"\n# edited\n")
        assert recorded.policy_edited(path)
    finally:
        path.write_bytes(original)
