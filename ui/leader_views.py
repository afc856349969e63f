"""Pieces of 我的车次, the bus leader's phone page (390 px wide): trip cards, the departed /
arrived buttons, the roster with one big tick per person, and the operator's control that
assigns a leader to a trip (on 跟踪).

Rules implemented:

- one column, full-width buttons (big tap targets), no tables: it must fit a phone;
- a leader sees only what ``planner.services.leaders`` gives them (their own trips; the service
  refuses anything else);
- the status shown is what was recorded (出发 / 到达 / 取消), else 未出发: the leader's page
  reports what happened, not the plan, in the words 跟踪 uses (:func:`status`, one rule:
  ``tracking.trip_status``);
- the roster is a fragment: ticking one person or searching redraws only the roster and its
  counts, not the page; a tick is one tap, an untick asks why under that person (a reason
  box, 确认撤销 and 取消, full width) and withdraws the boarding (``leaders.undo_boarding``:
  kept, never deleted);
- the last movement recorded (the arrival, else the departure) has a 撤销 button: a mistake is
  withdrawn, after 确认, with a short reason (``movements.withdraw_trip_event`` decides who may
  and until when; it is never deleted). The same pieces, under keys of its own
  (``ConfirmKeys``), give 跟踪 its 撤销 (``withdraw_last``);
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
from planner.messages.people import id_tail
from planner.services import leaders, movements
from planner.services.movements import REASON_LIMIT
from ui import backend, fmt
from ui.i18n import t
from ui.layout import left_unconfirmed

TRIP_KEY = "ldr_trip"
NOTE_KEY = "ldr_note"
NO_REASON = "ldr_no_reason"  # 确认 of an undo tapped without a reason: asked under its box


def status(row: Any) -> str:
    """A trip's status in words (``row``: a row of ``tracking.trips``): what its recorded
    movements say (``tracking.trip_status``; 未出发 where nothing is recorded) — the words 跟踪
    shows too."""
    return t(f"tracking.status_{row['status']}")


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
UNTICK = "ldr_untick"  # (trip, person) whose 已上车 was tapped, waiting for a reason and 确认
UNTICK_REASON = "ldr_untick_reason"


@dataclass(frozen=True, slots=True)
class ConfirmKeys:
    """The session keys of one page's movement confirmation: the waiting ``Confirmation``,
    its 确认 and 取消 buttons, the 撤销 button and the reason typed."""

    pending: str
    yes: str
    no: str
    withdraw: str
    reason: str


LEADER_KEYS = ConfirmKeys(CONFIRM, CONFIRM_YES, CONFIRM_NO, WITHDRAW_KEY, REASON_KEY)


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


def _confirmation_holds(row: Any, keys: ConfirmKeys = LEADER_KEYS) -> bool:
    """Drop the waiting confirmation unless it still holds for the trip drawn, and say why
    (``True``: one waits for this trip, as it was when asked). It lapses when it was left
    behind (the last run did not draw its 确认: the leader was elsewhere), when another trip is
    drawn (the leader opened it), and when the trip changed since it was asked (someone else
    recorded a movement or cancelled it): 确认 would record on data the leader did not see."""
    pending = left_unconfirmed(keys.pending, keys.yes)
    if pending is None:
        pending = st.session_state.get(keys.pending)
        if not isinstance(pending, Confirmation):
            st.session_state.pop(keys.pending, None)
            return False
        if pending.trip_id == row["trip_id"]:
            if pending.seen == _as_seen(row):
                return True
            del st.session_state[keys.pending]
            st.warning(t("leader.confirm_changed", what=_what(pending),
                         trip=pending.trip_id, now=_now(row)), icon=":material/sync:")
            return False
        del st.session_state[keys.pending]
    if isinstance(pending, Confirmation):
        st.info(t("leader.confirm_left", what=_what(pending), trip=pending.trip_id),
                icon=":material/cancel:")
    return False


def _what(pending: Confirmation) -> str:
    """What a confirmation would do, in words (已出发, or 撤销“已出发”)."""
    what = t(f"leader.{pending.event}")
    return t("leader.withdraw_what", what=what) if pending.withdraw else what


def _act(pending: Confirmation, row: Any, user: Any, url: str,
         keys: ConfirmKeys = LEADER_KEYS) -> bool:
    """确认 tapped: record the movement now, or withdraw it with the reason typed (none typed:
    the question stays, asking for one). ``True``: done (the caller says so and reruns)."""
    if pending.withdraw:
        reason = str(st.session_state.get(keys.reason) or "").strip()
        if not reason:  # asked for under the reason box, where the question is drawn
            st.session_state[NO_REASON] = True
            return False
        del st.session_state[keys.pending]
        done = backend.run(movements.withdraw_trip_event, row["trip_id"], pending.event,
                           reason, user, url=url)
    else:
        del st.session_state[keys.pending]
        now = clock.now().replace(second=0, microsecond=0)
        done = backend.run(movements.record_trip_event, row["trip_id"], pending.event, now,
                           user, url=url)
    if done is None:
        return False
    backend.ledger_changed()
    return True


def _reason_needed(button: str) -> None:
    """Under a reason box: ask for the reason when the confirming ``button`` (its label, as
    the phone shows it) was tapped without one (next to the box, not at the top of a long
    phone page)."""
    if st.session_state.pop(NO_REASON, False):
        st.warning(t("leader.withdraw_no_reason", button=button), icon=":material/edit_note:")


def _withdrawn_text(pending: Confirmation) -> str:
    return t("leader.withdrawn", what=t(f"leader.{pending.event}"), trip=pending.trip_id)


def _answer(row: Any, user: Any, url: str, keys: ConfirmKeys) -> Confirmation | None:
    """Act on 确认 or 取消 of the confirmation waiting for ``row`` (before anything is drawn,
    so a refusal stands alone); the one done, if any."""
    if not _confirmation_holds(row, keys):
        return None
    pending: Confirmation = st.session_state[keys.pending]
    if st.session_state.get(keys.yes):
        return pending if _act(pending, row, user, url, keys) else None
    if st.session_state.get(keys.no):
        del st.session_state[keys.pending]
    return None


def _withdraw_button(row: Any, event: str, keys: ConfirmKeys) -> None:
    """撤销 under the movement ``event`` (the last recorded): a tap asks to confirm, with a
    reason."""
    if st.button(t("leader.withdraw", what=t(f"leader.{event}")), key=keys.withdraw,
                 width="stretch", icon=":material/undo:"):
        st.session_state.pop(keys.reason, None)
        st.session_state[keys.pending] = Confirmation(row["trip_id"], event, _as_seen(row),
                                                      withdraw=True)


def _ask(row: Any, keys: ConfirmKeys) -> None:
    """The question of the confirmation waiting (a withdrawal with its reason box), and
    确认 / 取消."""
    pending = st.session_state.get(keys.pending)
    if pending is None:
        return
    if pending.withdraw:
        st.warning(t("leader.withdraw_confirm", what=t(f"leader.{pending.event}"),
                     at=_when(row[f"{pending.event}_at"]), trip=pending.trip_id),
                   icon=":material/undo:")
        st.text_input(t("leader.withdraw_reason"), key=keys.reason, max_chars=REASON_LIMIT,
                      placeholder=t("leader.withdraw_reason_placeholder"))
        _reason_needed(t("leader.confirm_yes"))
    else:
        st.warning(t("leader.confirm", what=_what(pending), trip=pending.trip_id),
                   icon=":material/help:")
    yes, no = st.columns(2)
    no.button(t("leader.not_yet"), key=keys.no, width="stretch")
    yes.button(t("leader.confirm_yes"), key=keys.yes, type="primary", width="stretch")


def withdraw_last(row: Any, user: Any, url: str, keys: ConfirmKeys,
                  done: Any) -> None:
    """撤销 of a trip's last movement (``row``: the trip as ``tracking.trips`` gives it,
    everything recorded counted), confirmed with a reason, as on the leader's page; for
    跟踪. ``done(message)`` is called once it is withdrawn (it keeps the message and
    reruns)."""
    withdrawn = _answer(row, user, url, keys)
    if withdrawn is not None:
        done(_withdrawn_text(withdrawn))
        return
    event = _last_recorded(row)
    if event is None:
        st.caption(t("tracking.withdraw_nothing"))
        return
    st.caption(t("tracking.last_movement", what=t(f"leader.{event}"),
                 at=_when(row[f"{event}_at"])))
    _withdraw_button(row, event, keys)
    _ask(row, keys)


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
    done = _answer(row, user, url, LEADER_KEYS)
    if done is not None:
        if done.withdraw:
            st.session_state[NOTE_KEY] = ("success", _withdrawn_text(done))
        st.rerun()
    departed, arrived = _when(row["departed_at"]), _when(row["arrived_at"])
    over = bool(arrived) or row["status"] == "cancelled"
    for event, done, allowed in (("departed", departed, not departed and not over),
                                 ("arrived", arrived, bool(departed) and not over)):
        label = t(f"leader.{event}_at", at=done) if done else t(f"leader.{event}")
        if st.button(label, key=f"ldr_{event}", type="primary", width="stretch",
                     disabled=not allowed, icon=":material/directions_bus:"):
            st.session_state[CONFIRM] = Confirmation(row["trip_id"], event, _as_seen(row))
        if event == _last_recorded(row):
            _withdraw_button(row, event, LEADER_KEYS)
    _ask(row, LEADER_KEYS)


def _matching(lines: pd.DataFrame, query: str) -> pd.DataFrame:
    """People whose name contains ``query`` or whose ID number ends with it (4 characters)."""
    query = query.strip()
    if not query:
        return lines
    by_name = lines["name"].str.contains(query, regex=False)
    by_id = lines["id_number"].str.upper().str.endswith(query.upper()) if len(query) == 4 \
        else pd.Series(False, index=lines.index)
    return lines[by_name | by_id]


def _tick(id_number: str, name: str, trip_id: str, user: Any, url: str) -> None:
    """Tick one person (a button's callback); the outcome is shown by the roster."""
    if _call(leaders.board, id_number, trip_id, user, url=url):
        st.session_state[NOTE_KEY] = ("success", t("leader.ticked", name=name))


def _ask_untick(id_number: str, trip_id: str) -> None:
    """已上车 tapped (a button's callback): ask why before the boarding is withdrawn."""
    st.session_state.pop(UNTICK_REASON, None)
    st.session_state[UNTICK] = (trip_id, id_number)


def _untick(id_number: str, name: str, trip_id: str, user: Any, url: str) -> None:
    """确认撤销 tapped (a button's callback): withdraw the boarding with the reason typed;
    none typed: the question stays, asking for one."""
    reason = str(st.session_state.get(UNTICK_REASON) or "").strip()
    if not reason:  # asked for under the reason box
        st.session_state[NO_REASON] = True
        return
    st.session_state.pop(UNTICK, None)
    if _call(leaders.undo_boarding, id_number, trip_id, reason, user, url=url):
        st.session_state[NOTE_KEY] = ("success", t("leader.unticked", name=name))


def _call(function: Any, *args: Any, **kwargs: Any) -> bool:
    """Call a service from a callback: a refusal is kept for the roster to show."""
    try:
        function(*args, **kwargs)
    except JobbusError as exc:
        st.session_state[NOTE_KEY] = ("error", t("common.refused",
                                                 reason=backend.refusal_text(exc)))
        return False
    except Exception:
        backend.show_bug(function.__qualname__)
        return False
    backend.ledger_changed()
    return True


def _untick_question(r: dict[str, Any], trip_id: str, user: Any, url: str) -> None:
    """Under a person whose 已上车 was tapped: why (required), then 取消 / 确认撤销, each
    full width (a phone)."""
    st.warning(t("leader.untick_confirm", name=r["name"]), icon=":material/undo:")
    st.text_input(t("leader.withdraw_reason"), key=UNTICK_REASON, max_chars=REASON_LIMIT,
                  placeholder=t("leader.untick_reason_placeholder"))
    _reason_needed(t("leader.untick_yes"))
    st.button(t("leader.untick_yes"), key="ldr_untick_yes", type="primary", width="stretch",
              on_click=_untick, args=(r["id_number"], r["name"], trip_id, user, url))
    st.button(t("leader.not_yet"), key="ldr_untick_no", width="stretch",
              on_click=st.session_state.pop, args=(UNTICK, None))


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
            st.markdown(t("leader.person", name=r["name"], tail=id_tail(r["id_number"])))
            details = [t("leader.pickup", stop=r["pickup_stop"])] if r["pickup_stop"] else []
            if r["phone"]:
                details.append(tel(r["phone"]))
            if details:
                st.markdown(" · ".join(details))
            asked = st.session_state.get(UNTICK) == (trip_id, r["id_number"])
            if r["boarded"]:
                st.button(t("leader.untick"), key=f"ldr_tick_{trip_id}_{r['id_number']}",
                          width="stretch", type="primary", icon=":material/check_box:",
                          on_click=_ask_untick, args=(r["id_number"], trip_id),
                          disabled=asked)
                if asked:
                    _untick_question(r, trip_id, user, url)
            else:
                st.button(t("leader.tick"), key=f"ldr_tick_{trip_id}_{r['id_number']}",
                          width="stretch", icon=":material/check_box_outline_blank:",
                          on_click=_tick, args=(r["id_number"], r["name"], trip_id, user, url))


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
