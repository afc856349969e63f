"""Live permissions, sign-in back-off, password strength, the scenario's draft policy and
permissioned, audited exports."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest

from planner.ledger import UnitOfWork
from planner.ledger import models as m
from planner.services import auth
from planner.services import ledger as svc
from planner.services.auth import LoginLocked, PermissionDenied, Role, User

PASSWORD = "Tea-kettle-Harbour-42"


def _claim(url: str) -> int:
    with UnitOfWork(url) as uow:
        claim = m.Claim(key="self_return|P1", rule="self_return", payee_kind="person",
                        payee_id="P1", payee_name="张三", amount_fen=80_000, evidence=["a"],
                        basis={}, state="reviewed")
        uow.repo.add(claim)
        uow.commit()
        return claim.id


def _signed_in(url: str, name: str, role: str) -> User:
    auth.add_user(name, PASSWORD, role, url=url)
    user = auth.authenticate(name, PASSWORD, url=url)
    assert user is not None
    return user


def _shift_clock(monkeypatch: pytest.MonkeyPatch, by: dt.timedelta) -> None:
    real = m.utcnow
    monkeypatch.setattr(m, "utcnow", lambda: real() + by)


def test_deactivated_session_loses_approval_at_once(ledger_url: str) -> None:
    """An approver deactivated while signed in can no longer approve with the open session."""
    approver = _signed_in(ledger_url, "zhao", "approver")
    auth.set_active("zhao", False, url=ledger_url)
    with pytest.raises(PermissionDenied, match="inactive"):
        svc.approve([_claim(ledger_url)], approver, url=ledger_url)
    assert auth.session_user(approver, url=ledger_url) is None


def test_demoted_session_loses_approval_at_once(ledger_url: str) -> None:
    """An approver demoted to auditor while signed in is refused as the auditor they now are."""
    approver = _signed_in(ledger_url, "qian", "approver")
    auth.set_role("qian", "auditor", url=ledger_url)
    cid = _claim(ledger_url)
    with pytest.raises(PermissionDenied, match=r"qian \(auditor\) may not approve"):
        svc.approve([cid], approver, url=ledger_url)
    assert svc.list_claims(url=ledger_url).set_index("claim_id").loc[cid, "state"] == "reviewed"
    assert auth.session_user(approver, url=ledger_url) is None


def test_session_of_unchanged_user_stays(ledger_url: str) -> None:
    """A user whose row did not change keeps their session (and can act)."""
    approver = _signed_in(ledger_url, "sun", "approver")
    assert auth.session_user(approver, url=ledger_url) == approver
    assert svc.approve([_claim(ledger_url)], approver, url=ledger_url) == 1


def test_unknown_named_actor_is_refused(ledger_url: str) -> None:
    """A named user the ledger does not know may do nothing."""
    with pytest.raises(PermissionDenied, match="no user 'ghost'"):
        svc.approve([_claim(ledger_url)], User("ghost", Role.APPROVER), url=ledger_url)


def test_five_failures_lock_even_the_right_password(ledger_url: str) -> None:
    """After 5 wrong passwords the right one is refused with a time to retry."""
    auth.add_user("li", PASSWORD, "reviewer", url=ledger_url)
    for _ in range(5):
        assert auth.authenticate("li", "wrong-password", url=ledger_url) is None
    with pytest.raises(LoginLocked) as locked:
        auth.authenticate("li", PASSWORD, url=ledger_url)
    assert 55 <= locked.value.seconds <= 60 and "try again in" in str(locked.value)


def test_lock_ends_and_doubles_on_the_next_failure(ledger_url: str,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """After the 1-minute lock the right password works; a failure instead locks 2 minutes."""
    auth.add_user("li", PASSWORD, "reviewer", url=ledger_url)
    for _ in range(5):
        auth.authenticate("li", "wrong-password", url=ledger_url)
    _shift_clock(monkeypatch, dt.timedelta(seconds=61))
    assert auth.authenticate("li", "wrong-password", url=ledger_url) is None
    with pytest.raises(LoginLocked) as locked:
        auth.authenticate("li", PASSWORD, url=ledger_url)
    assert 110 <= locked.value.seconds <= 120
    _shift_clock(monkeypatch, dt.timedelta(seconds=121))  # on top of the first shift
    assert auth.authenticate("li", PASSWORD, url=ledger_url) is not None


def test_success_resets_the_failure_count(ledger_url: str) -> None:
    """Four failures, a success, four more failures: no lock (failures must be in a row)."""
    auth.add_user("li", PASSWORD, "reviewer", url=ledger_url)
    for _ in range(4):
        auth.authenticate("li", "wrong-password", url=ledger_url)
    assert auth.authenticate("li", PASSWORD, url=ledger_url) is not None
    for _ in range(4):
        auth.authenticate("li", "wrong-password", url=ledger_url)
    assert auth.authenticate("li", PASSWORD, url=ledger_url) is not None


def test_unknown_names_lock_like_known_ones(ledger_url: str) -> None:
    """An unknown name is locked after 5 failures too, so a lock does not reveal a name."""
    for _ in range(5):
        assert auth.authenticate("nobody", "wrong-password", url=ledger_url) is None
    with pytest.raises(LoginLocked):
        auth.authenticate("nobody", "wrong-password", url=ledger_url)


def test_one_address_trying_many_names_is_locked(ledger_url: str) -> None:
    """20 failures from one address lock that address, whatever names it tries next."""
    auth.add_user("li", PASSWORD, "reviewer", url=ledger_url)
    for i in range(20):
        auth.authenticate(f"guess{i}", "wrong-password", url=ledger_url, address="10.0.0.9")
    with pytest.raises(LoginLocked):
        auth.authenticate("li", PASSWORD, url=ledger_url, address="10.0.0.9")
    assert auth.authenticate("li", PASSWORD, url=ledger_url, address="10.0.0.8") is not None


def test_lock_is_audited(ledger_url: str) -> None:
    """A lock leaves an audit entry naming the user name and until when."""
    for _ in range(5):
        auth.authenticate("li", "wrong-password", url=ledger_url)
    log = svc.audit_log("login", url=ledger_url)
    assert list(log["action"]) == ["locked"] and log.iloc[0]["entity_id"] == "li"


def test_unknown_user_costs_a_hash_verification(ledger_url: str,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """An unknown name is refused after verifying a hash made with the same hasher as a known
    name's (a dummy one), so it takes as long: counted, not timed (a timed test fails on a
    loaded machine)."""
    from argon2 import PasswordHasher

    verified: list[str] = []

    class Counting(PasswordHasher):
        def verify(self, hash: str | bytes, password: str | bytes) -> bool:
            verified.append(str(hash))
            return super().verify(hash, password)

    hasher = Counting(time_cost=2, memory_cost=16384, parallelism=1)
    monkeypatch.setattr(auth, "_hasher", hasher)
    auth.add_user("li", PASSWORD, "reviewer", url=ledger_url)
    assert auth.authenticate("li", "wrong-password", url=ledger_url) is None
    assert auth.authenticate("nobody", "wrong-password", url=ledger_url) is None
    known, unknown = verified
    assert hasher.check_needs_rehash(unknown) == hasher.check_needs_rehash(known) is False
    assert unknown.split("$")[:4] == known.split("$")[:4]  # same algorithm and cost


@pytest.mark.parametrize("password", ["password", "12345678", " " * 12, "li-li-li-li-li",
                                      "abcdefghij"])
def test_weak_passwords_are_refused(ledger_url: str, password: str) -> None:
    """Common, short, blank, name-containing and guessable passwords are refused."""
    with pytest.raises(ValueError, match="password:"):
        auth.add_user("li", password, "reviewer", url=ledger_url)


def test_weak_admin_password_from_environment_names_the_variable(
        ledger_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A weak JOBBUS_ADMIN_PASSWORD is refused with the variable's name."""
    monkeypatch.setenv("JOBBUS_ADMIN_PASSWORD", "abc")
    with pytest.raises(ValueError, match=r"^JOBBUS_ADMIN_PASSWORD: password: at least 10"):
        auth.ensure_admin(url=ledger_url)


def test_operator_import_keeps_the_scenario_policy_as_draft(ledger_url: str, world,
                                                            actors) -> None:
    """An operator's scenario import stores its policy inactive and says so; an administrator
    activates it."""
    result = svc.import_path("scenario", world.scenario_dir, actors["operator"], url=ledger_url)
    assert any("as draft version" in note for note in result.notes)
    assert svc.load_active_policy(ledger_url) is None
    (version,) = svc.policy_versions(url=ledger_url)["id"]
    with pytest.raises(PermissionDenied):
        svc.activate_policy(int(version), actors["operator"], url=ledger_url)
    svc.activate_policy(int(version), actors["admin"], url=ledger_url)
    assert svc.load_active_policy(ledger_url)[0] == version  # type: ignore[index]


@pytest.mark.parametrize("role", ["operator", "reviewer", "approver"])
def test_finance_list_refused_to_other_roles(loaded_url: str, tmp_path: Path,
                                             role: str) -> None:
    """The full-ID finance list is refused to operator, reviewer and approver; no file."""
    with pytest.raises(PermissionDenied):
        svc.export_finance_list(tmp_path / "f.xlsx", auth.system_actor(role), url=loaded_url)
    assert not (tmp_path / "f.xlsx").exists()


def test_notice_refused_to_operator(loaded_url: str, tmp_path: Path) -> None:
    """The public notice is refused to an operator."""
    with pytest.raises(PermissionDenied):
        svc.export_notice(tmp_path / "n.csv", auth.system_actor("operator"), url=loaded_url)


def test_export_is_audited_with_rows_and_checksum(loaded_url: str, tmp_path: Path) -> None:
    """An export writes who, what, row count, the file's SHA-256 and the state selected."""
    auditor = auth.system_actor("auditor")
    path = svc.export_finance_list(tmp_path / "f.xlsx", auditor, state="draft", url=loaded_url)
    entry = svc.audit_log("export", url=loaded_url).iloc[-1]
    assert (entry["actor"], entry["action"]) == ("system:auditor", "export_finance_list")
    assert entry["after"]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert entry["after"]["rows"] == len(svc.finance_lines("draft", url=loaded_url))
    assert entry["after"]["state"] == "draft"


def test_serve_refuses_a_weak_admin_password_naming_it(tmp_path: Path, capsys,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """`jobbus serve` with JOBBUS_ADMIN_PASSWORD=abc exits 2 naming the variable; no ledger."""
    from planner.cli import main

    monkeypatch.setenv("JOBBUS_ADMIN_PASSWORD", "abc")
    monkeypatch.setenv("JOBBUS_DATABASE_URL", f"sqlite:///{tmp_path / 'l.sqlite'}")
    assert main(["serve", "--no-seed"]) == 2
    assert "JOBBUS_ADMIN_PASSWORD: password: at least 10 characters" in capsys.readouterr().err
    assert not (tmp_path / "l.sqlite").exists()


def _payees(url: str) -> None:
    """A person's claim and an employer's claim."""
    with UnitOfWork(url) as uow:
        uow.repo.add(m.Claim(key="self_return|522401199001011234", rule="self_return",
                             payee_kind="person", payee_id="522401199001011234",
                             payee_name="张三", amount_fen=80_000, evidence=["a"], basis={},
                             state="reviewed"))
        uow.repo.add(m.Claim(key="charter|91330604MA2701YA83", rule="charter",
                             payee_kind="employer", payee_id="91330604MA2701YA83",
                             payee_name="上虞某公司", amount_fen=900_000, evidence=["a"],
                             basis={}, state="reviewed"))
        uow.commit()


def test_claims_on_screen_show_a_full_id_number_only_to_roles_that_may_see_it(
        ledger_url: str) -> None:
    """A reviewer or approver reads a person's ID number masked in the claims list, as the
    public files mask it; finance (who pays to it) and the auditor read it whole; an
    employer's credit code is not personal data and stays whole for everyone."""
    from planner.services.claims import claims_seen_by

    _payees(ledger_url)
    for name, role, person in [("li", "reviewer", "5224**********1234"),
                               ("wang", "approver", "5224**********1234"),
                               ("qian", "finance", "522401199001011234"),
                               ("sun", "auditor", "522401199001011234")]:
        seen = claims_seen_by(_signed_in(ledger_url, name, role), url=ledger_url)
        ids = dict(zip(seen["payee_kind"], seen["payee_id"], strict=True))
        assert ids == {"person": person, "employer": "91330604MA2701YA83"}, (role, ids)


def test_a_finance_user_demoted_meanwhile_sees_id_numbers_masked(ledger_url: str) -> None:
    """The role is re-read at each read: finance made a reviewer while signed in sees the ID
    number masked at the next read; deactivated, is refused."""
    from planner.services.claims import claims_seen_by

    _payees(ledger_url)
    user = _signed_in(ledger_url, "zhou", "finance")
    auth.set_role("zhou", "reviewer", url=ledger_url)
    seen = claims_seen_by(user, url=ledger_url)
    assert "5224**********1234" in set(seen["payee_id"])
    auth.set_active("zhou", False, url=ledger_url)
    with pytest.raises(PermissionDenied):
        claims_seen_by(user, url=ledger_url)


def test_a_reviewer_reads_recruits_id_numbers_masked_in_the_evidence(ledger_url: str) -> None:
    """An agency's claim names the people it placed: a reviewer reads their ID numbers masked
    in the evidence, finance whole."""
    from planner.messages import msg
    from planner.services.claims import claims_seen_by

    placed = msg("evidence.placed", id="522401199001011234", employer="上虞某公司",
                 first="2020-03", last="2020-05", n=3)
    with UnitOfWork(ledger_url) as uow:
        uow.repo.add(m.Claim(key="agency|A1", rule="agency", payee_kind="agency",
                             payee_id="91330604MA2701YA83", payee_name="某中介",
                             amount_fen=10_000, evidence=[placed.to_json()], basis={},
                             state="reviewed"))
        uow.commit()
    reviewer = claims_seen_by(_signed_in(ledger_url, "li", "reviewer"), url=ledger_url)
    finance = claims_seen_by(_signed_in(ledger_url, "qian", "finance"), url=ledger_url)
    assert reviewer["evidence"].iloc[0][0].args["id"] == "5224**********1234"
    assert finance["evidence"].iloc[0][0].args["id"] == "522401199001011234"
