"""A campaign's progress in this process: one line per destination done, and a status line
that counts the running destination's units, the people planned, the running cost and bound."""

from __future__ import annotations

import io
import json
import re

import pytest

from planner.campaign import plan_campaign, read_campaign
from planner.campaign.progress import units_of
from planner.commands.campaign import Console
from planner.rules.params import PlanParams
from planner.scale import InProcess


@pytest.fixture(scope="module")
def run(tmp_path_factory, small_campaign):
    """Two destinations of 120 people planned here, every line and status line kept."""
    tmp = tmp_path_factory.mktemp("progress")
    campaign = read_campaign(small_campaign(tmp / "c", 2, 120, None))
    lines: list[str] = []
    statuses: list[str] = []
    summary = plan_campaign(campaign, tmp / "out", PlanParams(work_limit=0.5), InProcess(),
                            report=lines.append, status=statuses.append, lang="en")
    return tmp / "out", lines, statuses, summary


def test_one_line_per_destination_done(run):
    """The permanent lines are the two destinations, in order, nothing per unit."""
    _, lines, _, _ = run
    assert [line.split(" ")[:2] for line in lines] == [["[1/2]", "D01"], ["[2/2]", "D02"]]


def test_status_counts_the_running_destinations_units(run):
    """While D01 is planned the status shows its units from 0 up to all of them, in order."""
    _, _, statuses, _ = run
    seen = [tuple(map(int, m.groups())) for s in statuses
            if (m := re.search(r"D01 units (\d+)/(\d+)", s))]
    total = seen[0][1]
    assert total >= 1 and seen[0][0] == 0
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert seen[-1] == (total, total)


def test_final_status_gives_the_campaign_totals(run):
    """The last status line: both destinations done, people planned, cost and bound as in
    campaign_summary.json (summed from each destination's own summary.json here)."""
    out, _, statuses, _ = run
    own = [json.loads((out / c / "summary.json").read_text(encoding="utf-8"))
           for c in ("D01", "D02")]
    planned = sum(s["workers_planned"] for s in own)
    cost = sum(s["total_cost"] for s in own)
    bound = sum(s["lower_bound"] for s in own)
    assert statuses[-1] == (
        f"destinations 2/2 | people planned {planned:,}/240 | cost {cost:,.2f} | "
        f"bound {bound:,.2f}"
    )


def test_progress_and_table_speak_chinese_by_default(run):
    """In Chinese (the default) the status line, a destination's line and the final table
    carry the same figures with Chinese words: no English word a planner would read."""
    from planner.campaign import summary_table
    from planner.campaign.progress import CampaignProgress
    from planner.campaign.run import _progress_line, _State

    out, _, statuses, summary = run
    figures = {i: json.loads((out / c / "summary.json").read_text(encoding="utf-8"))
               for i, c in enumerate(("D01", "D02"))}
    progress = CampaignProgress(2, 240, lambda _line: None)
    progress.done = {i: {"people_planned": f["workers_planned"], "cost": f["total_cost"],
                         "lower_bound": f["lower_bound"]} for i, f in figures.items()}
    zh = progress.text()
    assert zh.startswith("目的地 2/2 | 已规划 ") and "下界" in zh
    assert zh.split(" | ")[2:] == [part.replace("cost", "费用").replace("bound", "下界")
                                   for part in statuses[-1].split(" | ")[2:]]
    table = summary_table(summary)
    assert table.splitlines()[0].split()[:3] == ["代码", "人数", "车次"]
    assert table.splitlines()[-1].startswith("合计")
    campaign = read_campaign(out.parent / "c")
    state = _State(["", ""])
    state.records = {0: {}, 1: {}}
    line = _progress_line(out, campaign, state, 1, "done_planned", "zh")
    assert line.startswith("[2/2] D02 ") and "已规划" in line and "累计" in line
    for text in (zh, table, line):
        words = set(re.findall(r"[A-Za-z]{2,}", text)) - {"D01", "D02"}
        assert words <= {d.name for d in campaign.destinations} | {"trips", "csv", "json"}, words


def test_units_read_from_the_planners_messages():
    """In turn: units done before this one; at once: none, then all once bounding starts."""
    assert units_of("Planning unit 3/7: 贵州 (40 people)", None) == (2, 7)
    assert units_of("Planning 7 units on 2 workers", None) == (0, 7)
    assert units_of("Bounding", (0, 7)) == (7, 7)
    assert units_of("Computing distances and subsidies", None) is None


def test_console_redraws_the_status_on_a_terminal_only():
    """On a terminal a line is printed above the status line, which is redrawn; in a file
    only the lines are written."""

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty, plain = Tty(), io.StringIO()
    for c in (Console(tty), Console(plain)):
        c.status("destinations 0/2")
        c.line("[1/2] D01 done")
        c.status("destinations 1/2")
        c.end()
    assert plain.getvalue() == "[1/2] D01 done\n"
    assert tty.getvalue() == ("\r\x1b[Kdestinations 0/2" "\r\x1b[K[1/2] D01 done\n"
                              "destinations 0/2" "\r\x1b[Kdestinations 1/2" "\n")
