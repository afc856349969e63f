"""ui/backend: a JobbusError is shown as a refusal in the session's language; any other
exception is a bug, logged with its traceback and shown only as a reference."""

from __future__ import annotations

import logging

import pytest

from planner.messages import msg
from planner.refusal import InvalidRequest
from ui import backend


@pytest.fixture
def shown(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The error boxes the backend put on screen, in Chinese."""
    boxes: list[str] = []
    monkeypatch.setattr(backend.st, "error", lambda text, **_: boxes.append(text))
    monkeypatch.setattr(backend, "current_language", lambda: "zh")
    return boxes


def test_refusal_shows_its_chinese_message(shown: list[str]) -> None:
    """A service's refusal appears as 操作未执行 with its message in Chinese; run returns None."""
    def refuse() -> int:
        raise InvalidRequest(msg("refusal.no_plan", plan=7))

    assert backend.run(refuse) is None
    assert shown == ["操作未执行：没有编号为 7 的方案"]


def test_bug_is_logged_and_hidden(shown: list[str], caplog: pytest.LogCaptureFixture) -> None:
    """A KeyError is not a refusal: logged with its traceback under ``jobbus``; the user sees a
    reference, never the exception's text."""
    def broken() -> None:
        raise KeyError("secret internals")

    with caplog.at_level(logging.ERROR, logger="jobbus"):
        assert backend.attempt(broken) is False
    assert len(shown) == 1 and "secret internals" not in shown[0]
    record = caplog.records[-1]
    assert record.exc_info is not None and record.exc_info[0] is KeyError
    assert record.getMessage().split()[1] in shown[0]


def test_cached_reads_call_services_either_way(env_home) -> None:
    """``backend.read`` passes the ledger's URL positionally to a read that takes it first
    (``tracking.trips(url, as_of)``) and as a keyword to one that takes it so
    (``money_by_rule(url=…)``), and gives what the service gives."""
    import datetime as dt

    from planner.services import reports, tracking

    url = f"sqlite:///{env_home / 'jobbus.sqlite'}"
    day = dt.date(2020, 3, 1)
    assert backend.read(tracking.trips, url, day).equals(tracking.trips(url, day))
    assert backend.read(reports.money_by_rule, url).equals(reports.money_by_rule(url=url))
