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
                            report=lines.append, status=statuses.append)
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
