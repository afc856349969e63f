"""Turn the model's decisions into trips with stops, times, manifests and costs.

Rules implemented:

- a coach boards at its first pickup county (the farthest from the district), then at the
  other counties of its pool in order of falling distance, then drives to the district and
  drops off at employers in an order found by nearest neighbour and 2-opt; nobody boards or
  alights on the way; it then drives back empty to its first pickup;
- people of one (county, day) are spread over that day's coaches keeping employers that lie
  close together on the same coach (sorted by bearing from the district's hub);
- each coach leaves at the allowed start time that gives the fewest hire days; if someone on
  board would arrive after their deadline the coach leaves a day earlier when everyone on
  board is free to leave then;
- a special train leaves its station at ``train_depart_time``; people of the station's own
  county walk in, others come by collector coach (leaving the same day, arriving
  ``transfer_min`` before the train); feeders leave the arrival station ``transfer_min`` after
  the train arrives and are routed as a CVRP (``planner.optimise.routing``), whole coachloads
  for one employer going direct.

The work is split by what is built: one coach trip and the shared state
(``planner.optimise._build_trip``), coaches and their re-packing
(``planner.optimise._build_coaches``), trains with collectors and feeders
(``planner.optimise._build_trains``). This module puts them together as ``Builder``.
"""

from __future__ import annotations

from planner.optimise._build_coaches import CoachBuilder
from planner.optimise._build_trains import TrainBuilder
from planner.optimise._build_trip import Built, Ids, order_dropoffs

__all__ = ["Builder", "Built", "Ids", "order_dropoffs"]


class Builder(CoachBuilder, TrainBuilder):
    """Builds trips for decisions, one province at a time, sharing ids and occupancy."""
