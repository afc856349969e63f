"""The scenario summary (golden), ``jobbus validate`` exit codes, and that importing the
package does not import streamlit."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from planner.cli import main
from planner.services.scenario import format_summary, load_scenario, scenario_summary

GOLDEN = Path(__file__).parent / "golden" / "scenario_summary.txt"


def test_summary_counts(make_scenario) -> None:
    """People by province, returning vs new, travel modes, demand per employer are counted."""
    s = scenario_summary(load_scenario(make_scenario()))
    assert (s.workers, s.returning, s.new) == (3, 2, 1)
    assert (s.seat, s.own, s.either, s.poverty_registered) == (1, 1, 1, 2)
    assert {p.name: p.people for p in s.provinces} == {"湖北省": 1, "贵州省": 1, "四川省": 1}
    assert s.total_demand == 8 and [e.returning for e in s.employers] == [1, 1]


def test_summary_golden(make_scenario, update_golden: bool) -> None:
    """format_summary matches the golden text (update with JOBBUS_UPDATE_GOLDEN=1)."""
    text = format_summary(scenario_summary(load_scenario(make_scenario())))
    if update_golden:
        GOLDEN.write_text(text, "utf-8")
    assert text == GOLDEN.read_text("utf-8")


def test_validate_ok_prints_summary(make_scenario, capsys: pytest.CaptureFixture[str]) -> None:
    """A valid scenario: exit 0, the summary on stdout, nothing on stderr."""
    assert main(["validate", str(make_scenario())]) == 0
    out, err = capsys.readouterr()
    assert "People: 3" in out and err == ""


def test_validate_errors_exit_2(make_scenario, capsys: pytest.CaptureFixture[str]) -> None:
    """Errors (and warnings) go to stderr as file:row: column: message; exit 2."""

    def edit(t):
        t["workers"][0]["phone"] = "123"
        t["workers"][1]["id_number"] = "5.22425E+17"

    assert main(["validate", str(make_scenario(edit=edit))]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "workers.csv:2: phone: 123 is not an 11-digit mainland mobile number" in err
    assert "workers.csv:3: id_number: Excel turned this ID number into a number" in err


def test_validate_warnings_exit_0(make_scenario, ids, capsys: pytest.CaptureFixture[str]) -> None:
    """Warnings alone are printed to stderr with exit 0."""
    old = ids.make_id("520524", "19900101")

    def edit(t):
        t["workers"][0]["id_number"] = old

    assert main(["validate", str(make_scenario(edit=edit))]) == 0
    _, err = capsys.readouterr()
    assert "workers.csv:2: id_number: warning: birthplace code 520524" in err


@pytest.mark.parametrize("which", ["missing", "file"])
def test_validate_bad_folder_no_traceback(
    tmp_path: Path, which: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A missing folder or a file instead of a folder: exit 2, one line, no traceback."""
    target = tmp_path / "nope"
    if which == "file":
        target.write_text("x", "utf-8")
    assert main(["validate", str(target)]) == 2
    _, err = capsys.readouterr()
    assert "Traceback" not in err and str(target) in err


def test_validate_unreadable_table(
    make_scenario, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A table that cannot be read (no permission) is a problem, not a traceback."""
    d = make_scenario()
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.name == "workers.csv":
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    assert main(["validate", str(d)]) == 2
    _, err = capsys.readouterr()
    assert "workers.csv: cannot be read (Permission denied)" in err and "Traceback" not in err


def test_import_does_not_pull_streamlit() -> None:
    """Importing planner, planner.io and planner.services.scenario never imports streamlit."""
    code = (
        "import sys, planner, planner.io, planner.services.scenario, planner.commands.validate;"
        "print('streamlit' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
