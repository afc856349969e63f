"""Cells a spreadsheet never runs: the one place where exported text is kept from being a formula.

Rules implemented here:

- text is *formula-like* when it begins with ``=``, ``+``, ``-``, ``@``, a tab, a carriage return
  or a line feed, also after leading spaces (an application that trims them would see the
  formula); a plain number (``-12.50``, ``+86``) is data, not a formula;
- CSV: formula-like text is written with a leading apostrophe (``'=HYPERLINK(…)``), the
  convention of OWASP and defusedcsv; ``unquote_text`` is the inverse and the table readers
  apply it, so our own files read back as written;
- xlsx: every cell holding text is a string cell, never a formula cell (openpyxl would store a
  ``str`` beginning with ``=`` as a formula); formula-like text is marked with Excel's
  quote prefix (the apostrophe convention inside the file), so Excel and LibreOffice show the
  text as typed and keep it text when it is edited;
- the print-ready papers are written with XlsxWriter (``planner.io.papers``): every text there
  goes through ``write_string``, and formula-like text gets the same quote prefix.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd

#: Characters that make a spreadsheet read a cell as a formula (or trim into one).
FORMULA_STARTS = frozenset("=+-@\t\r\n")
_NUMBER = re.compile(r"[+-](?:\d[\d,]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_SPACES = " \u3000\xa0"


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet could take ``text`` (or ``text`` with its spaces trimmed) as a
    formula."""
    if not text:
        return False
    if text[0] in FORMULA_STARTS:
        return _NUMBER.fullmatch(text) is None
    trimmed = text.lstrip(_SPACES)
    return trimmed != text and is_formula_like(trimmed)


def safe_text(value: Any) -> Any:
    """A CSV cell value that no spreadsheet runs: formula-like text gets a leading apostrophe;
    anything else (numbers, blanks, ordinary text) is returned unchanged."""
    if isinstance(value, str) and is_formula_like(value):
        return "'" + value
    return value


def unquote_text(text: str) -> str:
    """The inverse of ``safe_text`` for a cell read back: ``'=X`` → ``=X``; other text
    unchanged."""
    if len(text) > 1 and text[0] == "'" and is_formula_like(text[1:]):
        return text[1:]
    return text


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` fit for ``to_csv``: every text cell and column name through
    ``safe_text``."""
    out = frame.rename(columns=lambda c: safe_text(c) if isinstance(c, str) else c)
    for i, dtype in enumerate(out.dtypes):
        if not (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)):
            out.iloc[:, i] = out.iloc[:, i].map(safe_text)
    return out


def write_safe_csv(frame: pd.DataFrame, path: Path | str, **options: Any) -> None:
    """``frame.to_csv(path, index=False, **options)`` with formula-like text neutralised."""
    safe_frame(frame).to_csv(path, index=False, **options)


def protect_cell(cell: Any) -> Any:
    """Make an openpyxl cell (also a write-only cell) hold text, never a formula; returns it."""
    value = cell.value
    if isinstance(value, str) and (cell.data_type == "f" or is_formula_like(value)):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def protect_workbook(workbook: Any) -> Any:
    """Every cell of every sheet of an openpyxl workbook (not write-only) through
    ``protect_cell``; returns the workbook."""
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                protect_cell(cell)
    return workbook


def save_workbook(workbook: Any, path: Path | str) -> Path:
    """Save an openpyxl workbook after ``protect_workbook``: no cell of it is a formula."""
    protect_workbook(workbook).save(path)
    return Path(path)
