"""Ledger fixtures: ``ledger_url`` — a migrated, empty ledger on each backend; ``seeded`` — a
tiny ledger with two employers, four people and one trip, and actors of every role."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from planner.ledger import init_db
from planner.services.auth import Role, User, system_actor


@pytest.fixture
def ledger_url(db_url: str) -> str:
    """A migrated, empty ledger."""
    return init_db(db_url)


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2 parameters: tests check behaviour, not hashing cost."""
    from argon2 import PasswordHasher

    from planner.services import auth

    monkeypatch.setattr(auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024,
                                                        parallelism=1))


@pytest.fixture
def actors() -> dict[str, User]:
    """One trusted system actor per role (``system:<role>``), by role name: named users must
    exist in the ledger, whose role and active flag every action re-reads."""
    return {r.value: system_actor(r) for r in Role}


# ------------------------------------------------------------------ a tiny world
import datetime as dt  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

from planner.domain.model import (  # noqa: E402
    Assignment,
    Plan,
    PlanSummary,
    Scenario,
    SelfReturn,
    Stop,
    StopKind,
    Travel,
    Trip,
    Unserved,
    VehicleKind,
)


@dataclass(frozen=True)
class World:
    """A small demo scenario, a hand-made plan of it and simulated event files."""

    scenario_dir: Path
    plan_dir: Path
    events: dict[str, Path]
    scenario: Scenario
    plan: Plan


def hand_plan(scenario: Scenario) -> Plan:
    """Seat-seekers by province on coaches of at most 26; own-travellers come alone; every
    fifth seat-seeker is left unserved."""
    employers = {e.uscc: e for e in scenario.employers}
    recruit_to = scenario.employers[0].uscc
    by_province: dict[str, list[tuple[str, str, str]]] = {}
    self_returns: list[SelfReturn] = []
    unserved: list[Unserved] = []
    for i, w in enumerate(sorted(scenario.workers, key=lambda w: w.id_number)):
        uscc = w.employer_uscc or recruit_to
        if w.travel is Travel.OWN:
            self_returns.append(SelfReturn(w.id_number, uscc, "chose to come alone", 80_000))
        elif i % 5 == 4:
            unserved.append(Unserved("no seat left", w.id_number, w.employer_uscc))
        else:
            by_province.setdefault(w.home_adcode[:2], []).append(
                (w.id_number, uscc, w.home_adcode))
    trips: list[Trip] = []
    assignments: list[Assignment] = []
    day = scenario.plan_from + dt.timedelta(days=3)
    for n, (_prov, people) in enumerate(sorted(by_province.items()), start=1):
        for k in range(0, len(people), 26):
            group = people[k:k + 26]
            trip_id = f"T{n:02d}{k // 26}"
            origin = group[0][2]
            drops = sorted({u for _, u, _ in group})
            stops = (Stop(StopKind.PICKUP, f"county {origin}", origin, 30.0, 110.0),
                     *(Stop(StopKind.DROPOFF, employers[u].name, u, employers[u].lat,
                            employers[u].lon) for u in drops))
            trips.append(Trip(trip_id, VehicleKind.COACH, "53座大客车",
                              dt.datetime.combine(day, dt.time(6)),
                              dt.datetime.combine(day + dt.timedelta(days=1), dt.time(8)),
                              stops, 53, 26, len(group), 1500.0, 2_000_000 + 1000 * n,
                              origin_adcode=origin))
            assignments += [Assignment(i, trip_id, f"county {origin}", u) for i, u, _ in group]
    summary = PlanSummary(len(assignments), len(trips), sum(t.cost_fen for t in trips), 0, 0.0,
                          0, 0.0)
    return Plan(tuple(trips), tuple(assignments), tuple(self_returns), tuple(unserved), (),
                summary)


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    """A 60-worker demo scenario with a hand-made plan and simulated events, written once."""
    from planner.demo import write_demo
    from planner.io import load_scenario, write_plan, write_table
    from planner.ledger.demo_events import simulate_events

    root = tmp_path_factory.mktemp("world")
    write_demo(root / "scenario", seed=7, n_workers=60)
    scenario = load_scenario(root / "scenario")
    plan = hand_plan(scenario)
    write_plan(plan, root / "plan")
    events = {}
    for kind, frame in simulate_events(scenario, plan, seed=3).items():
        events[kind] = write_table(frame, root / f"{kind}.csv")
    return World(root / "scenario", root / "plan", events, scenario, plan)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql",
                                                               marks=pytest.mark.postgres)])
def loaded_url(request: pytest.FixtureRequest, world: World,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A ledger (per module and backend) holding the world: scenario, plan, every event file
    and the claims computed under the Shangyu 2020 policy."""
    import os
    import uuid

    from sqlalchemy import create_engine, text

    from planner.ledger.db import dispose_engine
    from planner.services import ledger as svc

    admin = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('loaded') / 'l.sqlite'}"
    else:
        base = os.environ.get("JOBBUS_TEST_POSTGRES_URL")
        if not base:
            pytest.skip("PostgreSQL tests need JOBBUS_TEST_POSTGRES_URL")
        schema = f"m_{uuid.uuid4().hex[:12]}"
        admin = create_engine(base)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    init_db(url)
    op = system_actor(Role.OPERATOR)
    svc.import_path("scenario", world.scenario_dir, op, url=url)
    svc.ensure_default_policy(url)  # the scenario's policy is a draft until activated
    svc.import_path("plan", world.plan_dir, op, url=url)
    for kind in EVENT_FILES:
        svc.import_path(kind, world.events[kind], op, url=url)
    svc.compute_claims(op, url=url)
    yield url
    dispose_engine(url)
    if admin is not None:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


EVENT_FILES = ("charters", "charter_riders", "arrivals", "insurance", "headcount", "placements")
