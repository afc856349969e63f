"""补贴's payment batch: downloading the finance list never issues a payment; 生成拨付批次 is
an explicit money action, asked with the count and total of the lines and that they become
payments pending at the bank, and made once whatever the double clicks and the other finance
officers do.

These tests batch every payable line of their ledger and rely on the batch's recheck of the
entitlements finding them owed as computed: they have a ledger of their own (the session's is
shared with tests that save other policies)."""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import select

from tests.app.conftest import DEMO_WORKERS, PASSWORD, REPO_ROOT, ROLES, _sign_in
from tests.app.test_app_claim_races import _finance
from tests.app.test_app_payment_confirm import (
    _buttons,
    _click,
    _fresh_payable,
    _ledger,
    _messages,
    _other_finance,
    _picked,
    _url,
)
from ui import fmt


def _environment(home: Path) -> dict[str, str]:
    return {"JOBBUS_HOME": str(home), "JOBBUS_DATABASE_URL": _url(home),
            "JOBBUS_DEMO_WORKERS": DEMO_WORKERS, "JOBBUS_ADMIN_PASSWORD": PASSWORD}


@pytest.fixture(scope="module")
def batch_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A JOBBUS_HOME with a seeded ledger of its own and one user per role."""
    home = tmp_path_factory.mktemp("jobbus-batch-home")
    with pytest.MonkeyPatch.context() as mp:
        for key, value in _environment(home).items():
            mp.setenv(key, value)
        from planner.commands.serve import prepare_ledger
        from planner.services.auth import add_user

        prepare_ledger(_url(home))
        for role in ROLES:
            with contextlib.suppress(ValueError):  # the demo seed may have made it already
                add_user(role, PASSWORD, role, url=_url(home))
        yield home


@pytest.fixture()
def home(batch_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This module's JOBBUS_HOME and ledger in the test's environment."""
    for key, value in _environment(batch_home).items():
        monkeypatch.setenv(key, value)
    os.chdir(REPO_ROOT)
    return batch_home


def _batches(url: str) -> list[str]:
    from planner.ledger import UnitOfWork
    from planner.ledger import models as m

    with UnitOfWork(url) as uow:
        return list(uow.session.scalars(select(m.PaymentBatch.number)
                                        .order_by(m.PaymentBatch.id)))


def _candidates(url: str) -> Any:
    from planner.services import payments

    return payments.batch_candidates(url=url)


def _payable_now(url: str, n: int) -> Any:
    """``n`` more claims whose notice ends now, and the lines a new batch would take."""
    _fresh_payable(url, n)
    lines = _candidates(url)
    assert len(lines) >= n, "lines to batch"
    return lines


def _finance_label(at: Any) -> str:
    [button] = [b for b in at.get("download_button") if b.key == "sub_export_finance"]
    return str(button.label)


def _on_subsidies(user: str = "finance") -> Any:
    at = _sign_in(user)
    at.switch_page("app_pages/subsidies.py").run()
    assert not at.exception, at.exception
    return at


def test_downloading_the_finance_list_after_issuing_three_issues_nothing_more(
        home: Path) -> None:
    """The tester's walk: finance picks three claims, 发起支付, 确认 — three payments; then
    downloads the finance list: no batch is numbered, no other claim gets a payment, and the
    file and its button say it is a preview."""
    from ui.claim_views import make_export

    url = _url(home)
    ids = _fresh_payable(url, 4)
    picked, left = ids[:3], ids[3:]
    _click(_click(_picked(_sign_in, picked), "sub_do_issue_payment"), "sub_confirm_yes")
    assert (_ledger(url, picked)["payment_status"] == "pending").all()
    assert _ledger(url, left)["payment_id"].isna().all()
    assert _batches(url) == []
    book = openpyxl.load_workbook(io.BytesIO(make_export("finance", url, _finance(url))))
    assert _batches(url) == [], "a download made a batch"
    assert _ledger(url, left)["payment_id"].isna().all(), "a download issued a payment"
    assert (_ledger(url, picked)["payment_status"] == "pending").all()
    assert book["汇总"]["G1"].value == "预览（未编入拨付批次，不作拨付依据）"
    at = _on_subsidies()
    assert _finance_label(at) == "下载财务拨付清单（预览，未编入拨付批次）"


def test_make_batch_asks_first_with_count_total_and_the_bank(home: Path) -> None:
    """生成拨付批次 clicked once makes nothing: it asks 确认 with the lines' count, total and
    payees, saying they become payments pending at the bank; 取消 makes nothing either."""
    url = _url(home)
    lines = _payable_now(url, 2)
    batches = _batches(url)
    at = _click(_on_subsidies(), "sub_make_batch")
    asked = (f"生成拨付批次：{len(lines)} 条，合计 {fmt.yuan(int(lines['amount_fen'].sum()))}"
             f"（收款人 {lines['payee_id'].nunique()} 个）。")
    shown = _messages(at)
    assert asked in shown and "成为待银行回单的支付" in shown, shown
    assert {"sub_confirm_yes", "sub_confirm_no"} <= _buttons(at)
    at = _click(at, "sub_confirm_no")
    assert _batches(url) == batches
    assert set(_candidates(url)["claim_id"]) == set(lines["claim_id"])
    assert "sub_confirm_yes" not in _buttons(at)


def test_confirm_makes_one_batch_of_the_lines_shown_and_the_download_is_it(
        home: Path) -> None:
    """确认 numbers one batch of exactly the lines it asked about (all pending at the bank now);
    the page says so, the download names the batch, and no 确认 is left to click twice."""
    from planner.services import payments

    url = _url(home)
    lines = _payable_now(url, 2)
    at = _click(_click(_on_subsidies(), "sub_make_batch"), "sub_confirm_yes")
    number, batch = payments.open_batch(url=url)
    assert number is not None and _batches(url)[-1] == number, _messages(at)
    assert sorted(batch["claim_id"]) == sorted(lines["claim_id"])
    total = fmt.yuan(int(lines["amount_fen"].sum()))
    assert f"已生成拨付批次 {number}：{len(lines)} 条，合计 {total}" in _messages(at)
    assert _candidates(url).empty
    assert "sub_confirm_yes" not in _buttons(at) and "sub_make_batch" not in _buttons(at)
    assert number in _finance_label(at)


def test_two_finance_officers_confirming_the_same_batch_make_one(home: Path) -> None:
    """Two finance officers both click 生成拨付批次 on the same lines; one confirms: one batch.
    The other's 确认, on a page drawn before, makes no second batch and says the lines changed;
    each line is in one batch."""
    url = _url(home)
    lines = _payable_now(url, 2)
    first = _click(_on_subsidies(), "sub_make_batch")
    second = _click(_on_subsidies(_other_finance(url).username), "sub_make_batch")
    before = _batches(url)
    _click(first, "sub_confirm_yes")
    made = _batches(url)
    assert len(made) == len(before) + 1
    second = _click(second, "sub_confirm_yes")
    assert _batches(url) == made
    assert "未执行“生成拨付批次”" in _messages(second)
    statuses = _ledger(url, [int(c) for c in lines["claim_id"]])["payment_status"]
    assert (statuses == "pending").all()
