"""Parsing one cell of a table for its column's kind (planner.io.schemas ``Kind``).

Rules implemented here (the file-level rules are in ``planner.io.tables``):

- numbers stored as text are fine; Excel date cells and ``2020-02-15``, ``2020/2/15``,
  ``2020.2.15``, ``20200215``, ``2020年2月15日``; months as ``2020-03``, ``2020/3``,
  ``2020年3月`` or a date; true/false also as 是/否, 1/0, Y/N, yes/no, √/×; money in yuan with at
  most two decimals (``¥``, ``元`` and thousands separators tolerated) becomes integer fen;
- resident ID numbers: 18 characters, lowercase ``x`` made upper case, check digit and birth
  date checked with ``stdnum.cn.ric`` (errors); a birthplace code that did not exist in the birth
  year is a warning (real IDs keep old codes); an ID that Excel turned into a number (a float, or
  text like ``5.22401E+17``) is an error that says so;
- USCC checked with ``stdnum.cn.uscc``; phones must be 11-digit mainland mobiles (``+86`` and
  separators tolerated);
- an xlsx cell holding a formula (``Formula``) is refused in a text column (a name must be what
  was typed, and a formula saved without its value reads as blank) and wherever the file keeps
  no computed value; elsewhere the value Excel computed and saved is read;
- a wrong cell gives a message code (``problem.*``, ``planner.messages``) with the cell as
  written in ``raw``; never an exception.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from planner import clock
from planner.io.safe_cells import unquote_text
from planner.io.schemas import Column, Kind, money_ceiling_yuan
from planner.messages import Message, msg
from planner.problems import Severity

Cell = Any  # str | int | float | bool | datetime | date | time | Formula | None


@dataclass(frozen=True, slots=True)
class Formula:
    """An xlsx cell holding a formula: ``text`` as typed (``=1+1``), ``cached`` the value the
    file keeps with it (``None`` when none was saved, e.g. a file not saved by Excel)."""

    text: str
    cached: Any = None

    def __str__(self) -> str:
        return self.text

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\ufeff\u2060"), None)


def clean_text(text: str) -> str:
    """Strip spaces (also full-width and non-breaking) and invisible characters."""
    if text.isascii():
        return text.strip()
    return text.translate(_INVISIBLE).replace("\u3000", " ").replace("\xa0", " ").strip()


def blank(cell: Cell) -> bool:
    """Whether a cell is empty (only spaces or invisible characters count as empty)."""
    return cell is None or (isinstance(cell, str) and not clean_text(cell))


def cell_text(cell: Cell) -> str:
    """A cell as text, the way a person would read it."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, float):
        return str(int(cell)) if cell.is_integer() and abs(cell) < 1e15 else repr(cell)
    if isinstance(cell, dt.datetime):
        return cell.isoformat(sep=" ") if cell.time() != dt.time() else cell.date().isoformat()
    if isinstance(cell, dt.date):
        return cell.isoformat()
    return unquote_text(clean_text(str(cell)))


Parsed = tuple[Any, Message | None, Severity]
OK = Severity.ERROR


def parse_cell(col: Column, cell: Cell) -> Parsed:
    """Parse one cell for its column: ``(value, message, severity)``; ``message`` is ``None``
    when the cell is fine; ``value`` is ``None`` for a blank or wrong cell."""
    if isinstance(cell, Formula):
        if col.kind is Kind.TEXT or blank(cell.cached):
            return None, msg("problem.formula_cell", formula=cell.text), Severity.ERROR
        cell = cell.cached
    if blank(cell):
        if col.required:
            return None, msg("problem.blank_required"), Severity.ERROR
        return None, None, OK
    if col.kind in _CACHED_KINDS:
        return _parse_cached(col.kind, type(cell).__name__, cell)
    parsed = _PARSERS[col.kind](cell)
    if col.kind is Kind.MONEY and parsed[0] is not None:
        ceiling = money_ceiling_yuan(col.name)
        if parsed[0] > ceiling * 100:
            return (None, msg("problem.money_ceiling", raw=cell_text(cell), ceiling=ceiling,
                              column=col.name), Severity.ERROR)
    return parsed


@functools.lru_cache(maxsize=1 << 16)
def _parse_cached(kind: Kind, _type: str, cell: Cell) -> Parsed:
    """Parsing is pure: repeated cells (employer codes, dates, codes) are parsed once."""
    return _PARSERS[kind](cell)


def _text(cell: Cell) -> Parsed:
    return cell_text(cell), None, OK


_SCI = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")

def _as_excel_shows(cell: int | float) -> str:
    return f"{cell:.14G}" if isinstance(cell, float) else str(cell)


def parse_id_number(cell: Cell) -> Parsed:
    """A resident ID: normalised 18-character string, or a problem."""
    from stdnum.cn import ric

    if isinstance(cell, int | float) and not isinstance(cell, bool):
        as_int = str(int(cell))
        if len(as_int) == 18 and ric.is_valid(as_int) and isinstance(cell, int):
            return as_int, None, OK
        return None, msg("problem.id_excel_stored", shown=_as_excel_shows(cell)), Severity.ERROR
    raw = clean_text(str(cell))
    if raw.startswith("'"):
        raw = raw[1:]
    if _SCI.match(raw):
        return None, msg("problem.id_excel_turned", raw=raw), Severity.ERROR
    number = unicodedata.normalize("NFKC", raw).replace(" ", "").replace("-", "").upper()
    if number.endswith(".0") and number[:-2].isdigit():
        number = number[:-2]
    if len(number) == 15 and number.isdigit():
        return None, msg("problem.id_15", raw=raw), Severity.ERROR
    if len(number) != 18:
        return None, msg("problem.id_length", raw=raw, n=len(number)), Severity.ERROR
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        return None, msg("problem.id_chars", raw=raw), Severity.ERROR
    if number[17] != ric.calc_check_digit(number):
        rounded = number[14:17] == "000" or number.endswith("00")
        code = "problem.id_check_rounded" if rounded else "problem.id_check"
        return None, msg(code, raw=raw), Severity.ERROR
    try:
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None, msg("problem.id_birth_unreal", raw=raw, born=number[6:14]), Severity.ERROR
    if born.year < 1900 or born > clock.today():
        return (None, msg("problem.id_birth_impossible", raw=raw, born=born.isoformat()),
                Severity.ERROR)
    if not _birthplace_known(number[:6], born.year):
        return (number, msg("problem.id_birthplace", division=number[:6], year=born.year),
                Severity.WARNING)
    return number, None, OK


def _birthplace_known(code: str, year: int) -> bool:
    """Whether stdnum's table (cn/loc.dat, with validity years) has ``code`` in ``year``."""
    periods = _county_periods(code)
    return any((lo is None or year >= lo) and (hi is None or year <= hi) for lo, hi in periods)


@functools.lru_cache(maxsize=1 << 14)
def _county_periods(code: str) -> tuple[tuple[int | None, int | None], ...]:
    """The years a birthplace code was valid, from stdnum's cn/loc.dat (as ``ric`` reads it)."""
    from stdnum import numdb

    results = numdb.get("cn/loc").info(code)
    info = {k: v for _, props in results for k, v in props.items()}
    if not info.get("county"):
        return ()
    periods: list[tuple[int | None, int | None]] = []
    for county in info["county"].split(","):
        if not county.startswith("["):
            return ((None, None),)
        start, end = county[1:].split("]")[0].split("-")
        periods.append((int(start) if start else None, int(end) if end else None))
    return tuple(periods)


def parse_uscc(cell: Cell) -> Parsed:
    """A unified social credit code, normalised to upper case, or a problem."""
    from stdnum.cn import uscc
    from stdnum.exceptions import InvalidChecksum, InvalidLength

    if isinstance(cell, int | float) and not isinstance(cell, bool):
        if isinstance(cell, float) and cell >= 1e15:
            return (None, msg("problem.uscc_excel_stored", shown=_as_excel_shows(cell)),
                    Severity.ERROR)
        cell = str(int(cell))
    raw = clean_text(str(cell))
    if _SCI.match(raw):
        return None, msg("problem.uscc_excel_turned", raw=raw), Severity.ERROR
    code = unicodedata.normalize("NFKC", raw).replace(" ", "").replace("-", "").upper()
    try:
        return uscc.validate(code), None, OK
    except InvalidLength:
        return None, msg("problem.uscc_length", raw=raw, n=len(code)), Severity.ERROR
    except InvalidChecksum:
        return None, msg("problem.uscc_check", raw=raw), Severity.ERROR
    except Exception:
        return None, msg("problem.uscc_chars", raw=raw), Severity.ERROR


_PHONE = re.compile(r"^1[3-9]\d{9}$")


def parse_phone(cell: Cell) -> Parsed:
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    raw = cell_text(cell)
    digits = re.sub(r"[\s\-()（）]", "", unicodedata.normalize("NFKC", raw))
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if _PHONE.match(digits):
        return digits, None, OK
    return None, msg("problem.phone", raw=raw), Severity.ERROR


def parse_adcode(cell: Cell) -> Parsed:
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    raw = cell_text(cell)
    code = raw.replace(" ", "")
    if code.endswith(".0"):
        code = code[:-2]
    if len(code) in (9, 12) and code.isdigit() and set(code[6:]) == {"0"}:
        code = code[:6]
    if len(code) == 6 and code.isdigit():
        return code, None, OK
    return None, msg("problem.adcode", raw=raw), Severity.ERROR


def parse_code_prefix(cell: Cell) -> Parsed:
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    raw = cell_text(cell)
    if raw.isdigit() and len(raw) in (2, 4, 6):
        return raw, None, OK
    return None, msg("problem.adcode_prefix", raw=raw), Severity.ERROR


_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DATETIME = re.compile(
    r"^(\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?)[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?"
    r"(?:\.\d+)?$"
)
_EXCEL_EPOCH = dt.date(1899, 12, 30)
EARLIEST_DATE = dt.date(2000, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)
"""No date in any table (available_from, arrived_on, a trip's, a payment's) is before 2000 or
after 2100: such a date is a typo (1900-01-01 is Excel's zero) and is refused."""


def _plausible(day: dt.date, text: str) -> dt.date | Message:
    if EARLIEST_DATE <= day <= LATEST_DATE:
        return day
    return msg("problem.date_implausible", raw=text, first=EARLIEST_DATE.isoformat(),
               last=LATEST_DATE.isoformat())


def to_date(cell: Cell) -> dt.date | Message:
    """A cell as a date, or the message saying why not (also when outside 2000..2100)."""
    if isinstance(cell, dt.datetime):
        return _plausible(cell.date(), cell.date().isoformat())
    if isinstance(cell, dt.date):
        return _plausible(cell, cell.isoformat())
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        text = cell_text(cell)
        if 20000 <= cell <= 80000:  # an Excel date serial in a cell not formatted as a date
            return _plausible(_EXCEL_EPOCH + dt.timedelta(days=int(cell)), text)
    else:
        text = unicodedata.normalize("NFKC", clean_text(str(cell)))
    m = _DATE.match(text) or _DATE_COMPACT.match(text)
    if m is None:
        m2 = _DATETIME.match(text)
        if m2 and (int(m2.group(2)), int(m2.group(3))) == (0, 0):
            m = _DATE.match(m2.group(1))
    if m is None:
        return msg("problem.date_example", raw=text, example="2020-02-15")
    y, mo, d = (int(g) for g in m.groups())
    try:
        day = dt.date(y, mo, d)
    except ValueError:
        return msg("problem.date_unreal", raw=text)
    return _plausible(day, text)


def parse_date(cell: Cell) -> Parsed:
    v = to_date(cell)
    return (None, v, Severity.ERROR) if isinstance(v, Message) else (v, None, OK)


def parse_datetime(cell: Cell) -> Parsed:
    if isinstance(cell, dt.datetime):
        return cell.replace(tzinfo=None), None, OK
    text = unicodedata.normalize("NFKC", cell_text(cell))
    m = _DATETIME.match(text)
    if m:
        day = to_date(m.group(1))
        if isinstance(day, Message):
            return None, day, Severity.ERROR
        try:
            t = dt.time(int(m.group(2)), int(m.group(3)), int(m.group(4) or 0))
        except ValueError:
            return None, msg("problem.time_unreal", raw=text), Severity.ERROR
        return dt.datetime.combine(day, t), None, OK
    day = to_date(cell)
    if isinstance(day, Message):
        return None, msg("problem.datetime", raw=text), Severity.ERROR
    return dt.datetime.combine(day, dt.time()), None, OK


_MONTH = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")


def parse_month(cell: Cell) -> Parsed:
    if isinstance(cell, dt.date):
        return f"{cell.year:04d}-{cell.month:02d}", None, OK
    text = unicodedata.normalize("NFKC", cell_text(cell))
    m = _MONTH.match(text) or re.match(r"^(\d{4})(\d{2})$", text)
    if m is None:
        day = to_date(cell)
        if isinstance(day, dt.date):
            return f"{day.year:04d}-{day.month:02d}", None, OK
        return None, msg("problem.month", raw=text, example="2020-03"), Severity.ERROR
    y, mo = int(m.group(1)), int(m.group(2))
    if not 1 <= mo <= 12:
        return None, msg("problem.month_unreal", raw=text), Severity.ERROR
    return f"{y:04d}-{mo:02d}", None, OK


_TRUE = {"true", "t", "yes", "y", "1", "是", "有", "√", "✓", "对", "真"}
_FALSE = {"false", "f", "no", "n", "0", "否", "无", "不是", "×", "✗", "错", "假"}


def parse_bool(cell: Cell) -> Parsed:
    if isinstance(cell, bool):
        return cell, None, OK
    text = unicodedata.normalize("NFKC", cell_text(cell)).lower()
    if text in _TRUE:
        return True, None, OK
    if text in _FALSE:
        return False, None, OK
    return None, msg("problem.yes_no", raw=text), Severity.ERROR


def to_decimal(cell: Cell) -> Decimal | None:
    if isinstance(cell, bool):
        return None
    if isinstance(cell, int):
        return Decimal(cell)
    if isinstance(cell, float):
        return Decimal(repr(cell))
    text = unicodedata.normalize("NFKC", cell_text(cell))
    text = text.replace(",", "").replace("¥", "").replace("元", "").replace(" ", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    if not value.is_finite() or (value and value.adjusted() < -50):
        return None  # infinity, NaN, or a fraction no table means (1e-99999)
    return value


# No count, distance, price or share in a scenario comes near a trillion; anything
# larger is a typo (or an Excel overflow) and would break exact decimal arithmetic.
TOO_LARGE = Decimal(10) ** 12


def _too_large(value: Decimal, text: str) -> Parsed | None:
    if value and value.adjusted() >= TOO_LARGE.adjusted():  # exponent only: never overflows
        return None, msg("problem.too_large", raw=text), Severity.ERROR
    return None


def _number(cell: Cell, whole: bool, minimum: int) -> Parsed:
    value = to_decimal(cell)
    text = cell_text(cell)
    if value is None:
        return None, msg("problem.not_number", raw=text), Severity.ERROR
    if (refused := _too_large(value, text)) is not None:
        return refused
    if whole and value != value.to_integral_value():
        return None, msg("problem.not_whole", raw=text), Severity.ERROR
    if value < minimum:
        code = "problem.positive" if minimum == 1 else "problem.not_negative"
        return None, msg(code, raw=text), Severity.ERROR
    return (int(value) if whole else float(value)), None, OK


def parse_int(cell: Cell) -> Parsed:
    return _number(cell, True, 0)


def parse_pos_int(cell: Cell) -> Parsed:
    return _number(cell, True, 1)


def parse_float(cell: Cell) -> Parsed:
    return _number(cell, False, 0)


def _coordinate(cell: Cell, lo: float, hi: float, code: str) -> Parsed:
    value = to_decimal(cell)
    text = cell_text(cell)
    if value is None:
        return None, msg("problem.not_number", raw=text), Severity.ERROR
    if not lo <= value <= hi:
        return (None, msg(code, raw=text, lo=f"{lo:g}", hi=f"{hi:g}"),
                Severity.ERROR)
    return float(value), None, OK


def parse_lat(cell: Cell) -> Parsed:
    return _coordinate(cell, -90, 90, "problem.not_latitude")


def parse_lon(cell: Cell) -> Parsed:
    return _coordinate(cell, -180, 180, "problem.not_longitude")


def parse_ratio(cell: Cell) -> Parsed:
    text = unicodedata.normalize("NFKC", cell_text(cell))
    if text.endswith("%"):
        value = to_decimal(text[:-1])
        if value is not None and (refused := _too_large(value, text)) is not None:
            return refused
        value = None if value is None else value / 100
    else:
        value = to_decimal(cell)
    if value is None:
        return None, msg("problem.not_number", raw=text), Severity.ERROR
    if not 0 < value <= 1:
        return None, msg("problem.ratio", raw=text), Severity.ERROR
    return float(value), None, OK


def parse_money(cell: Cell) -> Parsed:
    value = to_decimal(cell)
    text = cell_text(cell)
    if value is None:
        return None, msg("problem.money", raw=text), Severity.ERROR
    if (refused := _too_large(value, text)) is not None:
        return refused
    if isinstance(cell, float):  # binary float noise from Excel: round to the fen
        value = value.quantize(Decimal("0.000001"))
    if value != value.quantize(Decimal("0.01")):
        return None, msg("problem.money_decimals", raw=text), Severity.ERROR
    if value < 0:
        return None, msg("problem.money_negative", raw=text), Severity.ERROR
    return int(value * 100), None, OK


def _enum(mapping: dict[str, str], code: str) -> Any:
    def parse(cell: Cell) -> Parsed:
        text = unicodedata.normalize("NFKC", cell_text(cell)).lower().replace(" ", "")
        hit = mapping.get(text)
        if hit is None:
            return None, msg(code, raw=cell_text(cell)), Severity.ERROR
        return hit, None, OK

    return parse


TRAVEL_VALUES = {
    **dict.fromkeys(["seat", "座位", "乘车", "坐车", "统一乘车", "组织乘车", "包车"], "seat"),
    **dict.fromkeys(["own", "自行", "自行返岗", "自驾", "自己回", "自主返岗", "自行返回"], "own"),
    **dict.fromkeys(["either", "均可", "都可以", "任意", "皆可", "都行"], "either"),
}
KIND_VALUES = {
    **dict.fromkeys(["coach", "bus", "大巴", "客车", "大客车", "汽车", "巴士"], "coach"),
    **dict.fromkeys(["train", "火车", "专列", "列车", "高铁", "动车"], "train"),
}
STOP_KIND_VALUES = {k: k for k in ("pickup", "station", "dropoff")}
STATUS_VALUES = {
    **dict.fromkeys(["paid", "已支付", "支付成功", "成功", "已付款"], "paid"),
    **dict.fromkeys(["failed", "失败", "支付失败", "退回", "退票"], "failed"),
}
TRIP_EVENT_VALUES = {
    **dict.fromkeys(["departed", "depart", "出发", "已出发", "发车", "已发车"], "departed"),
    **dict.fromkeys(["arrived", "arrive", "到达", "已到达", "抵达", "到站"], "arrived"),
    **dict.fromkeys(["delayed", "delay", "延误", "晚点", "延迟"], "delayed"),
    **dict.fromkeys(["cancelled", "canceled", "取消", "已取消", "停运"], "cancelled"),
}

_PARSERS: dict[Kind, Any] = {
    Kind.TEXT: _text,
    Kind.ID_NUMBER: parse_id_number,
    Kind.USCC: parse_uscc,
    Kind.PHONE: parse_phone,
    Kind.ADCODE: parse_adcode,
    Kind.CODE_PREFIX: parse_code_prefix,
    Kind.DATE: parse_date,
    Kind.DATETIME: parse_datetime,
    Kind.MONTH: parse_month,
    Kind.BOOL: parse_bool,
    Kind.INT: parse_int,
    Kind.POS_INT: parse_pos_int,
    Kind.FLOAT: parse_float,
    Kind.LAT: parse_lat,
    Kind.LON: parse_lon,
    Kind.RATIO: parse_ratio,
    Kind.MONEY: parse_money,
    Kind.TRAVEL: _enum(TRAVEL_VALUES, "problem.not_travel"),
    Kind.VEHICLE_KIND: _enum(KIND_VALUES, "problem.not_vehicle_kind"),
    Kind.STOP_KIND: _enum(STOP_KIND_VALUES, "problem.not_stop_kind"),
    Kind.STATUS: _enum(STATUS_VALUES, "problem.not_status"),
    Kind.TRIP_EVENT: _enum(TRIP_EVENT_VALUES, "problem.not_trip_event"),
}


def format_fen(fen: int) -> str:
    """Integer fen as yuan with two decimals: ``123456`` → ``1234.56``."""
    sign = "-" if fen < 0 else ""
    fen = abs(int(fen))
    return f"{sign}{fen // 100}.{fen % 100:02d}"


_CACHED_KINDS = frozenset(
    {Kind.USCC, Kind.ADCODE, Kind.DATE, Kind.BOOL, Kind.TRAVEL, Kind.VEHICLE_KIND, Kind.MONTH}
)
