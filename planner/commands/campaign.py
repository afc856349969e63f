"""``jobbus campaign plan CAMPAIGN --out DIR``: plan every destination of a campaign.

Reads and checks ``campaign.toml`` and every destination's scenario first (bad input: every
problem, prefixed with its scenario folder, exit 2, nothing written), then chooses the
executor (``--ray [ADDRESS]``: Ray, a cluster at ADDRESS or a local Ray; ``--workers N``: N
local processes, or the local Ray's CPUs; default: in this process). A Ray that is not
installed or an address that does not answer is refused the same way (exit 2). Prints a line
as each destination is planned and a final table; on a terminal, also one status line redrawn
in place (destinations and units done, people planned, running cost and bound:
``planner.campaign.progress``). See ``planner.campaign.run`` for the files.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from planner.commands.executor_options import add_executor_options, executor_from_args
from planner.messages import msg
from planner.problems import InputError, problem

if TYPE_CHECKING:
    from planner.scale import Executor


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``campaign`` subcommand group (``campaign plan``)."""
    group = subparsers.add_parser(
        "campaign",
        help="plan campaigns of many destination scenarios",
        description="Campaigns: a folder with campaign.toml naming destination scenarios.",
    )
    sub = group.add_subparsers(dest="campaign_command", metavar="SUBCOMMAND")
    sub.required = True
    p = sub.add_parser(
        "plan",
        help="plan every destination of a campaign",
        description="Plan every destination of CAMPAIGN and write one plan folder per "
        "destination, a national trips.csv and campaign_summary.json to --out. Run again "
        "to resume: destinations already planned with the same input are skipped.",
    )
    p.add_argument("campaign", metavar="CAMPAIGN", help="the campaign folder (campaign.toml)")
    p.add_argument("--out", required=True, metavar="DIR", help="folder for the plans")
    add_executor_options(p, "destinations")
    limits = p.add_mutually_exclusive_group()
    limits.add_argument("--time-limit", type=float, default=None, metavar="SECONDS",
                        help="wall-clock budget of each destination's search (default 24)")
    limits.add_argument("--work-limit", type=float, default=None, metavar="N",
                        help="deterministic budget of each destination: same input, seed and "
                        "limit give the same files byte for byte, on any executor")
    p.add_argument("--seed", type=int, default=None, metavar="N", help="random seed (default 0)")
    p.add_argument("--params", default=None, metavar="FILE",
                   help="a TOML file of planning parameters for every destination")
    p.add_argument("--lang", choices=("zh", "en"), default="zh",
                   help="language of the reasons in the plan files (default zh)")
    p.set_defaults(func=handler, max_wait_days=None, coaches_only=False)


def _executor(args: argparse.Namespace) -> Executor:
    from planner.scale import InProcess

    return executor_from_args(args) or InProcess()


class Console:
    """Lines printed one after another; on a terminal, a status line kept below them and
    redrawn in place (elsewhere — a file, a pipe — no status line)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout
        self.tty = self.stream.isatty()
        self.shown = ""

    def line(self, text: str) -> None:
        if self.tty and self.shown:
            self.stream.write("\r\x1b[K")
        self.stream.write(text + "\n")
        if self.tty and self.shown:
            self.stream.write(self.shown)
        self.stream.flush()

    def status(self, text: str) -> None:
        if self.tty:
            self.shown = text
            self.stream.write("\r\x1b[K" + text)
            self.stream.flush()

    def end(self) -> None:
        """Leave the last status line on screen and go on below it."""
        if self.tty and self.shown:
            self.stream.write("\n")
            self.shown = ""


def handler(args: argparse.Namespace) -> int:
    """Run ``jobbus campaign plan``; returns the exit code."""
    from planner.campaign import plan_campaign, read_campaign, summary_table
    from planner.commands.plan import _params

    params = _params(args)
    campaign = read_campaign(args.campaign)  # InputError → exit 2, nothing written
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise InputError([problem(str(out), "problem.refused", why="exists and is not a folder")])
    executor = _executor(args)
    console = Console()
    try:
        print(msg("campaign_cli.started", name=campaign.name,
                  destinations=len(campaign.destinations),
                  people=sum(len(d.scenario.workers) for d in campaign.destinations),
                  executor=msg(f"campaign_executor.{executor.name}",
                               workers=executor.workers)).render(args.lang))
        summary = plan_campaign(
            campaign, out, params, executor, report=console.line, lang=args.lang,
            status=console.status if console.tty else None,
        )
    finally:
        console.end()
        executor.close()
    print(summary_table(summary, args.lang))
    print(msg("campaign_cli.written", out=str(out)).render(args.lang))
    return 0
