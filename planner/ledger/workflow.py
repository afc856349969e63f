"""The claim state machine and the public-notice calendar.

Rules implemented here:

- a claim moves draft → reviewed → approved → in_notice → notice_done → paid; it may be
  rejected from draft, reviewed or approved; an objection during the notice sends it back to
  reviewed; a failed bank payment leaves it at notice_done, ready to be paid again;
- a paid claim whose payment the bank then reported failed (a payment exception) goes back to
  notice_done when finance has checked that the money did not arrive (``payment_returned``,
  ``planner.services.payment_exceptions``), to be paid again; no other move leaves paid;
- a draft whose entitlement became zero on a recompute is voided (``void``, only from draft;
  the claim stays, with its history); a voided claim owed money again is revived as a draft;
- a claim past draft that a recompute flagged for review (its entitlement changed) is
  reopened by a reviewer: back to draft at the recomputed amount (void if that is zero), to be
  reviewed, approved and noticed again;
- each transition is named (an *action*); any other move is refused;
- a notice lasts N Chinese working days counted from the day after publication: the State
  Council's public holidays are skipped and its make-up workdays (调休, a Saturday or Sunday
  worked) count (library ``chinesecalendar``, 2004 onwards); a policy's local holidays and
  local workdays win over the library; published on an ordinary Friday with N = 5, it ends on
  the next Friday;
- for a year the library does not cover yet, the days are counted Monday–Friday (plus the
  local lists) and the notice carries a warning (``NoticeCalendarWarning``) rather than being
  refused, so work at the turn of a year does not stop while the library catches up.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from enum import StrEnum

import chinese_calendar

from planner.messages import msg
from planner.refusal import Refusal


class ClaimState(StrEnum):
    DRAFT = "draft"
    REVIEWED = "reviewed"
    APPROVED = "approved"
    IN_NOTICE = "in_notice"
    NOTICE_DONE = "notice_done"
    PAID = "paid"
    REJECTED = "rejected"
    VOID = "void"


S = ClaimState

#: action -> (states it may start from, state it leads to)
TRANSITIONS: dict[str, tuple[frozenset[ClaimState], ClaimState]] = {
    "review": (frozenset({S.DRAFT}), S.REVIEWED),
    "reject": (frozenset({S.DRAFT, S.REVIEWED, S.APPROVED}), S.REJECTED),
    "approve": (frozenset({S.REVIEWED}), S.APPROVED),
    "publish_notice": (frozenset({S.APPROVED}), S.IN_NOTICE),
    "object": (frozenset({S.IN_NOTICE}), S.REVIEWED),
    "close_notice": (frozenset({S.IN_NOTICE}), S.NOTICE_DONE),
    "record_payment": (frozenset({S.NOTICE_DONE}), S.PAID),
    "payment_returned": (frozenset({S.PAID}), S.NOTICE_DONE),
    "void": (frozenset({S.DRAFT}), S.VOID),
    "reopen": (frozenset({S.REVIEWED, S.APPROVED, S.IN_NOTICE, S.NOTICE_DONE}), S.DRAFT),
    "revive": (frozenset({S.VOID}), S.DRAFT),
}

#: States a recompute still revisits: the claim is not yet paid, rejected or void.
OPEN_STATES: frozenset[ClaimState] = frozenset(
    {S.DRAFT, S.REVIEWED, S.APPROVED, S.IN_NOTICE, S.NOTICE_DONE}
)

#: The order states are listed in (reports, exports).
STATE_ORDER: tuple[ClaimState, ...] = (
    S.DRAFT,
    S.REVIEWED,
    S.APPROVED,
    S.IN_NOTICE,
    S.NOTICE_DONE,
    S.PAID,
    S.REJECTED,
    S.VOID,
)

#: Chinese labels for files meant for people.
STATE_ZH: dict[str, str] = {
    "draft": "待审核",
    "reviewed": "已审核",
    "approved": "已审批",
    "in_notice": "公示中",
    "notice_done": "公示期满",
    "paid": "已拨付",
    "rejected": "不予补助",
    "void": "已作废",
}


class TransitionRefused(Refusal):
    """The claim is not in a state this action may start from (or lost a race); nothing
    changed. ``message`` says why (codes ``refusal.*``)."""


def next_state(state: str, action: str) -> ClaimState:
    """The state ``action`` leads to from ``state``.

    Raises
    ------
    TransitionRefused
        ``action`` may not start from ``state``.
    """
    try:
        sources, target = TRANSITIONS[action]
    except KeyError:
        raise TransitionRefused(msg("refusal.unknown_action", action=action)) from None
    if ClaimState(state) not in sources:
        raise TransitionRefused(msg(
            "refusal.wrong_state", action=msg(f"action.{action}"),
            state=msg(f"claim_state.{state}"),
            allowed=[msg(f"claim_state.{s.value}") for s in sorted(sources)]))
    return target


class NoticeCalendarWarning(UserWarning):
    """A notice's end was counted Monday–Friday for years the official holiday calendar does
    not cover; someone should check the end day by hand."""


def official_working_day(day: dt.date) -> bool | None:
    """Whether ``day`` is a working day by the State Council's calendar (public holidays off,
    make-up workdays on); ``None`` for a year the library has no data for."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return None


def is_working_day(
    day: dt.date, holidays: Collection[dt.date] = (), workdays: Collection[dt.date] = ()
) -> bool:
    """Whether people work on ``day``: a listed local workday, else not a listed local
    holiday, else the official calendar, else (a year it does not cover) Monday–Friday."""
    if day in workdays:
        return True
    if day in holidays:
        return False
    official = official_working_day(day)
    return day.weekday() < 5 if official is None else official


def add_working_days(
    start: dt.date,
    days: int,
    holidays: Collection[dt.date] = (),
    *,
    workdays: Collection[dt.date] = (),
) -> dt.date:
    """The day ``days`` Chinese working days after ``start``.

    Parameters
    ----------
    start
        The day of publication (not counted).
    days
        Working days the notice lasts (>= 0).
    holidays
        Local days off (a policy's ``local_holidays``), on top of the official calendar.
    workdays
        Local working days (a policy's ``local_workdays``); they win over everything else.

    Returns
    -------
    datetime.date
        The last day of the notice.
    """
    day = start
    left = days
    while left > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day, holidays, workdays):
            left -= 1
    return day


def years_without_calendar(start: dt.date, end: dt.date) -> list[int]:
    """The years of the days after ``start`` up to ``end`` that the official calendar does
    not cover (their working days were counted Monday–Friday)."""
    if end <= start:
        return []
    first = start + dt.timedelta(days=1)
    return [year for year in range(first.year, end.year + 1)
            if official_working_day(dt.date(year, 1, 1)) is None]


def calendar_warning(start: dt.date, end: dt.date) -> str | None:
    """The warning a notice from ``start`` to ``end`` carries when part of it was counted
    Monday–Friday, or ``None``."""
    years = years_without_calendar(start, end)
    if not years:
        return None
    listed = "、".join(str(y) for y in years)
    return (f"公示期满日按周一至周五推算：节假日库无 {listed} 年数据，请人工核对 {end} "
            f"(notice end counted Monday–Friday: no official holiday calendar for "
            f"{', '.join(str(y) for y in years)}; check {end} by hand or list the days in "
            f"the policy's [workflow] local_holidays / local_workdays)")
