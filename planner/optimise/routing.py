"""Station-to-employers router: a capacitated vehicle-routing solver on OR-Tools routing.

A special train unloads its workers at a station (the depot, node 0); feeder coaches of one
capacity take them to the employers (the customers) and come back. :func:`solve_cvrp` returns
routes that satisfy these rules:

- every customer is visited exactly once, by one coach (demands are not split);
- a coach's load (sum of its customers' demands) never exceeds ``capacity``;
- a customer whose demand alone exceeds ``capacity`` is an input error (``ValueError``): the
  caller must split that group over several stops before routing;
- optional: at most ``max_vehicles`` coaches; each route's duration (travel + service, waiting
  included) at most ``max_route_duration``; service at customer ``i`` starts inside
  ``time_windows[i]`` (VRPTW);
- cost = sum of the matrix entries of the arcs driven + ``fixed_vehicle_cost`` per coach used.

Search (presets in :meth:`RouterParams.for_size`, measured in bench/README.md): OR-Tools builds
a first solution and improves it with its iterated local search (SISR ruin and recreate with
simulated annealing) on the whole instance; then a route-based decomposition
(``_routing_decompose``) repeatedly re-optimises neighbourhoods of a few routes with the same
OR-Tools search, warm-started from the current routes, and keeps strict improvements. With
``work_limit`` (and no time limit) every phase is bounded by solution counts only, so the same
input and seed give the same routes. :func:`cvrp_lower_bound` gives a bound that is never above
the optimum (see ``_routing_bounds`` for the maths).
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from planner.optimise._routing_bounds import cvrp_bound
from planner.optimise._routing_decompose import (
    DecompositionSettings,
    improve_by_decomposition,
    routes_cost,
)
from planner.optimise._routing_model import (
    IlsSettings,
    Routes,
    RoutingModelData,
    search_parameters,
)

__all__ = [
    "DecompositionSettings",
    "IlsSettings",
    "RouterParams",
    "RoutingResult",
    "check_routes",
    "cvrp_lower_bound",
    "solve_cvrp",
]

MatrixLike = Sequence[Sequence[int]] | npt.NDArray[np.integer[Any]]
ProgressCallback = Callable[[float, str], None]

# Pure ruin and recreate (no local search after the recreate step) with annealing from 0.2 to
# 0.002 mean arc costs was the best measured setting (bench/README.md, section Router).
TUNED_ILS = IlsSettings(improve=False, temperatures_per_arc=(0.2, 0.002))
# With time windows the sub-searches need hotter annealing to leave a window-bound ordering:
# RC208 at 10 s, seeds 0-4: 1.0 / 1.5 / 0.2 / 1.7 / 1.0 % (mean 1.1) against 2.9 / 3.1 / 3.3 /
# 1.0 / 1.3 % (mean 2.3) with TUNED_ILS.
TIME_WINDOW_ILS = IlsSettings(improve=False, temperatures_per_arc=(1.0, 0.01))
MEDIUM_INSTANCE_NODES = 250
LARGE_INSTANCE_NODES = 600


@dataclass(frozen=True)
class RoutingResult:
    """What the router decided.

    Attributes
    ----------
    routes : tuple[tuple[int, ...], ...]
        One tuple of customer indices per coach, in visiting order (depot excluded).
    cost : int
        Total cost of ``routes`` recomputed from the matrix (fixed vehicle costs included).
    lower_bound : int
        A valid lower bound on the optimal cost (0 if not computed).
    feasible : bool
        Whether ``routes`` satisfy every rule; ``False`` with no routes when no solution was
        found (e.g. too few vehicles, impossible time windows).
    solve_seconds : float
        Wall-clock time of the search.
    stats : dict
        Counters and phase costs (for benchmarks and logs).
    """

    routes: tuple[tuple[int, ...], ...]
    cost: int
    lower_bound: int
    feasible: bool
    solve_seconds: float
    stats: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RouterParams:
    """Tuned settings of the router (defaults are the benchmarked choice).

    Attributes
    ----------
    first_solution : str
        OR-Tools ``FirstSolutionStrategy`` of the whole-instance search.
    metaheuristic : str
        OR-Tools ``LocalSearchMetaheuristic`` of the whole-instance search (with ``ils`` set it
        only drives the local search inside each iteration).
    ils : IlsSettings | None
        Use OR-Tools' iterated local search (SISR ruin and recreate) with these settings;
        ``None``: plain metaheuristic search.
    gls_lambda : float
        Guided local search coefficient of the whole-instance search.
    spare_vehicles : int
        Vehicles beyond ``ceil(total demand / capacity)`` when ``max_vehicles`` is ``None``.
    whole_share : float
        Share of the budget (time or work) given to the whole-instance search; the rest goes to
        the decomposition improvement.
    whole_solution_limit : int | None
        Cap on the solutions of the whole-instance search (1 = first solution only).
    operators_off : tuple[str, ...]
        OR-Tools local search operators (``use_*`` fields) switched off.
    decomposition : DecompositionSettings
        Settings of the decomposition improvement.
    """

    first_solution: str = "PATH_CHEAPEST_ARC"
    metaheuristic: str = "GREEDY_DESCENT"
    ils: IlsSettings | None = field(default_factory=lambda: TUNED_ILS)
    gls_lambda: float = 0.1
    spare_vehicles: int = 3
    whole_share: float = 1.0
    whole_solution_limit: int | None = None
    operators_off: tuple[str, ...] = ()
    decomposition: DecompositionSettings = field(default_factory=DecompositionSettings)

    @classmethod
    def for_size(cls, nodes: int, *, time_windows: bool = False) -> RouterParams:
        """The benchmarked preset for an instance of ``nodes`` nodes (depot included).

        - Up to ``MEDIUM_INSTANCE_NODES`` nodes: OR-Tools iterated local search (SISR ruin,
          cheapest-insertion recreate, simulated annealing) on the whole instance for 30 % of
          the budget, then the route-based decomposition (neighbourhoods of about 30
          customers, each re-optimised by the same iterated local search for up to 0.3 s).
        - Up to ``LARGE_INSTANCE_NODES``: the same with 60 % for the whole instance (its first
          local search takes longer).
        - Above: OR-Tools' per-iteration cost grows with the instance, so the whole instance
          only gets a first solution (path cheapest arc: on X-n1001 the decomposition then
          reaches 4.96 % in 10 s, from a savings start 6.32 %); the decomposition (about 60
          customers per neighbourhood) does all the improving.

        With time windows (up to ``LARGE_INSTANCE_NODES``): a greedy descent on the whole
        instance (20 % of the budget), then the decomposition with neighbourhoods of about 50
        customers and 0.5 s sub-searches annealed hotter (``TIME_WINDOW_ILS``); on RC208 the
        whole-instance iterated local search stalled at 3.3 % (bench/README.md).
        """
        if time_windows and nodes <= LARGE_INSTANCE_NODES:
            return cls(
                ils=None,
                whole_share=0.2,
                decomposition=DecompositionSettings(
                    target_customers=50,
                    sub_solution_limit=300,
                    sub_time_limit_s=0.5,
                    ils=TIME_WINDOW_ILS,
                ),
            )
        first = "PATH_CHEAPEST_ARC"
        if nodes <= LARGE_INSTANCE_NODES:
            return cls(
                first_solution=first,
                whole_share=0.3 if nodes <= MEDIUM_INSTANCE_NODES else 0.6,
                decomposition=DecompositionSettings(
                    target_customers=30,
                    sub_solution_limit=300,
                    sub_time_limit_s=0.3,
                    ils=TUNED_ILS,
                ),
            )
        return cls(
            first_solution="PATH_CHEAPEST_ARC",
            ils=None,
            whole_share=0.1,
            whole_solution_limit=1,
            decomposition=DecompositionSettings(
                target_customers=60,
                sub_solution_limit=300,
                sub_time_limit_s=0.3,
                ils=TUNED_ILS,
            ),
        )


def _as_matrix(distance: MatrixLike, name: str = "distance") -> npt.NDArray[np.int64]:
    """Validate a square non-negative integer matrix and return it as int64."""
    try:
        matrix = np.asarray(distance)
    except ValueError as error:  # ragged rows
        raise ValueError(f"{name} must be a square n x n matrix: {error}") from None
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1] or matrix.shape[0] == 0:
        raise ValueError(f"{name} must be a square n x n matrix, got shape {matrix.shape}")
    if matrix.dtype.kind not in "iu":
        if (
            matrix.dtype.kind == "f"
            and np.all(np.isfinite(matrix))
            and np.all(matrix == np.round(matrix))
        ):
            matrix = matrix.astype(np.int64)
        else:
            raise ValueError(f"{name} must hold integers, got dtype {matrix.dtype}")
    matrix = matrix.astype(np.int64)
    if (matrix < 0).any():
        raise ValueError(f"{name} must not be negative")
    return matrix


def _validate(
    distance: MatrixLike, demands: Sequence[int], capacity: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Check matrix, demands and capacity; return them as arrays."""
    matrix = _as_matrix(distance)
    n = matrix.shape[0]
    q = np.asarray(demands)
    if q.ndim != 1 or q.shape[0] != n:
        raise ValueError(f"demands must have one entry per node ({n}), got {q.shape}")
    if q.dtype.kind not in "iu":
        raise ValueError(f"demands must be integers, got dtype {q.dtype}")
    q = q.astype(np.int64)
    if q[0] != 0:
        raise ValueError(f"demands[0] is the depot and must be 0, got {q[0]}")
    if (q < 0).any():
        raise ValueError("demands must not be negative")
    if int(capacity) <= 0:
        raise ValueError(f"capacity must be positive, got {capacity}")
    too_big = np.nonzero(q > capacity)[0]
    if too_big.size:
        i = int(too_big[0])
        raise ValueError(
            f"customer {i} has demand {int(q[i])} above the vehicle capacity {capacity}: "
            "split it over several stops before routing"
        )
    return matrix, q


def cvrp_lower_bound(
    distance: MatrixLike, demands: Sequence[int], capacity: int, max_vehicles: int | None = None
) -> int:
    """A lower bound on the optimal CVRP cost, valid for any non-negative integer matrix.

    The maximum of a radial "staircase" bound (round trips from the depot, by shortest paths,
    against the ``ceil(sum q / Q)`` routes needed) and an assignment bound (depot copies for
    the routes); the proofs are in the docstring of ``planner.optimise._routing_bounds``.
    Fixed vehicle costs, time windows and route-length limits are ignored (relaxed), so the
    bound stays valid for those variants.

    Parameters
    ----------
    distance : matrix
        ``n x n`` integer matrix, node 0 = depot.
    demands : Sequence[int]
        Demand per node, ``demands[0] == 0``.
    capacity : int
        Vehicle capacity.
    max_vehicles : int | None
        Most routes a solution may use (tightens the assignment bound a little).

    Returns
    -------
    int
        The bound.

    Raises
    ------
    ValueError
        On a malformed matrix or demands, or a demand above the capacity.
    """
    matrix, q = _validate(distance, demands, capacity)
    return cvrp_bound(matrix, q, int(capacity), max_vehicles)


def check_routes(
    distance: MatrixLike,
    demands: Sequence[int],
    capacity: int,
    routes: Sequence[Sequence[int]],
    *,
    max_vehicles: int | None = None,
    travel_time: MatrixLike | None = None,
    service_times: Sequence[int] | None = None,
    time_windows: Sequence[tuple[int, int]] | None = None,
    max_route_duration: int | None = None,
) -> list[str]:
    """Solver-independent feasibility check; returns the violations (empty = feasible).

    Parameters
    ----------
    distance, demands, capacity, max_vehicles, travel_time, service_times, time_windows, \
max_route_duration
        As for :func:`solve_cvrp`.
    routes : Sequence[Sequence[int]]
        Customer indices per route, depot excluded.

    Returns
    -------
    list[str]
        Human-readable violations.
    """
    n = len(demands)
    problems: list[str] = []
    seen: dict[int, int] = {}
    for r, route in enumerate(routes):
        for c in route:
            if not 1 <= c < n:
                problems.append(f"route {r}: node {c} is not a customer")
                continue
            seen[c] = seen.get(c, 0) + 1
        load = sum(demands[c] for c in route if 0 <= c < n)
        if load > capacity:
            problems.append(f"route {r}: load {load} above capacity {capacity}")
    for c in range(1, n):
        if seen.get(c, 0) != 1:
            problems.append(f"customer {c} visited {seen.get(c, 0)} times")
    used = sum(1 for route in routes if route)
    if max_vehicles is not None and used > max_vehicles:
        problems.append(f"{used} routes, at most {max_vehicles} vehicles")
    if travel_time is not None and not problems:
        times = np.asarray(travel_time)
        service = list(service_times) if service_times is not None else [0] * n
        for r, route in enumerate(routes):
            start = time_windows[0][0] if time_windows is not None else 0
            clock = start
            previous = 0
            for c in (*route, 0):
                clock += int(times[previous, c]) + service[previous]
                if time_windows is not None:
                    lo, hi = time_windows[c]
                    clock = max(clock, lo)
                    if clock > hi:
                        problems.append(f"route {r}: node {c} reached at {clock}, after {hi}")
                previous = c
            if max_route_duration is not None and clock - start > max_route_duration:
                problems.append(f"route {r}: duration {clock - start} above {max_route_duration}")
    return problems


def solve_cvrp(
    distance: MatrixLike,
    demands: Sequence[int],
    capacity: int,
    *,
    max_vehicles: int | None = None,
    fixed_vehicle_cost: int = 0,
    time_limit_s: float = 10.0,
    work_limit: int | None = None,
    seed: int = 0,
    max_route_duration: int | None = None,
    travel_time: MatrixLike | None = None,
    service_times: Sequence[int] | None = None,
    time_windows: Sequence[tuple[int, int]] | None = None,
    progress: ProgressCallback | None = None,
    params: RouterParams | None = None,
    compute_lower_bound: bool = True,
) -> RoutingResult:
    """Route coaches from the depot (node 0) to every customer, minimising total cost.

    Parameters
    ----------
    distance : matrix
        ``n x n`` non-negative integer matrix (list of rows or numpy array); node 0 = depot.
    demands : Sequence[int]
        People per node; ``demands[0] == 0``.
    capacity : int
        Seats per coach.
    max_vehicles : int | None
        Coaches available; ``None`` = as many as needed (the solver gets
        ``ceil(sum demands / capacity) + params.spare_vehicles``).
    fixed_vehicle_cost : int
        Cost added per coach used.
    time_limit_s : float
        Wall-clock budget of the search (ignored when ``work_limit`` is set).
    work_limit : int | None
        Deterministic budget: the number of OR-Tools solutions accepted over all phases. With
        it no time limit applies and the result depends only on the input and ``seed``.
    seed : int
        Seed of the decomposition phase's pseudo-random choices.
    max_route_duration : int | None
        Upper bound on each route's duration (travel + service + waiting), in the units of
        ``travel_time``.
    travel_time : matrix | None
        Travel times (default: ``distance``) when durations or time windows are used.
    service_times : Sequence[int] | None
        Service duration per node (default 0).
    time_windows : Sequence[tuple[int, int]] | None
        ``(earliest, latest)`` start of service per node; entry 0 = the depot's opening hours.
    progress : Callable[[float, str], None] | None
        Called with (fraction of the budget used, message) when the solution improves.
    params : RouterParams | None
        Tuning settings (default :meth:`RouterParams.for_size` of the instance).
    compute_lower_bound : bool
        Whether to compute :func:`cvrp_lower_bound` (not counted in ``solve_seconds``).

    Returns
    -------
    RoutingResult

    Raises
    ------
    ValueError
        If the matrix is not square, sizes disagree, values are negative or not integers, or a
        customer's demand exceeds the capacity.
    """
    problem = _checked_problem(
        distance, demands, capacity, max_vehicles, fixed_vehicle_cost, work_limit,
        travel_time, service_times, time_windows, max_route_duration,
    )
    params = params or RouterParams.for_size(problem.n, time_windows=time_windows is not None)
    return _solve(problem, params, time_limit_s, work_limit, seed, progress, compute_lower_bound)


@dataclass(frozen=True)
class _Problem:
    """A checked CVRP instance, in the caller's node labels (the arguments of ``solve_cvrp``;
    ``times`` the travel-time matrix when routes are timed, else None)."""

    matrix: npt.NDArray[np.int64]
    q: npt.NDArray[np.int64]
    capacity: int
    max_vehicles: int | None
    fixed_vehicle_cost: int
    times: npt.NDArray[np.int64] | None
    service_times: Sequence[int] | None
    time_windows: Sequence[tuple[int, int]] | None
    max_route_duration: int | None

    @property
    def n(self) -> int:
        return int(self.matrix.shape[0])


def _checked_problem(
    distance: MatrixLike,
    demands: Sequence[int],
    capacity: int,
    max_vehicles: int | None,
    fixed_vehicle_cost: int,
    work_limit: int | None,
    travel_time: MatrixLike | None,
    service_times: Sequence[int] | None,
    time_windows: Sequence[tuple[int, int]] | None,
    max_route_duration: int | None,
) -> _Problem:
    """The arguments of ``solve_cvrp`` checked (raising its ValueErrors) and as arrays."""
    matrix, q = _validate(distance, demands, capacity)
    times = _check_timing(matrix, travel_time, service_times, time_windows, max_route_duration)
    if work_limit is not None and work_limit <= 0:
        raise ValueError(f"work_limit must be positive, got {work_limit}")
    return _Problem(
        matrix, q, int(capacity), max_vehicles, int(fixed_vehicle_cost), times, service_times,
        time_windows, max_route_duration,
    )


def _solve(
    problem: _Problem,
    params: RouterParams,
    time_limit_s: float,
    work_limit: int | None,
    seed: int,
    progress: ProgressCallback | None,
    compute_lower_bound: bool,
) -> RoutingResult:
    """``solve_cvrp`` on a checked problem: search in seeded labels, then the lower bound,
    then the routes in the caller's labels, checked and costed."""
    matrix, q, capacity, max_vehicles = (
        problem.matrix, problem.q, problem.capacity, problem.max_vehicles
    )
    n = problem.n
    order = _seeded_order(n, seed)
    search_matrix, data = _search_data(problem, order)
    total = int(q.sum())
    vehicles = _fleet_size(total, capacity, max_vehicles, params, n)
    lower_bound = 0
    stats: dict[str, Any] = {"vehicles": vehicles, "nodes": n}

    started = time.monotonic()
    budget_s = None if work_limit is not None else float(time_limit_s)
    deadline = None if budget_s is None else started + budget_s

    def report(message: str) -> None:
        if progress is None:
            return
        elapsed = time.monotonic() - started
        progress(min(1.0, elapsed / budget_s) if budget_s else 0.0, message)

    routes: Routes | None
    if n == 1:
        routes = ()
    elif n == 2:
        routes = ((1,),)  # one customer: nothing to search (and OR-Tools' ILS would not stop)
    elif max_vehicles is not None and total > max_vehicles * capacity:
        routes = None
        stats["status"] = "not enough capacity in the fleet"
    else:
        routes = _search(
            data, search_matrix, vehicles, params, budget_s, work_limit, seed, deadline, stats,
            report, progress is not None,
        )
    solve_seconds = time.monotonic() - started
    if compute_lower_bound and n > 1:
        bound_started = time.monotonic()
        lower_bound = cvrp_bound(matrix, q, capacity, max_vehicles)
        stats["lower_bound_seconds"] = time.monotonic() - bound_started
    if routes is None:
        return RoutingResult((), 0, lower_bound, False, solve_seconds, stats)
    routes = tuple(tuple(order[c] for c in r) for r in routes if r)
    violations = check_routes(
        matrix,
        q.tolist(),
        capacity,
        routes,
        max_vehicles=max_vehicles,
        travel_time=problem.times,
        service_times=problem.service_times,
        time_windows=problem.time_windows,
        max_route_duration=problem.max_route_duration,
    )
    if violations:
        stats["violations"] = violations
    cost = routes_cost(matrix, routes, data.fixed_vehicle_cost)
    report(f"done, cost {cost}")
    return RoutingResult(routes, cost, lower_bound, not violations, solve_seconds, stats)


def _check_timing(
    matrix: np.ndarray,
    travel_time: MatrixLike | None,
    service_times: Sequence[int] | None,
    time_windows: Sequence[tuple[int, int]] | None,
    max_route_duration: int | None,
) -> np.ndarray | None:
    """The travel-time matrix when routes are timed (``distance`` unless given), else None;
    raises ValueError when the times, service times or windows do not fit the matrix."""
    timed = travel_time is not None or time_windows is not None or max_route_duration is not None
    times = None
    if timed:
        times = matrix if travel_time is None else _as_matrix(travel_time, "travel_time")
        if times.shape != matrix.shape:
            raise ValueError(f"travel_time must have shape {matrix.shape}, got {times.shape}")
    n = matrix.shape[0]
    if service_times is not None and len(service_times) != n:
        raise ValueError(f"service_times must have {n} entries, got {len(service_times)}")
    if time_windows is not None:
        if len(time_windows) != n:
            raise ValueError(f"time_windows must have {n} entries, got {len(time_windows)}")
        for i, (lo, hi) in enumerate(time_windows):
            if lo > hi:
                raise ValueError(f"time window of node {i} is empty: ({lo}, {hi})")
    return times


def _seeded_order(n: int, seed: int) -> list[int]:
    """The nodes as the search sees them: the depot first, the customers shuffled by ``seed``
    (OR-Tools breaks ties by index, so the seed relabels them); seed 0 keeps the input order."""
    order = list(range(n))
    if seed:
        customers = order[1:]
        random.Random(seed).shuffle(customers)
        order = [0, *customers]
    return order


def _search_data(problem: _Problem, order: list[int]) -> tuple[np.ndarray, RoutingModelData]:
    """The distance matrix and the model data in the search's node ``order``."""
    perm = np.asarray(order)
    search_matrix = problem.matrix[np.ix_(perm, perm)]
    times, service_times, windows = problem.times, problem.service_times, problem.time_windows
    data = RoutingModelData(
        distance=search_matrix.tolist(),
        demands=problem.q[perm].tolist(),
        capacity=problem.capacity,
        fixed_vehicle_cost=problem.fixed_vehicle_cost,
        travel_time=None if times is None else times[np.ix_(perm, perm)].tolist(),
        service_times=None if service_times is None else [int(service_times[i]) for i in order],
        time_windows=None
        if windows is None
        else [(int(windows[i][0]), int(windows[i][1])) for i in order],
        max_route_duration=problem.max_route_duration,
    )
    return search_matrix, data


def _fleet_size(
    total: int, capacity: int, max_vehicles: int | None, params: RouterParams, n: int
) -> int:
    """Coaches the solver gets: ``max_vehicles``, else enough for the demand plus
    ``params.spare_vehicles``, at least two and at most one per customer."""
    needed = math.ceil(total / capacity)
    vehicles = max_vehicles if max_vehicles is not None else max(1, needed + params.spare_vehicles)
    if max_vehicles is None:
        vehicles = max(2, min(vehicles, n - 1))
    return vehicles


def _search(
    data: RoutingModelData,
    search_matrix: np.ndarray,
    vehicles: int,
    params: RouterParams,
    budget_s: float | None,
    work_limit: int | None,
    seed: int,
    deadline: float | None,
    stats: dict[str, Any],
    report: Callable[[str], None],
    reporting: bool,
) -> Routes | None:
    """Routes (in search labels) from the whole-instance search, then improved by
    decomposition with what is left of the budget; None when no solution was found."""
    routes = _whole_instance_search(
        data, vehicles, params, budget_s, work_limit, stats, report if reporting else None
    )
    if routes is None:
        stats.setdefault("status", "no solution found")
        return None
    stats["whole_cost"] = routes_cost(search_matrix, routes, data.fixed_vehicle_cost)
    report(f"first phase cost {stats['whole_cost']}")
    solution_budget = None
    if work_limit is not None:
        solution_budget = work_limit - math.ceil(work_limit * params.whole_share)
    if params.whole_share < 1 and (solution_budget is None or solution_budget > 0):
        routes, counters = improve_by_decomposition(
            data,
            search_matrix,
            routes,
            params.decomposition,
            seed=seed,
            deadline=deadline,
            solution_budget=solution_budget,
            on_improve=lambda cost: report(f"improved to {cost}"),
        )
        stats.update({f"decomposition_{k}": v for k, v in counters.items()})
    return routes


def _whole_instance_search(
    data: RoutingModelData,
    vehicles: int,
    params: RouterParams,
    budget_s: float | None,
    work_limit: int | None,
    stats: dict[str, Any],
    report: Callable[[str], None] | None,
) -> Routes | None:
    """First solution + metaheuristic on the whole instance, with its share of the budget."""
    time_limit = None if budget_s is None else max(0.05, budget_s * params.whole_share)
    solution_limit = None
    if work_limit is not None:
        solution_limit = max(1, math.ceil(work_limit * params.whole_share))
    if params.whole_solution_limit is not None:
        cap = params.whole_solution_limit
        solution_limit = cap if solution_limit is None else min(solution_limit, cap)
    parameters = search_parameters(
        first_solution=params.first_solution,
        metaheuristic=params.metaheuristic,
        gls_lambda=params.gls_lambda,
        time_limit_s=time_limit,
        solution_limit=solution_limit,
        operators_off=params.operators_off,
        ils=params.ils,
        mean_arc=float(np.mean(data.distance)),
    )
    best = [math.inf]

    def on_solution(cost: int) -> None:
        if report is not None and cost < best[0]:
            best[0] = cost
            report(f"solution of cost {cost}")

    started = time.monotonic()
    routes = data.solve(
        vehicles,
        parameters,
        iterated_local_search=params.ils is not None,
        on_solution=on_solution if report is not None else None,
    )
    if routes is None and time_limit is not None:
        # The time share ran out before the first solution: take the first solution anyway.
        parameters.ClearField("time_limit")
        parameters.solution_limit = 1
        routes = data.solve(vehicles, parameters)
        stats["first_solution_over_time"] = True
    stats["whole_seconds"] = time.monotonic() - started
    return routes
