"""What the optimiser is handed: the scenario, its origins, distances and subsidy values.

The optimiser never computes distances or subsidies itself: ``planner.services.planning``
builds an ``Instance`` from the gazetteer, the distance model and the policy. Places are keyed
as ``hub``, ``c:<adcode>`` (a sending county), ``e:<uscc>`` (an employer), ``s:<station>`` (a
train's boarding station) and ``d:<station>`` (a train's arrival station); ``distance_km`` is
the road-distance matrix over ``keys``. Distances are assumed to be a metric (road factor ×
great-circle distance is one): the lower bound relies on the triangle inequality.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from planner.domain import Employer, Scenario, VehicleKind
from planner.rules.params import DEFAULT_SEAT_COST_MULTIPLE

Point = tuple[float, float]


@dataclass(frozen=True, slots=True)
class Origin:
    """A sending county (a gazetteer division)."""

    adcode: str
    name: str
    prefecture_code: str
    prefecture: str
    province_code: str
    province: str
    lat: float
    lon: float


@dataclass(frozen=True)
class Instance:
    """Everything the optimiser needs, already resolved.

    Attributes
    ----------
    scenario
        Facts: workers, employers, fleet, load caps, fixed trips.
    origins
        Sending counties by adcode (every worker's ``home_adcode`` should be here).
    subsidy_fen
        Self-return subsidy per person (``id_number`` → fen) if they came on their own.
    keys, distance_km
        Places and the road-distance matrix between them (km).
    station_province
        Province code of each train's boarding station (by station name).
    seat_cost_multiple
        A seat-seeker is advised to come alone when a seat costs more than this × subsidy.
    unmet_penalty_fen
        Objective weight of a person left unserved.
    fixed_legs_km
        Road km of each leg of each fixed coach trip (stop to stop, then back to the first).
    """

    scenario: Scenario
    origins: Mapping[str, Origin]
    subsidy_fen: Mapping[str, int]
    keys: tuple[str, ...]
    distance_km: np.ndarray
    station_province: Mapping[str, str] = field(default_factory=dict)
    seat_cost_multiple: float = DEFAULT_SEAT_COST_MULTIPLE
    unmet_penalty_fen: int = 500_000
    fixed_legs_km: Mapping[str, tuple[float, ...]] = field(default_factory=dict)
    index: dict[str, int] = field(init=False, repr=False, compare=False)
    scenario_employers: dict[str, Employer] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", {k: i for i, k in enumerate(self.keys)})
        object.__setattr__(self, "scenario_employers", {e.uscc: e for e in self.scenario.employers})

    def km(self, a: str, b: str) -> float:
        """Road km between two keyed places."""
        return float(self.distance_km[self.index[a], self.index[b]])

    @staticmethod
    def place_points(scenario: Scenario, origins: Mapping[str, Origin]) -> dict[str, Point]:
        """The keyed places of a scenario and their ``(lat, lon)``."""
        pts: dict[str, Point] = {"hub": (scenario.destination.lat, scenario.destination.lon)}
        for a in sorted(origins):
            o = origins[a]
            pts[f"c:{a}"] = (o.lat, o.lon)
        for e in scenario.employers:
            pts[f"e:{e.uscc}"] = (e.lat, e.lon)
        for v in scenario.fleet:
            if v.kind is VehicleKind.TRAIN and v.origin_station:
                pts[f"s:{v.origin_station}"] = (
                    float(v.origin_lat if v.origin_lat is not None else scenario.destination.lat),
                    float(v.origin_lon if v.origin_lon is not None else scenario.destination.lon),
                )
                for name, lat, lon in v.extra_stations:
                    pts.setdefault(f"s:{name}", (float(lat), float(lon)))
                dest = v.dest_station or scenario.destination.name
                pts[f"d:{dest}"] = (
                    float(v.dest_lat if v.dest_lat is not None else scenario.destination.lat),
                    float(v.dest_lon if v.dest_lon is not None else scenario.destination.lon),
                )
        return pts

    @classmethod
    def build(
        cls,
        scenario: Scenario,
        origins: Mapping[str, Origin],
        subsidy_fen: Mapping[str, int],
        matrix_km: Callable[[Sequence[Point]], np.ndarray],
        *,
        station_province: Mapping[str, str] | None = None,
        seat_cost_multiple: float = DEFAULT_SEAT_COST_MULTIPLE,
        unmet_penalty_fen: int = 500_000,
        road_km: Callable[[Point, Point], float] | None = None,
    ) -> Instance:
        """Assemble an instance, computing the matrix with ``matrix_km``.

        Parameters
        ----------
        scenario, origins, subsidy_fen
            See the attributes.
        matrix_km
            Function from a list of ``(lat, lon)`` to their road-distance matrix.
        station_province
            Province of each boarding station; default: the province of the nearest origin
            county.
        seat_cost_multiple, unmet_penalty_fen
            Planning numbers of the policy.
        road_km
            Pairwise road distance for fixed trips' legs (default: from ``matrix_km``).
        """
        pts = cls.place_points(scenario, origins)
        keys = tuple(pts)
        mat = np.asarray(matrix_km([pts[k] for k in keys]), dtype=float)
        sp: dict[str, str] = dict(station_province or {})
        idx = {k: i for i, k in enumerate(keys)}
        county_keys = [k for k in keys if k.startswith("c:")]
        for v in scenario.fleet:
            if v.kind is not VehicleKind.TRAIN or not county_keys:
                continue
            for st, _lat, _lon in v.boarding_stations:
                if st and st not in sp:
                    i = idx[f"s:{st}"]
                    near = min(county_keys, key=lambda k: (mat[i, idx[k]], k))
                    sp[st] = origins[near[2:]].province_code
        legs: dict[str, tuple[float, ...]] = {}
        for t in scenario.fixed_trips:
            if t.kind is not VehicleKind.COACH or not t.stops:
                continue
            seq = [(s.lat, s.lon) for s in t.stops] + [(t.stops[0].lat, t.stops[0].lon)]
            if road_km is not None:
                legs[t.trip_id] = tuple(road_km(a, b) for a, b in itertools.pairwise(seq))
            else:
                m = np.asarray(matrix_km(seq), dtype=float)
                legs[t.trip_id] = tuple(float(m[i, i + 1]) for i in range(len(seq) - 1))
        return cls(
            scenario=scenario,
            origins=dict(origins),
            subsidy_fen=dict(subsidy_fen),
            keys=keys,
            distance_km=mat,
            station_province=sp,
            seat_cost_multiple=seat_cost_multiple,
            unmet_penalty_fen=unmet_penalty_fen,
            fixed_legs_km=legs,
        )

