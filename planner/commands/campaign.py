"""``jobbus campaign plan CAMPAIGN --out DIR``: plan every destination of a campaign.

Reads and checks ``campaign.toml`` and every destination's scenario first (bad input: every
problem, prefixed with its scenario folder, exit 2, nothing written), then chooses the
executor (``--ray [ADDRESS]``: Ray, a cluster at ADDRESS or a local Ray; ``--workers N``: N
local processes, or the local Ray's CPUs; default: in this process). A Ray that is not
installed or an address that does not answer is refused the same way (exit 2). Prints a line
as each destination is planned and a final table; see ``planner.campaign.run`` for the files.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

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
    p.add_argument(
        "--ray", nargs="?", const="local", default=None, metavar="ADDRESS",
        help="plan on Ray: a cluster at ADDRESS (HOST:PORT), or a local Ray without ADDRESS",
    )
    p.add_argument(
        "--workers", type=int, default=None, metavar="N",
        help="local worker processes (with --ray and no ADDRESS: the local Ray's CPUs)",
    )
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
    from planner.scale import ExecutorUnavailable, make_executor

    if args.workers is not None and args.workers < 1:
        raise InputError([problem("--workers", "problem.cli_positive")])
    address = None if args.ray in (None, "local") else args.ray
    if address is not None and args.workers is not None:
        raise InputError([problem("--workers", "problem.refused",
                                  why="a Ray cluster has its own CPUs; give --workers only "
                                  "with a local Ray (--ray without ADDRESS)")])
    try:
        return make_executor(address, args.workers, use_ray=args.ray is not None)
    except ExecutorUnavailable as exc:
        raise InputError([problem("--ray", "problem.refused", why=str(exc))]) from None


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
    try:
        print(
            f"Campaign {campaign.name}: {len(campaign.destinations)} destinations, "
            f"{sum(len(d.scenario.workers) for d in campaign.destinations)} people, "
            f"on {executor.name}"
        )
        summary = plan_campaign(
            campaign, out, params, executor, report=lambda line: print(line, flush=True),
            lang=args.lang,
        )
    finally:
        executor.close()
    print(summary_table(summary))
    print(f"Written to {out}: one folder per destination, trips.csv, campaign_summary.json")
    return 0
