"""The subsidy policy as data: flatten a policy's TOML to rows a person can edit, and back.

Rules implemented:

- every setting is one row ``setting`` (dotted path: ``self_return.tiers.other``,
  ``sending_area.bands.2.amount``) and ``value`` (text as TOML would show it);
- editing keeps each setting's type (a yes/no stays a boolean, an amount a number, a date a
  date); a value that cannot be read as that type is reported with its setting's name;
- the edited rows become a new TOML text, handed to the ledger service, which parses and checks
  it with the rule engine and stores it as a new version (the old ones stay).
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from typing import Any

import pandas as pd

from planner.services import policies


def flatten(data: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """``[(dotted setting, scalar value)]`` in file order (lists of tables by index)."""
    out: list[tuple[str, Any]] = []
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            out.extend(flatten(value, f"{path}."))
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for i, item in enumerate(value):
                out.extend(flatten(item, f"{path}.{i}."))
        else:
            out.append((path, value))
    return out


def show(value: Any) -> str:
    """A value as text: ``true``/``false``, ISO dates, lists comma-separated."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return ", ".join(show(v) for v in value)
    return str(value)


def help_key(setting: str) -> str:
    """The catalogue key explaining a setting (list positions become ``n``)."""
    return "policy_help." + re.sub(r"\.\d+(?=\.|$)", ".n", setting)


def policy_rows(toml_text: str) -> pd.DataFrame:
    """A policy's settings as a table: ``setting``, ``meaning`` (translated), ``value`` (text)."""
    from ui.i18n import has, t

    data = tomllib.loads(toml_text)
    rows = []
    for setting, value in flatten(data):
        key = help_key(setting)
        rows.append({"setting": setting, "meaning": t(key) if has(key) else "",
                     "value": show(value)})
    return pd.DataFrame(rows, columns=["setting", "meaning", "value"])


def _parse_like(original: Any, text: str, setting: str) -> Any:
    text = text.strip()
    try:
        if isinstance(original, bool):
            low = text.lower()
            if low in ("true", "yes", "1", "是"):
                return True
            if low in ("false", "no", "0", "否"):
                return False
            raise ValueError(text)
        if isinstance(original, int):
            return int(text.replace(",", ""))
        if isinstance(original, float):
            return float(text.replace(",", ""))
        if isinstance(original, dt.date):
            return dt.date.fromisoformat(text)
        if isinstance(original, list):
            items = [s.strip() for s in text.split(",") if s.strip()]
            sample = original[0] if original else ""
            return [_parse_like(sample, s, setting) for s in items]
    except ValueError:
        raise ValueError(f"{setting}: {text!r} is not a {type(original).__name__}") from None
    return text


def _assign(data: dict[str, Any], path: list[str], value: Any) -> None:
    node: Any = data
    for part in path[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    last = path[-1]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value


def rows_to_toml(original_text: str, rows: pd.DataFrame) -> str:
    """The TOML text of the original policy with the edited values.

    Raises
    ------
    ValueError
        A value cannot be read as its setting's type, or a setting is unknown.
    """
    import tomli_w

    data = tomllib.loads(original_text)
    known = dict(flatten(data))
    for setting, value in zip(rows["setting"], rows["value"], strict=True):
        if setting not in known:
            raise ValueError(f"{setting}: not a setting of this policy")
        if show(known[setting]) == str(value):
            continue
        _assign(data, str(setting).split("."), _parse_like(known[setting], str(value), setting))
    return tomli_w.dumps(data)


def versions_panel(url: str, user: Any) -> None:
    """Every stored policy version (the one in force marked); an administrator may put a draft
    in force — e.g. the policy a scenario import stored as a draft."""
    import streamlit as st

    from ui import backend, fmt
    from ui.auth import may
    from ui.i18n import t

    versions = policies.policy_versions(url=url)
    if versions.empty:
        return
    drafts = versions[~versions["active"].astype(bool)]
    st.markdown(t("settings.versions"))
    st.dataframe(pd.DataFrame({
        t("settings.version"): versions["id"].astype(int),
        t("settings.policy_name"): versions["name"],
        t("settings.valid_from"): [fmt.date(d) for d in versions["valid_from"]],
        t("settings.in_force"): [t("common.yes") if a else "" for a in versions["active"]],
        t("history.actor"): versions["created_by"],
    }), hide_index=True, width="stretch", key="set_policy_versions")
    if drafts.empty or not may("manage_policies"):
        return
    names = {int(r.id): f"{r.id} · {r.name}" for r in drafts.itertuples()}
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    pick = c1.selectbox(t("settings.activate_pick"), list(names), format_func=names.__getitem__,
                        key="set_policy_activate_pick")
    if c2.button(t("settings.activate"), key="set_policy_activate") and backend.attempt(
        policies.activate_policy, int(pick), user, url=url
    ):
        backend.ledger_changed()
        st.success(t("settings.activated", version=pick))
