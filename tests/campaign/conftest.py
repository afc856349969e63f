"""``small_campaign(root, destinations, workers, per_day)``: a demo campaign of small Shangyu
scenarios (``jobbus demo --campaign``), its pool squeezed to ``per_day`` coaches when given so
the destinations have to share it."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest


def _small_campaign(root: Path, destinations: int, workers: int, per_day: int | None) -> Path:
    from planner.demo.campaign import write_demo_campaign

    write_demo_campaign(root, destinations, workers, seed=1)
    if per_day is not None:
        toml = root / "campaign.toml"
        text = re.sub(r"per_day = \d+", f"per_day = {per_day}", toml.read_text(encoding="utf-8"))
        toml.write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def small_campaign() -> Callable[[Path, int, int, int | None], Path]:
    return _small_campaign
