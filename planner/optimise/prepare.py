"""Who is planned how, before any trip is built.

Rules implemented:

- people on fixed (already dispatched) trips are kept and not planned again;
- ``travel = own``: self-return with the subsidy, never seated;
- a home county missing from the instance: unserved;
- returning employees go to their own employer; new recruits (blank employer) are matched to
  employers with ``new_hires_wanted`` left: first in registration order decide who gets a
  vacancy, only to employers whose ``needed_by`` they can meet; then vacancies are handed out
  by ascending ``needed_by`` keeping recruits of one county together (the eligibility sets are
  nested, so any such greedy fills the most vacancies);
- a person's window: leave no earlier than ``max(available_from, plan_from)``; arrive no later
  than ``min(needed_by, plan_to)``; with a service level ``max_wait_days`` = W, leave no later
  than ``max(available_from, plan_from) + W`` (``depart_by``; the wait is counted from the
  first day the plan can carry anyone).
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from planner.domain import SelfReturn, Travel, Unserved, Worker
from planner.optimise import reasons
from planner.optimise.instance import Instance


@dataclass(frozen=True, slots=True)
class Person:
    """A person to carry or advise, with their window and employer."""

    id_number: str
    county: str
    employer: str
    release: dt.date
    deadline: dt.date
    travel: Travel
    subsidy_fen: int
    order: int  # registration order
    depart_by: dt.date | None = None  # latest departure (service level); None: no limit


@dataclass
class Prepared:
    """People split by what happens to them before trips are planned."""

    planned: list[Person]
    self_returns: list[SelfReturn]
    unserved: list[Unserved]
    fixed_ids: set[str]
    recruits_matched: dict[str, int]


#: A new recruit waiting for a vacancy: (registration order, worker, release day, earliest
#: day organised transport could deliver them).
Recruit = tuple[int, Worker, dt.date, dt.date]


def prepare(
    inst: Instance,
    earliest_arrival: Callable[[Worker, dt.date], dt.date],
    max_wait_days: int | None = None,
) -> Prepared:
    """Split the scenario's people and match new recruits to employers.

    Parameters
    ----------
    inst
        The instance.
    earliest_arrival
        ``(worker, release day) -> earliest day`` organised transport could deliver them.
    max_wait_days
        Service level: each planned person's ``depart_by`` is their release plus this many
        days (``None``: no limit).

    Returns
    -------
    Prepared
        People to plan, self-returns and unserved decided here, and recruits per employer.
    """
    fixed_ids = {a.id_number for a in inst.scenario.fixed_assignments}
    out = Prepared([], [], [], fixed_ids, {})
    matched_count: dict[str, int] = defaultdict(int)
    recruits = _place_returning(inst, earliest_arrival, max_wait_days, out, matched_count)
    _place_recruits(inst, recruits, max_wait_days, out, matched_count)
    out.recruits_matched = dict(matched_count)
    return out


def _deadline(inst: Instance, uscc: str) -> dt.date:
    """The last day people may arrive at employer ``uscc``."""
    return min(inst.scenario_employers[uscc].needed_by, inst.scenario.plan_to)


def _place_returning(
    inst: Instance,
    earliest_arrival: Callable[[Worker, dt.date], dt.date],
    max_wait_days: int | None,
    out: Prepared,
    matched_count: dict[str, int],
) -> list[Recruit]:
    """Place everyone but new recruits: people on fixed trips kept (a recruit among them
    counted for their employer), a home county or employer unknown unserved, the others
    planned or self-returning to their own employer. Returns the new recruits, in
    registration order."""
    sc = inst.scenario
    recruits: list[Recruit] = []
    for order, w in enumerate(sc.workers):
        if w.id_number in out.fixed_ids:
            if w.employer_uscc is None:
                fa = next(a for a in sc.fixed_assignments if a.id_number == w.id_number)
                matched_count[fa.employer_uscc] += 1
            continue
        if w.home_adcode not in inst.origins:
            why = reasons.not_in_gazetteer(w.home_adcode)
            out.unserved.append(Unserved(why, w.id_number, w.employer_uscc))
            continue
        release = max(w.available_from, sc.plan_from)
        if w.employer_uscc is None:
            earliest = release if w.travel is Travel.OWN else earliest_arrival(w, release)
            recruits.append((order, w, release, earliest))
        elif w.employer_uscc not in inst.scenario_employers:
            why = reasons.unknown_employer(w.employer_uscc)
            out.unserved.append(Unserved(why, w.id_number, w.employer_uscc))
        else:
            _place(inst, w, order, w.employer_uscc, release, out, max_wait_days)
    return recruits


def _place_recruits(
    inst: Instance,
    recruits: list[Recruit],
    max_wait_days: int | None,
    out: Prepared,
    matched_count: dict[str, int],
) -> None:
    """Hand the vacancies left to ``recruits`` and place each one who got one; the others are
    unserved (no vacancy, or none they could reach in time)."""
    wanted = {
        e.uscc: max(0, e.new_hires_wanted - matched_count[e.uscc]) for e in inst.scenario.employers
    }
    total_wanted = sum(wanted.values())
    final = _match_vacancies(inst, recruits, wanted)
    for order, w, release, earliest in recruits:
        uscc = final.get(w.id_number)
        if uscc is None:
            if total_wanted == 0 or sum(wanted.values()) <= len(final):
                why = reasons.no_vacancy()
            else:
                why = reasons.no_vacancy(earliest)
            out.unserved.append(Unserved(why=why, id_number=w.id_number))
            continue
        matched_count[uscc] += 1
        _place(inst, w, order, uscc, release, out, max_wait_days)


def _match_vacancies(
    inst: Instance, recruits: list[Recruit], wanted: dict[str, int]
) -> dict[str, str]:
    """Recruit id -> employer: who gets a vacancy is decided in registration order; the
    vacancies are then handed out again among them keeping recruits of one county together."""
    emp_order = sorted(
        (e for e in inst.scenario.employers if wanted[e.uscc] > 0),
        key=lambda e: (_deadline(inst, e.uscc), e.uscc),
    )
    deadlines = [(e.uscc, _deadline(inst, e.uscc)) for e in emp_order]
    first = _greedy(recruits, lambda it: it[0], wanted, deadlines)
    chosen = [it for it in recruits if it[1].id_number in first]
    final = _greedy(chosen, lambda it: (it[1].home_adcode, it[2], it[0]), wanted, deadlines)
    if len(final) < len(first):  # cannot happen with nested eligibility; keep the first answer
        final = first
    return final


def _greedy(
    pool: list[Recruit],
    key: Callable[[Recruit], Any],
    wanted: dict[str, int],
    deadlines: list[tuple[str, dt.date]],
) -> dict[str, str]:
    """Employers by ascending deadline (``deadlines``) each take the eligible recruits (those
    who can arrive by it) first by ``key``, up to their ``wanted`` vacancies."""
    left = dict(wanted)
    taken: dict[str, str] = {}
    by_earliest = sorted(pool, key=lambda it: (it[3], key(it)))
    heap: list[tuple[object, int]] = []
    pos = 0
    for uscc, dl in deadlines:
        while pos < len(by_earliest) and by_earliest[pos][3] <= dl:
            heapq.heappush(heap, (key(by_earliest[pos]), pos))
            pos += 1
        while left[uscc] > 0 and heap:
            _k, i = heapq.heappop(heap)
            taken[by_earliest[i][1].id_number] = uscc
            left[uscc] -= 1
    return taken


def _place(
    inst: Instance,
    w: Worker,
    order: int,
    uscc: str,
    release: dt.date,
    out: Prepared,
    max_wait_days: int | None = None,
) -> None:
    """Plan ``w`` for employer ``uscc`` (by its deadline, with their subsidy), or advise them
    to come on their own when they travel on their own."""
    subsidy = int(inst.subsidy_fen.get(w.id_number, 0))
    if w.travel is Travel.OWN:
        out.self_returns.append(
            SelfReturn(
                id_number=w.id_number,
                employer_uscc=uscc,
                why=reasons.own_travel(),
                expected_subsidy_fen=subsidy,
            )
        )
        return
    depart_by = None if max_wait_days is None else release + dt.timedelta(days=max_wait_days)
    deadline = _deadline(inst, uscc)
    out.planned.append(
        Person(
            w.id_number, w.home_adcode, uscc, release, deadline, w.travel, subsidy, order, depart_by
        )
    )
