"""What "happened" after a demo plan: synthetic event tables, so a first start shows a living
ledger.

Rules implemented here (all draws from one seeded generator; the same scenario, plan and seed
give the same tables):

- about 95% of the people carried arrive on their main trip's arrival day (the last leg's, for a
  train and its feeder coach) at the employer of their assignment; the rest do not show;
- a few employers charter a coach themselves for people the plan left unserved (or advised to
  come alone) who are theirs: those riders arrive with the contract number as trip id, the day
  after departure, and are on no government trip;
- about 90% of the other people advised to come alone arrive on their own 1–3 days after they
  can leave, at their employer (a new recruit: an employer with vacancies);
- about 93% of arrivals are insured from their arrival month, most for six months or more, some
  for 1–5 months only (they left);
- every employer reports its insured headcount for 2019-03 and 2020-03 (growth = the new
  recruits insured there in 2020-03, give or take a few);
- two labour agencies placed some of the new recruits (one at least ten, one fewer).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Any

import numpy as np
import pandas as pd

from planner.domain.model import Plan, Scenario, Worker

ARRIVAL_COLUMNS = ["id_number", "employer_uscc", "arrived_on", "trip_id", "ticket_amount"]
LAST_MONTH = "2020-09"


def _month(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _months_from(first: str, n: int) -> list[str]:
    year, mon = int(first[:4]), int(first[5:7])
    out = []
    for k in range(n):
        index = year * 12 + mon - 1 + k
        out.append(f"{index // 12:04d}-{index % 12 + 1:02d}")
    return out


def _uscc(body: str) -> str:
    from stdnum.cn import uscc

    return body + uscc.calc_check_digit(body)


def _yuan(fen: int) -> str:
    return f"{fen / 100:.2f}"


def simulate_events(scenario: Scenario, plan: Plan, seed: int = 2020) -> dict[str, pd.DataFrame]:
    """Synthetic event tables for a scenario and its plan.

    Parameters
    ----------
    scenario
        The scenario (workers, employers).
    plan
        A plan of it (trips, assignments, self-return advice, unserved).
    seed
        Seed of the random generator.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``arrivals``, ``insurance``, ``charters``, ``charter_riders``, ``headcount`` and
        ``placements``, with the columns of FORMATS.md (money as yuan text, dates ISO).
    """
    rng = np.random.default_rng(seed)  # drawn from in the order of the steps below
    workers = {w.id_number: w for w in scenario.workers}
    arrivals = _trip_arrivals(plan, rng)
    charters, riders, charter_arrivals = _employer_charters(scenario, plan, workers, rng)
    arrivals += charter_arrivals
    chartered = {r["id_number"] for r in riders}
    arrivals += _own_arrivals(scenario, plan, workers, chartered, rng)
    insurance, insured_in_march, recruits = _insurance(arrivals, workers, rng)
    headcount = _headcount(scenario, insured_in_march, rng)
    placements = _placements(recruits)
    return {
        "arrivals": _frame(sorted(arrivals, key=lambda r: (r["arrived_on"], r["id_number"])),
                           ARRIVAL_COLUMNS),
        "insurance": _frame(insurance, ["id_number", "employer_uscc", "month"]),
        "charters": _frame(charters, ["employer_uscc", "contract_no", "depart_date",
                                      "origin_adcode", "seats", "riders", "invoice_amount"]),
        "charter_riders": _frame(riders, ["contract_no", "id_number"]),
        "headcount": _frame(headcount, ["employer_uscc", "month", "insured_headcount"]),
        "placements": _frame(placements, ["agency_uscc", "agency_name", "id_number",
                                          "employer_uscc"]),
    }


def _trip_arrivals(plan: Plan, rng: np.random.Generator) -> list[dict[str, Any]]:
    """About 95% of the people carried arrive at their employer on their main trip's arrival
    day (their last leg's, when they have legs); the rest do not show."""
    trips = {t.trip_id: t for t in plan.trips}
    last_arrival: dict[str, dt.date] = {}
    for leg in plan.legs:
        trip = trips.get(leg.trip_id)
        if trip is not None:
            day = trip.arrive.date()
            last_arrival[leg.id_number] = max(last_arrival.get(leg.id_number, day), day)
    arrivals: list[dict[str, Any]] = []
    for a in sorted(plan.assignments, key=lambda a: a.id_number):
        if rng.random() < 0.05:
            continue  # no-show
        day = last_arrival.get(a.id_number, trips[a.trip_id].arrive.date())
        arrivals.append({"id_number": a.id_number, "employer_uscc": a.employer_uscc,
                         "arrived_on": day, "trip_id": a.trip_id, "ticket_amount": ""})
    return arrivals


def _left_behind_by_employer(plan: Plan, workers: dict[str, Worker]) -> dict[str, list[str]]:
    """The people left unserved or advised to come alone, by the employer they work for."""
    own_or_left: dict[str, list[str]] = defaultdict(list)
    for u in plan.unserved:
        if u.id_number and u.id_number in workers and workers[u.id_number].employer_uscc:
            own_or_left[workers[u.id_number].employer_uscc or ""].append(u.id_number)
    for s in plan.self_returns:
        if s.id_number in workers and workers[s.id_number].employer_uscc:
            own_or_left[workers[s.id_number].employer_uscc or ""].append(s.id_number)
    return own_or_left


def _employer_charters(
    scenario: Scenario, plan: Plan, workers: dict[str, Worker], rng: np.random.Generator
) -> tuple[list[dict[str, Any]], list[dict[str, str]], list[dict[str, Any]]]:
    """The three employers with most people left behind (three or more) charter a coach for up
    to 26 of them. Returns (charters, charter riders, their arrivals the day after leaving)."""
    own_or_left = _left_behind_by_employer(plan, workers)
    candidates = sorted((len(v), k) for k, v in own_or_left.items() if len(v) >= 3)
    charters: list[dict[str, Any]] = []
    riders: list[dict[str, str]] = []
    arrivals: list[dict[str, Any]] = []
    for n, (_, uscc) in enumerate(reversed(candidates[-3:]), start=1):
        people = sorted(own_or_left[uscc])[:26]
        origin = Counter(workers[p].home_adcode for p in people).most_common(1)[0][0]
        depart = max(max(workers[p].available_from for p in people), scenario.plan_from)
        depart = min(depart, scenario.plan_to - dt.timedelta(days=1))
        contract = f"BC2020-{n:03d}"
        invoice_fen = int(rng.integers(16_000, 26_001)) * 100
        charters.append({"employer_uscc": uscc, "contract_no": contract,
                         "depart_date": depart, "origin_adcode": origin, "seats": 53,
                         "riders": len(people), "invoice_amount": _yuan(invoice_fen)})
        for p in people:
            riders.append({"contract_no": contract, "id_number": p})
            arrivals.append({"id_number": p, "employer_uscc": uscc,
                             "arrived_on": depart + dt.timedelta(days=1), "trip_id": contract,
                             "ticket_amount": ""})
    return charters, riders, arrivals


def _own_arrivals(
    scenario: Scenario,
    plan: Plan,
    workers: dict[str, Worker],
    chartered: set[str],
    rng: np.random.Generator,
) -> list[dict[str, Any]]:
    """About 90% of the other people advised to come alone arrive on their own, with a ticket,
    1–3 days after they can leave (a new recruit at an employer with vacancies)."""
    wanted = [e.uscc for e in scenario.employers if e.new_hires_wanted > 0] or [
        e.uscc for e in scenario.employers
    ]
    arrivals: list[dict[str, Any]] = []
    for s in sorted(plan.self_returns, key=lambda s: s.id_number):
        if s.id_number in chartered or s.id_number not in workers or rng.random() < 0.10:
            continue
        w = workers[s.id_number]
        uscc = s.employer_uscc or w.employer_uscc or wanted[int(rng.integers(len(wanted)))]
        day = max(w.available_from, scenario.plan_from) + dt.timedelta(
            days=int(rng.integers(1, 4)))
        day = min(day, scenario.plan_to)
        ticket = int(rng.integers(150, 901)) * 100
        arrivals.append({"id_number": s.id_number, "employer_uscc": uscc, "arrived_on": day,
                         "trip_id": "", "ticket_amount": _yuan(ticket)})
    return arrivals


def _insurance(
    arrivals: list[dict[str, Any]], workers: dict[str, Worker], rng: np.random.Generator
) -> tuple[list[dict[str, str]], Counter[str], list[tuple[str, str, int]]]:
    """Social insurance: about 93% of arrivals insured from their arrival month, most for six
    months or more, some leaving early. Returns (insurance rows, new recruits insured in
    2020-03 by employer, those recruits as (id, employer, months insured))."""
    insurance: list[dict[str, str]] = []
    insured_in_march: Counter[str] = Counter()
    recruits: list[tuple[str, str, int]] = []
    for arr in arrivals:
        if rng.random() < 0.07:
            continue
        months = 7 if rng.random() < 0.7 else int(rng.integers(1, 7))
        first = _month(arr["arrived_on"])
        covered = [mo for mo in _months_from(first, months) if mo <= LAST_MONTH]
        for mo in covered:
            insurance.append({"id_number": arr["id_number"],
                              "employer_uscc": arr["employer_uscc"], "month": mo})
        if "2020-03" in covered and not workers[arr["id_number"]].employer_uscc:
            insured_in_march[arr["employer_uscc"]] += 1
            recruits.append((arr["id_number"], arr["employer_uscc"], len(covered)))
    return insurance, insured_in_march, recruits


def _headcount(
    scenario: Scenario, insured_in_march: Counter[str], rng: np.random.Generator
) -> list[dict[str, Any]]:
    """Every employer's insured headcount for 2019-03 and 2020-03 (grown by its new recruits
    insured in 2020-03, give or take a few)."""
    headcount: list[dict[str, Any]] = []
    for e in sorted(scenario.employers, key=lambda e: e.uscc):
        base = int(rng.integers(40, 400))
        growth = insured_in_march[e.uscc] + int(rng.integers(-3, 3))
        headcount.append({"employer_uscc": e.uscc, "month": "2019-03",
                          "insured_headcount": base})
        headcount.append({"employer_uscc": e.uscc, "month": "2020-03",
                          "insured_headcount": max(0, base + growth)})
    return headcount


def _placements(recruits: list[tuple[str, str, int]]) -> list[dict[str, str]]:
    """Two labour agencies placed the first 16 new recruits (by id): twelve and four."""
    agencies = [(_uscc("91330604MA2D8H5K2"), "上虞区众诚人力资源有限公司"),
                (_uscc("91330604MA2BQ7LX3"), "绍兴市安达劳务派遣有限公司")]
    placements: list[dict[str, str]] = []
    for i, (id_number, uscc, _n) in enumerate(sorted(recruits)[:16]):
        agency = agencies[0] if i < 12 else agencies[1]
        placements.append({"agency_uscc": agency[0], "agency_name": agency[1],
                           "id_number": id_number, "employer_uscc": uscc})
    return placements


def _frame(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    """A table of ``rows`` in ``columns``, dates as ISO text."""
    df = pd.DataFrame(rows, columns=columns)
    for c in df.columns:
        if len(df) and isinstance(df[c].iloc[0], dt.date):
            df[c] = df[c].map(lambda d: d.isoformat())
    return df


#: The order event files must be imported in (charters before their riders and arrivals).
EVENT_ORDER: tuple[str, ...] = (
    "charters",
    "charter_riders",
    "arrivals",
    "insurance",
    "headcount",
    "placements",
)
