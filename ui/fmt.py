"""Numbers, money and dates as a Chinese county office expects them.

Rules implemented:

- money is integer fen inside; shown as yuan with two decimals and thousands separators:
  ``¥12,345.00`` (``style="symbol"``, tables and metrics) or ``12,345.00 元`` (``style="suffix"``,
  sentences); negative amounts keep the sign in front (``-¥5.00``); rounding is exact
  (Decimal, half up), never through floats;
- dates are ISO ``2020-02-15``; date-times ``2020-02-15 08:30``;
- counts have thousands separators (``10,562``); shares are percentages with one decimal.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

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
