"""Which claim actions are open to the claims picked (``claims.actions_open_to``): the ones
that may start from every claim's state; a payment from a finished notice; reopening only
claims flagged for review."""

from __future__ import annotations

from planner.services.claims import actions_open_to


def test_claims_in_one_state_get_that_states_actions():
    """Reviewed claims may be approved or rejected, or reopened when flagged."""
    assert actions_open_to({"reviewed"}, all_flagged=False) == {"approve", "reject"}
    assert actions_open_to({"reviewed"}, all_flagged=True) == {"approve", "reject", "reopen"}


def test_mixed_states_get_only_the_actions_common_to_all():
    """A draft and a reviewed claim together may only be rejected."""
    assert actions_open_to({"draft", "reviewed"}, all_flagged=False) == {"reject"}


def test_a_finished_notice_may_be_paid():
    """A claim whose notice has ended may have a payment issued or recorded."""
    assert {"issue_payment", "record_payment"} <= actions_open_to({"notice_done"}, False)
    assert "issue_payment" not in actions_open_to({"approved"}, False)


def test_no_claim_no_action():
    """With no claim picked nothing is open."""
    assert actions_open_to(set(), all_flagged=True) == frozenset()


def test_a_payment_is_issued_only_where_none_is_on_its_way():
    """A claim without a payment, or whose payment failed, may have one issued; a pending or
    paid payment may not be issued again (recording it paid stays open)."""
    assert "issue_payment" in actions_open_to({"notice_done"}, False, [None, "failed"])
    pending = actions_open_to({"notice_done"}, False, [None, "pending"])
    assert "issue_payment" not in pending and "record_payment" in pending


def test_a_new_account_is_confirmed_only_where_it_flagged_every_claim():
    """确认新账户 is open to claims that are all flagged for a changed payee account and still
    open (not paid, rejected or void); not otherwise."""
    done = actions_open_to({"notice_done", "approved"}, True, all_account_changed=True)
    assert "confirm_payee_account" in done
    assert "confirm_payee_account" not in actions_open_to({"notice_done"}, True)
    assert "confirm_payee_account" not in actions_open_to({"paid"}, True,
                                                          all_account_changed=True)
