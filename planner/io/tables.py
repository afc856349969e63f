"""Reading one table (CSV or xlsx) as a county office saves it from Excel, and parsing its cells.

Rules implemented here:

- CSV in UTF-8 with or without BOM, GBK/GB18030 (Excel on Chinese Windows) or UTF-16 (Excel's
  "Unicode text"; with a BOM, or without one when recognisable); comma, tab or semicolon
  separated (whichever splits the header line most);
- a file above ``JOBBUS_MAX_INPUT_MB`` (default 30 MB) is refused before it is read, naming its
  size and the limit (memory: about 25 times the file size);
- ``.xlsx``: the sheet named like the file stem, the table name (``workers``) or its Chinese
  title (``人员登记表``), else the first sheet; a ``.csv`` that is really an xlsx is read as one
  (with a warning);
- garbage is refused with one clear problem: binary files, an HTML page saved as ``.csv``, an old
  ``.xls``, an ``.xlsx`` that is not a zip archive, an empty file, a file with no data rows;
- the header is the first row (among the first five) naming a required column, so a title line
  above the header is fine; rows keep the number the spreadsheet shows (header row = 1 when it
  is the first line); blank rows are ignored;
- headers are matched to English names and Chinese aliases (see ``planner.io.schemas``); a
  missing required column is an error; two columns meaning the same thing: the first alias wins
  and the other is ignored with a warning; unknown columns are ignored;
- cells: numbers stored as text are fine; Excel date cells and ``2020-02-15``, ``2020/2/15``,
  ``2020.2.15``, ``20200215``, ``2020年2月15日``; months as ``2020-03``, ``2020/3``,
  ``2020年3月`` or a date; true/false also as 是/否, 1/0, Y/N, yes/no, √/×; money in yuan with at
  most two decimals (``¥``, ``元`` and thousands separators tolerated) becomes integer fen;
- resident ID numbers: 18 characters, lowercase ``x`` made upper case, check digit and birth
  date checked with ``stdnum.cn.ric`` (errors); a birthplace code that did not exist in the birth
  year is a warning (real IDs keep old codes); an ID that Excel turned into a number (a float, or
  text like ``5.22401E+17``) is an error that says so;
- USCC checked with ``stdnum.cn.uscc``; phones must be 11-digit mainland mobiles (``+86`` and
  separators tolerated);
- ``travel``: ``seat`` (座位, 乘车, 坐车, 统一乘车, 组织乘车), ``own`` (自行, 自行返岗, 自驾,
  自己回), ``either`` (均可, 都可以, 任意); ``kind``: ``coach`` (大巴, 客车, 大客车, 汽车),
  ``train`` (火车, 专列, 列车); ``status``: ``paid`` (已支付, 支付成功, 成功), ``failed``
  (失败, 支付失败, 退回).
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from planner.io.safe_cells import unquote_text
from planner.io.schemas import Column, Kind, Schema, money_ceiling_yuan
from planner.problems import Problem, Severity

Cell = Any  # str | int | float | bool | datetime | date | time | None


@dataclass(slots=True)
class Row:
    """One data row: ``row`` as the spreadsheet shows it; ``values`` by English column name
    (parsed; ``None`` when blank or wrong); ``text`` the cell as read, for messages."""

    row: int
    values: dict[str, Any]
    text: dict[str, str]


@dataclass(slots=True)
class Table:
    """A table read and parsed. ``headers`` maps English names to the header as the file spells
    it (for problem messages). ``ok`` is false when the file could not be read at all."""

    file: str
    schema: Schema
    headers: dict[str, str] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    ok: bool = True

    def header(self, name: str) -> str:
        return self.headers.get(name, name)

    def problem(
        self,
        message: str,
        row: int | None = None,
        column: str | None = None,
        severity: Severity = Severity.ERROR,
    ) -> None:
        col = self.header(column) if column else None
        self.problems.append(Problem(self.file, message, row, col, severity))

    @property
    def has_errors(self) -> bool:
        return any(p.severity is Severity.ERROR for p in self.problems)


# --- reading raw rows ---------------------------------------------------------------------


def read_raw(
    path: Path, display: str, sheet_names: tuple[str, ...] = ()
) -> tuple[list[tuple[int, list[Cell]]], list[Problem]]:
    """Read a CSV or xlsx file into ``(row_number, cells)`` pairs (blank rows dropped).

    Parameters
    ----------
    path : Path
        The file.
    display : str
        The name used in problems.
    sheet_names : tuple of str
        Sheet names to prefer in an xlsx, in order.

    Returns
    -------
    rows, problems
        On a fatal problem, ``rows`` is empty and ``problems`` says why.
    """

    def fail(msg: str) -> tuple[list[tuple[int, list[Cell]]], list[Problem]]:
        return [], [Problem(display, msg)]

    if not path.exists():
        return fail("file not found")
    if path.is_dir():
        return fail("is a folder, not a file")
    try:
        too_big = _too_big(path.stat().st_size)
        if too_big:
            return fail(too_big)
        data = path.read_bytes()
    except OSError as exc:
        return fail(f"cannot be read ({exc.strerror or exc})")
    if not data.strip():
        return fail("the file is empty")
    suffix = path.suffix.lower()
    problems: list[Problem] = []
    if data[:4] == b"PK\x03\x04" or suffix in (".xlsx", ".xlsm"):
        if suffix not in (".xlsx", ".xlsm"):
            problems.append(
                Problem(
                    display,
                    "is an Excel workbook named like a CSV; read as .xlsx",
                    severity=Severity.WARNING,
                )
            )
        rows, more = _read_xlsx(data, display, (*sheet_names, path.stem))
        return rows, problems + more
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return fail("is an old Excel .xls workbook; save it as .xlsx or CSV (UTF-8)")
    if suffix == ".xls":
        return fail("the .xls format is not read; save it as .xlsx or CSV (UTF-8)")
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype", b"<html", b"<?xml", b"<head", b"<body", b"<table")):
        return fail("is a web page (HTML/XML), not a CSV table; export the table itself")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:8192]:
        text = _decode_utf16(data)
        if text is None:
            return fail("is a binary file, not a CSV table")
    else:
        text = _decode(data)
    if text is None:
        return fail("is not text in UTF-8, UTF-16 or GBK; save it as CSV (UTF-8)")
    if not text.strip():
        return fail("the file is empty")
    try:
        return _read_csv_text(text), problems
    except csv.Error as exc:
        return fail(f"is not a readable CSV table ({exc})")


MB = 1024 * 1024
DEFAULT_MAX_INPUT_MB = 30
"""Largest input file read, in MB (``JOBBUS_MAX_INPUT_MB``). Reading and checking a table takes
about 25 times its size in memory on top of ~150 MB, so 30 MB (some 350,000 workers) stays
under 1 GB; a larger file is refused before it is read."""


XLSX_UNPACKED_FACTOR = 4
"""An xlsx sheet's XML is about 4 times the CSV of the same table: a workbook whose contents
unpack to more than 4 times the limit is refused before it is parsed."""


def max_input_mb() -> float:
    """The size limit of an input file in MB: ``JOBBUS_MAX_INPUT_MB`` (a positive number) or
    ``DEFAULT_MAX_INPUT_MB``."""
    try:
        limit = float(os.environ.get("JOBBUS_MAX_INPUT_MB", DEFAULT_MAX_INPUT_MB))
    except ValueError:
        return DEFAULT_MAX_INPUT_MB
    return limit if limit > 0 else DEFAULT_MAX_INPUT_MB


def _too_big(size: int) -> str | None:
    limit = max_input_mb()
    if size <= limit * MB:
        return None
    return (f"is {size / MB:,.1f} MB; files above {limit:g} MB are not read (split it, or "
            "raise the limit with JOBBUS_MAX_INPUT_MB if the machine has the memory: about "
            "25 times the file size)")


def _decode_utf16(data: bytes) -> str | None:
    """UTF-16 text (Excel's "Unicode text") with a BOM, or without one when its zero bytes all
    fall on one side of each code unit (ASCII letters, digits and separators in LE or BE);
    ``None`` for anything else (a binary file)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    else:
        sample = data[: min(len(data), 8192) // 2 * 2]
        zeros_even, zeros_odd = sample[0::2].count(0), sample[1::2].count(0)
        if len(data) % 2 or (zeros_even and zeros_odd):
            return None
        encoding = "utf-16-le" if zeros_odd else "utf-16-be"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        return None
    if any(ord(c) < 32 and c not in "\t\r\n" for c in text[:4096]):
        return None  # control characters: not a table
    return text


def _decode(data: bytes) -> str | None:
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8")
        except UnicodeDecodeError:
            return None
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _read_csv_text(text: str) -> list[tuple[int, list[Cell]]]:
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max((",", "\t", ";"), key=lambda d: first.count(d))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    out: list[tuple[int, list[Cell]]] = []
    # records, not physical lines: a quoted cell with a line break is still one spreadsheet row
    for number, cells in enumerate(reader, start=1):
        if any(c.strip() for c in cells):
            out.append((number, list(cells)))
    return out


def _read_xlsx(
    data: bytes, display: str, prefer: tuple[str, ...]
) -> tuple[list[tuple[int, list[Cell]]], list[Problem]]:
    import openpyxl

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        return [], [Problem(display, "is not a valid .xlsx workbook (not a zip archive)")]
    if unpacked > XLSX_UNPACKED_FACTOR * max_input_mb() * MB:
        return [], [Problem(display, f"unpacks to {unpacked / MB:,.1f} MB of sheets; workbooks "
                            f"above {XLSX_UNPACKED_FACTOR * max_input_mb():g} MB unpacked are not "
                            "read (save it as CSV, split it, or raise JOBBUS_MAX_INPUT_MB)")]
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except zipfile.BadZipFile:
        return [], [Problem(display, "is not a valid .xlsx workbook (not a zip archive)")]
    except Exception as exc:  # openpyxl raises many kinds on broken workbooks
        return [], [Problem(display, f"is not a readable .xlsx workbook ({exc})")]
    try:
        wanted = [normalise_name(p) for p in prefer if p]
        sheet = None
        for name in wanted:
            for ws in wb.worksheets:
                if normalise_name(ws.title) == name:
                    sheet = ws
                    break
            if sheet is not None:
                break
        if sheet is None:
            if not wb.worksheets:
                return [], [Problem(display, "the workbook has no worksheet")]
            sheet = wb.worksheets[0]
        out: list[tuple[int, list[Cell]]] = []
        try:
            for i, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                cells = list(values)
                if any(not _blank(c) for c in cells):
                    out.append((i, cells))
        except Exception as exc:  # a damaged sheet
            return [], [Problem(display, f"sheet {sheet.title!r} cannot be read ({exc})")]
        return out, []
    finally:
        wb.close()


def normalise_name(text: str) -> str:
    return re.sub(r"[\s_\-]+", "", unicodedata.normalize("NFKC", text).lower())


def _blank(cell: Cell) -> bool:
    return cell is None or (isinstance(cell, str) and not clean_text(cell))


# --- matching headers -----------------------------------------------------------------------


def read_table(path: Path | str, schema: Schema, display: str | None = None) -> Table:
    """Read and parse one table against its schema.

    Parameters
    ----------
    path : Path or str
        CSV or xlsx file.
    schema : Schema
        The table's schema (``planner.io.schemas``).
    display : str, optional
        The file name used in problems (default: the file's name).

    Returns
    -------
    Table
        Parsed rows and every problem found (cell-level; cross-row checks are the caller's).
    """
    path = Path(path)
    table = Table(display or path.name, schema)
    raw, problems = read_raw(path, table.file, (schema.name, schema.title))
    table.problems.extend(problems)
    if not raw:
        table.ok = False
        return table
    header_at = _find_header(raw, schema)
    header_row, header_cells = raw[header_at]
    positions: dict[str, tuple[int, int]] = {}  # name -> (cell index, priority)
    for idx, cell in enumerate(header_cells):
        if _blank(cell):
            continue
        label = clean_text(str(cell))
        hit = schema.match(label)
        if hit is None:
            continue
        name, prio = hit
        if name in positions:
            other_idx, other_prio = positions[name]
            keep, drop = (idx, other_idx) if prio < other_prio else (other_idx, idx)
            table.problems.append(
                Problem(
                    table.file,
                    f"this column also means {name}; column "
                    f"{clean_text(str(header_cells[keep]))!r} is used and this one ignored",
                    header_row,
                    clean_text(str(header_cells[drop])),
                    Severity.WARNING,
                )
            )
            positions[name] = (keep, min(prio, other_prio))
        else:
            positions[name] = (idx, prio)
    for name, (idx, _) in positions.items():
        table.headers[name] = clean_text(str(header_cells[idx]))
    missing = [c for c in schema.columns if c.required and c.name not in positions]
    for col in missing:
        alias = f" [{col.aliases[0]}]" if col.aliases else ""
        table.problems.append(
            Problem(table.file, f"required column {col.name}{alias} is missing", header_row)
        )
    if missing and not positions:
        table.ok = False
        return table
    data_rows = raw[header_at + 1 :]
    if not data_rows:
        table.problems.append(
            Problem(
                table.file, "the table has a header but no data rows", severity=Severity.WARNING
            )
        )
    cols = [(schema.column(name), idx) for name, (idx, _) in positions.items()]
    for number, cells in data_rows:
        values: dict[str, Any] = {}
        texts: dict[str, str] = {}
        for col, idx in cols:
            cell = cells[idx] if idx < len(cells) else None
            if isinstance(cell, str):
                cell = texts[col.name] = clean_text(cell)
            else:
                texts[col.name] = cell_text(cell)
            value, message, severity = parse_cell(col, cell)
            values[col.name] = value
            if message:
                table.problems.append(
                    Problem(table.file, message, number, table.headers[col.name], severity)
                )
        table.rows.append(Row(number, values, texts))
    return table


def _find_header(raw: list[tuple[int, list[Cell]]], schema: Schema) -> int:
    required = {c.name for c in schema.columns if c.required}
    best, best_score = 0, -1
    for i, (_, cells) in enumerate(raw[:5]):
        names = {
            hit[0]
            for c in cells
            if not _blank(c) and (hit := schema.match(clean_text(str(c)))) is not None
        }
        score = len(names & required) * 100 + len(names)
        if score > best_score:
            best, best_score = i, score
    return best


# --- cells ----------------------------------------------------------------------------------

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\ufeff\u2060"), None)


def clean_text(text: str) -> str:
    """Strip spaces (also full-width and non-breaking) and invisible characters."""
    if text.isascii():
        return text.strip()
    return text.translate(_INVISIBLE).replace("\u3000", " ").replace("\xa0", " ").strip()


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


Parsed = tuple[Any, str | None, Severity]
OK = Severity.ERROR


def parse_cell(col: Column, cell: Cell) -> Parsed:
    """Parse one cell for its column: ``(value, message, severity)``; ``message`` is ``None``
    when the cell is fine; ``value`` is ``None`` for a blank or wrong cell."""
    if _blank(cell):
        if col.required:
            return None, "is blank; a value is required", Severity.ERROR
        return None, None, OK
    if col.kind in _CACHED_KINDS:
        return _parse_cached(col.kind, type(cell).__name__, cell)
    parsed = _PARSERS[col.kind](cell)
    if col.kind is Kind.MONEY and parsed[0] is not None:
        ceiling = money_ceiling_yuan(col.name)
        if parsed[0] > ceiling * 100:
            return (None, f"{cell_text(cell)} is above the ceiling of {ceiling:,} yuan for "
                    f"{col.name}; check the amount", Severity.ERROR)
    return parsed


@functools.lru_cache(maxsize=1 << 16)
def _parse_cached(kind: Kind, _type: str, cell: Cell) -> Parsed:
    """Parsing is pure: repeated cells (employer codes, dates, codes) are parsed once."""
    return _PARSERS[kind](cell)


def _text(cell: Cell) -> Parsed:
    return cell_text(cell), None, OK


_SCI = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")

MANGLED_HINT = (
    "format the column as Text in Excel and type the numbers again "
    "(Excel keeps only 15 digits of a number)"
)


def _as_excel_shows(cell: int | float) -> str:
    return f"{cell:.14G}" if isinstance(cell, float) else str(cell)


def parse_id_number(cell: Cell) -> Parsed:
    """A resident ID: normalised 18-character string, or a problem."""
    from stdnum.cn import ric

    if isinstance(cell, int | float) and not isinstance(cell, bool):
        as_int = str(int(cell))
        if len(as_int) == 18 and ric.is_valid(as_int) and isinstance(cell, int):
            return as_int, None, OK
        return (
            None,
            (
                f"Excel stored this ID number as a number ({_as_excel_shows(cell)}) and lost "
                f"its last digits; {MANGLED_HINT}"
            ),
            Severity.ERROR,
        )
    raw = clean_text(str(cell))
    if raw.startswith("'"):
        raw = raw[1:]
    if _SCI.match(raw):
        return (
            None,
            (
                f"Excel turned this ID number into a number ({raw}) and lost its last digits; "
                f"{MANGLED_HINT}"
            ),
            Severity.ERROR,
        )
    number = unicodedata.normalize("NFKC", raw).replace(" ", "").replace("-", "").upper()
    if number.endswith(".0") and number[:-2].isdigit():
        number = number[:-2]
    if len(number) == 15 and number.isdigit():
        return (
            None,
            (f"{raw} is a 15-digit first-generation ID; the 18-character ID number is needed"),
            Severity.ERROR,
        )
    if len(number) != 18:
        return (
            None,
            f"{raw} is not an ID number: it has {len(number)} characters, not 18",
            Severity.ERROR,
        )
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        return (
            None,
            f"{raw} is not an ID number: 17 digits and a digit or X are expected",
            Severity.ERROR,
        )
    if number[17] != ric.calc_check_digit(number):
        hint = ""
        if number[14:17] == "000" or number.endswith("00"):
            hint = f" (the trailing zeros suggest Excel rounded it; {MANGLED_HINT})"
        return None, f"{raw}: the check digit is wrong{hint}", Severity.ERROR
    try:
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None, f"{raw}: the birth date {number[6:14]} is not a real date", Severity.ERROR
    if born.year < 1900 or born > dt.date.today():
        return None, f"{raw}: the birth date {born.isoformat()} is impossible", Severity.ERROR
    if not _birthplace_known(number[:6], born.year):
        return (
            number,
            (
                f"birthplace code {number[:6]} was not a division in {born.year} "
                "(kept: IDs keep old codes; check the number)"
            ),
            Severity.WARNING,
        )
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
            return (
                None,
                (
                    f"Excel stored this credit code as a number ({_as_excel_shows(cell)}) and "
                    f"lost its last digits; {MANGLED_HINT}"
                ),
                Severity.ERROR,
            )
        cell = str(int(cell))
    raw = clean_text(str(cell))
    if _SCI.match(raw):
        return (
            None,
            (f"Excel turned this credit code into a number ({raw}); {MANGLED_HINT}"),
            Severity.ERROR,
        )
    code = unicodedata.normalize("NFKC", raw).replace(" ", "").replace("-", "").upper()
    try:
        return uscc.validate(code), None, OK
    except InvalidLength:
        return (
            None,
            (f"{raw} is not a unified social credit code: {len(code)} characters, not 18"),
            Severity.ERROR,
        )
    except InvalidChecksum:
        return None, f"{raw}: the check character of the credit code is wrong", Severity.ERROR
    except Exception:
        return (
            None,
            (
                f"{raw} is not a unified social credit code (8 digits, then digits and capitals "
                "except I, O, S, V, Z)"
            ),
            Severity.ERROR,
        )


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
    return None, f"{raw} is not an 11-digit mainland mobile number", Severity.ERROR


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
    return None, f"{raw} is not a 6-digit division code", Severity.ERROR


def parse_code_prefix(cell: Cell) -> Parsed:
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    raw = cell_text(cell)
    if raw.isdigit() and len(raw) in (2, 4, 6):
        return raw, None, OK
    return (
        None,
        (
            f"{raw} is not a division code prefix (2 digits for a province, 4 for a prefecture, "
            "6 for a county)"
        ),
        Severity.ERROR,
    )


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


def _plausible(day: dt.date, text: str) -> dt.date | str:
    if EARLIEST_DATE <= day <= LATEST_DATE:
        return day
    return (f"{text} is outside the plausible dates {EARLIEST_DATE.isoformat()} to "
            f"{LATEST_DATE.isoformat()}")


def to_date(cell: Cell) -> dt.date | str:
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
        return f"{text} is not a date; write YYYY-MM-DD, e.g. 2020-02-15"
    y, mo, d = (int(g) for g in m.groups())
    try:
        day = dt.date(y, mo, d)
    except ValueError:
        return f"{text} is not a real date"
    return _plausible(day, text)


def parse_date(cell: Cell) -> Parsed:
    v = to_date(cell)
    return (None, v, Severity.ERROR) if isinstance(v, str) else (v, None, OK)


def parse_datetime(cell: Cell) -> Parsed:
    if isinstance(cell, dt.datetime):
        return cell.replace(tzinfo=None), None, OK
    text = unicodedata.normalize("NFKC", cell_text(cell))
    m = _DATETIME.match(text)
    if m:
        day = to_date(m.group(1))
        if isinstance(day, str):
            return None, day, Severity.ERROR
        try:
            t = dt.time(int(m.group(2)), int(m.group(3)), int(m.group(4) or 0))
        except ValueError:
            return None, f"{text} is not a real time of day", Severity.ERROR
        return dt.datetime.combine(day, t), None, OK
    day = to_date(cell)
    if isinstance(day, str):
        return None, f"{text} is not a date and time; write YYYY-MM-DD HH:MM", Severity.ERROR
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
        return None, f"{text} is not a month; write YYYY-MM, e.g. 2020-03", Severity.ERROR
    y, mo = int(m.group(1)), int(m.group(2))
    if not 1 <= mo <= 12:
        return None, f"{text} is not a real month", Severity.ERROR
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
    return None, f"{text} is not yes or no; write true/false (or 是/否, 1/0, Y/N)", Severity.ERROR


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
        return None, f"{text} is too large", Severity.ERROR
    return None


def _number(cell: Cell, what: str, whole: bool, minimum: int) -> Parsed:
    value = to_decimal(cell)
    text = cell_text(cell)
    if value is None:
        return None, f"{text} is not a number", Severity.ERROR
    if (refused := _too_large(value, text)) is not None:
        return refused
    if whole and value != value.to_integral_value():
        return None, f"{text} is not a whole number", Severity.ERROR
    if value < minimum:
        limit = "more than 0" if minimum == 1 else "0 or more"
        return None, f"{text}: {what} must be {limit}", Severity.ERROR
    return (int(value) if whole else float(value)), None, OK


def parse_int(cell: Cell) -> Parsed:
    return _number(cell, "the number", True, 0)


def parse_pos_int(cell: Cell) -> Parsed:
    return _number(cell, "the number", True, 1)


def parse_float(cell: Cell) -> Parsed:
    return _number(cell, "the number", False, 0)


def _coordinate(cell: Cell, lo: float, hi: float, what: str) -> Parsed:
    value = to_decimal(cell)
    text = cell_text(cell)
    if value is None:
        return None, f"{text} is not a number", Severity.ERROR
    if not lo <= value <= hi:
        return None, f"{text} is not a {what} (between {lo:g} and {hi:g})", Severity.ERROR
    return float(value), None, OK


def parse_lat(cell: Cell) -> Parsed:
    return _coordinate(cell, -90, 90, "latitude")


def parse_lon(cell: Cell) -> Parsed:
    return _coordinate(cell, -180, 180, "longitude")


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
        return None, f"{text} is not a number", Severity.ERROR
    if not 0 < value <= 1:
        return None, f"{text} must be a share more than 0 and at most 1 (e.g. 0.5)", Severity.ERROR
    return float(value), None, OK


def parse_money(cell: Cell) -> Parsed:
    value = to_decimal(cell)
    text = cell_text(cell)
    if value is None:
        return None, f"{text} is not an amount of money in yuan", Severity.ERROR
    if (refused := _too_large(value, text)) is not None:
        return refused
    if isinstance(cell, float):  # binary float noise from Excel: round to the fen
        value = value.quantize(Decimal("0.000001"))
    if value != value.quantize(Decimal("0.01")):
        return None, f"{text}: yuan with at most two decimals expected", Severity.ERROR
    if value < 0:
        return None, f"{text}: the amount must not be negative", Severity.ERROR
    return int(value * 100), None, OK


def _enum(mapping: dict[str, str], expected: str) -> Any:
    def parse(cell: Cell) -> Parsed:
        text = unicodedata.normalize("NFKC", cell_text(cell)).lower().replace(" ", "")
        hit = mapping.get(text)
        if hit is None:
            return None, f"{cell_text(cell)} is not one of {expected}", Severity.ERROR
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
    Kind.TRAVEL: _enum(TRAVEL_VALUES, "seat, own, either (座位, 自行, 均可)"),
    Kind.VEHICLE_KIND: _enum(KIND_VALUES, "coach, train"),
    Kind.STOP_KIND: _enum(STOP_KIND_VALUES, "pickup, station, dropoff"),
    Kind.STATUS: _enum(STATUS_VALUES, "paid, failed"),
    Kind.TRIP_EVENT: _enum(TRIP_EVENT_VALUES,
                           "departed, arrived, delayed, cancelled (出发, 到达, 延误, 取消)"),
}


def check_duplicates(
    table: Table, key: tuple[str, ...] | None = None, severity: Severity = Severity.ERROR
) -> None:
    """Flag a row whose key repeats an earlier row's (on the later row, naming the first)."""
    key = key if key is not None else table.schema.key
    if not key or any(k not in table.headers for k in key):
        return
    seen: dict[tuple[Any, ...], int] = {}
    for row in table.rows:
        values = tuple(row.values.get(k) for k in key)
        if any(v is None for v in values):
            continue
        first = seen.get(values)
        if first is None:
            seen[values] = row.row
            continue
        what = ", ".join(f"{k} {v}" for k, v in zip(key, values, strict=True))
        table.problem(f"duplicate: {what} already on row {first}", row.row, key[0], severity)


def format_fen(fen: int) -> str:
    """Integer fen as yuan with two decimals: ``123456`` → ``1234.56``."""
    sign = "-" if fen < 0 else ""
    fen = abs(int(fen))
    return f"{sign}{fen // 100}.{fen % 100:02d}"


_CACHED_KINDS = frozenset(
    {Kind.USCC, Kind.ADCODE, Kind.DATE, Kind.BOOL, Kind.TRAVEL, Kind.VEHICLE_KIND, Kind.MONTH}
)
