"""Opening a campaign result (``planner.services.campaigns``): the output folder of
``jobbus campaign plan`` on a small demo campaign, read back; a bad folder is refused with a
problem naming the file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from planner.cli import main
from planner.problems import InputError
from planner.services.campaigns import (
    destination_plan,
    destination_scenario,
    read_campaign_result,
)


def make_campaign_result(root: Path) -> Path:
    """``jobbus demo --campaign`` (2 destinations of 60 people) planned by
    ``jobbus campaign plan --work-limit 0.5``; returns the output folder."""
    assert main(["demo", "--campaign", str(root / "c"), "--destinations", "2",
                 "--workers", "60"]) == 0
    assert main(["campaign", "plan", str(root / "c"), "--out", str(root / "out"),
                 "--work-limit", "0.5"]) == 0
    return root / "out"


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    return make_campaign_result(tmp_path_factory.mktemp("campaign-result"))


def test_overview_has_every_destination_with_its_own_summary_figures(out):
    """Each destination's people, people planned, trips, cost and bound are those of its own
    plan folder (summary.json, trips.csv); the totals add them up."""
    result = read_campaign_result(out)
    assert [d.code for d in result.destinations] == ["D01", "D02"]
    for d in result.destinations:
        own = json.loads((out / d.code / "summary.json").read_text(encoding="utf-8"))
        trips = pd.read_csv(out / d.code / "trips.csv", encoding="utf-8-sig")
        assert (d.people_planned, d.trips) == (own["workers_planned"], len(trips))
        assert (d.cost, d.lower_bound) == (own["total_cost"], own["lower_bound"])
        assert d.people == 60
    assert result.totals["people"] == 120
    assert result.totals["trips"] == sum(d.trips for d in result.destinations)
    assert result.totals["cost"] == pytest.approx(sum(d.cost for d in result.destinations))


def test_a_destination_opens_as_its_plan_with_its_scenario(out):
    """The destination's plan is its folder's plan (as many trips and people as its files)
    and its scenario is the one it was planned from."""
    result = read_campaign_result(out)
    plan = destination_plan(result, "D02")
    assert len(plan.trips) == result.destination("D02").trips
    people = {a.id_number for a in plan.assignments} | {s.id_number for s in plan.self_returns}
    assert len(people) <= 60
    scenario = destination_scenario(result, "D02")
    assert scenario is not None and len(scenario.workers) == 60


def _problem(folder: Path) -> tuple[str, str]:
    with pytest.raises(InputError) as caught:
        read_campaign_result(folder)
    p = caught.value.problems[0]
    return p.file, p.text("zh")


def test_a_missing_folder_is_named(tmp_path):
    file, text = _problem(tmp_path / "nowhere")
    assert file == str(tmp_path / "nowhere") and text == "找不到战役规划结果文件夹"


def test_a_folder_without_the_campaign_summary_names_that_file(tmp_path):
    """A plan folder of ``jobbus plan`` is not a campaign result."""
    file, text = _problem(tmp_path)
    assert file == str(tmp_path / "campaign_summary.json")
    assert "缺少 campaign_summary.json" in text


def test_a_broken_campaign_summary_is_refused(tmp_path, out):
    bad = tmp_path / "out"
    shutil.copytree(out, bad)
    (bad / "campaign_summary.json").write_text("{not json", encoding="utf-8")
    file, text = _problem(bad)
    assert file == str(bad / "campaign_summary.json") and "无法读取" in text


def test_a_destination_without_its_plan_names_its_summary(tmp_path, out):
    bad = tmp_path / "out"
    shutil.copytree(out, bad)
    (bad / "D01" / "summary.json").unlink()
    file, text = _problem(bad)
    assert file == str(bad / "D01" / "summary.json") and "D01" in text
