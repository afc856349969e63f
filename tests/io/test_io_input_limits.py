"""Input the readers must cope with: UTF-16 text from Excel, and files too big to read."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.io.schemas import WORKERS
from planner.io.tables import read_table

ZH_HEADER = ("身份证号\t姓名\t手机号\t户籍地区划代码\t返岗企业信用代码\t可出发日期\t建档立卡\t"
             "出行方式\r\n")


def _rows(ids) -> str:
    return (f"{ids.W1}\t张三\t13800138000\t422801\t{ids.E1}\t2020/2/16\t是\t座位\r\n"
            f"{ids.W2}\t李四\t\t522425\t\t2020年2月18日\t否\t均可\r\n")


@pytest.mark.parametrize("encoding,bom", [
    ("utf-16-le", b"\xff\xfe"),  # Excel's "Unicode text (*.txt)", renamed .csv
    ("utf-16-be", b"\xfe\xff"),
    ("utf-16-le", b""),
    ("utf-16-be", b""),
])
def test_utf16_csv_is_read(tmp_path: Path, ids, encoding: str, bom: bytes) -> None:
    """A tab-separated UTF-16 table, with or without BOM, is read like UTF-8."""
    p = tmp_path / "workers.csv"
    p.write_bytes(bom + (ZH_HEADER + _rows(ids)).encode(encoding))
    t = read_table(p, WORKERS)
    assert t.ok and not t.problems
    assert [r.values["name"] for r in t.rows] == ["张三", "李四"]
    assert [r.row for r in t.rows] == [2, 3]


def test_file_above_the_size_limit_is_refused_unread(tmp_path: Path, ids,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A file above JOBBUS_MAX_INPUT_MB is refused with one problem naming its size and the
    limit; at the limit it is read."""
    p = tmp_path / "workers.csv"
    p.write_text(ZH_HEADER + _rows(ids) * 2000, encoding="utf-8")
    size_mb = p.stat().st_size / 1024 / 1024
    monkeypatch.setenv("JOBBUS_MAX_INPUT_MB", str(size_mb / 2))
    t = read_table(p, WORKERS)
    assert not t.ok and len(t.problems) == 1
    assert t.problems[0].file == "workers.csv"
    assert f"is {size_mb:,.1f} MB; files above {size_mb / 2:g} MB are not read" in str(
        t.problems[0])
    monkeypatch.setenv("JOBBUS_MAX_INPUT_MB", str(size_mb * 1.01))
    assert read_table(p, WORKERS).ok


def test_validate_refuses_a_big_file_with_exit_2(tmp_path: Path, monkeypatch, capsys) -> None:
    """`jobbus validate` on a scenario whose workers.csv is above the limit exits 2 naming the
    file and the limit."""
    import shutil

    from planner.cli import main

    shutil.copytree(Path(__file__).resolve().parents[2] / "data" / "demo", tmp_path / "s")
    monkeypatch.setenv("JOBBUS_MAX_INPUT_MB", "0.5")
    assert main(["validate", str(tmp_path / "s")]) == 2
    err = capsys.readouterr().err
    assert "workers.csv: is 0.8 MB; files above 0.5 MB are not read" in err


@pytest.mark.parametrize("day", ["1900-01-01", "2101-01-01", "1"])
def test_implausible_date_is_refused_with_row_and_column(tmp_path: Path, ids, day: str) -> None:
    """available_from 1900-01-01 (Excel's zero) or after 2100 is an error on its row and
    column."""
    p = tmp_path / "workers.csv"
    p.write_text("id_number,name,home_adcode,available_from\n"
                 f"{ids.W1},张三,422801,2020-02-16\n{ids.W2},李四,522425,{day}\n", "utf-8")
    t = read_table(p, WORKERS)
    errors = [(q.row, q.column) for q in t.problems if q.severity.value == "error"]
    assert errors == [(3, "available_from")]
    assert t.rows[0].values["available_from"] is not None


def test_amount_above_its_ceiling_is_refused(tmp_path: Path, ids) -> None:
    """A 99,999,999,999.99-yuan ticket and a 200,000,000-yuan invoice are refused on their
    row and column; a 9,999-yuan ticket is read."""
    from planner.io.schemas import EVENT_TABLES

    p = tmp_path / "arrivals.csv"
    p.write_text("id_number,employer_uscc,arrived_on,ticket_amount\n"
                 f"{ids.W1},{ids.E1},2020-02-16,9999.00\n"
                 f"{ids.W2},{ids.E1},2020-02-16,\"99,999,999,999.99\"\n", "utf-8")
    t = read_table(p, EVENT_TABLES["arrivals"])
    assert [(q.row, q.column) for q in t.problems] == [(3, "ticket_amount")]
    assert "above the ceiling of 10,000 yuan" in t.problems[0].message
    assert t.rows[0].values["ticket_amount"] == 999_900
    q = tmp_path / "charters.csv"
    q.write_text("employer_uscc,contract_no,depart_date,origin_adcode,seats,riders,"
                 f"invoice_amount\n{ids.E1},C1,2020-02-16,422801,53,40,200000000\n", "utf-8")
    t = read_table(q, EVENT_TABLES["charters"])
    assert [(q.row, q.column) for q in t.problems] == [(2, "invoice_amount")]
