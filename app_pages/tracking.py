"""跟踪 Tracking: which trips have left and which have arrived, checking people in (import an
arrivals list, or tick them on a trip's manifest), who is missing, and arrivals at each
employer against what it wanted."""

import datetime as dt
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from planner.services import tracking as reads
from ui import backend, fmt
from ui import claim_views as views
from ui.auth import current_user, may
from ui.i18n import t
from ui.layout import DATE_FORMAT, kpi

st.title(t("tracking.title"))
st.caption(t("tracking.intro"))

ledger = backend.service("ledger", "import_path")
if ledger is None:
    backend.unavailable("ledger")
    st.stop()
url = backend.database_url()
user = current_user()

as_of = st.date_input(t("tracking.as_of"), reads.last_day(url) or dt.date.today(),
                      key="trk_as_of", help=t("tracking.as_of_help"), format=DATE_FORMAT,
                      width=220)
trips = reads.trips(url, as_of)
missing = reads.missing(url, as_of)
if trips.empty:
    st.info(t("tracking.no_trips"))
    st.stop()

counts = trips["status"].value_counts()
c = st.columns(5)
kpi(c[0], t("tracking.planned"), fmt.count(counts.get("planned", 0)))
kpi(c[1], t("tracking.under_way"), fmt.count(counts.get("under_way", 0)))
kpi(c[2], t("tracking.arrived_trips"), fmt.count(counts.get("arrived", 0)))
kpi(c[3], t("tracking.checked_in"), fmt.count(int(trips["arrived"].sum())),
    t("tracking.of", n=fmt.count(int(trips["on_manifest"].sum()))))
kpi(c[4], t("tracking.missing"), fmt.count(len(missing)))

st.dataframe(
    pd.DataFrame({
        t("trips.id"): trips["trip_id"],
        t("trips.kind"): [t(f"modes.{k}") for k in trips["kind"]],
        t("trips.vehicle"): trips["vehicle"],
        t("trips.depart"): [fmt.date(d) for d in trips["depart_date"]],
        t("trips.arrive"): [fmt.date(d) for d in trips["arrive_date"]],
        t("tracking.status"): [t(f"tracking.status_{s}") for s in trips["status"]],
        t("tracking.progress"): [a / n if n else 0.0 for a, n in
                                 zip(trips["arrived"], trips["on_manifest"], strict=True)],
        t("tracking.checked_in"): [f"{a} / {n}" for a, n in
                                   zip(trips["arrived"], trips["on_manifest"], strict=True)],
        t("trips.stops"): trips["stops"],
    }),
    hide_index=True, width="stretch",
    column_config={t("tracking.progress"): st.column_config.ProgressColumn(
        format="percent", min_value=0.0, max_value=1.0)},
)

check_tab, import_tab, missing_tab, employer_tab = st.tabs([
    t("tracking.tab_check"), t("tracking.tab_import"),
    t("tracking.tab_missing", n=len(missing)), t("tracking.tab_employers"),
])

with check_tab:
    trip_id = st.selectbox(t("tracking.trip"), list(trips["trip_id"]), key="trk_trip",
                           index=None, placeholder=t("planning.trip_placeholder"))
    if trip_id:
        lines = reads.manifest(url, trip_id)
        table = pd.DataFrame({
            t("tracking.here"): lines["arrived_on"].notna(),
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
        day = st.date_input(t("tracking.day"), as_of, key="trk_day", format=DATE_FORMAT,
                            width=220)
        newly = lines[edited[t("tracking.here")].to_numpy() & lines["arrived_on"].isna()]
        if not may("import"):
            st.caption(t("registration.operator_only"))
        elif st.button(t("tracking.save", n=len(newly)), key="trk_save", disabled=newly.empty):
            arrivals = pd.DataFrame({
                "id_number": newly["id_number"], "employer_uscc": newly["employer_uscc"],
                "arrived_on": day.isoformat(), "trip_id": trip_id,
            })
            with tempfile.TemporaryDirectory(prefix="jobbus-arrivals-") as tmp:
                path = Path(tmp) / f"arrivals-{trip_id}-{day:%Y%m%d}.csv"
                arrivals.to_csv(path, index=False, encoding="utf-8-sig")
                result = backend.call(ledger, "import_path", "arrivals", path, user, url=url)
            if result is not None:
                backend.ledger_changed()
                st.success(t("tracking.saved", added=result.added))
                st.rerun()

with import_tab:
    st.caption(t("tracking.import_help"))
    uploaded = st.file_uploader(t("tracking.import_file"), type=["csv", "xlsx"], key="trk_file")
    if not may("import"):
        st.caption(t("registration.operator_only"))
    elif uploaded is not None and st.button(t("tracking.import"), key="trk_import"):
        result = views.import_upload(ledger, "arrivals", uploaded, user, url)
        if result is not None:
            backend.ledger_changed()
            st.success(t("tracking.imported", rows=result.rows, added=result.added))

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

with employer_tab:
    report = backend.service("ledger", "returns_report")
    if report is None:
        backend.unavailable("reports")
    else:
        employers = report.returns_report(url=url)["employer"]
        st.dataframe(pd.DataFrame({
            t("manifest.employer"): employers["employer_name"],
            t("tracking.uscc"): employers["employer_uscc"],
            t("tracking.demand"): employers["demand"],
            t("overview.arrived"): employers["arrived"],
            t("tracking.progress"): employers["share"].fillna(0.0).clip(upper=1.0),
        }), hide_index=True, width="stretch",
            column_config={t("tracking.progress"): st.column_config.ProgressColumn(
                format="percent", min_value=0.0, max_value=1.0)})
