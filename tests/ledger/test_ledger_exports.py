"""Exports: the finance list adds up and matches a hand calculation of the Shangyu 2020 policy;
the public notice never shows a full ID number or phone."""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections import defaultdict
from pathlib import Path

import openpyxl
import pytest

from planner.ledger.exports import mask_id, mask_name, scrub
from planner.services import ledger as svc
from planner.services.auth import Role, system_actor

FINANCE = system_actor(Role.FINANCE)


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def _fen(yuan: str) -> int:
    whole, _, frac = yuan.partition(".")
    return int(whole) * 100 + int((frac + "00")[:2])


def shangyu_by_hand(world) -> dict[str, int]:
    """The Shangyu 2020 policy applied with plain arithmetic to the event files: fen by rule."""
    start, end = dt.date(2020, 2, 10), dt.date(2020, 6, 30)
    # home counties as the scenario reader resolved them (addresses, old codes); the rest is
    # plain arithmetic on the files
    home = {w.id_number: w.home_adcode for w in world.scenario.workers}
    trips = {t["trip_id"] for t in _rows(world.plan_dir / "trips.csv")}
    charters = _rows(world.events["charters"])
    contracts = {c["contract_no"] for c in charters}
    riders = {r["id_number"] for r in _rows(world.events["charter_riders"])}
    arrivals = _rows(world.events["arrivals"])
    insured = defaultdict(set)
    for r in _rows(world.events["insurance"]):
        insured[(r["id_number"], r["employer_uscc"])].add(r["month"])
    totals: dict[str, int] = defaultdict(int)
    for c in charters:  # 100% of the invoice, no caps
        if start <= dt.date.fromisoformat(c["depart_date"]) <= end:
            totals["charter"] += _fen(c["invoice_amount"])
    carried = {a["id_number"] for a in arrivals if a["trip_id"] in trips | contracts} | riders
    own: dict[str, dict[str, str]] = {}
    for a in arrivals:
        day = dt.date.fromisoformat(a["arrived_on"])
        if a["trip_id"] or not start <= day <= end:
            continue
        if a["id_number"] not in own or a["arrived_on"] < own[a["id_number"]]["arrived_on"]:
            own[a["id_number"]] = a
    for pid, a in own.items():
        month = a["arrived_on"][:7]
        if pid in carried or not any(mo >= month for mo in insured[(pid, a["employer_uscc"])]):
            continue
        province = home[pid][:2]
        totals["self_return"] += (20_000 if province == "33" else 50_000
                                  if province in {"31", "32", "34", "35", "36", "37"} else 80_000)

    def run_from(months: set[str], first: str = "2020-02") -> int:
        best = run = 0
        y, mo = int(first[:4]), int(first[5:])
        for _ in range(36):
            run = run + 1 if f"{y:04d}-{mo:02d}" in months else 0
            best = max(best, run)
            y, mo = (y + 1, 1) if mo == 12 else (y, mo + 1)
        return best

    by_agency: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for p in _rows(world.events["placements"]):
        if run_from(insured[(p["id_number"], p["employer_uscc"])]) > 3:
            by_agency[p["agency_uscc"]].append((p["id_number"], p["employer_uscc"]))
    rewarded: dict[str, int] = defaultdict(int)
    for placed in by_agency.values():
        if len(placed) >= 10:
            totals["agency"] += 100_000 * len(placed)
            for pid, uscc in placed:
                if "2020-03" in insured[(pid, uscc)]:
                    rewarded[uscc] += 1
    heads = {(h["employer_uscc"], h["month"]): int(h["insured_headcount"])
             for h in _rows(world.events["headcount"])}
    for (uscc, month), now in heads.items():
        if month == "2020-03":
            growth = now - heads.get((uscc, "2019-03"), now) - rewarded[uscc]
            totals["recruitment"] += 120_000 * max(growth, 0)
    sent: dict[str, set[str]] = defaultdict(set)
    for a in arrivals:
        if start <= dt.date.fromisoformat(a["arrived_on"]) <= end:
            sent[home[a["id_number"]]].add(a["id_number"])
    for people in sent.values():
        n = len(people)
        totals["sending_area"] += (5_000_000 if n >= 500 else 4_000_000 if n >= 300
                                   else 3_000_000 if n >= 100 else 0)
    return {rule: fen for rule, fen in totals.items() if fen}


def _sheet_lines_and_total(ws) -> tuple[list[float], float]:
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert rows[-1][0] == "合计"
    return [r[5] for r in rows[:-1]], rows[-1][5]


def test_finance_list_matches_hand_calculation(loaded_url: str, world, tmp_path: Path) -> None:
    """Each rule's total in the finance list equals the Shangyu 2020 policy worked out by hand
    from the event files, every sheet's total is the sum of its lines, and the summary's total
    the sum of the rules."""
    path = svc.export_finance_list(tmp_path / "finance.xlsx", FINANCE, state="all",
                                   url=loaded_url)
    wb = openpyxl.load_workbook(path)
    summary = list(wb["汇总"].iter_rows(min_row=2, values_only=True))
    by_rule = {r[1]: round(r[3] * 100) for r in summary[:-1]}
    assert by_rule == shangyu_by_hand(world)
    assert summary[-1][0] == "合计"
    assert round(summary[-1][3] * 100) == sum(by_rule.values())
    for ws in wb.worksheets[1:]:
        lines, total = _sheet_lines_and_total(ws)
        assert round(sum(lines) * 100) == round(total * 100)
        assert ws.freeze_panes == "A2"
        assert ws.cell(1, 6).value == "金额（元）" and ws.cell(2, 6).number_format == "#,##0.00"
        assert ws.cell(ws.max_row, 6).font.bold
    assert "包车补贴" in wb.sheetnames and "自行返岗补贴" in wb.sheetnames


def test_notice_amounts_are_numbers_that_add_up(loaded_url: str, tmp_path: Path) -> None:
    """The public notice's amounts are numbers shown as 1,234.00 (they sum and sort in
    Excel), and its bold total row is their sum."""
    path = svc.export_notice(tmp_path / "notice.xlsx", FINANCE, state="all", url=loaded_url)
    ws = openpyxl.load_workbook(path).active
    lines, total = _sheet_lines_and_total_of(ws, 6)
    assert lines and all(isinstance(v, float | int) for v in lines)
    assert round(sum(lines) * 100) == round(total * 100)
    assert ws.cell(2, 6).number_format == "#,##0.00"


def _sheet_lines_and_total_of(ws, column: int) -> tuple[list[float], float]:
    rows = [r for r in ws.iter_rows(min_row=2, values_only=True)]
    end = next(i for i, r in enumerate(rows) if r[0] == "合计")
    return [r[column - 1] for r in rows[:end]], rows[end][column - 1]


def test_notice_never_shows_a_full_id_or_phone(loaded_url: str, world, tmp_path: Path) -> None:
    """Scanning every cell of the notice (xlsx and csv) finds no full ID number, phone or
    person's name."""
    for suffix in (".xlsx", ".csv"):
        path = svc.export_notice(tmp_path / f"notice{suffix}", FINANCE, state="all",
                                 url=loaded_url)
        if suffix == ".csv":
            with open(path, encoding="utf-8-sig") as f:
                cells = [c for row in csv.reader(f) for c in row]
        else:
            ws = openpyxl.load_workbook(path).active
            cells = [str(c) for row in ws.iter_rows(values_only=True) for c in row
                     if c is not None]
        text = "\n".join(cells)
        assert len(cells) > 20
        for w in world.scenario.workers:
            assert w.id_number not in text
            if w.phone:
                assert w.phone not in text
        assert re.search(r"\d{4}\*{10}[\dX]{4}", text)
        names = {w.name for w in world.scenario.workers if len(w.name) >= 2}
        assert not any(c in names for c in cells)


def test_finance_export_narrowed_by_state(loaded_url: str, actors) -> None:
    """--state keeps only lines in that state; an unknown state is refused."""
    from planner.problems import InputError

    ledger_url = loaded_url
    first = int(svc.list_claims(url=ledger_url)["claim_id"].iloc[0])
    svc.review([first], actors["reviewer"], url=ledger_url)
    lines = svc.finance_lines("reviewed", url=ledger_url)
    assert list(lines["claim_id"]) == [first]
    with pytest.raises(InputError):
        svc.finance_lines("nonsense", url=ledger_url)


def test_masking_rules() -> None:
    """Names keep the surname (compound ones too), IDs keep 4+4 characters, text is scrubbed."""
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧阳**"
    assert mask_name("李四光") == "李**"
    assert mask_id("522401199001011234") == "5224**********1234"
    assert scrub("到岗 11010519491231002X 电话 13812345678") == (
        "到岗 1101**********002X 电话 138****5678")


def test_returns_report_sheets(loaded_url: str, world, tmp_path: Path) -> None:
    """The returns report has every sheet; arrivals by mode add up to all arrivals."""
    ledger_url = loaded_url
    wb = openpyxl.load_workbook(svc.export_returns(tmp_path / "returns.xlsx", FINANCE,
                                                   url=ledger_url))
    assert {"按省份", "按县", "按企业", "按日期", "按方式", "留存-省份", "留存-企业", "东西部协作",
            "补助资金"} <= set(wb.sheetnames)
    modes = svc.returns_report(url=ledger_url)["mode"]
    assert int(modes["arrived"].sum()) == len(_rows(world.events["arrivals"]))
    east_west = svc.east_west_report(url=ledger_url)
    assert list(east_west["adcode"][:4]) == ["513227", "513226", "513201", "511133"]
