"""The ledger's files for people: the finance list, the public notice and the returns report.

Rules implemented here:

- finance list (xlsx): a summary sheet and one sheet per subsidy rule; one row per line with
  payment id, rule, payee, ID number or credit code, amount (yuan, real numbers shown with
  thousands separators and two decimals), evidence (in Chinese, from its message codes) and
  state; each sheet ends with a bold total row whose amount is the sum of its lines (computed
  in fen, so it adds up exactly), and the summary's total is the sum of the rule totals;
  Chinese headers, fitted column widths, the header row frozen; the payee's bank and account
  where the registration has them; beside the summary table, the payment batch number and
  which claim states the file holds;
- public notice (xlsx or csv by suffix): the same lines with people's names masked (``张*``,
  ``欧阳**``), ID numbers masked (``5224**********1234``); every free-text field (company and
  agency names, evidence) scrubbed of any ID-like number (15 or more digits, whatever its
  checksum or birthplace code), mobile and landline — never a full ID number or phone;
  companies keep their credit code (public registers); the evidence is in Chinese with places
  named, not coded (``planner.ledger.public_evidence``); never a bank account; the xlsx says
  which states it holds;
- returns report (xlsx): one sheet per report of ``planner.ledger.reports``, Chinese headers;
- no cell of any of these files is a formula (``planner.io.safe_cells``): a name such as
  ``=HYPERLINK(…)`` is written as text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from planner.io.safe_cells import save_workbook, write_safe_csv
from planner.ledger.evidence import evidence_messages, evidence_text
from planner.ledger.reports import RULE_ZH
from planner.ledger.workflow import STATE_ZH

PAYEE_ZH = {"person": "个人", "employer": "企业", "agency": "中介机构",
            "government": "输出地政府"}

COMPOUND_SURNAMES = frozenset(
    (
        "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙",
        "宇文", "司徒", "令狐", "夏侯", "轩辕", "端木", "独孤", "南宫", "西门", "澹台",
        "公羊", "申屠", "太史", "闻人", "赫连", "呼延", "万俟", "百里", "东郭", "仲孙",
        "钟离", "宗政", "濮阳", "淳于", "单于", "太叔", "公冶", "完颜", "拓跋",
    )
)

FINANCE_HEADERS = ["支付编号", "补助类别", "收款方", "收款方类型", "身份证号/统一社会信用代码",
                   "金额（元）", "依据", "状态", "开户银行", "银行账号"]
NOTICE_HEADERS = ["序号", "补助类别", "收款方", "收款方类型", "证件号码", "金额（元）", "依据",
                  "状态"]
MONEY_FORMAT = "#,##0.00"

#: An ID-like run: 15 or more digits (the last may be X), single spaces allowed between them
#: ("5224 0119 9104 2682 67"); its checksum and birthplace code are not checked.
_ID_RE = re.compile(r"(?<!\d)\d(?: ?\d){13,} ?[\dXx](?!\d)")
#: A mainland mobile, with or without +86, spaces or hyphens (138-1234-5678).
_PHONE_RE = re.compile(r"(?<![\d+])(?:\+?86[ -]?)?(1[3-9]\d(?:[ -]?\d){8})(?!\d)")
#: A landline with its area code: 010-12345678, (0851)8681234, 0571 87654321-801.
_LANDLINE_RE = re.compile(
    r"(?<!\d)(\(0\d{2,3}\)|0\d{2,3})([ -]?)([2-9]\d{6,7})(?:-\d{1,5})?(?!\d)")
#: Full-width digits and signs people type in Chinese input methods, as ASCII.
_HALF_WIDTH = str.maketrans("０１２３４５６７８９Ｘｘ＋－", "0123456789Xx+-")


def mask_name(name: str) -> str:
    """``张三`` → ``张*``, ``欧阳娜娜`` → ``欧阳**``: the surname stays, the rest is starred."""
    name = (name or "").strip()
    if not name:
        return ""
    keep = 2 if name[:2] in COMPOUND_SURNAMES and len(name) > 2 else 1
    return name[:keep] + "*" * max(len(name) - keep, 1)


def mask_id(id_number: str) -> str:
    """``522401199001011234`` → ``5224**********1234``."""
    s = (id_number or "").strip()
    if len(s) <= 8:
        return "*" * len(s)
    return s[:4] + "*" * (len(s) - 8) + s[-4:]


def mask_phone(phone: str) -> str:
    """``13812345678`` → ``138****5678``."""
    s = (phone or "").strip()
    return s[:3] + "*" * max(len(s) - 7, 0) + s[-4:] if len(s) > 7 else "*" * len(s)


def scrub(text: str) -> str:
    """``text`` with every ID-like number (any checksum, any birthplace code), mobile and
    landline in it masked; full-width digits are read as digits."""
    text = (text or "").translate(_HALF_WIDTH)
    text = _ID_RE.sub(lambda m: mask_id(m.group(0).replace(" ", "")), text)
    text = _PHONE_RE.sub(lambda m: mask_phone(re.sub(r"[ -]", "", m.group(1))), text)
    return _LANDLINE_RE.sub(lambda m: m.group(1) + m.group(2) + _mask_local(m.group(3)), text)


def _mask_local(number: str) -> str:
    """A landline's local number with all but its last two digits starred."""
    return "*" * (len(number) - 2) + number[-2:]


def _fit(ws: Worksheet, widths: Mapping[int, float] | None = None) -> None:
    for col in ws.columns:
        letter = get_column_letter(int(col[0].column or 1))
        longest = 0
        for cell in col:
            text = str(cell.value) if cell.value is not None else ""
            if isinstance(cell.value, float | int) and cell.number_format == MONEY_FORMAT:
                text = f"{cell.value:,.2f}"
            # a CJK character is about two Latin ones wide
            longest = max(longest, sum(2 if ord(ch) > 0x2E80 else 1 for ch in text))
        ws.column_dimensions[letter].width = min(max(longest + 2, 8), 60)


def _header(ws: Worksheet, headers: list[str]) -> None:
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
    ws.freeze_panes = "A2"


def _sheet_title(text: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", "_", text)[:31]


def _text(value: object) -> str:
    """A cell's text; missing (None, NaN) is empty."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value)


def write_finance_list(lines: pd.DataFrame, path: Path | str, *, states: str | None = None,
                       batch: str | None = None) -> Path:
    """Write the finance list.

    Parameters
    ----------
    lines
        Columns: payment_id, rule, payee_name, payee_kind, payee_id, amount_fen, evidence,
        state, and optionally bank_name, bank_account (as
        ``planner.services.ledger.finance_lines`` gives them).
    path
        The ``.xlsx`` to write.
    states
        Which claim states the file holds, in words (written beside the summary).
    batch
        The payment batch number (or why there is none).

    Returns
    -------
    Path
    """
    path = Path(path)
    wb = Workbook()
    summary = wb.active
    assert summary is not None
    summary.title = "汇总"
    _header(summary, ["补助类别", "类别代码", "笔数", "金额（元）"])
    grand_fen = 0
    grand_n = 0
    order = list(RULE_ZH)
    rules = sorted(set(lines["rule"]), key=lambda r: (order.index(r) if r in order else 99, r))
    for rule in rules:
        part = lines[lines["rule"] == rule]
        ws = wb.create_sheet(_sheet_title(RULE_ZH.get(rule, rule)))
        _header(ws, FINANCE_HEADERS)
        for r in part.to_dict("records"):
            ws.append([r["payment_id"] or "", RULE_ZH.get(rule, rule), r["payee_name"],
                       PAYEE_ZH.get(str(r["payee_kind"]), str(r["payee_kind"])), r["payee_id"],
                       int(r["amount_fen"]) / 100,
                       evidence_text(evidence_messages(r["evidence"], str(rule)), "zh"),
                       STATE_ZH.get(str(r["state"]), str(r["state"])),
                       _text(r.get("bank_name")), _text(r.get("bank_account"))])
            ws.cell(ws.max_row, 6).number_format = MONEY_FORMAT
        total_fen = int(part["amount_fen"].sum())
        ws.append(["合计", "", f"{len(part)} 笔", "", "", total_fen / 100, "", "", "", ""])
        for cell in ws[ws.max_row]:
            cell.font = Font(bold=True)
        ws.cell(ws.max_row, 6).number_format = MONEY_FORMAT
        _fit(ws)
        summary.append([RULE_ZH.get(rule, rule), rule, len(part), total_fen / 100])
        summary.cell(summary.max_row, 4).number_format = MONEY_FORMAT
        grand_fen += total_fen
        grand_n += len(part)
    summary.append(["合计", "", grand_n, grand_fen / 100])
    for cell in summary[summary.max_row]:
        cell.font = Font(bold=True)
    summary.cell(summary.max_row, 4).number_format = MONEY_FORMAT
    for row, (label, value) in enumerate((("拨付批次", batch or "—"),
                                          ("所含状态", states or "—")), start=1):
        summary.cell(row, 6, label).font = Font(bold=True)
        summary.cell(row, 7, value)
    _fit(summary)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_workbook(wb, path)
    return path


def notice_frame(lines: pd.DataFrame) -> pd.DataFrame:
    """The public-notice table: the lines with people's names, IDs and phones masked."""
    from planner.ledger.public_evidence import public_evidence

    rows = []
    records: list[dict[Any, Any]] = lines.to_dict("records")
    names = _company_names(records)
    for n, r in enumerate(records, start=1):
        person = r["payee_kind"] == "person"
        rows.append({
            "序号": n,
            "补助类别": RULE_ZH.get(str(r["rule"]), str(r["rule"])),
            "收款方": mask_name(str(r["payee_name"])) if person else scrub(str(r["payee_name"])),
            "收款方类型": PAYEE_ZH.get(str(r["payee_kind"]), str(r["payee_kind"])),
            "证件号码": mask_id(str(r["payee_id"])) if person else _public_code(r["payee_id"]),
            "金额（元）": f"{int(r['amount_fen']) / 100:,.2f}",
            "依据": public_evidence(r["evidence"], str(r["rule"]), names),
            "状态": STATE_ZH.get(str(r["state"]), str(r["state"])),
        })
    return pd.DataFrame(rows, columns=NOTICE_HEADERS)


def _company_names(records: list[dict[Any, Any]]) -> dict[str, str]:
    """Credit code → name of the employers and agencies paid in the notice's lines."""
    return {str(r["payee_id"]): str(r["payee_name"] or "") for r in records
            if r["payee_kind"] in ("employer", "agency")}


def _public_code(code: object) -> str:
    """A company's credit code or an area's code as published: a valid USCC is public and kept;
    anything else is scrubbed (an ID number typed as a credit code is masked)."""
    from stdnum.cn import uscc

    text = str(code or "").strip()
    return text if uscc.is_valid(text) else scrub(text)


def write_notice(lines: pd.DataFrame, path: Path | str, *, states: str | None = None) -> Path:
    """Write the public notice (公示) as xlsx or csv (UTF-8 with BOM), by the suffix; the
    xlsx ends with a line naming the claim states it holds (``states``), the csv has them in
    its 状态 column."""
    path = Path(path)
    frame = notice_frame(lines)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".csv":
        write_safe_csv(frame, path, encoding="utf-8-sig", lineterminator="\r\n")
        return path
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "公示名单"
    _header(ws, NOTICE_HEADERS)
    amount = NOTICE_HEADERS.index("金额（元）")
    # in the workbook an amount is a number (sums, sorts, prints as 1,234.00), not its text
    for row, fen in zip(frame.itertuples(index=False), lines["amount_fen"], strict=True):
        cells = list(row)
        cells[amount] = int(fen) / 100
        ws.append(cells)
        ws.cell(ws.max_row, amount + 1).number_format = "#,##0.00"
    total = int(lines["amount_fen"].sum()) if len(lines) else 0
    ws.append(["合计", "", "", "", "", total / 100, "", ""])
    ws.cell(ws.max_row, amount + 1).number_format = "#,##0.00"
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    if states:
        ws.append([f"所含状态：{states}"])
    _fit(ws)
    save_workbook(wb, path)
    return path


#: the returns report's columns in Chinese (``planner.ledger.reports``)
REPORT_HEADERS = {
    "province": "省份代码", "province_name": "省份", "registered": "登记人数",
    "arrived": "到岗人数", "share": "到岗率", "home_adcode": "县级区划代码",
    "county_name": "县（市、区）", "employer_uscc": "统一社会信用代码", "employer_name": "企业",
    "demand": "用工需求", "day": "日期", "cumulative": "累计到岗", "mode": "返岗方式",
    "retained_3m": "3 个月仍在岗", "rate_3m": "3 个月留存率", "retained_6m": "6 个月仍在岗",
    "rate_6m": "6 个月留存率", "area": "地区", "adcode": "区划代码",
    "registered_poor": "建档立卡人数", "placed": "已就业", "still_employed": "仍在岗",
    "retention_rate": "留存率", "rule_zh": "补助类别", "claims": "条目数",
    "owed_yuan": "应付（元）", "approved_yuan": "已审批（元）", "paid_yuan": "已拨付（元）",
    "rejected_claims": "不予补助条目数",
}
#: how people came back (the report's ``mode``)
MODE_ZH = {"charter": "企业包车", "coach": "直达大巴", "train": "返岗专列", "feeder": "接驳大巴",
           "own": "自行返岗"}


def _report_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A report table as people read it: Chinese headers, modes named in Chinese, a rule's
    code dropped where its Chinese name is beside it."""
    if "mode" in frame.columns:
        frame = frame.assign(mode=[MODE_ZH.get(str(v), v) for v in frame["mode"]])
    if "rule" in frame.columns and "rule_zh" in frame.columns:
        frame = frame.drop(columns=["rule"])
    return frame.rename(columns=REPORT_HEADERS)


def write_report_book(sheets: Mapping[str, pd.DataFrame], path: Path | str) -> Path:
    """Write several DataFrames to one xlsx, a sheet each, bold frozen headers, fitted widths;
    the report's columns get Chinese headers (``REPORT_HEADERS``), modes Chinese names."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook()
    first = True
    for title, frame in sheets.items():
        if first:
            ws = wb.active
            assert ws is not None
            ws.title = _sheet_title(title)
            first = False
        else:
            ws = wb.create_sheet(_sheet_title(title))
        frame = _report_frame(frame)
        _header(ws, [str(c) for c in frame.columns])
        for row in frame.itertuples(index=False):
            ws.append([_cell(v) for v in row])
        _fit(ws)
    save_workbook(wb, path)
    return path


def _cell(value: object) -> object:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if hasattr(value, "item"):
        return value.item()  # numpy scalar
    return value
