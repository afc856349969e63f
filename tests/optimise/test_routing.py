"""Tests of the station-to-employers router (planner.optimise.routing)."""

from __future__ import annotations

import itertools
import math
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.optimise.routing import (
    RoutingResult,
    check_routes,
    cvrp_lower_bound,
    solve_cvrp,
)


def random_instance(
    customers: int, seed: int, capacity: int = 10
) -> tuple[list[list[int]], list[int]]:
    """Euclidean (rounded) instance with the depot at the centre."""
    rng = random.Random(seed)
    points = [(50, 50)] + [(rng.randint(0, 100), rng.randint(0, 100)) for _ in range(customers)]
    distance = [[round(math.dist(a, b)) for b in points] for a in points]
    demands = [0] + [rng.randint(1, capacity) for _ in range(customers)]
    return distance, demands


def recomputed_cost(distance: list[list[int]], routes: tuple[tuple[int, ...], ...]) -> int:
    """Cost of routes from the matrix, depot at both ends."""
    return sum(distance[a][b] for route in routes for a, b in itertools.pairwise((0, *route, 0)))


def brute_force_optimum(distance: list[list[int]], demands: list[int], capacity: int) -> int:
    """Exact CVRP optimum by enumerating set partitions and visiting orders (tiny n only)."""
    customers = list(range(1, len(demands)))

    def best_order(group: tuple[int, ...]) -> int:
        return min(recomputed_cost(distance, (perm,)) for perm in itertools.permutations(group))

    def partitions(items: list[int]) -> list[list[tuple[int, ...]]]:
        if not items:
            return [[]]
        first, rest = items[0], items[1:]
        out: list[list[tuple[int, ...]]] = []
        for size in range(len(rest) + 1):
            for others in itertools.combinations(rest, size):
                group = (first, *others)
                if sum(demands[c] for c in group) > capacity:
                    continue
                remaining = [c for c in rest if c not in others]
                out.extend([group, *tail] for tail in partitions(remaining))
        return out

    return min(sum(best_order(g) for g in parts) for parts in partitions(customers))


def test_routes_respect_capacity_and_visit_every_customer_once() -> None:
    """A 30-customer instance gets routes within capacity covering each customer once."""
    distance, demands = random_instance(30, seed=1, capacity=15)
    result = solve_cvrp(distance, demands, 15, work_limit=50)
    assert isinstance(result, RoutingResult)
    assert result.feasible
    visited = sorted(c for route in result.routes for c in route)
    assert visited == list(range(1, 31))
    assert all(sum(demands[c] for c in route) <= 15 for route in result.routes)
    assert check_routes(distance, demands, 15, result.routes) == []


def test_cost_equals_recomputed_route_cost_with_fixed_vehicle_cost() -> None:
    """The reported cost is the matrix cost of the routes plus the fixed cost per route."""
    distance, demands = random_instance(20, seed=2)
    result = solve_cvrp(np.array(distance), demands, 10, fixed_vehicle_cost=100, work_limit=100)
    assert result.cost == recomputed_cost(distance, result.routes) + 100 * len(result.routes)


def test_same_seed_and_work_limit_give_identical_routes() -> None:
    """With a work limit the router is deterministic: same input and seed, same routes."""
    distance, demands = random_instance(40, seed=3, capacity=12)
    first = solve_cvrp(distance, demands, 12, work_limit=40, seed=7)
    second = solve_cvrp(distance, demands, 12, work_limit=40, seed=7)
    assert first.routes == second.routes
    assert first.cost == second.cost


def test_demand_above_capacity_is_a_value_error() -> None:
    """A group larger than a coach is refused with a message naming the customer."""
    distance, demands = random_instance(3, seed=4)
    demands[2] = 27
    with pytest.raises(ValueError, match="customer 2 has demand 27 above the vehicle capacity"):
        solve_cvrp(distance, demands, 26, work_limit=10)


@pytest.mark.parametrize(
    "matrix",
    [[[0, 1, 2], [1, 0, 3]], [[0, 1], [1, 0, 2]], np.zeros((3, 2), dtype=int)],
)
def test_matrix_of_wrong_shape_is_a_value_error(matrix: object) -> None:
    """A non-square or ragged matrix is refused with a clear message."""
    with pytest.raises(ValueError, match="square"):
        solve_cvrp(matrix, [0, 1, 1], 5, work_limit=10)  # type: ignore[arg-type]


def test_demands_of_wrong_length_is_a_value_error() -> None:
    """Demands must have one entry per matrix row."""
    distance, _ = random_instance(3, seed=5)
    with pytest.raises(ValueError, match="one entry per node"):
        solve_cvrp(distance, [0, 1], 5, work_limit=10)


def test_too_small_fleet_is_reported_infeasible() -> None:
    """When the fleet cannot carry the total demand the result is infeasible, without routes."""
    distance, demands = random_instance(6, seed=6, capacity=10)
    demands = [0, 9, 9, 9, 9, 9, 9]
    result = solve_cvrp(distance, demands, 10, max_vehicles=3, work_limit=50)
    assert not result.feasible
    assert result.routes == ()


def test_time_windows_and_service_times_are_respected() -> None:
    """VRPTW: every service starts inside its window (checked by the independent checker)."""
    distance, demands = random_instance(12, seed=8, capacity=30)
    rng = random.Random(8)
    windows = [(0, 1000)] + [
        (start, start + 60) for start in (rng.randint(0, 600) for _ in range(12))
    ]
    service = [0] + [10] * 12
    result = solve_cvrp(
        distance, demands, 30, time_windows=windows, service_times=service, work_limit=200
    )
    assert result.feasible
    assert (
        check_routes(
            distance,
            demands,
            30,
            result.routes,
            travel_time=distance,
            service_times=service,
            time_windows=windows,
        )
        == []
    )


def test_max_route_duration_limits_each_route() -> None:
    """No route lasts longer than max_route_duration (travel + service)."""
    distance, demands = random_instance(10, seed=9, capacity=100)
    result = solve_cvrp(distance, demands, 100, max_route_duration=250, work_limit=200)
    assert result.feasible
    for route in result.routes:
        assert recomputed_cost(distance, (route,)) <= 250


def test_lower_bound_is_below_the_solution_cost() -> None:
    """The reported lower bound never exceeds the cost of the routes found."""
    distance, demands = random_instance(25, seed=10)
    result = solve_cvrp(distance, demands, 10, work_limit=150)
    assert 0 < result.lower_bound <= result.cost


@settings(max_examples=40, deadline=None)
@given(
    size=st.integers(min_value=1, max_value=6),
    capacity=st.integers(min_value=3, max_value=12),
    data=st.data(),
)
def test_lower_bound_never_exceeds_brute_force_optimum(
    size: int, capacity: int, data: st.DataObject
) -> None:
    """On tiny random (even asymmetric, non-metric) matrices the bound is at most the optimum."""
    n = size + 1
    cells = data.draw(st.lists(st.integers(0, 50), min_size=n * n, max_size=n * n))
    distance = [[0 if i == j else cells[i * n + j] for j in range(n)] for i in range(n)]
    demands = [0, *data.draw(st.lists(st.integers(1, capacity), min_size=size, max_size=size))]
    optimum = brute_force_optimum(distance, demands, capacity)
    assert cvrp_lower_bound(distance, demands, capacity) <= optimum


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), size=st.integers(2, 7))
def test_solver_returns_feasible_routes_no_cheaper_than_optimum(seed: int, size: int) -> None:
    """Whatever the instance, routes are feasible and cost at least the exact optimum."""
    distance, demands = random_instance(size, seed=seed, capacity=10)
    result = solve_cvrp(distance, demands, 10, work_limit=60, seed=seed)
    assert result.feasible
    assert check_routes(distance, demands, 10, result.routes) == []
    optimum = brute_force_optimum(distance, demands, 10)
    assert result.lower_bound <= optimum <= result.cost


def test_progress_reports_fractions_and_messages() -> None:
    """The progress callback receives fractions in [0, 1] and a final 'done' message."""
    distance, demands = random_instance(15, seed=11)
    calls: list[tuple[float, str]] = []
    solve_cvrp(distance, demands, 10, time_limit_s=0.5, progress=lambda f, m: calls.append((f, m)))
    assert calls
    assert all(0.0 <= fraction <= 1.0 for fraction, _ in calls)
    assert calls[-1][1].startswith("done")


def test_single_customer_and_depot_only_instances() -> None:
    """Degenerate instances return at once: one out-and-back route, or no route at all."""
    single = solve_cvrp([[0, 3], [4, 0]], [0, 2], 5, work_limit=5)
    assert single.routes == ((1,),)
    assert single.cost == 7
    assert single.lower_bound == 7
    empty = solve_cvrp([[0]], [0], 5, work_limit=5)
    assert empty.routes == ()
    assert empty.feasible
