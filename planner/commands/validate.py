"""``jobbus validate SCENARIO``: read and check every table of a scenario.

Every problem (warnings too) goes to stderr as ``file:row: column: what is wrong``; exit 2 if any
is an error, else the scenario's summary goes to stdout and the exit code is 0. Bad input never
gives a traceback (missing folder, a file instead of a folder, no permission included).
"""

from __future__ import annotations

import argparse
import sys

from planner.problems import InputError, Severity


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``validate`` subcommand."""
    p = subparsers.add_parser(
        "validate",
        help="read and check every table of a scenario",
        description="Read and check every table of a scenario folder; print each problem as "
        "file:row: column: what is wrong (exit 2 if any), else a summary.",
    )
    p.add_argument("scenario", metavar="SCENARIO", help="the scenario folder")
    p.set_defaults(func=handler)


def handler(args: argparse.Namespace) -> int:
    """Run ``jobbus validate``; returns the exit code."""
    from planner.services.scenario import check_scenario, format_summary, scenario_summary

    scenario, problems = check_scenario(args.scenario)
    errors = [p for p in problems if p.severity is Severity.ERROR]
    if errors or scenario is None:
        raise InputError(problems)
    for problem in problems:
        print(problem, file=sys.stderr)
    sys.stdout.write(format_summary(scenario_summary(scenario)))
    if problems:
        n = len(problems)
        print(f"{n} warning{'s' if n != 1 else ''}; no errors.", file=sys.stderr)
    return 0
