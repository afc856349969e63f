"""Helpers for the io tests: a minimal valid scenario written to a temporary folder.

Golden files under tests/io/golden/ are rewritten only when JOBBUS_UPDATE_GOLDEN=1 is set.
"""

from __future__ import annotations

import csv
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from stdnum.cn import ric, uscc

from planner.paths import DATA_DIR


def make_id(place: str = "422801", born: str = "19900101", seq: str = "123") -> str:
    """A resident ID with a correct check digit."""
    body = place + born + seq
    return body + ric.calc_check_digit(body + "0")


def make_uscc(org: str = "MA2BCDEF1", region: str = "330604") -> str:
    """A USCC with a correct check character."""
    body = "91" + region + org
    return body + uscc.calc_check_digit(body)


E1 = make_uscc("MA2BCDEF1")
E2 = make_uscc("MA2BCDEF2")
W1 = make_id("422801", "19900101", "123")
W2 = make_id("522425", "19880315", "456")
W3 = make_id("513227", "19950620", "789")

MINIMAL_POLICY = """name = "minimal"
valid_from = 2020-02-01
"""


def base_tables() -> dict[str, list[dict[str, str]]]:
    return {
        "workers": [
            {
                "id_number": W1,
                "name": "张三",
                "phone": "13800138000",
                "home_adcode": "422801",
                "home_address": "",
                "employer_uscc": E1,
                "available_from": "2020-02-16",
                "poverty_registered": "false",
                "travel": "seat",
            },
            {
                "id_number": W2,
                "name": "李四",
                "phone": "",
                "home_adcode": "",
                "home_address": "贵州省毕节市织金县",
                "employer_uscc": "",
                "available_from": "",
                "poverty_registered": "true",
                "travel": "either",
            },
            {
                "id_number": W3,
                "name": "王五",
                "phone": "",
                "home_adcode": "513227",
                "home_address": "",
                "employer_uscc": E2,
                "available_from": "",
                "poverty_registered": "是",
                "travel": "own",
            },
        ],
        "employers": [
            {
                "uscc": E1,
                "name": "绍兴甲纺织有限公司",
                "lat": "",
                "lon": "",
                "new_hires_wanted": "5",
                "needed_by": "",
            },
            {
                "uscc": E2,
                "name": "上虞乙机械有限公司",
                "lat": "30.05",
                "lon": "120.90",
                "new_hires_wanted": "3",
                "needed_by": "2020-03-01",
            },
        ],
        "fleet": [
            {
                "kind": "coach",
                "name": "53座大客车",
                "seats": "53",
                "max_load": "0.5",
                "cost_per_km": "8.00",
                "fixed_cost": "1800",
                "available": "",
                "origin_station": "",
                "origin_lat": "",
                "origin_lon": "",
                "lead_days": "0",
            },
            {
                "kind": "train",
                "name": "贵阳北—绍兴北专列",
                "seats": "1000",
                "max_load": "1",
                "cost_per_km": "",
                "fixed_cost": "600000.00",
                "available": "1",
                "origin_station": "贵阳北站",
                "origin_lat": "26.62",
                "origin_lon": "106.68",
                "lead_days": "1",
            },
        ],
    }


BASE_TOML = """name = "Test scenario"
destination = { name = "上虞区", lat = 30.03, lon = 120.87 }
plan_from = 2020-02-15
plan_to = 2020-03-15
workers = "workers.csv"
employers = "employers.csv"
fleet = "fleet.csv"
policy = "policy.toml"
"""


def write_csv(path: Path, rows: list[dict[str, str]] | str, encoding: str = "utf-8") -> Path:
    """Write rows (list of dicts) or raw text as a CSV file."""
    if isinstance(rows, str):
        path.write_text(rows, encoding=encoding)
        return path
    with path.open("w", encoding=encoding, newline="") as f:
        fields = list(rows[0]) if rows else []
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)
    return path


ScenarioMaker = Callable[..., Path]


@pytest.fixture
def make_scenario(tmp_path: Path) -> ScenarioMaker:
    """Write a minimal valid scenario; keyword args replace tables (rows or raw text), ``toml``
    replaces scenario.toml, ``edit`` is a function applied to the base tables."""

    def make(
        toml: str | None = None,
        edit: Callable[[dict[str, list[dict[str, str]]]], Any] | None = None,
        folder: str = "scen",
        **tables: list[dict[str, str]] | str,
    ) -> Path:
        d = tmp_path / folder
        d.mkdir(exist_ok=True)
        base = base_tables()
        if edit is not None:
            edit(base)
        base.update(tables)  # type: ignore[arg-type]
        for name, rows in base.items():
            write_csv(d / f"{name}.csv", rows)
        (d / "scenario.toml").write_text(toml if toml is not None else BASE_TOML, "utf-8")
        policy = DATA_DIR / "policies" / "shangyu-2020.toml"
        if policy.exists():
            shutil.copy(policy, d / "policy.toml")
        else:
            (d / "policy.toml").write_text(MINIMAL_POLICY, "utf-8")
        return d

    return make


@pytest.fixture
def update_golden() -> bool:
    """True when golden files may be rewritten (JOBBUS_UPDATE_GOLDEN=1)."""
    return os.environ.get("JOBBUS_UPDATE_GOLDEN") == "1"


@pytest.fixture
def ids() -> Any:
    """Test identities: ``W1``..``W3`` (workers), ``E1``, ``E2`` (employers) and the makers
    ``make_id``, ``make_uscc``, ``base_tables``, ``write_csv``."""
    import types

    return types.SimpleNamespace(
        W1=W1,
        W2=W2,
        W3=W3,
        E1=E1,
        E2=E2,
        make_id=make_id,
        make_uscc=make_uscc,
        base_tables=base_tables,
        write_csv=write_csv,
        BASE_TOML=BASE_TOML,
    )
