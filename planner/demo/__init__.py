"""The Shangyu 2020 demo scenario: a deterministic, synthetic reconstruction of the job-bus
programme that brought 10,562 workers back to Shangyu district in February–March 2020; and a
family of generated scenarios of other shapes (sizes, destinations, mixes, dates, fleets)."""

from planner.demo.destinations import DESTINATION_KEYS, Destination, destination
from planner.demo.family import FamilyMember, family, write_family
from planner.demo.generate import (
    DEFAULT_SEED,
    DEFAULT_WORKERS,
    DemoTables,
    apportion,
    generate_demo,
    home_adcodes,
)
from planner.demo.shape import DemoShape
from planner.demo.write import DEMO_FILES, write_demo, write_tables

__all__ = [
    "DEFAULT_SEED",
    "DEFAULT_WORKERS",
    "DEMO_FILES",
    "DESTINATION_KEYS",
    "DemoShape",
    "DemoTables",
    "Destination",
    "FamilyMember",
    "apportion",
    "destination",
    "family",
    "generate_demo",
    "home_adcodes",
    "write_demo",
    "write_family",
    "write_tables",
]
