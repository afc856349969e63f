"""The plan model's days-out of a coach against the timetable of the trip the builder makes
(issue #15, task H3).

For every sending county of each scenario given and each coach type: the model's estimate
(``Context.plan_coach``: arrival day offset, hire days) and those of the coach the builder
(``TripMaker.coach_trip``) makes for a typical trip from that county — one pickup there, to the
nearest employer, back empty to the pickup. Prints the disagreements (and a count of all).

Run: PYTHONPATH=. .venv/bin/python bench/hire_days.py data/demo DIR ...
"""

from __future__ import annotations

import argparse
import sys

from planner.domain import StopKind
from planner.io import load_scenario
from planner.optimise import PlanParams
from planner.optimise._build_trip import Built, TripMaker
from planner.optimise.model import Context
from planner.services.planning import build_instance


def compare(folder: str, params: PlanParams) -> list[dict]:
    """One row per (county, coach type): the model's and the built trip's figures."""
    sc = load_scenario(folder)
    inst = build_instance(sc, params)
    ctx = Context(inst, params)
    maker = TripMaker(ctx, set(), lambda: (0.0, None))
    rows = []
    for a in sorted(inst.origins):
        if f"c:{a}" not in inst.index:
            continue
        near = min(ctx.emp_keys, key=lambda e: (inst.km(f"c:{a}", e), e))
        lag, hire, drivers = ctx.plan_coach(a)
        for v in ctx.coach_types:
            built = Built()
            keys = [(f"c:{a}", StopKind.PICKUP), (near, StopKind.DROPOFF)]
            trip = maker.coach_trip(built, "C", v, keys, sc.plan_from, v.seats, 1, a)
            assert trip is not None
            _name, first, last = built.trip_occ[trip.trip_id]
            rows.append(
                {
                    "scenario": folder,
                    "county": f"{inst.origins[a].province}{inst.origins[a].name}",
                    "type": v.name,
                    "hub_km": round(ctx.dhub(a)),
                    "emp_km": round(inst.km(f"c:{a}", near)),
                    "model_days": hire,
                    "built_days": (last - first).days + 1,
                    "model_lag": lag,
                    "built_lag": (trip.arrive.date() - first).days,
                    "model_drivers": drivers,
                    "built_drivers": trip.drivers,
                }
            )
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folders", nargs="+")
    args = ap.parse_args(argv)
    params = PlanParams()
    total = bad = 0
    cols = ["county", "type", "hub_km", "emp_km", "model_days", "built_days",
            "model_lag", "built_lag", "model_drivers", "built_drivers"]
    for folder in args.folders:
        rows = compare(folder, params)
        off = [r for r in rows if r["model_days"] != r["built_days"] or r["model_lag"] != r["built_lag"]]
        total += len(rows)
        bad += len(off)
        print(f"\n## {folder}: {len(off)} of {len(rows)} (county, type) disagree\n")
        if off:
            print("| " + " | ".join(cols) + " |")
            print("|" + "---|" * len(cols))
            for r in off:
                print("| " + " | ".join(str(r[c]) for c in cols) + " |")
    print(f"\n{bad} of {total} disagree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
