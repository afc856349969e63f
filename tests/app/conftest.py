"""Fixtures of the app tests: a temporary ledger and working scenario (a small demo), users of
every role, and a helper that signs in through the login form of an AppTest."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
APP = REPO_ROOT / "app.py"
PASSWORD = "secret-pass-1"
ROLES = ("operator", "reviewer", "approver", "finance", "auditor")
DEMO_WORKERS = "1000"  # enough people that some coaches run overnight and someone is missing

if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))


@pytest.fixture(scope="session")
def app_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A JOBBUS_HOME with a migrated, seeded SQLite ledger and one user per role."""
    home = tmp_path_factory.mktemp("jobbus-home")
    env = {
        "JOBBUS_HOME": str(home),
        "JOBBUS_DATABASE_URL": f"sqlite:///{home / 'jobbus.sqlite'}",
        "JOBBUS_DEMO_WORKERS": DEMO_WORKERS,
        "JOBBUS_ADMIN_PASSWORD": PASSWORD,
    }
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        from planner.commands.serve import prepare_ledger
        from planner.services.auth import add_user

        prepare_ledger(env["JOBBUS_DATABASE_URL"])
        for role in ROLES:
            with contextlib.suppress(ValueError):  # the demo seed may have made it already
                add_user(role, PASSWORD, role, url=env["JOBBUS_DATABASE_URL"])
        yield home


def _sign_in(username: str = "admin", password: str = PASSWORD, lang: str = "zh") -> Any:
    """An AppTest of app.py, signed in through the login form as ``username``."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=60)
    at.session_state["lang"] = lang
    at.run()
    assert not at.exception, at.exception
    at.text_input(key="login_username").input(username)
    at.text_input(key="login_password").input(password)
    at.button(key="login_submit").click()
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.fixture()
def env_home(app_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The session's JOBBUS_HOME and ledger in this test's environment."""
    monkeypatch.setenv("JOBBUS_HOME", str(app_home))
    monkeypatch.setenv("JOBBUS_DATABASE_URL", f"sqlite:///{app_home / 'jobbus.sqlite'}")
    monkeypatch.setenv("JOBBUS_DEMO_WORKERS", DEMO_WORKERS)
    os.chdir(REPO_ROOT)
    return app_home


@pytest.fixture()
def sign_in(env_home: Path) -> Any:
    """``sign_in(username="admin", password=..., lang="zh")`` → a signed-in AppTest."""
    return _sign_in


def finish_plan_run(at: Any, username: str, timeout_s: float = 120.0) -> Any:
    """Wait for ``username``'s background planner run to end, then draw the page again (the
    browser's fragment would; an AppTest does not run fragments on a timer)."""
    import time

    from ui.plan_runs import registry

    deadline = time.monotonic() + timeout_s
    run = registry().get(username)
    while run is not None and run.running and time.monotonic() < deadline:
        time.sleep(0.2)
    at.run()
    assert not at.exception, at.exception
    return at
