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
