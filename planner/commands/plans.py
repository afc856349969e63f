"""``jobbus plans``: the plan versions saved in the ledger.

``jobbus plans list`` prints every saved plan (number, name, state, trips, cost, who, when);
``jobbus plans save DIR [--name NAME]`` saves a plan folder as a new version without
dispatching it (a folder whose files disagree: every problem as ``file:row: column: message``,
exit 2, nothing written); ``jobbus plans dispatch N`` writes plan N's trips and manifest to the
ledger (the same plan twice changes nothing and says so); ``jobbus plans show N --out DIR``
writes plan N's files. The command line acts as ``system:operator``.
"""

from __future__ import annotations

import argparse

from planner.commands.ledger import add_database_option, ledger_url


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``plans`` subcommands."""
    p = subparsers.add_parser("plans", help="plan versions saved in the ledger")
    sub = p.add_subparsers(dest="plans_command", metavar="ACTION")
    sub.required = True
    listing = sub.add_parser("list", help="print the saved plans, newest first")
    add_database_option(listing)
    listing.set_defaults(func=_list)
    save = sub.add_parser("save", help="save a plan folder as a new version (not dispatched)")
    save.add_argument("folder", metavar="DIR")
    save.add_argument("--name", default=None, help="the plan's name (default: the folder's)")
    add_database_option(save)
    save.set_defaults(func=_save)
    dispatch = sub.add_parser("dispatch", help="write a saved plan's trips to the ledger")
    dispatch.add_argument("plan_id", type=int, metavar="N")
    add_database_option(dispatch)
    dispatch.set_defaults(func=_dispatch)
    show = sub.add_parser("show", help="write a saved plan's files to a folder")
    show.add_argument("plan_id", type=int, metavar="N")
    show.add_argument("--out", required=True, metavar="DIR")
    add_database_option(show)
    show.set_defaults(func=_show)


def _operator() -> object:
    from planner.services.auth import Role, system_actor

    return system_actor(Role.OPERATOR)


def _list(args: argparse.Namespace) -> int:
    from planner.services.plans import list_plans

    plans = list_plans(ledger_url(args))
    if not plans:
        print("no saved plans")
        return 0
    print(f"{'plan':>5}  {'state':<10}  {'trips':>5}  {'cost (yuan)':>14}  {'source':<6}  "
          f"{'by':<16}  {'saved (UTC)':<16}  name")
    for p in plans:
        parent = f" (re-plan of {p.parent_id})" if p.parent_id else ""
        print(f"{p.id:>5}  {p.state:<10}  {p.trips:>5}  {p.cost_fen / 100:>14,.2f}  "
              f"{p.source:<6}  {p.created_by:<16}  {p.created_at:%Y-%m-%d %H:%M}  "
              f"{p.name}{parent}")
    return 0


def save_folder(folder: str, name: str | None, url: str, source: str = "import") -> int:
    """Save the plan folder ``folder`` as a new version; prints and returns its number."""
    from pathlib import Path

    from planner.services.plans import save_plan_folder

    saved = save_plan_folder(folder, name or Path(folder).resolve().name,
                             _operator(), url, source=source)  # type: ignore[arg-type]
    print(f"saved as plan {saved.id} ({saved.trips} trips, trip ids P{saved.id:03d}-…)")
    return saved.id


def _save(args: argparse.Namespace) -> int:
    save_folder(args.folder, args.name, ledger_url(args))
    return 0


def _dispatch(args: argparse.Namespace) -> int:
    from planner.services.plans import dispatch_plan

    result = dispatch_plan(args.plan_id, _operator(), ledger_url(args))  # type: ignore[arg-type]
    if result.already:
        print(f"plan {result.plan_id} is already dispatched; nothing changed")
        return 0
    print(f"plan {result.plan_id} dispatched: {result.trips_added} trips added, "
          f"{result.trips_kept} kept, {len(result.trips_withdrawn)} withdrawn, "
          f"{result.people_added} people on trips")
    if result.superseded:
        print(f"  superseded: plan {', '.join(map(str, result.superseded))}")
    return 0


def _show(args: argparse.Namespace) -> int:
    from planner.services.plans import plan_files_of, write_plan_files

    out = write_plan_files(plan_files_of(args.plan_id, ledger_url(args)), args.out)
    print(f"plan {args.plan_id} written to {out}")
    return 0
