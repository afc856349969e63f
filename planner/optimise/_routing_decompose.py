"""Route-based decomposition improvement around OR-Tools (internal).

Rules implemented (a POPMUSIC / "ruin a neighbourhood of routes and re-optimise it" scheme):

- Pick a seed customer (pseudo-randomly, from the given seed) and rank the current routes by how
  close their nearest customer is to it (``d(seed, c) + d(c, seed)``; only the matrix is used,
  no coordinates).
- Take the closest routes until they hold at least ``target_customers`` customers. Their
  customers plus the depot form a sub-instance with the same rules (capacity, time windows,
  route duration) and one spare vehicle.
- OR-Tools re-optimises the sub-instance under a small solution limit (deterministic) and/or
  time limit: either guided local search starting from the current routes of those customers,
  or (``ils`` set) OR-Tools' iterated local search, warm-started from the current routes (they
  are applied as route locks, which fix the first solution only).
- The new sub-routes replace the old ones only if they are strictly cheaper, so the whole
  solution never gets worse and stays feasible.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from planner.optimise._routing_model import (
    IlsSettings,
    Routes,
    RoutingModelData,
    search_parameters,
)


@dataclass(frozen=True)
class DecompositionSettings:
    """Knobs of the decomposition improvement.

    Attributes
    ----------
    target_customers : int
        Customers per sub-instance (whole routes are taken until this is reached).
    sub_solution_limit : int
        OR-Tools solutions accepted per sub-search (the deterministic work unit).
    sub_time_limit_s : float
        Wall-clock cap per sub-search.
    gls_lambda : float
        Guided local search coefficient of the sub-searches.
    ils : IlsSettings | None
        Re-optimise each sub-instance with OR-Tools' iterated local search (from the current
        routes) instead of guided local search.
    """

    target_customers: int = 80
    sub_solution_limit: int = 300
    sub_time_limit_s: float = 1.0
    gls_lambda: float = 0.1
    ils: IlsSettings | None = None


def routes_cost(distance: npt.NDArray[np.int64], routes: Routes, fixed_cost: int = 0) -> int:
    """Total arc cost of ``routes`` (depot 0 at both ends) plus ``fixed_cost`` per route."""
    total = 0
    for route in routes:
        path = np.fromiter((0, *route, 0), dtype=np.int64)
        total += int(distance[path[:-1], path[1:]].sum()) + fixed_cost
    return total


def improve_by_decomposition(
    data: RoutingModelData,
    matrix: npt.NDArray[np.int64],
    routes: Routes,
    settings: DecompositionSettings,
    *,
    seed: int,
    deadline: float | None,
    solution_budget: int | None,
    on_improve: Callable[[int], None] | None = None,
) -> tuple[Routes, dict[str, int]]:
    """Improve ``routes`` by re-optimising neighbourhoods of routes with OR-Tools.

    Parameters
    ----------
    data : RoutingModelData
        The full instance.
    matrix : numpy.ndarray
        The same distances as ``data.distance`` as an array (for fast costing).
    routes : Routes
        A feasible starting solution.
    settings : DecompositionSettings
        Sub-instance size and limits.
    seed : int
        Seed of the pseudo-random seed-customer choice.
    deadline : float | None
        ``time.monotonic()`` value at which to stop (``None``: no time limit).
    solution_budget : int | None
        Total OR-Tools solutions to spend over all sub-searches (``None``: no work limit).
        At least one of ``deadline`` and ``solution_budget`` must be set.
    on_improve : Callable[[int], None] | None
        Called with the new total cost after every accepted improvement.

    Returns
    -------
    tuple[Routes, dict[str, int]]
        The improved routes and counters (``iterations``, ``improvements``).
    """
    if deadline is None and solution_budget is None:
        raise ValueError("improve_by_decomposition needs a deadline or a solution budget")
    rng = random.Random(seed)
    current = [tuple(r) for r in routes if r]
    customers = data.size - 1
    stats = {"iterations": 0, "improvements": 0}
    if customers == 0 or len(current) < 2:
        return tuple(current), stats
    symmetric = matrix + matrix.T
    mean_arc = float(matrix.mean())
    spent = 0
    while True:
        if solution_budget is not None and spent >= solution_budget:
            break
        remaining_s = None
        if deadline is not None:
            remaining_s = deadline - time.monotonic()
            if remaining_s <= 0.05:
                break
        seed_customer = rng.randrange(1, data.size)
        chosen = _neighbourhood(current, symmetric[seed_customer], settings.target_customers)
        limit = settings.sub_solution_limit
        if solution_budget is not None:
            limit = min(limit, solution_budget - spent)
        sub_time = None
        if deadline is not None:
            sub_time = settings.sub_time_limit_s
            if remaining_s is not None:
                sub_time = min(sub_time, remaining_s)
        better = _improve_neighbourhood(
            data, matrix, current, chosen, settings, limit, sub_time, mean_arc
        )
        spent += limit
        stats["iterations"] += 1
        if better is not None:
            current = better
            stats["improvements"] += 1
            if on_improve is not None:
                on_improve(routes_cost(matrix, tuple(current), data.fixed_vehicle_cost))
    return tuple(current), stats


def _improve_neighbourhood(
    data: RoutingModelData,
    matrix: npt.NDArray[np.int64],
    current: list[tuple[int, ...]],
    chosen: list[int],
    settings: DecompositionSettings,
    limit: int,
    sub_time: float | None,
    mean_arc: float,
) -> list[tuple[int, ...]] | None:
    """The routes with the ``chosen`` ones re-optimised as a sub-instance (the others first),
    or None when the search found nothing strictly cheaper."""
    nodes = [0] + [c for r in chosen for c in current[r]]
    position = {node: i for i, node in enumerate(nodes)}
    sub_routes = tuple(tuple(position[c] for c in current[r]) for r in chosen)
    before = routes_cost(matrix, tuple(current[r] for r in chosen), data.fixed_vehicle_cost)
    found = _reoptimise(data.subset(nodes), sub_routes, settings, limit, sub_time, mean_arc)
    if found is None:
        return None
    new_routes = tuple(tuple(nodes[i] for i in route) for route in found)
    after = routes_cost(matrix, new_routes, data.fixed_vehicle_cost)
    if after >= before:
        return None
    keep = [current[r] for r in range(len(current)) if r not in set(chosen)]
    return keep + list(new_routes)


def _neighbourhood(
    current: list[tuple[int, ...]], closeness: npt.NDArray[np.int64], target_customers: int
) -> list[int]:
    """The routes closest to a seed customer (by their nearest customer's ``closeness``), taken
    until they hold ``target_customers`` customers; at least two."""
    ranked = sorted(
        range(len(current)),
        key=lambda r: (min(int(closeness[c]) for c in current[r]), r),
    )
    chosen: list[int] = []
    count = 0
    for r in ranked:
        chosen.append(r)
        count += len(current[r])
        if count >= target_customers:
            break
    if len(chosen) < 2:
        chosen = ranked[:2]
    return chosen


def _reoptimise(
    sub: RoutingModelData,
    sub_routes: Routes,
    settings: DecompositionSettings,
    limit: int,
    sub_time: float | None,
    mean_arc: float,
) -> Routes | None:
    """OR-Tools on a sub-instance with one spare vehicle, from its current routes: guided
    local search, or iterated local search when ``settings.ils`` is set; None if nothing
    found within ``limit`` solutions (and ``sub_time`` seconds, when timed)."""
    vehicles = len(sub_routes) + 1
    if settings.ils is None:
        parameters = search_parameters(
            metaheuristic="GUIDED_LOCAL_SEARCH",
            gls_lambda=settings.gls_lambda,
            solution_limit=limit,
            time_limit_s=sub_time,
        )
        return sub.solve(vehicles, parameters, initial_routes=sub_routes)
    parameters = search_parameters(
        metaheuristic="GREEDY_DESCENT",
        solution_limit=limit,
        time_limit_s=sub_time,
        ils=settings.ils,
        mean_arc=mean_arc,
    )
    return sub.solve(vehicles, parameters, initial_routes=sub_routes, iterated_local_search=True)
