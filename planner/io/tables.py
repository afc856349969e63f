"""Reading one table (CSV or xlsx) as a county office saves it from Excel, and parsing its cells.

Rules implemented here:

- CSV in UTF-8 with or without BOM, GBK/GB18030 (Excel on Chinese Windows) or UTF-16 (Excel's
  "Unicode text"; with a BOM, or without one when recognisable); comma, tab or semicolon
  separated (whichever splits the header line most);
- a file above ``JOBBUS_MAX_INPUT_MB`` (default 30 MB) is refused before it is read, naming its
  size and the limit (memory: about 25 times the file size);
- ``.xlsx``: the sheet named like the file stem, the table name (``workers``) or its Chinese
  title (``人员登记表``), else the first sheet; cells are read as Excel last computed them, and
  a sheet holding formulas is read a second time to mark its formula cells (``Formula``: refused
  in text columns, see ``planner.io.cells``); a ``.csv`` that is really an xlsx is read as one
  (with a warning);
- garbage is refused with one clear problem: binary files, an HTML page saved as ``.csv``, an old
  ``.xls``, an ``.xlsx`` that is not a zip archive, an empty file, a file with no data rows;
- the header is the first row (among the first five) naming a required column, so a title line
  above the header is fine; rows keep the number the spreadsheet shows (header row = 1 when it
  is the first line); blank rows are ignored;
- headers are matched to English names and Chinese aliases (see ``planner.io.schemas``); a
  missing required column is an error; two columns meaning the same thing: the first alias wins
  and the other is ignored with a warning; unknown columns are ignored;
- cells are parsed by ``planner.io.cells`` (dates, months, yes/no, money in fen, ID numbers,
  credit codes, phones, division codes …);
- every problem is a message code (``problem.*`` in ``planner/messages/catalogue``);
- ``travel``: ``seat`` (座位, 乘车, 坐车, 统一乘车, 组织乘车), ``own`` (自行, 自行返岗, 自驾,
  自己回), ``either`` (均可, 都可以, 任意); ``kind``: ``coach`` (大巴, 客车, 大客车, 汽车),
  ``train`` (火车, 专列, 列车); ``status``: ``paid`` (已支付, 支付成功, 成功), ``failed``
  (失败, 支付失败, 退回).
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planner.io.cells import (  # noqa: F401  (re-exported: callers import cell parsing here)
    Cell,
    Formula,
    blank,
    cell_text,
    clean_text,
    format_fen,
    parse_adcode,
    parse_cell,
    parse_datetime,
    to_date,
)
from planner.io.schemas import Schema
from planner.messages import Message, msg
from planner.problems import Problem, Severity, problem


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
        what: Message,
        row: int | None = None,
        column: str | None = None,
        severity: Severity = Severity.ERROR,
    ) -> None:
        """Note a problem: ``what`` is a message code (``msg("problem.…", …)``); ``column`` by
        English name, reported as the file spells it."""
        col = self.header(column) if column else None
        self.problems.append(Problem(self.file, what, row, col, severity))

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

    def fail(code: str, **params: Any) -> tuple[list[tuple[int, list[Cell]]], list[Problem]]:
        return [], [problem(display, code, **params)]

    if not path.exists():
        return fail("problem.file_not_found")
    if path.is_dir():
        return fail("problem.is_folder")
    try:
        too_big = _too_big(path.stat().st_size)
        if too_big:
            return [], [Problem(display, too_big)]
        data = path.read_bytes()
    except OSError as exc:
        return fail("problem.cannot_read", why=str(exc.strerror or exc))
    if not data.strip():
        return fail("problem.empty")
    suffix = path.suffix.lower()
    problems: list[Problem] = []
    if data[:4] == b"PK\x03\x04" or suffix in (".xlsx", ".xlsm"):
        if suffix not in (".xlsx", ".xlsm"):
            problems.append(problem(display, "problem.xlsx_named_csv", severity=Severity.WARNING))
        rows, more = _read_xlsx(data, display, (*sheet_names, path.stem))
        return rows, problems + more
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return fail("problem.old_xls")
    if suffix == ".xls":
        return fail("problem.xls_not_read")
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype", b"<html", b"<?xml", b"<head", b"<body", b"<table")):
        return fail("problem.web_page")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:8192]:
        text = _decode_utf16(data)
        if text is None:
            return fail("problem.binary")
    else:
        text = _decode(data)
    if text is None:
        return fail("problem.not_text")
    if not text.strip():
        return fail("problem.empty")
    try:
        return _read_csv_text(text), problems
    except csv.Error as exc:
        return fail("problem.bad_csv", why=str(exc))


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


def max_upload_mb() -> int:
    """The input limit in whole MB, rounded up: the upload limit given to Streamlit (a file in
    between passes the upload and is refused, with a message, when it is read)."""
    return max(1, math.ceil(max_input_mb()))


def _too_big(size: int) -> Message | None:
    limit = max_input_mb()
    if size <= limit * MB:
        return None
    return msg("problem.too_big", size=f"{size / MB:,.1f}", limit=f"{limit:g}")


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
        return [], [problem(display, "problem.not_zip")]
    if unpacked > XLSX_UNPACKED_FACTOR * max_input_mb() * MB:
        return [], [problem(display, "problem.xlsx_too_big", size=f"{unpacked / MB:,.1f}",
                            limit=f"{XLSX_UNPACKED_FACTOR * max_input_mb():g}")]
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except zipfile.BadZipFile:
        return [], [problem(display, "problem.not_zip")]
    except Exception as exc:  # openpyxl raises many kinds on broken workbooks
        return [], [problem(display, "problem.bad_xlsx", why=str(exc))]
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
                return [], [problem(display, "problem.no_worksheet")]
            sheet = wb.worksheets[0]
        out: list[tuple[int, list[Cell]]] = []
        try:
            formulas = _formulas(data, sheet.title) if _has_formulas(
                data, getattr(sheet, "_worksheet_path", "")) else {}
            for i, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                cells: list[Cell] = list(values)
                for j, text in formulas.get(i, {}).items():
                    cells.extend([None] * (j + 1 - len(cells)))
                    cells[j] = Formula(text, cells[j])
                if any(not blank(c) for c in cells):
                    out.append((i, cells))
        except Exception as exc:  # a damaged sheet
            return [], [problem(display, "problem.bad_sheet", sheet=sheet.title, why=str(exc))]
        return out, []
    finally:
        wb.close()


_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")


def _has_formulas(data: bytes, part: str) -> bool:
    """Whether the sheet's XML part (``xl/worksheets/sheet1.xml``) holds a formula element
    (read in chunks, never whole; an unknown part counts as holding one)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        if part not in archive.namelist():
            return True
        tail = b""
        with archive.open(part) as fh:
            while chunk := fh.read(1 << 20):
                if _FORMULA_TAG.search(tail + chunk):
                    return True
                tail = chunk[-16:]
    return False


def _formulas(data: bytes, title: str) -> dict[int, dict[int, str]]:
    """The formula cells of the sheet ``title``: ``{row: {column index from 0: "=…"}}``."""
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    try:
        found: dict[int, dict[int, str]] = {}
        for row in wb[title].iter_rows():
            for cell in row:
                row_at, column_at = getattr(cell, "row", None), getattr(cell, "column", None)
                if getattr(cell, "data_type", None) == "f" and row_at and column_at:
                    text = getattr(cell.value, "text", cell.value)  # an array formula: its text
                    found.setdefault(row_at, {})[column_at - 1] = str(text)
        return found
    finally:
        wb.close()


def normalise_name(text: str) -> str:
    return re.sub(r"[\s_\-]+", "", unicodedata.normalize("NFKC", text).lower())


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
    positions = _match_headers(table, header_row, header_cells)
    missing = [c for c in schema.columns if c.required and c.name not in positions]
    for col in missing:
        if col.aliases:
            what = msg("problem.missing_column_alias", name=col.name, alias=col.aliases[0])
        else:
            what = msg("problem.missing_column", name=col.name)
        table.problems.append(Problem(table.file, what, header_row))
    if missing and not positions:
        table.ok = False
        return table
    data_rows = raw[header_at + 1 :]
    if not data_rows:
        table.problems.append(problem(table.file, "problem.no_data_rows",
                                      severity=Severity.WARNING))
    _parse_rows(table, data_rows, positions)
    return table


def _match_headers(table: Table, header_row: int, header_cells: list[Cell]) -> dict[str, int]:
    """Column index by English name; two columns meaning the same: the first alias wins."""
    positions: dict[str, tuple[int, int]] = {}  # name -> (cell index, priority)
    for idx, cell in enumerate(header_cells):
        if blank(cell):
            continue
        hit = table.schema.match(clean_text(str(cell)))
        if hit is None:
            continue
        name, prio = hit
        if name in positions:
            other_idx, other_prio = positions[name]
            keep, drop = (idx, other_idx) if prio < other_prio else (other_idx, idx)
            table.problems.append(problem(
                table.file, "problem.column_twice", header_row,
                clean_text(str(header_cells[drop])), Severity.WARNING,
                name=name, kept=clean_text(str(header_cells[keep])),
            ))
            positions[name] = (keep, min(prio, other_prio))
        else:
            positions[name] = (idx, prio)
    for name, (idx, _) in positions.items():
        table.headers[name] = clean_text(str(header_cells[idx]))
    return {name: idx for name, (idx, _) in positions.items()}


def _parse_rows(
    table: Table, data_rows: list[tuple[int, list[Cell]]], positions: dict[str, int]
) -> None:
    """Parse every data row's cells, noting each wrong cell as a problem."""
    cols = [(table.schema.column(name), idx) for name, idx in positions.items()]
    for number, cells in data_rows:
        values: dict[str, Any] = {}
        texts: dict[str, str] = {}
        for col, idx in cols:
            cell = cells[idx] if idx < len(cells) else None
            if isinstance(cell, str):
                cell = texts[col.name] = clean_text(cell)
            else:
                texts[col.name] = cell_text(cell)
            value, what, severity = parse_cell(col, cell)
            values[col.name] = value
            if what is not None:
                table.problems.append(
                    Problem(table.file, what, number, table.headers[col.name], severity)
                )
        table.rows.append(Row(number, values, texts))


def _find_header(raw: list[tuple[int, list[Cell]]], schema: Schema) -> int:
    required = {c.name for c in schema.columns if c.required}
    best, best_score = 0, -1
    for i, (_, cells) in enumerate(raw[:5]):
        names = {
            hit[0]
            for c in cells
            if not blank(c) and (hit := schema.match(clean_text(str(c)))) is not None
        }
        score = len(names & required) * 100 + len(names)
        if score > best_score:
            best, best_score = i, score
    return best


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
        table.problem(msg("problem.duplicate", what=what, first=first), row.row, key[0],
                      severity)
