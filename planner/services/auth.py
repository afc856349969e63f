"""Users, roles and who may do what.

Rules implemented here:

- roles: ``operator`` (imports, computes claims), ``reviewer`` (reviews claims, records
  objections), ``approver`` (approves, publishes and closes notices), ``finance`` (issues and
  records payments, imports bank results), ``auditor`` (reads everything, changes nothing) and
  ``admin`` (manages users and policies; takes no part in the claim workflow — separation of
  duties);
- every action is checked here, in the service layer, whatever the UI shows: a role trying what
  it may not do gets ``PermissionDenied`` and nothing changes;
- passwords are stored only as argon2 hashes (argon2-cffi); inactive users cannot sign in;
- the first administrator is ``admin``, with the password from ``JOBBUS_ADMIN_PASSWORD`` or a
  generated one that is returned once so the caller can print it.
"""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from planner.ledger import models as m
from planner.ledger.repository import UnitOfWork, row_dict


class Role(StrEnum):
    OPERATOR = "operator"
    REVIEWER = "reviewer"
    APPROVER = "approver"
    FINANCE = "finance"
    AUDITOR = "auditor"
    ADMIN = "admin"


class PermissionDenied(Exception):
    """The actor's role may not do this; nothing was changed."""


@dataclass(frozen=True, slots=True)
class User:
    """Who is acting: a signed-in user (or a named system actor such as the command line)."""

    username: str
    role: Role
    active: bool = True


#: action -> the roles that may do it. Reading (lists, exports, reports) is open to every role.
PERMISSIONS: dict[str, frozenset[Role]] = {
    "import": frozenset({Role.OPERATOR}),
    "save_plan": frozenset(Role),
    "dispatch_plan": frozenset({Role.OPERATOR}),
    "import_bank_results": frozenset({Role.FINANCE}),
    "compute_claims": frozenset({Role.OPERATOR}),
    "review": frozenset({Role.REVIEWER}),
    "reject": frozenset({Role.REVIEWER, Role.APPROVER}),
    "approve": frozenset({Role.APPROVER}),
    "publish_notice": frozenset({Role.APPROVER}),
    "object": frozenset({Role.REVIEWER}),
    "close_notice": frozenset({Role.APPROVER}),
    "issue_payment": frozenset({Role.FINANCE}),
    "record_payment": frozenset({Role.FINANCE}),
    "manage_users": frozenset({Role.ADMIN}),
    "manage_policies": frozenset({Role.ADMIN}),
}

#: The actor used by the command line and the demo seed: a local, trusted user of the database.
SYSTEM = "system"

_hasher = PasswordHasher()
_USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{2,64}$")


def check_permission(actor: User, action: str) -> None:
    """Raise ``PermissionDenied`` unless ``actor`` may do ``action``.

    Parameters
    ----------
    actor
        Who is acting.
    action
        A key of ``PERMISSIONS``.
    """
    allowed = PERMISSIONS[action]
    if not actor.active:
        raise PermissionDenied(f"user {actor.username!r} is inactive")
    if actor.role not in allowed:
        roles = ", ".join(sorted(allowed))
        raise PermissionDenied(
            f"{actor.username} ({actor.role}) may not {action.replace('_', ' ')}; "
            f"that needs the role {roles}"
        )


def system_actor(role: Role | str) -> User:
    """The command line acting in ``role`` (audit entries name it ``system:<role>``)."""
    role = Role(role)
    return User(username=f"{SYSTEM}:{role.value}", role=role)


def hash_password(password: str) -> str:
    """An argon2 hash of ``password``."""
    return _hasher.hash(password)


def add_user(
    username: str,
    password: str,
    role: Role | str,
    *,
    actor: User | None = None,
    url: str | None = None,
) -> User:
    """Create a user.

    Parameters
    ----------
    username, password, role
        The new user; the password must have at least 8 characters.
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
        check_permission(actor, "manage_users")
    role = _role(role)
    if not _USERNAME.match(username):
        raise ValueError(f"username {username!r}: use 2-64 letters, digits, _ . @ -")
    if len(password) < 8:
        raise ValueError("password: at least 8 characters")
    with UnitOfWork(url) as uow:
        if uow.repo.user(username) is not None:
            raise ValueError(f"user {username!r} already exists")
        row = m.User(username=username, password_hash=hash_password(password), role=role.value)
        uow.repo.add(row)
        uow.session.flush()
        who = actor.username if actor else SYSTEM
        uow.repo.audit(who, "user", username, "add_user", None, _public(row))
        uow.commit()
    return User(username=username, role=role)


def authenticate(username: str, password: str, *, url: str | None = None) -> User | None:
    """The user if the password is right and the user is active, else ``None``."""
    with UnitOfWork(url) as uow:
        row = uow.repo.user(username)
        if row is None or not row.active:
            return None
        try:
            _hasher.verify(row.password_hash, password)
        except (VerificationError, InvalidHashError):
            return None
        if _hasher.check_needs_rehash(row.password_hash):
            row.password_hash = hash_password(password)
            uow.commit()
        return User(username=row.username, role=Role(row.role), active=row.active)


def ensure_admin(password: str | None = None, *, url: str | None = None) -> str | None:
    """Make sure an administrator exists; create ``admin`` if none does.

    Parameters
    ----------
    password
        The password for ``admin``; ``None``: ``JOBBUS_ADMIN_PASSWORD`` or a generated one.
    url
        Ledger URL.

    Returns
    -------
    str or None
        The generated password (print it once), or ``None`` if nothing was generated (an
        administrator existed, or the password was given).
    """
    with UnitOfWork(url) as uow:
        for row in uow.repo.users():
            if row.role == Role.ADMIN and row.active:
                return None
        if uow.repo.user("admin") is not None:
            return None
    given = password or os.environ.get("JOBBUS_ADMIN_PASSWORD")
    generated = None if given else secrets.token_urlsafe(12)
    add_user("admin", given or generated or "", Role.ADMIN, url=url)
    return generated


def list_users(*, url: str | None = None) -> list[User]:
    """Every user, by name."""
    with UnitOfWork(url) as uow:
        return [User(r.username, Role(r.role), r.active) for r in uow.repo.users()]


def set_active(
    username: str, active: bool, *, actor: User | None = None, url: str | None = None
) -> None:
    """Enable or disable a user (administrators only)."""
    _change_user(username, actor, url, active=active)


def set_password(
    username: str, password: str, *, actor: User | None = None, url: str | None = None
) -> None:
    """Set a user's password (administrators only, or the user themself)."""
    if len(password) < 8:
        raise ValueError("password: at least 8 characters")
    if actor is not None and actor.username == username:
        actor = None  # anyone may change their own password
    _change_user(username, actor, url, password_hash=hash_password(password))


def set_role(
    username: str, role: Role | str, *, actor: User | None = None, url: str | None = None
) -> None:
    """Change a user's role (administrators only)."""
    _change_user(username, actor, url, role=_role(role).value)


def _change_user(username: str, actor: User | None, url: str | None, **changes: object) -> None:
    if actor is not None:
        check_permission(actor, "manage_users")
    with UnitOfWork(url) as uow:
        row = uow.repo.user(username)
        if row is None:
            raise ValueError(f"no user {username!r}")
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
        raise ValueError(
            f"role {role!r}: choose one of {', '.join(r.value for r in Role)}"
        ) from None
