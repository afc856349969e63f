"""Campaigns without Ray: bad input refused, pool shares, executors' order, a crashed run
resumed, national trip ids."""

from __future__ import annotations

import json
import operator
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from planner.campaign.pools import fair_shares
from planner.cli import main
from planner.scale import ProcessPool

WORK_LIMIT = "1"


def _write(folder: Path, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "campaign.toml").write_text(text, encoding="utf-8")


def _refused(capsys: pytest.CaptureFixture[str], campaign: Path, out: Path) -> str:
    code = main(["campaign", "plan", str(campaign), "--out", str(out), "--work-limit", "1"])
    err = capsys.readouterr().err
    assert code == 2
    assert not out.exists()
    assert "nothing was written" in err
    return err


def test_missing_scenario_is_refused_with_its_folder(tmp_path, capsys):
    """A destination whose scenario folder does not exist: exit 2, the folder named, no output."""
    _write(tmp_path / "c", 'name = "x"\n[[destination]]\nname = "甲"\nscenario = "nowhere"\n')
    err = _refused(capsys, tmp_path / "c", tmp_path / "out")
    assert f"{tmp_path / 'c' / 'nowhere'}: scenario folder not found" in err


def test_invalid_scenario_problems_are_prefixed_with_its_folder(tmp_path, capsys, small_campaign):
    """A bad cell in one destination's workers.csv is reported as folder/file:row: column."""
    root = small_campaign(tmp_path / "c", 1, 60, None)
    workers = root / "d01" / "workers.csv"
    lines = workers.read_text(encoding="utf-8-sig").splitlines()
    lines[2] = "123" + lines[2][lines[2].index(","):]
    workers.write_text("\n".join(lines) + "\n", encoding="utf-8")
    err = _refused(capsys, root, tmp_path / "out")
    assert f"{root / 'd01'}/workers.csv:3: id_number: 123 is not an ID number" in err


def test_two_destinations_with_one_name_are_refused(tmp_path, capsys, small_campaign):
    """The same destination name twice: exit 2, the second entry named, nothing written."""
    root = small_campaign(tmp_path / "c", 2, 60, None)
    toml = root / "campaign.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("昆山 02", "上虞 01"),
                    encoding="utf-8")
    err = _refused(capsys, root, tmp_path / "out")
    assert "destination[2].name: name 上虞 01 is already given to destination 1" in err


def test_ray_address_that_does_not_answer_is_refused(tmp_path, capsys, small_campaign):
    """--ray at a port nobody listens on: exit 2 with the address, nothing written."""
    pytest.importorskip("ray", reason="the scale extra (ray) is not installed")
    root = small_campaign(tmp_path / "c", 1, 60, None)
    code = main(["campaign", "plan", str(root), "--out", str(tmp_path / "out"),
                 "--ray", "127.0.0.1:1"])
    err = capsys.readouterr().err
    assert code == 2
    assert "the Ray cluster at 127.0.0.1:1 does not answer" in err
    assert not (tmp_path / "out").exists()


def test_fair_shares_give_small_users_their_peak_and_split_the_rest():
    """Max-min fair: 7 coaches for peaks 5, 1, 4 → 3, 1, 3; for 8 → 4, 1, 3 (odd one first)."""
    assert fair_shares({0: 5, 1: 1, 2: 4}, 7) == {0: 3, 1: 1, 2: 3}
    assert fair_shares({0: 5, 1: 1, 2: 4}, 8) == {0: 4, 1: 1, 2: 3}
    assert fair_shares({0: 2, 1: 1}, 9) == {0: 2, 1: 1}


def test_process_pool_returns_results_in_input_order():
    """Two processes: results come back in the items' order and on_done sees every item."""
    seen: list[tuple[int, int]] = []
    pool = ProcessPool(2)
    try:
        out = pool.map_ordered(operator.mul, [3, 1, 2], shared=10,
                               on_done=lambda i, r: seen.append((i, r)))
        again = pool.map_ordered(operator.add, [3, 1], shared=10)
    finally:
        pool.close()
    assert out == [30, 10, 20]
    assert sorted(seen) == [(0, 30), (1, 10), (2, 20)]
    assert again == [13, 11], "the same workers serve the next map over the same shared value"


# --- a crashed run resumed -----------------------------------------------------------------


@pytest.fixture(scope="module")
def resumed(tmp_path_factory, small_campaign):
    """Three destinations planned by a CLI killed once D01 is written, then run again."""
    tmp = tmp_path_factory.mktemp("resume")
    root = small_campaign(tmp / "c", 3, 150, None)
    out = tmp / "out"
    cmd = [sys.executable, "-m", "planner", "campaign", "plan", str(root), "--out", str(out),
           "--work-limit", WORK_LIMIT]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while not (out / "D01" / "campaign_input.json").exists():
        assert proc.poll() is None and time.monotonic() < deadline, "D01 never written"
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    crashed = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    first = os.stat(out / "D01" / "trips.csv").st_mtime_ns
    again = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return out, crashed, first, again.stdout


def test_a_crashed_run_resumes_without_planning_finished_destinations(resumed):
    """After a kill, the re-run keeps D01 as written and plans only what was missing."""
    out, crashed, first, stdout = resumed
    assert "campaign_summary.json" not in crashed
    assert os.stat(out / "D01" / "trips.csv").st_mtime_ns == first
    assert "D01 上虞 01：已规划过，输入未变" in stdout
    summary = json.loads((out / "campaign_summary.json").read_text(encoding="utf-8"))
    assert [d["code"] for d in summary["destinations"]] == ["D01", "D02", "D03"]


def test_national_trip_ids_are_unique_and_name_their_destination(resumed):
    """trips.csv of the campaign: every id once, each the destination's code + its own id."""
    out = resumed[0]
    national = pd.read_csv(out / "trips.csv", dtype=str, keep_default_na=False)
    assert national["trip_id"].is_unique
    for code in ("D01", "D02", "D03"):
        own = pd.read_csv(out / code / "trips.csv", dtype=str, keep_default_na=False)
        mine = national[national["destination"] == code]
        assert list(mine["trip_id"]) == [f"{code}-{t}" for t in own["trip_id"]]
