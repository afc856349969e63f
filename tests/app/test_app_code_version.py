"""Code changed under a running server (``ui.code_version``): the app says 程序已更新，请重启服务
and stops before any page runs, so nothing half-runs; the fingerprint notices a changed, added
or removed source file without reading any."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.app.conftest import APP, PASSWORD

CHANGED_ZH = "程序已更新，请重启服务"


def _signed_in(username: str, lang: str = "zh") -> Any:
    """An AppTest of app.py signed in as ``username`` through the login form."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=30)
    at.session_state["lang"] = lang
    at.run()
    at.text_input(key="login_username").input(username)
    at.text_input(key="login_password").input(PASSWORD)
    at.button(key="login_submit").click().run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def code_changed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Simulate a deploy: the fingerprint this process noted at its start is not the files'
    now."""
    from ui import code_version

    monkeypatch.setattr(code_version, "STARTED", frozenset({("planner/old.py", 1, 1)}))


def _url(home: Path) -> str:
    return f"sqlite:///{home / 'jobbus.sqlite'}"


def test_a_click_after_the_code_changed_runs_nothing(env_home: Path, monkeypatch) -> None:
    """A reviewer picks a draft claim; the code then changes under the server; clicking 审核通过
    shows 程序已更新，请重启服务 and runs no page: the claim stays a draft and no exception
    is raised."""
    from planner.services.ledger import list_claims
    from ui import code_version

    draft = int(list_claims("draft", url=_url(env_home))["claim_id"].iloc[0])
    at = _signed_in("reviewer")
    at.switch_page("app_pages/subsidies.py").run()
    at.selectbox(key="sub_state").select("draft").run()
    at.multiselect(key="sub_selected").select(draft).run()
    assert not at.exception, at.exception
    monkeypatch.setattr(code_version, "STARTED", frozenset())
    at.button(key="sub_do_review").click().run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [CHANGED_ZH]
    assert not at.title  # the page did not run
    assert list_claims(url=_url(env_home)).set_index("claim_id").loc[draft, "state"] == "draft"


def test_signed_out_the_login_form_waits_for_the_restart(env_home: Path,
                                                         code_changed: None) -> None:
    """Signed out, the changed code stops the run before the login form (no sign-in on a
    server that must restart)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=30).run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [CHANGED_ZH]
    assert "login_username" not in {w.key for w in at.text_input}


def test_the_restart_message_in_english(env_home: Path, monkeypatch) -> None:
    """In English the same stop reads "The program was updated: restart the service"."""
    from ui import code_version

    at = _signed_in("operator", lang="en")
    monkeypatch.setattr(code_version, "STARTED", frozenset())
    at.switch_page("app_pages/overview.py").run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == ["The program was updated: restart the service"]


def test_unchanged_code_runs_the_page(env_home: Path) -> None:
    """With the files as this process loaded them, the page runs as usual."""
    at = _signed_in("operator")
    at.switch_page("app_pages/overview.py").run()
    assert not at.exception, at.exception
    assert CHANGED_ZH not in {e.value for e in at.error}
    assert at.title[0].value == "返岗总览"


def test_the_fingerprint_sees_a_changed_added_or_removed_file(tmp_path: Path) -> None:
    """Same files, same fingerprint; a source file with another modification time or size,
    a new one or a removed one changes it; compiled files and other suffixes do not."""
    from ui.code_version import source_fingerprint

    (tmp_path / "pkg").mkdir()
    module = tmp_path / "pkg" / "helpers.py"
    module.write_text("def helper(): ...\n", encoding="utf-8")
    (tmp_path / "pkg" / "zh.toml").write_text("[app]\n", encoding="utf-8")
    start = source_fingerprint([tmp_path])
    assert source_fingerprint([tmp_path]) == start and len(start) == 2
    (tmp_path / "pkg" / "__pycache__").mkdir()
    (tmp_path / "pkg" / "__pycache__" / "helpers.cpython-311.pyc").write_bytes(b"\0")
    (tmp_path / "pkg" / "notes.txt").write_text("x", encoding="utf-8")
    assert source_fingerprint([tmp_path]) == start
    stat = module.stat()
    os.utime(module, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    touched = source_fingerprint([tmp_path])
    assert touched != start
    (tmp_path / "pkg" / "new_helper.py").write_text("", encoding="utf-8")
    added = source_fingerprint([tmp_path])
    assert added != touched
    (tmp_path / "pkg" / "new_helper.py").unlink()
    assert source_fingerprint([tmp_path]) == touched
