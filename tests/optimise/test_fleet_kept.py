"""A plan never puts more coaches on the road than the fleet has, even where the model's
estimate of a coach's days out is a day short of the timetable of the trip built."""

from __future__ import annotations

import pandas as pd

from planner.demo import write_demo
from planner.io import load_scenario
from planner.optimise import PlanParams
from planner.services.planning import plan_scenario
from planner.validation import check_vehicles_available


def test_a_tight_fleet_is_never_overbooked(tmp_path):
    """2,000 demo people and three coaches of each type: before the builder checked the fleet,
    four 53-seat coaches were out on 18 February (a Jiangxi coach back at its first stop the
    day after its run). Every (type, day) now has at most three out, and people still ride."""
    folder = tmp_path / "tight"
    write_demo(folder, 2020, 2000)
    fleet = pd.read_csv(folder / "fleet.csv", dtype=str, keep_default_na=False,
                        encoding="utf-8-sig")
    fleet.loc[fleet["kind"] == "coach", "available"] = "3"
    fleet.to_csv(folder / "fleet.csv", index=False, encoding="utf-8-sig")
    scenario = load_scenario(folder)
    params = PlanParams(work_limit=2.0)
    plan = plan_scenario(scenario, params)
    assert check_vehicles_available(scenario, plan, params) == []
    assert plan.assignments, "the three coaches a day still carry people"
