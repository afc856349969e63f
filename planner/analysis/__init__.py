"""Reading a plan after it is made: what binds it (``binding``) and what relaxing a binding
constraint would change (``what_if``, by re-solving). No UI, no storage."""

from planner.analysis.binding import (
    Binding,
    Cause,
    CauseCount,
    Pressure,
    UsageCell,
    binding_of,
    classify,
    fleet_usage,
    vehicle_days,
)
from planner.analysis.what_if import (
    WhatIf,
    top_what_ifs,
    what_if_longer_service,
    what_if_more_coaches,
)

__all__ = [
    "Binding",
    "Cause",
    "CauseCount",
    "Pressure",
    "UsageCell",
    "WhatIf",
    "binding_of",
    "classify",
    "fleet_usage",
    "top_what_ifs",
    "vehicle_days",
    "what_if_longer_service",
    "what_if_more_coaches",
]
