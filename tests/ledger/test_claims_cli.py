"""``jobbus claims``: the claim workflow from the command line, signed in as a named user."""

from __future__ import annotations

import io

import pytest

from planner.cli import main
from planner.commands.claims import parse_ids
from planner.ledger import UnitOfWork
from planner.ledger import models as m
from planner.problems import InputError
from planner.services import auth
from planner.services import ledger as svc

PASSWORD = "Tea-kettle-Harbour-42"  # passes the password rules
USERS = {"zhang": "reviewer", "li": "approver", "wang": "finance"}


@pytest.fixture
def url(ledger_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A ledger with three draft claims (800.00 yuan each) and a reviewer, an approver and a
    finance user; the commands find it through JOBBUS_DATABASE_URL."""
    for name, role in USERS.items():
        auth.add_user(name, PASSWORD, role, url=ledger_url)
    with UnitOfWork(ledger_url) as uow:
        for i in range(3):
            uow.repo.add(m.Claim(key=f"self_return|P{i}", rule="self_return",
                                 payee_kind="person", payee_id=f"P{i}", payee_name=f"工人{i}",
                                 amount_fen=80_000, evidence=["a"], basis={}, state="draft"))
        uow.commit()
    monkeypatch.setenv("JOBBUS_DATABASE_URL", ledger_url)
    monkeypatch.setenv("JOBBUS_PASSWORD", PASSWORD)
    monkeypatch.delenv("JOBBUS_USER", raising=False)
    return ledger_url


def _states(url: str) -> list[str]:
    return list(svc.list_claims(url=url).sort_values("claim_id")["state"])


def test_ids_accept_lists_and_ranges() -> None:
    """``1,2,5-9`` names seven claims, a repeated id counts once; a word or a backwards range
    is refused."""
    assert parse_ids("1,2,5-9") == [1, 2, 5, 6, 7, 8, 9]
    assert parse_ids("3, 1-3") == [3, 1, 2]
    for bad in ("1,x", "9-5", "1,,2"):
        with pytest.raises(InputError):
            parse_ids(bad)


def test_whole_workflow_as_named_users(url: str, capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Reviewer, approver and finance take claims from draft to paid over the 2020 Spring
    Festival; the notice ends 2020-02-07 and the audit log names each user."""
    assert main(["claims", "review", "1-3", "--user", "zhang"]) == 0
    monkeypatch.setenv("JOBBUS_USER", "li")
    assert main(["claims", "approve", "--all-in-state", "reviewed"]) == 0
    assert main(["claims", "publish", "1,2,3", "--on", "2020-01-23"]) == 0
    assert "to 2020-02-07 (5 working days)" in capsys.readouterr().out
    assert main(["claims", "close-notice", "--all-in-state", "in_notice",
                 "--on", "2020-02-08"]) == 0
    assert main(["claims", "issue", "--all", "--user", "wang"]) == 0
    assert "JB00000001" in capsys.readouterr().out
    assert main(["claims", "pay", "2", "--paid-on", "2020-02-20", "--user", "wang"]) == 0
    assert _states(url) == ["notice_done", "paid", "notice_done"]
    actors = svc.audit_log("claim", 2, url=url)["actor"].tolist()
    assert actors == ["zhang", "li", "li", "li", "wang"]


def test_list_prints_amounts_in_yuan(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    """``claims list --state draft`` prints each claim with its amount in yuan and a total."""
    assert main(["claims", "list", "--state", "draft", "--rule", "self_return",
                 "--user", "wang"]) == 0
    out = capsys.readouterr().out
    assert "800.00" in out and "工人2" in out and "nan" not in out
    assert "3 claims, 2,400.00 yuan" in out


def test_wrong_password_changes_nothing(url: str, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A wrong password exits 2 with a message; no claim moves, nothing is audited."""
    monkeypatch.setenv("JOBBUS_PASSWORD", "not-the-password")
    assert main(["claims", "review", "1", "--user", "zhang"]) == 2
    assert "wrong user name or password" in capsys.readouterr().err
    assert _states(url) == ["draft"] * 3
    assert svc.audit_log("claim", url=url).empty


def test_locked_sign_in_is_refused_with_exit_2(url: str, capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """After five wrong passwords even the right one is refused for a while: exit 2 saying
    when to try again, and no claim moves."""
    monkeypatch.setenv("JOBBUS_PASSWORD", "not-the-password")
    for _ in range(5):
        assert main(["claims", "review", "1", "--user", "zhang"]) == 2
    monkeypatch.setenv("JOBBUS_PASSWORD", PASSWORD)
    capsys.readouterr()
    assert main(["claims", "review", "1", "--user", "zhang"]) == 2
    assert "too many failed sign-ins" in capsys.readouterr().err
    assert _states(url) == ["draft"] * 3


def test_no_password_without_a_terminal_is_a_clear_error(
    url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without JOBBUS_PASSWORD and with stdin not a terminal, no prompt: exit 2 saying how to
    give the password."""
    monkeypatch.delenv("JOBBUS_PASSWORD")
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["claims", "review", "1", "--user", "zhang"]) == 2
    assert "set JOBBUS_PASSWORD" in capsys.readouterr().err
    assert _states(url)[0] == "draft"


def test_password_is_asked_on_a_terminal(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """On a terminal the password is asked for (getpass) and the action goes through."""
    monkeypatch.delenv("JOBBUS_PASSWORD")
    monkeypatch.setattr("sys.stdin.isatty", lambda: True, raising=False)
    asked: list[str] = []
    monkeypatch.setattr("getpass.getpass", lambda prompt: asked.append(prompt) or PASSWORD)
    assert main(["claims", "review", "1", "--user", "zhang"]) == 0
    assert asked == ["password for zhang: "]
    assert _states(url)[0] == "reviewed"


def test_role_refusal_exits_2_with_the_reason(url: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """Finance trying to review is refused by the service layer: exit 2, the reason, no
    change."""
    assert main(["claims", "review", "1,2", "--user", "wang"]) == 2
    err = capsys.readouterr().err
    assert "refused: wang (finance) may not review" in err and "nothing was changed" in err
    assert _states(url) == ["draft"] * 3


def test_batch_with_one_unready_claim_changes_none(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Approving reviewed and draft claims together is refused whole (exit 2, the state
    named)."""
    assert main(["claims", "review", "1", "--user", "zhang"]) == 0
    assert main(["claims", "approve", "1,2", "--user", "li"]) == 2
    assert "only from reviewed" in capsys.readouterr().err
    assert _states(url) == ["reviewed", "draft", "draft"]


def test_notice_cannot_close_on_its_last_day(url: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """A notice published 2020-04-30 runs to 2020-05-11 (the 05-09 make-up Saturday counts);
    closing it on 05-11 is refused with the end day."""
    assert main(["claims", "review", "1", "--user", "zhang"]) == 0
    assert main(["claims", "approve", "1", "--user", "li"]) == 0
    assert main(["claims", "publish", "1", "--on", "2020-04-30", "--user", "li"]) == 0
    assert "to 2020-05-11" in capsys.readouterr().out
    assert main(["claims", "close-notice", "1", "--on", "2020-05-11", "--user", "li"]) == 2
    assert "the notice runs until 2020-05-11" in capsys.readouterr().err
    assert _states(url)[0] == "in_notice"


def test_publish_beyond_the_holiday_library_prints_a_warning(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Publishing in a year the holiday library does not cover works (Monday–Friday) and
    prints a warning naming the year."""
    assert main(["claims", "review", "1", "--user", "zhang"]) == 0
    assert main(["claims", "approve", "1", "--user", "li"]) == 0
    assert main(["claims", "publish", "1", "--on", "2099-03-06", "--user", "li"]) == 0
    captured = capsys.readouterr()
    assert "to 2099-03-13" in captured.out
    assert "warning:" in captured.err and "2099" in captured.err


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["claims", "review", "3-1"], "the range runs backwards"),
        (["claims", "review"], "which claims?"),
        (["claims", "review", "1", "--all-in-state", "draft"], "not both"),
        (["claims", "review", "--all-in-state", "drafty"], "choose one of draft"),
        (["claims", "publish", "1", "--on", "2020-13-01"], "not a date"),
        (["claims", "issue"], "IDS such as 1,2,5-9 or --all"),
        (["claims", "pay", "1-2"], "pay takes one claim id"),
        (["claims", "resolve-exception", "1-2", "--outcome", "arrived", "--note", "x"],
         "resolve-exception takes one claim id"),
    ],
)
def test_bad_input_exits_2_naming_it(url: str, capsys: pytest.CaptureFixture[str],
                                     argv: list[str], words: str) -> None:
    """Bad ids, dates or states exit 2 with a message naming what is wrong; nothing moves."""
    assert main([*argv, "--user", "li"]) == 2
    assert words in capsys.readouterr().err
    assert _states(url) == ["draft"] * 3


def test_no_user_named_is_a_clear_error(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Without --user and JOBBUS_USER the command exits 2 asking who is acting."""
    assert main(["claims", "list"]) == 2
    assert "who is acting?" in capsys.readouterr().err


def test_a_bank_failure_after_pay_is_said_by_import_and_list(
        url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        tmp_path) -> None:
    """Claim 2 recorded paid with ``claims pay``; the bank's file then says its payment
    failed: ``ledger import bank_results`` says a claim was marked a payment exception, and
    ``claims list`` shows it beside the claim, naming the file."""
    monkeypatch.setenv("JOBBUS_USER", "li")
    assert main(["claims", "review", "2", "--user", "zhang"]) == 0
    for step in (["approve", "2"], ["publish", "2", "--on", "2020-01-23"],
                 ["close-notice", "2", "--on", "2020-02-08"]):
        assert main(["claims", *step]) == 0
    assert main(["claims", "issue", "2", "--user", "wang"]) == 0
    assert main(["claims", "pay", "2", "--paid-on", "2020-02-20", "--user", "wang"]) == 0
    bank = tmp_path / "bank-0221.csv"
    bank.write_text("payment_id,status,paid_on,amount\nJB00000002,failed,,800.00\n",
                    encoding="utf-8")
    capsys.readouterr()
    assert main(["ledger", "import", "bank_results", str(bank)]) == 0
    said = capsys.readouterr().out
    assert "支付失败 1 条，合计 800.00 元" in said and "支付异常 1 条（待核实）" in said
    assert "可重新发起支付" not in said, "recorded paid: not to be issued again"
    again = tmp_path / "bank-0222.csv"  # another file, the same line
    again.write_text("status,payment_id,paid_on,amount\nfailed,JB00000002,,800.00\n",
                     encoding="utf-8")
    assert main(["ledger", "import", "bank_results", str(again), "--lang", "en"]) == 0
    said = capsys.readouterr().out
    assert "duplicates skipped: 1 line (imported before)" in said
    assert "payment exceptions: 0" in said, "marked once, by the first file"
    assert main(["claims", "list", "--state", "paid", "--user", "wang"]) == 0
    out = capsys.readouterr().out
    assert "payment exception" in out and "bank-0221.csv" in out and "failed" in out
    row = next(line for line in out.splitlines() if line.split()[:1] == ["2"])
    assert row.split()[4] == "failed_after_paid", "not listed as paid: it may never have arrived"


def test_confirm_account_clears_only_the_account_flag(
        url: str, capsys: pytest.CaptureFixture[str]) -> None:
    """``claims confirm-account`` by a reviewer clears the flag a changed payee account set on
    an approved claim, which stays approved; ``claims list`` named the flag before; finance
    is refused with exit 2 and nothing changes."""
    from planner.ledger.evidence import ACCOUNT_CHANGED, account_label, note_json
    from planner.messages import msg

    with UnitOfWork(url) as uow:
        claim = uow.repo.claim(1)
        assert claim is not None
        claim.state, claim.needs_review = "approved", True
        claim.review_note = note_json(msg(ACCOUNT_CHANGED, old=account_label("农业银行", "5678"),
                                          new=account_label("工商银行", "4321")))
        uow.repo.audit("system:operator", "claim", 1, "flag_account_changed")
        uow.commit()
    assert main(["claims", "list", "--user", "zhang"]) == 0
    assert "payee account changed, confirm-account" in capsys.readouterr().out
    assert main(["claims", "confirm-account", "1", "--user", "wang"]) == 2
    assert "may not confirm the payee's new account" in capsys.readouterr().err
    assert main(["claims", "confirm-account", "1", "--user", "zhang", "--note", "电话核实"]) == 0
    assert "confirmed the new payee account of 1 claim as zhang (reviewer)" in \
        capsys.readouterr().out
    line = svc.list_claims(url=url).set_index("claim_id").loc[1]
    assert (line["state"], bool(line["needs_review"])) == ("approved", False)


def test_a_payment_batch_is_made_only_when_confirmed_with_yes(
        url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        tmp_path) -> None:
    """``claims batch`` says what a new payment batch would hold — lines, total, that they
    become pending payments sent to the bank — and issues nothing; an approver is refused;
    ``--yes`` numbers it and issues them. ``subsidies export finance`` writes a preview before
    and that batch after, never making one."""
    import datetime as dt

    monkeypatch.setenv("JOBBUS_USER", "li")
    assert main(["claims", "review", "1-3", "--user", "zhang"]) == 0
    for step in (["approve", "1-3"], ["publish", "1-3", "--on", "2020-01-23"],
                 ["close-notice", "1-3", "--on", "2020-02-08"]):
        assert main(["claims", *step]) == 0
    capsys.readouterr()
    assert main(["subsidies", "export", "finance", "--out", str(tmp_path / "a.xlsx")]) == 0
    assert "a preview, not a payment batch" in capsys.readouterr().out
    assert main(["claims", "batch", "--user", "wang"]) == 0
    said = capsys.readouterr().out
    assert "3 lines, 2,400.00 yuan" in said and "pending payments sent to the bank" in said
    assert main(["claims", "batch", "--yes"]) == 2  # li, the approver
    assert svc.list_claims(url=url)["payment_id"].isna().all()
    capsys.readouterr()
    assert main(["claims", "batch", "--yes", "--user", "wang"]) == 0
    number = f"PB-{dt.date.today().year}-0001"
    assert f"payment batch {number}: 3 lines, 2,400.00 yuan issued" in capsys.readouterr().out
    assert list(svc.list_claims(url=url)["payment_status"]) == ["pending"] * 3
    assert main(["subsidies", "export", "finance", "--out", str(tmp_path / "b.xlsx")]) == 0
    assert f"payment batch {number}" in capsys.readouterr().out
    assert main(["claims", "batch", "--yes", "--user", "wang"]) == 0
    assert "no payment batch to make" in capsys.readouterr().out


def test_resolve_exception_as_another_finance_user(
        url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        tmp_path) -> None:
    """Claim 2 recorded paid by wang, then failed at the bank: wang may not resolve it (exit 2,
    four eyes, nothing changed), nor may anyone without a note; zhao (finance) records it not
    arrived: it is back at notice_done with its payment failed, and is issued again."""
    auth.add_user("zhao", PASSWORD, "finance", url=url)
    monkeypatch.setenv("JOBBUS_USER", "li")
    assert main(["claims", "review", "2", "--user", "zhang"]) == 0
    for step in (["approve", "2"], ["publish", "2", "--on", "2020-01-23"],
                 ["close-notice", "2", "--on", "2020-02-08"]):
        assert main(["claims", *step]) == 0
    assert main(["claims", "issue", "2", "--user", "wang"]) == 0
    assert main(["claims", "pay", "2", "--paid-on", "2020-02-20", "--user", "wang"]) == 0
    bank = tmp_path / "bank-0221.csv"
    bank.write_text("payment_id,status,paid_on,amount\nJB00000002,failed,,800.00\n",
                    encoding="utf-8")
    assert main(["ledger", "import", "bank_results", str(bank)]) == 0
    capsys.readouterr()
    resolve = ["claims", "resolve-exception", "2", "--outcome", "not-arrived"]
    assert main([*resolve, "--note", "no such credit", "--user", "wang"]) == 2
    err = capsys.readouterr().err
    assert "refused: claim 2: wang recorded its payment paid" in err
    assert "nothing was changed" in err
    assert main([*resolve, "--note", " ", "--user", "zhao"]) == 2
    assert "say what was checked" in capsys.readouterr().err
    assert _states(url)[1] == "paid"
    assert main([*resolve, "--note", "March statement: no such credit", "--user", "zhao"]) == 0
    out = capsys.readouterr().out
    assert "payment JB00000002 failed and the claim is back at notice_done" in out
    claims = svc.list_claims(url=url).set_index("claim_id")
    assert (claims.loc[2, "state"], claims.loc[2, "payment_status"]) == ("notice_done", "failed")
    assert main(["claims", "issue", "2", "--user", "zhao"]) == 0
    assert "JB00000002" in capsys.readouterr().out
