"""Gazetteer of China's county-level divisions, distances and driving times.

Reads ``data/gazetteer/*.csv`` (see ``data/gazetteer/SOURCES.md``); needs none of the
build-time packages that made them.
"""

from planner.geo.distance import DistanceModel, great_circle_km, lambert_km_matrix
from planner.geo.gazetteer import (
    AddressMatch,
    Division,
    Gazetteer,
    load_gazetteer,
    region_of,
)

__all__ = [
    "AddressMatch",
    "DistanceModel",
    "Division",
    "Gazetteer",
    "great_circle_km",
    "lambert_km_matrix",
    "load_gazetteer",
    "region_of",
]
