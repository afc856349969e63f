"""Planning units as functions of plain data.

``solve`` (``planner.optimise.pipeline``) composes four steps, each a function of the
instance, the parameters and immutable, picklable values — no shared mutable context — so a
unit can be planned in another process or on another machine:

- ``make_units(inst, params) -> tuple[Unit, ...]``: who is planned (``prepare``), split into
  planning units (prefectures joined by train catchments), largest first, with their time
  weights;
- ``plan_unit(inst, params, UnitInput) -> UnitPlan``: one unit's model, trips and reasons,
  on the fleet and trip numbers the units before it left (``UnitInput.vehicles_out``,
  ``trip_numbers``; the units share the coach fleet, so they are planned one after another);
- ``bound_unit(inst, params, BoundTask, deadline) -> UnitBound``: one unit's lower bound
  (``bound_task`` says what it needs once the unit is planned);
- ``assemble(inst, params, units, plans, bounds) -> Plan``: the plan and its summary.

Each step rebuilds what it derives from (instance, parameters) — the model's ``Context`` and
the preparation — through a per-process memo keyed by identity (``shared``): the last pair
seen is kept, so a plan in one process builds them once.
"""

from planner.optimise.units.assembly import assemble
from planner.optimise.units.forming import make_units
from planner.optimise.units.planning import bound_task, bound_unit, plan_unit
from planner.optimise.units.shared import context, fixed_fleet_use, preparation, trip_days
from planner.optimise.units.values import FleetUse, Unit, UnitBound, UnitInput, UnitPlan

__all__ = [
    "FleetUse",
    "Unit",
    "UnitBound",
    "UnitInput",
    "UnitPlan",
    "assemble",
    "bound_task",
    "bound_unit",
    "context",
    "fixed_fleet_use",
    "make_units",
    "plan_unit",
    "preparation",
    "trip_days",
]
