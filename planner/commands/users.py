"""``jobbus users``: add and list the people who may sign in.

``jobbus users add USERNAME --role ROLE [--password-stdin]``: the password is read from one
line of standard input with ``--password-stdin``, else asked for twice on a terminal, else
generated and printed once. Roles: operator, reviewer, approver, finance, auditor, admin.
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
