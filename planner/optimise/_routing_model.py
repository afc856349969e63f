"""OR-Tools routing model for one capacitated vehicle-routing instance (internal).

Rules implemented:

- Node 0 is the depot where every vehicle starts and ends; every customer is visited exactly
  once (no disjunctions: a solution that drops a customer does not exist).
- Arc cost = the integer distance matrix; each used vehicle adds ``fixed_vehicle_cost``.
- Capacity: the load of a vehicle (sum of demands of its customers) never exceeds ``capacity``.
- Optional time dimension: travel time of arc ``i -> j`` is ``travel_time[i][j] + service[i]``;
  waiting is allowed; service at ``j`` starts within ``time_windows[j]``; a route's span (depot
  departure to depot return) is at most ``max_route_duration``.

Solver handles never leave this module: :meth:`RoutingModelData.solve` returns plain routes
(tuples of node indices, depot excluded).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ortools.constraint_solver import (
    pywrapcp,
    routing_enums_pb2,
    routing_ils_pb2,
    routing_parameters_pb2,
)
from ortools.util import optional_boolean_pb2

Routes = tuple[tuple[int, ...], ...]

FIRST_SOLUTION = routing_enums_pb2.FirstSolutionStrategy
METAHEURISTIC = routing_enums_pb2.LocalSearchMetaheuristic


@dataclass(frozen=True)
class RoutingModelData:
    """Plain integer data of one routing instance (node 0 = depot).

    Attributes
    ----------
    distance : list[list[int]]
        Arc costs.
    demands : list[int]
        Demand per node.
    capacity : int
        Vehicle capacity.
    fixed_vehicle_cost : int
        Cost added per used vehicle.
    travel_time : list[list[int]] | None
        Travel times for the time dimension (``None``: no time dimension).
    service_times : list[int] | None
        Service duration per node.
    time_windows : list[tuple[int, int]] | None
        ``(earliest, latest)`` start of service per node (index 0: the depot's opening hours).
    max_route_duration : int | None
        Upper bound on each route's span.
    """

    distance: list[list[int]]
    demands: list[int]
    capacity: int
    fixed_vehicle_cost: int = 0
    travel_time: list[list[int]] | None = None
    service_times: list[int] | None = None
    time_windows: list[tuple[int, int]] | None = None
    max_route_duration: int | None = None

    @property
    def size(self) -> int:
        """Number of nodes, depot included."""
        return len(self.demands)

    @property
    def has_time(self) -> bool:
        """Whether the model needs a time dimension."""
        return self.travel_time is not None

    def subset(self, nodes: Sequence[int]) -> RoutingModelData:
        """The instance restricted to ``nodes`` (``nodes[0]`` must be the depot 0)."""
        dist = [[self.distance[a][b] for b in nodes] for a in nodes]
        time = None
        if self.travel_time is not None:
            time = [[self.travel_time[a][b] for b in nodes] for a in nodes]
        return RoutingModelData(
            distance=dist,
            demands=[self.demands[a] for a in nodes],
            capacity=self.capacity,
            fixed_vehicle_cost=self.fixed_vehicle_cost,
            travel_time=time,
            service_times=None
            if self.service_times is None
            else [self.service_times[a] for a in nodes],
            time_windows=None
            if self.time_windows is None
            else [self.time_windows[a] for a in nodes],
            max_route_duration=self.max_route_duration,
        )

    def horizon(self) -> int:
        """An upper bound on any cumul of the time dimension."""
        assert self.travel_time is not None
        if self.time_windows is not None:
            return (
                max(b for _, b in self.time_windows)
                + max(self.service_times or [0])
                + max(max(row) for row in self.travel_time)
            )
        if self.max_route_duration is not None:
            return self.max_route_duration
        return sum(max(row) for row in self.travel_time) + sum(self.service_times or [0])

    def solve(
        self,
        num_vehicles: int,
        parameters: routing_parameters_pb2.RoutingSearchParameters,
        *,
        initial_routes: Routes | None = None,
        iterated_local_search: bool = False,
        on_solution: Callable[[int], None] | None = None,
    ) -> Routes | None:
        """Build the OR-Tools model, search, and extract the routes.

        Parameters
        ----------
        num_vehicles : int
            Vehicles available (unused ones cost nothing).
        parameters : RoutingSearchParameters
            OR-Tools search parameters (first solution, metaheuristic, limits).
        initial_routes : Routes | None
            Start the local search from these routes (node indices) instead of a first
            solution heuristic.
        iterated_local_search : bool
            Use OR-Tools' iterated local search (ruin and recreate) driver.
        on_solution : Callable[[int], None] | None
            Called with the objective of every solution the search accepts.

        Returns
        -------
        Routes | None
            Non-empty routes of node indices, or ``None`` if no solution was found.
        """
        n = self.size
        manager = pywrapcp.RoutingIndexManager(n, num_vehicles, 0)
        model = pywrapcp.RoutingModel(manager)
        arc = model.RegisterTransitMatrix(self.distance)
        model.SetArcCostEvaluatorOfAllVehicles(arc)
        if self.fixed_vehicle_cost:
            model.SetFixedCostOfAllVehicles(self.fixed_vehicle_cost)
        load = model.RegisterUnaryTransitVector(self.demands)
        model.AddDimensionWithVehicleCapacity(load, 0, [self.capacity] * num_vehicles, True, "load")
        if self.travel_time is not None:
            self._add_time(model, manager, num_vehicles)
        if on_solution is not None:
            callback = on_solution  # bound for the closure below

            def report() -> None:
                callback(int(model.CostVar().Value()))

            model.AddAtSolutionCallback(report)
        if initial_routes is not None and iterated_local_search:
            # ILS has no warm start: lock the routes so that its first solution is them.
            model.CloseModelWithParameters(parameters)
            locks = [[manager.NodeToIndex(c) for c in route] for route in initial_routes]
            locks += [[] for _ in range(num_vehicles - len(locks))]
            model.ApplyLocksToAllVehicles(locks, False)
            solution = model.SolveWithIteratedLocalSearch(parameters)
        elif initial_routes is not None:
            model.CloseModelWithParameters(parameters)
            start = model.ReadAssignmentFromRoutes(
                [[manager.NodeToIndex(c) for c in route] for route in initial_routes], True
            )
            if start is None:
                solution = model.SolveWithParameters(parameters)
            else:
                solution = model.SolveFromAssignmentWithParameters(start, parameters)
        elif iterated_local_search:
            solution = model.SolveWithIteratedLocalSearch(parameters)
        else:
            solution = model.SolveWithParameters(parameters)
        if solution is None:
            return None
        routes: list[tuple[int, ...]] = []
        for vehicle in range(num_vehicles):
            index = solution.Value(model.NextVar(model.Start(vehicle)))
            route: list[int] = []
            while not model.IsEnd(index):
                route.append(manager.IndexToNode(index))
                index = solution.Value(model.NextVar(index))
            if route:
                routes.append(tuple(route))
        return tuple(routes)

    def _add_time(
        self, model: pywrapcp.RoutingModel, manager: pywrapcp.RoutingIndexManager, vehicles: int
    ) -> None:
        """Time dimension: travel + service, waiting allowed, windows and route span."""
        assert self.travel_time is not None
        service = self.service_times or [0] * self.size
        transit = [[t + service[i] for t in row] for i, row in enumerate(self.travel_time)]
        horizon = self.horizon()
        callback = model.RegisterTransitMatrix(transit)
        model.AddDimension(callback, horizon, horizon, False, "time")
        time = model.GetDimensionOrDie("time")
        if self.time_windows is not None:
            for node in range(1, self.size):
                lo, hi = self.time_windows[node]
                time.CumulVar(manager.NodeToIndex(node)).SetRange(lo, hi)
            depot_lo, depot_hi = self.time_windows[0]
            for vehicle in range(vehicles):
                time.CumulVar(model.Start(vehicle)).SetRange(depot_lo, depot_hi)
                time.CumulVar(model.End(vehicle)).SetRange(depot_lo, depot_hi)
        if self.max_route_duration is not None:
            for vehicle in range(vehicles):
                time.SetSpanUpperBoundForVehicle(self.max_route_duration, vehicle)


@dataclass(frozen=True)
class IlsSettings:
    """OR-Tools iterated local search: SISR ruin, cheapest-insertion recreate, local search.

    Attributes
    ----------
    avg_removed : int
        Average number of visits removed by a ruin (SISR ``avg_num_removed_visits``).
    max_sequence : int
        Longest string removed from one route (SISR ``max_removed_sequence_size``).
    bypass_factor : float
        SISR split-string parameter.
    recreate : str
        First-solution heuristic used to reinsert the removed visits.
    improve : bool
        Run the local search on every recreated solution.
    annealing : bool
        Accept worse reference solutions by simulated annealing (else greedy descent).
    initial_temperature, final_temperature : float | None
        Absolute annealing temperatures (take precedence over ``temperatures_per_arc``).
    temperatures_per_arc : tuple[float, float] | None
        Initial and final temperatures as multiples of the instance's mean arc cost (so the
        setting does not depend on the distance unit); ``None`` and no absolute temperatures:
        OR-Tools' automatic temperatures.
    """

    avg_removed: int = 10
    max_sequence: int = 10
    bypass_factor: float = 0.01
    recreate: str = "LOCAL_CHEAPEST_INSERTION"
    improve: bool = True
    annealing: bool = True
    initial_temperature: float | None = None
    final_temperature: float | None = None
    temperatures_per_arc: tuple[float, float] | None = None


def _set_ils(
    parameters: routing_parameters_pb2.RoutingSearchParameters,
    ils: IlsSettings,
    mean_arc: float | None,
) -> None:
    """Fill ``iterated_local_search_parameters`` from :class:`IlsSettings`."""
    parameters.use_iterated_local_search = True
    block = parameters.iterated_local_search_parameters
    block.perturbation_strategy = routing_ils_pb2.PerturbationStrategy.RUIN_AND_RECREATE
    block.improve_perturbed_solution = ils.improve
    ruin_recreate = block.ruin_recreate_parameters
    del ruin_recreate.ruin_strategies[:]
    sisr = ruin_recreate.ruin_strategies.add().sisr
    sisr.max_removed_sequence_size = ils.max_sequence
    sisr.avg_num_removed_visits = ils.avg_removed
    sisr.bypass_factor = ils.bypass_factor
    ruin_recreate.recreate_strategy.heuristic = getattr(FIRST_SOLUTION, ils.recreate)
    reference = block.reference_solution_acceptance_strategy
    if ils.annealing:
        annealing = reference.simulated_annealing
        annealing.cooling_schedule_strategy = routing_ils_pb2.CoolingScheduleStrategy.EXPONENTIAL
        temperatures: tuple[float, float] | None = None
        if ils.initial_temperature is not None and ils.final_temperature is not None:
            temperatures = (ils.initial_temperature, ils.final_temperature)
        elif ils.temperatures_per_arc is not None and mean_arc:
            temperatures = (
                ils.temperatures_per_arc[0] * mean_arc,
                ils.temperatures_per_arc[1] * mean_arc,
            )
        if temperatures is None:
            annealing.automatic_temperatures = True
        else:
            annealing.automatic_temperatures = False
            annealing.initial_temperature, annealing.final_temperature = temperatures
    else:
        reference.greedy_descent.SetInParent()
    block.best_solution_acceptance_strategy.greedy_descent.SetInParent()


def search_parameters(
    *,
    first_solution: str = "PATH_CHEAPEST_ARC",
    metaheuristic: str = "GUIDED_LOCAL_SEARCH",
    gls_lambda: float = 0.1,
    time_limit_s: float | None = None,
    solution_limit: int | None = None,
    operators_off: Sequence[str] = (),
    operators_on: Sequence[str] = (),
    ils: IlsSettings | None = None,
    mean_arc: float | None = None,
) -> routing_parameters_pb2.RoutingSearchParameters:
    """OR-Tools search parameters from plain values.

    Parameters
    ----------
    first_solution : str
        Name of a ``FirstSolutionStrategy`` value.
    metaheuristic : str
        Name of a ``LocalSearchMetaheuristic`` value.
    gls_lambda : float
        Guided local search penalty coefficient.
    time_limit_s : float | None
        Wall-clock limit of the search.
    solution_limit : int | None
        Limit on the number of solutions the search accepts (deterministic work limit).
    operators_off, operators_on : Sequence[str]
        ``use_*`` fields of ``local_search_operators`` to switch off / on.
    ils : IlsSettings | None
        Iterated local search settings (solve with ``iterated_local_search=True``); the
        metaheuristic then only drives the inner local search.
    mean_arc : float | None
        Mean arc cost of the instance (scales ``IlsSettings.temperatures_per_arc``).

    Returns
    -------
    RoutingSearchParameters
    """
    parameters = pywrapcp.DefaultRoutingSearchParameters()
    parameters.first_solution_strategy = getattr(FIRST_SOLUTION, first_solution)
    parameters.local_search_metaheuristic = getattr(METAHEURISTIC, metaheuristic)
    parameters.guided_local_search_lambda_coefficient = gls_lambda
    operators = parameters.local_search_operators
    for name in operators_off:
        setattr(operators, name, optional_boolean_pb2.BOOL_FALSE)
    for name in operators_on:
        setattr(operators, name, optional_boolean_pb2.BOOL_TRUE)
    if time_limit_s is not None:
        parameters.time_limit.FromMilliseconds(max(1, round(time_limit_s * 1000)))
    if solution_limit is not None:
        parameters.solution_limit = max(1, solution_limit)
    if ils is not None:
        _set_ils(parameters, ils, mean_arc)
    return parameters
