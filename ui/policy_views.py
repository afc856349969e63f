"""The subsidy policy as data: flatten a policy's TOML to rows a person can edit, and back.

Rules implemented:

- every setting is one row: ``setting`` (its name in the session's language, "section ·
  item", e.g. 自行返岗补贴 · 其他地区), ``meaning`` and ``value`` (as people write it: 是/否,
  ``800.00 元``, ISO dates, a code's name such as 按地区); the rows keep the file's order,
  which is how an edited row finds its dotted setting (``self_return.tiers.other``) again;
- editing keeps each setting's type (a yes/no stays a boolean, an amount a number, a date a
  date, a code one of its codes); a value that cannot be read as that type is reported with its
  setting's name, in the session's language;
- the edited rows become a new TOML text, handed to the ledger service, which parses and checks
  it with the rule engine and stores it as a new version (the old ones stay);
- a policy is shown by its Chinese ``title`` in Chinese when the file has one, else its name.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from typing import Any

import pandas as pd

from planner.services import policies
from ui.i18n import catalogue, has, t

#: settings whose value is one of a few codes (``policy_value.<code>`` names each)
CODES: dict[str, tuple[str, ...]] = {
    "basis": ("region", "distance"),
    "payee": ("person", "employer", "agency", "government"),
    "mode": ("headcount_growth", "per_recruit"),
    "level": ("county", "prefecture", "province"),
    "currency": ("CNY", "RMB", "yuan"),
    "rounding": ("ROUND_HALF_UP", "ROUND_HALF_EVEN", "ROUND_HALF_DOWN", "ROUND_DOWN",
                 "ROUND_UP", "ROUND_FLOOR", "ROUND_CEILING"),
}
_YUAN_KEYS = {"amount", "amount_per_head", "amount_per_person", "unmet_penalty"}


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


def help_key(setting: str) -> str:
    """The catalogue key explaining a setting (list positions become ``n``)."""
    return "policy_help." + re.sub(r"\.\d+(?=\.|$)", ".n", setting)


def _generic(setting: str, value: Any) -> str:
    """The setting's key with list positions as ``n`` (an empty list of tables as ``n.all``)."""
    key = re.sub(r"\.\d+(?=\.|$)", ".n", setting)
    return f"{key}.n.all" if value == [] else key


def setting_label(setting: str, value: Any = None) -> str:
    """A setting's name for people: "section · item" (``自行返岗补贴 · 其他地区``)."""
    parts = setting.split(".")
    section = parts[0] if len(parts) > 1 else "general"
    key = "policy_label." + _generic(setting, value)
    index = next((int(p) + 1 for p in parts if p.isdigit()), 1)
    item = t(key, n=index) if has(key) else setting
    return f"{t('policy_section.' + section)} · {item}" if has("policy_section." + section) \
        else item


def _meaning(setting: str, value: Any) -> str:
    key = "policy_help." + _generic(setting, value)
    return t(key) if has(key) else ""


def _leaf(setting: str) -> str:
    return setting.rsplit(".", 1)[-1]


def _is_yuan(setting: str) -> bool:
    leaf = _leaf(setting)
    return leaf in _YUAN_KEYS or leaf.startswith("cap_per_") or ".tiers." in setting


def _code_label(code: str) -> str:
    key = "policy_value." + ("yuan_currency" if code == "yuan" else code)
    return t(key) if has(key) else code


def show(value: Any, setting: str = "") -> str:
    """A value as people read it: 是/否, ``800.00 元``, ISO dates, a code's name, lists
    comma-separated (``无`` when empty)."""
    if isinstance(value, bool):
        return t("common.yes") if value else t("common.no")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return ", ".join(show(v) for v in value) if value else t("policy_value.none")
    if isinstance(value, int | float) and _is_yuan(setting):
        return t("policy_value.yuan", amount=f"{value:,.2f}")
    if isinstance(value, str) and _leaf(setting) in CODES:
        return _code_label(value)
    return str(value)


def policy_rows(toml_text: str) -> pd.DataFrame:
    """A policy's settings as a table: ``setting`` (its name), ``meaning``, ``value`` (text)."""
    data = tomllib.loads(toml_text)
    rows = [{"setting": setting_label(setting, value), "meaning": _meaning(setting, value),
             "value": show(value, setting)} for setting, value in flatten(data)]
    return pd.DataFrame(rows, columns=["setting", "meaning", "value"])


def policy_title(name: str, title: str | None, lang: str) -> str:
    """How a policy is named on screen: its Chinese ``title`` in Chinese if it has one."""
    return str(title) if lang == "zh" and title else name


def _words(key: str) -> set[str]:
    """A catalogue text in every language, lower-cased (what a user may type for it)."""
    return {catalogue(lang).get(key, "").strip().lower() for lang in ("zh", "en")} - {""}


def _code_from(text: str, setting: str) -> str:
    for code in CODES[_leaf(setting)]:
        label = "policy_value." + ("yuan_currency" if code == "yuan" else code)
        if text.lower() in {code.lower(), *_words(label)}:
            return code
    raise ValueError(" / ".join(_code_label(c) for c in CODES[_leaf(setting)]))


def _number_text(text: str) -> str:
    """An amount as typed, without thousands separators or the word for yuan."""
    for word in ("元", "yuan"):
        text = text.replace(word, "")
    return text.replace(",", "").replace("，", "").strip()


def _parse_like(original: Any, text: str, setting: str) -> Any:
    text = text.strip()
    if isinstance(original, bool):
        if text.lower() in {"true", "yes", "1"} | _words("common.yes"):
            return True
        if text.lower() in {"false", "no", "0"} | _words("common.no"):
            return False
        raise ValueError(f"{t('common.yes')} / {t('common.no')}")
    if isinstance(original, int):
        return int(_number_text(text))
    if isinstance(original, float):
        return float(_number_text(text))
    if isinstance(original, dt.date):
        return dt.date.fromisoformat(text)
    if isinstance(original, list):
        if text.lower() in _words("policy_value.none") | {""}:
            return []
        items = [s.strip() for s in re.split(r"[,，、]", text) if s.strip()]
        sample = original[0] if original else ""
        return [_parse_like(sample, s, setting) for s in items]
    if isinstance(original, str) and _leaf(setting) in CODES:
        return _code_from(text, setting)
    return text


def _kind(original: Any, setting: str) -> str:
    """What a setting's value must be, in words (for the message of a bad value)."""
    if isinstance(original, bool):
        return f"{t('common.yes')} / {t('common.no')}"
    if isinstance(original, dt.date):
        return t("settings.kind_date")
    if isinstance(original, int | float):
        return t("settings.kind_number")
    if isinstance(original, str) and _leaf(setting) in CODES:
        return " / ".join(_code_label(c) for c in CODES[_leaf(setting)])
    return t("settings.kind_list") if isinstance(original, list) else t("settings.kind_text")


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
    """The TOML text of the original policy with the edited values (row ``i`` is the
    ``i``-th setting of the file, as ``policy_rows`` made it).

    Raises
    ------
    ValueError
        A value cannot be read as its setting's type, or the rows are not the policy's; the
        message names the setting, in the session's language.
    """
    import tomli_w

    data = tomllib.loads(original_text)
    known = flatten(data)
    values = [str(v) for v in rows["value"]]
    if len(values) != len(known):
        raise ValueError(t("settings.rows_changed"))
    for (setting, original), text in zip(known, values, strict=True):
        if show(original, setting) == text:
            continue
        try:
            value = _parse_like(original, text, setting)
        except ValueError:
            raise ValueError(t("settings.bad_value", setting=setting_label(setting, original),
                               value=text, kind=_kind(original, setting))) from None
        _assign(data, setting.split("."), value)
    return tomli_w.dumps(data)


def policy_names(versions: pd.DataFrame, lang: str) -> list[str]:
    """The versions' policy names as shown (the Chinese title in Chinese)."""
    titles = versions["title"] if "title" in versions.columns else [""] * len(versions)
    return [policy_title(str(name), str(title or ""), lang)
            for name, title in zip(versions["name"], titles, strict=True)]


def versions_panel(url: str, user: Any) -> None:
    """Every stored policy version (the one in force marked); an administrator may put a draft
    in force — e.g. the policy a scenario import stored as a draft."""
    import streamlit as st

    from ui import backend, fmt
    from ui.auth import actor_label, may
    from ui.i18n import current_language
    from ui.layout import flash

    versions = policies.policy_versions(url=url)
    if versions.empty:
        return
    drafts = versions[~versions["active"].astype(bool)]
    st.markdown(t("settings.versions"))
    st.dataframe(pd.DataFrame({
        t("settings.version"): versions["id"].astype(int),
        t("settings.policy_name"): policy_names(versions, current_language()),
        t("settings.valid_from"): [fmt.date(d) for d in versions["valid_from"]],
        t("settings.in_force"): [t("common.yes") if a else "" for a in versions["active"]],
        t("history.actor"): [actor_label(a) for a in versions["created_by"]],
    }), hide_index=True, width="stretch", key="set_policy_versions")
    if drafts.empty or not may("manage_policies"):
        return
    names = {int(i): f"{i} · {n}" for i, n in zip(drafts["id"], policy_names(
        drafts, current_language()), strict=True)}
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    pick = c1.selectbox(t("settings.activate_pick"), list(names), format_func=names.__getitem__,
                        key="set_policy_activate_pick")
    if c2.button(t("settings.activate"), key="set_policy_activate") and backend.attempt(
        policies.activate_policy, int(pick), user, url=url
    ):
        # the header, the editor and the versions above were drawn from the old version: rerun
        # so they show the one now in force (an edit kept in the editor would be built on the
        # old values, so it is dropped)
        st.session_state.pop("set_policy_editor", None)
        flash(t("settings.activated", version=pick))
