"""Planning from the app (``planner.services.planning.plan_and_save``): the plan is checked
against every rule by the checker before it is saved; a plan that breaks one is refused and
not saved, so it can never be dispatched."""

from __future__ import annotations

import pytest

from planner.demo import write_demo
from planner.io import load_scenario
from planner.optimise import PlanParams
from planner.refusal import Refusal
from planner.services.planning import plan_and_save
from planner.services.plans import list_plans

PARAMS = PlanParams(work_limit=0.3)


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("s") / "demo"
    write_demo(folder, seed=7, n_workers=120)
    return load_scenario(folder)


def test_a_plan_keeping_every_rule_is_saved(ledger, scenario):
    """The operator's plan is saved as version 1 with its name."""
    url, op = ledger
    saved = plan_and_save(scenario, PARAMS, "周一方案", op, url)
    assert [(p.id, p.name) for p in list_plans(url)] == [(saved.id, "周一方案")]


def test_a_plan_breaking_a_rule_is_refused_and_not_saved(ledger, scenario, monkeypatch):
    """Should the planner make a plan the checker rejects (made to here), the operator is told
    in Chinese which rule it breaks and nothing is saved."""
    url, op = ledger
    monkeypatch.setattr("planner.validation.validate_plan",
                        lambda *a, **k: ["3 × 53座大客车 out on 2020-02-18, but only 2 available"])
    with pytest.raises(Refusal) as refused:
        plan_and_save(scenario, PARAMS, "坏方案", op, url)
    text = refused.value.message.render("zh")
    assert "未通过规则检查" in text and "only 2 available" in text
    assert list_plans(url) == []


def test_an_unnamed_plan_is_named_after_the_number_it_is_saved_under(ledger, scenario,
                                                                     monkeypatch):
    """A plan left unnamed takes its name from the number the ledger gives it when it is
    saved: another user's plan saved while it was being planned takes the next number, and
    the name follows (方案 P002, not the 方案 P001 a name made before planning would claim)."""
    from planner.services import planning
    from planner.services.auth import Role, User, add_user
    from planner.services.plans import save_plan

    url, op = ledger
    add_user("op2", "a-long-secret-passphrase-8", "operator", url=url)
    real = planning.plan_scenario

    def meanwhile(*args, **kwargs):
        plan = real(*args, **kwargs)
        save_plan(plan, "另一位的方案", User("op2", Role.OPERATOR), url=url)
        return plan

    monkeypatch.setattr(planning, "plan_scenario", meanwhile)
    saved = plan_and_save(scenario, PARAMS, lambda plan_id: f"方案 P{plan_id:03d}", op, url)
    assert saved.name == f"方案 P{saved.id:03d}"
    assert sorted((p.id, p.name) for p in list_plans(url)) == [
        (1, "另一位的方案"), (2, "方案 P002")]
