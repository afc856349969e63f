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


@pytest.fixture
def tables(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The tables the backend put on screen."""
    frames: list[object] = []
    monkeypatch.setattr(backend.st, "dataframe", lambda frame, **_: frames.append(frame))
    return frames


def _missing_file() -> None:
    from planner.problems import InputError, problem

    raise InputError([problem("a.csv", "problem.no_such_file"),
                      problem("b.csv", "problem.no_such_file", row=7, column="姓名")])


def test_a_problem_without_a_row_shows_a_blank_row_cell(
    shown: list[str], tables: list[object]
) -> None:
    """A problem of a whole file has no row: its 行 cell is blank, never "None"."""
    backend.run(_missing_file)
    (frame,) = tables
    assert list(frame["行"]) == ["", "7"]  # type: ignore[index]
    assert list(frame["列"]) == ["", "姓名"]  # type: ignore[index]


def test_a_write_says_nothing_was_written_a_read_does_not(
    shown: list[str], tables: list[object]
) -> None:
    """An import's problems say 未写入任何数据; opening a folder (run_read) only counts them."""
    assert backend.run(_missing_file) is None
    assert backend.run_read(_missing_file) is None
    assert shown == ["发现 2 个问题，未写入任何数据。", "发现 2 个问题。"]
