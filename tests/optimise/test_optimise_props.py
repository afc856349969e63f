"""Property and reproducibility tests of the whole optimiser."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.domain import LoadCap, Travel
from planner.optimise import PlanParams, solve
from planner.validation import validate_plan

P = PlanParams(time_limit_s=5.0, work_limit=1.0)
COUNTY_CODES = ["520502", "520524", "340102", "420102", "330102", "520111"]


@st.composite
def scenarios(draw: Any) -> dict[str, Any]:
    blocks = draw(
        st.lists(
            st.tuples(
                st.sampled_from(COUNTY_CODES),
                st.integers(1, 40),
                st.sampled_from([Travel.SEAT, Travel.SEAT, Travel.OWN, Travel.EITHER]),
                st.integers(0, 20),
                st.booleans(),
                st.sampled_from(["E001", "E001", "E002", "E003"]),
            ),
            min_size=1,
            max_size=4,
        )
    )
    needed = draw(
        st.sampled_from([dt.date(2020, 2, 25), dt.date(2020, 3, 5), dt.date(2020, 3, 15)])
    )
    wanted = draw(st.integers(0, 30))
    capped = draw(st.booleans())
    available = draw(st.sampled_from([None, 1, 3]))
    return {
        "blocks": blocks,
        "needed": needed,
        "wanted": wanted,
        "capped": capped,
        "available": available,
    }


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(spec=scenarios())
def test_random_scenarios_give_valid_plans(kit: Any, spec: dict[str, Any]) -> None:
    """Whatever small scenario comes in, the plan passes every validation check and its lower
    bound is at most its cost."""
    people = []
    for i, (county, n, travel, offset, recruit, works_at) in enumerate(spec["blocks"]):
        people += kit.workers(
            county,
            n,
            prefix=f"b{i}",
            travel=travel,
            employer_uscc=None if recruit else works_at,
            available_from=kit.D0 + dt.timedelta(days=offset),
        )
    emps = [
        kit.employer("E001", wanted=spec["wanted"], needed_by=spec["needed"]),
        kit.employer("E002", wanted=5, lat=29.95, lon=120.9),
        kit.employer("E003", wanted=3, lat=30.10, lon=121.30),
    ]
    caps = [LoadCap(kit.D0, dt.date(2020, 3, 7), 0.5)] if spec["capped"] else []
    fleet = (dataclasses.replace(kit.COACH53, available=spec["available"]), kit.COACH45)
    sc, inst = kit.build(people, emps, caps=caps, fleet=fleet)
    plan = solve(inst, P)
    assert validate_plan(sc, plan, P) == []
    # The lower bound is never above the cost (the planner would blank it with a warning).
    assert "bound_warning" not in plan.summary.extra
    assert plan.summary.lower_bound_fen <= plan.summary.total_cost_fen


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_same_input_seed_and_work_limit_give_identical_files(kit: Any, tmp_path: Path) -> None:
    """Planning twice under a work limit writes byte-identical plan files."""
    from planner.io import write_plan

    people = kit.workers("520502", 80) + kit.workers("520524", 15) + kit.workers("340102", 33)
    _sc, inst = kit.build(
        people, [kit.employer("E001"), kit.employer("E002", lat=29.95, lon=120.9)]
    )
    a = write_plan(solve(inst, P), tmp_path / "a")
    b = write_plan(solve(inst, P), tmp_path / "b")
    assert _digest(Path(a)) == _digest(Path(b))
