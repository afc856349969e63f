"""Two processes importing at the same moment: the loser gets a clear refusal (exit 2), never a
raw SQL error, and the ledger holds the winner's import once."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from planner.ledger import UnitOfWork
from planner.ledger import models as m
from planner.services import ledger as svc

# The winner: stops just before commit (every row written, locks held) until the loser has
# started its own import, and a moment more.
WINNER = """
import sys, time, pathlib
import planner.services.imports as imports
import planner.services.ledger as svc
from planner.services.auth import Role, add_user
flag, ready = pathlib.Path(sys.argv[4]), pathlib.Path(sys.argv[5])
def hold():
    flag.write_text("in transaction")
    deadline = time.monotonic() + 60
    while not ready.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(3)
imports.before_import_commit = hold
winner = add_user("winner", "Tea-kettle-Harbour-42", Role.OPERATOR, url=sys.argv[1])
svc.import_path(sys.argv[2], sys.argv[3], winner, url=sys.argv[1])
"""

# The loser: the command line, started once its interpreter is up (not when it is launched:
# on a busy machine starting Python alone can outlast the winner's transaction).
LOSER = """
import pathlib, sys
from planner.cli import main
import planner.commands.ledger, planner.services.ledger, planner.io  # loaded before the race
pathlib.Path(sys.argv[1]).write_text("importing")
sys.exit(main(sys.argv[2:]))
"""


def _race(url: str, kind: str, winner_path: Path, loser_path: Path,
          tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Start the winner, wait until it is inside its transaction, then run the loser through
    the CLI while the winner holds; both finish. Returns the loser's outcome."""
    flag, ready = tmp_path / "flag", tmp_path / "ready"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    winner = subprocess.Popen([sys.executable, "-c", WINNER, url, kind, str(winner_path),
                               str(flag), str(ready)], env=env)
    try:
        deadline = time.monotonic() + 60
        while not flag.exists() and winner.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert flag.exists(), "the winner never reached its transaction"
        loser = subprocess.run([sys.executable, "-c", LOSER, str(ready), "ledger", "import",
                                kind, str(loser_path), "--database-url", url],
                               capture_output=True, text=True, env=env, timeout=120)
    finally:
        assert winner.wait(60) == 0
    return loser


def test_same_file_twice_at_once(ledger_url: str, world, actors, tmp_path: Path) -> None:
    """The loser of two simultaneous imports of one plan exits 2 saying who imported it just
    now; the plan is in the ledger once."""
    svc.import_path("scenario", world.scenario_dir, actors["operator"], url=ledger_url)
    loser = _race(ledger_url, "plan", world.plan_dir, world.plan_dir, tmp_path)
    assert loser.returncode == 2, loser.stderr
    assert "already imported by winner just now (import #" in loser.stderr
    assert "SQL" not in loser.stderr and "Traceback" not in loser.stderr
    with UnitOfWork(ledger_url) as uow:
        assert [i.kind for i in uow.repo.imports()].count("plan") == 1
        assert uow.repo.count(m.Trip) == len(world.plan.trips)


def test_overlapping_files_at_once(ledger_url: str, world, actors, tmp_path: Path) -> None:
    """Two different arrivals files sharing rows, imported at once: on PostgreSQL the loser
    exits 2 asking to import again (nothing of it written); on SQLite it waits for the winner
    and adds only its new rows, or is refused clearly. Every arrival is in the ledger once."""
    op = actors["operator"]
    svc.import_path("scenario", world.scenario_dir, op, url=ledger_url)
    svc.import_path("plan", world.plan_dir, op, url=ledger_url)
    svc.import_path("charters", world.events["charters"], op, url=ledger_url)
    arrivals = pd.read_csv(world.events["arrivals"], dtype=str)
    assert len(arrivals) >= 4
    arrivals.iloc[:-1].to_csv(tmp_path / "first.csv", index=False)
    arrivals.iloc[1:].to_csv(tmp_path / "second.csv", index=False)
    loser = _race(ledger_url, "arrivals", tmp_path / "first.csv", tmp_path / "second.csv",
                  tmp_path)
    assert "SQL" not in loser.stderr and "Traceback" not in loser.stderr
    if ledger_url.startswith("postgresql"):
        assert loser.returncode == 2, loser.stderr
        assert "wrote some of the same rows at the same moment" in loser.stderr
    else:  # SQLite waits for the winner, or refuses the loser's stale snapshot clearly
        assert loser.returncode in (0, 2), loser.stderr
        assert loser.returncode == 0 or "at the same moment" in loser.stderr or (
            "being written" in loser.stderr), loser.stderr
    if loser.returncode == 2:  # import it again, as the message asks
        svc.import_path("arrivals", tmp_path / "second.csv", op, url=ledger_url)
    with UnitOfWork(ledger_url) as uow:
        arrived = [e for e in uow.session.query(m.Event).filter_by(kind="arrived")]
    assert len(arrived) == len(arrivals)


@pytest.fixture
def actors() -> dict[str, object]:
    """An operator, as the in-process imports need one."""
    from planner.services.auth import Role, system_actor

    return {"operator": system_actor(Role.OPERATOR)}
