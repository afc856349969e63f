"""AppTest of 我的车次, the bus leader's page: a leader sees only their trip, ticks and unticks a
passenger with the counts following, records the departure; an operator assigns a leader on
跟踪."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

LEADER_PASSWORD = "Tea-kettle-Harbour-42"


def _url(home: Path) -> str:
    return f"sqlite:///{home / 'jobbus.sqlite'}"


@pytest.fixture()
def two_leaders(env_home: Path) -> tuple[str, str]:
    """Leaders ``lead-a`` and ``lead-b`` (made once in the session's ledger), each assigned a
    trip of the demo where someone has not boarded; returns (lead-a's trip, lead-b's trip)."""
    from planner.services import leaders
    from planner.services.auth import Role, add_user, system_actor

    url = _url(env_home)
    trips = leaders.leader_trips(system_actor(Role.AUDITOR), url)
    gaps = trips[trips["status"] != "cancelled"].assign(
        gap=trips["on_manifest"] - trips["boarded"]).sort_values(["gap", "trip_id"])
    mine, theirs = str(gaps["trip_id"].iloc[-1]), str(gaps["trip_id"].iloc[-2])
    assert gaps["gap"].iloc[-2] > 0, "the demo has people who did not board"
    for name, trip in (("lead-a", mine), ("lead-b", theirs)):
        with contextlib.suppress(ValueError):  # made by an earlier test of the session
            add_user(name, LEADER_PASSWORD, "leader", url=url)
        leaders.assign_leader(trip, name, system_actor(Role.OPERATOR), url=url)
    return mine, theirs


def _markdown(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def _not_boarded(url: str, trip_id: str):
    """The roster of a trip (read as an auditor) and its first person not boarded."""
    from planner.services import leaders
    from planner.services.auth import Role, system_actor

    lines = leaders.roster(trip_id, system_actor(Role.AUDITOR), url)
    return lines, lines[~lines["boarded"]].iloc[0]


def test_leader_sees_only_their_trip(sign_in, two_leaders, env_home) -> None:
    """Signed in, a leader gets 我的车次 with their own trip open, its counts, and no sign of
    the other leader's trip."""
    mine, theirs = two_leaders
    lines, _ = _not_boarded(_url(env_home), mine)
    on = int(lines["boarded"].sum())
    at = sign_in("lead-a", LEADER_PASSWORD)
    assert at.title[0].value == "我的车次"
    assert [s.value for s in at.subheader] == [mine]
    assert theirs not in _markdown(at)
    assert f"已上车 {on} · 未上车 {len(lines) - on}" in _markdown(at)


def test_leader_ticks_and_unticks_a_passenger(sign_in, two_leaders, env_home) -> None:
    """Ticking a passenger counts them boarded; unticking asks why under the person, 确认撤销
    without a reason undoes nothing, with one it undoes the boarding; both in the audit log,
    the untick with its reason."""
    from planner.services import ledger

    mine, _ = two_leaders
    url = _url(env_home)
    lines, person = _not_boarded(url, mine)
    on = int(lines["boarded"].sum())
    at = sign_in("lead-a", LEADER_PASSWORD)
    key = f"ldr_tick_{mine}_{person['id_number']}"
    at.button(key=key).click().run()
    assert not at.exception, at.exception
    assert f"已上车 {on + 1} ·" in _markdown(at)
    assert at.button(key=key).label == "已上车 — 点此撤销"
    at.button(key=key).click().run()
    assert f"已上车 {on + 1} ·" in _markdown(at)  # not yet: it asks why first
    at.button(key="ldr_untick_yes").click().run()
    assert not at.exception, at.exception
    assert f"已上车 {on + 1} ·" in _markdown(at)
    assert any("请先写明撤销原因" in w.value for w in at.warning)
    at.text_input(key="ldr_untick_reason").input("点错人了").run()
    at.button(key="ldr_untick_yes").click().run()
    assert not at.exception, at.exception
    assert f"已上车 {on} ·" in _markdown(at)
    assert "ldr_untick_yes" not in {b.key for b in at.button}
    log = ledger.audit_log("boarding", f"{person['id_number']}|{mine}", url=url)
    assert log["action"].tolist()[-2:] == ["board", "undo_boarding"]
    assert set(log["actor"]) == {"lead-a"}
    assert log["after"].iloc[-1]["withdraw_reason"] == "点错人了"


def test_leader_search_by_last_four_digits(sign_in, two_leaders, env_home) -> None:
    """Typing the last 4 digits of an ID number leaves that person's card on the page."""
    from planner.services import leaders
    from planner.services.auth import Role, system_actor

    mine, _ = two_leaders
    lines = leaders.roster(mine, system_actor(Role.AUDITOR), _url(env_home))
    person = lines.iloc[-1]
    at = sign_in("lead-a", LEADER_PASSWORD)
    at.text_input(key=f"ldr_search_{mine}").input(person["id_number"][-4:]).run()
    ticks = [b for b in at.button if b.key and b.key.startswith(f"ldr_tick_{mine}_")]
    assert f"ldr_tick_{mine}_{person['id_number']}" in {b.key for b in ticks}
    assert len(ticks) < len(lines)


def test_operator_assigns_a_leader_on_tracking(sign_in, two_leaders, env_home) -> None:
    """On 跟踪 an operator gives lead-b's trip to lead-a; the service then lists it for lead-a."""
    from planner.services import leaders
    from planner.services.auth import Role, User

    _, theirs = two_leaders
    at = sign_in("operator")
    at.switch_page("app_pages/tracking.py").run()
    at.selectbox(key="ldr_assign_trip").set_value(theirs).run()
    at.selectbox(key="ldr_assign_who").set_value("lead-a").run()
    at.button(key="ldr_assign_save").click().run()
    assert not at.exception, at.exception
    mine = leaders.leader_trips(User("lead-a", Role.LEADER), _url(env_home))
    assert theirs in set(mine["trip_id"])


def test_leader_confirms_a_departure_recorded_in_beijing_time(sign_in, env_home) -> None:
    """已出发 asks to confirm: 取消 records nothing; 确认 records the departure at the
    current Beijing time (the scenario's clock), whatever the server's zone."""
    import datetime as dt

    from planner.services import leaders
    from planner.services.auth import Role, add_user, system_actor

    url = _url(env_home)
    auditor = system_actor(Role.AUDITOR)
    trips = leaders.leader_trips(auditor, url)
    trip = str(trips[~trips["recorded"] & (trips["status"] != "cancelled")]["trip_id"].iloc[0])
    with contextlib.suppress(ValueError):
        add_user("lead-confirm", LEADER_PASSWORD, "leader", url=url)
    leaders.assign_leader(trip, "lead-confirm", system_actor(Role.OPERATOR), url=url)
    _nobody_arrived(url, trip)
    at = sign_in("lead-confirm", LEADER_PASSWORD)
    at.button(key="ldr_departed").click().run()
    assert any(trip in w.value and "确认" in w.value for w in at.warning)
    at.button(key="ldr_not_yet").click().run()
    assert not leaders.leader_trips(auditor, url).set_index("trip_id").loc[trip, "recorded"]
    at.button(key="ldr_departed").click().run()
    at.button(key="ldr_confirm_yes").click().run()
    assert not at.exception, at.exception
    row = leaders.leader_trips(auditor, url).set_index("trip_id").loc[trip]
    beijing = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).replace(tzinfo=None)
    assert abs((row["departed_at"] - beijing).total_seconds()) < 120


def _nobody_arrived(url: str, trip_id: str) -> None:
    """Undo the check-ins of ``trip_id``'s people: a departure tapped now (years after the
    demo's 2020 check-ins) would be a departure after its people arrived, refused."""
    from planner.services import movements
    from planner.services import tracking as reads
    from planner.services.auth import Role, system_actor

    lines = reads.manifest(url, trip_id)
    for id_number in lines.loc[lines["arrived_on"].notna(), "id_number"]:
        with contextlib.suppress(movements.MovementRefused):  # arrived by another trip
            movements.undo_check_in(id_number, trip_id, "测试：尚未到岗",
                                    system_actor(Role.OPERATOR), url=url)


def _lead_unrecorded(env_home: Path, name: str, n: int = 1) -> list[str]:
    """``n`` trips of the demo with nothing recorded and no leader yet, now led by ``name``,
    none of whose people has checked in yet (the leader taps 已出发 now)."""
    from planner.services import leaders
    from planner.services.auth import Role, add_user, system_actor

    url = _url(env_home)
    trips = leaders.leader_trips(system_actor(Role.AUDITOR), url)
    free = trips[~trips["recorded"] & (trips["status"] != "cancelled")
                 & (trips["leader_username"] == "")]
    chosen = [str(t) for t in free["trip_id"].iloc[:n]]
    assert len(chosen) == n, "the demo has enough trips nobody leads"
    with contextlib.suppress(ValueError):
        add_user(name, LEADER_PASSWORD, "leader", url=url)
    for trip in chosen:
        leaders.assign_leader(trip, name, system_actor(Role.OPERATOR), url=url)
        _nobody_arrived(url, trip)
    return chosen


def _recorded(env_home: Path, trip: str) -> bool:
    from planner.services import leaders
    from planner.services.auth import Role, system_actor

    trips = leaders.leader_trips(system_actor(Role.AUDITOR), _url(env_home))
    return bool(trips.set_index("trip_id").loc[trip, "recorded"])


def _texts(at, kind: str) -> list[str]:
    return [e.value for e in getattr(at, kind)]


def test_opening_another_trip_drops_a_waiting_confirmation(sign_in, env_home) -> None:
    """已出发 of trip A waits for 确认; the leader opens trip B and comes back to A: A's
    question is gone (no 确认 to tap, nothing recorded) and the page said plainly that the
    unconfirmed 已出发 of A was cancelled — it does not come back armed."""
    first, second = _lead_unrecorded(env_home, "lead-two", 2)
    at = sign_in("lead-two", LEADER_PASSWORD)
    at.button(key=f"ldr_open_{first}").click().run()
    at.button(key="ldr_departed").click().run()
    assert any(first in w for w in _texts(at, "warning"))
    at.button(key=f"ldr_open_{second}").click().run()
    assert not at.exception, at.exception
    assert "ldr_confirm_yes" not in {b.key for b in at.button}
    assert any("未确认" in i and first in i and "已出发" in i for i in _texts(at, "info"))
    at.button(key=f"ldr_open_{first}").click().run()
    assert not at.exception, at.exception
    assert "ldr_confirm_yes" not in {b.key for b in at.button}
    assert not any("确认车次" in w for w in _texts(at, "warning"))
    assert not _recorded(env_home, first)


def test_a_confirmation_lapses_when_the_trip_changed_meanwhile(sign_in, env_home) -> None:
    """已出发 waits for 确认; meanwhile an operator records the departure on 跟踪: on the
    leader's next run the question is gone and the page says the trip changed, instead of
    offering 确认 on a departure that is already recorded."""
    import datetime as dt

    from planner.services import movements
    from planner.services.auth import Role, system_actor

    (trip,) = _lead_unrecorded(env_home, "lead-changed")
    at = sign_in("lead-changed", LEADER_PASSWORD)
    at.button(key="ldr_departed").click().run()
    assert "ldr_confirm_yes" in {b.key for b in at.button}
    movements.record_trip_event(trip, "departed", dt.datetime(2020, 2, 10, 6, 30),
                                system_actor(Role.OPERATOR), url=_url(env_home))
    at.run()
    assert not at.exception, at.exception
    assert "ldr_confirm_yes" not in {b.key for b in at.button}
    warnings = _texts(at, "warning")
    assert len(warnings) == 1 and "没有记录" in warnings[0] and trip in warnings[0], warnings


def test_leader_withdraws_a_departure_tapped_too_early(sign_in, env_home) -> None:
    """Under a recorded 已出发 the leader taps 撤销: 确认 without a reason asks for one and
    withdraws nothing; with a reason the departure no longer counts (已出发 can be tapped
    again), the audit log holds the leader, the reason and the departure as it was."""
    from planner.services import ledger

    (trip,) = _lead_unrecorded(env_home, "lead-undo")
    at = sign_in("lead-undo", LEADER_PASSWORD)
    assert "ldr_withdraw" not in {b.key for b in at.button}  # nothing recorded yet
    at.button(key="ldr_departed").click().run()
    at.button(key="ldr_confirm_yes").click().run()
    assert _recorded(env_home, trip) and at.button(key="ldr_departed").disabled
    at.button(key="ldr_withdraw").click().run()
    assert any("撤销车次" in w and trip in w for w in _texts(at, "warning"))
    at.button(key="ldr_confirm_yes").click().run()
    assert not at.exception, at.exception
    assert any("请先写明撤销原因" in w for w in _texts(at, "warning"))
    assert _recorded(env_home, trip)
    at.text_input(key="ldr_withdraw_reason").input("车还没走，点早了").run()
    at.button(key="ldr_confirm_yes").click().run()
    assert not at.exception, at.exception
    assert not _recorded(env_home, trip)
    assert not at.button(key="ldr_departed").disabled
    assert "ldr_withdraw" not in {b.key for b in at.button}
    assert any("已撤销" in s for s in _texts(at, "success"))
    last = ledger.audit_log("trip", trip, url=_url(env_home)).iloc[-1]
    assert (last["actor"], last["action"]) == ("lead-undo", "withdraw_departed")
    assert last["after"]["note"] == "车还没走，点早了"
