"""Pieces of 我的车次, the bus leader's phone page (390 px wide): trip cards, the departed /
arrived buttons, the roster with one big tick per person, and the operator's control that
assigns a leader to a trip (on 跟踪).

Rules implemented:

- one column, full-width buttons (big tap targets), no tables: it must fit a phone;
- a leader sees only what ``planner.services.leaders`` gives them (their own trips; the service
  refuses anything else);
- the status shown is what was recorded (出发 / 到达 / 取消), else 未出发: the leader's page
  reports what happened, not the plan;
- the roster is a fragment: ticking one person or searching redraws only the roster and its
  counts, not the page;
- the last movement recorded (the arrival, else the departure) has a 撤销 button: a mistake is
  withdrawn, after 确认, with a short reason (``movements.withdraw_trip_event`` decides who may
  and until when; it is never deleted);
- a movement tapped asks to confirm; the confirmation holds only while the leader stays on
  that trip and the trip does not change meanwhile, else it is dropped with a plain word
  (left behind, another trip opened, or changed: recorded by someone else);
- a phone number is a ``tel:`` link (tap to call);
- search: part of a name, or the last 4 characters of the ID number.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from planner import clock
from planner.errors import JobbusError
from planner.services import leaders, movements
from planner.services.movements import REASON_LIMIT
from ui import backend, fmt
from ui.i18n import t
from ui.layout import left_unconfirmed

TRIP_KEY = "ldr_trip"
NOTE_KEY = "ldr_note"


def status(row: Any) -> str:
    """The trip's recorded status in words (未出发 where nothing was recorded)."""
    return t(f"tracking.status_{row['status'] if row['recorded'] else 'planned'}")


def pick_trip(trips: pd.DataFrame) -> str | None:
    """The leader's trips as cards, each with a full-width button; returns the chosen trip
    (the only one, when there is one)."""
    ids = list(trips["trip_id"])
    if st.session_state.get(TRIP_KEY) not in ids:
        st.session_state[TRIP_KEY] = ids[0] if len(ids) == 1 else None
    chosen = st.session_state[TRIP_KEY]
    for row in trips.to_dict("records"):
        with st.container(border=True):
            st.markdown(t("leader.trip_card", trip=row["trip_id"],
                          depart=fmt.date(row["depart_date"]), n=row["on_manifest"]))
            st.caption(f"{status(row)} · {route(row['stops'])}")
            if len(ids) > 1 and st.button(
                    t("leader.current") if row["trip_id"] == chosen else t("leader.open"),
                    key=f"ldr_open_{row['trip_id']}", width="stretch",
                    disabled=row["trip_id"] == chosen):
                st.session_state[TRIP_KEY] = row["trip_id"]
                st.rerun()
    return chosen


def route(stops: str) -> str:
    """A trip's stops, shortened on a phone to the first three and the last."""
    names = stops.split(" → ")
    if len(names) <= 4:
        return stops
    return " → ".join([*names[:3], t("leader.more_stops", n=len(names)), names[-1]])


def tel(phone: str) -> str:
    """A tap-to-call markdown link for ``phone``."""
    number = "".join(ch for ch in phone if ch.isdigit() or ch == "+")
    return f"[{t('leader.call', phone=phone)}](tel:{number})"


def crew(row: Any) -> None:
    """The trip's leader and driver, each with a tap-to-call link."""
    for role in ("leader", "driver"):
        name, phone = row[f"{role}_name"], row[f"{role}_phone"]
        if name or phone:
            line = t("leader.crew", role=t(f"leader.role_{role}"), name=name or "—")
            st.markdown(f"{line} {tel(phone) if phone else ''}")


def _when(at: Any) -> str:
    return "" if at is None or pd.isna(at) else f"{at:%m-%d %H:%M}"


CONFIRM = "ldr_confirm"  # the movement tapped once, waiting for 确认 (a ``Confirmation``)
CONFIRM_YES, CONFIRM_NO = "ldr_confirm_yes", "ldr_not_yet"
WITHDRAW_KEY = "ldr_withdraw"  # 撤销 under the last movement recorded
REASON_KEY = "ldr_withdraw_reason"  # why it was a mistake (required)


@dataclass(frozen=True, slots=True)
class Confirmation:
    """A movement tapped once, waiting for 确认: the trip, the event, and the trip as the
    page showed it then (``_as_seen``)."""

    trip_id: str
    event: str
    seen: tuple[str, ...]
    withdraw: bool = False
    """Withdraw the recorded ``event`` (a mistake), rather than record it."""


def _as_seen(row: Any) -> tuple[str, ...]:
    """What a confirmation rests on: the trip's status and its recorded departure and
    arrival, as shown."""
    return str(row["status"]), str(bool(row["recorded"])), _when(row["departed_at"]), \
        _when(row["arrived_at"])


def _now(row: Any) -> str:
    """The trip's status now in words, with the movements recorded on it."""
    done = [t(f"leader.{e}_at", at=_when(row[f"{e}_at"]))
            for e in ("departed", "arrived") if _when(row[f"{e}_at"])]
    return " · ".join([status(row), *done])


def _confirmation_holds(row: Any) -> bool:
    """Drop the waiting confirmation unless it still holds for the trip drawn, and say why
    (``True``: one waits for this trip, as it was when asked). It lapses when it was left
    behind (the last run did not draw its 确认: the leader was elsewhere), when another trip is
    drawn (the leader opened it), and when the trip changed since it was asked (someone else
    recorded a movement or cancelled it): 确认 would record on data the leader did not see."""
    pending = left_unconfirmed(CONFIRM, CONFIRM_YES)
    if pending is None:
        pending = st.session_state.get(CONFIRM)
        if not isinstance(pending, Confirmation):
            st.session_state.pop(CONFIRM, None)
            return False
        if pending.trip_id == row["trip_id"]:
            if pending.seen == _as_seen(row):
                return True
            del st.session_state[CONFIRM]
            st.warning(t("leader.confirm_changed", what=_what(pending),
                         trip=pending.trip_id, now=_now(row)), icon=":material/sync:")
            return False
        del st.session_state[CONFIRM]
    if isinstance(pending, Confirmation):
        st.info(t("leader.confirm_left", what=_what(pending), trip=pending.trip_id),
                icon=":material/cancel:")
    return False


def _what(pending: Confirmation) -> str:
    """What a confirmation would do, in words (已出发, or 撤销“已出发”)."""
    what = t(f"leader.{pending.event}")
    return t("leader.withdraw_what", what=what) if pending.withdraw else what


def _act(pending: Confirmation, row: Any, user: Any, url: str) -> None:
    """确认 tapped: record the movement now, or withdraw it with the reason typed (none typed:
    the question stays, asking for one)."""
    if pending.withdraw:
        reason = str(st.session_state.get(REASON_KEY) or "").strip()
        if not reason:
            st.warning(t("leader.withdraw_no_reason"), icon=":material/edit_note:")
            return
        del st.session_state[CONFIRM]
        done = backend.run(movements.withdraw_trip_event, row["trip_id"], pending.event,
                           reason, user, url=url)
    else:
        del st.session_state[CONFIRM]
        now = clock.now().replace(second=0, microsecond=0)
        done = backend.run(movements.record_trip_event, row["trip_id"], pending.event, now,
                           user, url=url)
    if done is not None:
        backend.ledger_changed()
        if pending.withdraw:
            st.session_state[NOTE_KEY] = ("success", t("leader.withdrawn", what=t(
                f"leader.{pending.event}"), trip=row["trip_id"]))
        st.rerun()


def _last_recorded(row: Any) -> str | None:
    """The movement a leader may withdraw from the phone: the last one recorded (the arrival,
    else the departure); none on a cancelled trip. The service decides whether it may be."""
    if row["status"] == "cancelled":
        return None
    return next((e for e in ("arrived", "departed") if _when(row[f"{e}_at"])), None)


def movement_buttons(row: Any, user: Any, url: str) -> None:
    """已出发 / 已到达 as two full-width buttons; a recorded one shows its time, disabled, and
    the last one recorded has a 撤销 button under it (a mistake is withdrawn with a reason). A
    tap asks to confirm, and the confirmation holds only while the leader stays on this trip
    and the trip does not change (``_confirmation_holds``); 确认 is acted on before anything
    is drawn, so a refusal stands alone. The time recorded is Beijing time, whatever the
    server's clock zone."""
    if _confirmation_holds(row):
        pending = st.session_state[CONFIRM]
        if st.session_state.get(CONFIRM_YES):
            _act(pending, row, user, url)
        elif st.session_state.get(CONFIRM_NO):
            del st.session_state[CONFIRM]
    departed, arrived = _when(row["departed_at"]), _when(row["arrived_at"])
    over = bool(arrived) or row["status"] == "cancelled"
    for event, done, allowed in (("departed", departed, not departed and not over),
                                 ("arrived", arrived, bool(departed) and not over)):
        label = t(f"leader.{event}_at", at=done) if done else t(f"leader.{event}")
        if st.button(label, key=f"ldr_{event}", type="primary", width="stretch",
                     disabled=not allowed, icon=":material/directions_bus:"):
            st.session_state[CONFIRM] = Confirmation(row["trip_id"], event, _as_seen(row))
        if event == _last_recorded(row) and st.button(
                t("leader.withdraw", what=t(f"leader.{event}")), key=WITHDRAW_KEY,
                width="stretch", icon=":material/undo:"):
            st.session_state.pop(REASON_KEY, None)
            st.session_state[CONFIRM] = Confirmation(row["trip_id"], event, _as_seen(row),
                                                     withdraw=True)
    pending = st.session_state.get(CONFIRM)
    if pending is None:
        return
    if pending.withdraw:
        st.warning(t("leader.withdraw_confirm", what=t(f"leader.{pending.event}"),
                     at=_when(row[f"{pending.event}_at"]), trip=pending.trip_id),
                   icon=":material/undo:")
        st.text_input(t("leader.withdraw_reason"), key=REASON_KEY, max_chars=REASON_LIMIT,
                      placeholder=t("leader.withdraw_reason_placeholder"))
    else:
        st.warning(t("leader.confirm", what=_what(pending), trip=pending.trip_id),
                   icon=":material/help:")
    yes, no = st.columns(2)
    no.button(t("leader.not_yet"), key=CONFIRM_NO, width="stretch")
    yes.button(t("leader.confirm_yes"), key=CONFIRM_YES, type="primary", width="stretch")


def _matching(lines: pd.DataFrame, query: str) -> pd.DataFrame:
    """People whose name contains ``query`` or whose ID number ends with it (4 characters)."""
    query = query.strip()
    if not query:
        return lines
    by_name = lines["name"].str.contains(query, regex=False)
    by_id = lines["id_number"].str.upper().str.endswith(query.upper()) if len(query) == 4 \
        else pd.Series(False, index=lines.index)
    return lines[by_name | by_id]


def _toggle(boarded: bool, id_number: str, name: str, trip_id: str, user: Any,
            url: str) -> None:
    """Tick or untick one person (a button's callback); the outcome is shown by the roster."""
    function = leaders.undo_boarding if boarded else leaders.board
    try:
        function(id_number, trip_id, user, url=url)
    except JobbusError as exc:
        st.session_state[NOTE_KEY] = ("error", t("common.refused",
                                                 reason=backend.refusal_text(exc)))
        return
    except Exception:
        backend.show_bug(function.__qualname__)
        return
    backend.ledger_changed()
    st.session_state[NOTE_KEY] = ("success", t("leader.unticked" if boarded else "leader.ticked",
                                               name=name))


@st.fragment
def roster(trip_id: str, user: Any, url: str) -> None:
    """Counts, search and one card per person with a big tick / untick button."""
    lines = backend.run(leaders.roster, trip_id, user, url)
    if lines is None:
        return
    on = int(lines["boarded"].sum())
    st.markdown(t("leader.counts", on=on, off=len(lines) - on))
    st.caption(t("leader.of_total", n=len(lines)))
    note = st.session_state.pop(NOTE_KEY, None)
    if note is not None:
        getattr(st, note[0])(note[1])
    query = st.text_input(t("leader.search"), key=f"ldr_search_{trip_id}",
                          placeholder=t("leader.search_placeholder"))
    shown = _matching(lines, query)
    if shown.empty:
        st.info(t("leader.no_match"))
    for r in shown.to_dict("records"):
        with st.container(border=True):
            st.markdown(t("leader.person", name=r["name"], tail=r["id_number"][-4:]))
            details = [t("leader.pickup", stop=r["pickup_stop"])] if r["pickup_stop"] else []
            if r["phone"]:
                details.append(tel(r["phone"]))
            if details:
                st.markdown(" · ".join(details))
            st.button(t("leader.untick" if r["boarded"] else "leader.tick"),
                      key=f"ldr_tick_{trip_id}_{r['id_number']}", width="stretch",
                      type="primary" if r["boarded"] else "secondary", on_click=_toggle,
                      icon=":material/check_box:" if r["boarded"]
                      else ":material/check_box_outline_blank:",
                      args=(bool(r["boarded"]), r["id_number"], r["name"], trip_id,
                            user, url))


def assign_form(trip_ids: list[str], user: Any, url: str) -> None:
    """An operator's control on 跟踪: give a trip to a leader (or take it back)."""
    st.subheader(t("leader.assign_title"))
    st.caption(t("leader.assign_help"))
    names = leaders.leaders(url)
    if not names:
        st.caption(t("leader.no_leaders"))
        return
    trip_id = st.selectbox(t("leader.assign_trip"), trip_ids, key="ldr_assign_trip",
                           index=None, placeholder=t("planning.trip_placeholder"))
    options = {"": t("leader.assign_none"), **{n: n for n in names}}
    who = st.selectbox(t("leader.assign_who"), list(options), key="ldr_assign_who",
                       format_func=options.__getitem__)
    if trip_id:
        current = leaders.leader_trips(user, url).set_index("trip_id").at[trip_id,
                                                                          "leader_username"]
        st.caption(t("leader.assign_current", who=current or t("leader.assign_none")))
    saved = st.button(t("leader.assign_save"), key="ldr_assign_save", disabled=trip_id is None)
    if saved and backend.attempt(leaders.assign_leader, trip_id, who or None, user, url=url):
        from ui import tracking_views

        tracking_views.flash(t("leader.assigned", trip=trip_id, who=options[who]))
