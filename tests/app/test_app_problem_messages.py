"""Validation problems of uploaded tables reach the Chinese screens in Chinese: each problem is a
message code rendered from the catalogue (``Problem.text``), no English left but names and codes."""

from __future__ import annotations

import importlib.util
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from planner.io import cells as io_tables
from planner.messages import Message, msg
from planner.paths import DATA_DIR
from planner.problems import Problem, problem
from planner.services.scenario import check_scenario

_SPEC = importlib.util.spec_from_file_location(
    "io_test_helpers", Path(__file__).parents[1] / "io" / "conftest.py"
)
assert _SPEC is not None and _SPEC.loader is not None
_IO = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(_IO)

#: column names of the files, as their headers spell them.
COLUMNS = sorted({c for rows in _IO.base_tables().values() for r in rows for c in r})
#: what may stay Latin in a Chinese message: codes, column and file names, file formats.
ALLOWED = re.compile(
    r"\b[0-9A-Z]{18}\b|\b[a-z]+(?:_[a-z]+)+\b|\b\w+\.(?:csv|xlsx?|toml)\b|\.xlsx?\b|true/false|"
    rf"\b(?:Excel|CSV|UTF|GBK|HTML|XML|{'|'.join(COLUMNS)})\b"
)
ENGLISH = re.compile(r"[A-Za-z]{3,}")
HAN = re.compile(r"[\u4e00-\u9fff]")


def english_left(text: str) -> list[str]:
    """English words of 3+ letters left in ``text`` once codes and names are taken out."""
    return ENGLISH.findall(ALLOWED.sub("", text))


def scenario(tmp_path: Path, name: str, **tables: list[dict[str, str]] | str | bytes) -> Path:
    """A scenario folder: the io tests' minimal valid scenario with some tables replaced."""
    folder = tmp_path / name
    folder.mkdir()
    base: dict[str, Any] = _IO.base_tables()
    base.update(tables)
    for table, rows in base.items():
        if isinstance(rows, bytes):
            (folder / f"{table}.csv").write_bytes(rows)
        else:
            _IO.write_csv(folder / f"{table}.csv", rows)
    (folder / "scenario.toml").write_text(_IO.BASE_TOML, "utf-8")
    policy = DATA_DIR / "policies" / "shangyu-2020.toml"
    if policy.exists():
        shutil.copy(policy, folder / "policy.toml")
    else:
        (folder / "policy.toml").write_text(_IO.MINIMAL_POLICY, "utf-8")
    return folder


def bad_workers() -> list[dict[str, str]]:
    """Workers rows, one wrong cell each (plus the valid base rows and a duplicate)."""
    base = _IO.base_tables()["workers"]
    good = base[0]
    wrong_check = _IO.W1[:-1] + ("1" if _IO.W1[-1] != "1" else "2")
    cells: list[dict[str, str]] = [
        {"id_number": wrong_check},
        {"id_number": "42280119900101"},
        {"id_number": _IO.make_id(born="19900230")},
        {"id_number": _IO.make_id(born="18800101")},
        {"id_number": _IO.make_id("520524", "19900101")},
        {"id_number": "4.22801E+17"},
        {"id_number": "422801900101123"},
        {"id_number": "42280119900101123A"},
        {"id_number": "422801199001010000"},
        {"phone": "1380013"},
        {"home_adcode": "999999"},
        {"home_adcode": "12"},
        {"home_adcode": "", "home_address": "火星基地一号"},
        {"home_adcode": "", "home_address": "朝阳区"},
        {"home_adcode": "", "home_address": ""},
        {"employer_uscc": _IO.make_uscc("MA2BCDEF9")},
        {"available_from": "明天"},
        {"available_from": "2020-02-30"},
        {"available_from": "2020-04-01"},
        {"travel": "飞机"},
        {"poverty_registered": "也许"},
        {"id_number": _IO.W1},
    ]
    rows = [dict(r) for r in base]
    for i, cell in enumerate(cells):
        row = {**good, "id_number": _IO.make_id(seq=f"{i + 200:03d}"), **cell}
        rows.append(row)
    return rows


def bad_employers() -> list[dict[str, str]]:
    """Employers rows, one wrong cell each (plus the valid base rows and a duplicate)."""
    base = _IO.base_tables()["employers"]
    good = base[0]
    wrong_check = _IO.E1[:-1] + ("1" if _IO.E1[-1] != "1" else "2")
    cells: list[dict[str, str]] = [
        {"uscc": wrong_check},
        {"uscc": "12345"},
        {"uscc": "9133060IMA2BCDEF1X"},
        {"uscc": _IO.E1},
        {"new_hires_wanted": "-1"},
        {"new_hires_wanted": "很多"},
        {"new_hires_wanted": "2.5"},
        {"needed_by": "明天"},
        {"lat": "91"},
    ]
    rows = [dict(r) for r in base]
    for i, cell in enumerate(cells):
        rows.append({**good, "uscc": _IO.make_uscc(f"MA2BCD{i + 100:03d}"), **cell})
    return rows


@pytest.fixture(scope="module")
def upload_problems(tmp_path_factory: pytest.TempPathFactory) -> list[Problem]:
    """Every problem of several bad workers/employers uploads."""
    tmp = tmp_path_factory.mktemp("bad")
    no_name = [{k: v for k, v in r.items() if k != "name"} for r in _IO.base_tables()["workers"]]
    folders = [
        scenario(tmp, "cells", workers=bad_workers(), employers=bad_employers()),
        scenario(tmp, "columns", workers=no_name, employers=""),
        scenario(
            tmp,
            "files",
            workers="<!DOCTYPE html><html><body>x</body></html>",
            employers=b"\x00\x01\x02garbage\x00" * 10,
        ),
    ]
    found: list[Problem] = []
    for folder in folders:
        found += check_scenario(folder)[1]
    return [p for p in found if p.file in ("workers.csv", "employers.csv")]


def test_upload_problems_are_all_chinese(upload_problems: list[Problem]) -> None:
    """Every problem of a bad workers/employers upload renders in Chinese, no English left."""
    assert len(upload_problems) >= 30
    left = {
        p.message: p.text("zh")
        for p in upload_problems
        if english_left(p.text("zh")) or not HAN.search(p.text("zh"))
    }
    assert left == {}


@pytest.mark.parametrize(
    "needle",
    [
        "check digit is wrong",
        "14 characters, not 18",
        "not a real date",
        "is impossible",
        "was not a division in 1990",
        "Excel turned this ID number",
        "15-digit first-generation",
        "17 digits and a digit or X",
        "trailing zeros suggest Excel",
        "mainland mobile number",
        "gazetteer knows",
        "6-digit division code",
        "cannot be resolved",
        "ambiguous",
        "give home_adcode or home_address",
        "is not in employers.csv",
        "write YYYY-MM-DD",
        "is after plan_to",
        "is not one of seat",
        "is not yes or no",
        "duplicate: id_number",
        "check character of the credit code",
        "characters, not 18",
        "digits and capitals",
        "duplicate: uscc",
        "0 or more",
        "is not a number",
        "is not a whole number",
        "is not a latitude",
        "required column name [姓名] is missing",
        "the file is empty",
        "web page",
        "binary file",
    ],
)
def test_each_upload_rule_is_met_and_translated(
    upload_problems: list[Problem], needle: str
) -> None:
    """Each rule a county office meets is among the problems and its message is rendered."""
    hits = [p for p in upload_problems if needle in p.message]
    assert hits, needle
    for p in hits:
        assert p.text("zh") != p.message
        assert HAN.search(p.text("zh"))


@pytest.mark.parametrize(
    "parse,cell",
    [
        (io_tables.parse_id_number, 4.22801199001011e17),
        (io_tables.parse_uscc, 9.13306041234567e17),
        (io_tables.parse_uscc, "9.13306E+17"),
        (io_tables.parse_code_prefix, "123"),
        (io_tables.parse_datetime, "明天早上"),
        (io_tables.parse_datetime, "2020-02-15 25:00"),
        (io_tables.parse_month, "三月"),
        (io_tables.parse_month, "2020-13"),
        (io_tables.parse_pos_int, "0"),
        (io_tables.parse_lon, "200"),
        (io_tables.parse_ratio, "1.5"),
        (io_tables.parse_money, "十元"),
        (io_tables.parse_money, "8.123"),
        (io_tables.parse_money, "-8"),
    ],
)
def test_cell_parser_messages_are_chinese(parse: Any, cell: Any) -> None:
    """Cell messages that a CSV upload rarely meets (Excel numbers, months, money) are Chinese."""
    _, message, _ = parse(cell)
    assert message
    zh = message.render("zh")
    assert HAN.search(zh) and english_left(zh) == [], (message, zh)


def test_problem_text_is_english_for_the_cli_and_chinese_for_the_app() -> None:
    """One problem code gives the CLI's English line and the app's Chinese text."""
    p = problem("homes.csv", "problem.adcode", 3, "home_adcode", raw="12345")
    assert str(p) == "homes.csv:3: home_adcode: 12345 is not a 6-digit division code"
    assert p.text("zh") == "12345 不是 6 位行政区划代码"
    assert p.text("en") == p.message


@pytest.mark.parametrize(
    "message",
    [
        msg("problem.named_not_found", file="fleet.csv"),
        msg("problem.other_format", file="workers.csv", other="workers.xlsx"),
        msg("problem.riders_seats", riders=60, seats=53),
        msg("problem.paid_needs_date"),
        msg("problem.not_in_workers", id="42280119900101123X"),
        msg("problem.give_id_or_employer"),
        msg("problem.key_missing", setting="plan_from"),
    ],
)
def test_scenario_and_event_messages_are_chinese(message: Message) -> None:
    """Messages of scenario.toml and event uploads (as planner.io raises them) are Chinese."""
    zh = message.render("zh")
    assert HAN.search(zh) and english_left(zh) == [], zh


@pytest.mark.parametrize(
    "kind,values,cell",
    [("travel", io_tables.TRAVEL_VALUES, "坐飞机"), ("vehicle_kind", io_tables.KIND_VALUES, "船")],
)
def test_a_bad_choice_names_the_values_the_editor_shows(kind: str, values: Any,
                                                        cell: str) -> None:
    """出行方式 and 车型: the message lists the words the app's editor shows
    (统一乘车/自行返岗/均可, 大巴/专列), and the reader accepts each of them."""
    from planner.io.schemas import Column, Kind
    from ui.workspace import SHOWN_ZH

    _, message, _ = io_tables.parse_cell(Column(kind, Kind(kind)), cell)
    assert message is not None
    zh = message.render("zh")
    for code, shown in SHOWN_ZH[kind].items():
        assert shown in zh, (shown, zh)
        assert values[shown] == code
