"""``jobbus demo DIR``: write the Shangyu 2020 demo scenario to a folder.

The folder is written atomically when new or empty (a temporary sibling renamed into place). A
non-empty folder is refused (exit 2, nothing written) unless ``--force``, which replaces the
demo's own files and leaves any other file alone. Prints one summary line.

``--family K`` writes K generated scenarios of other shapes instead (``planner.demo.family``:
sizes ``--family-sizes``, default 2000-30000; destinations, sending mixes, dates and tight or
loose fleets vary) to ``DIR/member-01`` … with ``DIR/family.json`` and ``DIR/family.md``; one
line per member.
"""

from __future__ import annotations

import argparse
import sys
import warnings

from planner.problems import InputError, problem


def _whole(text: str, minimum: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"{value} is not at least {minimum}")
    return value


def _positive(text: str) -> int:
    return _whole(text, 1)


def _seed(text: str) -> int:
    return _whole(text, 0)


def _sizes(text: str) -> tuple[int, int]:
    parts = text.replace(",", "-").split("-")
    if len(parts) != 2:
        raise argparse.ArgumentTypeError(f"{text!r} is not LO-HI, e.g. 2000-30000")
    lo, hi = _whole(parts[0], 1), _whole(parts[1], 1)
    if lo > hi:
        raise argparse.ArgumentTypeError(f"{text!r}: LO is above HI")
    return lo, hi


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``demo`` subcommand."""
    p = subparsers.add_parser(
        "demo",
        help="write the Shangyu 2020 demo scenario to a folder",
        description="Write a realistic, deterministic demo scenario (Shangyu district, "
        "February–March 2020: workers from 18 provinces, coaches and special trains, the "
        "district's subsidy policy) to DIR.",
    )
    p.add_argument("folder", metavar="DIR", nargs="?", default=None,
                   help="folder to write (created if missing)")
    p.add_argument(
        "--campaign", default=None, metavar="DIR",
        help="write a synthetic campaign instead: --destinations scenario folders of --workers "
        "people each and a campaign.toml (plan it with jobbus campaign plan DIR)",
    )
    p.add_argument("--destinations", type=_positive, default=3, metavar="K",
                   help="with --campaign: number of destinations (default 3)")
    p.add_argument("--seed", type=_seed, default=2020, help="random seed (default 2020)")
    p.add_argument(
        "--workers", type=_positive, default=None, metavar="N",
        help="number of workers (default 10500; employers and fleet scale with it)",
    )
    p.add_argument(
        "--employers", type=_positive, default=None, metavar="N",
        help="number of employers (default about 300 per 10,500 workers)",
    )
    p.add_argument(
        "--format", choices=("csv", "xlsx"), default="csv", dest="fmt",
        help="format of the tables (default csv)",
    )
    p.add_argument(
        "--family", type=_positive, default=None, metavar="K",
        help="write K generated scenarios (member-01 …, family.json, family.md) of varied "
        "size, destination, sending mix, dates and fleet instead of the Shangyu demo",
    )
    p.add_argument(
        "--family-sizes", type=_sizes, default=None, metavar="LO-HI",
        help="with --family: smallest and largest number of workers (default 2000-30000)",
    )
    p.add_argument(
        "--force", action="store_true",
        help="write into a non-empty folder, replacing the demo's files there",
    )
    p.set_defaults(func=handler)


def handler(args: argparse.Namespace) -> int:
    """Run ``jobbus demo``; returns the exit code."""
    from planner.demo import home_adcodes, write_demo

    if (args.folder is None) == (args.campaign is None):
        raise InputError([problem("DIR", "problem.refused",
                                  why="give a folder, or --campaign DIR, one of them")])
    if args.campaign is not None:
        return _campaign(args)
    if args.family is not None:
        return _family(args)
    if args.family_sizes is not None:
        raise InputError([problem("--family-sizes", "problem.refused",
                                  why="--family-sizes needs --family")])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            tables = write_demo(
                args.folder, args.seed, args.workers or 10_500, args.fmt,
                n_employers=args.employers, force=args.force,
            )
        except PermissionError as exc:
            raise InputError([problem(args.folder, "problem.cli_cannot_write",
                                      why=str(exc.strerror))]) from None
    for w in caught:
        print(f"warning: {w.message}", file=sys.stderr)
    workers = tables.workers
    returning = int(workers["employer_uscc"].notna().sum())
    provinces = len({code[:2] for code in home_adcodes(workers)})
    wanted = int(tables.employers["new_hires_wanted"].sum())
    print(
        f"Wrote {args.folder}: {len(workers)} workers ({returning} returning, "
        f"{len(workers) - returning} new) from {provinces} provinces, "
        f"{len(tables.employers)} employers wanting {wanted}, "
        f"{len(tables.fleet)} vehicle kinds (seed {tables.seed}, {args.fmt})."
    )
    return 0


def _family(args: argparse.Namespace) -> int:
    """``jobbus demo DIR --family K``: the members, family.json and family.md."""
    from planner.demo.family import FAMILY_SIZES, write_family

    if args.workers is not None or args.employers is not None:
        raise InputError([problem("--family", "problem.refused",
                                  why="--workers and --employers do not go with --family "
                                  "(use --family-sizes)")])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            rows = write_family(args.folder, args.seed, args.family,
                                sizes=args.family_sizes or FAMILY_SIZES, fmt=args.fmt,
                                force=args.force)
        except PermissionError as exc:
            raise InputError([problem(args.folder, "problem.cli_cannot_write",
                                      why=str(exc.strerror))]) from None
    for w in {str(w.message) for w in caught}:
        print(f"warning: {w}", file=sys.stderr)
    for r in rows:
        s = r["shape"]
        print(f"{r['name']}: {r['workers']} workers to {s['destination']}, "
              f"{r['employers']} employers, fleet x{s['fleet_factor']:g}, from {s['plan_from']}")
    print(f"Wrote {args.folder}: {len(rows)} scenarios, family.json and family.md "
          f"(seed {args.seed}, {args.fmt}).")
    return 0


def _campaign(args: argparse.Namespace) -> int:
    from planner.demo.campaign import write_demo_campaign

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        workers = args.workers or 10_500
        names = write_demo_campaign(args.campaign, args.destinations, workers, args.seed)
    for w in caught:
        print(f"warning: {w.message}", file=sys.stderr)
    print(
        f"Wrote campaign {args.campaign}: {len(names)} destinations of {workers} workers "
        f"(seeds {args.seed}–{args.seed + len(names) - 1}); plan it with "
        f"jobbus campaign plan {args.campaign} --out DIR"
    )
    return 0
