"""The office's clock: the district's local time.

Rules implemented:

- the day of a ledger decision (a notice published or closed, a payment recorded, a payment
  batch numbered) and a movement recorded "now" (a leader's 已出发) are the office's: China
  Standard Time, UTC+8, no daylight saving — whatever zone the server's clock is set to (a
  server on UTC would put a notice published at 07:00 on the day before, and its end a day
  early);
- records keep their UTC timestamps (``planner.ledger.models.utcnow``); ``ui.fmt.recorded``
  shows them on this clock.
"""

from __future__ import annotations

import datetime as dt

OFFICE_TZ = dt.timezone(dt.timedelta(hours=8), "UTC+08:00")


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def now() -> dt.datetime:
    """The office's time now, naive (as the scenario's times are)."""
    return _utc_now().astimezone(OFFICE_TZ).replace(tzinfo=None)


def today() -> dt.date:
    """The office's date today."""
    return now().date()
