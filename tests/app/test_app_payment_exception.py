"""补贴 shows a payment exception where the auditor looks: a claim recorded paid by hand whose
bank order then failed says so in its 支付 cell and above its evidence."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from tests.app.test_app_claim_races import _finance, _messages, _payable, _url


def test_auditor_sees_a_bank_failure_after_recorded_paid(sign_in, env_home: Path,
                                                         tmp_path: Path) -> None:
    """The auditor sees a claim recorded paid whose bank order then failed: in its 支付 cell,
    under the exceptions filter, above its evidence, and as a step of its 办理记录."""
    from planner.services import payments
    from planner.services.ledger import import_path

    url = _url(env_home)
    line = _payable(url)
    claim, fen = int(line["claim_id"]), int(line["amount_fen"])
    finance = _finance(url)
    payments.issue_payments([claim], finance, url=url)  # nothing new if already at the bank
    (payment_id,) = payments.record_payments([claim], finance, url=url)
    bank = tmp_path / "bank-returned.csv"
    pd.DataFrame([{"payment_id": payment_id, "status": "failed", "paid_on": "",
                   "amount": f"{fen / 100:.2f}"}]).to_csv(bank, index=False)
    result = import_path("bank_results", bank, finance, url=url)
    assert result.exceptions == 1

    at: Any = sign_in("auditor")
    at.switch_page("app_pages/subsidies.py").run()
    at.selectbox(key="sub_state").select("paid").run()
    table = next(d.value for d in at.dataframe if "依据" in d.value.columns)
    row = table[table["编号"] == claim].iloc[0]
    assert "支付异常" in row["支付"] and "bank-returned.csv" in row["支付"]
    assert "已到账" not in row["支付"], "the money may never have arrived"
    others = table[table["编号"] != claim]
    assert not others["支付"].str.contains("支付异常").any()
    at.selectbox(key="sub_state").select("paid_exception").run()
    only = next(d.value for d in at.dataframe if "依据" in d.value.columns)
    assert list(only["编号"]) == [claim]
    at.multiselect(key="sub_selected").select(claim).run()
    assert not at.exception, at.exception
    shown = _messages(at)
    assert "支付异常" in shown and "请核实款项是否到账" in shown
    history = next(d.value for d in at.dataframe if "说明" in d.value.columns)
    failed = history[history["操作"] == "银行回单：支付失败"]
    assert len(failed) == 1, history
    assert "bank-returned.csv" in failed["说明"].iloc[0]
    assert "银行未说明" in failed["说明"].iloc[0]


def test_finance_is_told_when_a_bank_file_marks_payment_exceptions(sign_in, env_home: Path,
                                                                  tmp_path: Path) -> None:
    """Importing a bank file that says a payment recorded paid failed says so as a warning
    with the count, in the import's own message (not a plain success)."""
    from planner.services import payments

    url = _url(env_home)
    line = _payable(url)
    claim, fen = int(line["claim_id"]), int(line["amount_fen"])
    finance = _finance(url)
    payments.issue_payments([claim], finance, url=url)
    (payment_id,) = payments.record_payments([claim], finance, url=url)
    bank = tmp_path / "bank-failed.csv"
    pd.DataFrame([{"payment_id": payment_id, "status": "failed", "paid_on": "",
                   "amount": f"{fen / 100:.2f}"}]).to_csv(bank, index=False)

    at: Any = sign_in("finance")
    at.switch_page("app_pages/subsidies.py").run()
    at.file_uploader(key="sub_bank_file").upload(bank.name, bank.read_bytes(), "text/csv").run()
    at.button(key="sub_bank_import").click().run()
    assert not at.exception, at.exception
    warned = " ".join(str(w.value) for w in at.warning)
    assert "支付异常 1 条（待核实）" in warned
    assert not any("支付异常" in str(s.value) for s in at.success)


def test_finance_resolves_a_bank_failure_as_not_arrived_under_four_eyes(
        sign_in, env_home: Path, tmp_path: Path) -> None:
    """On a claim whose bank order failed after 登记已支付, the finance user who recorded it
    paid is refused in Chinese (四眼原则) by the form's 确认; another finance user picks
    未到账，重新支付 with a note: the claim is back at 公示期满, its payment failed, to be paid
    again, and its 办理记录 says so."""
    import contextlib

    from planner.services import payments
    from planner.services.auth import add_user
    from planner.services.ledger import claim_history, import_path, list_claims
    from tests.app.conftest import PASSWORD
    from ui.claim_views import exception_key

    url = _url(env_home)
    line = _payable(url)
    claim, fen = int(line["claim_id"]), int(line["amount_fen"])
    finance = _finance(url)
    payments.issue_payments([claim], finance, url=url)
    (payment_id,) = payments.record_payments([claim], finance, url=url)
    bank = tmp_path / "bank-failed-later.csv"
    pd.DataFrame([{"payment_id": payment_id, "status": "failed", "paid_on": "",
                   "amount": f"{fen / 100:.2f}"}]).to_csv(bank, index=False)
    assert import_path("bank_results", bank, finance, url=url).exceptions == 1
    with contextlib.suppress(ValueError):  # made by an earlier test of the session
        add_user("finance2", PASSWORD, "finance", url=url)

    def resolve(at: Any, outcome: str, note: str) -> Any:
        at.switch_page("app_pages/subsidies.py").run()
        at.selectbox(key="sub_state").select("paid_exception").run()
        at.multiselect(key="sub_selected").select(claim).run()
        assert not at.exception, at.exception
        at.radio(key=exception_key(claim, "outcome")).set_value(outcome)
        at.text_input(key=exception_key(claim, "note")).input(note)
        at.button(key=exception_key(claim, "confirm")).click().run()
        assert not at.exception, at.exception
        return at

    shown = _messages(resolve(sign_in("finance"), "not_arrived", "对账单无此笔"))
    assert "四眼原则" in shown and "finance" in shown
    assert list_claims(url=url).set_index("claim_id").loc[claim, "state"] == "paid"

    shown = _messages(resolve(sign_in("finance2"), "not_arrived", "3月对账单无此笔入账"))
    assert f"第 {claim} 条：已核实未到账" in shown, shown
    after = list_claims(url=url).set_index("claim_id").loc[claim]
    assert (after["state"], after["payment_status"], bool(after["paid_exception"])) == (
        "notice_done", "failed", False)
    last = claim_history(claim, url=url).iloc[-1]
    assert (last["action"], last["actor"], last["reason"]) == (
        "payment_returned", "finance2", "3月对账单无此笔入账")


def test_the_picker_does_not_call_a_bank_failure_after_recorded_paid_paid(
        sign_in, env_home: Path, tmp_path: Path) -> None:
    """Under 支付异常（待核实）, the picker's label of a claim recorded paid whose bank order then
    failed says what its 支付 cell says — the bank says it failed, to check — not 已到账."""
    from planner.services import payments
    from planner.services.ledger import import_path

    url = _url(env_home)
    line = _payable(url)
    claim, fen = int(line["claim_id"]), int(line["amount_fen"])
    finance = _finance(url)
    payments.issue_payments([claim], finance, url=url)
    (payment_id,) = payments.record_payments([claim], finance, url=url)
    bank = tmp_path / "bank-label.csv"
    pd.DataFrame([{"payment_id": payment_id, "status": "failed", "paid_on": "",
                   "amount": f"{fen / 100:.2f}"}]).to_csv(bank, index=False)
    assert import_path("bank_results", bank, finance, url=url).exceptions == 1

    at: Any = sign_in("finance")
    at.switch_page("app_pages/subsidies.py").run()
    at.selectbox(key="sub_state").select("paid_exception").run()
    assert not at.exception, at.exception
    [label] = [o for o in at.multiselect(key="sub_selected").options
               if o.startswith(f"#{claim} ")]
    assert label.endswith("· 已拨付 · 银行回单称支付失败（待核实）"), label
    assert "已到账" not in label
