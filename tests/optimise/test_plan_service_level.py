"""The service level on the command line and the self-return forecast by expected arrival."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from planner.commands.plan import _params
from planner.domain import Place, Scenario, Worker
from planner.problems import InputError
from planner.services.planning import build_instance, travel_days
from planner.subsidies.policy_toml import load_policy

LONGWAN = Path(__file__).resolve().parents[2] / "data" / "demo" / "policy-longwan-2020.toml"


def _args(**kw: object) -> argparse.Namespace:
    base = dict(params=None, time_limit=None, seed=None, work_limit=None, coaches_only=False)
    base.update(kw)
    base.setdefault("max_wait_days", None)
    return argparse.Namespace(**base)


def test_cli_max_wait_days_sets_none_and_numbers_and_rejects_junk() -> None:
    """--max-wait-days 5 → 5, 'none' → None, default 3; a negative value is bad input."""
    assert _params(_args()).max_wait_days == 3
    assert _params(_args(max_wait_days="5")).max_wait_days == 5
    assert _params(_args(max_wait_days="none")).max_wait_days is None
    with pytest.raises(InputError):
        _params(_args(max_wait_days="-1"))


def test_travel_days_rounds_up_whole_days() -> None:
    """1,900 road km at 70 km/h (27 h) is 2 days; 0 km is 0; 70 km is 1."""
    assert travel_days(1900, 70) == 2
    assert travel_days(0, 70) == 0
    assert travel_days(70, 70) == 1


def test_forecast_uses_expected_arrival_under_a_tapered_policy() -> None:
    """Longwan pays in full up to 22 Feb, half to 29 Feb: someone from Bijie free on 21 Feb
    arrives after 22 Feb (2 days on the road), so the forecast is half the full amount."""
    policy = load_policy(LONGWAN)
    sc = Scenario(
        name="t",
        destination=Place("龙湾区", 27.93, 120.81),
        plan_from=dt.date(2020, 2, 15),
        plan_to=dt.date(2020, 3, 15),
        workers=(
            Worker("A", "甲", "520502", dt.date(2020, 2, 21)),
            Worker("B", "乙", "520502", dt.date(2020, 2, 16)),
        ),
        employers=(),
        fleet=(),
    )
    sc = dataclasses.replace(sc, policy=policy)
    inst = build_instance(sc)
    assert inst.subsidy_fen["B"] > 0
    assert inst.subsidy_fen["A"] * 2 == inst.subsidy_fen["B"]
