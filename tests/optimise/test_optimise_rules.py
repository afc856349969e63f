"""One test per planning rule on tiny hand-built scenarios; each ends with the validator."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from planner.domain import (
    Assignment,
    LoadCap,
    Plan,
    Scenario,
    Stop,
    StopKind,
    Travel,
    Trip,
    VehicleKind,
)
from planner.optimise import Instance, PlanParams, solve
from planner.validation import assert_valid, validate_plan

P = PlanParams(time_limit_s=5.0, work_limit=2.0)


def run(sc: Scenario, inst: Instance, params: PlanParams = P) -> Plan:
    plan = solve(inst, params)
    assert_valid(sc, plan, params)
    return plan


def coaches(plan: Plan) -> list[Trip]:
    return [t for t in plan.trips if t.kind is VehicleKind.COACH and t.trip_id.startswith("C")]


def test_capacity_splits_a_county_over_full_coaches(kit: Any) -> None:
    """106 seat-seekers from one county fill two 53-seat coaches, none over capacity."""
    sc, inst = kit.build(kit.workers("520502", 106), [kit.employer("E001")])
    plan = run(sc, inst)
    cs = coaches(plan)
    assert sum(t.load for t in cs) == 106
    assert all(t.load <= t.capacity <= t.seats for t in cs)
    assert len(cs) == 2


def test_load_cap_by_date_halves_seats_until_it_lifts(kit: Any) -> None:
    """A 50% cap until 1 March: people needed by 28 Feb ride at ≤26 per 53-seat coach."""
    caps = [LoadCap(kit.D0, dt.date(2020, 3, 1), 0.5)]
    sc, inst = kit.build(
        kit.workers("520502", 40), [kit.employer("E001", needed_by=dt.date(2020, 2, 28))], caps=caps
    )
    plan = run(sc, inst)
    cs = coaches(plan)
    assert all(t.capacity <= 26 for t in cs if t.seats == 53)
    assert all(t.depart_date <= dt.date(2020, 3, 1) for t in cs)
    assert sum(t.load for t in cs) + len(plan.self_returns) == 40


def test_load_cap_lifts_so_late_deadlines_ride_full(kit: Any) -> None:
    """Without a service level, a late deadline lets 53 people wait for one full coach."""
    caps = [LoadCap(kit.D0, dt.date(2020, 3, 1), 0.5)]
    sc, inst = kit.build(kit.workers("520502", 53), [kit.employer("E001")], caps=caps)
    plan = run(sc, inst, P.replace(max_wait_days=None))
    cs = coaches(plan)
    assert len(cs) == 1 and cs[0].load == 53 and cs[0].depart_date >= dt.date(2020, 3, 2)


def test_wait_limit_keeps_early_people_off_a_later_full_coach(kit: Any) -> None:
    """With max_wait_days=3, people free on 15 Feb leave by 18 Feb (half-full coach under the
    cap) instead of waiting for a full coach once the cap lifts on 2 March."""
    caps = [LoadCap(kit.D0, dt.date(2020, 3, 1), 0.5)]
    early = kit.workers("520502", 26, prefix="early")
    late = kit.workers("520502", 27, prefix="late", available_from=dt.date(2020, 3, 2))
    sc, inst = kit.build(early + late, [kit.employer("E001")], caps=caps)
    params = P.replace(max_wait_days=3)
    plan = run(sc, inst, params)
    trips = {t.trip_id: t for t in plan.trips}
    leave = {a.id_number: trips[a.trip_id].depart_date for a in plan.assignments}
    assert len(leave) == 53
    assert all(leave[w.id_number] <= dt.date(2020, 2, 18) for w in early)
    assert all(dt.date(2020, 3, 2) <= leave[w.id_number] <= dt.date(2020, 3, 5) for w in late)
    held = run(sc, inst, P.replace(max_wait_days=None))
    assert any("more than 3 days" in m for m in validate_plan(sc, held, params))


def test_wait_limit_names_the_service_level_when_nothing_fits(kit: Any) -> None:
    """Someone whose 0-day wait window has no lawful trip comes alone with that reason, and
    nobody carried leaves after their own release day."""
    # The train needs 2 days' notice and Huaxi is in its walk-in radius; coaches are banned
    # (cap 0) until 20 Feb, so people free on 15 Feb have no seat within 0 days.
    caps = [LoadCap(kit.D0, dt.date(2020, 2, 19), 0.0)]
    people = kit.workers("520111", 5, travel=Travel.EITHER)
    people += kit.workers("520111", 30, prefix="later", available_from=dt.date(2020, 2, 21))
    sc, inst = kit.build(people, [kit.employer("E001")], caps=caps)
    params = P.replace(max_wait_days=0)
    plan = run(sc, inst, params)
    alone = {s.id_number: s.reason for s in plan.self_returns}
    assert set(alone) >= {w.id_number for w in people[:5]}
    assert all("No seat within 0 days of 2020-02-15" in alone[w.id_number] for w in people[:5])
    trips = {t.trip_id: t for t in plan.trips}
    for a in plan.assignments:
        assert trips[a.trip_id].depart_date == dt.date(2020, 2, 21)


def test_load_cap_by_origin_applies_to_hubei_only(kit: Any) -> None:
    """A cap row for origin 42 limits coaches from Wuhan, not from Hefei, on the same days."""
    caps = [LoadCap(kit.D0, dt.date(2020, 3, 15), 0.5, origin="42")]
    people = kit.workers("420102", 30) + kit.workers("340102", 30)
    sc, inst = kit.build(people, [kit.employer("E001")], caps=caps)
    plan = run(sc, inst)
    hubei = [t for t in coaches(plan) if t.origin_adcode.startswith("42")]
    anhui = [t for t in coaches(plan) if t.origin_adcode.startswith("34")]
    assert hubei and all(t.capacity <= 26 for t in hubei)
    assert anhui and any(t.capacity > 26 for t in anhui)


def test_two_drivers_above_400_km_one_below(kit: Any) -> None:
    """Guizhou (far) coaches get two drivers; Hangzhou (near) coaches one."""
    people = kit.workers("520502", 50) + kit.workers("330102", 50)
    sc, inst = kit.build(people, [kit.employer("E001")])
    plan = run(sc, inst)
    far = [t for t in coaches(plan) if t.origin_adcode == "520502"]
    near = [t for t in coaches(plan) if t.origin_adcode == "330102"]
    assert far and all(t.drivers == 2 for t in far)
    assert near and all(t.drivers == 1 for t in near)


def test_night_halt_no_driving_between_two_and_five(kit: Any) -> None:
    """Long coach runs halt 02:00–05:00: the validator's recomputed timetable never drives then."""
    sc, inst = kit.build(kit.workers("520502", 50), [kit.employer("E001")])
    plan = run(sc, inst)
    from planner.rules.params import Regulation
    from planner.rules.timetable import check_driving
    from planner.validation import _Timetables

    tt = _Timetables(P)
    for t in coaches(plan):
        _legs, sch = tt.get(t)
        assert check_driving(sch.intervals, Regulation()) == []
        assert all(not (120 <= s % 1440 < 300) for s, e, _ in sch.intervals)


def test_fixed_trip_is_kept_and_its_people_not_replanned(kit: Any) -> None:
    """A dispatched trip stays as it is; its riders are not planned again; others are."""
    people = kit.workers("340102", 30)
    fixed_people = people[:10]
    stops = (
        Stop(StopKind.PICKUP, "瑶海区", "340102", 31.86, 117.31, dt.datetime(2020, 2, 20, 6, 0)),
        Stop(StopKind.DROPOFF, "企业001", "E001", 30.05, 120.85, dt.datetime(2020, 2, 20, 13, 0)),
    )
    trip = Trip(
        "FIX1",
        VehicleKind.COACH,
        kit.COACH53.name,
        dt.datetime(2020, 2, 20, 6, 0),
        dt.datetime(2020, 2, 20, 13, 0),
        stops,
        53,
        53,
        10,
        800.0,
        1_000_000,
        2,
        "340102",
        fixed=True,
    )
    fixed = (
        (trip,),
        tuple(Assignment(w.id_number, "FIX1", "瑶海区", "E001") for w in fixed_people),
        (),
    )
    sc, inst = kit.build(people, [kit.employer("E001")], fixed=fixed)
    plan = run(sc, inst)
    assert trip in plan.trips
    new = [a for a in plan.assignments if a.trip_id != "FIX1"]
    assert {a.id_number for a in new}.isdisjoint({w.id_number for w in fixed_people})
    assert len(new) + len(plan.self_returns) == 20


def test_employer_demand_recruits_matched_and_vacancies_reported(kit: Any) -> None:
    """New recruits fill new_hires_wanted; extra recruits and empty vacancies are reported."""
    people = kit.workers("340102", 30, prefix="a", employer_uscc=None)
    sc, inst = kit.build(people, [kit.employer("E001", wanted=20), kit.employer("E002", wanted=0)])
    plan = run(sc, inst)
    served = [a for a in plan.assignments] + list(plan.self_returns)
    assert len(served) == 20 and all(x.employer_uscc == "E001" for x in served)
    extra = [u for u in plan.unserved if u.id_number is not None]
    assert len(extra) == 10 and all("vacancy" in u.reason for u in extra)
    sc2, inst2 = kit.build(
        kit.workers("340102", 5, employer_uscc=None), [kit.employer("E001", wanted=8)]
    )
    plan2 = run(sc2, inst2)
    vac = [u for u in plan2.unserved if u.id_number is None]
    assert len(vac) == 1 and vac[0].employer_uscc == "E001" and vac[0].count == 3


def test_self_return_own_either_and_stranded_seat_seeker(kit: Any) -> None:
    """own comes alone; a lone far 'either' comes alone; a lone far seat-seeker is advised to."""
    people = (
        kit.workers("340102", 40, prefix="own", travel=Travel.OWN)
        + kit.workers("520502", 1, prefix="either", travel=Travel.EITHER)
        + kit.workers("520524", 1, prefix="seat")
    )
    sc, inst = kit.build(people, [kit.employer("E001")])
    plan = run(sc, inst)
    alone = {s.id_number: s for s in plan.self_returns}
    assert all(f"own-{i:04d}" in alone for i in range(40))
    assert not any(a.id_number.startswith("own") for a in plan.assignments)
    assert "either-0000" in alone and "seat-0000" in alone
    assert "more than 3 × the 800.00 yuan" in alone["seat-0000"].reason
    assert alone["seat-0000"].expected_subsidy_fen == 80_000


def test_special_train_with_collectors_and_feeders(kit: Any) -> None:
    """A cheap train from Guiyang carries Guiyang's counties; feeders deliver; legs are listed."""
    cheap = dataclasses.replace(kit.TRAIN, fixed_cost_fen=1_000_000)
    people = kit.workers("520111", 300, prefix="hx") + kit.workers("520113", 300, prefix="by")
    emps = [
        kit.employer("E001", lat=30.05, lon=120.85),
        kit.employer("E002", lat=29.95, lon=120.90),
    ]
    people = [
        w if i % 2 else dataclasses.replace(w, employer_uscc="E002") for i, w in enumerate(people)
    ]
    sc, inst = kit.build(people, emps, fleet=(kit.COACH53, kit.COACH45, cheap))
    plan = run(sc, inst)
    trains = [t for t in plan.trips if t.kind is VehicleKind.TRAIN]
    assert trains, "the cheap train should be used"
    feeders = [t for t in plan.trips if t.parent_trip_id and t.stops[-1].kind is StopKind.DROPOFF]
    assert feeders
    on_train = {a.id_number for a in plan.assignments if a.trip_id == trains[0].trip_id}
    legs = {g.id_number for g in plan.legs}
    assert on_train <= legs
    assert trains[0].depart_date >= kit.D0 + dt.timedelta(days=2)  # lead days


def test_train_origin_is_a_division_code_the_reader_accepts(kit: Any) -> None:
    """A train's origin_adcode is its province's 6-digit code (520000), which trips.csv's
    reader accepts (a bare "52" made written plans with trains unreadable)."""
    from planner.io.tables import parse_adcode

    cheap = dataclasses.replace(kit.TRAIN, fixed_cost_fen=1_000_000)
    people = kit.workers("520111", 300, prefix="hx") + kit.workers("520113", 300, prefix="by")
    sc, inst = kit.build(people, [kit.employer("E001")], fleet=(kit.COACH53, cheap))
    plan = run(sc, inst)
    trains = [t for t in plan.trips if t.kind is VehicleKind.TRAIN]
    assert trains and all(t.origin_adcode == "520000" for t in trains)
    assert parse_adcode(trains[0].origin_adcode)[1] is None


def test_coaches_only_never_uses_trains(kit: Any) -> None:
    """allow_trains=False plans coaches only."""
    cheap = dataclasses.replace(kit.TRAIN, fixed_cost_fen=1_000_000)
    sc, inst = kit.build(
        kit.workers("520111", 200), [kit.employer("E001")], fleet=(kit.COACH53, cheap)
    )
    plan = run(sc, inst, P.replace(allow_trains=False))
    assert not [t for t in plan.trips if t.kind is VehicleKind.TRAIN]


def test_available_from_and_needed_by(kit: Any) -> None:
    """Nobody leaves before available_from; everyone reaches the kit.employer by needed_by."""
    late = kit.workers("340102", 30, prefix="late", available_from=dt.date(2020, 3, 1))
    early = kit.workers("340102", 30, prefix="early", employer_uscc="E002")
    emps = [kit.employer("E001"), kit.employer("E002", needed_by=dt.date(2020, 2, 20))]
    sc, inst = kit.build(late + early, emps)
    plan = run(sc, inst)
    trips = {t.trip_id: t for t in plan.trips}
    for a in plan.assignments:
        t = trips[a.trip_id]
        if a.id_number.startswith("late"):
            assert t.depart_date >= dt.date(2020, 3, 1)
        else:
            assert t.arrive_date <= dt.date(2020, 2, 20)


def test_needed_by_impossible_is_reported_not_broken(kit: Any) -> None:
    """If no trip can arrive by needed_by, the person is advised to come alone with a reason."""
    emps = [kit.employer("E001", needed_by=kit.D0)]
    sc, inst = kit.build(kit.workers("520502", 5), emps)
    plan = run(sc, inst)
    assert not plan.assignments
    assert len(plan.self_returns) == 5
    assert "arrive by" in plan.self_returns[0].reason


def test_vehicles_available_per_day(kit: Any) -> None:
    """One coach available: two counties' coaches go on different days, never two at once."""
    one = dataclasses.replace(kit.COACH53, available=1)
    people = kit.workers("340102", 50) + kit.workers("330102", 50)
    sc, inst = kit.build(people, [kit.employer("E001")], fleet=(one,))
    plan = run(sc, inst)
    cs = coaches(plan)
    assert len(cs) == 2
    assert validate_plan(sc, plan, P) == []


def test_lower_bound_below_cost_and_documented(kit: Any) -> None:
    """The summary's bound is positive, at most the cost, and the gap matches."""
    sc, inst = kit.build(
        kit.workers("520502", 70) + kit.workers("520524", 20), [kit.employer("E001")]
    )
    plan = run(sc, inst)
    s = plan.summary
    assert 0 < s.lower_bound_fen <= s.total_cost_fen
    assert abs(s.gap - (s.total_cost_fen - s.lower_bound_fen) / s.total_cost_fen) < 1e-3
    assert kit.COACH45.seats == 45


def test_bound_counts_train_feeders_at_the_load_cap_of_their_day(kit: Any) -> None:
    """The bound may count full feeders only for trains whose feeders leave after a 50% cap
    has lifted; feeders leaving on its last day or before seat half a coach."""
    from planner.optimise.model import Context

    last = kit.D0 + dt.timedelta(days=10)  # the cap's last day
    caps = (LoadCap(kit.D0, last, 0.5),)
    people = kit.workers("520111", 10)
    fleet = (kit.COACH53, kit.TRAIN)
    _sc, inst = kit.build(people, [kit.employer("E001")], fleet=fleet, caps=caps)
    ctx = Context(inst, P)
    (line,) = ctx.lines_for(["520111"])
    feeder_seats = ctx.feeder.seats
    capped_day = last - dt.timedelta(days=line.feeder_lag)
    assert ctx.feeder_cap_bound(line, capped_day) == feeder_seats // 2
    assert ctx.feeder_cap_bound(line, capped_day + dt.timedelta(days=1)) == feeder_seats


def test_each_unit_reports_its_real_cost_bound_and_gap(kit: Any) -> None:
    """Per planning unit the summary gives the real cost and a bound on the same basis: a
    county whose one person is stranded shows the subsidy as both, not a tiny model bound."""
    people = (
        kit.workers("520502", 70)
        + kit.workers("340102", 30)
        + kit.workers("420102", 1, prefix="lone")
    )
    sc, inst = kit.build(people, [kit.employer("E001")])
    plan = run(sc, inst)
    units = plan.summary.extra["units"]
    fen = sum(round(u["cost_yuan"] * 100) for u in units.values())
    assert fen == plan.summary.total_cost_fen
    for name, u in units.items():
        assert 0 <= u["lower_bound_yuan"] <= u["cost_yuan"], name
        assert abs(u["gap"] - (u["cost_yuan"] - u["lower_bound_yuan"]) / u["cost_yuan"]) < 1e-3
    lone = next(s for s in plan.self_returns if s.id_number.startswith("lone"))
    (wuhan,) = [u for name, u in units.items() if name.endswith("4201")]
    assert wuhan["cost_yuan"] == wuhan["lower_bound_yuan"] == lone.expected_subsidy_fen / 100


def test_bound_counts_the_reach_to_each_passengers_employer(kit: Any) -> None:
    """A coach must reach its farthest passenger's employer: with half the people working
    40 km beyond the district's nearest employer, the bound counts that drive (it rises over
    a bound that only counts the nearest employer) and stays at most the plan's cost."""
    from planner.optimise.model import Context, reach
    from planner.optimise.prepare import Person

    near, far = kit.employer("E001"), kit.employer("E002", lat=30.10, lon=121.30)
    people = kit.workers("340102", 13) + kit.workers(
        "340102", 13, prefix="far", employer_uscc="E002"
    )
    sc, inst = kit.build(people, [near, far])
    ctx = Context(inst, P)
    a = "c:340102"
    q_far = Person("far-0000", "340102", "E002", kit.D0, dt.date(2020, 3, 15), Travel.SEAT, 0, 0)
    expected = 2 * inst.km(a, "e:E002") - 2 * ctx.dmin(a)
    assert expected > 50
    assert ctx.reach_km(q_far, ["340102"]) == pytest.approx(expected)

    s = run(sc, inst).summary
    assert s.lower_bound_fen <= s.total_cost_fen
    saved = reach.REACH_QUANTILES
    try:
        reach.REACH_QUANTILES = ()
        flat = run(sc, inst).summary
    finally:
        reach.REACH_QUANTILES = saved
    # One coach carries all 26: the bound now prices its drive to the far employer.
    assert s.lower_bound_fen - flat.lower_bound_fen >= 0.9 * kit.COACH45.cost_per_km_fen * expected


def _late_people(kit: Any, n: int) -> list[Any]:
    from planner.optimise.prepare import Person

    return [
        Person(f"late-{i}", "340102", "E001", kit.D0, dt.date(2020, 3, 15), Travel.SEAT, 50_000, i)
        for i in range(n)
    ]


@pytest.mark.parametrize(("subsidy", "runs"), [(50_000, False), (5_000_000, True)])
def test_people_late_on_a_shared_coach_get_one_of_their_own_only_if_worth_it(
    kit: Any, subsidy: int, runs: bool
) -> None:
    """When a shared coach would reach some riders' employers too late, a coach just for them
    runs only if it costs no more than ``seat_cost_multiple`` × their subsidies; otherwise they
    are advised to come alone (two people on a 430 km coach: ~3,000 yuan a seat against 3 ×
    500 yuan). With a subsidy a hundred times larger the coach runs."""
    from planner.optimise.build import Builder, Built
    from planner.optimise.model import Context

    _sc, inst = kit.build(kit.workers("340102", 2), [kit.employer("E001")])
    ctx = Context(inst, P)
    builder = Builder(ctx, set(), lambda: (1.0, None))
    built = Built()
    late = [dataclasses.replace(q, subsidy_fen=subsidy) for q in _late_people(kit, 2)]
    builder._late_coach(built, kit.COACH53, 53, kit.D0, late)
    if runs:
        (trip,) = built.trips
        assert trip.load == 2 and trip.cost_fen <= 3 * 2 * subsidy
        assert built.late_alone == []
    else:
        assert built.trips == []
        assert not any(built.occupancy.values())
        assert [(q.id_number, n) for q, _seat, n in built.late_alone] == [
            ("late-0", 2),
            ("late-1", 2),
        ]
        seat = built.late_alone[0][1]
        assert seat > 3 * subsidy
        # The trip id is free again for the next coach.
        assert builder.ids.next("C") == "C0001"


def test_bound_relaxation_charges_a_whole_coach_for_a_countys_few_people(kit: Any) -> None:
    """Ten seat-seekers of one county need a coach: the bound model's LP relaxation already
    charges a whole one (it may not run 10/45 of a coach), and stays at most the plan's cost."""
    from planner.optimise.model import Context, solve_bound
    from planner.optimise.prepare import prepare

    sc, inst = kit.build(kit.workers("340102", 10), [kit.employer("E001")])
    ctx = Context(inst, P)
    people = prepare(inst, lambda w, r: r, None).planned
    res = solve_bound(ctx, people, time_limit_s=5, work_limit=1, backend="lp")
    cheapest = min(ctx.bound_coach_cost("340102", v) for v in ctx.coach_types)
    assert res.value >= cheapest - 100
    plan = run(sc, inst)
    assert plan.summary.lower_bound_fen <= plan.summary.total_cost_fen


def _guiyang_in_two_windows(kit: Any) -> tuple[Any, Any, Any, Any]:
    """1,100 people of Guiyang in two windows six days apart, a train of 300,000 yuan: the
    scenario, instance, model context and the people planned."""
    from planner.optimise.model import Context
    from planner.optimise.prepare import prepare

    train = dataclasses.replace(kit.TRAIN, fixed_cost_fen=30_000_000)
    people = kit.workers("520111", 600, prefix="a") + kit.workers(
        "520113", 500, prefix="b", available_from=kit.D0 + dt.timedelta(days=6)
    )
    sc, inst = kit.build(people, [kit.employer("E001")], fleet=(kit.COACH53, train))
    return sc, inst, Context(inst, P), prepare(inst, lambda w, r: r, P.max_wait_days).planned


def test_bound_branches_on_the_trains_first_when_its_lp_runs_part_of_one(
    kit: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """1,100 people of Guiyang in two windows six days apart: the bound model's LP runs a whole
    train for the first and 5% of one for the second. The model with only its trains and their
    feeders whole (every other count continuous) is solved first: its bound lies above the
    LP's and at most the whole model's optimum, and the unit's bound is the best of them."""
    from planner.optimise.model import bound, solve_bound

    sc, inst, ctx, planned = _guiyang_in_two_windows(kit)
    seen: list[tuple[str, bool, float]] = []
    solve_model = bound.solve_model

    def spy(m: Any, **kw: Any) -> Any:
        sol = solve_model(m, **kw)
        seen.append((kw["backend"], bool(kw.get("quick_root")), sol.bound))
        return sol

    monkeypatch.setattr(bound, "solve_model", spy)
    monkeypatch.setattr(bound, "TRAINS_FIRST_MIN_VARS", 0)  # the rule is for large units
    res = solve_bound(ctx, planned, time_limit_s=5, work_limit=2, whole_trains=True)
    (lp,) = [b for backend, _q, b in seen if backend == "lp"]
    (trains_first,) = [b for backend, quick, b in seen if backend == "scip" and quick]
    (whole,) = [b for backend, quick, b in seen if backend == "scip" and not quick]
    assert "trains OPTIMAL" in res.status and "mip OPTIMAL" in res.status
    assert lp + 100_000 < trains_first <= whole + 1e-6
    assert res.value == pytest.approx(whole)
    plan = run(sc, inst)
    assert plan.summary.lower_bound_fen <= plan.summary.total_cost_fen


def test_bound_ends_at_the_trains_first_when_no_time_is_left_for_the_whole_mip(
    kit: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under a clock, a unit whose trains-first relaxation used its time keeps that bound and
    ends there: the whole MIP, which could not even finish its root LP, is not started (it
    would only overrun the unit's time, taken from the units bounded after it)."""
    import time

    from planner.optimise.model import bound, solve_bound

    _sc, _inst, ctx, planned = _guiyang_in_two_windows(kit)
    solves: list[tuple[str, bool]] = []
    solve_model, trains_first = bound.solve_model, bound._trains_first

    def spy(m: Any, **kw: Any) -> Any:
        solves.append((kw["backend"], bool(kw.get("quick_root"))))
        return solve_model(m, **kw)

    def slow_trains_first(um: Any, unserved: Any, begun: float, *args: Any) -> Any:
        sol = trains_first(um, unserved, begun, *args)
        time.sleep(max(0.0, 1.5 - (time.perf_counter() - begun)))  # its time is spent
        return sol

    monkeypatch.setattr(bound, "solve_model", spy)
    monkeypatch.setattr(bound, "_trains_first", slow_trains_first)
    monkeypatch.setattr(bound, "TRAINS_FIRST_MIN_VARS", 0)
    monkeypatch.setattr(bound, "LP_ONLY_MIN_S", 0.0)  # no model counts as small here
    res = solve_bound(ctx, planned, time_limit_s=1.5, work_limit=None, whole_trains=True)
    assert "trains" in res.status and "mip" not in res.status, res.status
    assert ("scip", False) not in solves, solves
    assert res.value > 0
    assert res.wall_s < 1.8


def test_bound_days_allow_half_a_minute_of_rounding_per_leg(kit: Any) -> None:
    """Two drivers drive at most 16 h a day. A route of 16 h 10 min of driving needs a second
    day; each leg is rounded to the nearest minute, so a route of 10 legs drives at least
    16 h 5 min and the bound counts the second day, as the real timetable does. Without the
    legs known the bound allows 40 minutes of rounding and counts one day."""
    from planner.optimise.model import Context
    from planner.rules.timetable import coach_start, coach_timetable, drive_minutes, hire_days

    _sc, inst = kit.build(kit.workers("340102", 1), [kit.employer("E001")])
    ctx = Context(inst, P)
    km = (16 * 60 + 10) / 60 * P.speed_kmh
    assert ctx._bound_days(km, 2, legs=10) == 1
    assert ctx._bound_days(km, 2) == 0
    legs = [km / 10] * 10
    assert sum(drive_minutes(x, P.speed_kmh) for x in legs) == 16 * 60 + 10
    for st in P.coach_start_min:
        start = coach_start(kit.D0, st)
        sch = coach_timetable(
            start, legs, drivers=2, speed_kmh=P.speed_kmh, rules=ctx.rules, dwell_min=0
        )
        assert hire_days(start, sch.end) >= 2
