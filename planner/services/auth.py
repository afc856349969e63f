"""Users, roles and who may do what.

Rules implemented here:

- roles: ``operator`` (imports, computes claims), ``reviewer`` (reviews claims, records
  objections, confirms a payee's new bank account), ``approver`` (approves, publishes and
  closes notices), ``finance`` (issues and records payments, imports bank results),
  ``auditor`` (reads everything, changes nothing), ``admin`` (manages users and policies;
  takes no part in the claim workflow — separation of duties) and ``leader`` (a bus leader
  带队人: reads and acts only on the trips an operator assigned to them, see
  ``planner.services.movements.check_trip_action``);
- every action is checked here, in the service layer, whatever the UI shows: a role trying what
  it may not do gets ``PermissionDenied`` and nothing changes;
- permissions are live: every check re-reads the acting user's role and active flag from the
  ledger (``current_actor``), so a user deactivated or demoted while signed in loses the power
  at once (the app then signs them out, ``session_user``); a named user the ledger does not
  know may do nothing; system actors (``system:<role>``: the command line, the demo seed) are
  trusted as they are;
- passwords are stored only as argon2 hashes (argon2-cffi); inactive users cannot sign in;
- a password has at least 10 characters, does not contain the user name and scores at least
  3 of 4 with zxcvbn (``check_password``);
- sign-in back-off: 5 failures in a row for one user name (known or not), or 20 from one
  address, lock further sign-ins for 1 minute, doubling with each further failure up to 1 hour
  (``LoginLocked`` says until when; even the right password is refused meanwhile); failures are
  forgotten 15 minutes after the last one (or lock), and a success clears the user name's count;
- an unknown (or inactive) user name costs the same argon2 verification as a known one (a dummy
  hash), so timing does not tell which names exist;
- the first administrator is ``admin``, with the password from ``JOBBUS_ADMIN_PASSWORD`` or a
  generated one that is returned once so the caller can print it.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
from dataclasses import dataclass
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError

from planner.ledger import models as m
from planner.ledger.repository import UnitOfWork, row_dict
from planner.messages import msg
from planner.refusal import InvalidRequest, Refusal
from planner.services.context import Ledger, using


class Role(StrEnum):
    OPERATOR = "operator"
    REVIEWER = "reviewer"
    APPROVER = "approver"
    FINANCE = "finance"
    AUDITOR = "auditor"
    ADMIN = "admin"
    LEADER = "leader"


class PermissionDenied(Refusal):
    """The actor's role may not do this; nothing was changed. ``message`` says why."""


class LoginLocked(PermissionDenied):
    """Too many failed sign-ins: none is accepted before ``until`` (naive UTC)."""

    def __init__(self, until: dt.datetime, now: dt.datetime) -> None:
        self.until = until
        self.seconds = max(1, int((until - now).total_seconds() + 0.999))
        super().__init__(msg("refusal.login_locked", seconds=self.seconds,
                             until=f"{until:%H:%M:%S}"))


@dataclass(frozen=True, slots=True)
class User:
    """Who is acting: a signed-in user (or a named system actor such as the command line)."""

    username: str
    role: Role
    active: bool = True


#: action -> the roles that may do it. Reading lists and reports is open to every role but the
#: leader (who reads only their own trips: ``movements.check_trip_read``); the
#: finance list (full ID numbers) only to finance, auditor and admin, the masked public notice
#: to approver, finance, auditor and admin.
PERMISSIONS: dict[str, frozenset[Role]] = {
    "import": frozenset({Role.OPERATOR}),
    "save_plan": frozenset(Role),
    "dispatch_plan": frozenset({Role.OPERATOR}),
    "import_bank_results": frozenset({Role.FINANCE}),
    "compute_claims": frozenset({Role.OPERATOR}),
    "record_movement": frozenset({Role.OPERATOR}),
    "assign_leader": frozenset({Role.OPERATOR}),
    "review": frozenset({Role.REVIEWER}),
    "confirm_payee_account": frozenset({Role.REVIEWER}),
    "reject": frozenset({Role.REVIEWER, Role.APPROVER}),
    "approve": frozenset({Role.APPROVER}),
    "publish_notice": frozenset({Role.APPROVER}),
    "object": frozenset({Role.REVIEWER}),
    "close_notice": frozenset({Role.APPROVER}),
    "issue_payment": frozenset({Role.FINANCE}),
    "record_payment": frozenset({Role.FINANCE}),
    # a payment exception checked against the bank: finance, never who recorded that payment
    # paid or imported the bank file contradicting it (planner.services.payment_exceptions)
    "resolve_payment_exception": frozenset({Role.FINANCE}),
    "manage_users": frozenset({Role.ADMIN}),
    "manage_policies": frozenset({Role.ADMIN}),
    "export_finance_list": frozenset({Role.FINANCE, Role.AUDITOR, Role.ADMIN}),
    # a person's full ID number on screen: finance pays to it, the auditor checks, the admin
    # administers; every other role sees it masked (``claims.claims_seen_by``)
    "view_full_ids": frozenset({Role.FINANCE, Role.AUDITOR, Role.ADMIN}),
    "export_notice": frozenset({Role.APPROVER, Role.FINANCE, Role.AUDITOR, Role.ADMIN}),
    "export_returns": frozenset(Role) - {Role.LEADER},
}

#: The actor used by the command line and the demo seed: a local, trusted user of the database.
SYSTEM = "system"

_hasher = PasswordHasher()
_USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{2,64}$")

#: Password rules: at least this many characters and this zxcvbn score (0-4).
MIN_PASSWORD_LENGTH = 10
MIN_PASSWORD_SCORE = 3
#: Sign-in back-off: failures in a row before a lock, per scope; first lock, longest lock, and
#: how long after the last failure (or lock) the count is forgotten.
LOCK_AFTER = {"user": 5, "address": 20}
FIRST_LOCK = dt.timedelta(minutes=1)
LONGEST_LOCK = dt.timedelta(hours=1)
FORGET_AFTER = dt.timedelta(minutes=15)

_dummy: tuple[PasswordHasher, str] | None = None


def is_system_actor(actor: User) -> bool:
    """Whether ``actor`` is the trusted command line or demo seed (``system:<role>``)."""
    return actor.username == SYSTEM or actor.username.startswith(f"{SYSTEM}:")


def current_actor(actor: User, uow: UnitOfWork) -> User:
    """``actor`` as the ledger knows it now (role and active flag re-read in ``uow``'s
    transaction); system actors as they are.

    Raises
    ------
    PermissionDenied
        The ledger has no user of that name.
    """
    if is_system_actor(actor):
        return actor
    row = uow.repo.user(actor.username)
    if row is None:
        raise PermissionDenied(msg("refusal.no_user", user=actor.username))
    return User(row.username, Role(row.role), bool(row.active))


def session_user(user: User, *, url: str | None = None,
                 ledger: Ledger | None = None) -> User | None:
    """The signed-in ``user`` if the ledger still has them active in the same role, else
    ``None`` (the app then signs them out)."""
    with using(url, ledger).uow() as uow:
        try:
            live = current_actor(user, uow)
        except PermissionDenied:
            return None
    return live if live.active and live.role == user.role else None


def check_permission(actor: User, action: str, url: str | None = None,
                     *, ledger: Ledger | None = None) -> User:
    """Raise ``PermissionDenied`` unless ``actor`` may do ``action`` now.

    Parameters
    ----------
    actor
        Who is acting; a named user's role and active flag are re-read from the ledger.
    action
        A key of ``PERMISSIONS``.
    url
        Ledger URL (default: ``default_database_url()``).

    Returns
    -------
    User
        The actor as the ledger knows it now.
    """
    if not is_system_actor(actor):
        with using(url, ledger).uow() as uow:
            actor = current_actor(actor, uow)
    _require(actor, action)
    return actor


def _require(actor: User, action: str) -> None:
    allowed = PERMISSIONS[action]
    if not actor.active:
        raise PermissionDenied(msg("refusal.inactive", user=actor.username))
    if actor.role not in allowed:
        raise PermissionDenied(msg(
            "refusal.role_needed", user=actor.username, role=msg(f"role.{actor.role}"),
            action=msg(f"action.{action}"), roles=[msg(f"role.{r}") for r in sorted(allowed)]))


def system_actor(role: Role | str) -> User:
    """The command line acting in ``role`` (audit entries name it ``system:<role>``)."""
    role = Role(role)
    return User(username=f"{SYSTEM}:{role.value}", role=role)


def hash_password(password: str) -> str:
    """An argon2 hash of ``password``."""
    return _hasher.hash(password)


def check_password(password: str, username: str) -> None:
    """Raise ``ValueError`` unless ``password`` is strong enough for ``username``: at least
    ``MIN_PASSWORD_LENGTH`` characters, not containing the user name, and a zxcvbn score of at
    least ``MIN_PASSWORD_SCORE`` (of 4)."""
    from zxcvbn import zxcvbn

    if len(password.strip()) < MIN_PASSWORD_LENGTH:
        raise InvalidRequest(msg("refusal.password_short", min=MIN_PASSWORD_LENGTH))
    if username and username.casefold() in password.casefold():
        raise InvalidRequest(msg("refusal.password_has_name"))
    result = zxcvbn(password[:100], user_inputs=[username, "jobbus"])
    if result["score"] < MIN_PASSWORD_SCORE:
        warning = result.get("feedback", {}).get("warning") or "add more unusual words"
        raise InvalidRequest(msg("refusal.password_weak", score=result["score"],
                                 need=MIN_PASSWORD_SCORE, hint=warning))


def add_user(
    username: str,
    password: str,
    role: Role | str,
    *,
    actor: User | None = None,
    url: str | None = None,
    ledger: Ledger | None = None,
) -> User:
    """Create a user.

    Parameters
    ----------
    username, password, role
        The new user; the password must pass ``check_password``.
    actor
        An administrator (``None``: the command line, trusted).
    url
        Ledger URL (default: ``default_database_url()``).

    Returns
    -------
    User

    Raises
    ------
    PermissionDenied
        ``actor`` is not an administrator.
    ValueError
        Bad name, short password, unknown role or a name already taken.
    """
    if actor is not None:
        actor = check_permission(actor, "manage_users", url, ledger=ledger)
    role = _role(role)
    if not _USERNAME.match(username):
        raise InvalidRequest(msg("refusal.bad_username", user=username))
    check_password(password, username)
    with using(url, ledger).uow() as uow:
        if uow.repo.user(username) is not None:
            raise InvalidRequest(msg("refusal.user_exists", user=username))
        row = m.User(username=username, password_hash=hash_password(password), role=role.value)
        uow.repo.add(row)
        uow.session.flush()
        who = actor.username if actor else SYSTEM
        uow.repo.audit(who, "user", username, "add_user", None, _public(row))
        uow.commit()
    return User(username=username, role=role)


def authenticate(
    username: str, password: str, *, url: str | None = None, address: str | None = None,
    ledger: Ledger | None = None
) -> User | None:
    """The user if the password is right and the user is active, else ``None``.

    Parameters
    ----------
    username, password
        What was typed.
    url
        Ledger URL.
    address
        The client's network address, when known (its failures are counted too).

    Raises
    ------
    LoginLocked
        Too many failures in a row for this name or address; nothing was checked.
    """
    from planner.ledger.models import utcnow

    now = utcnow()
    keys = _throttle_keys(username, address)
    with using(url, ledger).uow() as uow:
        _refuse_if_locked(uow, keys, now)
        row = uow.repo.user(username) if _USERNAME.match(username) else None
        stored = row.password_hash if row is not None else _dummy_hash()
        try:
            _hasher.verify(stored, password)
            right = row is not None and bool(row.active)
        except (VerificationError, InvalidHashError):
            right = False
        if not right or row is None:
            uow.rollback()
        else:
            uow.session.execute(delete(m.LoginThrottle).where(
                m.LoginThrottle.scope == "user", m.LoginThrottle.key == username))
            if _hasher.check_needs_rehash(row.password_hash):
                row.password_hash = hash_password(password)
            uow.commit()
            return User(username=row.username, role=Role(row.role), active=row.active)
    _record_failure(url, keys, now, ledger=ledger)
    return None


def _dummy_hash() -> str:
    """A hash of a random password made with the current hasher (for unknown names)."""
    global _dummy
    if _dummy is None or _dummy[0] is not _hasher:
        _dummy = (_hasher, _hasher.hash(secrets.token_urlsafe(16)))
    return _dummy[1]


def _throttle_keys(username: str, address: str | None) -> list[tuple[str, str]]:
    keys = [("user", username[:128])]
    if address:
        keys.append(("address", address[:128]))
    return keys


def _throttles(uow: UnitOfWork, keys: list[tuple[str, str]]) -> list[m.LoginThrottle]:
    wanted = [(m.LoginThrottle.scope == scope) & (m.LoginThrottle.key == key)
              for scope, key in keys]
    return list(uow.session.scalars(select(m.LoginThrottle).where(or_(*wanted))))


def _refuse_if_locked(uow: UnitOfWork, keys: list[tuple[str, str]], now: dt.datetime) -> None:
    locks = [t.locked_until for t in _throttles(uow, keys)
             if t.locked_until is not None and t.locked_until > now]
    if locks:
        raise LoginLocked(max(locks), now)


def _record_failure(url: str | None, keys: list[tuple[str, str]], now: dt.datetime,
                    *, ledger: Ledger | None = None) -> None:
    """Count one failed sign-in for each key (a lost insert race is retried once)."""
    for attempt in (1, 2):
        with using(url, ledger).uow() as uow:
            uow.session.execute(delete(m.LoginThrottle).where(
                m.LoginThrottle.last_failure_at < now - dt.timedelta(days=1),
                or_(m.LoginThrottle.locked_until.is_(None), m.LoginThrottle.locked_until < now)))
            found = {(t.scope, t.key): t for t in _throttles(uow, keys)}
            for scope, key in keys:
                row = found.get((scope, key))
                if row is None:
                    row = m.LoginThrottle(scope=scope, key=key, failures=0)
                    uow.repo.add(row)
                _count_failure(uow, row, now)
            try:
                uow.commit()
                return
            except IntegrityError:
                if attempt == 2:
                    raise


def _count_failure(uow: UnitOfWork, row: m.LoginThrottle, now: dt.datetime) -> None:
    last = max(row.last_failure_at or now, row.locked_until or now)
    if row.failures and now - last > FORGET_AFTER:
        row.failures = 0
    row.failures += 1
    row.last_failure_at = now
    over = row.failures - LOCK_AFTER[row.scope]
    if over >= 0:
        row.locked_until = now + min(FIRST_LOCK * 2 ** min(over, 12), LONGEST_LOCK)
        uow.repo.audit(SYSTEM, "login", row.key[:64], "locked", None,
                       {"scope": row.scope, "failures": row.failures,
                        "locked_until": row.locked_until.isoformat()})


def ensure_admin(password: str | None = None, *, url: str | None = None,
                 ledger: Ledger | None = None) -> str | None:
    """Make sure an administrator exists; create ``admin`` if none does.

    Parameters
    ----------
    password
        The password for ``admin``; ``None``: ``JOBBUS_ADMIN_PASSWORD`` or a generated one.
        A weak password is refused (``ValueError``; the variable is named when it came from
        there).
    url
        Ledger URL.

    Returns
    -------
    str or None
        The generated password (print it once), or ``None`` if nothing was generated (an
        administrator existed, or the password was given).
    """
    with using(url, ledger).uow() as uow:
        for row in uow.repo.users():
            if row.role == Role.ADMIN and row.active:
                return None
        if uow.repo.user("admin") is not None:
            return None
    given = password or os.environ.get("JOBBUS_ADMIN_PASSWORD")
    generated = None if given else secrets.token_urlsafe(12)
    if not password and given:
        check_admin_password(given)
    add_user("admin", given or generated or "", Role.ADMIN, url=url, ledger=ledger)
    return generated


def check_admin_password(password: str) -> None:
    """Raise ``ValueError`` naming ``JOBBUS_ADMIN_PASSWORD`` if it is too weak for ``admin``."""
    try:
        check_password(password, "admin")
    except InvalidRequest as exc:
        raise InvalidRequest(msg("refusal.admin_password", why=exc.message)) from None


def list_users(*, url: str | None = None, ledger: Ledger | None = None) -> list[User]:
    """Every user, by name."""
    with using(url, ledger).uow() as uow:
        return [User(r.username, Role(r.role), r.active) for r in uow.repo.users()]


def set_active(
    username: str, active: bool, *, actor: User | None = None, url: str | None = None,
    ledger: Ledger | None = None
) -> None:
    """Enable or disable a user (administrators only)."""
    _change_user(username, actor, url, active=active, ledger=ledger)


def set_password(
    username: str, password: str, *, actor: User | None = None, url: str | None = None,
    ledger: Ledger | None = None
) -> None:
    """Set a user's password (administrators only, or the user themself)."""
    check_password(password, username)
    if actor is not None and actor.username == username:
        actor = None  # anyone may change their own password
    _change_user(username, actor, url, password_hash=hash_password(password), ledger=ledger)


def set_role(
    username: str, role: Role | str, *, actor: User | None = None, url: str | None = None,
    ledger: Ledger | None = None
) -> None:
    """Change a user's role (administrators only)."""
    _change_user(username, actor, url, role=_role(role).value, ledger=ledger)


def _change_user(username: str, actor: User | None, url: str | None,
                 ledger: Ledger | None = None, **changes: object) -> None:
    with using(url, ledger).uow() as uow:
        if actor is not None:
            actor = current_actor(actor, uow)
            _require(actor, "manage_users")
        row = uow.repo.user(username)
        if row is None:
            raise InvalidRequest(msg("refusal.unknown_user", user=username))
        before = _public(row)
        for name, value in changes.items():
            setattr(row, name, value)
        uow.repo.audit(actor.username if actor else SYSTEM, "user", username, "change_user",
                       before, _public(row))
        uow.commit()


def _public(row: m.User) -> dict[str, object]:
    return row_dict(row, ("username", "role", "active"))


def _role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise InvalidRequest(msg("refusal.unknown_role", role=str(role),
                                 roles=", ".join(r.value for r in Role))) from None
