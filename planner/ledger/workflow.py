"""The claim state machine and the public-notice calendar.

Rules implemented here:

- a claim moves draft → reviewed → approved → in_notice → notice_done → paid; it may be
  rejected from draft, reviewed or approved; an objection during the notice sends it back to
  reviewed; a failed bank payment leaves it at notice_done, ready to be paid again;
- a draft whose entitlement became zero on a recompute is voided (``void``, only from draft;
  the claim stays, with its history); a voided claim owed money again is revived as a draft;
- each transition is named (an *action*); any other move is refused;
- a notice lasts N working days counted from the day after publication, weekends (and any
  listed holidays) skipped: published on a Friday with N = 5, it ends on the next Friday.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from enum import StrEnum


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
    "void": (frozenset({S.DRAFT}), S.VOID),
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


class TransitionRefused(Exception):
    """The claim is not in a state this action may start from (or lost a race); nothing
    changed."""


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
        raise TransitionRefused(f"unknown action {action!r}") from None
    if ClaimState(state) not in sources:
        allowed = ", ".join(sorted(s.value for s in sources))
        raise TransitionRefused(
            f"cannot {action.replace('_', ' ')} a claim that is {state} (only from {allowed})"
        )
    return target


def add_working_days(
    start: dt.date, days: int, holidays: Collection[dt.date] = ()
) -> dt.date:
    """The day ``days`` working days after ``start`` (weekends and ``holidays`` skipped).

    Parameters
    ----------
    start
        The day of publication (not counted).
    days
        Working days the notice lasts (>= 0).
    holidays
        Extra days off.

    Returns
    -------
    datetime.date
        The last day of the notice.
    """
    day = start
    left = days
    while left > 0:
        day += dt.timedelta(days=1)
        if day.weekday() < 5 and day not in holidays:
            left -= 1
    return day
