"""Time the print-ready papers (``planner.io.papers``): the dispatch sheet, the manifests and the
self-return call list of a plan, and the plan folder with them (``write_plan``).

For each paper: the best of ``--repeat`` runs of making its bytes (``papers.*_xlsx``), as wall
seconds and as the process's CPU seconds (the CPU figure moves less when the machine is shared).
Then ``write_plan(plan, DIR, scenario)``: the CSVs, summary.json and the three papers, as
``jobbus plan`` writes them.

Usage: ``python bench/papers.py SCENARIO PLAN [--repeat 3]``, ``PLAN`` a folder written by
``jobbus plan SCENARIO --out PLAN``; a table goes to stdout (Markdown, for bench/README.md).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _best(fn: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    """The best wall and CPU seconds of ``repeat`` calls of ``fn``, and its last result."""
    walls, cpus, out = [], [], None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus), out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", type=Path)
    parser.add_argument("plan", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    from planner.geo import load_gazetteer
    from planner.io import load_scenario, papers, read_plan, write_plan

    scenario, plan = load_scenario(args.scenario), read_plan(args.plan)
    load_gazetteer()  # loaded once per process: not a paper's cost
    people = len({a.id_number for a in plan.assignments})
    print(f"{args.plan}: {len(plan.trips)} trips, {people} people on them, "
          f"{len(plan.self_returns)} coming on their own; load average "
          f"{os.getloadavg()[0]:.1f}\n")
    makers = {
        "dispatch.xlsx": lambda: papers.dispatch_xlsx(plan),
        "manifests.xlsx": lambda: papers.manifests_xlsx(plan, scenario),
        "self_return_calls.xlsx": lambda: papers.self_return_xlsx(plan, scenario),
    }
    print("| paper | s (CPU) | bytes |")
    print("|---|---|---|")
    for name, make in makers.items():
        wall, cpu, data = _best(make, args.repeat)
        print(f"| {name} | {wall:.2f} ({cpu:.2f}) | {len(data):,} |")
    with tempfile.TemporaryDirectory(prefix="jobbus-bench-papers-") as tmp:
        wall, cpu, _ = _best(lambda: write_plan(plan, Path(tmp) / "plan", scenario), args.repeat)
    print(f"\nwrite_plan with the papers: {wall:.2f} s ({cpu:.2f} s CPU); load average "
          f"{os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
