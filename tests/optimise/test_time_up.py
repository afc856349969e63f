"""Planning after the clock has run out: the optional work is cut, the plan stays valid."""

from __future__ import annotations

import time
from pathlib import Path

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo"


def test_units_planned_after_the_time_is_up_still_give_a_valid_plan_with_feeders() -> None:
    """With the limit already spent when planning starts, the units keep their starts, the
    trains' feeders are routed by the sweep (no router call) and the plan keeps every rule."""
    from planner.optimise import PlanParams, solve
    from planner.optimise.budget import Budget
    from planner.services.planning import build_instance
    from planner.services.scenario import load_scenario
    from planner.validation import validate_plan

    scenario = load_scenario(DEMO)
    params = PlanParams(time_limit_s=5.0)
    spent = Budget(5.0, None, time.time() - 60.0)
    plan = solve(build_instance(scenario, params), params, None, spent)
    statuses = {u["plan_status"] for u in plan.summary.extra["units"].values()}
    assert "START" in statuses and "RINS" not in statuses  # no time to improve a start
    kinds = plan.summary.extra["trips_by_kind"]
    assert kinds.get("train", 0) > 0 and kinds.get("feeder", 0) > 0
    assert plan.summary.stats.feeder_routing is not None
    assert plan.summary.stats.feeder_routing.cvrp_calls == 0
    assert validate_plan(scenario, plan, params) == []
