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
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

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
    sc = inst.scenario
    fixed_ids = {a.id_number for a in sc.fixed_assignments}
    employers = {e.uscc: e for e in sc.employers}
    planned: list[Person] = []
    selfs: list[SelfReturn] = []
    unserved: list[Unserved] = []
    recruits: list[tuple[int, Worker, dt.date, dt.date]] = []
    matched_count: dict[str, int] = defaultdict(int)

    def deadline_of(uscc: str) -> dt.date:
        return min(employers[uscc].needed_by, sc.plan_to)

    for order, w in enumerate(sc.workers):
        if w.id_number in fixed_ids:
            if w.employer_uscc is None:
                fa = next(a for a in sc.fixed_assignments if a.id_number == w.id_number)
                matched_count[fa.employer_uscc] += 1
            continue
        if w.home_adcode not in inst.origins:
            unserved.append(
                Unserved(
                    why=reasons.not_in_gazetteer(w.home_adcode),
                    id_number=w.id_number,
                    employer_uscc=w.employer_uscc,
                )
            )
            continue
        release = max(w.available_from, sc.plan_from)
        subsidy = int(inst.subsidy_fen.get(w.id_number, 0))
        if w.employer_uscc is not None:
            if w.employer_uscc not in employers:
                unserved.append(
                    Unserved(
                        why=reasons.unknown_employer(w.employer_uscc),
                        id_number=w.id_number,
                        employer_uscc=w.employer_uscc,
                    )
                )
                continue
            _place(
                inst,
                w,
                order,
                w.employer_uscc,
                release,
                deadline_of(w.employer_uscc),
                subsidy,
                planned,
                selfs,
                max_wait_days,
            )
        else:
            earliest = release if w.travel is Travel.OWN else earliest_arrival(w, release)
            recruits.append((order, w, release, earliest))

    # Who gets a vacancy: registration order, employers by ascending deadline.
    wanted = {e.uscc: max(0, e.new_hires_wanted - matched_count[e.uscc]) for e in sc.employers}
    emp_order = sorted(
        (e for e in sc.employers if wanted[e.uscc] > 0), key=lambda e: (deadline_of(e.uscc), e.uscc)
    )
    total_wanted = sum(wanted.values())

    def greedy(pool: list[tuple[int, Worker, dt.date, dt.date]], key: Callable) -> dict[str, str]:
        """Employers by ascending deadline each take the eligible recruits first by ``key``."""
        import heapq

        left = dict(wanted)
        taken: dict[str, str] = {}
        by_earliest = sorted(pool, key=lambda it: (it[3], key(it)))
        heap: list[tuple[object, int]] = []
        pos = 0
        for e in emp_order:
            dl = deadline_of(e.uscc)
            while pos < len(by_earliest) and by_earliest[pos][3] <= dl:
                heapq.heappush(heap, (key(by_earliest[pos]), pos))
                pos += 1
            while left[e.uscc] > 0 and heap:
                _k, i = heapq.heappop(heap)
                taken[by_earliest[i][1].id_number] = e.uscc
                left[e.uscc] -= 1
        return taken

    first = greedy(recruits, key=lambda it: it[0])
    chosen = [it for it in recruits if it[1].id_number in first]
    final = greedy(chosen, key=lambda it: (it[1].home_adcode, it[2], it[0]))
    if len(final) < len(first):  # cannot happen with nested eligibility; keep the first answer
        final = first
    for order, w, release, _earliest in recruits:
        uscc = final.get(w.id_number)
        if uscc is None:
            if total_wanted == 0 or sum(wanted.values()) <= len(final):
                why = reasons.no_vacancy()
            else:
                why = reasons.no_vacancy(_earliest)
            unserved.append(Unserved(why=why, id_number=w.id_number))
            continue
        matched_count[uscc] += 1
        subsidy = int(inst.subsidy_fen.get(w.id_number, 0))
        _place(
            inst,
            w,
            order,
            uscc,
            release,
            deadline_of(uscc),
            subsidy,
            planned,
            selfs,
            max_wait_days,
        )
    return Prepared(planned, selfs, unserved, fixed_ids, dict(matched_count))


def _place(
    inst: Instance,
    w: Worker,
    order: int,
    uscc: str,
    release: dt.date,
    deadline: dt.date,
    subsidy: int,
    planned: list[Person],
    selfs: list[SelfReturn],
    max_wait_days: int | None = None,
) -> None:
    if w.travel is Travel.OWN:
        selfs.append(
            SelfReturn(
                id_number=w.id_number,
                employer_uscc=uscc,
                why=reasons.own_travel(),
                expected_subsidy_fen=subsidy,
            )
        )
        return
    depart_by = None if max_wait_days is None else release + dt.timedelta(days=max_wait_days)
    planned.append(
        Person(
            w.id_number, w.home_adcode, uscc, release, deadline, w.travel, subsidy, order, depart_by
        )
    )
