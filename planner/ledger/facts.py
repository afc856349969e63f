"""The ledger's facts as the subsidy engine reads them (``planner.subsidies.LedgerFacts``).

Rules implemented here: every trip in the ledger is a government trip (only planned, publicly
paid trips are imported as trips; employer charters are separate); an arrival's ``trip_id`` is
given back as it was imported (a trip id or a charter contract number).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from planner.domain.events import Arrival, Charter, CharterRider, Headcount, InsuredMonth
from planner.ledger import models as m
from planner.ledger.repository import LedgerRepository


def build_facts(repo: LedgerRepository) -> Any:
    """Everything that happened, read from the ledger.

    Parameters
    ----------
    repo
        The ledger.

    Returns
    -------
    planner.subsidies.LedgerFacts
    """
    from planner.subsidies import EmployerRef, LedgerFacts, Person, Placement

    session = repo.session
    P, E, C = m.Person, m.Employer, m.Charter
    people = session.execute(
        select(P.id, P.id_number, P.name, P.home_adcode, P.poverty_registered)).all()
    employers = session.execute(select(E.id, E.uscc, E.name)).all()
    pid = {r.id: r.id_number for r in people}
    eid = {r.id: r.uscc for r in employers}
    charters = session.execute(
        select(C.id, C.contract_no, C.employer_id, C.depart_date, C.origin_adcode, C.seats,
               C.riders, C.invoice_amount_fen)).all()
    contract = {r.id: r.contract_no for r in charters}
    arrivals = []
    insured = []
    events = session.execute(
        select(m.Event.kind, m.Event.person_id, m.Event.employer_id, m.Event.on_date,
               m.Event.ref, m.Event.amount_fen, m.Event.month)
        .where(m.Event.kind.in_(("arrived", "insured")), m.standing())
    ).all()
    for kind, person, employer, on_date, ref, amount, month in events:
        if employer is None:
            continue
        if kind == "arrived" and on_date is not None:
            arrivals.append(Arrival(pid[person], eid[employer], on_date, ref, amount))
        elif kind == "insured" and month:
            insured.append(InsuredMonth(pid[person], eid[employer], month))
    return LedgerFacts(
        people=[Person(r.id_number, r.name, r.home_adcode, r.poverty_registered)
                for r in people],
        employers=[EmployerRef(r.uscc, r.name) for r in employers],
        government_trips=list(session.scalars(select(m.Trip.trip_id))),
        arrivals=arrivals,
        insured_months=insured,
        charters=[
            Charter(eid[r.employer_id], r.contract_no, r.depart_date, r.origin_adcode, r.seats,
                    r.riders, r.invoice_amount_fen)
            for r in charters
        ],
        charter_riders=[
            CharterRider(contract[c], pid[p])
            for c, p in session.execute(
                select(m.CharterRider.charter_id, m.CharterRider.person_id))
        ],
        headcounts=[
            Headcount(eid[e], month, n)
            for e, month, n in session.execute(
                select(m.Headcount.employer_id, m.Headcount.month,
                       m.Headcount.insured_headcount))
        ],
        placements=[
            Placement(a_uscc, a_name, pid[p], eid[e])
            for a_uscc, a_name, p, e in session.execute(
                select(m.Placement.agency_uscc, m.Placement.agency_name,
                       m.Placement.person_id, m.Placement.employer_id))
        ],
    )
