"""补贴's bank-result import as finance sees it: a refused file's problems get the page's full
width, and an imported file says what it did — paid, failed, payment exceptions, duplicates —
with counts and amounts, as a warning when anything failed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.app.test_app_claim_races import _messages

PROBLEM_COLUMNS = {"文件", "行", "列", "问题"}


def _import(sign_in: Any, name: str, csv: str) -> Any:
    at = sign_in("finance")
    at.switch_page("app_pages/subsidies.py").run()
    at.file_uploader(key="sub_bank_file").upload(name, csv.encode(), "text/csv").run()
    at.button(key="sub_bank_import").click().run()
    assert not at.exception, at.exception
    return at


def test_a_refused_bank_file_shows_its_problems_at_full_width(sign_in, env_home: Path) -> None:
    """A bank file naming an unknown payment is refused; its problems table is drawn under the
    two half-width columns (exports, bank), at the page's full width, so the reason is not cut
    off."""
    unknown = "JB99999999"
    at = _import(sign_in, "bad-bank.csv", "payment_id,status,paid_on,amount\n"
                 f"{unknown},paid,2020-04-30,800.00\n")
    [problems] = [d for d in at.dataframe if set(d.value.columns) >= PROBLEM_COLUMNS]
    assert unknown in problems.value["问题"].iloc[0]
    in_columns = [d for col in at.columns for d in col.dataframe
                  if set(d.value.columns) >= PROBLEM_COLUMNS]
    assert not in_columns, "the problems table sits in a half-width column"
    assert "未写入任何数据" in _messages(at)


def test_an_import_with_a_failure_says_so_as_a_warning(sign_in, env_home: Path) -> None:
    """Four lines, one of them failed: the message is a warning (not a success) that counts
    and sums the paid lines and the failed one, says the failed one may be issued again, and
    counts the payment exceptions and duplicates (none)."""
    from planner.services import payments
    from planner.services.ledger import list_claims
    from tests.app.test_app_claim_races import _finance

    url = f"sqlite:///{env_home / 'jobbus.sqlite'}"
    claims = list_claims("notice_done", url=url)
    waiting = claims[claims["payment_id"].isna() & ~claims["needs_review"].astype(bool)]
    picked = waiting.iloc[:4]
    assert len(picked) == 4, "the seeded ledger has claims waiting to be paid"
    issued = payments.issue_payments([int(c) for c in picked["claim_id"]], _finance(url), url=url)
    fen = [int(a) for a in picked["amount_fen"]]
    statuses = ["paid", "paid", "paid", "failed"]
    csv = "payment_id,status,paid_on,amount\n" + "".join(
        f"{p},{s},{'2020-04-30' if s == 'paid' else ''},{a / 100:.2f}\n"
        for p, s, a in zip(issued, statuses, fen, strict=True))
    at = _import(sign_in, "bank-four.csv", csv)
    warned = " ".join(str(w.value) for w in at.warning)
    paid_total = f"{sum(fen[:3]) / 100:,.2f} 元"
    assert "已导入银行回单 bank-four.csv：共 4 行" in warned
    assert f"已到账 3 条，合计 {paid_total}（其中本次新到账 3 条）" in warned, warned
    assert f"支付失败 1 条，合计 {fen[3] / 100:,.2f} 元" in warned
    assert "支付失败的 1 条可重新发起支付" in warned
    assert "支付异常 0 条" in warned and "重复行 0 行" in warned
    assert not any("银行回单" in str(s.value) for s in at.success)
    # said under the import's button, where the user is, not at the top of a long page
    order = _drawn_in_order(at)
    said = next(i for i, (kind, text) in enumerate(order)
                if kind == "warning" and "已导入银行回单" in text)
    uploader = next(i for i, (kind, text) in enumerate(order) if text == "sub_bank_file")
    table = next(i for i, (kind, _t) in enumerate(order) if kind == "dataframe")
    assert table < uploader < said, "the summary is drawn above the page's claims table"


def _drawn_in_order(at: Any) -> list[tuple[str, str]]:
    """The page's elements in the order they are drawn: (type, text or key)."""
    out: list[tuple[str, str]] = []

    def walk(node: Any) -> None:
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            for key in sorted(children):
                walk(children[key])
            return
        kind = str(getattr(node, "type", ""))
        text = getattr(node, "key", None) if kind == "file_uploader" else getattr(
            node, "value", "")
        out.append((kind, str(text)))

    walk(at._tree)
    return out


def test_a_filter_without_claims_says_so_in_chinese(sign_in) -> None:
    """A state filter no claim is in shows a Chinese line, not an empty table (which Streamlit
    marks with the English word "empty")."""
    at = sign_in("reviewer")
    at.switch_page("app_pages/subsidies.py").run()
    at.selectbox(key="sub_rule").select("retention").run()
    at.selectbox(key="sub_state").select("void").run()
    assert not at.exception, at.exception
    assert any("没有符合所选状态和补贴项目的条目" in str(i.value) for i in at.info)
    assert not any("证件号 / 信用代码" in d.value for d in at.dataframe)
