"""The command line: init, import, compute, export, users — and the demo seed."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest

from planner.cli import main
from planner.services import ledger as svc


def test_cli_import_compute_export(db_url: str, world, tmp_path: Path, capsys,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """init → import every kind → compute → export; bad input exits 2 naming row and column;
    JOBBUS_DATABASE_URL is honoured."""
    monkeypatch.setenv("JOBBUS_DATABASE_URL", db_url)
    assert main(["ledger", "init"]) == 0
    assert main(["ledger", "import", "scenario", str(world.scenario_dir)]) == 0
    assert "as draft version" in capsys.readouterr().out
    assert main(["ledger", "activate-policy"]) == 0
    assert main(["ledger", "import", "plan", str(world.plan_dir)]) == 0
    for kind in ("charters", "charter_riders", "arrivals", "insurance", "headcount",
                 "placements"):
        assert main(["ledger", "import", kind, str(world.events[kind])]) == 0
    assert main(["ledger", "import", "arrivals", str(world.events["arrivals"])]) == 0
    assert "already imported; nothing changed" in capsys.readouterr().out
    assert main(["subsidies", "compute", "--database-url", db_url]) == 0
    assert "new claims" in capsys.readouterr().out
    out = tmp_path / "finance.xlsx"
    assert main(["subsidies", "export", "finance", "--out", str(out)]) == 0
    assert "汇总" in openpyxl.load_workbook(out).sheetnames
    assert main(["subsidies", "export", "notice", "--out", str(tmp_path / "n.csv"),
                 "--state", "draft"]) == 0
    assert main(["subsidies", "export", "returns", "--out", str(tmp_path / "r.xlsx")]) == 0
    bad = tmp_path / "insurance.csv"
    bad.write_text("id_number,employer_uscc,month\n11010519491231002X,91350100M000100Y43,"
                   "2020-03\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["ledger", "import", "insurance", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "insurance.csv:2: id_number: the person with ID ending 002X is not in the ledger" in err
    assert "11010519491231002X" not in err  # the row says which; the message masks it
    assert main(["ledger", "import", "nonsense", str(bad)]) == 2
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-password\n"))
    assert main(["users", "add", "wang", "--role", "finance", "--password-stdin"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["users", "add", "zhao", "--role", "finance", "--password-stdin"]) == 2
    capsys.readouterr()
    assert main(["users", "list"]) == 0
    assert "wang" in capsys.readouterr().out


def test_cli_changes_a_users_role_and_stops_them(db_url: str, capsys,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """An administrator at the command line gives a user another role, stops them signing in
    and lets them in again; an unknown user or role exits 2 and changes nothing."""
    from planner.services.auth import list_users

    monkeypatch.setenv("JOBBUS_DATABASE_URL", db_url)
    assert main(["ledger", "init"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("Tea-kettle-Harbour-42\n"))
    assert main(["users", "add", "wang", "--role", "finance", "--password-stdin"]) == 0

    def wang() -> tuple[str, bool]:
        (user,) = [u for u in list_users(url=db_url) if u.username == "wang"]
        return str(user.role), user.active

    assert main(["users", "set-role", "wang", "reviewer"]) == 0
    assert wang() == ("reviewer", True)
    assert main(["users", "deactivate", "wang"]) == 0
    assert wang() == ("reviewer", False)
    assert main(["users", "activate", "wang"]) == 0
    assert wang() == ("reviewer", True)
    capsys.readouterr()
    assert main(["users", "deactivate", "nobody"]) == 2
    assert "nobody" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # argparse refuses a role that does not exist
        main(["users", "set-role", "wang", "boss"])
    assert wang() == ("reviewer", True)


def test_seed_demo_shows_every_state(tmp_path: Path, world) -> None:
    """The demo seed fills an empty ledger with claims in every state, and only once."""
    from planner.ledger import init_db

    url = init_db(f"sqlite:///{tmp_path / 'demo.sqlite'}")
    summary = svc.seed_demo(url, n_workers=60, seed=7, folder=tmp_path / "demo",
                            plan=world.plan, shipped=False)
    assert summary and summary.startswith("demo ledger: 60 people")
    states = set(svc.list_claims(url=url)["state"])
    assert states == {"draft", "reviewed", "approved", "in_notice", "notice_done", "paid",
                      "rejected"}
    assert svc.seed_demo(url, n_workers=60, seed=7, folder=tmp_path / "demo2",
                         plan=world.plan, shipped=False) is None
    money = svc.money_by_rule(url=url)
    assert money.iloc[-1]["paid_yuan"] > 0


def test_seeded_demo_is_a_sample_of_the_shipped_demo(tmp_path: Path) -> None:
    """The seeded scenario holds every shipped employer and fleet row and only shipped people,
    so uploading the shipped workers.csv on top of it raises no problem."""
    import shutil

    from planner.paths import DATA_DIR
    from planner.services.scenario import check_scenario

    folder = tmp_path / "scenario"
    assert svc.write_shipped_demo_sample(folder, 300, seed=2020)
    shipped = DATA_DIR / "demo"
    for name in ("employers.csv", "fleet.csv", "load_caps.csv", "policy.toml", "scenario.toml"):
        assert (folder / name).read_bytes() == (shipped / name).read_bytes(), name
    kept = (folder / "workers.csv").read_bytes().splitlines()
    everyone = (shipped / "workers.csv").read_bytes().splitlines()
    assert len(kept) == 301 and kept[0] == everyone[0]
    assert set(kept[1:]) <= set(everyone[1:])
    assert svc.write_shipped_demo_sample(tmp_path / "again", 300, seed=2020)
    again = (tmp_path / "again" / "workers.csv").read_bytes()
    assert again == (folder / "workers.csv").read_bytes()
    shutil.copyfile(shipped / "workers.csv", folder / "workers.csv")
    scenario, problems = check_scenario(folder)
    assert scenario is not None
    assert [p for p in problems if p.severity.name == "ERROR"] == []
