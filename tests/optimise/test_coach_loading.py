"""Coaches of one county and day are loaded so that each one's drop-offs lie together."""

from __future__ import annotations

from planner.domain import StopKind
from planner.optimise import solve


def test_two_coaches_of_one_county_each_drop_at_one_industrial_park(kit) -> None:
    """90 people of one county for two parks on one road east of the hub, 9 and 43 km out,
    three employers each (15 people apiece); two 45-seat coaches. Each coach serves one park:
    loaded by bearing from the hub (the employers of both parks alternate in bearing), each
    coach would drive out to both."""
    hub = kit.HUB
    near = [kit.employer(f"N0{i}", lat=hub.lat + dlat, lon=hub.lon + 0.09)
            for i, dlat in enumerate((-0.01, 0.0, 0.01))]
    far = [kit.employer(f"F0{i}", lat=hub.lat + dlat, lon=hub.lon + 0.45)
           for i, dlat in enumerate((-0.03, 0.0, 0.03))]
    people = [w for e in near + far
              for w in kit.workers("340102", 15, prefix=e.uscc, employer_uscc=e.uscc)]
    _sc, inst = kit.build(people, near + far, fleet=(kit.COACH45,))
    plan = solve(inst, kit.FAST)
    coaches = [t for t in plan.trips if t.trip_id.startswith("C")]
    assert len(coaches) == 2
    assert sum(t.load for t in coaches) == 90
    for trip in coaches:
        parks = {s.ref[0] for s in trip.stops if s.kind is StopKind.DROPOFF}
        assert len(parks) == 1, f"{trip.trip_id} drops in parks {sorted(parks)}"
