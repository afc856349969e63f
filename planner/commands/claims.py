"""``jobbus claims``: the claim workflow from the command line, acting as a named user.

``jobbus claims list [--state S] [--rule R]``, ``review IDS``, ``approve IDS``,
``reject IDS --reason TEXT``, ``reopen IDS`` (flagged claims back to draft at their
recomputed amount), ``confirm-account IDS`` (确认新账户: the payee's new bank account confirmed,
the claims' state and notice kept), ``publish IDS [--on DATE]``, ``close-notice IDS [--on DATE]``,
``issue [IDS | --all]``, ``batch [--yes]`` (a numbered payment batch of every line payable now
and not yet at the bank: without ``--yes`` it only says what it would hold), ``pay ID
[--paid-on DATE]``, ``resolve-exception ID --outcome arrived|not-arrived --note TEXT`` (a payment
exception checked against the bank statement).

Rules implemented here:

- every action signs in as ``--user NAME`` (default ``$JOBBUS_USER``) with the password from
  ``$JOBBUS_PASSWORD`` or, on a terminal only, a prompt; a wrong password exits 2 and changes
  nothing; the service layer then checks the user's role exactly as in the app, and the audit
  log names the user (never ``system:<role>``);
- IDS are written ``1,2,5-9``; ``--all-in-state STATE`` takes every claim in a state instead;
- a refused action (role, state, a notice not over yet, a rejection without a reason) exits 2
  with the reason; a batch is one transaction, all or nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import sys
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING

from planner import clock
from planner.commands.ledger import add_database_option, ledger_url
from planner.problems import InputError, problem

if TYPE_CHECKING:  # the ledger is imported only when a command runs
    from planner.services.auth import User

_RANGE = re.compile(r"^(\d+)(?:-(\d+))?$")
#: Most claim ids one IDS argument may name (a guard against a typo such as ``1-9999999999``).
MAX_IDS = 1_000_000

Action = Callable[[argparse.Namespace, "User", str], int]


def parse_ids(text: str, option: str = "IDS") -> list[int]:
    """Claim ids from ``1,2,5-9`` (in the order written, each once); problems name
    ``option``.

    Raises
    ------
    InputError
        An item that is not a number or an ascending range, or too many ids.
    """
    ids: dict[int, None] = {}
    for item in text.split(","):
        match = _RANGE.match(item.strip())
        if not match:
            raise InputError([problem(option, "problem.cli_not_claim_id", raw=repr(item.strip()))])
        low = int(match.group(1))
        high = int(match.group(2) or low)
        if high < low:
            raise InputError([problem(option, "problem.cli_range_backwards",
                                      raw=repr(item.strip()))])
        if high - low + len(ids) >= MAX_IDS:
            raise InputError([problem(option, "problem.cli_too_many_ids", max=MAX_IDS)])
        ids.update(dict.fromkeys(range(low, high + 1)))
    return list(ids)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``claims`` subcommands."""
    p = subparsers.add_parser(
        "claims", help="the claim workflow as a named user: list, review, approve, reject, "
        "reopen, confirm-account, publish, close-notice, issue, batch, pay",
        description="Act on claims as a named user (--user or $JOBBUS_USER; the password from "
        "$JOBBUS_PASSWORD or a prompt). IDS: 1,2,5-9.",
    )
    sub = p.add_subparsers(dest="claims_command", metavar="ACTION")
    sub.required = True

    lst = _add(sub, "list", "claims as a table, amounts in yuan", _list)
    lst.add_argument("--state", default=None, metavar="STATE")
    lst.add_argument("--rule", default=None, metavar="RULE")
    _add_batch(sub, "review", "mark draft claims reviewed (reviewer)", _review).add_argument(
        "--note", default=None, metavar="TEXT")
    _add_batch(sub, "approve", "approve reviewed claims (approver)", _approve).add_argument(
        "--note", default=None, metavar="TEXT")
    _add_batch(sub, "reject", "reject claims (reviewer, approver)", _reject).add_argument(
        "--reason", required=True, metavar="TEXT")
    _add_batch(sub, "reopen", "take claims flagged for review back to draft at their "
               "recomputed amount, void if zero (reviewer)", _reopen).add_argument(
        "--note", default=None, metavar="TEXT")
    _add_batch(sub, "confirm-account", "confirm the new bank account of the payee of claims "
               "flagged because it changed: clears just that flag, their state, approval and "
               "notice stay (reviewer; not the user who saved the change)",
               _confirm_account).add_argument("--note", default=None, metavar="TEXT")
    _add_batch(sub, "publish", "put approved claims on public notice (approver)",
               _publish).add_argument("--on", default=None, metavar="DATE",
                                      help="day of publication (default today)")
    _add_batch(sub, "close-notice", "end the notice of claims whose notice is over (approver)",
               _close).add_argument("--on", default=None, metavar="DATE",
                                    help="day of closing (default today)")
    issue = _add(sub, "issue", "issue payment orders for claims whose notice is done "
                 "(finance)", _issue)
    issue.add_argument("ids", nargs="?", default=None, metavar="IDS")
    issue.add_argument("--all", action="store_true",
                       help="every notice_done claim without a pending or paid payment")
    batch = _add(sub, "batch", "number a payment batch of the lines payable now and not yet "
                 "at the bank, issuing their payments (finance); without --yes it only says "
                 "what the batch would hold", _make_batch)
    batch.add_argument("--yes", action="store_true",
                       help="make it: its lines become pending payments sent to the bank")
    pay = _add(sub, "pay", "record that a claim's payment went through (finance)", _pay)
    pay.add_argument("id", metavar="ID")
    pay.add_argument("--paid-on", default=None, metavar="DATE", help="default today")
    resolve = _add(sub, "resolve-exception", "resolve a claim's payment exception after checking "
                   "the bank statement: arrived (it stays paid) or not-arrived (a bank failure "
                   "only: the payment fails and the claim goes back to notice_done, to be "
                   "issued again) (finance; not who recorded it paid or imported the bank file)",
                   _resolve_exception)
    resolve.add_argument("id", metavar="ID")
    resolve.add_argument("--outcome", required=True, choices=("arrived", "not-arrived"))
    resolve.add_argument("--note", required=True, metavar="TEXT",
                         help="what was checked: the statement's reference, the day")


def _add(sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str, help_text: str,
         action: Action) -> argparse.ArgumentParser:
    p = sub.add_parser(name, help=help_text, description=help_text)
    p.add_argument("--user", default=None, metavar="NAME",
                   help="who is acting (default: $JOBBUS_USER)")
    add_database_option(p)
    p.set_defaults(func=_signed_in(action))
    return p


def _add_batch(sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str,
               help_text: str, action: Action) -> argparse.ArgumentParser:
    p = _add(sub, name, help_text, action)
    p.add_argument("ids", nargs="?", default=None, metavar="IDS", help="such as 1,2,5-9")
    p.add_argument("--all-in-state", default=None, metavar="STATE",
                   help="every claim in this state instead of IDS")
    return p


def _signed_in(action: Action) -> Callable[[argparse.Namespace], int]:
    """The handler: sign in, run ``action``; a refusal is exit 2 with its reason."""

    def handler(args: argparse.Namespace) -> int:
        from planner.ledger.workflow import TransitionRefused
        from planner.services.auth import PermissionDenied

        url = ledger_url(args)
        user = _sign_in(args.user, url)
        try:
            return action(args, user, url)
        except (PermissionDenied, TransitionRefused, ValueError) as exc:
            print(f"jobbus claims {args.claims_command}: refused: {exc}; nothing was changed",
                  file=sys.stderr)
            return 2

    return handler


def _sign_in(username: str | None, url: str) -> User:
    from planner.services.auth import LoginLocked, authenticate

    username = username or os.environ.get("JOBBUS_USER")
    if not username:
        raise InputError([problem("--user", "problem.cli_no_user")])
    password = os.environ.get("JOBBUS_PASSWORD")
    if password is None:
        if not sys.stdin.isatty():
            raise InputError([problem("password", "problem.cli_no_password")])
        import getpass

        password = getpass.getpass(f"password for {username}: ")
    try:
        user = authenticate(username, password, url=url)
    except LoginLocked as exc:
        raise InputError([problem(username, "problem.refused", why=str(exc))]) from None
    if user is None:
        raise InputError([problem(username, "problem.cli_wrong_login")])
    return user


def _day(text: str | None, option: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InputError([problem(option, "problem.cli_not_date", raw=repr(text))]) from None


def _state(text: str) -> str:
    from planner.ledger.workflow import STATE_ORDER

    if text not in STATE_ORDER:
        raise InputError([problem("--all-in-state", "problem.cli_not_state", raw=repr(text),
                                  states=", ".join(STATE_ORDER))])
    return text


def _selected(args: argparse.Namespace, url: str) -> list[int]:
    """The claim ids IDS or ``--all-in-state`` name."""
    from planner.services.ledger import list_claims

    if args.ids is not None and args.all_in_state is not None:
        raise InputError([problem("IDS", "problem.cli_ids_or_state")])
    if args.all_in_state is not None:
        claims = list_claims(_state(args.all_in_state), url=url)
        return [int(i) for i in claims["claim_id"]]
    if args.ids is None:
        raise InputError([problem("IDS", "problem.cli_which_claims")])
    return parse_ids(args.ids)


def _batch(args: argparse.Namespace, url: str) -> list[int] | None:
    """The selected ids, or ``None`` (after saying so) when a state holds no claim."""
    ids = _selected(args, url)
    if not ids:
        print(f"no claims are {args.all_in_state}; nothing to do")
        return None
    return ids


def _who(user: User) -> str:
    return f"{user.username} ({user.role})"


# ----------------------------------------------------------------------------- actions
def _list(args: argparse.Namespace, user: User, url: str) -> int:
    from planner.services.ledger import list_claims
    from planner.services.payments import payment_status_shown

    if args.state is not None:
        _state(args.state)
    claims = list_claims(args.state, args.rule, url=url)
    print(f"{'id':>6}  {'state':<12} {'rule':<13} {'amount (yuan)':>14}  {'payment':<10} payee")
    for c in claims.to_dict("records"):
        flag = ("  (flagged for review: payee account changed, confirm-account)"
                if c["account_changed"] else
                "  (flagged for review)" if c["needs_review"] else "")
        if c["paid_exception"]:
            note = c["exception_note"]
            flag += f"  (payment exception: {note.render('en') if note is not None else ''})"
        payment = payment_status_shown(c["payment_status"], c["paid_exception"],
                                       c["exception_note"]) or "-"
        print(f"{c['claim_id']:>6}  {c['state']:<12} {c['rule']:<13} "
              f"{int(c['amount_fen']) / 100:>14,.2f}  {payment:<10} {c['payee_name']}{flag}")
    total_fen = int(claims["amount_fen"].sum()) if len(claims) else 0
    print(f"{len(claims)} claims, {total_fen / 100:,.2f} yuan")
    return 0


def _moved(verb: str, n: int, user: User) -> int:
    print(f"{verb} {n} claim{'s' if n != 1 else ''} as {_who(user)}")
    return 0


def _review(args: argparse.Namespace, user: User, url: str) -> int:
    from planner.services.ledger import review

    ids = _batch(args, url)
    return 0 if ids is None else _moved("reviewed", review(ids, user, note=args.note, url=url),
                                        user)


def _reopen(args: argparse.Namespace, user: User, url: str) -> int:
    from planner.services.ledger import reopen_flagged

    ids = _batch(args, url)
    return 0 if ids is None else _moved("reopened", reopen_flagged(ids, user, note=args.note,
                                                                   url=url), user)


def _confirm_account(args: argparse.Namespace, user: User, url: str) -> int:
    from planner.services.ledger import confirm_payee_account

    ids = _batch(args, url)
    return 0 if ids is None else _moved(
        "confirmed the new payee account of",
        confirm_payee_account(ids, user, note=args.note, url=url), user)


def _approve(args: argparse.Namespace, user: User, url: str) -> int:
    from planner.services.ledger import approve

    ids = _batch(args, url)
    return 0 if ids is None else _moved("approved", approve(ids, user, note=args.note,
                                                            url=url), user)


def _reject(args: argparse.Namespace, user: User, url: str) -> int:
    from planner.services.ledger import reject

    ids = _batch(args, url)
    return 0 if ids is None else _moved("rejected", reject(ids, user, args.reason, url=url),
                                        user)


def _publish(args: argparse.Namespace, user: User, url: str) -> int:
    from planner.ledger.workflow import NoticeCalendarWarning
    from planner.services.ledger import notice_working_days, publish_notice

    on = _day(args.on, "--on") or clock.today()
    ids = _batch(args, url)
    if ids is None:
        return 0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", NoticeCalendarWarning)
        ends = publish_notice(ids, user, on=on, url=url)
    _moved("published", len(ids), user)
    print(f"the notice runs from {on} to {ends} ({notice_working_days(url)} working days); "
          f"it can be closed from {ends + dt.timedelta(days=1)}")
    _show_warnings(caught, NoticeCalendarWarning)
    return 0


def _show_warnings(caught: list[warnings.WarningMessage], ours: type[Warning]) -> None:
    """Print our warnings; hand any other back to the warnings machinery."""
    for w in caught:
        if issubclass(w.category, ours):
            print(f"warning: {w.message}", file=sys.stderr)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


def _close(args: argparse.Namespace, user: User, url: str) -> int:
    from planner.services.ledger import close_notice

    on = _day(args.on, "--on") or clock.today()
    ids = _batch(args, url)
    if ids is None:
        return 0
    return _moved(f"closed on {on} the notice of", close_notice(ids, user, on=on, url=url),
                  user)


def _issue(args: argparse.Namespace, user: User, url: str) -> int:
    from planner.services.ledger import issue_payments

    if (args.ids is None) == (not args.all):
        raise InputError([problem("IDS", "problem.cli_ids_or_all")])
    ids = None if args.all else parse_ids(args.ids)
    issued = issue_payments(ids, user, url=url)
    if not issued:
        print("no payment to issue: every claim picked has a pending or paid payment")
        return 0
    print(f"issued {len(issued)} payment{'s' if len(issued) != 1 else ''} as {_who(user)}: "
          f"{', '.join(issued)}")
    return 0


def _make_batch(args: argparse.Namespace, user: User, url: str) -> int:
    from planner.services.ledger import batch_candidates, make_payment_batch

    lines = batch_candidates(url=url)
    if lines.empty:
        print("no payment batch to make: no payable line is waiting outside a batch")
        return 0
    total_fen = int(lines["amount_fen"].sum())
    what = (f"{len(lines)} line{'s' if len(lines) != 1 else ''}, {total_fen / 100:,.2f} yuan, "
            f"{lines['payee_id'].nunique()} payee(s)")
    if not args.yes:
        print(f"a new payment batch would hold {what}; they would become pending payments "
              "sent to the bank. Nothing was issued: add --yes to make it")
        return 0
    seen = {int(c): int(v) for c, v in zip(lines["claim_id"], lines["version"], strict=True)}
    made = make_payment_batch(user, seen=seen, url=url)
    if made.number is None:
        print(f"jobbus claims batch: refused: claim(s) {', '.join(map(str, made.flagged))} no "
              "longer match their entitlement and were flagged for review; no batch was made "
              "and nothing was issued — run again to batch the others", file=sys.stderr)
        return 2
    print(f"payment batch {made.number}: {made.lines} line{'s' if made.lines != 1 else ''}, "
          f"{made.total_fen / 100:,.2f} yuan issued as {_who(user)}, pending at the bank; "
          "its file: jobbus subsidies export finance --out FILE")
    return 0


def _pay(args: argparse.Namespace, user: User, url: str) -> int:
    from planner.services.ledger import record_payment

    (claim_id,) = _one_id(args.id)
    paid_on = _day(args.paid_on, "--paid-on") or clock.today()
    payment_id = record_payment(claim_id, user, paid_on=paid_on, url=url)
    print(f"claim {claim_id} paid on {paid_on} (payment {payment_id}) as {_who(user)}")
    return 0


def _resolve_exception(args: argparse.Namespace, user: User, url: str) -> int:
    from planner.services.ledger import payment_id_for, resolve_payment_exception

    (claim_id,) = _one_id(args.id, "problem.cli_one_claim_resolve")
    state = resolve_payment_exception(claim_id, user, args.outcome, args.note, url=url)
    if state == "paid":
        print(f"claim {claim_id}: the money arrived; its payment exception is cleared and it "
              f"stays paid ({_who(user)})")
    else:
        print(f"claim {claim_id}: the money did not arrive; payment {payment_id_for(claim_id)} "
              f"failed and the claim is back at {state} ({_who(user)}); issue it again with "
              f"`jobbus claims issue {claim_id}`")
    return 0


def _one_id(text: str, code: str = "problem.cli_one_claim") -> list[int]:
    ids = parse_ids(text, "ID")
    if len(ids) != 1:
        raise InputError([problem("ID", code, raw=repr(text))])
    return ids
