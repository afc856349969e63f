"""规划's 约束 panel: a saved plan whose fleet is used up shows the used-up day, and the what-if
button next to it re-solves and answers in Chinese."""

from __future__ import annotations

import csv
import dataclasses
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.app.conftest import APP, PASSWORD


def _edit(path: Path, change: Callable[[dict[str, str]], dict[str, str]]) -> None:
    """Rewrite each row of the CSV ``path`` with ``change(row)``'s values."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(row | change(row) for row in rows)


@pytest.fixture(scope="module")
def tight_home(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A JOBBUS_HOME with a 120-person demo scenario, everyone from 瑶海区 (Hefei) free on the
    first day, whose fleet is one coach of each type, planned (coaches only, people leave the
    day they are free) and saved; the first used-up cell's text."""
    from planner.analysis.report import cell_message, ordered_cells
    from planner.demo import write_demo
    from planner.io import load_scenario
    from planner.ledger import init_db
    from planner.services import ledger as svc
    from planner.services.auth import Role, add_user, system_actor
    from planner.services.planning import PlanParams, plan_scenario
    from planner.services.plans import save_plan

    home = tmp_path_factory.mktemp("binding-home")
    url = f"sqlite:///{home / 'jobbus.sqlite'}"
    folder = home / "scenario"
    write_demo(folder, n_workers=120)
    _edit(folder / "fleet.csv", lambda row: {"available": "1"} if row["kind"] == "coach" else {})
    _edit(folder / "workers.csv", lambda row: {
        "home_adcode": "340102", "home_address": "", "available_from": "", "travel": "seat"})
    init_db(url)
    add_user("operator", PASSWORD, "operator", url=url)
    svc.import_path("scenario", folder, system_actor(Role.OPERATOR), url=url)
    params = PlanParams(work_limit=1.0, allow_trains=False, max_wait_days=0)
    plan = plan_scenario(load_scenario(folder), params)
    binding = plan.summary.stats.binding
    assert binding and binding["binding_cells"], "the scenario should use up its fleet"
    first = ordered_cells(binding)[0]
    save_plan(plan, "一车一型", system_actor(Role.OPERATOR), dataclasses.asdict(params), url,
              source="cli")
    return home, cell_message(first).render("zh")


def test_panel_shows_the_used_up_day_and_the_what_if_answers(
    tight_home: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """约束 lists the used-up day (e.g. 2月15日 53座大客车 用满 1/1); its button re-solves and
    shows how many more would be seated."""
    from streamlit.testing.v1 import AppTest

    home, cell = tight_home
    monkeypatch.setenv("JOBBUS_HOME", str(home))
    monkeypatch.setenv("JOBBUS_DATABASE_URL", f"sqlite:///{home / 'jobbus.sqlite'}")
    os.chdir(APP.parent)
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.session_state["lang"] = "zh"
    at.run()
    at.text_input(key="login_username").input("operator")
    at.text_input(key="login_password").input(PASSWORD)
    at.button(key="login_submit").click().run()
    at.switch_page("app_pages/planning.py").run()
    assert not at.exception, at.exception
    text = " ".join(str(m.value) for m in at.markdown)
    assert "约束" in text and "车队约束：" in text and cell in text
    button = at.button(key="binding_what_if_0")
    assert cell in str(button.label)
    button.click().run()
    assert not at.exception, at.exception
    answers = " ".join(str(s.value) for s in at.success)
    assert "假如" in answers and "人坐上车" in answers and "已重新规划" in answers
