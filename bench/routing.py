"""Benchmark the station-to-employers router against OR-Tools defaults, PyVRP and VROOM.

Every solver gets the same integer matrix (the instance's rounding convention, see
``vrp_instances.py``), the same capacity and time windows, one thread, one seed and the same
time limit; one run each. Every result is re-costed with our matrix and checked feasible
(capacity, every customer exactly once, time windows) by ``planner.optimise.routing.check_routes``
before its gap to the best-known solution (BKS) is reported.

Usage::

    .venv/bin/python bench/routing.py                      # 10 s per solver and instance
    .venv/bin/python bench/routing.py --time-limit 60
    .venv/bin/python bench/routing.py --instances X-n101 RC208 --solvers ours pyvrp

The table is printed and saved to ``bench/results/routing-<time limit>s.md``.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from vrp_instances import DEFAULT_INSTANCES, VrpInstance, load_instance, route_cost

from planner.optimise._routing_model import RoutingModelData, search_parameters
from planner.optimise.routing import check_routes, solve_cvrp

Routes = tuple[tuple[int, ...], ...]
SPARE_VEHICLES = 3  # for solvers that need a fixed fleet on the unlimited-fleet X instances
RESULTS = Path(__file__).resolve().parent / "results"


def fleet(instance: VrpInstance) -> int:
    """Vehicles offered to fixed-fleet solvers."""
    if instance.max_vehicles is not None:
        return instance.max_vehicles
    return math.ceil(sum(instance.demands) / instance.capacity) + SPARE_VEHICLES


def run_ours(instance: VrpInstance, time_limit: float, seed: int) -> Routes:
    """The tuned router of planner.optimise.routing."""
    result = solve_cvrp(
        instance.distance,
        instance.demands,
        instance.capacity,
        max_vehicles=instance.max_vehicles,
        time_limit_s=time_limit,
        seed=seed,
        service_times=instance.service_times,
        time_windows=instance.time_windows,
        compute_lower_bound=False,
    )
    return result.routes


def run_ortools_default(instance: VrpInstance, time_limit: float, seed: int) -> Routes:
    """OR-Tools routing with PATH_CHEAPEST_ARC + guided local search, nothing tuned."""
    del seed  # OR-Tools routing has no seed
    data = RoutingModelData(
        distance=instance.distance.tolist(),
        demands=list(instance.demands),
        capacity=instance.capacity,
        travel_time=instance.distance.tolist() if instance.is_vrptw else None,
        service_times=list(instance.service_times) if instance.service_times else None,
        time_windows=list(instance.time_windows) if instance.time_windows else None,
    )
    parameters = search_parameters(
        first_solution="PATH_CHEAPEST_ARC",
        metaheuristic="GUIDED_LOCAL_SEARCH",
        time_limit_s=time_limit,
    )
    return data.solve(fleet(instance), parameters) or ()


def run_pyvrp(instance: VrpInstance, time_limit: float, seed: int) -> Routes:
    """PyVRP (hybrid genetic search) with MaxRuntime."""
    import pyvrp
    from pyvrp.stop import MaxRuntime

    n = len(instance.demands)
    windows = instance.time_windows or [(0, np.iinfo(np.int64).max)] * n
    service = instance.service_times or [0] * n
    locations = [pyvrp.Location(0, 0) for _ in range(n)]
    clients = [
        pyvrp.Client(
            location=i,
            delivery=[instance.demands[i]],
            service_duration=service[i],
            tw_early=windows[i][0],
            tw_late=windows[i][1],
        )
        for i in range(1, n)
    ]
    depot = pyvrp.Depot(location=0, tw_early=windows[0][0], tw_late=windows[0][1])
    vehicle = pyvrp.VehicleType(
        num_available=fleet(instance) if instance.max_vehicles else n - 1,
        capacity=[instance.capacity],
        tw_early=windows[0][0],
        tw_late=windows[0][1],
    )
    matrix: Any = instance.distance.astype(np.int64)  # the stubs want ndarray[int, ...]
    data = pyvrp.ProblemData(locations, clients, [depot], [vehicle], [matrix], [matrix])
    result = pyvrp.solve(data, MaxRuntime(time_limit), seed=seed, collect_stats=False)
    routes = []
    for route in result.best.routes():
        visits = [clients[a.idx].location for a in route if a.is_client()]
        if visits:
            routes.append(tuple(visits))
    return tuple(routes)


def run_vroom(instance: VrpInstance, time_limit: float, seed: int) -> Routes:
    """VROOM (pyvroom) at exploration level 5, one thread, with a timeout."""
    del seed  # VROOM is deterministic
    import vroom

    n = len(instance.demands)
    problem = vroom.Input()
    matrix = instance.distance.astype(np.uint32)
    problem.set_durations_matrix("car", matrix)
    problem.set_costs_matrix("car", matrix)
    depot_window = instance.time_windows[0] if instance.time_windows else None
    for v in range(fleet(instance)):
        kwargs = {}
        if depot_window is not None:
            kwargs["time_window"] = vroom.TimeWindow(*depot_window)
        problem.add_vehicle(
            vroom.Vehicle(v + 1, start=0, end=0, capacity=[instance.capacity], **kwargs)
        )
    for i in range(1, n):
        kwargs = {}
        if instance.time_windows is not None:
            kwargs["time_windows"] = [vroom.TimeWindow(*instance.time_windows[i])]
        if instance.service_times is not None:
            kwargs["default_service"] = instance.service_times[i]
        problem.add_job(vroom.Job(i, location=i, delivery=[instance.demands[i]], **kwargs))
    solution = problem.solve(
        exploration_level=5, nb_threads=1, timeout=timedelta(seconds=time_limit)
    )
    frame = solution.routes
    routes = []
    for _, group in frame.groupby("vehicle_id", sort=True):
        jobs = group[group["type"] == "job"]["location_index"].astype(int).tolist()
        if jobs:
            routes.append(tuple(jobs))
    return tuple(routes)


SOLVERS: dict[str, Callable[[VrpInstance, float, int], Routes]] = {
    "ours": run_ours,
    "ortools-default": run_ortools_default,
    "pyvrp": run_pyvrp,
    "vroom": run_vroom,
}


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print / save the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds per run")
    parser.add_argument(
        "--instances", nargs="*", default=None, help="name filters (substring match)"
    )
    parser.add_argument("--solvers", nargs="*", default=list(SOLVERS), choices=list(SOLVERS))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    names = [
        name
        for name in DEFAULT_INSTANCES
        if not args.instances or any(f in name for f in args.instances)
    ]
    load = os.getloadavg()
    header = [
        f"# Router benchmark, {args.time_limit:g} s per run, seed {args.seed}",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average at start "
        f"{load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}, {os.cpu_count()} cores",
        "",
        "| instance | BKS | solver | cost | gap % | routes | seconds | feasible |",
        "|---|---|---|---|---|---|---|---|",
    ]
    print("\n".join(header), flush=True)
    rows = []
    for name in names:
        instance = load_instance(name)
        for solver in args.solvers:
            started = time.monotonic()
            routes = SOLVERS[solver](instance, args.time_limit, args.seed)
            seconds = time.monotonic() - started
            violations = check_routes(
                instance.distance,
                list(instance.demands),
                instance.capacity,
                routes,
                max_vehicles=instance.max_vehicles,
                travel_time=instance.distance if instance.is_vrptw else None,
                service_times=instance.service_times,
                time_windows=instance.time_windows,
            )
            cost = route_cost(instance.distance, routes)
            gap = 100.0 * (cost - instance.bks_cost) / instance.bks_cost
            feasible = "yes" if not violations else f"NO: {violations[0]}"
            row = (
                f"| {name} | {instance.bks_cost} | {solver} | {cost} | {gap:.2f} | "
                f"{len(routes)} | {seconds:.1f} | {feasible} |"
            )
            rows.append(row)
            print(row, flush=True)
    load = os.getloadavg()
    footer = f"\nload average at end {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}"
    print(footer)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"routing-{args.time_limit:g}s.md"
    out.write_text("\n".join([*header, *rows, footer]) + "\n", encoding="utf-8")
    print(f"saved {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
