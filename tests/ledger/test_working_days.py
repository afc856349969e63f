"""The public notice counts Chinese working days: official holidays and make-up workdays from
the holiday library, a policy's local days on top, Monday–Friday with a warning beyond it."""

from __future__ import annotations

import datetime as dt

import pytest

from planner.ledger import UnitOfWork
from planner.ledger import models as m
from planner.ledger.workflow import (
    NoticeCalendarWarning,
    add_working_days,
    calendar_warning,
    is_working_day,
    official_working_day,
    years_without_calendar,
)
from planner.paths import DATA_DIR
from planner.services import ledger as svc
from planner.services.auth import User

D = dt.date


def test_spring_festival_2020_extension_is_skipped() -> None:
    """Published 2020-01-23 for 5 working days, the notice skips the extended Spring Festival
    (through 2020-02-02) and ends Friday 2020-02-07."""
    assert not is_working_day(D(2020, 1, 24))
    assert not is_working_day(D(2020, 1, 31))  # the State Council's extension
    assert not is_working_day(D(2020, 2, 2))
    assert add_working_days(D(2020, 1, 23), 5) == D(2020, 2, 7)


def test_make_up_saturday_2020_05_09_counts() -> None:
    """Labour Day 2020: 05-01..05 are off and Saturday 05-09 is worked, so a notice from
    Thursday 04-30 for 5 working days ends Monday 05-11 (not Tuesday 05-12)."""
    assert not any(is_working_day(D(2020, 5, d)) for d in range(1, 6))
    assert is_working_day(D(2020, 5, 9))
    assert add_working_days(D(2020, 4, 30), 5) == D(2020, 5, 11)


def test_make_up_sunday_2020_04_26_counts() -> None:
    """Sunday 2020-04-26 was a make-up workday: one working day after Friday 04-24 is 04-26."""
    assert add_working_days(D(2020, 4, 24), 1) == D(2020, 4, 26)


def test_local_holidays_and_workdays_win_over_the_library() -> None:
    """Zhejiang kept businesses shut until 2020-02-09: with those days as local holidays the
    notice from 2020-01-23 ends 02-14; a local workday turns a library holiday into work."""
    shut = [D(2020, 2, 3) + dt.timedelta(days=i) for i in range(7)]
    assert add_working_days(D(2020, 1, 23), 5, shut) == D(2020, 2, 14)
    assert add_working_days(D(2020, 4, 30), 1, workdays=[D(2020, 5, 5)]) == D(2020, 5, 5)
    assert not is_working_day(D(2020, 5, 9), holidays=[D(2020, 5, 9)])


def test_years_the_library_does_not_cover_fall_back_to_weekdays() -> None:
    """For 2003 (before the library) the notice is counted Monday–Friday and a warning names
    the year; a notice inside covered years carries none."""
    assert official_working_day(D(2003, 10, 1)) is None
    assert is_working_day(D(2003, 10, 1))  # a Wednesday, though National Day in fact
    ends = add_working_days(D(2003, 12, 26), 5)
    assert ends == D(2004, 1, 5)  # 12-29..31 weekdays, 01-01 off (the library knows), 01-02
    assert years_without_calendar(D(2003, 12, 26), ends) == [2003]
    warning = calendar_warning(D(2003, 12, 26), ends)
    assert warning is not None and "2003" in warning and "2004-01-05" in warning
    assert calendar_warning(D(2020, 1, 23), D(2020, 2, 7)) is None


def _approved_claim(url: str) -> int:
    with UnitOfWork(url) as uow:
        claim = m.Claim(key="self_return|P1", rule="self_return", payee_kind="person",
                        payee_id="P1", payee_name="张三", amount_fen=80_000, evidence=["a"],
                        basis={}, state="approved")
        uow.repo.add(claim)
        uow.commit()
        return claim.id


def _policy_with(workflow_lines: str) -> str:
    text = (DATA_DIR / "policies" / "shangyu-2020.toml").read_text(encoding="utf-8")
    head, _, _ = text.partition("[workflow]")
    return head + "[workflow]\nnotice_working_days = 5\n" + workflow_lines


def test_publish_uses_the_policy_local_days(ledger_url: str,
                                            actors: dict[str, User]) -> None:
    """The active policy's local holidays lengthen a notice published before them; the notice
    row keeps the end day."""
    svc.add_policy_version(_policy_with("local_holidays = [2020-02-03, 2020-02-04]\n"),
                           url=ledger_url)
    cid = _approved_claim(ledger_url)
    ends = svc.publish_notice([cid], actors["approver"], on=D(2020, 1, 23), url=ledger_url)
    assert ends == D(2020, 2, 11)
    with UnitOfWork(ledger_url) as uow:
        notice = uow.repo.open_notice(cid)
        assert notice is not None and notice.ends_on == D(2020, 2, 11)


def test_publish_beyond_the_library_warns_and_records_why(ledger_url: str,
                                                          actors: dict[str, User]) -> None:
    """A notice in a year the library does not cover is published Monday–Friday, with a
    NoticeCalendarWarning that the claim's history keeps as the publish reason."""
    cid = _approved_claim(ledger_url)
    with pytest.warns(NoticeCalendarWarning, match="2099"):
        ends = svc.publish_notice([cid], actors["approver"], on=D(2099, 3, 6), url=ledger_url)
    assert ends == D(2099, 3, 13)
    history = svc.claim_history(cid, url=ledger_url)
    assert "2099" in history.iloc[-1]["reason"]
