"""The plan model's days-out of a coach against the timetable of the trip the builder makes
(issue #15, task H3).

For every sending county of each scenario given and each coach type: the model's estimate
(``Context.plan_coach``: arrival day offset, hire days) and those of the coach the builder
(``TripMaker.coach_trip``) makes for a typical trip from that county — one pickup there, to the
nearest employer, back empty to the pickup. Prints the disagreements (and a count of all).

With ``--plan SCENARIO PLAN_DIR``: the same for every coach trip of a written plan (its
``trips.csv``), re-timed with the builder's timetable from its departure, against the
estimate the vehicle-limit rule counts for its first pickup (with the anchor's pool when
``Context.plan_coach`` takes one).

Run: PYTHONPATH=. .venv/bin/python bench/hire_days.py data/demo DIR ...
     PYTHONPATH=. .venv/bin/python bench/hire_days.py --plan data/demo OUT_DIR
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import inspect
import itertools
import sys
from collections import Counter, defaultdict

from planner.domain import StopKind
from planner.io import load_scenario
from planner.optimise import PlanParams
from planner.optimise._build_trip import Built, TripMaker
from planner.optimise.model import Context
from planner.optimise.model.groups import _pools
from planner.rules.timetable import coach_timetable, hire_days, to_min
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


def compare_plan(folder: str, plan_dir: str, params: PlanParams) -> Counter:
    """(model days, built days) of every coach trip of a written plan."""
    sc = load_scenario(folder)
    inst = build_instance(sc, params)
    ctx = Context(inst, params)
    pools: dict[str, list[str]] = {}
    by_province: dict[str, list[str]] = defaultdict(list)
    for c, o in inst.origins.items():
        if f"c:{c}" in inst.index:
            by_province[o.province_code].append(c)
    for cs in by_province.values():
        pools.update(_pools(ctx, cs))
    takes_pool = "pool" in inspect.signature(ctx.plan_coach).parameters
    out: Counter = Counter()
    with open(f"{plan_dir}/trips.csv", encoding="utf-8-sig") as fh:
        for r in csv.DictReader(fh):
            kinds = r["stop_kinds"].split(";")
            if r["kind"] != "coach" or r["parent_trip_id"] or kinds[0] != "pickup":
                continue
            keys = [
                ("c:" if k == "pickup" else "e:") + x
                for x, k in zip(r["stop_refs"].split(";"), kinds, strict=True)
            ]
            legs = [inst.km(a, b) for a, b in itertools.pairwise(keys)]
            legs.append(inst.km(keys[-1], keys[0]))
            start = to_min(dt.datetime.fromisoformat(r["depart_time"]))
            sch = coach_timetable(
                start,
                legs,
                drivers=int(r["drivers"]),
                speed_kmh=params.speed_kmh,
                rules=ctx.rules,
                dwell_min=params.stop_dwell_min,
            )
            a = r["origin_adcode"]
            est = ctx.plan_coach(a, pools[a]) if takes_pool else ctx.plan_coach(a)
            out[(est[1], hire_days(start, sch.end))] += 1
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folders", nargs="+")
    ap.add_argument("--plan", action="store_true", help="folders are SCENARIO PLAN_DIR")
    args = ap.parse_args(argv)
    params = PlanParams()
    if args.plan:
        got = compare_plan(args.folders[0], args.folders[1], params)
        short = sum(n for (m, b), n in got.items() if m < b)
        long_ = sum(n for (m, b), n in got.items() if m > b)
        print(f"(model, built) days: {sorted(got.items())}")
        print(f"coach trips {sum(got.values())}: model a day short {short}, long {long_}")
        return 0
    total = bad = 0
    cols = ["county", "type", "hub_km", "emp_km", "model_days", "built_days",
            "model_lag", "built_lag", "model_drivers", "built_drivers"]
    for folder in args.folders:
        rows = compare(folder, params)
        off = [
            r
            for r in rows
            if r["model_days"] != r["built_days"] or r["model_lag"] != r["built_lag"]
        ]
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
