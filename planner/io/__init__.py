"""Reading, checking and writing the data contract (FORMATS.md): scenario folders, plans and the
event tables the ledger imports. Every bad input is a ``Problem`` naming file, row and column.
"""

from planner.io.events import EVENT_KINDS, read_events, read_events_checked
from planner.io.plan_read import PlaceResolver, read_plan
from planner.io.plans import (
    ScenarioTables,
    read_scenario_tables,
    to_xlsx,
    write_plan,
    write_scenario,
    write_table,
)
from planner.io.schemas import ALL_TABLES, Column, Kind, Placement, Schema
from planner.io.tables import Table, read_table
from planner.io.validate import check_scenario, load_scenario

__all__ = [
    "ALL_TABLES",
    "EVENT_KINDS",
    "Column",
    "Kind",
    "PlaceResolver",
    "Placement",
    "ScenarioTables",
    "Schema",
    "Table",
    "check_scenario",
    "load_scenario",
    "read_events",
    "read_events_checked",
    "read_plan",
    "read_scenario_tables",
    "read_table",
    "to_xlsx",
    "write_plan",
    "write_scenario",
    "write_table",
]
