"""The ``jobbus`` command. Each group of subcommands lives in ``planner.commands.<name>`` and
exposes ``register(subparsers)``; handlers return an exit code.

Exit codes: 0 success, 2 bad input (every problem printed as ``file:row: column: message``,
nothing written), 1 any other failure (with a one-line message, never a traceback unless
``JOBBUS_DEBUG`` is set).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from planner import __version__
from planner.problems import InputError
from planner.refusal import Refusal

COMMAND_MODULES = (
    "planner.commands.validate",
    "planner.commands.demo",
    "planner.commands.plan",
    "planner.commands.campaign",
    "planner.commands.ledger",
    "planner.commands.plans",
    "planner.commands.subsidies",
    "planner.commands.claims",
    "planner.commands.users",
    "planner.commands.serve",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jobbus",
        description="Plan job buses and special trains, and the subsidies they trigger.",
    )
    parser.add_argument("--version", action="version", version=f"jobbus {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:  # a command group not built yet
            if exc.name != name:
                raise
            continue
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except InputError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        n = len(exc.errors)
        print(f"{n} problem{'s' if n != 1 else ''} found; nothing was written.", file=sys.stderr)
        return 2
    except Refusal as exc:  # a service refused (role, state, unknown user …): nothing changed
        print(f"jobbus: refused: {exc}; nothing was changed.", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; nothing more was written.", file=sys.stderr)
        return 130
    except Exception as exc:  # last resort: one clear line, no traceback
        if os.environ.get("JOBBUS_DEBUG"):
            raise
        print(f"jobbus: error: {exc}", file=sys.stderr)
        return 1
