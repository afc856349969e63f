"""Scale: a scenario's units at once on several cores, and a campaign of many destinations on Ray.

1. **Units.** One scenario (default the demo) planned with its units one after another at
   ``--seq-limit`` seconds (the default 24), and with its units at once on ``--workers``
   local processes (``jobbus plan --workers W``) at each of ``--par-limits``: planned seconds,
   cost, lower bound and gap side by side.
2. **Campaign.** ``jobbus demo --campaign`` writes ``--destinations`` K destinations of
   ``--people`` N people each (the generator's five destinations in turn); ``jobbus campaign
   plan`` plans it at ``--campaign-limit`` seconds per destination on a local Ray with
   ``--workers`` W CPUs and in this process one destination after another (W = 1): wall
   seconds of each, every destination's gap (worst and median), and the parallel efficiency
   ``wall(1) / (W × wall(W))``.
3. **Extrapolation.** From the W-worker run: people planned per worker-second, and the minutes
   2 million people would take on 64 cores if that rate and the measured efficiency held
   (a destination is planned by one worker; 2 million people are 200 destinations of 10,000,
   so 64 cores always have work).

Usage: ``python bench/scale.py [--scenario DIR] [--workers 2] [--seq-limit 24]
[--par-limits 10,15,24] [--destinations 20] [--people 10000] [--campaign-limit 24]
[--skip-units] [--skip-campaign] [--dir bench/results/scale]``. Tables go to stdout and to
``DIR/scale.md``; figures to ``DIR/scale.json``. Run on an idle machine: nothing else may use
the cores.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

from jobbus_run import ROOT, jobbus, planned_seconds

TARGET_PEOPLE = 2_000_000
TARGET_CORES = 64


def _jobbus(*args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    t0 = time.perf_counter()
    done = jobbus(*args)
    if done.returncode != 0:
        raise SystemExit(f"jobbus {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done, time.perf_counter() - t0


def plan_units(scenario: Path, out: Path, limit: float, workers: int | None) -> dict[str, Any]:
    """One ``jobbus plan`` run: planned seconds and the summary's figures."""
    extra = [] if workers is None else ["--workers", str(workers)]
    done, wall = _jobbus("plan", str(scenario), "--out", str(out), "--time-limit", str(limit),
                         *extra)
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    return {"limit": limit, "workers": workers or 1, "at_once": workers is not None,
            "planned_s": planned_seconds(done.stdout), "wall_s": round(wall, 1),
            "cost": s["total_cost"], "bound": s["lower_bound"], "gap": s["gap"]}


def units_table(rows: list[dict[str, Any]]) -> list[str]:
    out = ["| units | limit (s) | planned (s) | cost (yuan) | bound (yuan) | gap |",
           "|---|---|---|---|---|---|"]
    for r in rows:
        how = f"at once, {r['workers']} processes" if r["at_once"] else "one after another"
        out.append(f"| {how} | {r['limit']:g} | {r['planned_s']} | {r['cost']:,.0f} | "
                   f"{r['bound']:,.0f} | {r['gap']:.2%} |")
    return out


def plan_campaign(campaign: Path, out: Path, limit: float, workers: int) -> dict[str, Any]:
    """One ``jobbus campaign plan`` run (Ray with ``workers`` CPUs; in-process for 1)."""
    shutil.rmtree(out, ignore_errors=True)
    how = ["--ray", "--workers", str(workers)] if workers > 1 else []
    _done, wall = _jobbus("campaign", "plan", str(campaign), "--out", str(out),
                          "--time-limit", str(limit), *how)
    s = json.loads((out / "campaign_summary.json").read_text(encoding="utf-8"))
    gaps = [d["gap"] for d in s["destinations"]]
    return {"workers": workers, "wall_s": round(wall, 1), "people": s["totals"]["people"],
            "gap_total": s["totals"]["gap"], "gap_worst": max(gaps),
            "gap_median": statistics.median(gaps), "destinations": len(gaps)}


def campaign_lines(one: dict[str, Any], many: dict[str, Any]) -> tuple[list[str], dict]:
    """The campaign table and the extrapolation."""
    w = many["workers"]
    eff = one["wall_s"] / (w * many["wall_s"])
    # people per worker-second on W workers: the measured efficiency is in it already
    rate = many["people"] / (many["wall_s"] * w)
    minutes = TARGET_PEOPLE / (rate * TARGET_CORES) / 60
    out = ["| executor | destinations | people | wall (s) | worst gap | median gap |",
           "|---|---|---|---|---|---|"]
    for r in (one, many):
        how = "in-process, one after another" if r["workers"] == 1 else f"Ray, {r['workers']} CPUs"
        out.append(f"| {how} | {r['destinations']} | {r['people']:,} | {r['wall_s']} | "
                   f"{r['gap_worst']:.2%} | {r['gap_median']:.2%} |")
    out += ["", f"Parallel efficiency on {w} CPUs: {eff:.0%} (wall(1) / ({w} × wall({w}))).",
            f"Rate: {rate:,.0f} people per worker-second; {TARGET_PEOPLE:,} people on "
            f"{TARGET_CORES} cores at that rate and efficiency: {minutes:.1f} min."]
    return out, {"efficiency": round(eff, 3), "people_per_worker_second": round(rate, 1),
                 "extrapolated_minutes_2m_64_cores": round(minutes, 1)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default=str(ROOT / "data" / "demo"))
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seq-limit", type=float, default=24.0)
    ap.add_argument("--par-limits", default="10,15,24")
    ap.add_argument("--destinations", type=int, default=20)
    ap.add_argument("--people", type=int, default=10_000)
    ap.add_argument("--campaign-limit", type=float, default=24.0)
    ap.add_argument("--skip-units", action="store_true")
    ap.add_argument("--skip-campaign", action="store_true")
    ap.add_argument("--dir", default=str(ROOT / "bench" / "results" / "scale"))
    args = ap.parse_args(argv)
    work = Path(args.dir)
    work.mkdir(parents=True, exist_ok=True)
    lines = [f"load average at start: {os.getloadavg()[0]:.1f}", ""]
    figures: dict[str, Any] = {}
    if not args.skip_units:
        scenario = Path(args.scenario)
        rows = [plan_units(scenario, work / "units-seq", args.seq_limit, None)]
        for limit in [float(x) for x in args.par_limits.split(",") if x]:
            rows.append(plan_units(scenario, work / f"units-{limit:g}", limit, args.workers))
        figures["units"] = rows
        lines += [f"Units of {scenario.name}:", *units_table(rows), ""]
    if not args.skip_campaign:
        campaign = work / f"campaign-{args.destinations}x{args.people}"
        if not (campaign / "campaign.toml").exists():
            _jobbus("demo", "--campaign", str(campaign), "--destinations",
                    str(args.destinations), "--workers", str(args.people), "--seed", "11")
        one = plan_campaign(campaign, work / "campaign-1", args.campaign_limit, 1)
        many = plan_campaign(campaign, work / f"campaign-{args.workers}", args.campaign_limit,
                             args.workers)
        table, extra = campaign_lines(one, many)
        figures["campaign"] = {"one": one, "many": many, **extra}
        lines += [f"Campaign {args.destinations} × {args.people:,} people, "
                  f"{args.campaign_limit:g} s per destination:", *table]
    text = "\n".join(lines)
    print(text)
    (work / "scale.md").write_text(text + "\n", encoding="utf-8")
    (work / "scale.json").write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
