"""The executor options shared by ``jobbus plan`` and ``jobbus campaign plan``: ``--ray
[ADDRESS]`` (Ray: a cluster at ADDRESS, or a local Ray without it) and ``--workers N`` (N local
processes, or the local Ray's CPUs). A Ray that is not installed or an address that does not
answer is refused as bad input (exit 2, nothing written)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from planner.problems import InputError, problem

if TYPE_CHECKING:
    from planner.scale import Executor


def add_executor_options(p: argparse.ArgumentParser, what: str) -> None:
    """Add ``--ray`` and ``--workers`` to ``p``; ``what`` names what runs in parallel."""
    p.add_argument(
        "--ray", nargs="?", const="local", default=None, metavar="ADDRESS",
        help=f"plan {what} on Ray: a cluster at ADDRESS (HOST:PORT), or a local Ray without "
        "ADDRESS",
    )
    p.add_argument(
        "--workers", type=int, default=None, metavar="N",
        help=f"plan {what} in N local worker processes (with --ray and no ADDRESS: the local "
        "Ray's CPUs)",
    )


def executor_from_args(args: argparse.Namespace) -> Executor | None:
    """The executor the options ask for; ``None`` when they ask for none."""
    from planner.scale import ExecutorUnavailable, make_executor

    if args.workers is not None and args.workers < 1:
        raise InputError([problem("--workers", "problem.cli_positive")])
    if args.workers is None and args.ray is None:
        return None
    address = None if args.ray in (None, "local") else args.ray
    if address is not None and args.workers is not None:
        raise InputError([problem("--workers", "problem.refused",
                                  why="a Ray cluster has its own CPUs; give --workers only "
                                  "with a local Ray (--ray without ADDRESS)")])
    try:
        return make_executor(address, args.workers, use_ray=args.ray is not None)
    except ExecutorUnavailable as exc:
        raise InputError([problem("--ray", "problem.refused", why=str(exc))]) from None
