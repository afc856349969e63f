"""The plan model's days out of a coach (``Context.plan_coach``, which the vehicle-limit rule
counts) equal the days of the trip the builder makes, by DOMAIN.md's drivers' rules: at most
8 h driving per driver in any 24 h, no driving from 02:00 to 05:00, two drivers above 400 km
loaded, 70 km/h, coaches leave at 05:00 or 06:00."""

from __future__ import annotations

from typing import Any

from planner.analysis.binding import _unwrap
from planner.domain import StopKind
from planner.optimise import PlanParams
from planner.optimise._build_trip import Built, TripMaker
from planner.optimise.model import Context
from planner.validation import validate_plan

P = PlanParams(time_limit_s=5.0, work_limit=2.0)


def built_days(kit: Any, ctx: Context, counties: list[str]) -> tuple[int, int]:
    """(days out, drivers) of the coach the builder makes boarding at ``counties`` in order,
    dropping at E001 and going back empty to the first."""
    maker = TripMaker(ctx, set(), lambda: (0.0, None))
    built = Built()
    keys = [(f"c:{c}", StopKind.PICKUP) for c in counties] + [("e:E001", StopKind.DROPOFF)]
    trip = maker.coach_trip(built, "C", kit.COACH53, keys, kit.D0, 53, 10, counties[0])
    assert trip is not None
    _name, first, last = built.trip_occ[trip.trip_id]
    return (last - first).days + 1, trip.drivers


def test_a_short_run_is_out_one_day_in_the_model_and_on_the_road(kit: Any) -> None:
    """Hangzhou 上城区 → Shangyu, about 90 km: one driver (≤ 400 km loaded); 90 km + 60 km of
    drop-offs + 90 km back is 240 km ≈ 206 min of driving, under one driver's 4 h run and 8 h
    day. Leaving at 05:00 the coach is back before 09:00 the same day: 1 day out."""
    _sc, inst = kit.build(kit.workers("330102", 10), [kit.employer("E001")])
    ctx = Context(inst, P)
    assert ctx.plan_coach("330102")[1] == 1
    assert built_days(kit, ctx, ["330102"]) == (1, 1)


def test_a_long_run_is_out_two_days_in_the_model_and_on_the_road(kit: Any) -> None:
    """Wuhan 江岸区 → Shangyu, about 790 km: two drivers (> 400 km loaded). The model's route is
    790 + 60 + 790 km ≈ 1,410 min of driving, the built one 790 + 790 km ≈ 1,354 min. Two
    drivers drive at most 2 × 480 = 960 min in any 24 h, so leaving at 05:00 at most 960 min
    are driven by 05:00 next day (and by midnight): the coach cannot be back the first day.
    The remaining ≤ 450 min fit the second day (05:00–24:00 less the halt): 2 days out."""
    _sc, inst = kit.build(kit.workers("420102", 10), [kit.employer("E001")])
    ctx = Context(inst, P)
    assert ctx.plan_coach("420102")[1] == 2
    assert built_days(kit, ctx, ["420102"]) == (2, 2)


def test_a_coach_boarding_its_pool_is_counted_for_the_days_it_is_out(kit: Any) -> None:
    """Bijie 七星关区 boarding 织金县 (its pool) on the way: the model's route is the builder's
    (first pickup, the pool's pickups in falling distance from the hub, the district, back
    to the first), about 106 + 1,907 + 60 + 1,938 km ≈ 3,459 min of driving. Two drivers
    drive at most 960 min in any 24 h: three windows from 05:00 hold 2,880 min, so the coach
    is on the road into the fourth day: 4 days out, as built."""
    _sc, inst = kit.build(
        kit.workers("520502", 10) + kit.workers("520524", 10), [kit.employer("E001")]
    )
    ctx = Context(inst, P)
    assert ctx.plan_coach("520502", ["520502", "520524"])[1] == 4
    assert built_days(kit, ctx, ["520502", "520524"]) == (4, 2)


def test_a_tight_fleet_needs_no_coach_dropped_after_building(tight_demo) -> None:
    """2,000 demo people (seed 2020) and three coaches of each type a day: the model counts
    each coach on the days its built trip is out, so the builder's guard drops no coach (no
    one is sent alone for want of a seat), and the plan validates."""
    scenario, plan, params = tight_demo
    no_seat = [s for s in plan.self_returns if _unwrap(s.why).code == "reason.no_seat_left"]
    assert no_seat == []
    assert validate_plan(scenario, plan, params) == []
