"""The bus leader (带队人): who leads which trip, the leader's own trips and roster, and the
boarding ticks they make on their phone.

Rules implemented here:

- an operator assigns a trip to a user of the role ``leader`` (or clears it): one leader per
  trip (``trips.leader_username``), audited with the assignment before and after;
- a leader reads and acts only on the trips assigned to them; every function here checks it in
  the service layer (``movements.check_trip_read`` / ``check_trip_action``), whatever the page
  shows: another trip is refused with ``PermissionDenied`` and does not appear in their list;
- a leader's tick records a *boarding* (``boarded`` event of the person on that trip, natural
  key ``boarded|<id>|<trip>``, dated the trip's departure day): the leader counts who got on at
  the pick-up. The arrival at the employer (到岗, the subsidies' evidence) stays with the
  arrivals list and the operator's check-in on 跟踪; a boarding that came with an imported
  arrival is shown ticked too;
- a tick is refused for someone not on the trip's manifest, for a cancelled trip and twice for
  the same person; an untick (undo) needs a short reason and withdraws the boarding, never
  deletes it (the row keeps who, when and why, ``movements.withdraw_event``; it no longer
  counts and the person may be ticked again); it is refused while the person has an arrival
  on the trip (undo that check-in first) and is audited with the boarding as it was and as
  withdrawn;
- the leader's counts: on the manifest, boarded, not boarded.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import select

from planner.ledger import models as m
from planner.ledger.repository import UnitOfWork, row_dict
from planner.messages import msg
from planner.refusal import InvalidRequest
from planner.services import tracking
from planner.services.auth import PermissionDenied, Role, User, check_permission, current_actor
from planner.services.context import Ledger, using
from planner.services.movements import (
    EVENT_FIELDS,
    MovementRefused,
    _timeline,
    _trip,
    check_trip_action,
    check_trip_read,
    person_named,
    readable_trips,
    reason_given,
    withdraw_event,
)

__all__ = [
    "MovementRefused",
    "PermissionDenied",
    "assign_leader",
    "board",
    "leader_trips",
    "leaders",
    "roster",
    "undo_boarding",
]

CREW_COLUMNS = ["leader_username", "leader_name", "leader_phone", "driver_name",
                "driver_phone", "boarded"]


def leaders(url: str | None = None, *, ledger: Ledger | None = None) -> list[str]:
    """The active users of the role ``leader``, by name (whom a trip can be assigned to)."""
    with using(url, ledger).uow() as uow:
        return [u.username for u in uow.repo.users() if u.role == Role.LEADER and u.active]


def assign_leader(trip_id: str, username: str | None, actor: User,
                  url: str | None = None, *, ledger: Ledger | None = None) -> None:
    """Make ``username`` (an active user of the role ``leader``) the leader of ``trip_id``;
    ``None`` clears it.

    Raises
    ------
    PermissionDenied
        The actor may not assign leaders (an operator may).
    ValueError
        Unknown trip, or no active leader of that name.
    """
    actor = check_permission(actor, "assign_leader", url, ledger=ledger)
    with using(url, ledger).uow() as uow:
        trip = uow.session.scalars(select(m.Trip).where(m.Trip.trip_id == trip_id)).first()
        if trip is None:
            raise InvalidRequest(msg("refusal.unknown_trip", trip=trip_id))
        if username is not None:
            user = uow.repo.user(username)
            if user is None or user.role != Role.LEADER or not user.active:
                raise InvalidRequest(msg("refusal.not_a_leader", user=username))
        before = row_dict(trip, ("leader_username",))
        trip.leader_username = username
        uow.repo.audit(actor.username, "trip", trip_id, "assign_leader", before,
                       row_dict(trip, ("leader_username",)))
        uow.commit()


def _boarded(url: str | None, trip_ids: list[str],
             *, ledger: Ledger | None = None) -> dict[str, set[str]]:
    """Per trip: the ID numbers of the people whose boarding is recorded."""
    out: dict[str, set[str]] = {trip_id: set() for trip_id in trip_ids}
    with using(url, ledger).uow() as uow:
        rows = uow.session.execute(
            select(m.Trip.trip_id, m.Person.id_number)
            .join(m.Event, m.Event.trip_pk == m.Trip.id)
            .join(m.Person, m.Person.id == m.Event.person_id)
            .where(m.Event.kind == "boarded", m.Trip.trip_id.in_(trip_ids), m.standing()))
        for trip_id, id_number in rows:
            out[trip_id].add(id_number)
    return out


def _crew(url: str | None, trip_ids: list[str],
          *, ledger: Ledger | None = None) -> dict[str, dict[str, str]]:
    """Per trip: its leader user and the dispatch's crew (blank where not named)."""
    with using(url, ledger).uow() as uow:
        return {t.trip_id: {c: getattr(t, c) or "" for c in CREW_COLUMNS[:-1]}
                for t in uow.session.scalars(select(m.Trip).where(m.Trip.trip_id.in_(trip_ids)))}


def leader_trips(actor: User, url: str, as_of: dt.date | None = None,
                 *, ledger: Ledger | None = None) -> pd.DataFrame:
    """The trips ``actor`` may read (a leader: only their own) with status, crew and boarding
    count.

    Parameters
    ----------
    actor
        Who reads; a leader sees only the trips assigned to them.
    url
        Ledger URL.
    as_of
        Count recorded events up to this day; ``None``: all of them.

    Returns
    -------
    pandas.DataFrame
        ``tracking.TRIP_COLUMNS`` plus ``CREW_COLUMNS``.
    """
    scope = readable_trips(actor, url, ledger=ledger)
    table = tracking.trips(url, as_of or dt.date.max, ledger=ledger)
    if scope is not None:
        table = table[table["trip_id"].isin(list(scope))].reset_index(drop=True)
    ids = list(table["trip_id"])
    crew = _crew(url, ids, ledger=ledger)
    for column in CREW_COLUMNS[:-1]:
        table[column] = [crew[i][column] for i in ids]
    boarded = _boarded(url, ids, ledger=ledger)
    table["boarded"] = [len(boarded[i]) for i in ids]
    return table


def roster(trip_id: str, actor: User, url: str, *, ledger: Ledger | None = None) -> pd.DataFrame:
    """The manifest of one trip as its leader works with it: ``tracking.MANIFEST_COLUMNS``
    plus ``boarded`` (bool).

    Raises
    ------
    PermissionDenied
        A leader asking for another leader's trip.
    """
    check_trip_read(actor, trip_id, url, ledger=ledger)
    lines = tracking.manifest(url, trip_id, ledger=ledger)
    boarded = _boarded(url, [trip_id], ledger=ledger)[trip_id]
    lines["boarded"] = lines["id_number"].isin(list(boarded)).astype(bool)
    return lines


def board(id_number: str, trip_id: str, actor: User, url: str | None = None,
          *, ledger: Ledger | None = None) -> int:
    """Tick a person as boarded on a trip (see the module's rules); returns the event's id.

    Raises
    ------
    MovementRefused
        Unknown trip, a person not on its manifest, a cancelled trip, a second tick.
    PermissionDenied
        The actor may not act on this trip.
    """
    check_trip_action(actor, trip_id, url, ledger=ledger)
    with using(url, ledger).uow() as uow:
        who = current_actor(actor, uow).username
        trip = _trip(uow.repo, trip_id)
        if "cancelled" in _timeline(uow.repo, trip).once:
            raise MovementRefused(msg("refusal.trip_cancelled", trip=trip_id))
        entry = _manifest_line(uow, id_number, trip)
        key = f"boarded|{id_number}|{trip_id}"
        if uow.session.scalars(select(m.Event.id).where(m.Event.natural_key == key)).first():
            raise MovementRefused(msg("refusal.already_boarded",
                                      person=person_named(uow.repo, id_number), trip=trip_id))
        employer = None if not entry.employer_uscc else uow.session.scalars(
            select(m.Employer.id).where(m.Employer.uscc == entry.employer_uscc)).first()
        row = m.Event(kind="boarded", natural_key=key, person_id=entry.person_id,
                      employer_id=employer, trip_pk=trip.id, ref=trip_id,
                      on_date=trip.depart_date)
        uow.repo.add(row)
        uow.session.flush()
        uow.repo.audit(who, "boarding", f"{id_number}|{trip_id}", "board", None,
                       row_dict(row, ("natural_key", "ref", "on_date")))
        uow.commit()
        return row.id


def _manifest_line(uow: UnitOfWork, id_number: str, trip: m.Trip) -> m.ManifestEntry:
    person = uow.repo.people_by_id_number().get(id_number)
    entry = None if person is None else uow.session.scalars(select(m.ManifestEntry).where(
        m.ManifestEntry.person_id == person.id, m.ManifestEntry.trip_pk == trip.id)).first()
    if entry is None:
        raise MovementRefused(msg("refusal.not_on_trip", person=person_named(uow.repo, id_number),
                                  trip=trip.trip_id))
    return entry


def undo_boarding(id_number: str, trip_id: str, reason: str, actor: User,
                  url: str | None = None, *, ledger: Ledger | None = None) -> None:
    """Untick a person: their boarding on the trip is withdrawn with who, when and why (never
    deleted); it no longer counts, and the person may be ticked again.

    Parameters
    ----------
    id_number
        The person.
    trip_id
        The trip.
    reason
        Why the tick was a mistake (required, at most ``movements.REASON_LIMIT``
        characters).
    actor
        Who unticks (see ``movements.check_trip_action``: the trip's leader, an operator).
    url
        Ledger URL.

    Raises
    ------
    MovementRefused
        No reason, no boarding of that person on that trip, or an arrival recorded on it
        (undo that check-in first).
    PermissionDenied
        The actor may not act on this trip.
    """
    check_trip_action(actor, trip_id, url, ledger=ledger)
    why = reason_given(reason)
    with using(url, ledger).uow() as uow:
        who = current_actor(actor, uow).username
        trip = _trip(uow.repo, trip_id)
        boarding = uow.session.scalars(select(m.Event).where(
            m.Event.natural_key == f"boarded|{id_number}|{trip_id}")).first()
        if boarding is None:
            raise MovementRefused(msg("refusal.not_boarded",
                                      person=person_named(uow.repo, id_number), trip=trip_id))
        arrived = uow.session.scalars(select(m.Event.id).where(
            m.Event.kind == "arrived", m.Event.person_id == boarding.person_id,
            m.Event.trip_pk == trip.id, m.standing())).first()
        if arrived is not None:
            raise MovementRefused(msg("refusal.boarding_has_check_in",
                                      person=person_named(uow.repo, id_number), trip=trip_id))
        before = row_dict(boarding, EVENT_FIELDS)
        withdraw_event(boarding, who, why)
        uow.repo.audit(who, "boarding", f"{id_number}|{trip_id}", "undo_boarding", before,
                       row_dict(boarding, EVENT_FIELDS))
        uow.commit()
