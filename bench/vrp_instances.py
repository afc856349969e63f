"""Read the VRPLIB benchmark instances into integer data, with each instance's rounding rule.

Rules implemented (see ../shared/bench/instances/README.md):

- X instances (Uchoa et al. 2017, ``EUC_2D``): the distance between two nodes is the Euclidean
  distance rounded to the nearest integer, ``nint(sqrt(dx^2 + dy^2))``.
- Solomon-type VRPTW instances (RC208, DIMACS convention): distances and times are truncated to
  one decimal, so in integers they are ``floor(10 * sqrt(dx^2 + dy^2))``; time windows and
  service times are scaled by 10 as well. A BKS of 776.1 is 7761 in these units.
- Node 0 is the depot; customer ``i`` of a ``.sol`` file is node ``i`` of the matrix.
- The BKS cost is recomputed from the ``.sol`` routes with the same matrix and must equal the
  figure in the file (scaled by the same factor); :func:`load_instance` raises otherwise.

The arithmetic is exact: coordinates are integers, so ``isqrt`` on the squared distance (scaled
by 100 for DIMACS, by 4 for rounding to nearest) avoids any floating-point tie question.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import vrplib

INSTANCE_DIR = Path(__file__).resolve().parents[2] / "shared" / "bench" / "instances"

# Instances the router benchmark runs by default (lrc206 is a pickup-and-delivery instance with
# no recorded BKS: not a CVRP, so it is not part of this benchmark).
DEFAULT_INSTANCES = ("X-n101-k25", "X-n200-k36", "X-n401-k29", "X-n1001-k43", "RC208")


@dataclass(frozen=True)
class VrpInstance:
    """One benchmark instance as integer data (node 0 = depot).

    Attributes
    ----------
    name : str
        Instance name, e.g. ``"X-n101-k25"``.
    distance : numpy.ndarray
        ``n x n`` integer matrix in the instance's rounding convention.
    demands : tuple[int, ...]
        Demand per node, ``demands[0] == 0``.
    capacity : int
        Vehicle capacity.
    scale : int
        Factor from the file's units to the integer units (1 for X, 10 for DIMACS).
    max_vehicles : int | None
        Fleet size given by the file (``None`` = unlimited).
    time_windows : tuple[tuple[int, int], ...] | None
        Scaled ``(earliest, latest)`` start of service per node, for VRPTW instances.
    service_times : tuple[int, ...] | None
        Scaled service duration per node, for VRPTW instances.
    bks_routes : tuple[tuple[int, ...], ...]
        Best-known solution's routes (customers only).
    bks_cost : int
        Best-known cost recomputed with ``distance`` (checked against the ``.sol`` file).
    """

    name: str
    distance: npt.NDArray[np.int64]
    demands: tuple[int, ...]
    capacity: int
    scale: int
    max_vehicles: int | None
    time_windows: tuple[tuple[int, int], ...] | None
    service_times: tuple[int, ...] | None
    bks_routes: tuple[tuple[int, ...], ...]
    bks_cost: int

    @property
    def is_vrptw(self) -> bool:
        """Whether the instance has time windows."""
        return self.time_windows is not None


def euclidean_matrix(coords: npt.ArrayLike, scale: int, rounding: str) -> npt.NDArray[np.int64]:
    """Integer distance matrix from integer coordinates.

    Parameters
    ----------
    coords : array_like
        ``n x 2`` integer coordinates.
    scale : int
        Multiply the distance by this factor before rounding.
    rounding : {"nint", "floor"}
        Round to nearest (X instances) or truncate (DIMACS).

    Returns
    -------
    numpy.ndarray
        ``n x n`` int64 matrix.
    """
    xy = np.asarray(coords)
    if not np.all(np.equal(np.mod(xy, 1), 0)):
        raise ValueError("coordinates must be integers for exact rounding")
    xy = xy.astype(np.int64)
    diff = xy[:, None, :] - xy[None, :, :]
    sq = (diff**2).sum(axis=2) * scale * scale
    isqrt = np.vectorize(math.isqrt, otypes=[np.int64])
    if rounding == "floor":
        return np.asarray(isqrt(sq), dtype=np.int64)
    if rounding == "nint":
        # nint(r) = floor(r + 1/2) = floor((floor(2r) + 1) / 2), floor(2r) = isqrt(4 * r^2).
        return np.asarray((isqrt(4 * sq) + 1) // 2, dtype=np.int64)
    raise ValueError(f"unknown rounding {rounding!r}")


def route_cost(distance: npt.NDArray[np.int64], routes: tuple[tuple[int, ...], ...]) -> int:
    """Total cost of routes that start and end at node 0."""
    total = 0
    for route in routes:
        path = (0, *route, 0)
        total += sum(int(distance[a, b]) for a, b in itertools.pairwise(path))
    return total


def load_instance(name: str, directory: Path = INSTANCE_DIR) -> VrpInstance:
    """Read ``<name>.vrp`` and ``<name>.sol`` into a :class:`VrpInstance`.

    Parameters
    ----------
    name : str
        Instance name (file stem).
    directory : pathlib.Path
        Folder holding the files.

    Returns
    -------
    VrpInstance

    Raises
    ------
    ValueError
        If the recomputed BKS cost differs from the cost recorded in the ``.sol`` file, or the
        instance type is not CVRP / VRPTW.
    """
    raw = vrplib.read_instance(directory / f"{name}.vrp", compute_edge_weights=False)
    kind = str(raw.get("type", "CVRP")).upper()
    if kind not in {"CVRP", "CVRPTW", "VRPTW"}:
        raise ValueError(f"{name}: unsupported instance type {kind}")
    depot = int(np.asarray(raw.get("depot", [0]))[0])
    if depot != 0:
        raise ValueError(f"{name}: depot must be the first node")
    is_tw = "time_window" in raw
    scale, rounding = (10, "floor") if is_tw else (1, "nint")
    distance = euclidean_matrix(raw["node_coord"], scale, rounding)
    n = distance.shape[0]
    demands = tuple(int(q) for q in raw["demand"])
    time_windows = None
    service_times = None
    if is_tw:
        tw = np.asarray(raw["time_window"], dtype=np.int64) * scale
        time_windows = tuple((int(a), int(b)) for a, b in tw)
        service = np.broadcast_to(np.asarray(raw.get("service_time", 0)), (n,)).astype(np.int64)
        service = service * scale
        service[0] = 0
        service_times = tuple(int(s) for s in service)
    sol = vrplib.read_solution(directory / f"{name}.sol")
    bks_routes = tuple(tuple(int(c) for c in r) for r in sol["routes"])
    bks_cost = route_cost(distance, bks_routes)
    expected = round(float(sol["cost"]) * scale)
    if bks_cost != expected:
        raise ValueError(f"{name}: recomputed BKS {bks_cost} differs from the file's {expected}")
    vehicles = raw.get("vehicles")
    return VrpInstance(
        name=name,
        distance=distance,
        demands=demands,
        capacity=int(raw["capacity"]),
        scale=scale,
        max_vehicles=int(vehicles) if vehicles is not None else None,
        time_windows=time_windows,
        service_times=service_times,
        bks_routes=bks_routes,
        bks_cost=bks_cost,
    )
