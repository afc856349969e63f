"""``jobbus users``: add and list the people who may sign in, change a role, stop a user.

``jobbus users add USERNAME --role ROLE [--password-stdin]``: the password is read from one
line of standard input with ``--password-stdin``, else asked for twice on a terminal, else
generated and printed once. Roles: operator, reviewer, approver, finance, auditor, admin,
leader. ``jobbus users set-role USERNAME ROLE``, ``jobbus users deactivate USERNAME`` and
``jobbus users activate USERNAME`` change a user (audited as the command line); a user
signed in to the app is signed out at their next click.
"""

from __future__ import annotations

import argparse
import secrets
import sys

from planner.commands.ledger import add_database_option, ledger_url
from planner.problems import InputError, problem


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``users`` subcommands."""
    from planner.services.auth import Role

    p = subparsers.add_parser("users", help="people who may sign in, and their roles")
    sub = p.add_subparsers(dest="users_command", metavar="ACTION")
    sub.required = True
    add = sub.add_parser("add", help="add a user")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=[r.value for r in Role])
    add.add_argument("--password-stdin", action="store_true",
                     help="read the password from standard input")
    add_database_option(add)
    add.set_defaults(func=_add)
    lst = sub.add_parser("list", help="list users")
    add_database_option(lst)
    lst.set_defaults(func=_list)
    role = sub.add_parser("set-role", help="give a user another role")
    role.add_argument("username")
    role.add_argument("role", choices=[r.value for r in Role])
    add_database_option(role)
    role.set_defaults(func=_set_role)
    for name, active, text in (("deactivate", False, "stop a user signing in"),
                               ("activate", True, "let a stopped user sign in again")):
        cmd = sub.add_parser(name, help=text)
        cmd.add_argument("username")
        add_database_option(cmd)
        cmd.set_defaults(func=_set_active, active=active)


def _add(args: argparse.Namespace) -> int:
    from planner.services.auth import add_user

    url = ledger_url(args)
    generated = False
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin.isatty():
        import getpass

        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            raise InputError([problem("password", "problem.cli_passwords_differ")])
    else:
        password = secrets.token_urlsafe(12)
        generated = True
    try:
        user = add_user(args.username, password, args.role, url=url)
    except ValueError as exc:
        raise InputError([problem(args.username, "problem.refused", why=str(exc))]) from None
    print(f"added {user.username} ({user.role})")
    if generated:
        print(f"password: {password}  (shown once)")
    return 0


def _list(args: argparse.Namespace) -> int:
    from planner.services.auth import list_users

    url = ledger_url(args)
    for u in list_users(url=url):
        print(f"{u.username:<20} {u.role:<10} {'active' if u.active else 'inactive'}")
    return 0


def _set_role(args: argparse.Namespace) -> int:
    from planner.services.auth import set_role

    set_role(args.username, args.role, url=ledger_url(args))
    print(f"{args.username}: role {args.role}")
    return 0


def _set_active(args: argparse.Namespace) -> int:
    from planner.services.auth import set_active

    set_active(args.username, args.active, url=ledger_url(args))
    print(f"{args.username}: {'active' if args.active else 'inactive'}")
    return 0
