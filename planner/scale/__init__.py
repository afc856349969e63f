"""Running work in parallel: in this process, a local process pool or a Ray cluster."""

from planner.scale.executors import (
    Executor,
    ExecutorUnavailable,
    InProcess,
    ProcessPool,
    RayExecutor,
    make_executor,
)

__all__ = [
    "Executor",
    "ExecutorUnavailable",
    "InProcess",
    "ProcessPool",
    "RayExecutor",
    "make_executor",
]
