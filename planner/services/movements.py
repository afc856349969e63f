"""Recording what really happened to trips and their people: a trip's departure, arrival, delay
or cancellation; checking people of a trip in, and undoing a wrong check-in; re-seating the
people of a cancelled trip.

Rules implemented here:

- who may act on a trip is decided in one place, :func:`check_trip_action`: an operator on
  any trip, a leader (role ``leader``) only on the trips assigned to them
  (``trips.leader_username``); who may read a trip, in :func:`check_trip_read` (every role may
  read every trip, a leader only their own; :func:`readable_trips` lists them); both re-read
  the user and the assignment from the ledger each time;
- a movement obeys the rules of ``planner.ledger.trip_events`` (once-only departure, arrival
  and cancellation, nothing after a cancellation, no cancellation of a trip anyone boarded or
  arrived on, no delay after its people arrived, and movements in order —
  ``trip_events.movement_out_of_order``: an arrival strictly after the departure, neither on
  a day after the first check-in of the trip's people); the ``trip_events`` import checks the
  same rules; a refused one raises ``MovementRefused`` and changes nothing;
- checking people of a trip in on a day is importing an arrivals file
  (``arrivals-<trip>-<yyyymmdd>.csv``: person, employer, day, trip) through
  ``planner.services.imports``: the same people checked in on the same day again change
  nothing, and someone not on the trip is refused with the row and column;
- undoing a check-in withdraws the person's arrival on that trip (and the boarding recorded
  with it), never deletes it: a short reason is required, and the row keeps who, when and why
  (:func:`withdraw_event`), audited with the arrival as it was and as withdrawn. A withdrawn
  arrival no longer counts anywhere (``models.standing``): claims computed from it are
  revisited by the next compute (a draft is voided, a claim past draft flagged
  ``needs_review``, which no payment passes); checking them in again afterwards records the
  arrival again (the import that held it no longer counts as "already imported");
- a departure or an arrival recorded by mistake is withdrawn (:func:`withdraw_trip_event`),
  not deleted: by whoever may act on the trip (its leader, an operator), with a short reason,
  within the window of ``planner.ledger.trip_events`` (a departure until the arrival is
  recorded, an arrival until the first of its people is checked in: claims rest on
  check-ins, which are undone first); audited with the movement as it was and the withdrawal;
- re-seating moves the people of a cancelled trip (their manifest lines on it) to another trip
  that has not left, is not cancelled and has a free place (its seats under the load cap in
  force), or takes them off the manifest as self-returners; each move is audited;
- every change writes the audit log in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from sqlalchemy import select

from planner import clock
from planner.domain.model import LoadCap
from planner.ledger import models as m
from planner.ledger.repository import LedgerRepository, row_dict
from planner.ledger.trip_events import TRIP_EVENTS, WITHDRAWN, Timeline, live, timelines
from planner.messages import Message, msg
from planner.messages.people import person as named
from planner.refusal import Refusal
from planner.services.auth import PermissionDenied, Role, User, check_permission, current_actor
from planner.services.context import Ledger, using

if TYPE_CHECKING:
    from planner.services.imports import ImportResult

__all__ = [
    "TRIP_EVENTS",
    "MovementRefused",
    "PermissionDenied",
    "capacity",
    "check_in",
    "check_trip_action",
    "check_trip_read",
    "person_named",
    "readable_trips",
    "reason_given",
    "record_trip_event",
    "reseat",
    "undo_check_in",
    "withdraw_event",
    "withdraw_trip_event",
]


class MovementRefused(Refusal, ValueError):
    """The movement, undo or re-seat breaks a rule; nothing was changed. ``message`` says
    why (a ``refusal.*`` code)."""


def check_trip_action(actor: User, trip_id: str, url: str | None = None,
                      *, ledger: Ledger | None = None) -> None:
    """Raise ``PermissionDenied`` unless ``actor`` may record what happens on ``trip_id``.

    The one place deciding it: the operator's ``record_movement`` permission, or a leader on a
    trip assigned to them.
    """
    scope = _leader_scope(actor, url, ledger=ledger)
    if scope is None:
        check_permission(actor, "record_movement", url, ledger=ledger)
    else:
        _own_trip(actor, trip_id, scope)


def check_trip_read(actor: User, trip_id: str, url: str | None = None,
                    *, ledger: Ledger | None = None) -> None:
    """Raise ``PermissionDenied`` unless ``actor`` may read ``trip_id`` (its manifest, its
    people's phones): any active user, a leader only a trip assigned to them."""
    scope = _leader_scope(actor, url, ledger=ledger)
    if scope is not None:
        _own_trip(actor, trip_id, scope)


def readable_trips(actor: User, url: str | None = None,
                   *, ledger: Ledger | None = None) -> frozenset[str] | None:
    """The trip ids ``actor`` may read: ``None`` for every trip (any role but the leader), a
    leader's assigned trips otherwise.

    Raises
    ------
    PermissionDenied
        An unknown or inactive user.
    """
    return _leader_scope(actor, url, ledger=ledger)


def _leader_scope(actor: User, url: str | None,
                  *, ledger: Ledger | None = None) -> frozenset[str] | None:
    """``None`` for an active user of another role; a leader's assigned trip ids."""
    with using(url, ledger).uow() as uow:
        live = current_actor(actor, uow)
        if not live.active:
            raise PermissionDenied(msg("refusal.inactive", user=live.username))
        if live.role is not Role.LEADER:
            return None
        return frozenset(uow.session.scalars(select(m.Trip.trip_id).where(
            m.Trip.leader_username == live.username)))


def _own_trip(actor: User, trip_id: str, scope: frozenset[str]) -> None:
    if trip_id not in scope:
        raise PermissionDenied(msg("refusal.not_own_trip", user=actor.username, trip=trip_id))


def _trip(repo: LedgerRepository, trip_id: str) -> m.Trip:
    trip = repo.session.scalars(select(m.Trip).where(m.Trip.trip_id == trip_id)).first()
    if trip is None:
        raise MovementRefused(msg("refusal.unknown_trip", trip=trip_id))
    return trip


def person_named(repo: LedgerRepository, id_number: str) -> Message:
    """A person as a refusal names them: their name (if the ledger knows them) and the last 4
    characters of the ID number, never all of it (``planner.messages.people``)."""
    name = repo.session.scalar(select(m.Person.name).where(m.Person.id_number == id_number))
    return named(id_number, name)


def _timeline(repo: LedgerRepository, trip: m.Trip) -> Timeline:
    return timelines(repo, [trip])[trip.trip_id]


def record_trip_event(trip_id: str, event: str, at: dt.datetime, actor: User,
                      note: str | None = None, url: str | None = None,
                      *, ledger: Ledger | None = None) -> int:
    """Record that a trip departed, arrived, was delayed or cancelled.

    Parameters
    ----------
    trip_id
        The trip.
    event
        One of ``TRIP_EVENTS``: ``departed``, ``arrived``, ``delayed``, ``cancelled``.
    at
        When (a delay: when it was reported); local time, no tzinfo.
    actor
        Who records it (see :func:`check_trip_action`).
    note
        Free text (a delay's cause, a cancellation's reason).
    url
        Ledger URL.

    Returns
    -------
    int
        The trip event's id.

    Raises
    ------
    MovementRefused
        Unknown trip, a duplicate, an arrival not after the departure (or a departure not
        before the arrival), a departure or an arrival on a day after the first check-in of
        its people, anything after a cancellation, a cancellation of a trip people boarded or
        arrived on, a delay after its people arrived (the message says which).
    PermissionDenied
        The actor may not record movements of this trip.
    """
    check_trip_action(actor, trip_id, url, ledger=ledger)
    at = at.replace(tzinfo=None, second=0, microsecond=0)
    with using(url, ledger).uow() as uow:
        trip = _trip(uow.repo, trip_id)
        line = _timeline(uow.repo, trip)
        refused = line.refusal(event, at)
        if refused is not None:
            raise MovementRefused(refused[1])
        row = m.TripEvent(natural_key=line.key(event, at), trip_pk=trip.id, trip_ref=trip_id,
                          event=event, at=at, note=(note or "").strip() or None,
                          recorded_by=actor.username)
        uow.repo.add(row)
        uow.session.flush()
        uow.repo.audit(actor.username, "trip", trip_id, f"trip_{event}", None,
                       row_dict(row, ("event", "at", "note", "recorded_by")))
        uow.commit()
        return row.id


REASON_LIMIT = 200
"""The longest reason a withdrawal takes, in characters."""

EVENT_FIELDS = ("natural_key", "kind", "ref", "on_date", "employer_id", "amount_fen",
                "import_id", "withdrawn_at", "withdrawn_by", "withdraw_reason")
"""A person's event as the audit log keeps it."""


def reason_given(reason: str | None) -> str:
    """The reason for a withdrawal or an undo, its spaces collapsed.

    Raises
    ------
    MovementRefused
        None given (blank), or longer than ``REASON_LIMIT`` characters.
    """
    why = " ".join((reason or "").split())
    if not why or len(why) > REASON_LIMIT:
        raise MovementRefused(msg("refusal.withdraw_reason", limit=REASON_LIMIT))
    return why


def withdraw_event(row: m.Event, who: str, why: str) -> None:
    """Mark a person's event (a boarding, an arrival) withdrawn by ``who`` now for ``why``:
    it stays in the ledger but no longer counts (``models.standing``), and its natural key
    gets ``|withdrawn|<id>`` so the same fact may be recorded again."""
    row.withdrawn_at, row.withdrawn_by, row.withdraw_reason = m.utcnow(), who, why
    row.natural_key = f"{row.natural_key}|withdrawn|{row.id}"


def withdraw_trip_event(trip_id: str, event: str, reason: str, actor: User,
                        url: str | None = None, *, ledger: Ledger | None = None) -> int:
    """Withdraw a departure or an arrival of a trip recorded by mistake: a withdrawal row names
    it, with who, when (the office's time now) and why; the movement stays in the ledger but
    no longer counts, and may be recorded again.

    Parameters
    ----------
    trip_id
        The trip.
    event
        ``departed`` or ``arrived``.
    reason
        Why it was a mistake (required, at most ``REASON_LIMIT`` characters).
    actor
        Who withdraws it (see :func:`check_trip_action`: the trip's leader, an operator).
    url
        Ledger URL.

    Returns
    -------
    int
        The withdrawal's id.

    Raises
    ------
    MovementRefused
        No reason, unknown trip, nothing of that event recorded, a cancelled trip, a departure
        of a trip whose arrival is recorded, an arrival of a trip whose people are checked in
        (the message says which and what to do).
    PermissionDenied
        The actor may not act on this trip.
    """
    check_trip_action(actor, trip_id, url, ledger=ledger)
    why = reason_given(reason)
    with using(url, ledger).uow() as uow:
        who = current_actor(actor, uow).username
        trip = _trip(uow.repo, trip_id)
        line = _timeline(uow.repo, trip)
        refused = line.withdrawal_refusal(event)
        if refused is not None:
            raise MovementRefused(refused)
        mistaken = uow.session.get(m.TripEvent, line.ids[event])
        assert mistaken is not None
        row = m.TripEvent(natural_key=f"{WITHDRAWN}|{trip_id}|{mistaken.id}", trip_pk=trip.id,
                          trip_ref=trip_id,
                          event=WITHDRAWN, at=clock.now().replace(second=0, microsecond=0),
                          note=why, recorded_by=who, withdraws_id=mistaken.id)
        uow.repo.add(row)
        uow.session.flush()
        uow.repo.audit(who, "trip", trip_id, f"withdraw_{event}",
                       row_dict(mistaken, ("event", "at", "note", "recorded_by")),
                       row_dict(row, ("event", "at", "note", "recorded_by", "withdraws_id")))
        uow.commit()
        return row.id


def check_in(people: Iterable[tuple[str, str | None]], trip_id: str, day: dt.date, actor: User,
             url: str | None = None, *, ledger: Ledger | None = None) -> ImportResult:
    """Record that ``people`` (ID number, employer's credit code) of ``trip_id`` arrived on
    ``day``, as one arrivals file imported into the ledger.

    Raises
    ------
    InputError
        Someone not on the trip, or not registered (file, row and column named).
    PermissionDenied
        The actor may not import.
    """
    import tempfile
    from pathlib import Path

    import pandas as pd

    from planner.services.imports import import_path

    pairs = list(people)
    arrivals = pd.DataFrame({
        "id_number": [i for i, _ in pairs], "employer_uscc": [u for _, u in pairs],
        "arrived_on": day.isoformat(), "trip_id": trip_id,
    })
    with tempfile.TemporaryDirectory(prefix="jobbus-arrivals-") as tmp:
        path = Path(tmp) / f"arrivals-{trip_id}-{day:%Y%m%d}.csv"
        arrivals.to_csv(path, index=False, encoding="utf-8-sig")
        return import_path("arrivals", path, actor, url=url, ledger=ledger)


def undo_check_in(id_number: str, trip_id: str, reason: str, actor: User,
                  url: str | None = None, *, ledger: Ledger | None = None) -> None:
    """Undo a person's check-in on a trip: their arrival (and the boarding recorded with it)
    is withdrawn with who, when and why, never deleted; it no longer counts, and the claims
    resting on it are revisited by the next compute (see the module's rules).

    Parameters
    ----------
    id_number
        The person.
    trip_id
        The trip they were checked in from.
    reason
        Why the check-in was a mistake (required, at most ``REASON_LIMIT`` characters).
    actor
        Who undoes it (see :func:`check_trip_action`).
    url
        Ledger URL.

    Raises
    ------
    MovementRefused
        No reason, unknown trip or person, or no check-in of that person on that trip.
    PermissionDenied
        The actor may not act on this trip.
    """
    check_trip_action(actor, trip_id, url, ledger=ledger)
    why = reason_given(reason)
    with using(url, ledger).uow() as uow:
        s = uow.session
        who = current_actor(actor, uow).username
        trip = _trip(uow.repo, trip_id)
        person = uow.repo.people_by_id_number().get(id_number)
        arrival = None if person is None else s.scalars(select(m.Event).where(
            m.Event.kind == "arrived", m.Event.person_id == person.id,
            m.Event.trip_pk == trip.id, m.standing())).first()
        if person is None or arrival is None:
            raise MovementRefused(msg("refusal.no_check_in",
                                      person=named(id_number, person.name if person else None),
                                      trip=trip_id))
        boarding = s.scalars(select(m.Event).where(
            m.Event.kind == "boarded", m.Event.person_id == person.id,
            m.Event.trip_pk == trip.id, m.Event.import_id == arrival.import_id,
            m.standing())).first()
        for row in (arrival, boarding):
            if row is not None:
                before = row_dict(row, EVENT_FIELDS)
                withdraw_event(row, who, why)
                uow.repo.audit(who, "check_in" if row is arrival else "boarding",
                               f"{id_number}|{trip_id}",
                               "undo_check_in" if row is arrival else "undo_boarding",
                               before, row_dict(row, EVENT_FIELDS))
        uow.commit()


def capacity(seats: int, depart_date: dt.date, origin_adcode: str | None,
             load_caps: Sequence[LoadCap] = ()) -> int:
    """The people a trip may carry: floor(seats × the tightest load cap in force on its
    departure day at its origin); no cap: its seats. The one rule both re-seating and the
    targets offered for it (``planner.services.tracking.reseat_targets``) use."""
    shares = [float(c.max_load) for c in load_caps if c.applies(depart_date, origin_adcode or "")]
    return int(seats * min(shares, default=1.0) + 1e-9)


def free_places(repo: LedgerRepository, trip: m.Trip, load_caps: Sequence[LoadCap] = ()) -> int:
    """Places left on a trip: its :func:`capacity` less the people on it."""
    on = repo.session.scalars(select(m.ManifestEntry.person_id).where(
        m.ManifestEntry.trip_pk == trip.id)).all()
    return capacity(trip.seats, trip.depart_date, trip.origin_adcode, load_caps) - len(set(on))


def reseat(id_numbers: Sequence[str], to_trip_id: str | None, actor: User,
           url: str | None = None, *, load_caps: Sequence[LoadCap] = (),
           ledger: Ledger | None = None) -> int:
    """Move people of a cancelled trip to another trip, or (``to_trip_id`` ``None``) to
    self-return.

    Parameters
    ----------
    id_numbers
        People on the manifest of a cancelled trip.
    to_trip_id
        A trip that has not departed, is not cancelled and has room for all of them; ``None``:
        they come on their own (taken off the cancelled trip's manifest).
    actor
        Who re-seats (see :func:`check_trip_action`, checked for the target trip too).
    url
        Ledger URL.
    load_caps
        The scenario's load caps (``planner.domain.LoadCap``); none: a trip's seats.

    Returns
    -------
    int
        How many people were moved.

    Raises
    ------
    MovementRefused
        A person not on a cancelled trip, a target trip that left, is cancelled or is full.
    """
    with using(url, ledger).uow() as uow:
        moves = _cancelled_lines(uow.repo, id_numbers, actor, url, ledger=ledger)
        target = None if to_trip_id is None else _target(uow.repo, to_trip_id, actor,
                                                         len(moves), load_caps, url, ledger=ledger)
        if target is not None:
            _not_on(uow.repo, target, [entry for _, entry, _ in moves])
        for id_number, entry, from_trip in moves:
            before = {"trip_id": from_trip, **row_dict(entry, ("leg", "pickup_stop", "main"))}
            if target is None:
                uow.session.delete(entry)
                after = None
            else:
                entry.trip_pk = target.id
                after = {"trip_id": target.trip_id, **row_dict(entry, ("leg", "pickup_stop"))}
            uow.repo.audit(actor.username, "manifest", f"{id_number}|{from_trip}",
                           "reseat" if target else "reseat_self_return", before, after)
        uow.commit()
        return len(moves)


def _cancelled_lines(repo: LedgerRepository, id_numbers: Sequence[str], actor: User,
                     url: str | None,
                     *, ledger: Ledger | None = None) -> list[tuple[str, m.ManifestEntry, str]]:
    """Each person's manifest line on a cancelled trip (person, line, cancelled trip id)."""
    cancelled = {e.trip_pk for e in repo.session.scalars(
        select(m.TripEvent).where(m.TripEvent.event == "cancelled", live()))}
    trips = {t.id: t.trip_id for t in repo.session.scalars(select(m.Trip))}
    people = repo.people_by_id_number()
    out = []
    for id_number in dict.fromkeys(id_numbers):
        person = people.get(id_number)
        entry = None if person is None else repo.session.scalars(select(m.ManifestEntry).where(
            m.ManifestEntry.person_id == person.id,
            m.ManifestEntry.trip_pk.in_(cancelled))).first()
        if entry is None:
            raise MovementRefused(msg("refusal.not_cancelled",
                                      person=named(id_number, person.name if person else None)))
        check_trip_action(actor, trips[entry.trip_pk], url, ledger=ledger)
        out.append((id_number, entry, trips[entry.trip_pk]))
    return out


def _target(repo: LedgerRepository, trip_id: str, actor: User, n: int,
            load_caps: Sequence[LoadCap], url: str | None,
            *, ledger: Ledger | None = None) -> m.Trip:
    """The trip people are moved to, checked: not left, not cancelled, room for ``n``."""
    check_trip_action(actor, trip_id, url, ledger=ledger)
    trip = _trip(repo, trip_id)
    line = _timeline(repo, trip)
    if line.once.keys() & {"departed", "arrived", "cancelled"}:
        raise MovementRefused(msg("refusal.target_left", trip=trip_id))
    free = free_places(repo, trip, load_caps)
    if n > free:
        raise MovementRefused(msg("refusal.target_full", trip=trip_id, free=max(free, 0), n=n))
    return trip


def _not_on(repo: LedgerRepository, target: m.Trip, entries: Sequence[m.ManifestEntry]) -> None:
    """Refuse a move of someone who is on the target trip already."""
    on = set(repo.session.scalars(select(m.ManifestEntry.person_id).where(
        m.ManifestEntry.trip_pk == target.id)))
    for entry in entries:
        if entry.person_id in on:
            person = repo.session.get(m.Person, entry.person_id)
            who = named(person.id_number, person.name) if person else str(entry.person_id)
            raise MovementRefused(msg("refusal.already_on", person=who, trip=target.trip_id))
