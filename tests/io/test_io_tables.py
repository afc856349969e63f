"""Reading tables as a county office saves them: encodings, separators, xlsx, Chinese headers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from planner.io.schemas import EMPLOYERS, WORKERS
from planner.io.tables import read_table
from planner.problems import Severity

ZH_HEADER = "身份证号,姓名,手机号,户籍地区划代码,返岗企业信用代码,可出发日期,建档立卡,出行方式\n"


def _zh_rows(ids) -> str:
    return (
        f"{ids.W1},张三,13800138000,422801,{ids.E1},2020/2/16,是,座位\n"
        f"{ids.W2},李四,,522425,,2020年2月18日,否,均可\n"
    )


def test_gbk_csv_with_chinese_headers(tmp_path: Path, ids) -> None:
    """A GBK CSV (Excel on Chinese Windows) with Chinese headers is read."""
    p = tmp_path / "workers.csv"
    p.write_bytes((ZH_HEADER + _zh_rows(ids)).encode("gbk"))
    t = read_table(p, WORKERS)
    assert not t.problems
    assert [r.values["name"] for r in t.rows] == ["张三", "李四"]
    assert t.rows[0].values["travel"] == "seat" and t.rows[1].values["travel"] == "either"
    assert t.rows[1].values["available_from"] == dt.date(2020, 2, 18)
    assert t.headers["id_number"] == "身份证号"


def test_utf8_bom_and_tab_separated(tmp_path: Path, ids) -> None:
    """UTF-8 with BOM and tab separators are read."""
    p = tmp_path / "workers.csv"
    p.write_text((ZH_HEADER + _zh_rows(ids)).replace(",", "\t"), encoding="utf-8-sig")
    t = read_table(p, WORKERS)
    assert not t.problems and t.rows[0].values["id_number"] == ids.W1


def test_header_variants(tmp_path: Path, ids) -> None:
    """Headers match ignoring case, spaces, full-width brackets and notes like （必填）."""
    p = tmp_path / "workers.csv"
    p.write_text(
        f"ID Number,* 姓名（必填）,联系电话, Home_Adcode \n{ids.W1},张三,13800138000,422801\n",
        "utf-8",
    )
    t = read_table(p, WORKERS)
    assert not t.problems, t.problems
    assert t.rows[0].values == {
        "id_number": ids.W1,
        "name": "张三",
        "phone": "13800138000",
        "home_adcode": "422801",
    }


def test_two_columns_for_one_field_first_alias_wins(tmp_path: Path, ids) -> None:
    """户籍地址 and 现居住地 both present: 户籍地址 is used, the other ignored with a warning."""
    p = tmp_path / "workers.csv"
    p.write_text(
        f"身份证号,姓名,现居住地,户籍地址\n{ids.W1},张三,浙江省绍兴市上虞区,湖北省恩施市\n", "utf-8"
    )
    t = read_table(p, WORKERS)
    assert t.rows[0].values["home_address"] == "湖北省恩施市"
    assert [p.severity for p in t.problems] == [Severity.WARNING]


def test_blank_trailing_rows_ignored_and_rows_numbered(tmp_path: Path, ids) -> None:
    """Blank rows (also ,,,, rows Excel leaves) are skipped; row numbers stay true."""
    p = tmp_path / "workers.csv"
    p.write_text(f"id_number,name,home_adcode\n,,\n{ids.W1},张三,422801\n,,\n\n,,\n", "utf-8")
    t = read_table(p, WORKERS)
    assert not t.problems and [r.row for r in t.rows] == [3]


def _xlsx(
    path: Path, rows: list[list[object]], title: str = "Sheet1", first: str | None = None
) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    if first is not None:
        ws.title = first
        ws = wb.create_sheet(title)
    else:
        ws.title = title
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def test_xlsx_sheet_named_like_file_with_title_row(tmp_path: Path, ids) -> None:
    """The sheet named 人员登记表 is read, a title line above the header is skipped, Excel dates
    and numeric cells are understood, and row numbers are the sheet's."""
    rows = [
        ["上虞区返岗人员登记表"],
        ["身份证号", "姓名", "手机号", "户籍地区划代码", "可出发日期", "建档立卡"],
        [ids.W1, "张三", 13800138000, 422801, dt.datetime(2020, 2, 16), True],
        [ids.W2, "李四", None, 522425.0, 43878, 0],
    ]
    p = _xlsx(tmp_path / "workers.xlsx", rows, title="人员登记表", first="说明")
    t = read_table(p, WORKERS)
    assert not t.problems, t.problems
    assert [r.row for r in t.rows] == [3, 4]
    assert t.rows[0].values["phone"] == "13800138000"
    assert t.rows[0].values["available_from"] == dt.date(2020, 2, 16)
    assert t.rows[1].values["available_from"] == dt.date(2020, 2, 17)  # Excel serial 43878
    assert t.rows[1].values["home_adcode"] == "522425"
    assert t.rows[1].values["poverty_registered"] is False


def test_xlsx_id_stored_as_number_is_reported(tmp_path: Path, ids) -> None:
    """An ID Excel stored as a number is an error naming the cell and the fix."""
    rows = [["身份证号", "姓名", "户籍地区划代码"], [float(ids.W3), "王五", "513227"]]
    t = read_table(_xlsx(tmp_path / "workers.xlsx", rows), WORKERS)
    (p,) = t.problems
    assert (p.row, p.column) == (2, "身份证号")
    assert "Excel stored this ID number as a number" in p.message and "Text" in p.message


def test_xlsx_formula_in_a_text_column_is_named_as_a_formula(tmp_path: Path, ids) -> None:
    """A name cell holding a formula (saved without its value, so it reads as blank) is
    reported as a formula that must be plain text, with file, row and column, in Chinese and
    English, not as a blank name."""
    rows = [["上虞区返岗人员登记表"], ["身份证号", "姓名", "户籍地区划代码"],
            [ids.W1, "张三", "422801"], [ids.W2, "=1+1", "522425"]]
    t = read_table(_xlsx(tmp_path / "workers.xlsx", rows), WORKERS)
    (p,) = t.problems
    assert (p.file, p.row, p.column) == ("workers.xlsx", 4, "姓名")
    assert "是公式（=1+1），不是直接输入的文字" in p.text("zh"), p.text("zh")
    assert "holds a formula (=1+1), not plain text" in p.text("en"), p.text("en")


def test_csv_that_is_really_xlsx(tmp_path: Path, ids) -> None:
    """An xlsx renamed to .csv is read as a workbook, with a warning."""
    rows = [["uscc", "name", "new_hires_wanted"], [ids.E1, "甲", "5"]]
    p = _xlsx(tmp_path / "x.xlsx", rows)
    q = tmp_path / "employers.csv"
    p.rename(q)
    t = read_table(q, EMPLOYERS)
    assert t.rows[0].values["new_hires_wanted"] == 5
    assert [p.severity for p in t.problems] == [Severity.WARNING]


@pytest.mark.parametrize(
    "data,text",
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 50, "old Excel .xls"),
        (b"<html><table><tr><td>1</td></tr></table></html>", "web page"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "binary"),
        (b"   \n\n", "empty"),
    ],
)
def test_garbage_refused(tmp_path: Path, data: bytes, text: str) -> None:
    """Files that are not tables are refused with one clear problem."""
    p = tmp_path / "workers.csv"
    p.write_bytes(data)
    t = read_table(p, WORKERS)
    assert not t.ok and len(t.problems) == 1 and text in t.problems[0].message


def test_header_without_rows_is_a_warning(tmp_path: Path) -> None:
    """A table with a header and no rows is a warning, not a crash."""
    p = tmp_path / "employers.csv"
    p.write_text("uscc,name,new_hires_wanted\n", "utf-8")
    t = read_table(p, EMPLOYERS)
    assert t.rows == [] and t.problems[0].severity is Severity.WARNING
