"""跟踪 Tracking: which trips have left, arrived, are late or cancelled (as recorded; where
nothing is, the plan is noted beside it, marked 计划), recording a trip's movement and
withdrawing the last one recorded by mistake (with a reason), checking people in (import an
arrivals list, or tick them on a trip's manifest) and undoing a wrong check-in (with a
reason), who is missing, re-seating the people of a cancelled trip, and arrivals at each
employer against what it wanted — all as of a day."""


import pandas as pd
import streamlit as st

from planner import clock
from planner.services import tracking as reads
from planner.services.movements import REASON_LIMIT
from ui import backend, fmt
from ui import claim_views as views
from ui import tracking_views as tv
from ui.auth import current_user, may
from ui.i18n import t
from ui.layout import DATE_FORMAT, kpi, lasting_tabs
from ui.widget_texts import file_uploader

st.title(t("tracking.title"))
st.caption(t("tracking.intro"))

url = backend.database_url()
user = current_user()

as_of = st.date_input(t("tracking.as_of"),
                      backend.read(reads.last_day, url) or clock.today(),
                      key="trk_as_of", help=t("tracking.as_of_help"), format=DATE_FORMAT,
                      width=220)
tv.show_flash()
trips = backend.read(reads.trips, url, as_of)
missing = backend.read(reads.missing, url, as_of)
waiting = backend.read(reads.to_reseat, url, as_of)
if trips.empty:
    st.info(t("tracking.no_trips"))
    st.stop()

trip_names = tv.trip_labels(trips)  # made now, so the pickers never depend on when drawn
counts, by_plan = trips["status"].value_counts(), trips["plan"].value_counts()
c = st.columns(6)  # the status recorded; what the plan expects besides, marked as the plan
kpi(c[0], t("tracking.planned"), fmt.count(counts.get("planned", 0) + counts.get("delayed", 0)),
    t("tracking.delayed_n", n=int(counts.get("delayed", 0))))
kpi(c[1], t("tracking.under_way"), fmt.count(counts.get("under_way", 0)),
    t("tracking.by_plan_n", n=int(by_plan.get("under_way", 0))))
kpi(c[2], t("tracking.arrived_trips"), fmt.count(counts.get("arrived", 0)),
    t("tracking.by_plan_n", n=int(by_plan.get("arrived", 0))))
kpi(c[3], t("tracking.checked_in"), fmt.count(int(trips["arrived"].sum())),
    t("tracking.of", n=fmt.count(int(trips["on_manifest"].sum()))))
kpi(c[4], t("tracking.missing"), fmt.count(len(missing)))
kpi(c[5], t("tracking.to_reseat"), fmt.count(len(waiting)),
    t("tracking.cancelled_n", n=int(counts.get("cancelled", 0))))

st.dataframe(tv.trips_table(trips), hide_index=True, width="stretch",
             column_config={t("tracking.progress"): st.column_config.ProgressColumn(
                 format="percent", min_value=0.0, max_value=1.0)})

# the tab in use stays open after a save, though the counts in the labels change; the
# employers' report is read only when its tab is open
check_tab, move_tab, import_tab, missing_tab, reseat_tab, employer_tab = lasting_tabs({
    "check": t("tracking.tab_check"), "move": t("tracking.tab_move"),
    "import": t("tracking.tab_import"), "missing": t("tracking.tab_missing", n=len(missing)),
    "reseat": t("tracking.tab_reseat", n=len(waiting)), "employers": t("tracking.tab_employers"),
}, key="trk_tab").values()

with check_tab:
    trip_id = st.selectbox(t("tracking.trip"), list(trip_names), key="trk_trip",
                           index=None, placeholder=t("planning.trip_placeholder"),
                           format_func=trip_names.__getitem__)
    if trip_id:
        lines = backend.read(reads.manifest, url, trip_id)
        here = lines["arrived_on"].notna()
        table = pd.DataFrame({
            t("tracking.here"): here,
            t("manifest.name"): lines["name"],
            t("manifest.id_number"): lines["id_number"],
            t("manifest.phone"): lines["phone"],
            t("manifest.pickup"): lines["pickup_stop"],
            t("manifest.employer"): lines["employer_name"],
            t("tracking.arrived_on"): [fmt.date(d) if d else "" for d in lines["arrived_on"]],
        })
        edited = st.data_editor(table, hide_index=True, width="stretch", key="trk_checkin",
                                disabled=[col for col in table.columns
                                          if col != t("tracking.here")])
        day = st.date_input(t("tracking.day"),
                            backend.read(reads.check_in_day, url, trip_id) or as_of,
                            key=f"trk_day_{trip_id}", format=DATE_FORMAT, width=220)
        ticked = edited[t("tracking.here")].to_numpy()
        newly, unticked = lines[ticked & ~here.to_numpy()], lines[~ticked & here.to_numpy()]
        if not may("import"):
            st.caption(t("registration.operator_only"))
        else:
            reason = ""
            if not unticked.empty and may("record_movement"):
                reason = st.text_input(t("tracking.undo_reason"), key="trk_undo_reason",
                                       max_chars=REASON_LIMIT,
                                       placeholder=t("tracking.undo_reason_placeholder"))
            left, right = st.columns(2)
            if left.button(t("tracking.save", n=len(newly)), key="trk_save",
                           disabled=newly.empty):
                tv.check_in(newly, trip_id, day, user, url)
            if may("record_movement") and right.button(
                    t("tracking.undo", n=len(unticked)), key="trk_undo",
                    disabled=unticked.empty, help=t("tracking.undo_help")):
                tv.undo_check_ins(unticked, trip_id, reason, user, url)

with move_tab:
    st.caption(t("tracking.move_help"))
    if not may("record_movement"):
        st.caption(t("registration.operator_only"))
    else:
        picked = tv.movement_form(trips, trip_names, user, url)
        if picked:
            tv.withdraw_form(picked, user, url)
    if may("assign_leader"):
        from ui import leader_views

        st.divider()
        leader_views.assign_form(list(trips["trip_id"]), user, url)

with import_tab:
    kinds = {"arrivals": t("tracking.import_arrivals"),
             "trip_events": t("tracking.import_trip_events")}
    kind = st.radio(t("tracking.import_kind"), list(kinds), key="trk_import_kind",
                    format_func=kinds.__getitem__, horizontal=True)
    helps = {"arrivals": t("tracking.import_help"), "trip_events": t("tracking.import_help_trips")}
    st.caption(helps[kind])
    uploaded = file_uploader(t("tracking.import_file"), ["csv", "xlsx"], key="trk_file")
    if not may("import"):
        st.caption(t("registration.operator_only"))
    elif uploaded is not None and st.button(t("tracking.import"), key="trk_import"):
        result = views.import_upload(kind, uploaded, user, url)
        if result is not None:
            tv.flash(t("tracking.imported", rows=result.rows, added=result.added))

with missing_tab:
    if missing.empty:
        st.success(t("tracking.none_missing"))
    else:
        st.dataframe(pd.DataFrame({
            t("trips.id"): missing["trip_id"], t("manifest.name"): missing["name"],
            t("manifest.id_number"): missing["id_number"], t("manifest.phone"): missing["phone"],
            t("manifest.pickup"): missing["pickup_stop"],
            t("manifest.employer"): missing["employer_name"],
        }), hide_index=True, width="stretch", key="trk_missing")

with reseat_tab:
    if waiting.empty:
        st.success(t("tracking.none_to_reseat"))
    elif not may("record_movement"):
        st.dataframe(pd.DataFrame({
            t("tracking.cancelled_trip"): waiting["trip_id"], t("manifest.name"): waiting["name"],
            t("manifest.id_number"): waiting["id_number"], t("manifest.phone"): waiting["phone"],
            t("manifest.employer"): waiting["employer_name"],
        }), hide_index=True, width="stretch")
    else:
        tv.reseat_form(waiting, as_of, user, url)

with employer_tab:
    if employer_tab.open:
        employers = backend.read(reads.returns_report, url, as_of)["employer"]
        st.dataframe(pd.DataFrame({
            t("manifest.employer"): employers["employer_name"],
            t("tracking.uscc"): employers["employer_uscc"],
            t("tracking.demand"): employers["demand"],
            t("overview.arrived"): employers["arrived"],
            t("tracking.progress"): employers["share"].fillna(0.0).clip(upper=1.0),
        }), hide_index=True, width="stretch",
            column_config={t("tracking.progress"): st.column_config.ProgressColumn(
                format="percent", min_value=0.0, max_value=1.0)})
