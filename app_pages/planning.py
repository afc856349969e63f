"""规划 Planning: set the parameters (dates, load cap, fleet, time limit, policy), run the
planner in the background (it goes on while the user is elsewhere; every plan is saved in the
ledger as a numbered version with the settings it was planned with, and listed here, with the
one dispatched), read a plan's settings (dates, load caps, fleet, service level, policy), see
what binds the plan (约束: days the fleet is used up, why people come alone, and what one more
coach would change, re-solved on a click), see the origins, trains and coach routes into the
district on a map that needs no internet, read the trips and a trip's manifest, lock trips and
re-plan (with the plan's own settings, unless the user ticks to use the parameters on screen;
a plan's settings can be loaded into the parameters, which a reload resets: ``ui.plan_settings``),
compare two saved plans side by side, download the dispatch sheet and manifests, and dispatch a
plan to the ledger for tracking (a dispatch refused because an earlier dispatched plan's trips
already carried people offers to open that plan, to lock them there and re-plan). It also opens
a campaign's result (the output folder of ``jobbus campaign plan``): the destinations, totals
and pools, and each destination's plan (``ui.campaign_views``)."""


import streamlit as st

from planner import clock
from planner.domain.model import Scenario
from planner.services import plans
from planner.services.planning import PlanSettings, locked_scenario
from ui import backend, campaign_views, fmt, maps, plan_runs, workspace
from ui import plan_settings as ps
from ui import plan_views as pv
from ui.auth import current_user, may
from ui.i18n import current_language, t
from ui.layout import DATE_FORMAT, flash, kpi, money_kpi, show_flash
from ui.widget_texts import file_uploader

lang = current_language()
st.title(t("planning.title"))
modes = {m: t(f"campaign.mode_{m}") for m in ("plans", "campaign")}  # in the session's language
mode = st.radio(t("campaign.mode"), list(modes), key="plan_mode", horizontal=True,
                format_func=modes.__getitem__)
if mode == "campaign":  # the result of jobbus campaign plan, read from a folder here
    campaign_views.section()
    st.stop()
st.caption(t("planning.intro"))

folder = workspace.scenario_dir()
scenario, problems = workspace.load_scenario(str(folder), workspace.scenario_version(folder))
if scenario is None:
    st.error(t("planning.scenario_bad"))
    backend.show_problems_inline([p for p in problems if str(p.severity) == "error"],
                                  wrote_nothing=False)
    st.stop()

saved = backend.saved_plans()
runs = plan_runs.registry()
user = current_user()
job = runs.get(user.username) if user is not None else None

# ---------------------------------------------------------------- parameters
ps.forget_reset_fleet()  # a fleet loaded from a plan goes when the other widgets were reset
with st.expander(t("planning.parameters"), expanded=not any(p.source == "app" for p in saved)):
    c1, c2, c3, c4 = st.columns(4)
    plan_from = c1.date_input(t("planning.plan_from"), scenario.plan_from, key="plan_from",
                              format=DATE_FORMAT)
    plan_to = c2.date_input(t("planning.plan_to"), scenario.plan_to, key="plan_to",
                            format=DATE_FORMAT)
    time_limit = c3.number_input(t("planning.time_limit"), min_value=1, max_value=600, value=10,
                                 step=1, key="plan_time_limit")
    seed = c4.number_input(t("planning.seed"), min_value=0, value=0, step=1, key="plan_seed")
    c1, c2, c3 = st.columns(3)
    dated_caps = c1.checkbox(t("planning.dated_caps", n=len(scenario.load_caps)), value=True,
                             key="plan_dated_caps")
    cap = c2.slider(t("planning.load_cap"), 0.1, 1.0, 0.5, 0.05, key="plan_load_cap",
                    disabled=dated_caps, format="%.2f")
    allow_trains = c3.checkbox(t("planning.allow_trains"), value=True, key="plan_trains")
    c1, c2 = st.columns(2)
    wait_limited = c1.checkbox(t("planning.wait_limited"), value=True, key="plan_wait_limited",
                               help=t("planning.wait_help"))
    max_wait = c2.number_input(t("planning.max_wait_days"), min_value=0, max_value=30, value=3,
                               step=1, key="plan_max_wait", disabled=not wait_limited)
    policies = pv.policy_files(folder)
    policy_name = st.selectbox(t("planning.policy"), list(policies), key="plan_policy",
                               format_func={n: pv.policy_label(p) for n, p in
                                            policies.items()}.__getitem__)
    st.markdown(t("planning.fleet"))
    fleet = st.data_editor(  # drawn anew under another key when a plan's settings are loaded
        ps.fleet_rows(scenario), disabled=[t("fleet.name"), t("fleet.kind"), t("fleet.seats")],
        hide_index=True, width="stretch", key=ps.fleet_key(), column_config=ps.fleet_columns(),
    )
    name = st.text_input(t("planning.name"), key="plan_name",
                         placeholder=t("planning.name_placeholder"))
current = ps.from_widgets(plan_from=plan_from, plan_to=plan_to, time_limit=time_limit,
                          seed=seed, dated_caps=dated_caps, cap=cap, allow_trains=allow_trains,
                          wait_limited=wait_limited, max_wait=max_wait, fleet=fleet,
                          policy_file=policy_name)


def run(base_scenario: Scenario, settings: PlanSettings, label: str,
        parent_id: int | None = None) -> None:
    """Plan ``base_scenario`` with ``settings`` in the background; the plan is saved in the
    ledger as ``label`` when done, with the settings (no ``label``: named after the number
    it is saved under)."""
    assert user is not None
    if runs.start(user, base_scenario, settings, label or pv.default_plan_name(lang),
                  backend.database_url(), parent_id, folder,
                  label=t("planning.new_plan")) is None:
        st.warning(t("planning.run_busy"))


running = job is not None and job.running
if st.button(t("planning.run"), key="plan_run", type="primary", icon=":material/play_arrow:",
             disabled=running):
    run(scenario, current, name.strip())
    st.rerun()


@st.fragment(run_every=1.0 if running else None)
def run_status() -> None:
    """The run's progress, redrawn every second on its own; the whole page is drawn again
    once the run is over (the run itself lives on if the user leaves)."""
    current = runs.get(user.username) if user is not None else None
    if current is None:
        return
    if current.running:
        st.progress(current.fraction, text=t("planning.run_progress", name=current.name,
                                             share=fmt.percent(current.fraction, 0)))
    elif running:
        st.rerun()
    elif current.error is not None and not current.seen:
        current.seen = True  # shown once: a later save's message is not put below it
        st.error(t("planning.run_failed", name=current.name,
                   reason=plan_runs.error_text(current, lang)))
    elif current.saved_id is not None and not current.seen:
        current.seen = True
        st.session_state["plan_pick"] = current.saved_id
        st.success(t("planning.run_saved", name=current.name, id=current.saved_id))


run_status()

if may("save_plan"):
    with st.expander(t("planning.upload")):
        uploads = file_uploader(t("planning.upload_files"), ["csv", "xlsx", "json"],
                                key="plan_upload", accept_multiple_files=True)
        upload_name = st.text_input(t("planning.name"), key="plan_upload_name")
        if st.button(t("planning.upload_save"), key="plan_upload_save", disabled=not uploads):
            files = {f.name: f.getvalue() for f in uploads or []}
            result = backend.run(plans.save_uploaded_plan, files,
                                  upload_name.strip() or t("planning.upload_default"),
                                  current_user(), backend.database_url())
            if result is not None:
                st.session_state["plan_pick"] = result.id
                flash(t("planning.upload_saved", id=result.id))


if not saved:
    st.pydeck_chart(maps.plan_deck(None, scenario.destination), height=520)
    st.stop()

# ---------------------------------------------------------------- saved plans, one plan
by_id = {p.id: p for p in saved}
with st.expander(t("planning.saved", n=len(saved)), expanded=False):
    st.dataframe(pv.saved_plans_frame(saved), hide_index=True, width="stretch",
                 key="plan_saved_table")
if st.session_state.get("plan_pick") not in by_id:
    st.session_state.pop("plan_pick", None)
labels = {p.id: pv.saved_label(p) for p in saved}  # made now, in the session's language
pick = st.selectbox(t("planning.show"), list(by_id), key="plan_pick",
                    format_func=labels.__getitem__)
info = by_id[pick]
show_flash()
plan, used = backend.saved_plan(backend.database_url(), pick), scenario
st.caption(pv.saved_caption(info))
recorded = PlanSettings.from_json(info.params)  # None: planned before settings were kept
with st.expander(t("plan_settings.title", id=pick)):
    ps.settings_panel(info, recorded, scenario, policies)
row = pv.summary_row(info.name, plan)
m = st.columns(3)
kpi(m[0], t("compare.served"), fmt.count(row["served"]),
    t("planning.also", alone=fmt.count(row["self_return"]), unserved=fmt.count(row["unserved"])))
kpi(m[1], t("planning.trips"), fmt.count(len(plan.trips)),
    t("planning.trips_split", coaches=row["coaches"], trains=row["trains"],
      feeders=row["feeders"]))
money_kpi(m[2], t("planning.cost_total"), row["cost_fen"],
          t("planning.bound", bound=fmt.yuan_short(row["lower_bound_fen"], lang),
            gap=fmt.percent(row["gap"])),
          help=t("planning.bound_help"))

with st.container(border=True):
    pv.binding_panel(plan, used, info, recorded, folder)

trip_ids = [tr.trip_id for tr in plan.trips]
trip_names = pv.trip_labels(plan)  # made now, in the session's language


@st.fragment
def trip_view() -> None:
    """The trip picker, its manifest and the map: picking a trip reruns only this part (the
    manifest is drawn first, then the map zooms to the trip)."""
    map_col, list_col = st.columns([3, 2])
    with list_col:
        trip_id = st.selectbox(t("planning.trip"), trip_ids, key="plan_trip",
                               placeholder=t("planning.trip_placeholder"), index=None,
                               format_func=trip_names.__getitem__)
        if trip_id:
            pv.trip_manifest(plan, used, trip_id)
        else:
            st.info(t("planning.legend"))
    with map_col:
        st.pydeck_chart(maps.plan_deck(plan, used.destination, {"load": t("trips.load")},
                                       highlight=trip_id), height=520)


if st.session_state.get("plan_trip") not in trip_names:
    st.session_state.pop("plan_trip", None)
trip_view()

st.subheader(t("planning.trips"))
st.dataframe(pv.trips_frame(plan), hide_index=True, width="stretch", key="plan_trips_table")
with st.expander(t("planning.self_returns", n=len(plan.self_returns))):
    st.dataframe(
        [{t("manifest.id_number"): s.id_number, t("planning.reason"): s.why.render(lang),
          t("planning.expected_subsidy"): fmt.yuan(s.expected_subsidy_fen)}
         for s in plan.self_returns], hide_index=True, width="stretch")
unserved = [u for u in plan.unserved if u.id_number is not None]  # people
vacancies = [u for u in plan.unserved if u.id_number is None]  # employers' seats left empty
with st.expander(t("planning.unserved", n=len(unserved))):
    st.dataframe(
        [{t("manifest.id_number"): u.id_number, t("manifest.employer"): u.employer_uscc or "",
          t("planning.reason"): u.why.render(lang)} for u in unserved],
        hide_index=True, width="stretch", key="plan_unserved")
with st.expander(t("planning.vacancies", n=sum(u.count for u in vacancies))):
    st.dataframe(
        [{t("manifest.employer"): pv.employer_name(used, u.employer_uscc),
          t("tracking.uscc"): u.employer_uscc or "", t("planning.count"): u.count,
          t("planning.reason"): u.why.render(lang)} for u in vacancies],
        hide_index=True, width="stretch", key="plan_vacancies")

# ---------------------------------------------------------------- downloads, dispatch
key = f"plan-{pick}"
d1, d2, d3 = st.columns(3)
d1.download_button(t("planning.download_dispatch"),
                   pv.dispatch_xlsx(plan, key, current_language()),
                   file_name=f"dispatch-P{pick:03d}-{clock.today():%Y%m%d}.xlsx", mime=pv.XLSX,
                   key="plan_dl_dispatch", icon=":material/download:")
d2.download_button(t("planning.download_manifests"),
                   pv.manifests_xlsx(plan, used, key, current_language()),
                   file_name=f"manifests-P{pick:03d}-{clock.today():%Y%m%d}.xlsx",
                   mime=pv.XLSX, key="plan_dl_manifests", icon=":material/download:")
d2.download_button(t("planning.download_self_returns"),
                   pv.self_return_calls_xlsx(plan, used, key, current_language()),
                   file_name=f"self-return-calls-P{pick:03d}-{clock.today():%Y%m%d}.xlsx",
                   mime=pv.XLSX, key="plan_dl_self_returns", icon=":material/call:")


def open_plan(plan_id: int, to_lock: list[str]) -> None:
    """Show ``plan_id`` on the next run with ``to_lock`` picked in its lock picker (a button's
    callback, before the pickers are drawn)."""
    st.session_state["plan_pick"] = plan_id
    st.session_state["plan_lock"] = to_lock


if may("dispatch_plan"):
    if d3.button(t("planning.dispatch"), key="plan_dispatch", icon=":material/send:"):
        done, refused = backend.run_with_problems(plans.dispatch_plan, pick, current_user(),
                                                  backend.database_url())
        if done is not None and done.already:
            st.info(t("planning.dispatch_already", id=pick))
        elif done is not None:
            flash(pv.dispatch_message(done))  # the list above shows the new states
        # its trips that ran: open it with them picked to lock
        for other, ran in pv.plans_to_lock_in(refused).items():
            if other in by_id:
                st.button(t("planning.open_to_lock", id=other), key=f"plan_open_{other}",
                          icon=":material/lock:", on_click=open_plan, args=(other, ran))
else:
    d3.caption(t("registration.operator_only"))

# ---------------------------------------------------------------- lock and re-plan
st.subheader(t("planning.lock"))
if "plan_lock" in st.session_state:  # keep only trips of the plan shown
    st.session_state["plan_lock"] = [i for i in st.session_state["plan_lock"] if i in trip_names]
locked = st.multiselect(t("planning.lock_pick"), trip_ids, key="plan_lock",
                        placeholder=t("planning.trip_placeholder"),
                        format_func=trip_names.__getitem__)
replan_with = ps.replan_choice(recorded, current, pick, scenario, policies)
if st.button(t("planning.replan"), key="plan_replan", disabled=not locked or running):
    run(locked_scenario(scenario, plan, locked), replan_with,
        t("planning.replan_name", name=info.name, n=len(locked)), parent_id=pick)
    st.rerun()

# ---------------------------------------------------------------- compare
st.subheader(t("planning.compare"))
if len(saved) < 2:
    st.caption(t("planning.compare_hint"))
else:
    chosen = st.multiselect(t("planning.compare_pick"), list(by_id), default=list(by_id)[:2],
                            key="plan_compare", format_func=labels.__getitem__,
                            placeholder=t("planning.compare_placeholder"))
    rows = [pv.summary_row(labels[i],
                           backend.saved_plan(backend.database_url(), i)) for i in chosen]
    if rows:
        st.dataframe(pv.comparison_frame(rows), width="stretch", key="plan_compare_table")
        from ui import charts

        st.altair_chart(charts.compare_chart(rows), width="stretch")
