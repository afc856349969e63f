"""Pieces of the 跟踪 screen: the trips table with real times, recording a trip's movement,
checking people in and undoing a check-in, and re-seating a cancelled trip's people.

Rules implemented:

- a time recorded for a trip is shown as it happened; where nothing is recorded the planned
  day is shown, marked 计划;
- a trip's status is what its movements recorded say, in the words of the leader's page
  (``leader_views.status``); where nothing is recorded and the plan has the trip on its way
  or arrived by the day, that is added marked 计划 (未出发（计划已到达）), never as the status;
- a movement's day starts at the trip's planned day for it (the arrival day for an arrival,
  else the departure day) and follows the trip and the event picked (the user may still
  change it in between); the note is emptied once the movement is recorded, so it does not
  go with the next one; whether the movement can have happened is the service's to say
  (``trip_events.movement_out_of_order``);
- a check-in is undone with a reason (required), the check-ins unticked all for it; the last
  movement of the trip picked to record a movement has 撤销, confirmed with a reason (the
  leader page's control, ``leader_views.withdraw_last``);
- a success message survives the rerun that refreshes the counts (a flash in session state,
  shown once at the top of the screen);
- every change goes through ``planner.services`` and clears the cached reads.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from planner.services import movements
from ui import backend, fmt, layout
from ui.i18n import t
from ui.layout import DATE_FORMAT
from ui.leader_views import ConfirmKeys, status, withdraw_last

EVENTS = ("departed", "arrived", "delayed", "cancelled")


def flash(message: str) -> None:
    """Keep ``message`` for the next run and rerun (counts and tabs refresh)."""
    layout.flash(message)


def show_flash() -> None:
    """Show (once) the message kept by :func:`flash`."""
    layout.show_flash()


def _when(recorded: Any, planned: dt.date) -> str:
    if recorded is not None and not pd.isna(recorded):
        return fmt.datetime(recorded)
    return t("tracking.planned_day", day=fmt.date(planned))


def status_with_plan(row: Any) -> str:
    """A trip's status in words (:func:`ui.leader_views.status`), and where nothing is recorded
    what its plan expects by the day, marked 计划."""
    said = status(row)
    if row.get("plan") in ("under_way", "arrived"):
        return t("tracking.status_with_plan", status=said,
                 plan=t(f"tracking.status_{row['plan']}"))
    return said


def trips_table(trips: pd.DataFrame) -> pd.DataFrame:
    """The trips as the screen shows them: status, real or planned departure and arrival."""
    return pd.DataFrame({
        t("trips.id"): trips["trip_id"],
        t("trips.kind"): [t(f"modes.{k}") for k in trips["kind"]],
        t("trips.vehicle"): trips["vehicle"],
        t("tracking.status"): [status_with_plan(r) for r in trips.to_dict("records")],
        t("trips.depart"): [_when(r, p) for r, p in
                            zip(trips["departed_at"], trips["depart_date"], strict=True)],
        t("trips.arrive"): [_when(r, p) for r, p in
                            zip(trips["arrived_at"], trips["arrive_date"], strict=True)],
        t("tracking.progress"): [a / n if n else 0.0 for a, n in
                                 zip(trips["arrived"], trips["on_manifest"], strict=True)],
        t("tracking.checked_in"): [f"{a} / {n}" for a, n in
                                   zip(trips["arrived"], trips["on_manifest"], strict=True)],
        t("tracking.note"): trips["note"],
        t("trips.stops"): trips["stops"],
    })


def trip_labels(trips: pd.DataFrame) -> dict[str, str]:
    """The ledger's trips by id, labelled ``C0004 · 七星关区 · 02-22`` for the pickers."""
    from ui.plan_views import trip_label

    return {str(r.trip_id): trip_label(str(r.trip_id), str(r.stops).split(" → ")[0],
                                       r.depart_date)
            for r in trips.itertuples()}


def planned_day(trip: Any, event: str) -> dt.date:
    """The day a movement of ``trip`` (a row of ``tracking.trips``) defaults to: its planned
    arrival day for an arrival, its planned departure day otherwise."""
    return trip["arrive_date"] if event == "arrived" else trip["depart_date"]


MOVE_DAY, MOVE_DAY_FOR, MOVE_NOTE = "trk_mv_day", "trk_mv_day_for", "trk_mv_note"
NOTE_DONE = "trk_mv_note_done"  # a movement was recorded: its note is emptied on the next run


def movement_form(trips: pd.DataFrame, labels: dict[str, str], user: Any,
                  url: str) -> str | None:
    """Record that a trip (of ``trips``, ``labels`` by id for the picker) departed, arrived,
    was delayed or cancelled; returns the trip picked."""
    c = st.columns([2, 1, 1, 1])
    trip_id = c[0].selectbox(t("tracking.trip"), list(labels), key="trk_mv_trip", index=None,
                             placeholder=t("planning.trip_placeholder"),
                             format_func=labels.__getitem__)
    names = {e: t(f"tracking.event_{e}") for e in EVENTS}
    event = c[1].selectbox(t("tracking.event"), EVENTS, key="trk_mv_event",
                           format_func=names.__getitem__)
    found = trips[trips["trip_id"] == trip_id]
    if not found.empty and st.session_state.get(MOVE_DAY_FOR) != (trip_id, event):
        st.session_state[MOVE_DAY_FOR] = (trip_id, event)  # another pick: its planned day
        st.session_state[MOVE_DAY] = planned_day(found.iloc[0], event)
    day = c[2].date_input(t("tracking.event_day"), key=MOVE_DAY, format=DATE_FORMAT,
                          help=t("tracking.event_day_help"))
    time = c[3].time_input(t("tracking.event_time"), dt.time(8, 0), key="trk_mv_time")
    if st.session_state.pop(NOTE_DONE, False):  # set before the box is drawn: the browser's
        st.session_state[MOVE_NOTE] = ""  # box is emptied too (deleting the key is not enough)
    note = st.text_input(t("tracking.note"), key=MOVE_NOTE)
    if st.button(t("tracking.record"), key="trk_mv_save", disabled=trip_id is None):
        done = backend.run(movements.record_trip_event, trip_id, event,
                           dt.datetime.combine(day, time), user, note or None, url=url)
        if done is not None:
            st.session_state[NOTE_DONE] = True  # the next movement starts without this note
            flash(t("tracking.recorded", trip=trip_id, event=names[event]))
    return trip_id


WITHDRAW_KEYS = ConfirmKeys("trk_wd_confirm", "trk_wd_yes", "trk_wd_no", "trk_withdraw",
                            "trk_wd_reason")


def withdraw_form(trip_id: str, user: Any, url: str) -> None:
    """撤销 of the last movement recorded for ``trip_id`` (whatever the as-of day: what the
    service would withdraw), confirmed with a reason — the leader page's control."""
    from planner.services import tracking

    trips = backend.read(tracking.trips, url, dt.date.max)
    found = trips[trips["trip_id"] == trip_id]
    if found.empty:
        return
    st.markdown(t("tracking.withdraw_title"))
    withdraw_last(found.iloc[0].to_dict(), user, url, WITHDRAW_KEYS, flash)


def check_in(lines: pd.DataFrame, trip_id: str, day: dt.date, user: Any,
             url: str) -> None:
    """Record the arrival of ``lines`` (people of one trip) on ``day``."""
    people = list(zip(lines["id_number"], lines["employer_uscc"], strict=True))
    result = backend.run(movements.check_in, people, trip_id, day, user, url=url)
    if result is not None:
        flash(t("tracking.saved_already") if result.already
              else t("tracking.saved", added=result.added))


def undo_check_ins(lines: pd.DataFrame, trip_id: str, reason: str, user: Any,
                   url: str) -> None:
    """Undo the check-in of each of ``lines`` for ``reason`` (stops at the first refusal);
    none given: asks for one, undoing nothing."""
    if not reason.strip():
        st.warning(t("tracking.undo_no_reason"), icon=":material/edit_note:")
        return
    done = 0
    for id_number in lines["id_number"]:
        if not backend.attempt(movements.undo_check_in, id_number, trip_id, reason, user,
                               url=url):
            break
        done += 1
    if done:
        flash(t("tracking.undone", n=done))


def load_caps() -> tuple[Any, ...]:
    """The working scenario's load caps (none if it cannot be read)."""
    try:
        from ui import workspace

        folder = workspace.scenario_dir()
        scenario, _ = workspace.load_scenario(str(folder), workspace.scenario_version(folder))
    except Exception:  # the caps only tighten a check the service makes anyway
        return ()
    return tuple(scenario.load_caps) if scenario is not None else ()


def reseat_form(waiting: pd.DataFrame, as_of: dt.date, user: Any, url: str) -> None:
    """Pick people of cancelled trips and move them to a trip with room for them near their
    pickup (``tracking.reseat_targets``) or to self-return."""
    from planner.services import tracking
    table = pd.DataFrame({
        t("tracking.pick"): False,
        t("tracking.cancelled_trip"): waiting["trip_id"],
        t("manifest.name"): waiting["name"], t("manifest.id_number"): waiting["id_number"],
        t("manifest.phone"): waiting["phone"], t("manifest.pickup"): waiting["pickup_stop"],
        t("manifest.employer"): waiting["employer_name"], t("tracking.note"): waiting["note"],
    })
    edited = st.data_editor(table, hide_index=True, width="stretch", key="trk_reseat_pick",
                            disabled=[c for c in table.columns if c != t("tracking.pick")])
    picked = waiting[edited[t("tracking.pick")].to_numpy()]
    caps = load_caps()
    targets = backend.read(tracking.reseat_targets, url, as_of,
                           tuple(picked["id_number"]), caps)
    options = {"": t("tracking.self_return")}
    options.update({
        str(r.trip_id): t("tracking.target", trip=r.trip_id, day=fmt.date(r.depart_date),
                          free=int(r.free), stops=r.stops)
        for r in targets.itertuples()
    })
    target = st.selectbox(t("tracking.reseat_to"), list(options), key="trk_reseat_to",
                          format_func=options.__getitem__)
    if st.button(t("tracking.reseat", n=len(picked)), key="trk_reseat", disabled=picked.empty):
        moved = backend.run(movements.reseat, list(picked["id_number"]), target or None, user,
                             url=url, load_caps=caps)
        if moved is not None:
            flash(t("tracking.reseated", n=moved, to=options[target]))
