"""What binds a plan, on tiny scenarios whose answer is known: 106 people of 上城区 (Hangzhou,
a one-day coach hire) who may only leave on 15 Feb, one 53-seat coach available — the coach is
used up on 15 Feb, 53 people come alone because of the fleet, and one more coach that day seats
them for their 53 self-return subsidies less the coach's cost."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from planner.analysis import (
    Cause,
    binding_of,
    classify,
    what_if_longer_service,
    what_if_more_coaches,
)
from planner.analysis.report import binding_lines
from planner.domain import Plan
from planner.messages import msg
from planner.optimise import Instance, solve
from tests.optimise import conftest as kit

D = kit.D0  # 15 Feb
SUBSIDY_FEN = 20_000  # Zhejiang's self-return subsidy in the kit
PARAMS = kit.FAST.replace(max_wait_days=0)  # people leave on the day they are free


def _scenario(available: int, people: int = 106) -> tuple[Instance, Plan]:
    coach = dataclasses.replace(kit.COACH53, available=available)
    workers = kit.workers("330102", people, available_from=D)
    _sc, inst = kit.build(workers, [kit.employer("E001")], fleet=(coach,))
    return inst, solve(inst, PARAMS)


@pytest.fixture(scope="module")
def tight() -> tuple[Instance, Plan]:
    """One coach for two coaches' worth of people who may only leave on 15 Feb."""
    return _scenario(available=1)


def test_usage_shows_the_one_coach_used_up_on_the_day(tight: tuple[Instance, Plan]) -> None:
    """The usage table holds 53座大客车 on 15 Feb, 1 of 1 in use, binding; nothing else."""
    inst, plan = tight
    b = binding_of(inst, plan, PARAMS)
    rows = [(c.vehicle, c.day, c.used, c.available, c.binding) for c in b.usage]
    assert rows == [("53座大客车", D, 1, 1, True)]
    assert [(p.vehicle, p.day, p.people) for p in b.pressure] == [("53座大客车", D, 53)]


def test_people_sent_alone_are_put_down_to_the_fleet(tight: tuple[Instance, Plan]) -> None:
    """The 53 people without a seat come alone, and their cause is the fleet."""
    inst, plan = tight
    causes = {c.cause: (c.alone, c.unserved) for c in binding_of(inst, plan, PARAMS).causes}
    assert causes == {Cause.FLEET: (53, 0)}


def test_one_more_coach_that_day_seats_them_and_saves(tight: tuple[Instance, Plan]) -> None:
    """k=1 on 15 Feb seats the 53 and saves their subsidies less one more coach like the
    first (same county, employer and day), the same figure on a second run."""
    inst, plan = tight
    first_coach = next(t.cost_fen for t in plan.trips)
    w = what_if_more_coaches(inst, PARAMS, "53座大客车", D, 1, plan=plan)
    assert (w.seated_more, w.alone_fewer, w.unserved_fewer) == (53, 53, 0)
    assert w.money_saved_fen == 53 * SUBSIDY_FEN - first_coach > 0
    again = what_if_more_coaches(inst, PARAMS, "53座大客车", D, 1, plan=plan)
    assert dataclasses.replace(again, seconds=0.0) == dataclasses.replace(w, seconds=0.0)


def test_a_coach_on_a_day_outside_their_window_changes_nothing(
    tight: tuple[Instance, Plan],
) -> None:
    """One more coach on 16 Feb only seats nobody: they may only leave on 15 Feb."""
    inst, plan = tight
    w = what_if_more_coaches(inst, PARAMS, "53座大客车", D + dt.timedelta(days=1), 1, plan=plan)
    assert (w.seated_more, w.money_saved_fen) == (0, 0)


def test_a_longer_service_level_lets_the_coach_run_twice(tight: tuple[Instance, Plan]) -> None:
    """With two more days to leave, the one coach runs again (the planner reckons a coach
    hired for two days, so on 17 Feb) and seats the 53 for the same saving as a second
    coach."""
    inst, plan = tight
    first_coach = next(t.cost_fen for t in plan.trips)
    w = what_if_longer_service(inst, PARAMS, 2)
    assert w is not None
    assert (w.seated_more, w.days) == (53, 2)
    assert w.money_saved_fen == 53 * SUBSIDY_FEN - first_coach


def test_spare_fleet_reports_nothing_binding() -> None:
    """With three coaches for two coaches' worth of people nothing binds and nobody is left
    out for the fleet."""
    inst, plan = _scenario(available=3)
    b = binding_of(inst, plan, PARAMS)
    assert b.binding_cells == () and b.pressure == ()
    assert [(c.vehicle, c.used, c.available) for c in b.usage] == [("53座大客车", 2, 3)]
    assert all(c.cause is not Cause.FLEET for c in b.causes)


def test_a_long_hire_holds_the_coach_every_day_it_is_out() -> None:
    """A coach from 七星关区 (about 2,000 road km each way) is in use on each day from its
    departure until it is back: at least 3 consecutive days, one coach each."""
    coach = dataclasses.replace(kit.COACH53, available=5)
    workers = kit.workers("520502", 40, available_from=D)
    _sc, inst = kit.build(workers, [kit.employer("E001")], fleet=(coach,))
    plan = solve(inst, kit.FAST)
    coaches = [t for t in plan.trips if t.vehicle == "53座大客车"]
    assert len(coaches) == 1
    days = [c.day for c in binding_of(inst, plan, kit.FAST).usage]
    assert days[0] == coaches[0].depart.date() and len(days) >= 3
    assert days == [days[0] + dt.timedelta(days=i) for i in range(len(days))]


def test_full_coaches_count_as_cost_when_the_fleet_had_room() -> None:
    """"Coaches full" is the fleet's fault only when a coach type is used up in the person's
    window; otherwise another coach could have run and was judged too dear."""
    why = msg("reason.coaches_full", name="x", first="2020-02-15", last="2020-02-17", n=3,
              mult=3.0, sub=100)
    window = (dt.date(2020, 2, 15), dt.date(2020, 2, 17))
    assert classify(why, window, {dt.date(2020, 2, 16)}) is Cause.FLEET
    assert classify(why, window, {dt.date(2020, 2, 18)}) is Cause.COST
    late = msg("reason.advised_alone", cause=msg("reason.no_trip", name="x",
                                                 release="2020-02-15", deadline="2020-02-16"),
               sub=100)
    assert classify(late, window, set()) is Cause.DATES
    assert classify(msg("reason.no_vacancy"), window, set()) is Cause.VACANCIES


def test_closing_lines_name_the_day_in_chinese_and_english(
    tight: tuple[Instance, Plan],
) -> None:
    """The CLI's first closing line reads 车队约束：2月15日 53座大客车 用满 1/1 (and in
    English with the ISO day); the next names the fleet as the cause of the 53."""
    inst, plan = tight
    lines = binding_lines(binding_of(inst, plan, PARAMS).as_dict())
    assert lines[0].render("zh") == "车队约束：2月15日 53座大客车 用满 1/1"
    assert lines[0].render("en") == "Fleet binds: 2020-02-15 53座大客车 all in use 1/1"
    assert "车队不足 53 人单独返岗" in lines[1].render("zh")
