"""A trip's recorded movements: departed, arrived, delayed, cancelled — the rules both the
``trip_events`` import and the app's "record a movement" obey.

Rules implemented here:

- a trip departs, arrives and is cancelled at most once; it may be delayed many times (natural
  key ``<event>|<trip_id>``, a delay ``delayed|<trip_id>|<at>``). The same event at the same time
  again is a duplicate: skipped by an import of an overlapping file, refused in the app; the same
  event at another time is a problem;
- nothing is recorded for a cancelled trip; an arrived trip cannot be cancelled or delayed;
- the trip's people count too (boardings and arrivals recorded on it): a trip anyone boarded
  or arrived on cannot be cancelled (the refusal says how many; a wrong boarding or check-in is
  undone first), and a delay cannot be recorded on a day after the first of its people
  arrived (the bus was there by then; arrivals carry a day, not a time, so a delay on that very
  day is still accepted);
- movements in order (:func:`movement_out_of_order`, whoever records them: the app, the
  leader's phone, an imported file): a trip arrives strictly after it departs (not at the very
  same minute), and neither its departure nor its arrival is on a day after the first of its
  people checked in at their employer (a check-in carries a day, not a time, so the same day
  is accepted); seen from the check-ins (:func:`check_in_out_of_order`, the arrivals import
  and 跟踪's check-in), nobody checks in on a day before their trip's recorded departure or
  arrival. A boarding does not bound the departure: a tick is dated the planned departure
  day, not when the bus left;
- a cancellation cannot be before the recorded departure;
- the events of one file are checked departures first, then in time order (a file may list
  them in any order), against what the ledger already holds, so a wrong arrival or
  cancellation is blamed on its own row; any problem refuses the whole file;
- a departure or an arrival recorded by mistake is *withdrawn*, never changed nor deleted: a
  row of its own (event ``withdrawn``, natural key ``withdrawn|<trip_id>|<row id>``) names the
  mistaken row, when, who and why (a reason is required). A withdrawn movement no longer counts
  (status, timeline, rules above); the movement may then be recorded again (its natural key
  gets ``|2``, ``|3``…), and an overlapping file bringing the withdrawn one back skips it;
- the window for a withdrawal: a departure until the trip's arrival is recorded (withdraw the
  arrival first); an arrival until the first of its people is checked in — an arrival of a
  person is what subsidy claims rest on, so from then on the check-ins are undone first (on
  跟踪), and the claims computed from them are revisited by the next compute (a claim past
  draft is flagged ``needs_review``); nothing is withdrawn on a cancelled trip, and a delay or
  a cancellation is not withdrawn here. An arrival its people's check-ins contradict (on a
  day after the first of them, recorded before the rule above held) is plainly wrong and is
  withdrawn even so: the check-ins, which claims rest on, stay as they are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, select
from sqlalchemy.orm import aliased

from planner.ledger import models as m
from planner.ledger.importers import Merge, bulk_insert
from planner.ledger.repository import LedgerRepository
from planner.messages import Message, msg

TRIP_EVENTS: tuple[str, ...] = ("departed", "arrived", "delayed", "cancelled")
ONCE = frozenset({"departed", "arrived", "cancelled"})
WITHDRAWN = "withdrawn"
"""The event of a row withdrawing a movement recorded by mistake."""
WITHDRAWABLE: tuple[str, ...] = ("departed", "arrived")
_EVENT_NAMES = {
    "departed": msg("problem.te_event_departed"),
    "arrived": msg("problem.te_event_arrived"),
    "delayed": msg("problem.te_event_delayed"),
    "cancelled": msg("problem.te_event_cancelled"),
}


def _event(event: str) -> Message | str:
    """A trip event's name as a message (shown in the reader's language)."""
    return _EVENT_NAMES.get(event, event)


def event_key(trip_id: str, event: str, at: dt.datetime, withdrawn: int = 0) -> str:
    """The natural key of a trip event (a delay is keyed by its time too); ``withdrawn``: how
    many of the same once-only event were withdrawn before (the next is ``|2``, ``|3``…)."""
    if event in ONCE:
        return f"{event}|{trip_id}" + (f"|{withdrawn + 1}" if withdrawn else "")
    return f"{event}|{trip_id}|{at:%Y-%m-%dT%H:%M}"


def live() -> ColumnElement[bool]:
    """The trip events that count: neither a withdrawal nor withdrawn (a ``where`` clause on
    ``TripEvent``; every read of recorded movements uses it)."""
    withdrawal = aliased(m.TripEvent)
    return and_(m.TripEvent.event != WITHDRAWN,
                ~exists().where(withdrawal.withdraws_id == m.TripEvent.id))


def show(at: dt.datetime) -> str:
    """A time as the messages write it: ``2020-02-17 06:30``."""
    return f"{at:%Y-%m-%d %H:%M}"


@dataclass
class Timeline:
    """What is recorded for one trip so far: the time of each once-only event, delays, and
    how many of its people boarded and arrived."""

    trip_id: str
    once: dict[str, dt.datetime] = field(default_factory=dict)
    delays: set[dt.datetime] = field(default_factory=set)
    boarded: int = 0
    """People recorded on board (a boarding, or an arrival by this trip)."""
    arrived: int = 0
    """People whose arrival by this trip is recorded."""
    first_arrival: dt.date | None = None
    """The day the first of them arrived."""
    ids: dict[str, int] = field(default_factory=dict)
    """The row id of each once-only event recorded."""
    withdrawn: dict[str, list[dt.datetime]] = field(default_factory=dict)
    """The times of the movements withdrawn, by event."""

    def refusal(self, event: str, at: dt.datetime) -> tuple[str, Message] | None:
        """Why ``event`` at ``at`` cannot be recorded: ``(column, message)`` (a ``refusal.*``
        code); ``None``: it can.

        A duplicate (same event, same time) is refused with the column ``duplicate``.
        """
        trip = self.trip_id
        if event not in TRIP_EVENTS:
            return "event", msg("refusal.trip_event_unknown", event=event,
                                events=", ".join(TRIP_EVENTS))
        named = msg(f"trip_event.{event}")
        if self.duplicate(event, at):
            return "duplicate", msg("refusal.trip_duplicate", trip=trip, event=named, at=show(at))
        if "cancelled" in self.once:
            return "event", msg("refusal.trip_cancelled", trip=trip)
        if event in ONCE and event in self.once:
            return "at", msg("refusal.trip_already", trip=trip, event=named,
                             at=show(self.once[event]))
        if event == "cancelled" and self.boarded:
            return "event", msg("refusal.cancel_has_people", trip=trip, boarded=self.boarded,
                                arrived=self.arrived)
        first = self.first_arrival
        if event == "delayed" and first is not None and at.date() > first:
            return "at", msg("refusal.delay_after_arrivals", trip=trip, arrived=self.arrived,
                             day=first.isoformat(), at=show(at))
        arrived, departed = self.once.get("arrived"), self.once.get("departed")
        if event in ("cancelled", "delayed") and arrived is not None:
            return "event", msg("refusal.trip_has_arrived", trip=trip, event=named)
        if event == "cancelled" and departed is not None and at < departed:
            return "at", msg("refusal.cancel_early", at=show(at), departed=show(departed))
        out_of_order = movement_out_of_order(self, event, at)
        if out_of_order is not None:
            return "at", out_of_order
        return None

    def duplicate(self, event: str, at: dt.datetime) -> bool:
        """Whether exactly this event is recorded already."""
        return at in self.delays if event == "delayed" else self.once.get(event) == at

    def add(self, event: str, at: dt.datetime, row_id: int | None = None) -> None:
        """Remember a recorded event (``row_id``: its row, once stored)."""
        if event == "delayed":
            self.delays.add(at)
        else:
            self.once[event] = at
            if row_id is not None:
                self.ids[event] = row_id

    def was_withdrawn(self, event: str, at: dt.datetime) -> bool:
        """Whether exactly this event was recorded once and withdrawn."""
        return at in self.withdrawn.get(event, ())

    def key(self, event: str, at: dt.datetime) -> str:
        """The natural key the event gets if recorded now (see :func:`event_key`)."""
        return event_key(self.trip_id, event, at, len(self.withdrawn.get(event, ())))

    def withdrawal_refusal(self, event: str) -> Message | None:
        """Why the recorded ``event`` cannot be withdrawn now (a ``refusal.*`` code); ``None``:
        it can (see the module's rules for the window)."""
        trip = self.trip_id
        if event not in WITHDRAWABLE:
            return msg("refusal.withdraw_not_movement", event=_event(event))
        named = msg(f"trip_event.{event}")
        if "cancelled" in self.once:
            return msg("refusal.trip_cancelled", trip=trip)
        if event not in self.once:
            return msg("refusal.withdraw_nothing", trip=trip, event=named)
        if event == "departed" and "arrived" in self.once:
            return msg("refusal.withdraw_departure_arrived", trip=trip,
                       at=show(self.once["arrived"]))
        if event == "arrived" and self.arrived and not self.contradicted(event):
            return msg("refusal.withdraw_arrival_checked_in", trip=trip, arrived=self.arrived)
        return None

    def contradicted(self, event: str) -> bool:
        """Whether the recorded ``event`` (a departure, an arrival) is on a day after the first
        of the trip's people checked in: impossible, a mistake whatever else holds."""
        at = self.once.get(event)
        return (at is not None and self.first_arrival is not None
                and at.date() > self.first_arrival)


def movement_out_of_order(line: Timeline, event: str, at: dt.datetime) -> Message | None:
    """The rule "movements in order": why a departure or an arrival of ``line``'s trip at
    ``at`` cannot have happened (a ``refusal.*`` message naming the trip and the facts it
    contradicts); ``None``: it can (any other event, too).

    A trip arrives strictly after it departs; neither movement is on a day after the first of
    its people checked in at their employer (check-ins carry a day, so the same day is
    accepted). Every path that records a movement checks it (``Timeline.refusal``): the app,
    the leader's phone and the ``trip_events`` import.
    """
    trip, first = line.trip_id, line.first_arrival
    arrived, departed = line.once.get("arrived"), line.once.get("departed")
    if event == "departed" and arrived is not None and at >= arrived:
        return msg("refusal.departure_not_before_arrival", trip=trip, at=show(at),
                   arrived=show(arrived))
    if event == "arrived" and departed is not None and at <= departed:
        return msg("refusal.arrival_not_after_departure", trip=trip, at=show(at),
                   departed=show(departed))
    if first is None or at.date() <= first:
        return None
    facts = {"trip": trip, "at": show(at), "day": first.isoformat(), "arrived": line.arrived}
    if event == "departed":
        return msg("refusal.departed_after_check_ins", **facts)
    if event == "arrived":
        return msg("refusal.arrived_after_check_ins", **facts)
    return None


def check_in_out_of_order(line: Timeline, day: dt.date) -> Message | None:
    """The rule "movements in order" seen from a check-in: why a person of ``line``'s trip
    cannot have checked in at their employer on ``day`` (a ``problem.*`` message naming the
    trip and the movement); ``None``: they can. Nobody arrives on a day before their trip's
    recorded arrival, nor before its recorded departure."""
    for event in ("arrived", "departed"):
        at = line.once.get(event)
        if at is not None and day < at.date():
            return msg("problem.check_in_before_movement", trip=line.trip_id,
                       day=day.isoformat(), event=msg(f"trip_event.{event}"), at=show(at))
    return None


def timelines(repo: LedgerRepository, trips: Iterable[m.Trip]) -> dict[str, Timeline]:
    """The recorded timeline of each trip given, by trip id."""
    by_pk = {t.id: t.trip_id for t in trips}
    out = {trip_id: Timeline(trip_id) for trip_id in by_pk.values()}
    rows = list(repo.session.scalars(select(m.TripEvent).where(m.TripEvent.trip_pk.in_(by_pk))
                                     .order_by(m.TripEvent.id)))
    withdrawn = {e.withdraws_id for e in rows if e.withdraws_id is not None}
    for e in rows:
        assert e.trip_pk is not None  # selected by it
        line = out[by_pk[e.trip_pk]]
        if e.id in withdrawn:
            line.withdrawn.setdefault(e.event, []).append(e.at)
        elif e.event != WITHDRAWN:
            line.add(e.event, e.at, e.id)
    people: dict[int, tuple[set[int], set[int]]] = {}
    for trip_pk, kind, person, day in repo.session.execute(
            select(m.Event.trip_pk, m.Event.kind, m.Event.person_id, m.Event.on_date).where(
                m.Event.kind.in_(("boarded", "arrived")), m.Event.trip_pk.in_(by_pk),
                m.standing())):
        if trip_pk is None:
            continue
        on, arrived = people.setdefault(trip_pk, (set(), set()))
        on.add(person)
        if kind == "arrived":
            arrived.add(person)
            line = out[by_pk[trip_pk]]
            if day is not None and (line.first_arrival is None or day < line.first_arrival):
                line.first_arrival = day
    for trip_pk, (on, arrived) in people.items():
        out[by_pk[trip_pk]].boarded, out[by_pk[trip_pk]].arrived = len(on), len(arrived)
    return out


def merge_trip_events(repo: LedgerRepository, records: Sequence[Any], imp: m.Import,
                      merge: Merge) -> Merge:
    """Add trip events (``TripMovement``) of a file, checked per trip in time order."""
    trips = repo.trips_by_id()
    known = timelines(repo, trips.values())
    order = sorted(range(len(records)),
                   key=lambda i: (records[i].event != "departed", records[i].at, i))
    rows: list[dict[str, Any]] = []
    for i in order:
        r, row = records[i], merge.at(i)
        trip = trips.get(r.trip_id)
        if trip is None:
            merge.problem(row, "trip_id", msg("problem.te_unknown_trip", trip=r.trip_id))
            continue
        line = known[r.trip_id]
        if line.was_withdrawn(r.event, r.at):
            continue  # withdrawn as a mistake: an overlapping file does not bring it back
        refused = line.refusal(r.event, r.at)
        if refused is not None and refused[0] == "duplicate":
            continue  # the same event at the same time: an overlapping file, nothing new
        if refused is not None:
            merge.problem(row, refused[0], refused[1])
            continue
        key = line.key(r.event, r.at)
        line.add(r.event, r.at)
        rows.append({"natural_key": key, "trip_pk": trip.id, "trip_ref": r.trip_id,
                     "event": r.event, "at": r.at, "note": r.note,
                     "recorded_by": imp.by, "import_id": imp.id, "created_at": m.utcnow()})
    if not merge.problems:
        bulk_insert(repo, m.TripEvent, rows)
        merge.added += len(rows)
    return merge
