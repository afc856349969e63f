"""Running ``jobbus`` from a benchmark: a fresh ``python -m planner`` process on this checkout,
and the "planned in X s" line it ends with (either language)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_PLANNED = re.compile(r"(?:planned in|规划用时) ([0-9.]+) (?:s|秒)")


def jobbus(*args: str) -> subprocess.CompletedProcess[str]:
    """``jobbus ARGS`` in a fresh process on this checkout; output captured, never raises."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "planner", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )


def planned_seconds(stdout: str) -> float | None:
    """The seconds ``jobbus plan`` says it planned for (``None`` if it did not say)."""
    found = _PLANNED.search(stdout)
    return None if found is None else float(found.group(1))
