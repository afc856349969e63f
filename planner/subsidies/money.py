"""Money and ratios for the subsidy engine.

Rules implemented:

- money is integer fen inside the engine (1 yuan = 100 fen) and yuan with at most two decimals
  in files;
- shares and multiples are exact fractions (``Fraction``), so a "2:1 split" is exactly 2/3;
- a share of an amount is rounded to the fen once, with the policy's rounding mode (finance
  rounds ``ROUND_HALF_UP`` by default), never through binary floats.
"""

from __future__ import annotations

import decimal
from decimal import Decimal
from fractions import Fraction

ROUNDING_MODES: frozenset[str] = frozenset(
    {
        decimal.ROUND_HALF_UP,
        decimal.ROUND_HALF_EVEN,
        decimal.ROUND_HALF_DOWN,
        decimal.ROUND_DOWN,
        decimal.ROUND_UP,
        decimal.ROUND_FLOOR,
        decimal.ROUND_CEILING,
    }
)


def yuan_to_fen(yuan: Decimal) -> int:
    """Convert an exact yuan amount with at most two decimals to integer fen.

    Parameters
    ----------
    yuan : Decimal
        The amount in yuan.

    Returns
    -------
    int
        The amount in fen.

    Raises
    ------
    ValueError
        If the amount has more than two decimals or is not finite.
    """
    if not yuan.is_finite():
        raise ValueError(f"not a finite amount: {yuan}")
    fen = yuan * 100
    if fen != fen.to_integral_value():
        raise ValueError(f"more than two decimals: {yuan}")
    return int(fen)


def fen_to_decimal(fen: int) -> Decimal:
    """Yuan as a Decimal with exactly two decimals (``123456`` → ``Decimal('1234.56')``)."""
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))


def format_yuan(fen: int) -> str:
    """Yuan for people to read, with thousands separators (``1800000`` → ``'18,000.00'``)."""
    return f"{fen_to_decimal(fen):,.2f}"


def share_of_fen(amount_fen: int, share: Fraction, rounding: str = decimal.ROUND_HALF_UP) -> int:
    """``amount_fen × share`` rounded to the fen with the given decimal rounding mode.

    Parameters
    ----------
    amount_fen : int
        The amount the share is taken of, in fen.
    share : Fraction
        The exact share (e.g. ``Fraction(2, 3)``).
    rounding : str
        A :mod:`decimal` rounding mode name, e.g. ``"ROUND_HALF_UP"``.

    Returns
    -------
    int
        The share in fen.
    """
    exact = Fraction(amount_fen) * share
    if exact.denominator == 1:
        return int(exact)
    with decimal.localcontext() as ctx:
        ctx.prec = 60
        value = Decimal(exact.numerator) / Decimal(exact.denominator)
        return int(value.quantize(Decimal(1), rounding=rounding))


def fraction_text(value: Fraction) -> str:
    """A fraction as policy.toml writes it: a decimal when exact (``0.5``), else ``"2/3"``.

    The decimal form always carries a dot, so TOML reads it back as a number.
    """
    den = value.denominator
    for p in (2, 5):
        while den % p == 0:
            den //= p
    if den != 1:
        return f'"{value.numerator}/{value.denominator}"'
    with decimal.localcontext() as ctx:
        ctx.prec = 60
        text = format(Decimal(value.numerator) / Decimal(value.denominator), "f")
    if "." not in text:
        text += ".0"
    return text
