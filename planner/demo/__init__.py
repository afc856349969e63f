"""The Shangyu 2020 demo scenario: a deterministic, synthetic reconstruction of the job-bus
programme that brought 10,562 workers back to Shangyu district in February–March 2020."""

from planner.demo.generate import (
    DEFAULT_SEED,
    DEFAULT_WORKERS,
    DemoTables,
    apportion,
    generate_demo,
    home_adcodes,
)
from planner.demo.write import DEMO_FILES, write_demo, write_tables

__all__ = [
    "DEFAULT_SEED",
    "DEFAULT_WORKERS",
    "DEMO_FILES",
    "DemoTables",
    "apportion",
    "generate_demo",
    "home_adcodes",
    "write_demo",
    "write_tables",
]
