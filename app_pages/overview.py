"""总览 Overview: people brought back against what was registered, by province, by day and by
mode; trips under way (as recorded, or by plan where nothing is recorded — marked 计划, never
as a fact); subsidies owed, approved and paid — as numbers at the top and charts below. People
and trips count as of the day picked at the top; money is as the ledger stands."""

from decimal import Decimal

import pandas as pd
import streamlit as st

from planner import clock
from planner.services import reports
from planner.services import tracking as reads
from ui import backend, charts, fmt
from ui.i18n import t
from ui.layout import kpi, money_kpi
from ui.tracking_views import status_with_plan

st.title(t("overview.title"))

url = backend.database_url()
recorded_last = backend.read(reads.last_day, url)
last = recorded_last or clock.today()
first = backend.read(reads.trips, url, last)["depart_date"].min() if recorded_last else last
# one day for every figure on the screen: arrivals, trips and the timeline count as of it
as_of = st.slider(t("overview.as_of"), min_value=first, max_value=last,
                  value=min(max(clock.today(), first), last), format="YYYY-MM-DD",
                  key="ov_as_of") if first < last else last
report = backend.read(reads.returns_report, url, as_of)
money = backend.read(reports.money_by_rule, url)
province = report["province"]
registered = int(province["registered"].sum())
arrived = int(province["arrived"].sum())
trips = backend.read(reads.trips, url, as_of)
totals = money[money["rule"] == "total"]
owed, approved, paid = (
    (float(totals[c].iloc[0]) if not totals.empty else 0.0)
    for c in ("owed_yuan", "approved_yuan", "paid_yuan")
)



def fen(yuan_amount: float) -> Decimal:
    """A report's yuan as fen (exact from its decimal text)."""
    return Decimal(str(yuan_amount)) * 100


people = st.columns(3)
kpi(people[0], t("overview.k_registered"), fmt.count(registered))
kpi(people[1], t("overview.k_arrived"), fmt.count(arrived),
    t("overview.k_share", share=fmt.percent(arrived / registered if registered else None)),
    trend=[float(x) for x in report["day"]["arrived"]] if not report["day"].empty else None)
kpi(people[2], t("overview.k_trips"), fmt.count(len(trips)),
    t("overview.k_arrived_trips", n=int((trips["status"] == "arrived").sum()),
      plan=int((trips["plan"] == "arrived").sum())))
cash = st.columns(3)
money_kpi(cash[0], t("overview.k_owed"), fen(owed))
money_kpi(cash[1], t("overview.k_approved"), fen(approved),
          fmt.percent(approved / owed if owed else None))
money_kpi(cash[2], t("overview.k_paid"), fen(paid), fmt.percent(paid / owed if owed else None))

left, right = st.columns([3, 2])
with left:
    st.subheader(t("overview.by_province"))
    if province.empty:
        st.caption(t("common.none"))
    else:
        st.altair_chart(charts.province_chart(pd.DataFrame({
            "province": province["province_name"], "expected": province["registered"],
            "arrived": province["arrived"]})), width="stretch")
with right:
    st.subheader(t("overview.by_mode"))
    modes = report["mode"]
    if modes.empty:
        st.caption(t("common.none"))
    else:
        st.altair_chart(charts.mode_chart(pd.DataFrame({
            "mode": modes["mode"], "people": modes["arrived"]})), width="stretch")
    st.subheader(t("overview.money"))
    by_rule = money[money["rule"] != "total"]
    if by_rule.empty:
        st.caption(t("common.none"))
    else:
        st.altair_chart(charts.money_chart(by_rule.melt(
            id_vars="rule", value_vars=["owed_yuan", "approved_yuan", "paid_yuan"],
            var_name="stage", value_name="yuan").assign(
                stage=lambda f: f["stage"].str.removesuffix("_yuan"))), width="stretch")

st.subheader(t("overview.by_day"))
days = report["day"]
if days.empty:
    st.caption(t("common.none"))
else:
    st.altair_chart(charts.daily_chart(days), width="stretch")

st.subheader(t("overview.timeline"))
if trips.empty:
    st.caption(t("common.none"))
else:
    st.altair_chart(charts.timeline_chart(trips, as_of), width="stretch")
    # under way as recorded, or by plan where nothing is recorded — said so, row by row
    moving = trips[(trips["status"] == "under_way") | (trips["plan"] == "under_way")]
    st.markdown(t("overview.under_way", day=fmt.date(as_of), n=len(moving),
                  plan=int((moving["plan"] == "under_way").sum())))
    if not moving.empty:
        st.dataframe(pd.DataFrame({
            t("trips.id"): moving["trip_id"],
            t("tracking.status"): [status_with_plan(r) for r in moving.to_dict("records")],
            t("trips.kind"): [t(f"modes.{x}") for x in moving["kind"]],
            t("trips.depart"): [fmt.date(d) for d in moving["depart_date"]],
            t("trips.arrive"): [fmt.date(d) for d in moving["arrive_date"]],
            t("trips.load"): moving["load"], t("trips.stops"): moving["stops"],
        }), hide_index=True, width="stretch")
