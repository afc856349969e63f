"""Imports: all or nothing, idempotent, referential checks, crash safety."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from planner.ledger import UnitOfWork
from planner.ledger import models as m
from planner.problems import InputError
from planner.services import imports
from planner.services import ledger as svc
from planner.services.auth import User

ORDER = ("charters", "charter_riders", "arrivals", "insurance", "headcount", "placements")


def _counts(url: str) -> dict[str, int]:
    return svc.ledger_counts(url=url)


def _load(url: str, world: object, operator: User) -> None:
    svc.import_path("scenario", world.scenario_dir, operator, url=url)  # type: ignore[attr-defined]
    svc.import_path("plan", world.plan_dir, operator, url=url)  # type: ignore[attr-defined]
    for kind in ORDER:
        svc.import_path(kind, world.events[kind], operator, url=url)  # type: ignore[attr-defined]


def test_every_kind_imports_once(ledger_url: str, world, actors) -> None:
    """Each kind imports its rows; importing every file again changes nothing at all."""
    op = actors["operator"]
    first = svc.import_path("scenario", world.scenario_dir, op, url=ledger_url)
    assert first.added == len(world.scenario.workers) + len(world.scenario.employers)
    assert svc.load_active_policy(ledger_url) is None  # the policy is only a draft
    plan = svc.import_path("plan", world.plan_dir, op, url=ledger_url)
    assert plan.added == len(world.plan.trips) + len(world.plan.assignments)
    for kind in ORDER:
        result = svc.import_path(kind, world.events[kind], op, url=ledger_url)
        assert result.added == len(pd.read_csv(world.events[kind])), kind
    before = _counts(ledger_url)
    assert before["charter_riders"] > 0 and before["placements"] > 0
    again = [svc.import_path("scenario", world.scenario_dir, op, url=ledger_url),
             svc.import_path("plan", world.plan_dir, op, url=ledger_url)]
    again += [svc.import_path(k, world.events[k], op, url=ledger_url) for k in ORDER]
    assert all(r.already and r.added == 0 for r in again)
    assert _counts(ledger_url) == before


def test_overlapping_file_adds_only_new_rows(ledger_url: str, world, actors, tmp_path) -> None:
    """A different file repeating known arrivals adds just the new ones."""
    op = actors["operator"]
    svc.import_path("scenario", world.scenario_dir, op, url=ledger_url)
    svc.import_path("plan", world.plan_dir, op, url=ledger_url)
    svc.import_path("charters", world.events["charters"], op, url=ledger_url)
    arrivals = pd.read_csv(world.events["arrivals"], dtype=str, keep_default_na=False)
    arrivals.iloc[:10].to_csv(tmp_path / "a1.csv", index=False)
    arrivals.iloc[5:20].to_csv(tmp_path / "a2.csv", index=False)
    assert svc.import_path("arrivals", tmp_path / "a1.csv", op, url=ledger_url).added == 10
    assert svc.import_path("arrivals", tmp_path / "a2.csv", op, url=ledger_url).added == 10


def test_conflicting_value_is_refused_whole(ledger_url: str, world, actors, tmp_path) -> None:
    """A known arrival with another date is a problem naming file, row and column; the new
    rows of that file are not written either."""
    op = actors["operator"]
    svc.import_path("scenario", world.scenario_dir, op, url=ledger_url)
    svc.import_path("plan", world.plan_dir, op, url=ledger_url)
    svc.import_path("charters", world.events["charters"], op, url=ledger_url)
    arrivals = pd.read_csv(world.events["arrivals"], dtype=str, keep_default_na=False)
    arrivals.iloc[:5].to_csv(tmp_path / "a1.csv", index=False)
    svc.import_path("arrivals", tmp_path / "a1.csv", op, url=ledger_url)
    changed = arrivals.iloc[2:12].copy()
    changed.iloc[1, changed.columns.get_loc("arrived_on")] = "2020-03-14"
    changed.to_csv(tmp_path / "a2.csv", index=False)
    before = _counts(ledger_url)
    with pytest.raises(InputError) as err:
        svc.import_path("arrivals", tmp_path / "a2.csv", op, url=ledger_url)
    assert str(err.value.problems[0]).startswith("a2.csv:3: arrived_on:")
    assert _counts(ledger_url) == before


def test_unknown_references_are_problems(ledger_url: str, world, actors, tmp_path) -> None:
    """Unknown person, employer, trip and contract are each named with row and column."""
    op = actors["operator"]
    svc.import_path("scenario", world.scenario_dir, op, url=ledger_url)
    arrivals = pd.read_csv(world.events["arrivals"], dtype=str, keep_default_na=False)
    on_trip = arrivals[arrivals["trip_id"].str.startswith("T")].iloc[:1]
    on_trip.to_csv(tmp_path / "arrivals.csv", index=False)
    with pytest.raises(InputError) as err:
        svc.import_path("arrivals", tmp_path / "arrivals.csv", op, url=ledger_url)
    assert [str(p) for p in err.value.problems] == [
        f"arrivals.csv:2: trip_id: unknown trip {on_trip.iloc[0]['trip_id']}: neither a planned "
        "trip nor a charter"]
    riders = pd.read_csv(world.events["charter_riders"], dtype=str)
    riders.iloc[:1].to_csv(tmp_path / "charter_riders.csv", index=False)
    with pytest.raises(InputError, match=r"charter_riders.csv:2: contract_no: unknown contract"):
        svc.import_path("charter_riders", tmp_path / "charter_riders.csv", op, url=ledger_url)
    stranger = "11010519491231002X"
    pd.DataFrame([{"id_number": stranger, "employer_uscc": "91350100M000100Y43",
                   "month": "2020-03"}]).to_csv(tmp_path / "insurance.csv", index=False)
    with pytest.raises(InputError) as err:
        svc.import_path("insurance", tmp_path / "insurance.csv", op, url=ledger_url)
    assert [p.column for p in err.value.problems] == ["id_number", "employer_uscc"]
    assert _counts(ledger_url)["events"] == len(world.scenario.workers)  # registrations only


def test_injected_failure_leaves_ledger_as_it_was(ledger_url: str, world, actors) -> None:
    """An exception just before commit (after every row was written) rolls everything back."""
    op = actors["operator"]
    svc.import_path("scenario", world.scenario_dir, op, url=ledger_url)
    before = _counts(ledger_url)

    def boom() -> None:
        raise RuntimeError("disk full")

    imports.before_import_commit = boom
    try:
        with pytest.raises(RuntimeError):
            svc.import_path("plan", world.plan_dir, op, url=ledger_url)
    finally:
        imports.before_import_commit = None
    assert _counts(ledger_url) == before
    assert svc.import_path("plan", world.plan_dir, op, url=ledger_url).added > 0


KILLED = """
import sys, time, pathlib
import planner.services.imports as imports
import planner.services.ledger as svc
from planner.services.auth import Role, system_actor
flag = pathlib.Path(sys.argv[3])
def hang():
    flag.write_text("in transaction")
    time.sleep(120)
imports.before_import_commit = hang
svc.import_path("plan", sys.argv[2], system_actor(Role.OPERATOR), url=sys.argv[1])
"""


def test_killed_import_leaves_ledger_as_it_was(ledger_url: str, world, actors,
                                                tmp_path: Path) -> None:
    """A process SIGKILLed in the middle of an import (rows written, not committed) leaves the
    ledger unchanged, and the import can be done again."""
    op = actors["operator"]
    svc.import_path("scenario", world.scenario_dir, op, url=ledger_url)
    before = _counts(ledger_url)
    flag = tmp_path / "flag"
    proc = subprocess.Popen([sys.executable, "-c", KILLED, ledger_url, str(world.plan_dir),
                             str(flag)])
    try:
        deadline = time.monotonic() + 60
        while not flag.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert flag.exists(), "the import never reached its transaction"
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    assert proc.returncode == -signal.SIGKILL
    assert _counts(ledger_url) == before
    with UnitOfWork(ledger_url) as uow:
        assert uow.repo.count(m.Trip) == 0
    assert svc.import_path("plan", world.plan_dir, op, url=ledger_url).added > 0


def _moved_plan(world: object, tmp_path: Path) -> Path:
    """A copy of the world's plan with its first person on another trip."""
    import shutil

    moved = tmp_path / "plan2"
    shutil.copytree(world.plan_dir, moved)  # type: ignore[attr-defined]
    table = pd.read_csv(moved / "assignments.csv", dtype=str, keep_default_na=False)
    other = next(t for t in table["trip_id"] if t != table.loc[0, "trip_id"])
    table.loc[0, "trip_id"] = other
    table.to_csv(moved / "assignments.csv", index=False)
    return moved


def test_second_plan_replaces_trips_nobody_took(ledger_url: str, world, actors,
                                                 tmp_path: Path) -> None:
    """A second plan of the same people, before anyone travelled, gets its own trip ids and
    replaces the first plan's trips in the ledger."""
    op = actors["operator"]
    svc.import_path("scenario", world.scenario_dir, op, url=ledger_url)
    svc.import_path("plan", world.plan_dir, op, url=ledger_url)
    result = svc.import_path("plan", _moved_plan(world, tmp_path), op, url=ledger_url)
    with UnitOfWork(ledger_url) as uow:
        ids = sorted(uow.repo.trips_by_id())
    assert ids == sorted(f"P002-{t.trip_id}" for t in world.plan.trips)
    assert result.added == len(world.plan.trips) + len(world.plan.assignments)


def test_second_plan_dropping_a_trip_that_ran_is_refused(ledger_url: str, world, actors,
                                                         tmp_path: Path) -> None:
    """Once people arrived on the first plan's trips, a plan moving them elsewhere is refused,
    naming trips.csv, the first plan, the trip and what happened on it; nothing is written."""
    op = actors["operator"]
    svc.import_path("scenario", world.scenario_dir, op, url=ledger_url)
    svc.import_path("plan", world.plan_dir, op, url=ledger_url)
    svc.import_path("charters", world.events["charters"], op, url=ledger_url)
    svc.import_path("arrivals", world.events["arrivals"], op, url=ledger_url)
    before = _counts(ledger_url)
    with pytest.raises(InputError) as err:
        svc.import_path("plan", _moved_plan(world, tmp_path), op, url=ledger_url)
    first = str(err.value.problems[0])
    assert first.startswith("trips.csv: trip_id: trip T") and "already carried people" in first
    assert "of the dispatched plan P001" in first  # the plan to open and lock the trip in
    assert _counts(ledger_url) == before
