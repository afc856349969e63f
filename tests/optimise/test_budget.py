"""The plan's time budget: one clock, shares of what is left, a reserve for unbounded work."""

from __future__ import annotations

import time

from planner.optimise.budget import MIN_SOLVE_S, Budget, Overhead


def test_the_clock_counts_from_when_planning_started() -> None:
    """A budget started 3 s ago of 10 s has about 7 s left, and 4 s before 70 % of it."""
    b = Budget(10.0, None, time.time() - 3.0)
    assert abs(b.left() - 7.0) < 0.1
    assert abs(b.left(0.7) - 4.0) < 0.1


def test_a_unit_gets_its_weights_share_of_what_is_left_less_the_reserve() -> None:
    """With 6 s left, a reserve of 2 s and weight 1 of 4 still to plan, a unit gets 1 s."""
    b = Budget(10.0, None, time.time() - 4.0)
    assert abs(b.unit_seconds(1.0, 1.0, 4.0, reserve_s=2.0) - 1.0) < 0.05


def test_past_the_phase_a_unit_still_gets_the_least_solver_time() -> None:
    """Once the planning phase is over, a unit keeps its start: it gets ``MIN_SOLVE_S``."""
    b = Budget(10.0, None, time.time() - 9.0)
    assert b.unit_seconds(0.75, 1.0, 1.0) == MIN_SOLVE_S


def test_the_reserve_is_the_overrun_per_person_times_the_people_left() -> None:
    """Units of 100 and 300 people overran by 1 s and 3 s: 500 people left need 5 s."""
    o = Overhead().after(100, wall_s=1.5, given_s=0.5).after(300, wall_s=3.2, given_s=0.2)
    assert abs(o.reserve(500) - 5.0) < 1e-9
    assert Overhead().reserve(500) == 0.0


def test_a_unit_finishing_early_adds_no_overrun() -> None:
    """A unit done in less than its time counts its people but no seconds."""
    o = Overhead().after(200, wall_s=0.1, given_s=1.0)
    assert o.seconds == 0.0 and o.people == 200


def test_the_feeder_router_gets_a_share_of_what_is_left_and_nothing_once_time_is_up() -> None:
    """One router call gets ``ROUTER_SHARE`` of the time left (at most 1 s); past the limit it
    gets 0, and the builder routes the feeders by its sweep instead."""
    from planner.optimise.budget import ROUTER_SHARE

    b = Budget(10.0, None, time.time() - 2.0)
    assert abs(b.router_seconds() - ROUTER_SHARE * 8.0) < 0.01
    assert Budget(100.0, None, time.time()).router_seconds() == 1.0
    assert Budget(10.0, None, time.time() - 11.0).router_seconds() == 0.0
