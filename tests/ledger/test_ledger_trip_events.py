"""Real movements: trip events (import and app), the status they give, check-in undo, counts
as of a day, and re-seating the people of a cancelled trip."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from planner.cli import main
from planner.problems import InputError
from planner.services import ledger as svc
from planner.services import movements as mv
from planner.services import tracking as reads
from planner.services.auth import PermissionDenied


@pytest.fixture
def planned(ledger_url: str, world, actors) -> str:
    """A ledger holding the world's scenario and plan (no events yet)."""
    op = actors["operator"]
    svc.import_path("scenario", world.scenario_dir, op, url=ledger_url)
    svc.import_path("plan", world.plan_dir, op, url=ledger_url)
    return ledger_url


def _trips(world) -> tuple[str, str, dt.date]:
    """Two trip ids of the plan and the day they leave."""
    first, second = world.plan.trips[0], world.plan.trips[1]
    return first.trip_id, second.trip_id, first.depart.date()


def _write(tmp_path: Path, text: str, name: str = "trip_events.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _count(url: str) -> int:
    from planner.ledger import UnitOfWork
    from planner.ledger import models as m

    with UnitOfWork(url) as uow:
        return uow.repo.count(m.TripEvent)


def test_imported_events_decide_the_status(planned: str, world, actors, tmp_path) -> None:
    """An imported departure and arrival (Chinese headers and values) give the status, with
    the recorded times, as of each day."""
    trip, _, day = _trips(world)
    path = _write(tmp_path, f"车次编号,动态,时间,备注\n{trip},已到达,{day + dt.timedelta(days=2)} "
                            f"09:40,晚到\n{trip},已出发,{day} 07:15,\n")
    result = svc.import_path("trip_events", path, actors["operator"], url=planned)
    assert result.added == 2
    on_day = reads.trips(planned, day).set_index("trip_id").loc[trip]
    assert (on_day["status"], on_day["recorded"]) == ("under_way", True)
    assert on_day["departed_at"] == dt.datetime.combine(day, dt.time(7, 15))
    assert on_day["arrived_at"] is None
    # planned arrival is day + 1, but the recorded arrival is day + 2: still under way
    assert reads.trips(planned, day + dt.timedelta(days=1)).set_index("trip_id").loc[
        trip, "status"] == "under_way"
    later = reads.trips(planned, day + dt.timedelta(days=2)).set_index("trip_id").loc[trip]
    assert (later["status"], later["note"]) == ("arrived", "晚到")


def test_app_records_a_delay_then_a_cancellation(planned: str, world, actors) -> None:
    """Recorded in the app, a delay shows before departure and a cancellation beats it."""
    trip, _, day = _trips(world)
    op = actors["operator"]
    before = day - dt.timedelta(days=1)
    mv.record_trip_event(trip, "delayed", dt.datetime.combine(before, dt.time(18)), op,
                         "雪天封路", url=planned)
    assert reads.trips(planned, before).set_index("trip_id").loc[trip, "status"] == "delayed"
    mv.record_trip_event(trip, "cancelled", dt.datetime.combine(before, dt.time(20)), op,
                         url=planned)
    row = reads.trips(planned, day).set_index("trip_id").loc[trip]
    assert row["status"] == "cancelled" and row["cancelled_at"].hour == 20
    log = svc.audit_log("trip", trip, url=planned)
    assert list(log["action"]) == ["trip_delayed", "trip_cancelled"]
    assert set(log["actor"]) == {op.username}


def test_bad_trip_events_are_refused_whole(planned: str, world, actors, tmp_path) -> None:
    """Unknown trip, arrival before departure, a cancellation before the departure and a
    second departure are each a problem with file, row and column; nothing is written."""
    trip, other, day = _trips(world)
    path = _write(tmp_path, "trip_id,event,at,note\n"
                            f"NOPE,departed,{day} 06:00,\n"
                            f"{trip},departed,{day} 06:00,\n"
                            f"{trip},arrived,{day - dt.timedelta(days=1)} 23:00,\n"
                            f"{other},cancelled,{day} 05:00,\n"
                            f"{other},departed,{day} 06:00,\n"
                            f"{trip},departed,{day} 08:00,\n")
    with pytest.raises(InputError) as err:
        svc.import_path("trip_events", path, actors["operator"], url=planned)
    got = {(p.file, p.row, p.column) for p in err.value.problems}
    assert got == {("trip_events.csv", 2, "trip_id"), ("trip_events.csv", 4, "at"),
                   ("trip_events.csv", 5, "at"), ("trip_events.csv", 7, "at")}
    assert _count(planned) == 0


def test_nothing_is_recorded_after_a_cancellation(planned: str, world, actors) -> None:
    """Once a trip is cancelled, a departure of it is refused in the app."""
    trip, _, day = _trips(world)
    op = actors["operator"]
    mv.record_trip_event(trip, "cancelled", dt.datetime.combine(day, dt.time(5)), op,
                         url=planned)
    with pytest.raises(mv.MovementRefused, match="is cancelled"):
        mv.record_trip_event(trip, "departed", dt.datetime.combine(day, dt.time(6)), op,
                             url=planned)
    assert _count(planned) == 1


def test_duplicate_event_is_refused(planned: str, world, actors, tmp_path) -> None:
    """The same event twice in a file is a problem; recorded again in the app it is refused;
    an overlapping file adds nothing new."""
    trip, _, day = _trips(world)
    op = actors["operator"]
    line = f"{trip},departed,{day} 06:00,\n"
    with pytest.raises(InputError) as err:
        svc.import_path("trip_events", _write(tmp_path, "trip_id,event,at,note\n" + line * 2),
                        op, url=planned)
    assert [(p.row, p.column) for p in err.value.problems] == [(3, "trip_id")]
    mv.record_trip_event(trip, "departed", dt.datetime.combine(day, dt.time(6)), op, url=planned)
    with pytest.raises(mv.MovementRefused, match="already recorded"):
        mv.record_trip_event(trip, "departed", dt.datetime.combine(day, dt.time(6)), op,
                             url=planned)
    again = svc.import_path("trip_events", _write(tmp_path, "trip_id,event,at,note\n" + line,
                                                  "again.csv"), op, url=planned)
    assert again.added == 0 and _count(planned) == 1


def test_cli_imports_trip_events_and_exits_2_on_bad_input(planned: str, world, tmp_path,
                                                          capsys, monkeypatch) -> None:
    """`jobbus ledger import trip_events FILE` imports; an unknown trip exits 2 naming the
    file, row and column."""
    trip, _, day = _trips(world)
    monkeypatch.setenv("JOBBUS_DATABASE_URL", planned)
    good = _write(tmp_path, f"trip_id,event,at,note\n{trip},departed,{day} 06:10,\n")
    assert main(["ledger", "import", "trip_events", str(good)]) == 0
    bad = _write(tmp_path, f"trip_id,event,at,note\nX9,arrived,{day} 06:10,\n", "bad.csv")
    capsys.readouterr()
    assert main(["ledger", "import", "trip_events", str(bad)]) == 2
    assert "bad.csv:2: trip_id: unknown trip X9" in capsys.readouterr().err
    assert _count(planned) == 1


def test_only_an_operator_records_movements(planned: str, world, actors) -> None:
    """A reviewer may not record a movement or undo a check-in; nothing changes."""
    trip, _, day = _trips(world)
    with pytest.raises(PermissionDenied):
        mv.record_trip_event(trip, "departed", dt.datetime.combine(day, dt.time(6)),
                             actors["reviewer"], url=planned)
    with pytest.raises(PermissionDenied):
        mv.undo_check_in("x", trip, "mistake", actors["reviewer"], url=planned)
    assert _count(planned) == 0


def _arrive(url: str, world, op, tmp_path: Path, trip_id: str, day: dt.date, n: int = 2
            ) -> list[str]:
    """Check in the first ``n`` people of a trip on ``day`` (an arrivals import)."""
    people = [a for a in world.plan.assignments if a.trip_id == trip_id][:n]
    rows = "".join(f"{a.id_number},{a.employer_uscc},{day},{trip_id},\n" for a in people)
    path = tmp_path / f"arrivals-{trip_id}-{day}.csv"
    path.write_text("id_number,employer_uscc,arrived_on,trip_id,ticket_amount\n" + rows,
                    encoding="utf-8")
    svc.import_path("arrivals", path, op, url=url)
    return [a.id_number for a in people]


def _person_events(url: str, id_number: str) -> list[tuple[str, str | None, str | None]]:
    """A person's boardings and arrivals as stored: kind, who withdrew it and why."""
    from sqlalchemy import select

    from planner.ledger import UnitOfWork
    from planner.ledger import models as m

    with UnitOfWork(url) as uow:
        return [(e.kind, e.withdrawn_by, e.withdraw_reason) for e in uow.session.scalars(
            select(m.Event).join(m.Person, m.Person.id == m.Event.person_id).where(
                m.Person.id_number == id_number, m.Event.kind.in_(("boarded", "arrived")))
            .order_by(m.Event.id))]


def test_undo_check_in_withdraws_the_arrival_and_keeps_it(planned: str, world, actors,
                                                          tmp_path) -> None:
    """An undone check-in no longer counts (missing again), but its arrival and boarding stay
    in the ledger marked withdrawn with who and why; the audit log holds the arrival before
    and after; undone twice is refused."""
    trip, _, day = _trips(world)
    op = actors["operator"]
    arrive = day + dt.timedelta(days=1)
    who = _arrive(planned, world, op, tmp_path, trip, arrive)[0]
    mv.undo_check_in(who, trip, "  勾错了人 ", op, url=planned)
    lines = reads.manifest(planned, trip)
    assert lines.set_index("id_number").loc[who, "arrived_on"] is None
    assert who in set(reads.missing(planned, arrive)["id_number"])
    assert _person_events(planned, who) == [("arrived", op.username, "勾错了人"),
                                            ("boarded", op.username, "勾错了人")]
    log = svc.audit_log("check_in", f"{who}|{trip}", url=planned).iloc[0]
    assert (log["actor"], log["action"]) == (op.username, "undo_check_in")
    assert log["before"]["on_date"] == arrive.isoformat()
    assert log["before"]["withdrawn_at"] is None and log["before"]["natural_key"].startswith(
        f"arrived|{who}|")
    assert log["after"]["withdraw_reason"] == "勾错了人" and log["after"]["withdrawn_at"]
    with pytest.raises(mv.MovementRefused, match="no check-in"):
        mv.undo_check_in(who, trip, "again", op, url=planned)


def test_undo_check_in_needs_a_short_reason(planned: str, world, actors, tmp_path) -> None:
    """Without a reason, or with one over 200 characters, a check-in is not undone: the
    person stays arrived and nothing is marked."""
    trip, _, day = _trips(world)
    op = actors["operator"]
    who = _arrive(planned, world, op, tmp_path, trip, day + dt.timedelta(days=1))[0]
    for reason in ("", "   ", "x" * (mv.REASON_LIMIT + 1)):
        with pytest.raises(mv.MovementRefused, match="reason"):
            mv.undo_check_in(who, trip, reason, op, url=planned)
    assert reads.manifest(planned, trip).set_index("id_number").loc[who, "arrived_on"]
    assert _person_events(planned, who) == [("arrived", None, None), ("boarded", None, None)]


def test_check_in_for_someone_not_on_the_trip_is_a_problem(planned: str, world, actors,
                                                           tmp_path) -> None:
    """An arrival naming a trip the person is not on is refused with row and column."""
    trip, other, day = _trips(world)
    stranger = next(a for a in world.plan.assignments if a.trip_id == other)
    path = tmp_path / "arrivals.csv"
    path.write_text("id_number,employer_uscc,arrived_on,trip_id,ticket_amount\n"
                    f"{stranger.id_number},{stranger.employer_uscc},{day},{trip},\n",
                    encoding="utf-8")
    with pytest.raises(InputError) as err:
        svc.import_path("arrivals", path, actors["operator"], url=planned)
    (problem,) = err.value.problems
    assert (problem.row, problem.column) == (2, "trip_id")
    assert "is not on trip" in problem.message


def test_import_problems_name_a_person_without_the_whole_id_number(planned: str, world,
                                                                   actors, tmp_path) -> None:
    """An arrivals file naming someone not on the trip, and someone not in the ledger: the
    problems (row and column say which) name the first by name and the last 4 characters of
    the ID number, the second by those 4 alone — never the whole number."""
    from planner.ledger import UnitOfWork
    from planner.ledger import models as m

    trip, other, day = _trips(world)
    stranger = next(a for a in world.plan.assignments if a.trip_id == other)
    nobody = "11010519491231002X"
    with UnitOfWork(planned) as uow:
        name = uow.repo.people_by_id_number()[stranger.id_number].name
        assert uow.session.query(m.Person).filter_by(id_number=nobody).first() is None
    path = tmp_path / "arrivals.csv"
    path.write_text("id_number,employer_uscc,arrived_on,trip_id,ticket_amount\n"
                    f"{stranger.id_number},{stranger.employer_uscc},{day},{trip},\n"
                    f"{nobody},{stranger.employer_uscc},{day},{trip},\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        svc.import_path("arrivals", path, actors["operator"], url=planned)
    texts = {p.row: (p.text("zh"), p.text("en"), str(p)) for p in err.value.problems}
    assert texts[2][0] == (f"{name}（身份证尾号 {stranger.id_number[-4:]}）不在车次 {trip} "
                           "的乘车名单上")
    assert texts[3][0] == "身份证尾号 002X 的人员不在台账中：未登记"
    assert texts[3][1] == "the person with ID ending 002X is not in the ledger: not registered"
    for text in (t for row in texts.values() for t in row):
        assert stranger.id_number not in text and nobody not in text, text


def test_counts_follow_the_as_of_day(planned: str, world, actors, tmp_path) -> None:
    """Arrivals after the as-of day count neither on the trip, nor in the returns report."""
    trip, _, day = _trips(world)
    op = actors["operator"]
    early, late = day + dt.timedelta(days=1), day + dt.timedelta(days=5)
    _arrive(planned, world, op, tmp_path, trip, early, n=2)
    other = [a for a in world.plan.assignments if a.trip_id == trip][2]
    path = tmp_path / "late.csv"
    path.write_text("id_number,employer_uscc,arrived_on,trip_id,ticket_amount\n"
                    f"{other.id_number},{other.employer_uscc},{late},{trip},\n",
                    encoding="utf-8")
    svc.import_path("arrivals", path, op, url=planned)
    as_of_early = reads.trips(planned, early).set_index("trip_id").loc[trip, "arrived"]
    as_of_late = reads.trips(planned, late).set_index("trip_id").loc[trip, "arrived"]
    assert (as_of_early, as_of_late) == (2, 3)
    report = reads.returns_report(planned, early)
    assert int(report["province"]["arrived"].sum()) == 2
    assert int(reads.returns_report(planned)["province"]["arrived"].sum()) == 3


def _cancel(url: str, trip: str, day: dt.date, op) -> None:
    mv.record_trip_event(trip, "cancelled", dt.datetime.combine(day, dt.time(5)), op, url=url)


def test_cancelled_trip_people_are_to_reseat_and_move(planned: str, world, actors) -> None:
    """A cancelled trip's people are listed to re-seat, not missing; moved to a trip with
    room they are on its manifest; a move is audited."""
    trip, other, day = _trips(world)
    op = actors["operator"]
    _cancel(planned, trip, day, op)
    waiting = reads.to_reseat(planned, day)
    assert set(waiting["trip_id"]) == {trip} and len(waiting) == world.plan.trips[0].load
    assert trip not in set(reads.missing(planned, day + dt.timedelta(days=3))["trip_id"])
    moved = list(waiting["id_number"][:3])
    assert mv.reseat(moved, other, op, url=planned) == 3
    on_other = set(reads.manifest(planned, other)["id_number"])
    assert set(moved) <= on_other
    assert len(reads.to_reseat(planned, day)) == len(waiting) - 3
    log = svc.audit_log("manifest", f"{moved[0]}|{trip}", url=planned).iloc[0]
    assert log["action"] == "reseat" and log["after"]["trip_id"] == other


def test_reseat_refuses_a_full_or_departed_trip(planned: str, world, actors) -> None:
    """A move beyond the seats under the load cap, or onto a trip that left, changes
    nothing."""
    from planner.domain import LoadCap

    trip, other, day = _trips(world)
    op = actors["operator"]
    _cancel(planned, trip, day, op)
    waiting = list(reads.to_reseat(planned, day)["id_number"])
    on_other = len(reads.manifest(planned, other))
    full = [LoadCap(day - dt.timedelta(days=30), day + dt.timedelta(days=30),
                    on_other / world.plan.trips[1].seats)]  # the cap leaves no place free
    with pytest.raises(mv.MovementRefused, match="0 free places"):
        mv.reseat(waiting[:1], other, op, url=planned, load_caps=full)
    mv.record_trip_event(other, "departed", dt.datetime.combine(day, dt.time(6)), op,
                         url=planned)
    with pytest.raises(mv.MovementRefused, match="has left"):
        mv.reseat(waiting[:1], other, op, url=planned)
    assert len(reads.to_reseat(planned, day)) == len(waiting)


def test_reseat_to_self_return(planned: str, world, actors) -> None:
    """Sent to self-return, a person leaves the cancelled trip's manifest and the list."""
    trip, _, day = _trips(world)
    op = actors["operator"]
    _cancel(planned, trip, day, op)
    who = reads.to_reseat(planned, day)["id_number"].iloc[0]
    assert mv.reseat([who], None, op, url=planned) == 1
    assert who not in set(reads.to_reseat(planned, day)["id_number"])
    assert who not in set(reads.manifest(planned)["id_number"])
    log = svc.audit_log("manifest", f"{who}|{trip}", url=planned).iloc[0]
    assert log["action"] == "reseat_self_return"


def test_check_in_defaults_to_the_recorded_arrival(planned: str, world, actors) -> None:
    """A new check-in's day is the trip's recorded arrival, else its planned arrival."""
    trip, _, day = _trips(world)
    assert reads.check_in_day(planned, trip) == world.plan.trips[0].arrive.date()
    late = dt.datetime.combine(day + dt.timedelta(days=3), dt.time(1, 30))
    mv.record_trip_event(trip, "arrived", late, actors["operator"], url=planned)
    assert reads.check_in_day(planned, trip) == late.date()


def test_check_in_records_the_arrival_of_the_people_ticked(planned: str, world, actors) -> None:
    """Checking two people of a trip in records their arrival on the day (the others stay
    missing); the same check-in again adds nothing."""
    trip, _, day = _trips(world)
    on_trip = [a for a in world.plan.assignments if a.trip_id == trip]
    ticked = [(a.id_number, a.employer_uscc) for a in on_trip[:2]]
    arrive = day + dt.timedelta(days=1)
    result = mv.check_in(ticked, trip, arrive, actors["operator"], url=planned)
    assert result.added == 2
    arrived = reads.manifest(planned, trip).set_index("id_number")["arrived_on"]
    assert {i for i, on in arrived.items() if on is not None} == {i for i, _ in ticked}
    assert all(arrived[i] == arrive for i, _ in ticked)
    again = mv.check_in(ticked, trip, arrive, actors["operator"], url=planned)
    assert again.already and again.added == 0


def test_check_in_after_an_undo_records_the_arrival_again(planned: str, world, actors) -> None:
    """Checked in, undone, then checked in again the same way: the person has arrived again
    (the undo really undid the first check-in)."""
    trip, _, day = _trips(world)
    person = next(a for a in world.plan.assignments if a.trip_id == trip)
    arrive, op = day + dt.timedelta(days=1), actors["operator"]
    mv.check_in([(person.id_number, person.employer_uscc)], trip, arrive, op, url=planned)
    mv.undo_check_in(person.id_number, trip, "wrong person", op, url=planned)
    assert reads.manifest(planned, trip).set_index("id_number").loc[
        person.id_number, "arrived_on"] is None
    again = mv.check_in([(person.id_number, person.employer_uscc)], trip, arrive, op,
                        url=planned)
    assert (again.already, again.added) == (False, 1)
    assert reads.manifest(planned, trip).set_index("id_number").loc[
        person.id_number, "arrived_on"] == arrive
    assert mv.check_in([(person.id_number, person.employer_uscc)], trip, arrive, op,
                       url=planned).already


def _stop_also_at(url: str, trip_id: str, stop: str) -> None:
    """Make a trip stop at ``stop`` too (after its first stop)."""
    from sqlalchemy import select

    from planner.ledger import UnitOfWork
    from planner.ledger import models as m

    with UnitOfWork(url) as uow:
        trip = uow.session.scalars(select(m.Trip).where(m.Trip.trip_id == trip_id)).one()
        first, *rest = trip.stops.split(";")
        trip.stops = ";".join([first, stop, *rest])
        uow.commit()


def test_reseat_targets_are_near_the_people(planned: str, world, actors) -> None:
    """Trips with room that pass nowhere near the people of a cancelled trip are not offered;
    one stopping at their pickup is."""
    trip, other, day = _trips(world)
    eve = day - dt.timedelta(days=1)
    mv.record_trip_event(trip, "cancelled", dt.datetime.combine(eve, dt.time(18)),
                         actors["operator"], url=planned)
    waiting = reads.to_reseat(planned, eve)
    picked = tuple(waiting["id_number"][:2])
    assert reads.reseat_targets(planned, eve, picked).empty
    _stop_also_at(planned, other, waiting["pickup_stop"].iloc[0])
    assert list(reads.reseat_targets(planned, eve, picked)["trip_id"]) == [other]


def test_reseat_targets_count_places_under_the_load_cap(planned: str, world, actors) -> None:
    """A target shows the places the load cap leaves (those re-seating accepts) and is not
    offered for more people than that."""
    from planner.domain import LoadCap

    trip, other, day = _trips(world)
    eve, op = day - dt.timedelta(days=1), actors["operator"]
    mv.record_trip_event(trip, "cancelled", dt.datetime.combine(eve, dt.time(18)), op,
                         url=planned)
    waiting = reads.to_reseat(planned, eve)
    _stop_also_at(planned, other, waiting["pickup_stop"].iloc[0])
    target = world.plan.trips[1]
    caps = (LoadCap(eve, day, (target.load + 3) / target.seats, target.origin_adcode),)
    three, four = tuple(waiting["id_number"][:3]), tuple(waiting["id_number"][:4])
    offered = reads.reseat_targets(planned, eve, three, caps).set_index("trip_id")
    assert offered.loc[other, "free"] == 3
    assert other not in set(reads.reseat_targets(planned, eve, four, caps)["trip_id"])
    assert mv.reseat(list(three), other, op, url=planned, load_caps=caps) == 3


def test_a_trip_its_people_arrived_on_cannot_be_cancelled(planned: str, world, actors) -> None:
    """Cancelling a trip two of whose people checked in is refused, saying how many boarded
    and arrived; the trip is not cancelled."""
    trip, _, day = _trips(world)
    op = actors["operator"]
    people = [(a.id_number, a.employer_uscc) for a in world.plan.assignments
              if a.trip_id == trip][:2]
    mv.check_in(people, trip, day + dt.timedelta(days=1), op, url=planned)
    with pytest.raises(mv.MovementRefused) as refused:
        _cancel(planned, trip, day + dt.timedelta(days=2), op)
    assert refused.value.message.render("zh").startswith(f"车次 {trip} 已有 2 人上车、2 人到岗")
    assert reads.trips(planned, day + dt.timedelta(days=3)).set_index("trip_id").loc[
        trip, "status"] != "cancelled"


def test_a_delay_after_the_people_arrived_is_refused(planned: str, world, actors) -> None:
    """A delay recorded on a day after the trip's people arrived is refused; nothing is
    recorded, the trip stays arrived by plan."""
    trip, _, day = _trips(world)
    op, arrive = actors["operator"], day + dt.timedelta(days=1)
    people = [(a.id_number, a.employer_uscc) for a in world.plan.assignments
              if a.trip_id == trip][:2]
    mv.check_in(people, trip, arrive, op, url=planned)
    later = dt.datetime.combine(arrive + dt.timedelta(days=1), dt.time(9))
    with pytest.raises(mv.MovementRefused, match=f"arrived from {arrive}"):
        mv.record_trip_event(trip, "delayed", later, op, url=planned)
    row = reads.trips(planned, later.date()).set_index("trip_id").loc[trip]
    assert (row["status"], row["plan"]) == ("planned", "arrived")


# ------------------------------------------------------------------ withdrawing a mistake
def _status(url: str, trip: str, day: dt.date):
    return reads.trips(url, day).set_index("trip_id").loc[trip]


def test_a_withdrawn_departure_no_longer_counts_and_is_audited(planned: str, world,
                                                               actors) -> None:
    """A departure tapped too early is withdrawn with a reason: the trip is back to what its
    plan says, the mistaken row stays in the ledger beside the withdrawal, the audit log
    holds who, the movement as it was and why; the real departure is then recorded."""
    trip, _, day = _trips(world)
    op = actors["operator"]
    early = dt.datetime.combine(day, dt.time(5, 10))
    mv.record_trip_event(trip, "departed", early, op, url=planned)
    assert _status(planned, trip, day)["recorded"]
    mv.withdraw_trip_event(trip, "departed", "  点早了， 车还没走 ", op, url=planned)
    row = _status(planned, trip, day)
    assert not row["recorded"] and row["departed_at"] is None
    assert _count(planned) == 2  # nothing deleted: the mistake and its withdrawal
    log = svc.audit_log("trip", trip, url=planned)
    last = log.iloc[-1]
    assert (last["actor"], last["action"]) == (op.username, "withdraw_departed")
    assert last["before"]["at"].startswith(f"{day}") and "05:10" in last["before"]["at"]
    assert last["after"]["note"] == "点早了， 车还没走"
    right = dt.datetime.combine(day, dt.time(6, 40))
    mv.record_trip_event(trip, "departed", right, op, url=planned)
    assert _status(planned, trip, day)["departed_at"] == right
    mv.withdraw_trip_event(trip, "departed", "again", op, url=planned)
    mv.record_trip_event(trip, "departed", right, op, url=planned)  # a third time: its own key
    assert _status(planned, trip, day)["departed_at"] == right


def test_a_withdrawal_needs_a_reason_and_keeps_the_order(planned: str, world, actors) -> None:
    """Refused, changing nothing: no reason; nothing of that kind recorded; a departure while
    the arrival is recorded (the arrival is withdrawn first); a delay; a cancelled trip."""
    trip, other, day = _trips(world)
    op = actors["operator"]
    with pytest.raises(mv.MovementRefused, match="nothing is recorded"):
        mv.withdraw_trip_event(trip, "departed", "mistake", op, url=planned)
    mv.record_trip_event(trip, "departed", dt.datetime.combine(day, dt.time(6)), op,
                         url=planned)
    mv.record_trip_event(trip, "arrived", dt.datetime.combine(day, dt.time(20)), op,
                         url=planned)
    with pytest.raises(mv.MovementRefused, match="reason"):
        mv.withdraw_trip_event(trip, "arrived", "   ", op, url=planned)
    with pytest.raises(mv.MovementRefused, match="withdraw the arrival first"):
        mv.withdraw_trip_event(trip, "departed", "mistake", op, url=planned)
    with pytest.raises(mv.MovementRefused, match="only a departure or an arrival"):
        mv.withdraw_trip_event(trip, "delayed", "mistake", op, url=planned)
    assert _count(planned) == 2
    mv.withdraw_trip_event(trip, "arrived", "wrong button", op, url=planned)
    mv.withdraw_trip_event(trip, "departed", "wrong trip", op, url=planned)
    assert not _status(planned, trip, day)["recorded"]
    mv.record_trip_event(other, "departed", dt.datetime.combine(day, dt.time(5)), op,
                         url=planned)
    mv.record_trip_event(other, "cancelled", dt.datetime.combine(day, dt.time(9)), op,
                         url=planned)
    with pytest.raises(mv.MovementRefused, match="is cancelled"):
        mv.withdraw_trip_event(other, "departed", "mistake", op, url=planned)


def test_an_arrival_with_check_ins_is_withdrawn_only_after_them(planned: str, world,
                                                                actors) -> None:
    """Once people of the trip are checked in (the arrivals claims rest on), its arrival is
    not withdrawn — the refusal says to undo the check-ins first; after that it is."""
    trip, _, day = _trips(world)
    op = actors["operator"]
    mv.record_trip_event(trip, "departed", dt.datetime.combine(day, dt.time(6)), op,
                         url=planned)
    mv.record_trip_event(trip, "arrived", dt.datetime.combine(day, dt.time(20)), op,
                         url=planned)
    on_trip = [a for a in world.plan.assignments if a.trip_id == trip][:2]
    mv.check_in([(a.id_number, a.employer_uscc) for a in on_trip], trip, day, op, url=planned)
    with pytest.raises(mv.MovementRefused, match="2 of its people are checked in"):
        mv.withdraw_trip_event(trip, "arrived", "mistake", op, url=planned)
    assert _status(planned, trip, day)["status"] == "arrived"
    for a in on_trip:
        mv.undo_check_in(a.id_number, trip, "wrong day", op, url=planned)
    mv.withdraw_trip_event(trip, "arrived", "mistake", op, url=planned)
    assert _status(planned, trip, day)["status"] == "under_way"


def test_an_arrival_a_claim_rests_on_is_not_withdrawn(loaded_url: str, actors) -> None:
    """A trip one of whose checked-in people a computed claim names: withdrawing its arrival
    is refused and the claims stay exactly as they were (a correction goes through undoing
    the check-in and the claim review)."""
    op = actors["operator"]
    claims = svc.list_claims(url=loaded_url)
    named = " ".join(str(e) for evidence in claims["evidence"] for e in evidence)
    trips = reads.trips(loaded_url, dt.date.max)
    trip = next(t for t in trips["trip_id"] if any(
        on is not None and i in named
        for i, on in zip(reads.manifest(loaded_url, t)["id_number"],
                         reads.manifest(loaded_url, t)["arrived_on"], strict=True)))
    day = trips.set_index("trip_id").loc[trip, "arrive_date"]
    mv.record_trip_event(trip, "departed", dt.datetime.combine(day, dt.time(6)), op,
                         url=loaded_url)
    mv.record_trip_event(trip, "arrived", dt.datetime.combine(day, dt.time(20)), op,
                         url=loaded_url)
    with pytest.raises(mv.MovementRefused, match="undoes those check-ins"):
        mv.withdraw_trip_event(trip, "arrived", "mistake", op, url=loaded_url)
    assert svc.list_claims(url=loaded_url).equals(claims)
    assert _status(loaded_url, trip, day)["status"] == "arrived"


def test_an_overlapping_file_does_not_bring_a_withdrawn_movement_back(planned: str, world,
                                                                      actors,
                                                                      tmp_path) -> None:
    """A departure imported, then withdrawn, is skipped when a later file repeats it; the
    file's other events are added."""
    trip, other, day = _trips(world)
    op = actors["operator"]
    line = f"{trip},departed,{day} 06:00,\n"
    svc.import_path("trip_events", _write(tmp_path, "trip_id,event,at,note\n" + line), op,
                    url=planned)
    mv.withdraw_trip_event(trip, "departed", "wrong trip id in the file", op, url=planned)
    again = svc.import_path("trip_events", _write(
        tmp_path, "trip_id,event,at,note\n" + line + f"{other},departed,{day} 06:30,\n",
        "again.csv"), op, url=planned)
    assert again.added == 1
    assert not _status(planned, trip, day)["recorded"]
    assert _status(planned, other, day)["recorded"]


# ------------------------------------------------------- a check-in a claim rests on
@pytest.fixture
def claimed(planned: str, world, actors) -> str:
    """The planned ledger with every event file and the claims computed (all drafts) under
    the Shangyu policy with its retention reward on (per person arrived and still insured
    six months later): a claim resting on each such person's check-in."""
    from planner.paths import DATA_DIR

    text = (DATA_DIR / "policies" / "shangyu-2020.toml").read_text(encoding="utf-8")
    text = text.replace("[retention]                        # not part of Shangyu's 2020 "
                        "policy\nenabled = false", "[retention]\nenabled = true")
    text = text.replace("poverty_registered_only = true", "poverty_registered_only = false")
    text = text.replace('name = "上虞区 2020 年复工返岗补贴"', 'name = "上虞区 2020（含留岗奖励）"')
    op = actors["operator"]
    svc.add_policy_version(text, actors["admin"], url=planned)
    for kind in ("charters", "charter_riders", "arrivals", "insurance", "headcount",
                 "placements"):
        svc.import_path(kind, world.events[kind], op, url=planned)
    svc.compute_claims(op, url=planned)
    return planned


def _resting(url: str) -> tuple[dict, str, str]:
    """A retention claim owing money for someone checked in from a trip: the claim (as
    listed), that person and the trip."""
    arrived = reads.manifest(url).dropna(subset=["arrived_on"]).set_index("id_number")
    claims = svc.list_claims(url=url)
    for claim in claims[claims["rule"] == "retention"].to_dict("records"):
        who = claim["key"].removeprefix("retention:")
        if who in arrived.index and claim["amount_fen"] > 0:
            return claim, who, str(arrived.at[who, "trip_id"])
    raise AssertionError("no claim rests on a trip check-in")


def test_a_draft_resting_on_an_undone_check_in_is_voided(claimed: str, actors) -> None:
    """The next compute after a check-in is undone voids the draft claim that rested on it
    (nothing is owed without the arrival)."""
    claim, who, trip = _resting(claimed)
    mv.undo_check_in(who, trip, "not arrived: ticked by mistake", actors["operator"],
                     url=claimed)
    assert svc.compute_claims(actors["operator"], url=claimed).voided == 1
    assert svc.list_claims(url=claimed).set_index("key").at[claim["key"], "state"] == "void"


def test_an_approved_claim_resting_on_an_undone_check_in_is_flagged_and_never_paid(
        claimed: str, actors) -> None:
    """A claim past draft whose arrival was undone since is flagged for review at the next
    compute (its amount kept, nothing proposed to pay) and refused by issue_payments and
    record_payment."""
    from planner.ledger.workflow import TransitionRefused

    claim, who, trip = _resting(claimed)
    ids = [int(claim["claim_id"])]
    monday = dt.date(2020, 3, 2)
    svc.review(ids, actors["reviewer"], url=claimed)
    svc.approve(ids, actors["approver"], url=claimed)
    svc.publish_notice(ids, actors["approver"], on=monday, url=claimed)
    svc.close_notice(ids, actors["approver"], on=monday + dt.timedelta(days=8), url=claimed)
    mv.undo_check_in(who, trip, "wrong person checked in", actors["operator"], url=claimed)
    result = svc.compute_claims(actors["operator"], url=claimed)
    assert result.flagged_keys == (claim["key"],)
    after = svc.list_claims(url=claimed).set_index("key").loc[claim["key"]]
    assert bool(after["needs_review"]) and int(after["amount_fen"]) == int(claim["amount_fen"])
    with pytest.raises(TransitionRefused, match="flagged"):
        svc.issue_payments(ids, actors["finance"], url=claimed)
    with pytest.raises(TransitionRefused, match="flagged"):
        svc.record_payment(ids[0], actors["finance"], url=claimed)


def test_reimporting_the_arrivals_file_after_an_undo_records_the_arrival_again(
        planned: str, world, actors, tmp_path) -> None:
    """The same arrivals file imported again after one of its check-ins was undone records
    that arrival again (the withdrawn one does not count as held), and only that one."""
    trip, _, day = _trips(world)
    op = actors["operator"]
    who = _arrive(planned, world, op, tmp_path, trip, day)[0]
    mv.undo_check_in(who, trip, "wrong day", op, url=planned)
    again = _arrive(planned, world, op, tmp_path, trip, day)
    assert who in again
    arrived = reads.manifest(planned, trip).set_index("id_number")["arrived_on"]
    assert arrived[who] == day and int(arrived.notna().sum()) == 2


# ------------------------------------------------------------------ movements in order
def test_movements_in_order_refuses_a_departure_after_the_first_check_in(
        planned: str, world, actors) -> None:
    """Movements in order: with two people checked in on the day after departure, a departure
    a day later still is refused in Chinese naming the trip, the first check-in day and how
    many checked in; nothing is written. A departure on the check-in day itself is accepted
    (a check-in has no time)."""
    trip, _, day = _trips(world)
    op = actors["operator"]
    arrive = day + dt.timedelta(days=1)
    people = [(a.id_number, a.employer_uscc) for a in world.plan.assignments
              if a.trip_id == trip][:2]
    mv.check_in(people, trip, arrive, op, url=planned)
    late = dt.datetime.combine(arrive + dt.timedelta(days=15), dt.time(8))
    with pytest.raises(mv.MovementRefused) as refused:
        mv.record_trip_event(trip, "departed", late, op, "按时出发", url=planned)
    text = refused.value.message.render("zh")
    assert text.startswith(f"车次 {trip} 的出发时间 {late:%Y-%m-%d %H:%M} 晚于其乘客最早的到岗日期 "
                           f"{arrive}（已有 2 人登记到岗）"), text
    assert _count(planned) == 0
    mv.record_trip_event(trip, "departed", dt.datetime.combine(arrive, dt.time(6)), op,
                         url=planned)
    assert _count(planned) == 1


def test_movements_in_order_refuses_an_arrival_at_or_before_the_departure(
        planned: str, world, actors) -> None:
    """Movements in order: an arrival at the very minute of the recorded departure, or before
    it, is refused naming the trip and the departure; a departure at or after the recorded
    arrival likewise; a minute later the arrival is accepted."""
    trip, other, day = _trips(world)
    op = actors["operator"]
    left = dt.datetime.combine(day, dt.time(8))
    mv.record_trip_event(trip, "departed", left, op, url=planned)
    for at in (left, left - dt.timedelta(minutes=1)):
        with pytest.raises(mv.MovementRefused) as refused:
            mv.record_trip_event(trip, "arrived", at, op, url=planned)
        assert refused.value.message.render("zh") == (
            f"车次 {trip} 的到达时间 {at:%Y-%m-%d %H:%M} 不晚于其已登记的出发时间 "
            f"{left:%Y-%m-%d %H:%M}：到达须在出发之后")
    mv.record_trip_event(trip, "arrived", left + dt.timedelta(minutes=1), op, url=planned)
    came = dt.datetime.combine(day, dt.time(20))  # the other way round: arrival, departure
    mv.record_trip_event(other, "arrived", came, op, url=planned)
    with pytest.raises(mv.MovementRefused, match=f"trip {other}: the departure .* is not "
                                                 "before its recorded arrival"):
        mv.record_trip_event(other, "departed", came, op, url=planned)
    assert _count(planned) == 3


def test_movements_in_order_refuses_an_arrival_after_the_first_check_in(
        planned: str, world, actors, tmp_path) -> None:
    """Movements in order: a trip whose people checked in on a day cannot be recorded as
    arriving on a later day — neither in the app nor in an imported file (a problem with
    row and column; nothing written); the same day is accepted."""
    trip, _, day = _trips(world)
    op = actors["operator"]
    arrive = day + dt.timedelta(days=1)
    _arrive(planned, world, op, tmp_path, trip, arrive)
    mv.record_trip_event(trip, "departed", dt.datetime.combine(day, dt.time(6)), op,
                         url=planned)
    late = dt.datetime.combine(arrive + dt.timedelta(days=1), dt.time(6))
    with pytest.raises(mv.MovementRefused, match=f"arrival .* is after the first check-in of "
                                                 f"its people on {arrive}"):
        mv.record_trip_event(trip, "arrived", late, op, url=planned)
    path = _write(tmp_path, f"trip_id,event,at,note\n{trip},arrived,{late:%Y-%m-%d %H:%M},\n")
    with pytest.raises(InputError) as err:
        svc.import_path("trip_events", path, op, url=planned)
    assert [(p.row, p.column) for p in err.value.problems] == [(2, "at")]
    assert _count(planned) == 1
    mv.record_trip_event(trip, "arrived", dt.datetime.combine(arrive, dt.time(9)), op,
                         url=planned)
    assert _count(planned) == 2


def test_an_arrival_its_check_ins_contradict_can_be_withdrawn(planned: str, world, actors,
                                                              tmp_path) -> None:
    """An arrival stored before the rule held, days after its people checked in, is a
    mistake the withdrawal window lets go of (the check-ins stay); then the departure behind
    it too. An arrival the check-ins agree with stays refused."""
    from sqlalchemy import select

    from planner.ledger import UnitOfWork
    from planner.ledger import models as m
    from planner.ledger.trip_events import event_key

    trip, _, day = _trips(world)
    op = actors["operator"]
    arrive = day + dt.timedelta(days=1)
    who = _arrive(planned, world, op, tmp_path, trip, arrive)
    wrong = dt.datetime.combine(arrive + dt.timedelta(days=16), dt.time(8))
    with UnitOfWork(planned) as uow:  # as an older version let them be recorded
        pk = uow.session.scalars(select(m.Trip.id).where(m.Trip.trip_id == trip)).one()
        for event in ("departed", "arrived"):
            uow.session.add(m.TripEvent(natural_key=event_key(trip, event, wrong), trip_pk=pk,
                                        trip_ref=trip, event=event, at=wrong, note="按时出发",
                                        recorded_by=op.username))
        uow.commit()
    mv.withdraw_trip_event(trip, "arrived", "到达时间登记错了", op, url=planned)
    mv.withdraw_trip_event(trip, "departed", "出发时间登记错了", op, url=planned)
    assert not _status(planned, trip, arrive)["recorded"]
    checked_in = reads.manifest(planned, trip).dropna(subset=["arrived_on"])["id_number"]
    assert set(checked_in) == set(who)
    mv.record_trip_event(trip, "departed", dt.datetime.combine(day, dt.time(6)), op,
                         url=planned)
    mv.record_trip_event(trip, "arrived", dt.datetime.combine(arrive, dt.time(7)), op,
                         url=planned)
    with pytest.raises(mv.MovementRefused, match="2 of its people are checked in"):
        mv.withdraw_trip_event(trip, "arrived", "mistake", op, url=planned)


def test_movements_in_order_refuses_a_check_in_before_the_trip_arrived(
        planned: str, world, actors) -> None:
    """Movements in order, seen from a check-in: with the trip recorded as arriving the day
    after it left, checking its people in on the departure day is refused (the column
    arrived_on, in Chinese naming the trip and its arrival); nothing is written. On the
    arrival day it is accepted."""
    trip, _, day = _trips(world)
    op = actors["operator"]
    came = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(9, 30))
    mv.record_trip_event(trip, "departed", dt.datetime.combine(day, dt.time(6)), op,
                         url=planned)
    mv.record_trip_event(trip, "arrived", came, op, url=planned)
    people = [(a.id_number, a.employer_uscc) for a in world.plan.assignments
              if a.trip_id == trip][:2]
    with pytest.raises(InputError) as err:
        mv.check_in(people, trip, day, op, url=planned)
    assert {p.column for p in err.value.problems} == {"arrived_on"}
    assert err.value.problems[0].text("zh").startswith(
        f"到岗日期 {day} 早于车次 {trip} 已登记的到达时间 {came:%Y-%m-%d %H:%M}")
    assert reads.manifest(planned, trip)["arrived_on"].isna().all()
    assert mv.check_in(people, trip, came.date(), op, url=planned).added == 2


# ------------------------------------------------------------------ one status rule
def test_a_trips_status_is_what_was_recorded_and_the_plan_a_column_apart(
        planned: str, world, actors) -> None:
    """Past its planned arrival with nothing recorded, a trip's status is 'planned' (未出发)
    on 跟踪's read and on the leader's, alike; that its plan has it arrived is the ``plan``
    column only. Once its departure is recorded both say under way and ``plan`` is blank."""
    from planner.services import leaders

    trip, _, day = _trips(world)
    op = actors["operator"]
    after = day + dt.timedelta(days=5)
    tracked = reads.trips(planned, after).set_index("trip_id").loc[trip]
    led = leaders.leader_trips(op, planned).set_index("trip_id").loc[trip]
    assert (tracked["status"], tracked["recorded"]) == ("planned", False)
    assert led["status"] == tracked["status"]
    assert tracked["plan"] == "arrived"
    mv.record_trip_event(trip, "departed", dt.datetime.combine(day, dt.time(6)), op,
                         url=planned)
    tracked = reads.trips(planned, after).set_index("trip_id").loc[trip]
    led = leaders.leader_trips(op, planned).set_index("trip_id").loc[trip]
    assert (tracked["status"], tracked["plan"]) == ("under_way", "")
    assert led["status"] == "under_way"


def test_trip_status_reads_only_the_recorded_movements() -> None:
    """``trip_status``: cancelled beats arrived beats departed beats a delay; nothing recorded
    is 'planned', whatever the dates; ``planned_status`` is the plan's expectation by a day."""
    at = dt.datetime(2020, 2, 20, 8)
    assert reads.trip_status({}) == "planned"
    assert reads.trip_status({"delayed": at}) == "delayed"
    assert reads.trip_status({"delayed": at, "departed": at}) == "under_way"
    assert reads.trip_status({"departed": at, "arrived": at}) == "arrived"
    assert reads.trip_status({"departed": at, "cancelled": at}) == "cancelled"
    depart, arrive = dt.date(2020, 2, 20), dt.date(2020, 2, 21)
    assert [reads.planned_status(depart, arrive, d) for d in (
        dt.date(2020, 2, 19), depart, arrive)] == ["planned", "under_way", "arrived"]
