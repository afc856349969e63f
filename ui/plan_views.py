"""Plans on screen: parameters into a scenario, the trips and manifests as tables, scenario
comparisons, and the xlsx downloads (the scenario of a re-plan, with its parameters and locked
trips, is made by ``planner.services.planning``).

Rules implemented:

- a comparison puts plans side by side: cost, people served, people coming alone, unserved,
  trips by mode, the subsidy forecast and the gap to the lower bound;
- the dispatch sheet, the manifests and the self-return call list are the print-ready papers
  of ``planner.io.papers`` (Chinese, A4 print setup, money as numbers, ID numbers as text).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from planner.domain.model import Plan, Scenario, VehicleKind
from ui import fmt
from ui.auth import actor_label
from ui.i18n import current_language, t, translate

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def policy_files(folder: Path) -> dict[str, Path]:
    """The policy files beside the scenario, the one in force (``policy.toml``) first."""
    files = sorted(folder.glob("policy*.toml"), key=lambda p: (p.name != "policy.toml", p.name))
    return {p.name: p for p in files}


def policy_label(path: Path) -> str:
    """A policy file as people know it: its ``name`` or, in Chinese, its ``title`` (and "in
    force" for policy.toml)."""
    import tomllib

    from ui.policy_views import policy_title

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
        name = policy_title(str(data.get("name", path.stem)), str(data.get("title", "")),
                            current_language())
    except (OSError, tomllib.TOMLDecodeError):
        name = path.stem
    return t("planning.policy_current", name=name) if path.name == "policy.toml" else name


def progress_callback(bar: Any) -> Callable[..., None]:
    """A planner progress callback ``(fraction, message)`` drawing on a ``st.progress`` bar."""

    def report(fraction: float = 0.0, message: str = "", *_: Any) -> None:
        share = min(max(float(fraction), 0.0), 1.0)
        text = t("planning.progress", share=fmt.percent(share, 0))
        if message and current_language() == "en":
            text = f"{text} — {message}"
        bar.progress(share, text=text)

    return report


def kind_label(trip: Any) -> str:
    """Train, coach or feeder coach, in the session's language."""
    if trip.kind is VehicleKind.TRAIN:
        return t("planning.kind_train")
    if trip.parent_trip_id:
        return t("planning.kind_feeder")
    return t("planning.kind_coach")


def trip_label(trip_id: str, origin: str, depart: dt.date | dt.datetime) -> str:
    """A trip as picked from a list: ``C0004 · 七星关区 · 02-22`` (id · where it starts ·
    departure day)."""
    return f"{trip_id} · {origin} · {depart:%m-%d}" if origin else f"{trip_id} · {depart:%m-%d}"


def trip_labels(plan: Plan) -> dict[str, str]:
    """Every trip of ``plan`` by id, labelled by :func:`trip_label`."""
    return {tr.trip_id: trip_label(tr.trip_id, tr.stops[0].name if tr.stops else "", tr.depart)
            for tr in plan.trips}


def trips_frame(plan: Plan) -> pd.DataFrame:
    """One row per trip, translated headers, for the screen and the dispatch sheet."""
    rows = []
    for tr in plan.trips:
        rows.append({
            t("trips.id"): tr.trip_id,
            t("trips.kind"): kind_label(tr),
            t("trips.vehicle"): tr.vehicle,
            t("trips.depart"): fmt.datetime(tr.depart),
            t("trips.arrive"): fmt.datetime(tr.arrive),
            t("trips.stops"): " → ".join(s.name for s in tr.stops),
            t("trips.load"): tr.load,
            t("trips.capacity"): tr.capacity,
            t("trips.km"): round(tr.distance_km),
            t("trips.cost"): fmt.yuan(tr.cost_fen),
            t("trips.locked"): t("common.yes") if tr.fixed else "",
        })
    return pd.DataFrame(rows)


def manifest_frame(plan: Plan, scenario: Scenario, trip_id: str) -> pd.DataFrame:
    """Who is on a trip: name, ID number, phone, where they board, their employer."""
    workers = {w.id_number: w for w in scenario.workers}
    employers = {e.uscc: e.name for e in scenario.employers}
    on_trip = {g.id_number for g in plan.legs if g.trip_id == trip_id}
    on_trip |= {a.id_number for a in plan.assignments if a.trip_id == trip_id}
    pickups = {a.id_number: a for a in plan.assignments}
    rows = []
    for i, id_number in enumerate(sorted(on_trip, key=lambda x: (
            pickups[x].pickup_stop if x in pickups else "", x)), start=1):
        w = workers.get(id_number)
        a = pickups.get(id_number)
        rows.append({
            t("manifest.no"): i,
            t("manifest.name"): w.name if w else "",
            t("manifest.id_number"): id_number,
            t("manifest.phone"): (w.phone or "") if w else "",
            t("manifest.pickup"): a.pickup_stop if a else "",
            t("manifest.employer"): employers.get(a.employer_uscc, a.employer_uscc) if a else "",
        })
    return pd.DataFrame(rows)


def trip_manifest(plan: Plan, scenario: Scenario, trip_id: str) -> None:
    """One trip's line (kind, vehicle, times, load, cost) and its manifest."""
    trip = next(tr for tr in plan.trips if tr.trip_id == trip_id)
    st.markdown(t("planning.trip_line", kind=kind_label(trip), vehicle=trip.vehicle,
                  depart=fmt.datetime(trip.depart), arrive=fmt.datetime(trip.arrive),
                  load=trip.load, capacity=trip.capacity, cost=fmt.yuan(trip.cost_fen)))
    st.markdown(t("planning.manifest"))
    st.dataframe(manifest_frame(plan, scenario, trip_id), hide_index=True, width="stretch",
                 height=360, key="plan_manifest")


def employer_name(scenario: Scenario, uscc: str | None) -> str:
    """The employer's name as registered (its USCC if it is not in the scenario)."""
    return next((e.name for e in scenario.employers if e.uscc == uscc), uscc or "")


def summary_row(name: str, plan: Plan) -> dict[str, Any]:
    """The numbers of one plan for the comparison table (money in fen)."""
    kinds = Counter(
        "train" if tr.kind is VehicleKind.TRAIN else ("feeder" if tr.parent_trip_id else "coach")
        for tr in plan.trips
    )
    s = plan.summary
    return {
        "name": name,
        "cost_fen": s.total_cost_fen,
        "served": len(plan.assignments),
        "self_return": len(plan.self_returns),
        "unserved": sum(u.count for u in plan.unserved if u.id_number is not None),
        "vacancies": sum(u.count for u in plan.unserved if u.id_number is None),
        "coaches": kinds.get("coach", 0),
        "trains": kinds.get("train", 0),
        "feeders": kinds.get("feeder", 0),
        "subsidy_fen": s.subsidy_forecast_fen,
        "vehicle_fen": s.total_cost_fen - s.subsidy_forecast_fen,
        "lower_bound_fen": s.lower_bound_fen,
        "gap": s.gap,
    }


def comparison_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Plans side by side: one column per plan, one row per measure, formatted."""
    measures: dict[str, Callable[[Any], str]] = {
        "cost_fen": fmt.yuan, "vehicle_fen": fmt.yuan, "subsidy_fen": fmt.yuan,
        "served": fmt.count, "self_return": fmt.count,
        "unserved": fmt.count, "vacancies": fmt.count, "coaches": fmt.count,
        "trains": fmt.count, "feeders": fmt.count,
        "lower_bound_fen": fmt.yuan, "gap": fmt.percent,
    }
    data = {r["name"]: [f(r[m]) for m, f in measures.items()] for r in rows}
    return pd.DataFrame(data, index=[t(f"compare.{m}") for m in measures])


def xlsx_bytes(frames: dict[str, pd.DataFrame]) -> bytes:
    """Sheets written by ``planner.io.to_xlsx`` (text cells kept as text), as bytes."""
    from planner.io import to_xlsx

    with tempfile.TemporaryDirectory(prefix="jobbus-xlsx-") as tmp:
        path = Path(tmp) / "out.xlsx"
        to_xlsx(frames, path)
        return path.read_bytes()


@st.cache_data(show_spinner=False, max_entries=8)
def dispatch_xlsx(_plan: Plan, plan_key: str, lang: str) -> bytes:
    """The print-ready dispatch sheet (派车单, ``planner.io.papers``): every trip with its
    stops, times, people, cost (a number in yuan), crew and a signature column."""
    from planner.io import papers

    del plan_key, lang  # cache keys; the papers are Chinese for the bus leaders
    return papers.dispatch_xlsx(_plan)


@st.cache_data(show_spinner=False, max_entries=8)
def manifests_xlsx(_plan: Plan, _scenario: Scenario, plan_key: str, lang: str) -> bytes:
    """The print-ready manifests (乘车名单): one sheet per trip with its header block."""
    from planner.io import papers

    del plan_key, lang
    return papers.manifests_xlsx(_plan, _scenario)


@st.cache_data(show_spinner=False, max_entries=8)
def self_return_calls_xlsx(_plan: Plan, _scenario: Scenario, plan_key: str, lang: str) -> bytes:
    """The 建议自行返岗 call list: name, phone, home county, employer, expected subsidy and
    the reason in Chinese."""
    from planner.io import papers

    del plan_key, lang
    return papers.self_return_xlsx(_plan, _scenario)


# ------------------------------------------------------------------ saved plans
def default_plan_name(lang: str) -> Callable[[int], str]:
    """The name of a plan the user did not name, as a function of the number the ledger gives
    it when it is saved (``方案 P004``): the number is not known before, and another user's
    plan saved meanwhile would take the number a name made now would claim."""

    def name(plan_id: int) -> str:
        return translate("planning.default_name", lang, id=plan_id)

    return name


def saved_label(info: Any) -> str:
    """A saved plan as picked from a list: ``#3 50% 载客率（已下达）``."""
    return t("planning.saved_label", id=info.id, name=info.name,
             state=t(f"planning.state_{info.state}"))


def saved_caption(info: Any) -> str:
    """Who saved a plan, when, how, its state and the plan it re-plans."""
    text = t("planning.saved_caption", id=info.id, by=actor_label(info.created_by),
             at=fmt.recorded(info.created_at), source=t(f"planning.source_{info.source}"),
             state=t(f"planning.state_{info.state}"))
    if info.parent_id:
        text += t("planning.saved_parent", parent=info.parent_id)
    return text


def saved_plans_frame(plans: Iterable[Any]) -> pd.DataFrame:
    """The saved plans as a table: number, name, state, trips, cost, who, when, parent."""
    return pd.DataFrame([{
        t("planning.col_id"): f"P{p.id:03d}",
        t("planning.col_name"): p.name,
        t("planning.col_state"): t(f"planning.state_{p.state}"),
        t("planning.trips"): p.trips,
        t("compare.cost_fen"): fmt.yuan(p.cost_fen),
        t("planning.col_by"): actor_label(p.created_by),
        t("planning.col_at"): fmt.recorded(p.created_at),
        t("planning.col_parent"): f"P{p.parent_id:03d}" if p.parent_id else "",
    } for p in plans])


def dispatch_message(result: Any) -> str:
    """What a dispatch did, in the session's language."""
    text = t("planning.dispatched", id=result.plan_id, added=result.trips_added,
             kept=result.trips_kept, withdrawn=len(result.trips_withdrawn),
             people=result.people_added)
    if result.superseded:
        text += t("planning.superseded", ids="、".join(f"P{i:03d}" for i in result.superseded))
    return text


def plans_to_lock_in(problems: Iterable[Any]) -> dict[int, list[str]]:
    """The dispatched plans a refused dispatch names as holding trips that already carried
    people (``problem.trip_already_ran_in_plan``), each with those trips (sorted): the plans to
    open and the trips to lock in there."""
    named: dict[int, set[str]] = {}
    for p in problems:
        if p.what.code != "problem.trip_already_ran_in_plan" or p.what.args.get("plan") is None:
            continue
        trips = named.setdefault(int(p.what.args["plan"]), set())
        if p.what.args.get("trip") is not None:
            trips.add(str(p.what.args["trip"]))
    return {plan: sorted(trips) for plan, trips in sorted(named.items())}


def params_of(info: Any) -> Any:
    """The planning parameters a saved plan was made with (those this version knows)."""
    from planner.services.planning import params_from_json

    return params_from_json(getattr(info, "params", None))


def binding_panel(plan: Plan, scenario: Scenario, info: Any, recorded: Any = None,
                  folder: Any = None) -> None:
    """The 约束 panel: what binds ``plan`` (summary's ``binding``: used-up days, people left
    out by cause, what-ifs computed when planning) and a what-if button per used-up day, which
    re-solves through ``planner.services.planning.what_if_more_coaches`` — with the settings the
    plan was planned with, ``recorded`` (``PlanSettings``; ``None``: it recorded only its
    parameters; ``folder``: the scenario's, for the policy file) — and shows the answer."""
    from planner.analysis.report import binding_lines, cell_message, ordered_cells, what_if_message
    from planner.services import planning
    from ui import backend

    lang = current_language()
    binding = plan.summary.stats.binding
    st.markdown(f"**{t('binding.title')}**")
    st.caption(t("binding.intro"))
    if not binding:
        st.caption(t("binding.not_recorded"))
        return
    for line in binding_lines(binding):
        st.markdown("- " + line.render(lang))
    for i, cell in enumerate(ordered_cells(binding)[:5]):
        answer_key = f"binding_answer_{info.id}_{cell['vehicle']}_{cell['day']}"
        label = t("binding.what_if_button", cell=cell_message(cell).render(lang))
        if st.button(label, key=f"binding_what_if_{i}", icon=":material/add_circle:"):
            with st.spinner(t("binding.working")):
                result = backend.run(
                    planning.what_if_more_coaches, scenario, plan, recorded or params_of(info),
                    cell["vehicle"], dt.date.fromisoformat(cell["day"]), folder=folder,
                )
            if result is not None:
                st.session_state[answer_key] = what_if_message(result.as_dict())
        answer = st.session_state.get(answer_key)
        if answer is not None:
            st.success(answer.render(lang))
