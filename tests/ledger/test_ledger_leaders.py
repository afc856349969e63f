"""The bus leader: the dispatch's crew reaches the ledger, an operator assigns trips to leaders,
and a leader reads and acts only on their own trips (boarding ticks, undo, movements)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest

from planner.services import leaders as lead
from planner.services import ledger as svc
from planner.services import movements as mv
from planner.services.auth import PermissionDenied, add_user

PASSWORD = "Tea-kettle-Harbour-42"


@pytest.fixture
def crewed(ledger_url: str, world, actors, tmp_path) -> str:
    """A ledger holding the world's scenario and its plan, whose first trip names its crew, and
    two leaders, ``wang`` leading the first trip and ``li`` the second."""
    first = dataclasses.replace(world.plan.trips[0], leader_name="王领队",
                                leader_phone="13812345678", driver_name="赵师傅",
                                driver_phone="13987654321")
    plan = dataclasses.replace(world.plan, trips=(first, *world.plan.trips[1:]))
    from planner.io import write_plan

    write_plan(plan, tmp_path / "plan")
    op = actors["operator"]
    svc.import_path("scenario", world.scenario_dir, op, url=ledger_url)
    svc.import_path("plan", tmp_path / "plan", op, url=ledger_url)
    for name in ("wang", "li"):
        add_user(name, PASSWORD, "leader", url=ledger_url)
    lead.assign_leader(world.plan.trips[0].trip_id, "wang", op, url=ledger_url)
    lead.assign_leader(world.plan.trips[1].trip_id, "li", op, url=ledger_url)
    return ledger_url


def _leader(name: str):
    from planner.services.auth import Role, User

    return User(name, Role.LEADER)


def _first_person(url: str, trip_id: str) -> str:
    return str(lead.roster(trip_id, _leader("wang"), url)["id_number"].iloc[0])


def test_dispatch_crew_is_stored_with_the_trip(crewed: str, world) -> None:
    """The leader's and driver's names and phones from trips.csv reach the ledger's trip."""
    row = lead.leader_trips(_leader("wang"), crewed).iloc[0]
    assert (row["leader_name"], row["leader_phone"]) == ("王领队", "13812345678")
    assert (row["driver_name"], row["driver_phone"]) == ("赵师傅", "13987654321")


def test_leader_lists_only_their_trips(crewed: str, world, actors) -> None:
    """A leader's trip list holds only the trips assigned to them; an operator sees all."""
    mine = lead.leader_trips(_leader("wang"), crewed)
    assert list(mine["trip_id"]) == [world.plan.trips[0].trip_id]
    assert list(lead.leader_trips(_leader("li"), crewed)["trip_id"]) == [
        world.plan.trips[1].trip_id]
    assert len(lead.leader_trips(actors["operator"], crewed)) == len(world.plan.trips)


def test_leader_refused_on_another_leaders_trip(crewed: str, world) -> None:
    """Reading, ticking and recording a movement on a trip led by someone else is refused in
    the service layer, and nothing is written."""
    theirs = world.plan.trips[1].trip_id
    person = str(lead.roster(theirs, _leader("li"), crewed)["id_number"].iloc[0])
    wang = _leader("wang")
    with pytest.raises(PermissionDenied):
        lead.roster(theirs, wang, crewed)
    with pytest.raises(PermissionDenied):
        lead.board(person, theirs, wang, url=crewed)
    with pytest.raises(PermissionDenied):
        mv.record_trip_event(theirs, "departed", dt.datetime(2020, 2, 20, 7), wang, url=crewed)
    assert lead.leader_trips(_leader("li"), crewed).iloc[0]["boarded"] == 0
    assert svc.audit_log("trip", theirs, url=crewed)["action"].tolist() == ["assign_leader"]


def test_leader_ticks_and_unticks_a_boarding_audited(crewed: str, world) -> None:
    """A tick records the boarding, an untick (with a reason) takes it back; the counts follow
    and the audit log keeps who did each and when."""
    trip = world.plan.trips[0].trip_id
    wang = _leader("wang")
    person = _first_person(crewed, trip)
    lead.board(person, trip, wang, url=crewed)
    lines = lead.roster(trip, wang, crewed).set_index("id_number")
    assert bool(lines.at[person, "boarded"]) and int(lines["boarded"].sum()) == 1
    assert lead.leader_trips(wang, crewed).iloc[0]["boarded"] == 1
    lead.undo_boarding(person, trip, "点错人了", wang, url=crewed)
    assert not lead.roster(trip, wang, crewed)["boarded"].any()
    log = svc.audit_log("boarding", f"{person}|{trip}", url=crewed)
    assert log["action"].tolist() == ["board", "undo_boarding"]
    assert set(log["actor"]) == {"wang"} and log["at"].notna().all()
    assert log["before"].iloc[1]["natural_key"] == f"boarded|{person}|{trip}"
    assert log["after"].iloc[1]["withdraw_reason"] == "点错人了"


def test_untick_needs_a_reason_and_the_person_can_be_ticked_again(crewed: str, world) -> None:
    """An untick without a reason is refused and the person stays boarded; unticked with one,
    the boarding is kept marked withdrawn (by whom, why), and a new tick boards them again."""
    from sqlalchemy import select

    from planner.ledger import UnitOfWork
    from planner.ledger import models as m

    trip = world.plan.trips[0].trip_id
    wang = _leader("wang")
    person = _first_person(crewed, trip)
    lead.board(person, trip, wang, url=crewed)
    with pytest.raises(mv.MovementRefused, match="reason"):
        lead.undo_boarding(person, trip, "  ", wang, url=crewed)
    assert lead.leader_trips(wang, crewed).iloc[0]["boarded"] == 1
    lead.undo_boarding(person, trip, "点错人了", wang, url=crewed)
    lead.board(person, trip, wang, url=crewed)
    assert lead.leader_trips(wang, crewed).iloc[0]["boarded"] == 1
    with UnitOfWork(crewed) as uow:
        rows = uow.session.execute(select(m.Event.withdrawn_by, m.Event.withdraw_reason).where(
            m.Event.kind == "boarded").order_by(m.Event.id)).all()
    assert [tuple(r) for r in rows] == [("wang", "点错人了"), (None, None)]


def test_second_tick_and_stranger_are_refused(crewed: str, world) -> None:
    """Ticking a person twice, or someone not on the trip, is refused with a clear reason."""
    trip, other = world.plan.trips[0].trip_id, world.plan.trips[1].trip_id
    wang = _leader("wang")
    person = _first_person(crewed, trip)
    stranger = str(lead.roster(other, _leader("li"), crewed)["id_number"].iloc[0])
    lead.board(person, trip, wang, url=crewed)
    with pytest.raises(mv.MovementRefused, match="already boarded"):
        lead.board(person, trip, wang, url=crewed)
    with pytest.raises(mv.MovementRefused, match=f"is not on trip {trip}"):
        lead.board(stranger, trip, wang, url=crewed)


def test_leader_marks_their_trip_departed_and_arrived(crewed: str, world) -> None:
    """A leader records the departure and arrival of their own trip (audited as them)."""
    trip = world.plan.trips[0].trip_id
    wang = _leader("wang")
    mv.record_trip_event(trip, "departed", dt.datetime(2020, 2, 20, 7), wang, url=crewed)
    mv.record_trip_event(trip, "arrived", dt.datetime(2020, 2, 21, 9), wang, url=crewed)
    row = lead.leader_trips(wang, crewed).iloc[0]
    assert row["status"] == "arrived" and row["departed_at"].hour == 7
    assert set(svc.audit_log("trip", trip, url=crewed)["actor"]) == {"system:operator", "wang"}


def test_unassigned_leader_loses_the_trip(crewed: str, world, actors) -> None:
    """Once the operator takes a trip from a leader, the leader can no longer act on it."""
    trip = world.plan.trips[0].trip_id
    lead.assign_leader(trip, None, actors["operator"], url=crewed)
    assert lead.leader_trips(_leader("wang"), crewed).empty
    with pytest.raises(PermissionDenied):
        lead.board(_first_person_any(crewed, trip, actors), trip, _leader("wang"), url=crewed)


def _first_person_any(url: str, trip_id: str, actors) -> str:
    return str(lead.roster(trip_id, actors["auditor"], url)["id_number"].iloc[0])


def test_only_operators_assign_leaders_and_only_to_leaders(crewed: str, world, actors) -> None:
    """A leader may not assign trips, and a trip cannot be given to a user of another role."""
    trip = world.plan.trips[0].trip_id
    with pytest.raises(PermissionDenied):
        lead.assign_leader(trip, "wang", _leader("li"), url=crewed)
    add_user("clerk", PASSWORD, "operator", url=crewed)
    with pytest.raises(ValueError, match="not an active user of the role leader"):
        lead.assign_leader(trip, "clerk", actors["operator"], url=crewed)
    assert lead.leaders(crewed) == ["li", "wang"]


def test_leader_withdraws_a_mistaken_departure_of_their_trip_only(crewed: str, world,
                                                                 actors) -> None:
    """A leader withdraws the departure they tapped too early on their own trip (audited under
    their name, with the reason); on another leader's trip, and for a reviewer, it is refused
    in the service and nothing is written."""
    mine, theirs = world.plan.trips[0].trip_id, world.plan.trips[1].trip_id
    wang, li = _leader("wang"), _leader("li")
    at = dt.datetime(2020, 2, 20, 7)
    mv.record_trip_event(mine, "departed", at, wang, url=crewed)
    mv.record_trip_event(theirs, "departed", at, li, url=crewed)
    with pytest.raises(PermissionDenied):
        mv.withdraw_trip_event(theirs, "departed", "not mine", wang, url=crewed)
    with pytest.raises(PermissionDenied):
        mv.withdraw_trip_event(mine, "departed", "mistake", actors["reviewer"], url=crewed)
    assert svc.audit_log("trip", theirs, url=crewed)["action"].tolist()[-1] == "trip_departed"
    mv.withdraw_trip_event(mine, "departed", "点早了", wang, url=crewed)
    row = lead.leader_trips(wang, crewed).iloc[0]
    assert not row["recorded"] and pd.isna(row["departed_at"])
    assert lead.leader_trips(li, crewed).iloc[0]["departed_at"] == at
    last = svc.audit_log("trip", mine, url=crewed).iloc[-1]
    assert (last["actor"], last["action"], last["after"]["note"]) == (
        "wang", "withdraw_departed", "点早了")


def test_refusals_name_a_person_by_name_and_last_four_digits(crewed: str, world,
                                                           actors) -> None:
    """Every refusal that names a person — untick after a check-in, a second tick, not on the
    trip, not boarded, no check-in to undo, not on a cancelled trip — names them by name and
    the last 4 characters of the ID number, in Chinese and in English, never the whole
    number (it is shown on a leader's phone)."""
    trip, other = world.plan.trips[0].trip_id, world.plan.trips[1].trip_id
    op, wang = actors["operator"], _leader("wang")
    lines = lead.roster(trip, wang, crewed)
    person, name = str(lines["id_number"].iloc[0]), str(lines["name"].iloc[0])
    stranger_line = lead.roster(other, _leader("li"), crewed).iloc[0]
    stranger, stranger_name = str(stranger_line["id_number"]), str(stranger_line["name"])
    employer = str(lines["employer_uscc"].iloc[0])
    lead.board(person, trip, wang, url=crewed)
    mv.check_in([(person, employer)], trip, world.plan.trips[0].arrive.date(), op, url=crewed)
    refusals = {}
    for what, call, who in (
            ("checked in", lambda: lead.undo_boarding(person, trip, "点错了", wang,
                                                      url=crewed), (name, person)),
            ("second tick", lambda: lead.board(person, trip, wang, url=crewed), (name, person)),
            ("not on trip", lambda: lead.board(stranger, trip, wang, url=crewed),
             (stranger_name, stranger)),
            ("not boarded", lambda: lead.undo_boarding(stranger, other, "点错了", op,
                                                       url=crewed), (stranger_name, stranger)),
            ("no check-in", lambda: mv.undo_check_in(stranger, other, "点错了", op,
                                                     url=crewed), (stranger_name, stranger)),
            ("not cancelled", lambda: mv.reseat([stranger], None, op, url=crewed),
             (stranger_name, stranger))):
        with pytest.raises(mv.MovementRefused) as refused:
            call()
        zh, en = refused.value.message.render("zh"), refused.value.message.render("en")
        refusals[what] = zh
        named, id_number = who
        assert f"{named}（身份证尾号 {id_number[-4:]}）" in zh, (what, zh)
        assert f"{named} (ID ending {id_number[-4:]})" in en, (what, en)
        assert id_number not in zh and id_number not in en and id_number not in str(
            refused.value), (what, zh)
    assert refusals["checked in"] == (
        f"{name}（身份证尾号 {person[-4:]}）已在车次 {trip} 登记到岗；请先撤销到岗登记")
    assert refusals["no check-in"].endswith(f"在车次 {other} 上没有到岗登记")
