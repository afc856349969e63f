"""我的车次 My trips — the bus leader's phone page: their trips as cards; for the chosen trip
the crew with tap-to-call links, big 已出发 / 已到达 buttons (撤销 under the last one recorded,
with a reason), the counts 已上车 / 未上车, a search by name or the last 4 digits of the ID,
and one big tick per person (a boarding, which can be undone). Only the trips assigned to
the leader: ``planner.services.leaders`` refuses the rest."""

import streamlit as st

from planner.services import leaders
from ui import backend
from ui import leader_views as lv
from ui.auth import current_user
from ui.i18n import t

st.title(t("leader.title"))
st.caption(t("leader.intro"))

url = backend.database_url()
user = current_user()

trips = backend.run(leaders.leader_trips, user, url)
if trips is None:
    st.stop()
if trips.empty:
    st.info(t("leader.no_trips"), icon=":material/directions_bus:")
    st.stop()

trip_id = lv.pick_trip(trips)
if trip_id is None:
    st.stop()
row = trips.set_index("trip_id").loc[trip_id].to_dict() | {"trip_id": trip_id}
st.subheader(trip_id)
st.caption(t("leader.status", status=lv.status(row)) + " · " + t("leader.route",
                                                                   stops=lv.route(row["stops"])))
lv.crew(row)
lv.movement_buttons(row, user, url)
lv.roster(trip_id, user, url)
