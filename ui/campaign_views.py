"""A campaign result on screen (规划 · 战役规划结果): the destinations table, the totals, the
coach pools and one destination's plan. The folder is read and checked by
``planner.services.campaigns``; these helpers only lay it out.

Rules implemented:

- the overview is one row per destination (code, name, people, people planned, trips, cost
  and lower bound in yuan, gap) and a totals row, as ``campaign_summary.json`` gives them;
- a pool is one row per vehicle: the sending province (its name, 浙江省; the code when the
  gazetteer does not know it), vehicles per day, each destination's peak use, the shares when
  the pool was over-drawn, who was planned again and the days still over in the final plans
  (none expected);
- a destination's plan is shown as a saved plan is (figures, trips on the map with the
  manifest of the trip picked, the trips table, the dispatch sheet); the manifest needs the
  destination's scenario, read from the folder the summary names when it is still there;
- a destination's plan and scenario are read once and kept while their files are unchanged
  (a redraw — picking a trip — does not read thousands of rows again; a folder rewritten by a
  new ``jobbus campaign plan`` is read anew).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from planner import clock
from planner.domain.model import Plan, Scenario
from ui import fmt, maps, workspace
from ui import plan_views as pv
from ui.i18n import current_language, t
from ui.layout import kpi, money_kpi


def overview_frame(result: Any) -> pd.DataFrame:
    """One row per destination and a totals row, translated headers, money in yuan."""
    rows = [
        {
            t("campaign.code"): d.code, t("campaign.name"): d.name,
            t("campaign.people"): fmt.count(d.people),
            t("campaign.people_planned"): fmt.count(d.people_planned),
            t("campaign.trips"): fmt.count(d.trips),
            t("campaign.cost"): fmt.yuan_value(d.cost),
            t("campaign.lower_bound"): fmt.yuan_value(d.lower_bound),
            t("campaign.gap"): fmt.percent(d.gap),
        }
        for d in result.destinations
    ]
    tot = result.totals
    rows.append({
        t("campaign.code"): t("campaign.total"), t("campaign.name"): "",
        t("campaign.people"): fmt.count(tot.get("people")),
        t("campaign.people_planned"): fmt.count(tot.get("people_planned")),
        t("campaign.trips"): fmt.count(tot.get("trips")),
        t("campaign.cost"): fmt.yuan_value(tot.get("cost", 0.0)),
        t("campaign.lower_bound"): fmt.yuan_value(tot.get("lower_bound", 0.0)),
        t("campaign.gap"): fmt.percent(tot.get("gap")),
    })
    return pd.DataFrame(rows)


def totals_text(result: Any) -> str:
    """The totals in one sentence."""
    tot = result.totals
    return t("campaign.totals", n=len(result.destinations), people=fmt.count(tot.get("people")),
             planned=fmt.count(tot.get("people_planned")), trips=fmt.count(tot.get("trips")),
             cost=fmt.yuan_value(tot.get("cost", 0.0)),
             bound=fmt.yuan_value(tot.get("lower_bound", 0.0)), gap=fmt.percent(tot.get("gap")))


def _codes(value: Any) -> str:
    if isinstance(value, dict):
        return "、".join(f"{k} {v}" for k, v in value.items())
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return ""


def province_label(code: Any) -> str:
    """A sending province as people name it (``"33"`` → 浙江省); the code when unknown."""
    code = str(code or "")
    return (workspace.gazetteer().province_name(code) if code else None) or code


def pools_frame(result: Any) -> pd.DataFrame:
    """One row per pool vehicle: how the pool was shared."""
    rows = []
    for pool in result.pools:
        for vehicle, use in (pool.get("by_vehicle") or {}).items():
            rows.append({
                t("campaign.pool_province"): province_label(pool.get("province")),
                t("campaign.pool_vehicle"): vehicle,
                t("campaign.pool_per_day"): pool.get("per_day", ""),
                t("campaign.pool_peak"): _codes(use.get("peak_use")),
                t("campaign.pool_shares"): _codes(use.get("shares")),
                t("campaign.pool_again"): _codes(use.get("planned_again")),
                t("campaign.pool_over"): len(use.get("days_over_in_final_plans") or []),
            })
    return pd.DataFrame(rows)


def overview(result: Any) -> None:
    """The campaign's title, totals, destinations table and pools."""
    st.subheader(t("campaign.title", name=result.name))
    st.markdown(totals_text(result))
    st.dataframe(overview_frame(result), hide_index=True, width="stretch",
                 key="campaign_table")
    st.markdown(f"**{t('campaign.pools')}**")
    if result.pools:
        st.dataframe(pools_frame(result), hide_index=True, width="stretch",
                     key="campaign_pools")
    else:
        st.caption(t("campaign.no_pools"))


def destination_plan(plan: Plan, scenario: Scenario | None, code: str) -> None:
    """One destination's plan: its figures, the map with a trip's manifest, the trips and the
    dispatch sheet."""
    lang = current_language()
    row = pv.summary_row(code, plan)
    m = st.columns(3)
    kpi(m[0], t("compare.served"), fmt.count(row["served"]),
        t("planning.also", alone=fmt.count(row["self_return"]),
          unserved=fmt.count(row["unserved"])))
    kpi(m[1], t("planning.trips"), fmt.count(len(plan.trips)),
        t("planning.trips_split", coaches=row["coaches"], trains=row["trains"],
          feeders=row["feeders"]))
    money_kpi(m[2], t("planning.cost_total"), row["cost_fen"],
              t("planning.bound", bound=fmt.yuan_short(row["lower_bound_fen"], lang),
                gap=fmt.percent(row["gap"])), help=t("planning.bound_help"))
    labels = pv.trip_labels(plan)
    map_col, list_col = st.columns([3, 2])
    with list_col:
        trip_id = st.selectbox(t("planning.trip"), list(labels), key="campaign_trip",
                               placeholder=t("planning.trip_placeholder"), index=None,
                               format_func=labels.__getitem__)
        if scenario is None:
            st.caption(t("campaign.no_scenario"))
        elif trip_id:
            pv.trip_manifest(plan, scenario, trip_id)
    with map_col:
        st.pydeck_chart(maps.plan_deck(plan, scenario.destination if scenario else None,
                                       {"load": t("trips.load")}, highlight=trip_id),
                        height=480)
    st.dataframe(pv.trips_frame(plan), hide_index=True, width="stretch",
                 key="campaign_trips_table")
    st.download_button(t("planning.download_dispatch"),
                       pv.dispatch_xlsx(plan, f"campaign-{code}", lang),
                       file_name=f"dispatch-{code}-{clock.today():%Y%m%d}.xlsx", mime=pv.XLSX,
                       key="campaign_dl_dispatch", icon=":material/download:")


def section() -> None:
    """规划 · 战役规划结果: the folder asked for, read by ``planner.services.campaigns`` (a bad
    folder: the problem, naming the file, in the session's language), its overview and the
    plan of the destination chosen."""
    from planner.services import campaigns
    from ui import backend

    st.caption(t("campaign.intro"))
    path = st.text_input(t("campaign.folder"), key="campaign_folder",
                         placeholder=t("campaign.folder_placeholder")).strip()
    if not path:
        return
    result = backend.run_read(campaigns.read_campaign_result, path)
    if result is None:
        return
    overview(result)
    names = {d.code: f"{d.code} · {d.name}" for d in result.destinations}
    st.subheader(t("campaign.destination"))
    code = st.selectbox(t("campaign.destination"), list(names), index=None,
                        key="campaign_pick", placeholder=t("campaign.destination_placeholder"),
                        format_func=names.__getitem__, label_visibility="collapsed")
    if code is None:
        return
    dest = result.destination(code)
    where = str(result.folder.resolve())
    plan = backend.run_read(_plan_of, result, where, code, _version(dest.plan_folder))
    if plan is not None:
        version = _version(campaigns.scenario_folder(result, code))
        destination_plan(plan, _scenario_of(result, where, code, version), code)


def _version(folder: Path | None) -> float:
    """``workspace.scenario_version`` of ``folder`` (0 when it is not one): a redraw with the
    same version reads nothing again."""
    return workspace.scenario_version(folder) if folder is not None and folder.is_dir() else 0.0


@st.cache_resource(max_entries=4, show_spinner=False)
def _plan_of(_result: Any, folder: str, code: str, version: float) -> Plan:
    """``campaigns.destination_plan``, kept per (campaign folder, code, files' version)."""
    from planner.services import campaigns

    return campaigns.destination_plan(_result, code)


@st.cache_resource(max_entries=4, show_spinner=False)
def _scenario_of(_result: Any, folder: str, code: str, version: float) -> Scenario | None:
    """``campaigns.destination_scenario``, kept per (campaign folder, code, the scenario
    files' version)."""
    from planner.services import campaigns

    return campaigns.destination_scenario(_result, code)
