"""Numbers, money and dates as a Chinese county office expects them.

Rules implemented:

- money is integer fen inside; shown as yuan with two decimals and thousands separators:
  ``¥12,345.00`` (``style="symbol"``, tables and metrics) or ``12,345.00 元`` (``style="suffix"``,
  sentences); negative amounts keep the sign in front (``-¥5.00``); rounding is exact
  (Decimal, half up), never through floats;
- a metric card shows large amounts short (``¥107.54万``, English ``¥1.08M``) so the figure fits
  a card at 1366 px; the exact amount goes in the card's tooltip;
- dates are ISO ``2020-02-15``; date-times ``2020-02-15 08:30``;
- when something was recorded (a plan saved, a claim's step, the audit log: stored in UTC) is
  shown in Beijing time (UTC+8, no daylight saving), as the office reads its clock
  (``recorded``); trip times are the scenario's local times already (``datetime``);
- counts have thousands separators (``10,562``); shares are percentages with one decimal;
- a spreadsheet row number in a table of problems is the number, or a blank cell when the
  problem has no row (a whole file, a missing column), never ``None``.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from planner import clock

MoneyStyle = Literal["symbol", "suffix"]


def yuan(fen: int | Decimal | None, style: MoneyStyle = "symbol") -> str:
    """Format an amount in fen as yuan.

    Parameters
    ----------
    fen
        Amount in fen (``1234500`` → 12,345.00 yuan); ``None`` gives ``"—"``.
    style
        ``"symbol"`` → ``¥12,345.00``; ``"suffix"`` → ``12,345.00 元``.

    Returns
    -------
    str
        The formatted amount.
    """
    if fen is None:
        return "—"
    value = (Decimal(fen) / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if value < 0 else ""
    body = f"{abs(value):,.2f}"
    return f"{sign}¥{body}" if style == "symbol" else f"{sign}{body} 元"


SHORT_FROM_FEN = 10_000_000  # 100,000 yuan: from here a card shows 万 (or k / M)


def yuan_short(fen: int | Decimal | None, lang: str = "zh") -> str:
    """An amount in fen, short enough for a metric card.

    Below 100,000 yuan: as :func:`yuan`, without the fen when whole (``¥86,250``); from
    100,000 yuan: ``¥107.54万`` (``¥1.08亿``) in Chinese, ``¥1.08M`` / ``¥107.5k`` in
    English (rounded half up; the exact amount belongs in the card's tooltip).
    """
    if fen is None:
        return "—"
    value = Decimal(fen) / 100
    sign = "-" if value < 0 else ""
    value = abs(value)
    if value * 100 < SHORT_FROM_FEN:
        whole = value == value.to_integral_value()
        return f"{sign}¥{value:,.0f}" if whole else yuan(fen)
    if lang == "zh" and value >= 100_000_000:
        return f"{sign}¥{_half_up(value / 100_000_000)}亿"
    if lang == "zh":
        return f"{sign}¥{_half_up(value / 10_000)}万"
    if value >= 1_000_000:
        return f"{sign}¥{_half_up(value / 1_000_000)}M"
    return f"{sign}¥{_half_up(value / 1_000, 1)}k"


def _half_up(value: Decimal, digits: int = 2) -> str:
    return f"{value.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP):,}"


def yuan_value(yuan_amount: Decimal | float | int | None, style: MoneyStyle = "symbol") -> str:
    """Format an amount already in yuan (a Decimal from a report table)."""
    if yuan_amount is None:
        return "—"
    return yuan(Decimal(str(yuan_amount)) * 100, style)


def date(value: dt.date | dt.datetime | str | None) -> str:
    """ISO date ``2020-02-15`` (a datetime loses its time; ``None`` → ``"—"``)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        return value[:10]
    if isinstance(value, dt.datetime):
        value = value.date()
    return value.isoformat()


def datetime(value: dt.datetime | None) -> str:
    """``2020-02-15 08:30`` (``None`` → ``"—"``)."""
    if value is None:
        return "—"
    return value.strftime("%Y-%m-%d %H:%M")




def recorded(value: dt.datetime | None) -> str:
    """A time the ledger recorded (naive UTC, ``planner.ledger.models.utcnow``) in Beijing
    time: ``2020-02-15 00:30`` UTC → ``2020-02-15 08:30``."""
    if value is None:
        return "—"
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return datetime(value.astimezone(clock.OFFICE_TZ).replace(tzinfo=None))


def count(n: int | float | None) -> str:
    """Whole number with thousands separators (``10562`` → ``10,562``)."""
    if n is None:
        return "—"
    return f"{round(n):,}"


def percent(share: float | None, digits: int = 1) -> str:
    """A share as a percentage (``0.0345`` → ``3.5%``)."""
    if share is None:
        return "—"
    return f"{share * 100:.{digits}f}%"


def km(distance_km: float | None) -> str:
    """Distance in km with thousands separators (``1850.4`` → ``1,850 km``)."""
    if distance_km is None:
        return "—"
    return f"{distance_km:,.0f} km"


def row_number(row: int | None) -> str:
    """A problem's spreadsheet row as a table cell (``12`` → ``"12"``; ``None`` → ``""``)."""
    return "" if row is None else str(row)
