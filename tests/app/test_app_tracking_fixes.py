"""AppTest of what a tester found on 跟踪 → 记录车次动态 and 我的车次: the movement form starts at
the trip's planned day, refuses movements its people's check-ins contradict, empties the note
once recorded and stays on its tab."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd

MOVE_TAB = "记录车次动态"


def _url(home: Path) -> str:
    return f"sqlite:///{home / 'jobbus.sqlite'}"


def _errors(at: Any) -> str:
    return " ".join(e.value for e in at.error)


def _checked_in_trip(url: str, someone_missing: bool = False) -> tuple[Any, dt.date]:
    """A trip of the demo with nothing recorded, not cancelled, some of whose people are
    checked in, arriving a day or more after it leaves and before the demo's last day (the
    default 截至日期), and their first check-in day; the last such (other tests take the
    first). ``someone_missing``: one of its people is not checked in (a movement recorded
    changes the count of 未到岗人员 in its tab's label)."""
    from planner.services import tracking as reads

    trips = reads.trips(url, dt.date.max)
    free = trips[~trips["recorded"] & (trips["status"] != "cancelled") & (trips["arrived"] > 0)
                 & (trips["kind"] != "feeder") & (trips["depart_date"] < trips["arrive_date"])
                 & (trips["arrive_date"] < reads.last_day(url))]
    if someone_missing:
        free = free[free["arrived"] < free["on_manifest"]]
    trip = free.iloc[-1]
    days = reads.manifest(url, trip["trip_id"])["arrived_on"].dropna()
    return trip, min(days)


def _move_tab(sign_in: Any) -> Any:
    at = sign_in("operator")
    at.switch_page("app_pages/tracking.py").run()
    at.session_state["trk_tab"] = MOVE_TAB
    at.run()
    assert not at.exception, at.exception
    return at


def _open_tab(at: Any) -> int:
    """The index of the tab 跟踪 opens (the tab set's ``default_tab_index``)."""
    return at.get_by_key("trk_tab").proto.tab_container.default_tab_index


def test_a_movement_starts_at_the_trips_planned_day(sign_in, env_home) -> None:
    """Picking a trip sets the day to its planned departure day for 已出发 and to its planned
    arrival day for 已到达 — not 截至日期."""
    trip, _ = _checked_in_trip(_url(env_home))
    at = _move_tab(sign_in)
    assert at.date_input(key="trk_as_of").value not in (trip["depart_date"],
                                                         trip["arrive_date"])
    at.selectbox(key="trk_mv_trip").select(trip["trip_id"]).run()
    assert at.date_input(key="trk_mv_day").value == trip["depart_date"]
    at.selectbox(key="trk_mv_event").select("arrived").run()
    assert at.date_input(key="trk_mv_day").value == trip["arrive_date"]


def _depart(at: Any, trip: Any, note: str = "") -> None:
    """Record 已出发 of ``trip`` on its planned day at 08:00 through the form."""
    at.selectbox(key="trk_mv_trip").select(trip["trip_id"]).run()
    at.selectbox(key="trk_mv_event").select("departed").run()
    at.date_input(key="trk_mv_day").set_value(trip["depart_date"]).run()
    if note:
        at.text_input(key="trk_mv_note").input(note).run()
    at.button(key="trk_mv_save").click().run()
    assert not at.exception, at.exception
    assert any(f"已记录：车次 {trip['trip_id']}" in s.value for s in at.success)


def test_a_recorded_movement_empties_the_note(sign_in, env_home) -> None:
    """The note typed for 已出发 is empty once it is recorded, so the 已到达 recorded next
    is stored without it."""
    from planner.services import ledger

    url = _url(env_home)
    trip, first = _checked_in_trip(url)
    at = _move_tab(sign_in)
    _depart(at, trip, "按时出发")
    assert at.text_input(key="trk_mv_note").value == ""
    at.selectbox(key="trk_mv_event").select("arrived").run()
    at.date_input(key="trk_mv_day").set_value(first).run()
    at.button(key="trk_mv_save").click().run()
    assert not at.exception, at.exception
    log = ledger.audit_log("trip", trip["trip_id"], url=url)
    notes = {a: after["note"] for a, after in zip(log["action"], log["after"], strict=True)}
    assert notes == {"trip_departed": "按时出发", "trip_arrived": None}


def test_recording_a_movement_stays_on_its_tab(sign_in, env_home) -> None:
    """After 记录动态 the page still opens 记录车次动态, though the count of 未到岗人员 in a tab
    label changed with the movement (the trip is on its way, not arrived by plan)."""
    trip, _ = _checked_in_trip(_url(env_home), someone_missing=True)
    at = _move_tab(sign_in)
    before = [tab.label for tab in at.tabs]
    assert _open_tab(at) == 1
    _depart(at, trip)
    assert [tab.label for tab in at.tabs] != before
    assert at.session_state["trk_tab"] == MOVE_TAB and _open_tab(at) == 1


def test_an_impossible_movement_is_refused_on_the_page(sign_in, env_home) -> None:
    """With the departure recorded, 已到达 at its very minute, or on a day after the first
    check-in of the trip's people, is refused on the page naming the trip; nothing is
    recorded."""
    from planner.services import movements
    from planner.services import tracking as reads
    from planner.services.auth import Role, system_actor

    url = _url(env_home)
    trip, first = _checked_in_trip(url)
    trip_id = trip["trip_id"]
    left = dt.datetime.combine(trip["depart_date"], dt.time(8))
    movements.record_trip_event(trip_id, "departed", left, system_actor(Role.OPERATOR),
                                url=url)
    at = _move_tab(sign_in)
    at.selectbox(key="trk_mv_trip").select(trip_id).run()
    at.selectbox(key="trk_mv_event").select("arrived").run()
    at.date_input(key="trk_mv_day").set_value(trip["depart_date"]).run()
    at.button(key="trk_mv_save").click().run()
    assert not at.exception, at.exception
    assert f"车次 {trip_id} 的到达时间" in _errors(at) and "到达须在出发之后" in _errors(at)
    at.date_input(key="trk_mv_day").set_value(first + dt.timedelta(days=1)).run()
    at.button(key="trk_mv_save").click().run()
    assert f"车次 {trip_id} 的到达时间" in _errors(at)
    assert f"晚于其乘客最早的到岗日期 {first}" in _errors(at)
    assert pd.isna(reads.trips(url, dt.date.max).set_index("trip_id").at[trip_id, "arrived_at"])


LEADER_PASSWORD = "Tea-kettle-Harbour-42"


def test_a_leaders_refusal_names_the_person_without_the_whole_id(sign_in, env_home) -> None:
    """我的车次: unticking someone already checked in asks for the reason naming the button as
    it reads (确认撤销); with a reason it is refused naming the person by name and the last 4
    characters of the ID number, as their card does — the whole number appears nowhere."""
    import contextlib

    from planner.services import leaders
    from planner.services import tracking as reads
    from planner.services.auth import Role, add_user, system_actor

    url = _url(env_home)
    trips = leaders.leader_trips(system_actor(Role.AUDITOR), url)
    free = trips[(trips["leader_username"] == "") & (trips["arrived"] > 0)
                 & (trips["kind"] != "feeder")]
    trip = str(free["trip_id"].iloc[-1])
    with contextlib.suppress(ValueError):
        add_user("lead-masked", LEADER_PASSWORD, "leader", url=url)
    leaders.assign_leader(trip, "lead-masked", system_actor(Role.OPERATOR), url=url)
    lines = reads.manifest(url, trip)
    person = lines[lines["arrived_on"].notna()].iloc[0]
    id_number, name = str(person["id_number"]), str(person["name"])
    at = sign_in("lead-masked", LEADER_PASSWORD)
    at.button(key=f"ldr_tick_{trip}_{id_number}").click().run()  # 已上车 — 点此撤销
    at.button(key="ldr_untick_yes").click().run()
    assert not at.exception, at.exception
    assert at.button(key="ldr_untick_yes").label == "确认撤销"
    assert any("再点“确认撤销”" in w.value for w in at.warning), [w.value for w in at.warning]
    at.text_input(key="ldr_untick_reason").input("点错人了").run()
    at.button(key="ldr_untick_yes").click().run()
    assert not at.exception, at.exception
    assert f"{name}（身份证尾号 {id_number[-4:]}）已在车次 {trip} 登记到岗" in _errors(at)
    shown = [e.value for kind in ("error", "warning", "info", "success", "markdown", "caption")
             for e in getattr(at, kind)]
    assert not [text for text in shown if id_number in text]


def test_tracking_and_my_trips_agree_on_a_trips_status(sign_in, env_home) -> None:
    """A trip with nothing recorded, arrived by plan: 跟踪 says 未出发 and adds 计划已到达 —
    never 已到达 as a fact — and its leader's 我的车次 says 未出发 too; the KPI 已到达车次
    counts recorded arrivals and notes the trips arrived by plan apart."""
    import contextlib

    from planner.services import leaders
    from planner.services import tracking as reads
    from planner.services.auth import Role, add_user, system_actor

    url = _url(env_home)
    as_of = reads.last_day(url)
    trips = reads.trips(url, as_of)
    crew = leaders.leader_trips(system_actor(Role.AUDITOR), url).set_index("trip_id")
    free = trips[~trips["recorded"] & (trips["arrive_date"] <= as_of)
                 & trips["trip_id"].map(crew["leader_username"]).eq("")]
    trip = str(free["trip_id"].iloc[len(free) // 2])
    with contextlib.suppress(ValueError):
        add_user("lead-status", LEADER_PASSWORD, "leader", url=url)
    leaders.assign_leader(trip, "lead-status", system_actor(Role.OPERATOR), url=url)
    at = sign_in("operator")
    at.switch_page("app_pages/tracking.py").run()
    table = at.dataframe[0].value.set_index("车次")
    assert table.loc[trip, "状态"] == "未出发（计划已到达）"
    leader = sign_in("lead-status", LEADER_PASSWORD)
    assert any(c.value.startswith("状态：未出发") for c in leader.caption), [
        c.value for c in leader.caption]
    card = next(m for m in at.metric if m.label == "已到达车次")
    assert card.value == str(int((trips["status"] == "arrived").sum()))
    assert card.delta == f"计划另 {int((trips['plan'] == 'arrived').sum())} 车（未登记）"


def test_overview_marks_trips_under_way_by_plan(sign_in, env_home) -> None:
    """总览 on a day trips are on the road by plan: each row says whether its departure was
    recorded (在途) or it is under way by plan only (未出发（计划在途）), and the line above
    counts those by plan apart."""
    from planner.services import tracking as reads

    url = _url(env_home)
    trips = reads.trips(url, dt.date(2000, 1, 1))
    day = trips[trips["depart_date"] < trips["arrive_date"]]["depart_date"].iloc[0]
    on_road = reads.trips(url, day)
    by_plan = int((~on_road["recorded"] & (on_road["depart_date"] <= day)
                   & (on_road["arrive_date"] > day)).sum())
    assert by_plan > 0
    at = sign_in("auditor")
    at.slider(key="ov_as_of").set_value(day).run()
    assert not at.exception, at.exception
    line = next(m.value for m in at.markdown if "在途车次" in m.value)
    assert f"其中 {by_plan} 个未登记出发，按计划在途" in line, line
    table = next(d.value for d in at.dataframe if "状态" in d.value.columns)
    recorded = set(on_road.loc[on_road["status"] == "under_way", "trip_id"])
    assert {(r["车次"] in recorded, r["状态"]) for r in table.to_dict("records")} <= {
        (True, "在途"), (False, "未出发（计划在途）")}
