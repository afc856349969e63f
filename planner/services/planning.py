"""Use case: plan a scenario. Wires the gazetteer, the distance model and the subsidy policy
into an optimiser instance, then calls ``planner.optimise.solve``.

Rules implemented here:

- every sending county is located by the gazetteer (``home_adcode``, already resolved by the
  reader); a county the gazetteer does not know is left out and its people end unserved;
- road distances come from ``planner.geo.DistanceModel(road_factor, speed)`` of the params;
- each person's self-return subsidy is the policy's forecast for their home county and their
  expected arrival day: ``available_from`` plus the whole days (rounded up) the road distance
  to the district takes at ``speed_kmh`` round the clock (``travel_days``), so tapered policies
  (Yiwu, Longwan) and the policy's end date are applied to the day they would arrive (no
  policy: 0);
- a train's boarding station belongs to the province of the nearest sending county;
- the policy's ``planning.seat_cost_multiple`` and ``unmet_penalty_fen`` apply unless the
  params override them;
- a re-plan's scenario is a copy (the files are never touched): ``scenario_with`` sets the
  dates, the vehicles available, the policy and, when asked, one load cap for every vehicle
  and day (the dated caps are then dropped); ``locked_scenario`` hands trips of a plan back as
  fixed trips (with their feeders, the people on them and those people's legs), so the planner
  keeps them exactly and fits everyone else around them;
- a plan planned from the app records its settings (``PlanSettings``: the planner's parameters
  and the scenario's edits: dates, one load cap or the dated caps, each vehicle's availability,
  the policy file) in the ledger's JSON ``params`` of the plan, beside the parameters' own
  fields (which older readers use); a plan saved without them (older plans, the command line,
  imports) reads back as ``None``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner.domain import Plan, Scenario
from planner.geo import DistanceModel, Gazetteer, load_gazetteer
from planner.optimise import Instance, Origin, PlanParams
from planner.rules.params import DEFAULT_SEAT_COST_MULTIPLE

if TYPE_CHECKING:
    from planner.analysis import WhatIf
    from planner.scale import Executor
    from planner.services.auth import User
    from planner.services.plans import PlanName, SavedPlan

Progress = Callable[[float, str], None]


def travel_days(road_km: float, speed_kmh: float) -> int:
    """Whole days someone travelling alone needs for ``road_km`` at ``speed_kmh`` (round the
    clock), rounded up: the offset of their expected arrival day from their departure day."""
    if road_km <= 0:
        return 0
    return math.ceil(road_km / speed_kmh / 24)


def build_instance(scenario: Scenario, params: PlanParams | None = None) -> Instance:
    """The optimiser's instance for ``scenario``.

    Parameters
    ----------
    scenario
        A checked scenario.
    params
        Planning parameters (road factor, speed, overrides of the policy's planning numbers).

    Returns
    -------
    Instance
    """
    params = params or PlanParams()
    gaz = load_gazetteer()
    origins: dict[str, Origin] = {}
    for code in sorted({w.home_adcode for w in scenario.workers}):
        d = gaz.get(code)
        if d is None:
            continue
        origins[code] = Origin(
            adcode=d.adcode,
            name=d.name,
            prefecture_code=d.prefecture_code,
            prefecture=d.prefecture,
            province_code=d.province_code,
            province=d.province,
            lat=d.lat,
            lon=d.lon,
        )
    policy = scenario.policy
    subsidy: dict[str, int] = {}
    if policy is not None:
        from planner.subsidies.amounts import forecast_self_return_fen

        model = DistanceModel(road_factor=params.road_factor, speed_kmh=params.speed_kmh)
        hub = (scenario.destination.lat, scenario.destination.lon)
        km_of: dict[str, float] = {}
        # Per county and arrival day: thousands of people share a few hundred of them.
        amount_of: dict[tuple[str, dt.date], int] = {}
        for w in scenario.workers:
            o = origins.get(w.home_adcode)
            if o is None:
                continue
            if o.adcode not in km_of:
                km_of[o.adcode] = model.road_km((o.lat, o.lon), hub)
            km = km_of[o.adcode]
            arrival = w.available_from + dt.timedelta(days=travel_days(km, params.speed_kmh))
            key = (o.adcode, arrival)
            if key not in amount_of:
                try:
                    amount_of[key] = forecast_self_return_fen(policy, o.adcode, arrival)
                except ValueError:  # the policy tiers by distance
                    amount_of[key] = forecast_self_return_fen(
                        policy, o.adcode, arrival, distance_km=km
                    )
            subsidy[w.id_number] = amount_of[key]
    multiple = params.seat_cost_multiple
    penalty = params.unmet_penalty_fen
    if policy is not None:
        if multiple is None:
            multiple = float(policy.planning.seat_cost_multiple)
        if penalty is None:
            penalty = int(policy.planning.unmet_penalty_fen)
    dm = DistanceModel(road_factor=params.road_factor, speed_kmh=params.speed_kmh)
    return Instance.build(
        scenario,
        origins,
        subsidy,
        dm.matrix_km,
        station_province=station_provinces(scenario, gaz),
        seat_cost_multiple=DEFAULT_SEAT_COST_MULTIPLE if multiple is None else float(multiple),
        unmet_penalty_fen=500_000 if penalty is None else int(penalty),
    )


def station_provinces(scenario: Scenario, gaz: Gazetteer) -> dict[str, str]:
    """The province of each station a special train boards at: that of the nearest county of
    the gazetteer (a station is where it is, not where the scenario's people live: 怀化南 is in
    Hunan even when only Guizhou people are planned)."""
    import numpy as np

    divisions = list(gaz.counties())
    lat = np.radians([d.lat for d in divisions])
    lon = np.radians([d.lon for d in divisions])
    out: dict[str, str] = {}
    for v in scenario.fleet:
        for name, s_lat, s_lon in v.boarding_stations:
            if not name or name in out or s_lat is None or s_lon is None:
                continue
            a, b = np.radians(float(s_lat)), np.radians(float(s_lon))
            # haversine up to a monotone factor: the nearest county is the argmin
            h = np.sin((lat - a) / 2) ** 2 + np.cos(a) * np.cos(lat) * np.sin((lon - b) / 2) ** 2
            out[name] = divisions[int(np.argmin(h))].province_code
    return out


def plan_scenario(
    scenario: Scenario,
    params: PlanParams | None = None,
    progress: Progress | None = None,
    *,
    what_if: bool = False,
    executor: Executor | None = None,
) -> Plan:
    """Plan ``scenario``: coaches, special trains, feeders, self-return advice, a lower bound.

    Parameters
    ----------
    scenario
        A checked scenario (``planner.io.load_scenario``).
    params
        Planning parameters (default ``PlanParams()``); ``params.max_wait_days`` is the
        service level (default 3 days; ``None``: people may wait until their deadline).
    progress
        Called with ``(fraction done, message)``.
    what_if
        Also re-solve the most binding constraints relaxed (``planner.analysis.what_if``;
        takes longer than the plan: the re-solves run after it, under a work limit).
    executor
        Plan the scenario's units at once on it (``planner.scale``: a process pool, Ray);
        ``None``: one after another here.

    Returns
    -------
    Plan
        Its ``summary.stats.binding`` says what binds it (``planner.analysis``).
    """
    from planner.optimise import solve
    from planner.optimise.budget import Budget

    params = params or PlanParams()
    budget = Budget.start(params.time_limit_s, params.work_limit)  # distances count too
    if progress is not None:
        progress(0.0, "Computing distances and subsidies")
    inst = build_instance(scenario, params)
    plan = solve(inst, params, progress, budget, executor)
    return with_binding(plan, inst, params, what_if=what_if)


def plan_and_save(
    scenario: Scenario,
    params: PlanParams | PlanSettings,
    name: PlanName,
    actor: User,
    url: str | None = None,
    *,
    progress: Progress | None = None,
    parent_id: int | None = None,
    source: str = "app",
    folder: Path | str | None = None,
) -> SavedPlan:
    """Plan ``scenario``, check the plan against every rule (``planner.validation``, the
    checker, not the planner's own code) and save it as a new numbered version.

    Parameters
    ----------
    params
        The planner's parameters, or ``PlanSettings``: then ``scenario`` is edited by them
        (``PlanSettings.scenario``, the policy file read from ``folder``) and they are saved
        with the plan, so a re-plan can start from them.
    name
        The plan's name, or a function of the number it is saved under giving it (the number
        is only known when the plan is saved: ``planner.services.plans.store_plan``).

    Raises
    ------
    Refusal
        The plan breaks a rule (a planner bug): it is not saved, so it cannot be dispatched.
    """
    from planner.messages import msg
    from planner.refusal import Refusal
    from planner.services.plans import save_plan
    from planner.validation import validate_plan

    if isinstance(params, PlanSettings):
        settings: PlanSettings | None = params.with_policy_digest(folder)
        scenario = params.scenario(scenario, folder)
        params = params.params
    else:
        settings = None
    plan = plan_scenario(scenario, params, progress)
    broken = validate_plan(scenario, plan, params)
    if broken:
        raise Refusal(msg("refusal.plan_breaks_rules", count=len(broken), first=broken[0]))
    recorded = settings.to_json() if settings is not None else dataclasses.asdict(params)
    return save_plan(plan, name, actor, recorded, url, source=source, parent_id=parent_id)


def with_binding(plan: Plan, inst: Instance, params: PlanParams, *, what_if: bool = False) -> Plan:
    """``plan`` with ``summary.stats.binding``: the fleet's use per type and day, the people
    left out by cause and, with ``what_if``, the re-solved what-ifs of the most binding cells
    and of one more day of service level (under a clock they may take half the plan's time
    limit again; under a work limit all are computed, deterministically)."""
    from planner.analysis import binding_of, top_what_ifs

    found = binding_of(inst, plan, params)
    if what_if:
        share = None if params.work_limit is not None else params.time_limit_s / 2
        results, skipped = top_what_ifs(inst, plan, params, max_seconds=share)
        found = dataclasses.replace(
            found, what_ifs=tuple(w.as_dict() for w in results), what_if_skipped=skipped
        )
    stats = dataclasses.replace(plan.summary.stats, binding=found.as_dict())
    return dataclasses.replace(plan, summary=dataclasses.replace(plan.summary, stats=stats))


def what_if_more_coaches(
    scenario: Scenario,
    plan: Plan,
    params: PlanParams | PlanSettings,
    vehicle: str,
    day: dt.date,
    k: int = 1,
    *,
    folder: Path | str | None = None,
) -> WhatIf:
    """What ``k`` more ``vehicle`` leaving on ``day`` would have seated and saved in ``plan``
    (made from ``scenario`` with ``params``): the affected provinces re-solved with and
    without them (``planner.analysis.what_if``). With the plan's ``PlanSettings`` the scenario
    is re-solved as the plan was planned (its dates, load caps, fleet and policy, the policy
    file read from ``folder``); else the fleet's limits are those the plan's summary records
    (the app may have changed them before planning).

    Raises
    ------
    Refusal
        The settings name a policy file that is not in ``folder``.
    """
    from planner.analysis import what_if as wi

    if isinstance(params, PlanSettings):
        scenario = params.scenario(scenario, folder)
        params = params.params
    binding = plan.summary.stats.binding or {}
    limits = binding.get("fleet_available") or {}
    if limits:
        fleet = tuple(
            dataclasses.replace(v, available=limits.get(v.name, v.available))
            for v in scenario.fleet
        )
        scenario = dataclasses.replace(scenario, fleet=fleet)
    inst = build_instance(scenario, params)
    span = wi.span_of(inst, plan, params, vehicle, day)
    return wi.what_if_more_coaches(inst, params, vehicle, day, k, plan=plan, span_days=span)


def plan_by_hand(scenario: Scenario, params: PlanParams | None = None) -> Plan:
    """The baseline "planning by hand" for ``scenario`` (see ``planner.optimise.baseline``)."""
    from planner.optimise import plan_by_hand as _by_hand

    params = params or PlanParams()
    return _by_hand(build_instance(scenario, params), params)


def scenario_with(
    scenario: Scenario,
    plan_from: dt.date,
    plan_to: dt.date,
    uniform_cap: float | None,
    available: Mapping[str, int | None],
    policy: Any = None,
) -> Scenario:
    """A copy of ``scenario`` with other planning dates, fleet availability, load cap or policy.

    Parameters
    ----------
    uniform_cap
        ``None``: keep the scenario's dated caps; a share: every vehicle sells at most that
        share of its seats on every day (the dated caps are dropped).
    available
        Vehicles that may run at once, by fleet name (``None``: unlimited); a vehicle not
        named keeps its availability.
    policy
        A parsed policy to use instead of the scenario's (``None``: keep it).
    """
    fleet = []
    for v in scenario.fleet:
        changes: dict[str, Any] = {}
        if v.name in available:
            changes["available"] = available[v.name]
        if uniform_cap is not None:
            changes["max_load"] = uniform_cap
        fleet.append(dataclasses.replace(v, **changes) if changes else v)
    return dataclasses.replace(
        scenario,
        plan_from=plan_from,
        plan_to=plan_to,
        fleet=tuple(fleet),
        load_caps=() if uniform_cap is not None else scenario.load_caps,
        policy=policy if policy is not None else scenario.policy,
    )


def locked_scenario(scenario: Scenario, plan: Plan, trip_ids: Iterable[str]) -> Scenario:
    """``scenario`` with the trips ``trip_ids`` of ``plan`` fixed for a re-plan.

    The trips' feeders are fixed with them; the people on any of these trips keep their
    assignments and legs (all of them, so a person's journey stays whole); trips already fixed
    in the scenario stay fixed.
    """
    keep = set(trip_ids)
    keep |= {tr.trip_id for tr in plan.trips if tr.parent_trip_id in keep}
    trips = tuple(dataclasses.replace(tr, fixed=True) for tr in plan.trips if tr.trip_id in keep)
    already = {tr.trip_id for tr in scenario.fixed_trips}
    # The people of the scenario's own fixed trips stay on them too: a fixed trip without its
    # people would run empty while the re-plan carried them a second time.
    fixed = keep | already
    people = {a.id_number for a in plan.assignments if a.trip_id in fixed}
    people |= {g.id_number for g in plan.legs if g.trip_id in fixed}
    people |= {a.id_number for a in scenario.fixed_assignments}
    people |= {g.id_number for g in scenario.fixed_legs}
    return dataclasses.replace(
        scenario,
        fixed_trips=(*scenario.fixed_trips, *(tr for tr in trips if tr.trip_id not in already)),
        fixed_assignments=tuple(a for a in plan.assignments if a.id_number in people),
        fixed_legs=tuple(g for g in plan.legs if g.id_number in people),
    )


def policy_digest(path: Path | None) -> str | None:
    """SHA-256 of the file at ``path`` (``None``: no such file)."""
    import hashlib

    if path is None or not path.is_file():
        return None
    return hashlib.sha256(path.read_bytes()).hexdigest()


#: the policy file of the scenario itself (``scenario.toml``'s ``policy``, the one in force)
SCENARIO_POLICY = "policy.toml"
#: the key of ``PlanSettings`` in a saved plan's JSON ``params``
SETTINGS_KEY = "settings"


def params_from_json(data: Mapping[str, Any] | None) -> PlanParams:
    """The planning parameters in a saved plan's JSON ``params`` (the fields this version
    knows; ``PlanParams()`` if they do not make valid parameters, e.g. an imported plan's)."""
    names = {f.name for f in dataclasses.fields(PlanParams)}
    known = {k: v for k, v in dict(data or {}).items() if k in names}
    try:
        return PlanParams.from_dict(known)
    except (TypeError, ValueError):
        return PlanParams()


@dataclass(frozen=True, slots=True)
class PlanSettings:
    """Everything a plan is planned with beyond the scenario's files: the planner's parameters
    and the edits ``scenario_with`` makes to the scenario.

    Attributes
    ----------
    params
        The planner's parameters (time limit, seed, trains allowed, service level, …).
    plan_from, plan_to
        The planning dates.
    load_cap
        One load cap for every vehicle and day; ``None``: the scenario's dated caps.
    available
        Vehicles that may run at once, by fleet name (``None``: unlimited); a vehicle not named
        keeps the scenario's availability.
    policy_file
        The policy file beside the scenario (``SCENARIO_POLICY``: the scenario's own policy;
        ``None``: the scenario's policy, there being no file to choose from).
    """

    params: PlanParams
    plan_from: dt.date
    plan_to: dt.date
    load_cap: float | None = None
    available: dict[str, int | None] = field(default_factory=dict)
    policy_file: str | None = SCENARIO_POLICY
    # SHA-256 of the policy file's bytes when the plan was planned (``None``: not known): a
    # re-plan can say that the file was edited since. Not part of what the settings *are*.
    policy_sha256: str | None = field(default=None, compare=False)

    def to_json(self) -> dict[str, Any]:
        """The JSON ``params`` of a saved plan: the parameters' fields at the top level (as
        plans were always saved) and the scenario's edits under ``SETTINGS_KEY``."""
        out = dataclasses.asdict(self.params)
        out[SETTINGS_KEY] = {
            "plan_from": self.plan_from.isoformat(),
            "plan_to": self.plan_to.isoformat(),
            "load_cap": self.load_cap,
            "available": dict(self.available),
            "policy_file": self.policy_file,
            "policy_sha256": self.policy_sha256,
        }
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> PlanSettings | None:
        """The settings recorded in a saved plan's JSON ``params``; ``None`` if it holds none
        (a plan saved before they were recorded, by the command line or imported) or they
        cannot be read."""
        edits = (data or {}).get(SETTINGS_KEY)
        if not isinstance(edits, Mapping):
            return None
        try:
            cap = edits.get("load_cap")
            available = edits.get("available") or {}
            policy = edits.get("policy_file")
            return cls(
                params=params_from_json(data),
                plan_from=dt.date.fromisoformat(str(edits["plan_from"])),
                plan_to=dt.date.fromisoformat(str(edits["plan_to"])),
                load_cap=None if cap is None else float(cap),
                available={str(k): None if v is None else int(v) for k, v in available.items()},
                policy_file=None if policy is None else str(policy),
                policy_sha256=None if edits.get("policy_sha256") is None
                else str(edits["policy_sha256"]),
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            return None

    def scenario(self, base: Scenario, folder: Path | str | None = None) -> Scenario:
        """``base`` with these settings' dates, load cap, fleet and policy (the policy file
        read from ``folder``, the scenario's folder).

        Raises
        ------
        Refusal
            The policy file is not in ``folder``.
        InputError
            The policy file has problems.
        """
        policy = None
        if self.policy_file is not None and self.policy_file != SCENARIO_POLICY:
            from planner.messages import msg
            from planner.refusal import Refusal
            from planner.subsidies import load_policy

            path = self.policy_path(folder)
            if path is None or not path.is_file():
                raise Refusal(msg("refusal.policy_file_missing", file=self.policy_file))
            policy = load_policy(path)
        return scenario_with(base, self.plan_from, self.plan_to, self.load_cap, self.available,
                             policy)

    @classmethod
    def of_scenario(cls, scenario: Scenario, params: PlanParams,
                    folder: Path | str | None = None) -> PlanSettings:
        """The settings of planning ``scenario`` as its files give it (its dates, dated load
        caps, fleet and own policy, read from ``folder``): what ``jobbus plan --save``
        records, so a re-plan in the app plans as the command line did."""
        settings = cls(params, scenario.plan_from, scenario.plan_to, None,
                       {v.name: v.available for v in scenario.fleet}, SCENARIO_POLICY)
        return settings.with_policy_digest(folder)

    def with_policy_digest(self, folder: Path | str | None) -> PlanSettings:
        """These settings with the SHA-256 of their policy file in ``folder`` as it is now."""
        return dataclasses.replace(self, policy_sha256=policy_digest(self.policy_path(folder)))

    def policy_path(self, folder: Path | str | None) -> Path | None:
        """The policy file these settings plan with, in the scenario's ``folder``."""
        if folder is None:
            return None
        return Path(folder) / Path(self.policy_file or SCENARIO_POLICY).name

    def policy_edited(self, path: Path | None) -> bool:
        """Whether the policy file at ``path`` is no longer the one these settings were
        planned with (its bytes changed since; ``False`` when that is not known)."""
        if self.policy_sha256 is None or path is None:
            return False
        return policy_digest(path) != self.policy_sha256

    def differences(self, other: PlanSettings) -> list[str]:
        """What differs from ``other``: ``plan_from``, ``plan_to``, ``load_cap``,
        ``policy_file``, ``available:<vehicle>`` (vehicles in either) and the names of the
        parameters' fields, in that order."""
        out = [name for name in ("plan_from", "plan_to", "load_cap", "policy_file")
               if getattr(self, name) != getattr(other, name)]
        names = list(dict.fromkeys([*self.available, *other.available]))
        out += [f"available:{n}" for n in names
                if (n in self.available, self.available.get(n))
                != (n in other.available, other.available.get(n))]
        out += [f.name for f in dataclasses.fields(PlanParams)
                if getattr(self.params, f.name) != getattr(other.params, f.name)]
        return out
