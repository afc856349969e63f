"""``jobbus serve``: start the Streamlit app on the ledger.

Rules implemented:

- the ledger database (``JOBBUS_DATABASE_URL`` or the embedded SQLite file in ``JOBBUS_HOME``)
  is created and migrated to the latest schema before the app starts;
- an empty ledger is seeded with the Shangyu 2020 demo (``planner.services.ledger.seed_demo``,
  ``JOBBUS_DEMO_WORKERS`` people when set) — never a ledger that already holds people;
- the ``admin`` user exists afterwards; its password comes from ``JOBBUS_ADMIN_PASSWORD`` or is
  generated and printed once, here, in the terminal; a weak ``JOBBUS_ADMIN_PASSWORD`` (see
  ``planner.services.auth.check_password``) stops the command before anything is written, with
  a message naming the variable (exit 2);
- when the demo is seeded now, one user per workflow role (operator, reviewer, approver,
  finance, auditor) is added with the administrator's password, so the claim workflow can be
  tried at once (the administrator itself takes no part in it);
- the app runs headless (``streamlit run app.py``) with the same database URL, no usage
  statistics, and no file watcher; Streamlit's upload limit (``server.maxUploadSize``) is
  jobbus's input limit (``JOBBUS_MAX_INPUT_MB``) in whole MB, rounded up
  (``planner.io.tables.max_upload_mb``), so a larger file is refused as it is chosen, not
  after its upload; on POSIX the command *becomes* the Streamlit process (``exec``), so
  stopping it stops the server; this command never imports streamlit itself.
"""

from __future__ import annotations

import argparse
import inspect
import os
import subprocess
import sys
from typing import Any

from planner.paths import REPO_ROOT

APP = REPO_ROOT / "app.py"


def register(subparsers: Any) -> None:
    """Add ``serve`` to the ``jobbus`` command."""
    parser = subparsers.add_parser(
        "serve",
        help="start the web app (Chinese/English) on the ledger",
        description="Create or upgrade the ledger, seed the demo when it is empty, make sure "
        "the admin user exists, then run the Streamlit app.",
    )
    parser.add_argument("--port", type=int, default=8501, help="port to listen on (8501)")
    parser.add_argument(
        "--address", default="127.0.0.1", help="address to listen on (127.0.0.1; 0.0.0.0 for all)"
    )
    parser.add_argument("--no-seed", action="store_true", help="do not seed an empty ledger")
    parser.set_defaults(func=run)


def prepare_ledger(url: str, seed: bool = True) -> tuple[bool, str | None]:
    """Migrate the ledger, seed it when empty and ensure the admin user.

    Parameters
    ----------
    url
        SQLAlchemy URL of the ledger.
    seed
        Seed the demo into an empty ledger.

    Returns
    -------
    tuple of (bool, str or None)
        Whether the demo was seeded now, and the generated admin password (``None`` when none
        was generated).
    """
    from planner.ledger.db import init_db

    _check_admin_password()
    init_db(url)
    seeded = False
    if seed and _is_empty(url):
        seeded = _seed_demo(url)
    from planner.services.auth import ensure_admin

    password = ensure_admin(url=url)
    if seeded:
        _add_demo_users(url, password or os.environ.get("JOBBUS_ADMIN_PASSWORD"))
    return seeded, password


def _check_admin_password() -> None:
    """Refuse a weak ``JOBBUS_ADMIN_PASSWORD`` before anything is written (exit 2)."""
    given = os.environ.get("JOBBUS_ADMIN_PASSWORD")
    if not given:
        return
    from planner.problems import InputError, problem
    from planner.services.auth import check_admin_password

    try:
        check_admin_password(given)
    except ValueError as exc:
        message = str(exc).removeprefix("JOBBUS_ADMIN_PASSWORD: ")
        raise InputError([problem("JOBBUS_ADMIN_PASSWORD", "problem.refused",
                                  why=message)]) from None


DEMO_ROLES = ("operator", "reviewer", "approver", "finance", "auditor")


def _add_demo_users(url: str, password: str | None) -> None:
    """On a freshly seeded demo ledger, one user per workflow role (named like the role, with
    the administrator's password), so the whole claim workflow can be tried at once. The
    administrator takes no part in the workflow (separation of duties)."""
    if not password:
        return
    from planner.services.auth import add_user, list_users

    existing = {user.username for user in list_users(url=url)}
    for role in DEMO_ROLES:
        if role not in existing:
            add_user(role, password, role, url=url)


def _is_empty(url: str) -> bool:
    try:
        from planner.services.ledger import is_empty
    except ImportError:  # pragma: no cover - the ledger service is part of the package
        return False
    return bool(is_empty(url=url))


def _seed_demo(url: str) -> bool:
    try:
        from planner.services import ledger
    except ModuleNotFoundError:
        return False
    seed_demo = getattr(ledger, "seed_demo", None)
    if seed_demo is None:
        return False
    kwargs: dict[str, Any] = {}
    n = os.environ.get("JOBBUS_DEMO_WORKERS")
    if n:
        params = inspect.signature(seed_demo).parameters
        for name in ("n_workers", "workers", "size"):
            if name in params:
                kwargs[name] = int(n)
                break
    seed_demo(url, **kwargs)
    return True


def streamlit_command(port: int, address: str) -> list[str]:
    """The ``streamlit run`` command line for the app."""
    from planner.io.tables import max_upload_mb

    return [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.headless=true",
        f"--server.port={port}",
        f"--server.address={address}",
        "--server.fileWatcherType=none",
        "--browser.gatherUsageStats=false",
        f"--server.maxUploadSize={max_upload_mb()}",
        "--client.toolbarMode=minimal",
        "--theme.base=light",
    ]  # fmt: skip


def run(args: argparse.Namespace) -> int:
    """Prepare the ledger and run the app until interrupted."""
    from planner.ledger.db import default_database_url

    url = default_database_url()
    seeded, password = prepare_ledger(url, seed=not args.no_seed)
    where = "localhost" if args.address in ("127.0.0.1", "0.0.0.0") else args.address
    print(f"ledger: {url}" + (" (demo seeded)" if seeded else ""))
    if password:
        print(f"admin password (shown once, write it down): {password}")
    elif os.environ.get("JOBBUS_ADMIN_PASSWORD"):
        print("admin password: as set in JOBBUS_ADMIN_PASSWORD")
    if seeded:
        print("demo users " + ", ".join(DEMO_ROLES) + " share the admin password")
    print(f"open http://{where}:{args.port}/ and log in as admin", flush=True)
    env = dict(os.environ, JOBBUS_DATABASE_URL=url, PYTHONPATH=str(REPO_ROOT))
    command = streamlit_command(args.port, args.address)
    if os.name == "posix":  # become Streamlit: a signal to this process reaches the server
        os.chdir(REPO_ROOT)
        os.execve(command[0], command, env)
    try:  # pragma: no cover - other systems
        return subprocess.call(command, env=env, cwd=REPO_ROOT)
    except KeyboardInterrupt:  # pragma: no cover
        return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m planner.commands.serve``: the same as ``jobbus serve``."""
    parser = argparse.ArgumentParser(prog="jobbus")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["serve", *(sys.argv[1:] if argv is None else argv)])
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
