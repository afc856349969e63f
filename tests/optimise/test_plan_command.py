"""``jobbus plan`` end to end: bad input exits 2 and writes nothing; the small demo plans."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from planner.cli import main


def test_plan_bad_input_exits_2_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A broken scenario gives exit 2 with file:row messages and no output folder."""
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "scenario.toml").write_text("name = \n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["plan", str(bad), "--out", str(out)]) == 2
    assert not out.exists()
    assert "scenario.toml" in capsys.readouterr().err


def test_plan_missing_folder_exits_2(tmp_path: Path) -> None:
    """A missing scenario folder is bad input, not a crash."""
    out = tmp_path / "out"
    assert main(["plan", str(tmp_path / "nope"), "--out", str(out)]) == 2
    assert not out.exists()


def test_small_demo_plans_validly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A 300-worker generated demo is planned, written, and passes validation."""
    from planner.demo import write_demo
    from planner.io import load_scenario, read_plan
    from planner.optimise import PlanParams
    from planner.validation import validate_plan

    folder = tmp_path / "demo"
    write_demo(folder, seed=7, n_workers=300)
    params = PlanParams(work_limit=1.0)
    out = tmp_path / "plan"
    assert main(["plan", str(folder), "--out", str(out), "--work-limit", "1"]) == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["lower_bound"] <= summary["total_cost"]
    said = capsys.readouterr().out
    assert "人员：" in said and "规划用时" in said and "检查：方案遵守每一条规则" in said
    scenario = load_scenario(folder)
    plan = read_plan(out)
    assert validate_plan(scenario, plan, params) == []
    assert len(plan.assignments) + len(plan.self_returns) + sum(
        1 for u in plan.unserved if u.id_number is not None
    ) == len(scenario.workers)


def test_a_plan_breaking_a_rule_exits_1_and_is_not_saved(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Should the planner ever make a plan the checker rejects, ``jobbus plan`` says which
    rules it breaks, exits 1 and does not save it in the ledger (the files stay for
    inspection). The checker is made to reject the plan here: the planner keeps every rule."""
    from planner.demo import write_demo
    from planner.ledger import init_db
    from planner.services.plans import list_plans

    folder = tmp_path / "demo"
    write_demo(folder, seed=7, n_workers=120)
    url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    init_db(url)
    monkeypatch.setattr("planner.validation.validate_plan",
                        lambda *a, **k: ["3 × 53座大客车 out on 2020-02-18, but only 2 available"])
    out = tmp_path / "plan"
    code = main(["plan", str(folder), "--out", str(out), "--work-limit", "0.5", "--save",
                 "--database-url", url])
    err = capsys.readouterr().err
    assert code == 1
    assert "违反 1 条规则" in err and "only 2 available" in err and "未存入台账" in err
    assert (out / "trips.csv").exists()
    assert list_plans(url) == []


def test_the_closing_lines_speak_the_language_asked_for(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``jobbus plan`` ends in Chinese by default, with no English word a planner would read,
    and in English with ``--lang en``; both give the same cost and gap."""
    import re

    from planner.demo import write_demo

    folder = tmp_path / "demo"
    write_demo(folder, seed=7, n_workers=120)
    said = {}
    for lang in ("zh", "en"):
        out = tmp_path / f"plan-{lang}"
        assert main(["plan", str(folder), "--out", str(out), "--work-limit", "0.5",
                     "--lang", lang]) == 0
        said[lang] = capsys.readouterr().out.replace(str(out), "")
    # Latin words left in Chinese: only the checker's module name
    assert set(re.findall(r"[A-Za-z]{2,}", said["zh"])) <= {"planner", "validation"}
    assert "规划用时" in said["zh"] and "差距" in said["zh"]
    assert "planned in" in said["en"] and "lower bound" in said["en"]
    gap = {lang: re.search(r"(\d+\.\d)%", text).group(1) for lang, text in said.items()}
    assert gap["zh"] == gap["en"]
