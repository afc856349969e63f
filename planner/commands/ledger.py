"""``jobbus ledger``: create the ledger, import what happened, seed the demo.

``jobbus ledger init`` creates or upgrades the database (``--database-url``, else
``JOBBUS_DATABASE_URL``, else the embedded SQLite file). ``jobbus ledger import KIND PATH``
imports a scenario or plan folder or an event file in one transaction: any problem refuses the
whole file (exit 2, every problem printed as ``file:row: column: message``); the same file
twice changes nothing. A bank result file's import then says, in ``--lang`` (default zh), what
it did: paid and failed lines with their amounts (how many newly paid, how many may be issued
again), the payment exceptions it marked and the duplicate lines skipped. The command line
acts as a trusted local user (``system:operator``, or ``system:finance`` for bank results).
"""

from __future__ import annotations

import argparse

from planner.problems import InputError, problem


def add_database_option(p: argparse.ArgumentParser) -> None:
    """``--database-url`` (default: ``JOBBUS_DATABASE_URL`` or the embedded SQLite file)."""
    p.add_argument(
        "--database-url", metavar="URL", default=None,
        help="SQLAlchemy URL of the ledger (default: $JOBBUS_DATABASE_URL or "
        "~/.jobbus/jobbus.sqlite)",
    )


def ledger_url(args: argparse.Namespace) -> str:
    """The ledger URL from the options, migrated to the current schema."""
    from planner.services.ledger import ensure_ledger

    return ensure_ledger(getattr(args, "database_url", None))


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``ledger`` subcommands."""
    from planner.services.ledger import IMPORT_KINDS

    p = subparsers.add_parser("ledger", help="the ledger of what happened and what is owed")
    sub = p.add_subparsers(dest="ledger_command", metavar="ACTION")
    sub.required = True

    init = sub.add_parser("init", help="create or upgrade the ledger database")
    add_database_option(init)
    init.set_defaults(func=_init)

    imp = sub.add_parser(
        "import", help="import a scenario, a plan or an event file",
        description="Import into the ledger, all or nothing; the same file twice changes "
        "nothing. KIND: " + ", ".join(IMPORT_KINDS) + ". PATH: a folder for scenario and plan, "
        "a CSV or xlsx file otherwise.",
    )
    imp.add_argument("kind", metavar="KIND", help=", ".join(IMPORT_KINDS))
    imp.add_argument("path", metavar="PATH")
    imp.add_argument("--lang", choices=("zh", "en"), default="zh",
                     help="language of what a bank result file did: paid, failed, payment "
                     "exceptions, duplicates (default zh)")
    add_database_option(imp)
    imp.set_defaults(func=_import)

    seed = sub.add_parser("seed-demo", help="fill an empty ledger with the demo (plan, events, "
                          "claims in every state)")
    seed.add_argument("--workers", type=int, default=None, metavar="N")
    add_database_option(seed)
    seed.set_defaults(func=_seed)

    act = sub.add_parser("activate-policy", help="put a stored policy version in force (e.g. "
                         "the draft an imported scenario brought)")
    act.add_argument("version", type=int, nargs="?", default=None, metavar="VERSION",
                     help="the version's id (default: the newest stored version)")
    add_database_option(act)
    act.set_defaults(func=_activate_policy)

    counts = sub.add_parser("status", help="how many rows each ledger table holds")
    add_database_option(counts)
    counts.set_defaults(func=_status)


def _init(args: argparse.Namespace) -> int:
    url = ledger_url(args)
    print(f"ledger ready: {_safe(url)}")
    return 0


def _import(args: argparse.Namespace) -> int:
    from planner.services.auth import Role, system_actor
    from planner.services.ledger import IMPORT_KINDS, import_path

    if args.kind not in IMPORT_KINDS:
        raise InputError([problem(args.kind, "problem.cli_unknown_kind",
                                  kinds=", ".join(IMPORT_KINDS))])
    url = ledger_url(args)
    role = Role.FINANCE if args.kind == "bank_results" else Role.OPERATOR
    result = import_path(args.kind, args.path, system_actor(role), url=url)
    if result.already:
        print(f"{result.file_name}: already imported; nothing changed")
    else:
        updated = f", {result.updated} updated" if result.updated else ""
        print(f"{result.file_name}: {result.rows} rows read, {result.added} added{updated} "
              f"({result.seconds:.2f} s)")
    for note in result.notes:
        print(f"  {note}")
    if args.kind == "bank_results" and not result.already:
        from planner.services.payments import bank_import_summary

        for line in bank_import_summary(result):
            print(f"  {line.render(args.lang)}")
    return 0


def _activate_policy(args: argparse.Namespace) -> int:
    from planner.services.ledger import activate_policy, policy_versions

    url = ledger_url(args)
    versions = policy_versions(url=url)
    if versions.empty:
        raise InputError([problem("policy", "problem.cli_no_policy_stored")])
    version = int(versions["id"].max()) if args.version is None else args.version
    activate_policy(version, url=url)  # the command line is a trusted administrator
    name = versions.set_index("id")["name"].get(version, "?")
    print(f"policy version {version} ({name}) is in force")
    return 0


def _seed(args: argparse.Namespace) -> int:
    from planner.services.ledger import seed_demo

    url = ledger_url(args)
    kwargs = {"n_workers": args.workers} if args.workers else {}
    summary = seed_demo(url, **kwargs)
    print(summary if summary else "the ledger is not empty; nothing seeded")
    return 0


def _status(args: argparse.Namespace) -> int:
    from planner.services.ledger import ledger_counts

    url = ledger_url(args)
    print(_safe(url))
    for name, n in ledger_counts(url=url).items():
        print(f"  {name:<15} {n:>8}")
    return 0


def _safe(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
