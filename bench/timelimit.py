"""Does the time limit hold? Planned seconds against ``--time-limit`` on the demo and on
generated scenarios.

For each scenario and limit this runs ``jobbus plan SCENARIO --time-limit T`` in a fresh process
(one at a time: the planner uses both cores) and reads the "planned in X s" line the command
prints (the seconds of ``plan_scenario``: distances, subsidies, the optimiser; not reading the
scenario or writing the files), with the process's whole wall time beside it. A run is within
the limit when planned ≤ 1.05 × T + 0.5 s.

Usage: ``python bench/timelimit.py [--limits 10,24,60] [--sizes 2000,10000,30000]
[--dir bench/results/timelimit]``. The generated scenarios are ``jobbus demo DIR --workers N
--seed 7``; they are written once under ``--dir`` and reused. A table goes to stdout and to
``DIR/timelimit.md``.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from jobbus_run import ROOT, jobbus, planned_seconds


def scenarios(sizes: list[int], out: Path) -> dict[str, Path]:
    """The demo and one generated scenario per size (written once, then reused)."""
    found = {"demo": ROOT / "data" / "demo"}
    for n in sizes:
        path = out / f"g{n // 1000}k"
        if not (path / "workers.csv").exists():
            done = jobbus("demo", str(path), "--workers", str(n), "--seed", "7", "--force")
            if done.returncode != 0:
                raise SystemExit(f"jobbus demo {path} failed:\n{done.stderr}")
        found[path.name] = path
    return found


def plan_once(scenario: Path, limit: float, out: Path) -> tuple[float, float]:
    """(planned seconds, wall seconds of the whole command) for one run."""
    t0 = time.perf_counter()
    done = jobbus("plan", str(scenario), "--out", str(out), "--time-limit", str(limit))
    wall = time.perf_counter() - t0
    planned = planned_seconds(done.stdout)
    if done.returncode != 0 or planned is None:
        raise SystemExit(f"jobbus plan {scenario} failed:\n{done.stdout}\n{done.stderr}")
    return planned, wall


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limits", default="10,24,60")
    ap.add_argument("--sizes", default="2000,10000,30000")
    ap.add_argument("--dir", default=str(ROOT / "bench" / "results" / "timelimit"))
    args = ap.parse_args(argv)
    limits = [float(x) for x in args.limits.split(",") if x]
    out = Path(args.dir)
    out.mkdir(parents=True, exist_ok=True)
    found = scenarios([int(x) for x in args.sizes.split(",") if x], out)
    head = "| scenario | " + " | ".join(f"{t:g} s: planned (wall)" for t in limits) + " |"
    rows = [head, "|---" * (len(limits) + 1) + "|"]
    print(f"load average at start: {os.getloadavg()[0]:.1f}")
    worst = 0.0
    for name, path in found.items():
        cells = []
        for t in limits:
            planned, wall = plan_once(path, t, out / f"plan-{name}-{t:g}")
            ok = planned <= 1.05 * t + 0.5
            worst = max(worst, planned / t)
            cells.append(f"{planned:.1f} ({wall:.1f}){'' if ok else ' OVER'}")
            print(f"{name} limit {t:g} s: planned {planned:.1f} s, wall {wall:.1f} s", flush=True)
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    table = "\n".join(rows)
    print(table)
    print(f"worst planned/limit: {worst:.3f}; load average at end: {os.getloadavg()[0]:.1f}")
    (out / "timelimit.md").write_text(table + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
