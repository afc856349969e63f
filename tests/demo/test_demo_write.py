"""Writing the demo: byte-identical files, the `jobbus demo` command, the shipped golden copy."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from planner import paths
from planner.cli import main
from planner.demo import home_adcodes, write_demo
from planner.demo.write import written_names

SHIPPED = paths.REPO_ROOT / "data" / "demo"


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_same_seed_gives_byte_identical_csv(tmp_path: Path) -> None:
    """Writing the same seed twice gives the same bytes in every file."""
    write_demo(tmp_path / "a", seed=11, n_workers=300)
    write_demo(tmp_path / "b", seed=11, n_workers=300)
    a, b = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert set(a) == set(written_names("csv"))
    assert a == b


def test_output_does_not_depend_on_hash_seed(tmp_path: Path) -> None:
    """A process with another PYTHONHASHSEED writes the same bytes as this one."""
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    code = f"from planner.demo import write_demo; write_demo({str(tmp_path / 'b')!r}, 9, 150)"
    subprocess.run([sys.executable, "-c", code], env=env, check=True)
    write_demo(tmp_path / "a", 9, 150)
    assert _files(tmp_path / "a") == _files(tmp_path / "b")


def test_xlsx_is_byte_identical_and_named_in_scenario(tmp_path: Path) -> None:
    """xlsx output is reproducible and scenario.toml names the .xlsx tables."""
    write_demo(tmp_path / "a", seed=3, n_workers=120, fmt="xlsx")
    write_demo(tmp_path / "b", seed=3, n_workers=120, fmt="xlsx")
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
    scenario = tomllib.loads((tmp_path / "a" / "scenario.toml").read_text(encoding="utf-8"))
    assert scenario["workers"] == "workers.xlsx" and scenario["fleet"] == "fleet.xlsx"


def test_csv_has_bom_english_headers_and_two_decimal_money(tmp_path: Path) -> None:
    """CSV starts with a UTF-8 BOM and English headers; money has two decimals."""
    write_demo(tmp_path / "d", n_workers=50)
    fleet = (tmp_path / "d" / "fleet.csv").read_bytes()
    assert fleet.startswith(b"\xef\xbb\xbfkind,name,seats,max_load,cost_per_km,fixed_cost")
    assert "coach,53座大客车,53,1.0,7.00,1800.00,".encode() in fleet
    scenario = tomllib.loads((tmp_path / "d" / "scenario.toml").read_text(encoding="utf-8"))
    assert scenario["destination"]["name"] == "上虞区"


def test_policy_copied_from_shipped_policies(tmp_path: Path) -> None:
    """policy.toml is the shipped Shangyu policy; Ningbo and Longwan sit beside it."""
    source = paths.DATA_DIR / "policies" / "shangyu-2020.toml"
    if not source.is_file():
        pytest.skip("data/policies/shangyu-2020.toml is not written yet")
    write_demo(tmp_path / "d", n_workers=50)
    assert (tmp_path / "d" / "policy.toml").read_bytes() == source.read_bytes()
    for other in ("ningbo-2020", "longwan-2020"):
        if (paths.DATA_DIR / "policies" / f"{other}.toml").is_file():
            assert (tmp_path / "d" / f"policy-{other}.toml").is_file()


def test_demo_loads_with_the_scenario_reader(tmp_path: Path) -> None:
    """A written demo (CSV and xlsx) passes planner.io without a single problem or warning."""
    if importlib.util.find_spec("planner.io") is None:
        pytest.skip("planner.io is not built yet")
    from planner.io import check_scenario

    for fmt in ("csv", "xlsx"):
        tables = write_demo(tmp_path / fmt, n_workers=400, fmt=fmt)
        scenario, problems = check_scenario(tmp_path / fmt)
        assert problems == [] and scenario is not None, [str(p) for p in problems[:5]]
        assert len(scenario.workers) == 400
        assert len(scenario.employers) == len(tables.employers)
        assert len(scenario.fleet) == 8 and len(scenario.load_caps) == 2
        homes = dict(zip(tables.workers["id_number"], home_adcodes(tables.workers), strict=True))
        assert {w.id_number: w.home_adcode for w in scenario.workers} == homes
        first = tables.workers.iloc[0]
        by_id = {w.id_number: w for w in scenario.workers}
        assert by_id[first["id_number"]].available_from == first["available_from"]


def test_cli_writes_and_prints_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`jobbus demo DIR` writes the scenario and prints a one-line summary."""
    target = tmp_path / "new" / "demo"
    assert main(["demo", str(target), "--workers", "200", "--seed", "5"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and "200 workers" in out[0] and "seed 5" in out[0]
    assert (target / "workers.csv").is_file()
    assert [p.name for p in target.parent.iterdir()] == ["demo"]  # no temporary folder left


def test_cli_refuses_non_empty_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A non-empty DIR is refused with exit 2 and left untouched."""
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    assert main(["demo", str(tmp_path), "--workers", "50"]) == 2
    err = capsys.readouterr().err
    assert "not empty" in err and "--force" in err
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_cli_force_replaces_demo_files_only(tmp_path: Path) -> None:
    """--force rewrites the demo's files and keeps the user's other files."""
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    (tmp_path / "workers.csv").write_text("old", encoding="utf-8")
    assert main(["demo", str(tmp_path), "--workers", "50", "--force"]) == 0
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert (tmp_path / "workers.csv").read_bytes().startswith(b"\xef\xbb\xbfid_number,")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_cli_refuses_a_file_as_folder(tmp_path: Path) -> None:
    """DIR naming an existing file is bad input (exit 2)."""
    target = tmp_path / "file"
    target.write_text("x", encoding="utf-8")
    assert main(["demo", str(target), "--force"]) == 2


def test_shipped_demo_equals_fresh_generation(tmp_path: Path) -> None:
    """data/demo is exactly what `jobbus demo` writes today (update: `--force` over it)."""
    write_demo(tmp_path / "fresh")
    fresh, shipped = _files(tmp_path / "fresh"), _files(SHIPPED)
    assert sorted(shipped) == sorted(fresh)
    changed = [name for name in fresh if fresh[name] != shipped[name]]
    assert changed == [], f"regenerate with `jobbus demo data/demo --force`: {changed}"


def test_cli_family_writes_members_and_description(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`jobbus demo DIR --family 2` writes two member folders, family.json and family.md."""
    target = tmp_path / "fam"
    assert main(["demo", str(target), "--family", "2", "--family-sizes", "100-200"]) == 0
    names = sorted(p.name for p in target.iterdir())
    assert names == ["family.json", "family.md", "member-01", "member-02"]
    assert (target / "member-01" / "scenario.toml").is_file()
    assert "2 scenarios" in capsys.readouterr().out
    assert main(["demo", str(tmp_path / "x"), "--family", "2", "--workers", "300"]) == 2
    assert not (tmp_path / "x").exists()
