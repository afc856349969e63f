"""Claim workflow: roles, the state machine, notices, payments, audit and concurrency."""

from __future__ import annotations

import contextlib
import datetime as dt
import threading

import pytest

from planner.ledger import UnitOfWork
from planner.ledger import models as m
from planner.ledger.workflow import TransitionRefused
from planner.services import auth, claims
from planner.services import ledger as svc
from planner.services.auth import PermissionDenied, Role, User

#: after the notice closed (MONDAY + 8): a payment is not dated before it
PAID_BY_HAND = dt.date(2020, 3, 16)
MONDAY = dt.date(2020, 3, 2)


def _claims(url: str, n: int = 2) -> list[int]:
    with UnitOfWork(url) as uow:
        rows = [
            m.Claim(key=f"self_return|P{i}", rule="self_return", payee_kind="person",
                    payee_id=f"P{i}", payee_name="张三", amount_fen=80_000, evidence=["a"],
                    basis={}, state="draft")
            for i in range(n)
        ]
        for row in rows:
            uow.repo.add(row)
        uow.commit()
        return [r.id for r in rows]


def _state(url: str, claim_id: int) -> str:
    with UnitOfWork(url) as uow:
        claim = uow.repo.claim(claim_id)
        assert claim is not None
        return claim.state


def _to_notice_done(url: str, ids: list[int], a: dict[str, User]) -> None:
    svc.review(ids, a["reviewer"], url=url)
    svc.approve(ids, a["approver"], url=url)
    svc.publish_notice(ids, a["approver"], on=MONDAY, url=url)
    svc.close_notice(ids, a["approver"], on=MONDAY + dt.timedelta(days=8), url=url)


def test_full_path_to_paid_is_audited(ledger_url: str, actors: dict[str, User]) -> None:
    """draft→reviewed→approved→in_notice→notice_done→paid; every step in decisions and audit."""
    (cid,) = _claims(ledger_url, 1)
    _to_notice_done(ledger_url, [cid], actors)
    (pid,) = svc.issue_payments(None, actors["finance"], url=ledger_url)
    assert pid == svc.payment_id_for(cid)
    svc.record_payment(cid, actors["finance"], paid_on=PAID_BY_HAND, url=ledger_url)
    assert _state(ledger_url, cid) == "paid"
    history = svc.claim_history(cid, url=ledger_url)
    assert list(history["to_state"]) == ["reviewed", "approved", "in_notice", "notice_done",
                                         "paid"]
    log = svc.audit_log("claim", cid, url=ledger_url)
    assert list(log["action"]) == ["review", "approve", "publish_notice", "close_notice",
                                   "record_payment"]
    assert log.iloc[0]["before"]["state"] == "draft"
    assert log.iloc[0]["after"]["state"] == "reviewed"
    assert log.iloc[1]["actor"] == "system:approver"


FORBIDDEN = [
    ("operator", "review"), ("approver", "review"), ("finance", "review"),
    ("auditor", "review"), ("admin", "review"), ("reviewer", "approve"),
    ("operator", "approve"), ("auditor", "approve"), ("finance", "approve"),
    ("reviewer", "publish_notice"), ("finance", "close_notice"), ("approver", "record_payment"),
    ("auditor", "record_payment"), ("operator", "issue_payments"), ("auditor", "compute"),
    ("reviewer", "add_user"), ("auditor", "add_user"),
]


def test_role_refusal_changes_nothing(ledger_url: str, actors: dict[str, User]) -> None:
    """Each role trying what it may not do gets PermissionDenied; claim and audit log stay."""
    (cid,) = _claims(ledger_url, 1)
    for role, action in FORBIDDEN:
        _refused(ledger_url, cid, actors[role], action)


def _refused(ledger_url: str, cid: int, actor: User, action: str) -> None:
    calls = {
        "review": lambda: svc.review([cid], actor, url=ledger_url),
        "approve": lambda: svc.approve([cid], actor, url=ledger_url),
        "publish_notice": lambda: svc.publish_notice([cid], actor, url=ledger_url),
        "close_notice": lambda: svc.close_notice([cid], actor, url=ledger_url),
        "record_payment": lambda: svc.record_payment(cid, actor, url=ledger_url),
        "issue_payments": lambda: svc.issue_payments(None, actor, url=ledger_url),
        "compute": lambda: svc.compute_claims(actor, url=ledger_url),
        "add_user": lambda: auth.add_user("eve", "password1", "admin", actor=actor,
                                          url=ledger_url),
    }
    with pytest.raises(PermissionDenied):
        calls[action]()
    assert _state(ledger_url, cid) == "draft"
    assert svc.audit_log(url=ledger_url).empty


def test_wrong_state_and_batches_are_refused_whole(ledger_url: str,
                                                   actors: dict[str, User]) -> None:
    """Approving a draft is refused; a batch with one unready claim changes none; a rejection
    needs a reason."""
    a, b = _claims(ledger_url, 2)
    with pytest.raises(TransitionRefused, match="only from reviewed"):
        svc.approve([a], actors["approver"], url=ledger_url)
    assert _state(ledger_url, a) == "draft"
    svc.review([a], actors["reviewer"], url=ledger_url)
    with pytest.raises(TransitionRefused):
        svc.approve([a, b], actors["approver"], url=ledger_url)
    assert _state(ledger_url, a) == "reviewed"
    with pytest.raises(ValueError):
        svc.reject([b], actors["reviewer"], " ", url=ledger_url)
    svc.reject([b], actors["reviewer"], "duplicate", url=ledger_url)
    assert _state(ledger_url, b) == "rejected"


def test_notice_lasts_working_days_and_objection_sends_back(
    ledger_url: str, actors: dict[str, User]
) -> None:
    """A notice published Friday ends the next Friday; it cannot close earlier; an objection
    sends the claim back to reviewed with its reason."""
    a, b = _claims(ledger_url, 2)
    svc.review([a, b], actors["reviewer"], url=ledger_url)
    svc.approve([a, b], actors["approver"], url=ledger_url)
    ends = svc.publish_notice([a, b], actors["approver"], on=dt.date(2020, 3, 6), url=ledger_url)
    assert ends == dt.date(2020, 3, 13)
    with pytest.raises(TransitionRefused, match="runs until 2020-03-13"):
        svc.close_notice([a], actors["approver"], on=dt.date(2020, 3, 13), url=ledger_url)
    svc.raise_objection(b, actors["reviewer"], "not insured at this employer", url=ledger_url)
    assert _state(ledger_url, b) == "reviewed"
    assert svc.claim_history(b, url=ledger_url).iloc[-1]["reason"] == (
        "not insured at this employer")
    svc.close_notice([a], actors["approver"], on=dt.date(2020, 3, 16), url=ledger_url)
    assert _state(ledger_url, a) == "notice_done"


def test_users_and_authentication(ledger_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Passwords are argon2 hashes; wrong passwords and inactive users do not sign in; the
    first admin's password is generated once unless JOBBUS_ADMIN_PASSWORD gives it."""
    monkeypatch.delenv("JOBBUS_ADMIN_PASSWORD", raising=False)
    generated = auth.ensure_admin(url=ledger_url)
    assert generated and len(generated) >= 12
    assert auth.ensure_admin(url=ledger_url) is None
    admin = auth.authenticate("admin", generated, url=ledger_url)
    assert admin == User("admin", Role.ADMIN)
    auth.add_user("li", "Tea-kettle-Harbour-42", "reviewer", actor=admin, url=ledger_url)
    with UnitOfWork(ledger_url) as uow:
        row = uow.repo.user("li")
        assert row is not None and row.password_hash.startswith("$argon2")
    assert auth.authenticate("li", "wrong-pass", url=ledger_url) is None
    assert auth.authenticate("li", "Tea-kettle-Harbour-42", url=ledger_url) == User(
        "li", Role.REVIEWER)
    auth.set_active("li", False, actor=admin, url=ledger_url)
    assert auth.authenticate("li", "Tea-kettle-Harbour-42", url=ledger_url) is None
    with pytest.raises(ValueError, match="already exists"):
        auth.add_user("li", "Harbour-kettle-Tea-43", "finance", url=ledger_url)


def _race(url: str, action: object) -> list[object]:
    barrier = threading.Barrier(2, timeout=20)
    outcomes: list[object] = []

    def hook() -> None:
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()

    def run() -> None:
        try:
            outcomes.append(action())  # type: ignore[operator]
        except (TransitionRefused, PermissionDenied) as exc:
            outcomes.append(exc)

    claims.after_claim_read = hook
    try:
        threads = [threading.Thread(target=run) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        claims.after_claim_read = None
    return outcomes


def test_two_approvals_at_once_one_wins(ledger_url: str, actors: dict[str, User]) -> None:
    """Two approvers approving the same claim at the same moment: one wins, one is refused."""
    (cid,) = _claims(ledger_url, 1)
    svc.review([cid], actors["reviewer"], url=ledger_url)
    outcomes = _race(ledger_url, lambda: svc.approve([cid], actors["approver"], url=ledger_url))
    refused = [o for o in outcomes if isinstance(o, TransitionRefused)]
    assert len(outcomes) == 2 and len(refused) == 1
    assert "someone else" in str(refused[0]) or "only from" in str(refused[0])
    assert list(svc.claim_history(cid, url=ledger_url)["action"]) == ["review", "approve"]


def test_two_payments_at_once_one_wins(ledger_url: str, actors: dict[str, User]) -> None:
    """Two finance users recording the same payment at once: the claim is paid exactly once."""
    (cid,) = _claims(ledger_url, 1)
    _to_notice_done(ledger_url, [cid], actors)
    outcomes = _race(ledger_url, lambda: svc.record_payment(cid, actors["finance"],
                                                            paid_on=PAID_BY_HAND, url=ledger_url))
    assert sum(isinstance(o, TransitionRefused) for o in outcomes) == 1
    with UnitOfWork(ledger_url) as uow:
        assert uow.repo.count(m.Payment) == 1
    assert list(svc.claim_history(cid, url=ledger_url)["action"]).count("record_payment") == 1


def test_admin_password_from_environment(ledger_url: str,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """With JOBBUS_ADMIN_PASSWORD set, admin gets that password and nothing is printed."""
    monkeypatch.setenv("JOBBUS_ADMIN_PASSWORD", "from-the-env-1")
    assert auth.ensure_admin(url=ledger_url) is None
    assert auth.authenticate("admin", "from-the-env-1", url=ledger_url) == User("admin",
                                                                               Role.ADMIN)


def test_recording_several_payments_is_all_or_none(ledger_url: str,
                                                   actors: dict[str, User]) -> None:
    """Finance records three payments at once and the last one may not be (its claim is
    still a draft): none is recorded, and the refusal names that claim; once it may, all
    three are recorded in one go."""
    ids = _claims(ledger_url, 3)
    _to_notice_done(ledger_url, ids[:2], actors)
    with pytest.raises(TransitionRefused) as refused:
        svc.record_payments(ids, actors["finance"], paid_on=PAID_BY_HAND, url=ledger_url)
    assert f"claim {ids[2]}:" in str(refused.value)
    assert [_state(ledger_url, c) for c in ids] == ["notice_done", "notice_done", "draft"]
    with UnitOfWork(ledger_url) as uow:
        assert uow.repo.count(m.Payment) == 0
    _to_notice_done(ledger_url, [ids[2]], actors)
    paid = svc.record_payments(ids, actors["finance"], paid_on=PAID_BY_HAND, url=ledger_url)
    assert paid == [svc.payment_id_for(c) for c in ids]
    assert {_state(ledger_url, c) for c in ids} == {"paid"}


def test_an_objection_to_several_claims_is_all_or_none(ledger_url: str,
                                                       actors: dict[str, User]) -> None:
    """A reviewer objects to two claims at once and one of them is not in notice: neither is
    sent back, and the refusal names the one; both in notice: both go back to reviewed."""
    a, b = _claims(ledger_url, 2)
    svc.review([a, b], actors["reviewer"], url=ledger_url)
    svc.approve([a, b], actors["approver"], url=ledger_url)
    svc.publish_notice([a], actors["approver"], on=MONDAY, url=ledger_url)
    with pytest.raises(TransitionRefused, match=f"claim {b}:"):
        svc.raise_objections([a, b], actors["reviewer"], "wrong employer", url=ledger_url)
    assert (_state(ledger_url, a), _state(ledger_url, b)) == ("in_notice", "approved")
    svc.publish_notice([b], actors["approver"], on=MONDAY, url=ledger_url)
    svc.raise_objections([a, b], actors["reviewer"], "wrong employer", url=ledger_url)
    assert (_state(ledger_url, a), _state(ledger_url, b)) == ("reviewed", "reviewed")


def test_a_refusal_among_several_approvals_names_the_claim(ledger_url: str,
                                                           actors: dict[str, User]) -> None:
    """Approving two claims of which one is still a draft: nothing is approved and the
    refusal says which claim stopped it."""
    a, b = _claims(ledger_url, 2)
    svc.review([a], actors["reviewer"], url=ledger_url)
    with pytest.raises(TransitionRefused, match=f"claim {b}:.*none of the 2 claims"):
        svc.approve([a, b], actors["approver"], url=ledger_url)
    assert (_state(ledger_url, a), _state(ledger_url, b)) == ("reviewed", "draft")
