"""Benchmark whole plans: 1k, 10k (the Shangyu demo) and 100k people.

For each size: wall time, cost, lower bound and gap of the optimiser; the same scenario
"planned by hand" (``planner.optimise.baseline``): saving in yuan and in vehicles; people per
trip against Shangyu 2020's 38.5; and the coaches-only variant beside PyVRP.

PyVRP comparison (what is fair): our coaches-only plan fixes who travels on which day under the
load caps, windows and drivers' rules that PyVRP cannot express. For every (prefecture,
departure day) of that plan, the people our coaches carry that day form a CVRP — depot = the
district hub, clients = their home counties (demand = people, split into coachloads),
capacity = the coach's capacity in force that day, cost per km. PyVRP packs and routes them;
both answers are then costed by the same function (hub-to-hub km: pickups plus the long legs,
our lawful timetable for hire days, daily fees, second drivers). Drop-offs inside the district
are left out of both. This measures our packing and pickup routing against a state-of-the-art
VRP solver on exactly the same people and days.

Usage: ``python bench/plans.py [--sizes 1000,10500,100000] [--time-limit 30] [--out DIR]``.
Results go to ``bench/results/plans.json`` and a table to stdout.

Family mode (issue #15): ``python bench/plans.py --family 8 --limits 10,24 [--family-seed 15]
[--family-sizes 2000-30000] [--work DIR]`` writes the family once (``jobbus demo DIR --family K``,
reused when its family.json matches), then plans every member at every limit, one run at a
time, each in a fresh ``jobbus plan MEMBER --time-limit T`` process. Per limit it reports the
median and worst gap (``summary.json``'s ``gap``: cost over the lower bound, minus 1), the worst
overshoot (the "planned in X s" line minus the limit; within the limit when planned ≤ 1.05 × T
+ 0.5 s), the people left unserved and the seconds to a first feasible plan (``summary.json``'s
``first_plan_seconds``: every unit has its trips, the lower bound still to come; a limit of 2 s
measures how soon a plan is there). Results: ``bench/results/family.json`` and ``family.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import statistics
import time
from collections import defaultdict
from pathlib import Path

from jobbus_run import jobbus, planned_seconds

from planner.demo import write_demo
from planner.domain import Plan, Trip, VehicleType
from planner.io import load_scenario
from planner.optimise import PlanParams
from planner.optimise.model import Context
from planner.rules.costs import coach_cost_fen
from planner.rules.drivers import drivers_needed
from planner.rules.timetable import coach_start, coach_timetable, hire_days
from planner.services.planning import build_instance, plan_by_hand
from planner.validation import validate_plan

SHANGYU_PEOPLE_PER_TRIP = 38.5


def hub_cost(
    ctx: Context, vehicle: VehicleType, counties: list[str], day: dt.date
) -> tuple[int, float]:
    """Cost and km of a coach picking up in ``counties`` (in order), to the hub and back."""
    inst = ctx.inst
    keys = [f"c:{c}" for c in counties] + ["hub"]
    legs = [inst.km(a, b) for a, b in itertools.pairwise(keys)] + [inst.km("hub", keys[0])]
    loaded = sum(legs[:-1])
    drivers = drivers_needed(loaded, ctx.rules)
    start = coach_start(day, ctx.params.coach_start_min[0])
    sch = coach_timetable(
        start,
        legs,
        drivers=drivers,
        speed_kmh=ctx.params.speed_kmh,
        rules=ctx.rules,
        dwell_min=ctx.params.stop_dwell_min,
    )
    km = sum(legs)
    return coach_cost_fen(vehicle, km, hire_days(start, sch.end), drivers), km


def pyvrp_side_by_side(ctx: Context, plan: Plan, seconds_per_cluster: float = 1.0) -> dict:
    """Our coaches vs PyVRP on the same (prefecture, day) clusters; see the module docstring."""
    from pyvrp import Location, Model
    from pyvrp.stop import MaxRuntime

    inst = ctx.inst
    fleet = {v.name: v for v in inst.scenario.fleet}
    clusters: dict[tuple[str, dt.date], list[Trip]] = defaultdict(list)
    for t in plan.trips:
        if not t.trip_id.startswith("C"):
            continue
        picks = [s.ref for s in t.stops if s.kind.value == "pickup"]
        pref = inst.origins[picks[0]].prefecture_code
        clusters[(pref, t.depart_date)].append(t)
    ours_fen = ours_km = 0.0
    theirs_fen = theirs_km = 0.0
    ours_n = theirs_n = 0
    riders: dict[str, dict[str, int]] = defaultdict(dict)
    for asg in plan.assignments:
        riders[asg.trip_id][asg.id_number] = 1
    workers = {w.id_number: w for w in inst.scenario.workers}
    t0 = time.perf_counter()
    relaxed = infeasible = 0
    for (_pref, day), trips in sorted(clusters.items(), key=lambda kv: (kv[0][0], str(kv[0][1]))):
        cap = max(t.capacity for t in trips)
        demand: dict[str, int] = defaultdict(int)
        mine = (0.0, 0.0, 0)
        for t in trips:
            picks = [s.ref for s in t.stops if s.kind.value == "pickup"]
            cost, km = hub_cost(ctx, fleet[t.vehicle], picks, day)
            mine = (mine[0] + cost, mine[1] + km, mine[2] + 1)
            for pid in riders[t.trip_id]:
                demand[workers[pid].home_adcode] += 1
        used_types: dict[str, int] = defaultdict(int)
        for t in trips:
            used_types[t.vehicle] += 1
        type_names = sorted(used_types, key=lambda nm: -fleet[nm].seats)

        def solve(
            same_fleet: bool,
            demand: dict[str, int] = demand,
            cap: int = cap,
            type_names: list[str] = type_names,
            used_types: dict[str, int] = used_types,
            trips: list[Trip] = trips,
        ) -> tuple[object, list[tuple[str, Location]]]:
            m = Model()
            hub = m.add_location(0, 0)
            depot = m.add_depot(hub)
            nodes: list[tuple[str, Location]] = [("hub", hub)]
            for county in sorted(demand):
                left = demand[county]
                while left > 0:
                    q = min(cap, left)
                    loc = m.add_location(0, 0)
                    m.add_client(loc, delivery=[q])
                    nodes.append((county, loc))
                    left -= q
            # The same vehicles as our plan used in this cluster (vehicle limits are global);
            # if PyVRP finds no feasible answer with them, as many as it likes.
            for nm in type_names:
                vt = fleet[nm]
                m.add_vehicle_type(
                    num_available=used_types[nm] if same_fleet else len(nodes),
                    capacity=[max(t.capacity for t in trips if t.vehicle == nm)],
                    start_depot=depot,
                    end_depot=depot,
                    unit_distance_cost=max(1, round(vt.cost_per_km_fen / 10)),
                    fixed_cost=int(vt.fixed_cost_fen),
                )
            for i, (ki, li) in enumerate(nodes):
                for j, (kj, lj) in enumerate(nodes):
                    if i != j:
                        ka = "hub" if ki == "hub" else f"c:{ki}"
                        kb = "hub" if kj == "hub" else f"c:{kj}"
                        m.add_edge(li, lj, distance=round(inst.km(ka, kb) * 10))
            return m.solve(stop=MaxRuntime(seconds_per_cluster), seed=0, display=False), nodes

        res, nodes = solve(True)
        if not res.best.is_feasible():  # type: ignore[attr-defined]
            relaxed += 1
            res, nodes = solve(False)
        if not res.best.is_feasible():  # type: ignore[attr-defined]
            infeasible += 1  # PyVRP found no lawful packing in time: cluster left out
            continue
        ours_fen += mine[0]
        ours_km += mine[1]
        ours_n += mine[2]
        for route in res.best.routes():  # type: ignore[attr-defined]
            seq = [nodes[act.idx + 1][0] for act in route if act.is_client()]
            order: list[str] = []
            for county in seq:
                if county not in order:
                    order.append(county)
            order.sort(key=lambda x: -inst.km(f"c:{x}", "hub"))
            vt = fleet[type_names[route.vehicle_type()]]
            cost, km = hub_cost(ctx, vt, order, day)
            theirs_fen += cost
            theirs_km += km
            theirs_n += 1
    return {
        "clusters": len(clusters),
        "ours": {"coaches": ours_n, "km": round(ours_km), "cost_yuan": round(ours_fen / 100, 2)},
        "pyvrp": {
            "coaches": theirs_n,
            "clusters_needing_more_vehicles": relaxed,
            "clusters_left_out_pyvrp_infeasible": infeasible,
            "km": round(theirs_km),
            "cost_yuan": round(theirs_fen / 100, 2),
            "seconds": round(time.perf_counter() - t0, 1),
        },
    }


def service(scenario, plan: Plan) -> dict:  # type: ignore[no-untyped-def]
    """Waits and lateness of the people a plan carries: days from ``max(available_from,
    plan_from)`` to their first leg's departure; arrivals after ``needed_by``; departure days."""
    from planner.validation import _journeys, check_windows

    trips = {t.trip_id: t for t in plan.trips}
    workers = {w.id_number: w for w in scenario.workers}
    waits = []
    days: dict[str, int] = defaultdict(int)
    for pid, seq in _journeys(plan).items():
        w = workers.get(pid)
        if w is None or seq[0] not in trips:
            continue
        dep = trips[seq[0]].depart_date
        waits.append((dep - max(w.available_from, scenario.plan_from)).days)
        days[dep.isoformat()] += 1
    waits.sort()
    top = sorted(days.items(), key=lambda kv: -kv[1])[:3]
    return {
        "carried": len(waits),
        "wait_days_mean": round(sum(waits) / max(1, len(waits)), 1),
        "wait_days_max": waits[-1] if waits else 0,
        "waiting_over_3_days": sum(1 for x in waits if x > 3),
        "late": sum(1 for m in check_windows(scenario, plan) if "needed_by" in m),
        "busiest_departure_days": dict(top),
        "trains": sum(1 for t in plan.trips if t.kind.value == "train"),
    }


def run_size(n: int, folder: Path, time_limit: float, pyvrp_seconds: float) -> dict:
    if not (folder / "scenario.toml").exists():
        write_demo(folder, seed=2020, n_workers=n)
    scenario = load_scenario(folder)
    out: dict = {"workers": len(scenario.workers)}
    from planner.services.planning import plan_scenario

    for label, params in (
        ("optimiser", PlanParams(time_limit_s=time_limit)),
        ("coaches_only", PlanParams(time_limit_s=time_limit, allow_trains=False)),
    ):
        t0 = time.perf_counter()
        plan = plan_scenario(scenario, params)
        wall = time.perf_counter() - t0
        s = plan.summary
        main = {a.trip_id for a in plan.assignments}
        out[label] = {
            "wall_seconds": round(wall, 1),
            "cost_yuan": round(s.total_cost_fen / 100, 2),
            "lower_bound_yuan": round(s.lower_bound_fen / 100, 2),
            "gap": s.gap,
            "trips": s.trips,
            "main_trips": len(main),
            "people_per_trip": round(len(plan.assignments) / max(1, len(main)), 1),
            "people_by_mode": s.extra.get("people_by_mode"),
            "trips_by_kind": s.extra.get("trips_by_kind"),
            "violations": len(validate_plan(scenario, plan, params)),
            "service": service(scenario, plan),
        }
        if label == "coaches_only" and pyvrp_seconds > 0:
            ctx = Context(build_instance(scenario, params), params)
            out["pyvrp"] = pyvrp_side_by_side(ctx, plan, pyvrp_seconds)
    t0 = time.perf_counter()
    hand = plan_by_hand(scenario)
    main = {a.trip_id for a in hand.assignments}
    out["by_hand"] = {
        "wall_seconds": round(time.perf_counter() - t0, 1),
        "cost_yuan": round(hand.summary.total_cost_fen / 100, 2),
        "trips": hand.summary.trips,
        "carried": len(hand.assignments),
        "unserved_people": sum(1 for u in hand.unserved if u.id_number),
        "people_per_trip": round(len(hand.assignments) / max(1, len(main)), 1),
        "service": service(scenario, hand),
    }
    opt = out["optimiser"]
    out["saving_vs_hand"] = {
        "yuan": round(out["by_hand"]["cost_yuan"] - opt["cost_yuan"], 2),
        "share": round(1 - opt["cost_yuan"] / out["by_hand"]["cost_yuan"], 3),
        "vehicles": out["by_hand"]["trips"] - opt["trips"],
    }
    return out


def write_family_once(work: Path, seed: int, count: int, sizes: tuple[int, int]) -> list[str]:
    """The member folders of the family (written by ``jobbus demo --family`` unless present)."""
    described = work / "family.json"
    want = {"seed": seed, "count": count, "sizes": list(sizes)}
    if described.exists():
        doc = json.loads(described.read_text(encoding="utf-8"))
        if {k: doc.get(k) for k in want} == want:
            return [m["name"] for m in doc["members"]]
    done = jobbus("demo", str(work), "--family", str(count), "--seed", str(seed),
                   "--family-sizes", f"{sizes[0]}-{sizes[1]}", "--force")
    if done.returncode != 0:
        raise SystemExit(f"jobbus demo --family failed:\n{done.stdout}\n{done.stderr}")
    doc = json.loads(described.read_text(encoding="utf-8"))
    return [m["name"] for m in doc["members"]]


def plan_member(scenario: Path, limit: float, out: Path) -> dict:
    """One ``jobbus plan`` run in a fresh process: planned and wall seconds, gap, unserved."""
    t0 = time.perf_counter()
    done = jobbus("plan", str(scenario), "--out", str(out), "--time-limit", f"{limit:g}")
    wall = time.perf_counter() - t0
    planned = planned_seconds(done.stdout)
    if done.returncode != 0 or planned is None:
        raise SystemExit(f"jobbus plan {scenario} failed:\n{done.stdout}\n{done.stderr}")
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    return {
        "planned_seconds": planned,
        "wall_seconds": round(wall, 1),
        "overshoot_seconds": round(planned - limit, 1),
        "within_limit": planned <= 1.05 * limit + 0.5,
        "gap": summary["gap"],
        "cost_yuan": summary["total_cost"],
        "unserved": summary.get("people_by_mode", {}).get("unserved"),
        "workers": summary["workers_planned"],
        "first_plan_seconds": summary.get("first_plan_seconds"),
    }


def family_table(results: dict, limits: list[float]) -> str:
    """Per limit: median and worst gap, worst overshoot, runs within the limit."""
    rows = [
        "| limit | members | median gap | worst gap (member) | worst overshoot (member) | "
        "within limit | unserved (total) | first plan, s (median / worst) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for limit in limits:
        runs = {m: r[f"{limit:g}"] for m, r in results["members"].items()}
        gaps = sorted(runs.items(), key=lambda kv: kv[1]["gap"])
        over = max(runs.items(), key=lambda kv: kv[1]["overshoot_seconds"])
        med = statistics.median(r["gap"] for r in runs.values())
        rows.append(
            f"| {limit:g} s | {len(runs)} | {100 * med:.2f}% | {100 * gaps[-1][1]['gap']:.2f}% "
            f"({gaps[-1][0]}) | {over[1]['overshoot_seconds']:+.1f} s ({over[0]}) | "
            f"{sum(r['within_limit'] for r in runs.values())}/{len(runs)} | "
            f"{sum(r['unserved'] or 0 for r in runs.values())} | {_first_plan(runs)} |"
        )
    return "\n".join(rows) + "\n"


def _first_plan(runs: dict[str, dict]) -> str:
    """Median and worst seconds to a whole, feasible plan (``first_plan_seconds``)."""
    found = [r["first_plan_seconds"] for r in runs.values() if r.get("first_plan_seconds")]
    if not found:
        return "—"
    return f"{statistics.median(found):.1f} / {max(found):.1f}"


def run_family(args: argparse.Namespace) -> None:
    """``--family K``: every member at every limit; summary per limit."""
    limits = [float(x) for x in args.limits.split(",") if x]
    lo, hi = (int(x) for x in args.family_sizes.split("-"))
    work = Path(args.work) / f"family-{args.family_seed}-{args.family}-{lo}-{hi}"
    members = write_family_once(work, args.family_seed, args.family, (lo, hi))
    results: dict = {
        "family_seed": args.family_seed, "count": args.family, "sizes": [lo, hi],
        "limits": limits, "load_average_start": round(os.getloadavg()[0], 2), "members": {},
    }
    for name in members:
        results["members"][name] = {}
        for limit in limits:
            run = plan_member(work / name, limit, work / f"plan-{name}-{limit:g}")
            results["members"][name][f"{limit:g}"] = run
            print(f"{name} at {limit:g} s: gap {100 * run['gap']:.2f}%, planned "
                  f"{run['planned_seconds']:.1f} s, wall {run['wall_seconds']:.1f} s", flush=True)
    results["load_average_end"] = round(os.getloadavg()[0], 2)
    table = family_table(results, limits)
    results["table"] = table
    out = Path(__file__).parent / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "family.json").write_text(json.dumps(results, ensure_ascii=False, indent=1),
                                     encoding="utf-8")
    (out / "family.md").write_text(table, encoding="utf-8")
    print(table)
    for limit in limits:
        firsts = ", ".join(
            f"{name} ({r[f'{limit:g}']['workers']:,}): {r[f'{limit:g}']['first_plan_seconds']} s"
            for name, r in results["members"].items()
        )
        print(f"first feasible plan at {limit:g} s — {firsts}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,10500,100000")
    ap.add_argument("--time-limit", type=float, default=30.0)
    ap.add_argument("--big-time-limit", type=float, default=240.0, help="for 100k people")
    ap.add_argument("--pyvrp-seconds", type=float, default=1.0, help="per cluster")
    ap.add_argument("--work", default="/tmp/jobbus-bench")
    ap.add_argument("--family", type=int, default=0, metavar="K",
                    help="plan K generated scenarios (jobbus demo --family) instead of --sizes")
    ap.add_argument("--limits", default="10,24", help="with --family: time limits, seconds")
    ap.add_argument("--family-seed", type=int, default=15)
    ap.add_argument("--family-sizes", default="2000-30000", metavar="LO-HI")
    args = ap.parse_args()
    if args.family > 0:
        run_family(args)
        return
    results = {}
    for n in [int(x) for x in args.sizes.split(",")]:
        tl = args.big_time_limit if n >= 50_000 else args.time_limit
        results[str(n)] = run_size(
            n, Path(args.work) / f"demo{n}", tl, args.pyvrp_seconds if n <= 20_000 else 0.0
        )
        print(json.dumps({str(n): results[str(n)]}, ensure_ascii=False, indent=1), flush=True)
    out = Path(__file__).parent / "results" / "plans.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"people per trip in Shangyu 2020: {SHANGYU_PEOPLE_PER_TRIP}")


if __name__ == "__main__":
    main()
