"""A plan's settings on 规划 (``planner.services.planning.PlanSettings``): read from the
parameter widgets, put back into them, shown in the session's language, and compared.

Rules implemented:

- the settings on screen are the parameter widgets' values: dates, time limit, seed, the
  dated caps or one load cap, trains allowed, the service level, the policy file and each
  vehicle's availability in the fleet table;
- loading a plan's settings (a button's ``on_click``, before the widgets are drawn) sets the
  widgets' session state; the fleet table cannot be set that way, so it is drawn again under a
  new key from the loaded availability (``fleet_key``, ``fleet_rows``), which is forgotten when
  the other widgets are (``forget_reset_fleet``); values a widget cannot hold are brought into
  its range (the time limit between 1 and 600 s);
- a re-plan uses the plan's recorded settings (``replan_settings``); a plan without them
  (saved before they were recorded, by the command line or imported) is re-planned with the
  widgets'; a recorded policy file no longer beside the scenario is replaced by the widgets'
  choice, and the page says so; the page lists where the widgets differ from the plan's
  settings, and the user may tick to re-plan with the widgets' instead.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import streamlit as st

from planner.domain.model import Scenario, VehicleKind
from planner.services.planning import SCENARIO_POLICY, PlanParams, PlanSettings
from ui import fmt
from ui.i18n import t
from ui.layout import keep_flash
from ui.plan_views import params_of, policy_label

FLEET_BASE = "plan_fleet_base"  # availability loaded from a plan: fleet name → vehicles
FLEET_VERSION = "plan_fleet_v"  # bumped on loading, so the fleet table is drawn anew
TIME_LIMIT = (1, 600)  # the time limit widget's range, seconds
MAX_WAIT = (0, 30)  # the service level widget's range, days
LOAD_CAP = (0.1, 1.0)  # the load cap slider's range


def forget_reset_fleet() -> None:
    """Drop a fleet loaded from a plan once the other parameter widgets were reset (the page
    was left, or a new session began: Streamlit forgets a widget not drawn), so the fleet
    table shows the scenario's with them. Call before the widgets are drawn."""
    if "plan_from" not in st.session_state:
        st.session_state.pop(FLEET_BASE, None)


def fleet_key() -> str:
    """The fleet table's widget key (a new one after each load)."""
    return f"plan_fleet_{st.session_state.get(FLEET_VERSION, 0)}"


def fleet_rows(scenario: Scenario) -> list[dict[str, Any]]:
    """The fleet table's rows: each vehicle with its availability as loaded from a plan, or
    the scenario's."""
    loaded: Mapping[str, int | None] = st.session_state.get(FLEET_BASE) or {}
    return [{t("fleet.name"): v.name, t("fleet.kind"): t(f"fleet.kind_{v.kind}"),
             t("fleet.seats"): v.seats,
             t("fleet.available"): loaded.get(v.name, v.available)}
            for v in scenario.fleet]


def fleet_columns() -> dict[str, Any]:
    """The fleet table's number columns with thousands separators (a train's 1,000 seats)."""
    return {t("fleet.seats"): st.column_config.NumberColumn(format="localized"),
            t("fleet.available"): st.column_config.NumberColumn(format="localized", min_value=0,
                                                                 step=1)}


def availability(rows: Iterable[Mapping[str, Any]]) -> dict[str, int | None]:
    """Vehicles that may run at once, by fleet name, as the fleet table shows them (blank:
    unlimited)."""
    out: dict[str, int | None] = {}
    for row in rows:
        value = row[t("fleet.available")]
        blank = value is None or value == "" or (isinstance(value, float) and value != value)
        out[str(row[t("fleet.name")])] = None if blank else int(value)
    return out


def from_widgets(*, plan_from: dt.date, plan_to: dt.date, time_limit: float, seed: int,
                 dated_caps: bool, cap: float, allow_trains: bool, wait_limited: bool,
                 max_wait: int, fleet: Iterable[Mapping[str, Any]],
                 policy_file: str | None) -> PlanSettings:
    """The settings the parameter widgets show."""
    params = PlanParams(time_limit_s=float(time_limit), seed=int(seed),
                        allow_trains=bool(allow_trains),
                        max_wait_days=int(max_wait) if wait_limited else None)
    return PlanSettings(params, plan_from, plan_to, None if dated_caps else float(cap),
                        availability(fleet), policy_file)


def _clamp(value: float, bounds: tuple[float, float]) -> float:
    return min(max(value, bounds[0]), bounds[1])


def load_into_widgets(settings: PlanSettings, plan_id: int, policies: Iterable[str]) -> None:
    """Put ``settings`` (of plan ``plan_id``) into the parameter widgets: a button's
    ``on_click``, run before the widgets are drawn."""
    state = st.session_state
    p = settings.params
    state["plan_from"] = settings.plan_from
    state["plan_to"] = settings.plan_to
    state["plan_time_limit"] = int(_clamp(round(p.time_limit_s), TIME_LIMIT))
    state["plan_seed"] = int(p.seed)
    state["plan_dated_caps"] = settings.load_cap is None
    if settings.load_cap is not None:
        state["plan_load_cap"] = float(_clamp(settings.load_cap, LOAD_CAP))
    state["plan_trains"] = bool(p.allow_trains)
    state["plan_wait_limited"] = p.max_wait_days is not None
    if p.max_wait_days is not None:
        state["plan_max_wait"] = int(_clamp(p.max_wait_days, MAX_WAIT))
    if settings.policy_file in set(policies):
        state["plan_policy"] = settings.policy_file
    state[FLEET_BASE] = dict(settings.available)
    state[FLEET_VERSION] = int(state.get(FLEET_VERSION, 0)) + 1
    keep_flash(t("plan_settings.loaded", id=plan_id))


def replan_settings(recorded: PlanSettings | None, current: PlanSettings,
                    policies: Iterable[str]) -> tuple[PlanSettings, str | None]:
    """The settings a re-plan uses: the plan's recorded ones (the widgets' if it has none),
    their policy file replaced by the widgets' when it is no longer beside the scenario; and
    the file so replaced (``None``: none was)."""
    if recorded is None:
        return current, None
    if recorded.policy_file not in (None, *policies):
        return dataclasses.replace(recorded, policy_file=current.policy_file), recorded.policy_file
    return recorded, None


# ------------------------------------------------------------------ in words
def _policy_text(name: str | None, policies: Mapping[str, Path]) -> str:
    if name is None:
        return t("plan_settings.policy_scenario")
    if name in policies:
        return policy_label(policies[name])
    return t("plan_settings.policy_gone", file=name)


def _vehicles_text(n: int | None, kind: VehicleKind | None) -> str:
    if n is None:
        return t("plan_settings.unlimited")
    if kind is VehicleKind.TRAIN:
        return t("plan_settings.n_trains", n=n)
    return t("plan_settings.n_coaches", n=n)


def _kinds(scenario: Scenario) -> dict[str, VehicleKind]:
    return {v.name: v.kind for v in scenario.fleet}


def _order(available: Mapping[str, Any], scenario: Scenario) -> list[str]:
    """Vehicle names in the scenario's fleet order, then any others."""
    names = [v.name for v in scenario.fleet if v.name in available]
    return names + [n for n in available if n not in names]


def _param_text(key: str, p: PlanParams) -> str:
    """One of the planner's parameters the app sets, in words."""
    if key == "time_limit_s":
        return t("plan_settings.seconds", n=f"{p.time_limit_s:g}")
    if key == "work_limit":
        return t("plan_settings.none") if p.work_limit is None else f"{p.work_limit:g}"
    if key == "seed":
        return str(p.seed)
    if key == "allow_trains":
        return t("plan_settings.trains_yes") if p.allow_trains else t("plan_settings.trains_no")
    if key == "max_wait_days":
        if p.max_wait_days is None:
            return t("plan_settings.unlimited")
        return t("plan_settings.days", n=p.max_wait_days)
    return ""


def value_text(key: str, settings: PlanSettings, scenario: Scenario,
               policies: Mapping[str, Path]) -> str:
    """One setting (a key of ``PlanSettings.differences``) in words."""
    if key in ("plan_from", "plan_to"):
        return fmt.date(getattr(settings, key))
    if key == "load_cap":
        if settings.load_cap is None:
            return t("plan_settings.caps_dated")
        return t("plan_settings.cap_uniform", share=fmt.percent(settings.load_cap, 0))
    if key == "policy_file":
        return _policy_text(settings.policy_file, policies)
    if key.startswith("available:"):
        name = key.removeprefix("available:")
        if name not in settings.available:
            return t("plan_settings.not_recorded")
        return _vehicles_text(settings.available[name], _kinds(scenario).get(name))
    return _param_text(key, settings.params)


def label_text(key: str) -> str:
    """What a setting is called (a key of ``PlanSettings.differences``)."""
    if key.startswith("available:"):
        return t("plan_settings.label_vehicle", name=key.removeprefix("available:"))
    known = {"plan_from": t("planning.plan_from"), "plan_to": t("planning.plan_to"),
             "load_cap": t("plan_settings.label_cap"), "policy_file": t("planning.policy"),
             "time_limit_s": t("plan_settings.label_time_limit"),
             "work_limit": t("plan_settings.label_work_limit"), "seed": t("planning.seed"),
             "allow_trains": t("plan_settings.label_trains"),
             "max_wait_days": t("plan_settings.label_wait")}
    return known.get(key) or t("plan_settings.label_other")


def _item(key: str, value: str) -> str:
    return t("plan_settings.item", what=label_text(key), value=value)


def _search_lines(p: PlanParams) -> list[str]:
    """Trains, service level, and the search (time or work limit, seed)."""
    search = "time_limit_s" if p.work_limit is None else "work_limit"
    return [_item(k, _param_text(k, p)) for k in ("allow_trains", "max_wait_days")] + [
        t("plan_settings.sep").join(_item(k, _param_text(k, p)) for k in (search, "seed"))]


def settings_lines(settings: PlanSettings, scenario: Scenario,
                   policies: Mapping[str, Path]) -> list[str]:
    """A plan's settings, one line each: dates, load caps, fleet, policy, trains, service
    level, and the search (time or work limit, seed)."""
    kinds = _kinds(scenario)
    fleet = t("plan_settings.sep").join(
        t("plan_settings.vehicle", name=n, n=_vehicles_text(settings.available[n], kinds.get(n)))
        for n in _order(settings.available, scenario))
    return [
        t("plan_settings.dates", start=fmt.date(settings.plan_from),
          end=fmt.date(settings.plan_to)),
        _item("load_cap", value_text("load_cap", settings, scenario, policies)),
        t("plan_settings.item", what=t("plan_settings.label_fleet"),
          value=fleet or t("plan_settings.none")),
        _item("policy_file", value_text("policy_file", settings, scenario, policies)),
        *_search_lines(settings.params),
    ]


def params_lines(params: PlanParams) -> list[str]:
    """The parameters of a plan that recorded no scenario edits (trains, service level,
    search)."""
    return _search_lines(params)


def difference_lines(recorded: PlanSettings, current: PlanSettings, scenario: Scenario,
                     policies: Mapping[str, Path]) -> list[str]:
    """Where the widgets differ from a plan's settings: the setting, the plan's value and the
    widgets' (parameters the app does not set are told in one line)."""
    keys = recorded.differences(current)
    shown = {"plan_from", "plan_to", "load_cap", "policy_file", "time_limit_s", "work_limit",
             "seed", "allow_trains", "max_wait_days"}
    out = [t("plan_settings.differs", what=label_text(k),
             plan=value_text(k, recorded, scenario, policies),
             now=value_text(k, current, scenario, policies))
           for k in keys if k in shown or k.startswith("available:")]
    if any(k not in shown and not k.startswith("available:") for k in keys):
        out.append(t("plan_settings.label_other"))
    return out


def records_params(info: Any) -> bool:
    """Whether a saved plan recorded the planner's parameters (an imported one did not)."""
    names = {f.name for f in dataclasses.fields(PlanParams)}
    return any(k in names for k in dict(getattr(info, "params", None) or {}))


def settings_panel(info: Any, recorded: PlanSettings | None, scenario: Scenario,
                   policies: Mapping[str, Path]) -> None:
    """A saved plan's settings, one line each (what an older plan did not record is said)."""
    if recorded is not None:
        lines = settings_lines(recorded, scenario, policies)
    else:
        st.caption(t("plan_settings.unrecorded"))
        lines = params_lines(params_of(info)) if records_params(info) else []
    if lines:
        st.markdown("\n".join(f"- {line}" for line in lines))


# ------------------------------------------------------------------ beside the re-plan button
def replan_choice(recorded: PlanSettings | None, current: PlanSettings, plan_id: int,
                  scenario: Scenario, policies: Mapping[str, Path]) -> PlanSettings:
    """Say which settings re-planning plan ``plan_id`` uses — its recorded ones, and where the
    widgets differ from them —, offer to use the widgets' instead and to load the plan's
    settings into the widgets; the settings to re-plan with."""
    if recorded is None:
        st.caption(t("plan_settings.replan_unrecorded", id=plan_id))
        return current
    use, replaced = replan_settings(recorded, current, policies)
    differs = difference_lines(use, current, scenario, policies)
    note = st.container()
    left, right = st.columns(2)
    widgets = bool(differs) and left.checkbox(t("plan_settings.replan_current"),
                                              key=f"plan_replan_current_{plan_id}")
    right.button(t("plan_settings.load", id=plan_id), key="plan_load_settings",
                 on_click=load_into_widgets, args=(recorded, plan_id, list(policies)),
                 help=t("plan_settings.load_help"), icon=":material/settings_backup_restore:")
    if widgets:
        note.info(t("plan_settings.replan_by_current", id=plan_id))
        return current
    if replaced is not None:
        note.warning(t("plan_settings.policy_replaced", id=plan_id, file=replaced,
                       now=value_text("policy_file", current, scenario, policies)))
    elif use.policy_edited(policies.get(use.policy_file or SCENARIO_POLICY)):
        note.warning(t("plan_settings.policy_edited", id=plan_id,
                       policy=value_text("policy_file", use, scenario, policies)))
    text = t("plan_settings.replan_by", id=plan_id) + "  \n"
    if differs:
        text += t("plan_settings.replan_differs") + "\n" + "\n".join(f"- {d}" for d in differs)
    else:
        text += t("plan_settings.replan_same")
    note.info(text)
    return use
