"""Service refusals carry a message code: the app shows them in Chinese, the command line and
logs keep the English sentence."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from planner.ledger.trip_events import Timeline
from planner.ledger.workflow import TransitionRefused, next_state
from planner.messages import catalogue
from planner.refusal import InvalidRequest, Refusal
from planner.services.auth import LoginLocked, check_password

PLANNER = Path(__file__).resolve().parents[2] / "planner"
ASCII_WORD = re.compile(r"[A-Za-z]{2,}")


def test_every_refusal_code_written_has_both_languages() -> None:
    """Each ``msg("refusal.…")`` (and ``review_note.…``) code in the planner's source is in the
    Chinese and the English catalogue."""
    written = {code for path in PLANNER.rglob("*.py")
               for code in re.findall(r'msg\(\s*"((?:refusal|review_note)\.\w+)"',
                                      path.read_text("utf-8"))}
    assert len(written) >= 30
    assert {lang: sorted(written - set(catalogue(lang))) for lang in ("zh", "en")} == {
        "zh": [], "en": []}


def test_a_wrong_transition_reads_in_chinese_and_stays_english_in_str() -> None:
    """Approving a draft is refused with the states named in Chinese; ``str`` is the English
    sentence the CLI prints."""
    with pytest.raises(TransitionRefused) as caught:
        next_state("draft", "approve")
    assert isinstance(caught.value, Refusal)
    assert caught.value.message.render("zh") == "状态为“待审核”的条目不能审批（仅限：已审核）"
    assert str(caught.value) == "cannot approve a claim that is draft (only from reviewed)"


@pytest.mark.parametrize("password", ["short", "zhangsan-2020-pw", "password1234"])
def test_a_weak_password_is_refused_in_chinese(password: str) -> None:
    """Each password rule refuses with a Chinese message (no English hint of the strength
    checker) and is still a ValueError for the callers that catch one."""
    with pytest.raises(InvalidRequest) as caught:
        check_password(password, "zhangsan")
    assert isinstance(caught.value, ValueError)
    assert caught.value.message.render("zh").startswith("密码")
    assert not ASCII_WORD.search(caught.value.message.render("zh"))


def test_trip_movement_refusals_read_in_chinese() -> None:
    """A second departure and a cancellation after arrival are refused in Chinese, keeping
    the trip id and the times."""
    line = Timeline("T010")
    line.add("departed", dt.datetime(2020, 2, 17, 6, 0))
    line.add("arrived", dt.datetime(2020, 2, 18, 9, 40))
    again = line.refusal("departed", dt.datetime(2020, 2, 17, 7, 0))
    late = line.refusal("cancelled", dt.datetime(2020, 2, 18, 10, 0))
    assert again is not None and late is not None
    assert again[1].render("zh") == "车次 T010 已于 2020-02-17 06:00 出发"
    assert late[1].render("zh") == "车次 T010 已到达，不能再登记取消"
    assert str(late[1]) == "trip T010 has arrived; it cannot be cancelled"


def test_login_locked_says_when_in_chinese() -> None:
    """A locked sign-in names the seconds to wait in Chinese."""
    now = dt.datetime(2020, 2, 1, 8, 0, 0)
    locked = LoginLocked(now + dt.timedelta(seconds=90), now)
    assert locked.message.render("zh") == "登录失败次数过多；请 90 秒后再试（UTC 08:01:30 之后）"
    assert "too many failed sign-ins" in str(locked)
