"""One test per rule function of ``planner.optimise.model`` on a small model, and the bound's
result type; figures from the domain notes (a 53-seat coach under the 2020 half-load cap
seats 26; self-return subsidies of 500 yuan from East China and 800 from other regions)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from typing import Any

import pytest

from planner.domain import LoadCap, Travel
from planner.optimise import PlanParams, solve
from planner.optimise.linmodel import solve_model
from planner.optimise.prepare import Person

P = PlanParams(time_limit_s=5.0, work_limit=2.0)
MAR15 = dt.date(2020, 3, 15)


def people(kit: Any, county: str, n: int, **kw: Any) -> list[Person]:
    """``n`` seat-seekers of ``county`` for employer E001, free from the plan's first day."""
    sub = kit.SUBSIDY.get(county[:2], 80_000)
    base = Person("", county, "E001", kit.D0, MAR15, Travel.SEAT, sub, 0)
    return [dataclasses.replace(base, id_number=f"{county}-{i}", order=i, **kw) for i in range(n)]


def coaches_on_the_road(ctx: Any, dec: Any) -> dict[tuple[str, dt.date], int]:
    """Coaches of each kind on the road per day (each counts on each of its hire days)."""
    out: dict[tuple[str, dt.date], int] = {}
    for (a, d), kinds in dec.coaches.items():
        hire = ctx.plan_coach(a)[1]
        for name, cnt in kinds.items():
            for x in range(hire):
                key = (name, d + dt.timedelta(days=x))
                out[key] = out.get(key, 0) + cnt
    return out


def test_bound_result_is_no_plan_and_at_most_the_units_cost(kit: Any) -> None:
    """The bound model answers with a bound, not a padded plan; on 90 people of Bijie it is
    positive and at most what the planned unit really costs."""
    from planner.optimise.model import Context, Decision, ModelBound, solve_bound
    from planner.optimise.prepare import prepare

    plan_fields = {f.name for f in dataclasses.fields(Decision)} - {
        "objective",
        "bound",
        "status",
        "wall_s",
        "det_time",
    }
    assert "coach_flow" in plan_fields
    assert not plan_fields & {f.name for f in dataclasses.fields(ModelBound)}
    _sc, inst = kit.build(
        kit.workers("520502", 70) + kit.workers("520524", 20), [kit.employer("E001")]
    )
    ctx = Context(inst, P)
    planned = prepare(inst, lambda w, r: r, P.max_wait_days).planned
    res = solve_bound(ctx, planned, time_limit_s=5, work_limit=2, whole_trains=True)
    assert isinstance(res, ModelBound)
    plan = solve(inst, P)
    assert not plan.self_returns and not plan.unserved
    (unit,) = plan.summary.extra["units"].values()
    assert 0 < res.value <= unit["cost_yuan"] * 100


def test_coach_rule_seats_the_load_cap_in_force_on_the_day(kit: Any) -> None:
    """Under a half-load cap until 29 Feb a 53-seat coach seats 26 and the full 53 after it;
    40 people who must arrive by 25 Feb ride two coaches, at most 26 on each."""
    from planner.optimise.model import Context, plan_model, solve_plan

    caps = (LoadCap(kit.D0, dt.date(2020, 2, 29), 0.5),)
    _sc, inst = kit.build(
        kit.workers("340102", 1), [kit.employer("E001")], fleet=(kit.COACH53,), caps=caps
    )
    ctx = Context(inst, P)
    um = plan_model(ctx, people(kit, "340102", 40))
    seats = {d: cap for (_a, d, _v), cap in um.n_cap.items()}
    assert seats and all(
        cap == (26 if d <= dt.date(2020, 2, 29) else 53) for d, cap in seats.items()
    )
    early = people(kit, "340102", 40, deadline=dt.date(2020, 2, 25))
    dec = solve_plan(ctx, early, time_limit_s=5, work_limit=2)
    assert sum(n for kinds in dec.coaches.values() for n in kinds.values()) == 2
    assert sum(dec.coach_flow.values()) == 40
    for (a, d), kinds in dec.coaches.items():
        riders = sum(x for (_g, aa, dd), x in dec.coach_flow.items() if (aa, dd) == (a, d))
        assert riders <= 26 * sum(kinds.values())


def test_reach_rule_prices_the_bounds_coach_at_the_drive_to_a_far_employer(kit: Any) -> None:
    """13 of 26 Hefei people work 40 km beyond the nearest employer: their reach class
    holds only coaches priced at that drive, so the bound's LP pays for one such coach."""
    from planner.optimise.model import Context, bound_model, solve_bound

    near, far = kit.employer("E001"), kit.employer("E002", lat=30.10, lon=121.30)
    _sc, inst = kit.build(kit.workers("340102", 1), [near, far])
    ctx = Context(inst, P)
    group = people(kit, "340102", 13) + [
        dataclasses.replace(q, id_number=f"far-{i}", employer="E002")
        for i, q in enumerate(people(kit, "340102", 13))
    ]
    um = bound_model(ctx, group)
    assert len(um.levels) > 1 and um.reach_terms
    a = "c:340102"
    extra_km = 2 * inst.km(a, "e:E002") - 2 * ctx.dmin(a)
    cheapest_far = min(ctx.bound_coach_cost("340102", v, extra_km - 1) for v in ctx.coach_types)
    cheapest_near = min(ctx.bound_coach_cost("340102", v) for v in ctx.coach_types)
    assert cheapest_far > cheapest_near
    res = solve_bound(ctx, group, time_limit_s=5, work_limit=2, backend="lp")
    assert res.value >= cheapest_far - 100


def test_train_rule_takes_riders_on_in_whole_feeders(kit: Any) -> None:
    """600 Guiyang people on a special train: its feeders from the arrival station seat 53
    each, so at least ceil(riders / 53) of them run for each train that carries people."""
    from planner.optimise.model import Context, plan_model

    _sc, inst = kit.build(
        kit.workers("520111", 1), [kit.employer("E001")], fleet=(kit.COACH53, kit.TRAIN)
    )
    ctx = Context(inst, P)
    um = plan_model(ctx, people(kit, "520111", 600))
    assert um.k and um.z
    sol = solve_model(um.m, backend="scip", time_limit_s=5, work_limit=2, seed=0)
    assert sol.feasible
    riders: dict[tuple[int, dt.date], float] = {}
    for (_gi, li, d), var in um.h.items():
        riders[(li, d)] = riders.get((li, d), 0.0) + sol.values[var]
    carried = {key: r for key, r in riders.items() if r > 0.5}
    assert carried
    for key, r in carried.items():
        assert round(sol.values[um.k[key]]) >= 1
        assert round(sol.values[um.z[key]]) >= math.ceil(r / 53 - 1e-6)


def test_everyone_rule_counts_a_person_no_vehicle_can_carry_as_unserved(kit: Any) -> None:
    """A seat-seeker of Bijie needed on the plan's first day cannot arrive by coach: the bound
    (which offers seat-seekers no coming alone) counts them unserved at the 5,000-yuan penalty;
    the plan advises them to come alone rather than leave them unserved."""
    from planner.optimise.model import Context, solve_bound, solve_plan

    _sc, inst = kit.build(kit.workers("520502", 1), [kit.employer("E001")])
    ctx = Context(inst, P)
    stuck = people(kit, "520502", 1, deadline=kit.D0)
    res = solve_bound(ctx, stuck, time_limit_s=5, work_limit=2)
    assert inst.unmet_penalty_fen == 500_000
    assert res.value == pytest.approx(500_000, abs=2)
    dec = solve_plan(ctx, stuck, time_limit_s=5, work_limit=2)
    assert dec.self_return == {0: 1} and not dec.unmet and not dec.coach_flow


def test_come_alone_rule_prices_the_subsidy_and_seat_seekers_at_its_multiple(kit: Any) -> None:
    """Coming alone costs an ``either`` person of Bijie their 800-yuan subsidy and a
    seat-seeker ``seat_cost_multiple`` (3) times it in the plan; the bound offers it to
    ``either`` people only."""
    from planner.optimise.model import Context, bound_model, plan_model

    _sc, inst = kit.build(kit.workers("520502", 1), [kit.employer("E001")])
    ctx = Context(inst, P)
    group = people(kit, "520502", 1) + people(kit, "520502", 1, travel=Travel.EITHER)
    um = plan_model(ctx, group)
    price = {um.groups[gi].travel: um.m.obj[var] for gi, var in um.s.items()}
    assert price == {Travel.SEAT: 3 * 80_000, Travel.EITHER: 80_000}
    ub = bound_model(ctx, group)
    assert {ub.groups[gi].travel: ub.m.obj[var] for gi, var in ub.s.items()} == {
        Travel.EITHER: 80_000
    }


def test_vehicle_limit_rule_caps_coaches_on_the_road_per_day(kit: Any) -> None:
    """With one 53-seat coach in the fleet, 80 Hefei people never get two coaches on the road
    the same day (a coach counts on each of its hire days); with no limit they leave in two
    coaches on one day."""
    from planner.optimise.model import Context, solve_plan

    one = dataclasses.replace(kit.COACH53, available=1)
    group = people(kit, "340102", 80)
    for fleet, most in (((one,), 1), ((kit.COACH53,), 2)):
        _sc, inst = kit.build(kit.workers("340102", 1), [kit.employer("E001")], fleet=fleet)
        ctx = Context(inst, P)
        dec = solve_plan(ctx, group, time_limit_s=5, work_limit=2)
        assert max(coaches_on_the_road(ctx, dec).values()) == most


def test_bound_under_a_clock_too_short_for_its_mip_stops_at_the_lp(
    kit: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bound model whose time cannot hold its LP and a short MIP after it counts its LP
    (a valid bound, at most the MIP's) instead of overrunning the plan's time limit; with
    time enough, or under a work limit, SCIP runs after the LP as before."""
    from planner.optimise.model import Context, bound
    from planner.optimise.prepare import prepare

    _sc, inst = kit.build(
        kit.workers("520502", 70) + kit.workers("520524", 20), [kit.employer("E001")]
    )
    ctx = Context(inst, P)
    planned = prepare(inst, lambda w, r: r, P.max_wait_days).planned
    # As if this small model's LP took 10 s (on this machine it takes milliseconds).
    columns = len(bound.bound_model(ctx, planned, whole_trains=True).m.lb)
    monkeypatch.setattr(bound, "LP_SECONDS_PER_COLUMN2", 10.0 / columns**2)

    def solved(time_limit_s: float, work_limit: float | None) -> bound.ModelBound:
        return bound.solve_bound(
            ctx, planned, time_limit_s=time_limit_s, work_limit=work_limit,
            whole_trains=True,
        )

    short = solved(5, None)
    assert short.status.startswith("lp ") and "mip" not in short.status
    long = solved(20, None)
    assert "mip" in long.status
    assert "mip" in solved(5, 2).status
    assert 0 < short.value <= long.value + 1
