"""Policy use cases: store policy versions, put one in force, read the one in force.

Rules implemented here:

- only an administrator (or the trusted command line, ``actor=None``) stores or activates a
  policy; a scenario's policy.toml is stored as a draft, never made active;
- the same text stored twice is one version; a different text under the same name and start
  date is refused unless it states the same rules.
"""

from __future__ import annotations

import hashlib
import tomllib
from typing import Any

import pandas as pd
from sqlalchemy import select

from planner.ledger import models as m
from planner.ledger.repository import LedgerRepository, row_dict
from planner.problems import InputError, problem
from planner.services.auth import (
    User,
    check_permission,
)
from planner.services.context import Ledger, using


def _policy_module() -> Any:
    import planner.subsidies as subsidies

    return subsidies


def _store_policy(repo: LedgerRepository, policy: Any, actor: str, source: str) -> str | None:
    text = _policy_module().policy_to_toml(policy)
    sha = hashlib.sha256(text.encode()).hexdigest()
    for version in repo.policy_versions():
        if version.sha256 == sha:
            return None
        if version.name == policy.name and version.valid_from == policy.valid_from:
            return (f"policy {policy.name!r} from {policy.valid_from} is already stored with "
                    f"different rules; kept the stored one")
    # only an administrator activates a policy: the scenario's is kept as a draft
    row = m.PolicyVersion(name=policy.name, valid_from=policy.valid_from, toml_text=text,
                          sha256=sha, active=False, created_by=actor)
    repo.add(row)
    repo.session.flush()
    repo.audit(actor, "policy", row.id, "add_policy", None,
               row_dict(row, ("name", "valid_from", "active", "sha256")))
    return (f"stored policy {policy.name!r} as draft version {row.id}, not in force; "
            "an administrator activates it")


def add_policy_version(
    toml_text: str,
    actor: User | None = None,
    *,
    file_name: str = "policy.toml",
    activate: bool = True,
    url: str | None = None,
    ledger: Ledger | None = None,
) -> int:
    """Store a policy (TOML text, checked by the rule engine) as a new version.

    Parameters
    ----------
    toml_text
        The policy file's text.
    actor
        An administrator (``None``: the command line).
    file_name
        Named in problems.
    activate
        Make it the active policy (others are deactivated).
    url
        Ledger URL.

    Returns
    -------
    int
        The policy version's id (an existing one if the same text is stored already).
    """
    if actor is not None:
        check_permission(actor, "manage_policies", url, ledger=ledger)
    who = actor.username if actor else "system"
    policy = _policy_module().parse_policy(toml_text, file_name)
    sha = hashlib.sha256(toml_text.encode()).hexdigest()
    with using(url, ledger).uow() as uow:
        row = uow.session.scalars(
            select(m.PolicyVersion).where(m.PolicyVersion.sha256 == sha)
        ).first()
        if row is None:
            clash: m.PolicyVersion | None = uow.session.scalars(
                select(m.PolicyVersion).where(
                    m.PolicyVersion.name == policy.name,
                    m.PolicyVersion.valid_from == policy.valid_from,
                )
            ).first()
            if clash is not None and _same_rules(clash, policy):
                row = clash  # the same rules, written differently (e.g. a scenario's draft)
            elif clash is not None:
                raise InputError([problem(file_name, "problem.policy_clash", name=policy.name,
                                          valid_from=str(policy.valid_from))])
            else:
                row = m.PolicyVersion(name=policy.name, valid_from=policy.valid_from,
                                      toml_text=toml_text, sha256=sha, active=False,
                                      created_by=who)
                uow.repo.add(row)
                uow.session.flush()
                uow.repo.audit(who, "policy", row.id, "add_policy", None,
                               row_dict(row, ("name", "valid_from", "sha256")))
        if activate and not row.active:
            for other in uow.repo.policy_versions():
                if other.active:
                    other.active = False
            row.active = True
            uow.repo.audit(who, "policy", row.id, "activate_policy", {"active": False},
                           {"active": True})
        uow.commit()
        return row.id


def activate_policy(version_id: int, actor: User | None = None, *,
                    url: str | None = None, ledger: Ledger | None = None) -> None:
    """Put a stored policy version (e.g. a scenario's draft) in force (administrators; ``None``:
    the command line); the others are deactivated."""
    if actor is not None:
        check_permission(actor, "manage_policies", url, ledger=ledger)
    who = actor.username if actor else "system"
    with using(url, ledger).uow() as uow:
        versions = uow.repo.policy_versions()
        row = next((v for v in versions if v.id == version_id), None)
        if row is None:
            raise InputError([problem("policy", "problem.no_policy_version", id=version_id)])
        if row.active:
            return
        for other in versions:
            other.active = False
        row.active = True
        uow.repo.audit(who, "policy", row.id, "activate_policy", {"active": False},
                       {"active": True})
        uow.commit()


def policy_versions(*, url: str | None = None, ledger: Ledger | None = None) -> pd.DataFrame:
    """Stored policy versions, newest first: id, name, title (the Chinese title in the file,
    or ""), valid_from, active, created_at, created_by."""
    with using(url, ledger).uow() as uow:
        rows = [{**row_dict(v, ("id", "name", "valid_from", "active", "created_at",
                                "created_by")), "title": _policy_title(v.toml_text)}
                for v in uow.repo.policy_versions()]
    return pd.DataFrame(rows, columns=["id", "name", "title", "valid_from", "active",
                                       "created_at", "created_by"])


def _policy_title(toml_text: str) -> str:
    """The ``title`` a stored policy text gives (``""`` if none or unreadable)."""
    try:
        return str(tomllib.loads(toml_text).get("title", ""))
    except tomllib.TOMLDecodeError:
        return ""


def _same_rules(row: m.PolicyVersion, policy: Any) -> bool:
    try:
        return bool(_policy_module().parse_policy(row.toml_text, f"{row.name}.toml") == policy)
    except InputError:
        return False


def load_active_policy(url: str | None = None,
                       *, ledger: Ledger | None = None) -> tuple[int, Any] | None:
    """The active policy version's id and parsed ``Policy``, or ``None`` if none is stored."""
    with using(url, ledger).uow() as uow:
        row = uow.repo.active_policy()
        if row is None:
            return None
        return row.id, _policy_module().parse_policy(row.toml_text, f"{row.name}.toml")


def ensure_default_policy(url: str | None = None, *, ledger: Ledger | None = None) -> int:
    """Store and activate the shipped default policy (shangyu-2020) if no policy is active."""
    found = load_active_policy(url, ledger=ledger)
    if found is not None:
        return found[0]
    from planner.paths import DATA_DIR

    path = DATA_DIR / "policies" / "shangyu-2020.toml"
    return add_policy_version(path.read_text(encoding="utf-8"), None, file_name=path.name,
                              url=url, ledger=ledger)
