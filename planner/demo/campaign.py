"""A synthetic campaign for ``jobbus demo --campaign DIR``: K destination scenario folders
(``d01``, ``d02``, …) and a ``campaign.toml`` naming them, with one shared coach pool.

Rules implemented here:

- destination ``i`` (from 0) is built by ``_destination_scenario(i, workers, seed, folder)``
  with ``workers`` people and its own seed (``seed + i``): the demo generator's destinations
  (``planner.demo.destinations``: Shangyu, Kunshan, Bao'an, Jinjiang, Yiwu — receiving counties
  of Zhejiang, Jiangsu, Guangdong and Fujian) in turn, so destinations differ in place, people
  and employers;
- every destination draws on one pool of ``POOL_VEHICLE`` coaches whose ``per_day`` is the
  fleet row's own ``available``: on their own each destination may use all of them, together
  they share them;
- the campaign folder is refused when it exists and is not empty (nothing written).
"""

from __future__ import annotations

import os
from pathlib import Path

from planner.demo.destinations import DESTINATIONS
from planner.demo.shape import DemoShape
from planner.demo.write import write_demo
from planner.problems import InputError, problem

POOL_VEHICLE = "45座大客车"
POOL_PROVINCE = "33"


def _destination_scenario(index: int, workers: int, seed: int, folder: Path) -> str:
    """Write destination ``index``'s scenario to ``folder``; its name in the campaign (the
    destination's short name, numbered when the campaign has more destinations than the
    generator has places)."""
    place = DESTINATIONS[index % len(DESTINATIONS)]
    shape = DemoShape(n_workers=workers, destination=place.key)
    write_demo(folder, seed + index, fmt="csv", shape=shape)
    return f"{place.short} {index + 1:02d}"


def write_demo_campaign(folder: str | os.PathLike[str], destinations: int, workers: int,
                        seed: int) -> list[str]:
    """Write a campaign of ``destinations`` scenarios of ``workers`` people each to ``folder``.

    Returns
    -------
    list of str
        The destinations' names, in campaign order.
    """
    root = Path(folder)
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise InputError([problem(str(root), "problem.demo_not_empty")])
    root.mkdir(parents=True, exist_ok=True)
    names = []
    lines = [f'name = "演示返岗战役（{destinations} 个目的地）"', ""]
    for i in range(destinations):
        sub = f"d{i + 1:02d}"
        name = _destination_scenario(i, workers, seed, root / sub)
        names.append(name)
        lines += ["[[destination]]", f'name = "{name}"', f'code = "D{i + 1:02d}"',
                  f'scenario = "{sub}"', ""]
    per_day = _pool_size(root / "d01")
    lines += ["[[pool]]", f'province = "{POOL_PROVINCE}"', f'vehicles = ["{POOL_VEHICLE}"]',
              f"per_day = {per_day}", ""]
    (root / "campaign.toml").write_text("\n".join(lines), encoding="utf-8")
    return names


def _pool_size(scenario: Path) -> int:
    """The pool vehicle's ``available`` in a destination's fleet.csv (10 when not given)."""
    import pandas as pd

    fleet = pd.read_csv(scenario / "fleet.csv", dtype=str, keep_default_na=False,
                        encoding="utf-8-sig")
    rows = fleet[fleet["name"] == POOL_VEHICLE]
    text = rows["available"].iloc[0] if len(rows) else ""
    return int(text) if text.strip().isdigit() else 10
