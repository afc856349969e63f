"""Tracking: read-only views of the ledger for the task force — trips with their progress, a
trip's manifest with who has arrived, who is missing and who waits to be re-seated. They only
read (one session, no writes); every change goes through ``planner.services.ledger`` and
``planner.services.movements``.

Rules implemented:

- everything counts as of a day the user picks (the demo lives in 2020): only trip events and
  arrivals on or before it; a movement withdrawn as a mistake does not count;
- a trip's status is what its recorded movements say, and nothing else — one rule,
  :func:`trip_status`, that 跟踪, 总览 and the leader's 我的车次 all show: the first that holds
  of ``cancelled``, ``arrived``, ``under_way`` (departure recorded), ``delayed`` (a delay
  recorded), else ``planned`` (nothing recorded: 未出发); ``recorded`` says whether anything
  was recorded;
- where nothing is recorded, what the plan expects by the day is a separate column, ``plan``
  (:func:`planned_status`: ``arrived`` on or after its planned arrival day, ``under_way`` on or
  after its departure day, else ``planned``), shown marked 计划 and never as the status;
- a person on the manifest has *arrived* when the ledger holds an ``arrived`` event for them;
- a person is *missing* when their trip has arrived by the "as of" day — recorded, or by plan
  where nothing is recorded (:func:`due`) — and no arrival of theirs is recorded; feeder and
  collector legs count for the person's last leg only;
- the people of a cancelled trip are *to re-seat* (待改派) until moved to another trip or to
  self-return;
- a trip is offered as a re-seat target for some of them when it has not left (by record, or
  by plan where nothing is recorded) and is not cancelled, its free places (seats under the
  load cap in force, the rule re-seating itself applies) hold them all, and it is near each of
  them: it stops at their pickup stop, or leaves from the prefecture of their home (the first
  four digits of the adcodes).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd
from sqlalchemy import select

from planner.services.context import Ledger, using

if TYPE_CHECKING:
    from planner.domain.model import LoadCap

TRIP_COLUMNS = ["trip_id", "kind", "vehicle", "depart_date", "arrive_date", "stops", "load",
                "status", "on_manifest", "arrived", "parent_trip_id", "recorded",
                "departed_at", "arrived_at", "cancelled_at", "delayed_at", "note", "seats",
                "plan"]
MANIFEST_COLUMNS = ["trip_id", "leg", "id_number", "name", "phone", "pickup_stop",
                    "employer_uscc", "employer_name", "arrived_on"]


def _session(url: str, *, ledger: Ledger | None = None) -> Any:
    return using(url, ledger).uow()


def manifest(url: str, trip_id: str | None = None, as_of: dt.date | None = None,
             *, ledger: Ledger | None = None
             ) -> pd.DataFrame:
    """Manifest lines (all trips, or one) with each person's arrival day (``None``: not yet,
    or not by ``as_of``).

    Returns
    -------
    pandas.DataFrame
        ``MANIFEST_COLUMNS``.
    """
    with _session(url, ledger=ledger) as uow:
        return _manifest_lines(uow.session, as_of, trip_id)


def _manifest_lines(s: Any, as_of: dt.date | None, trip_id: str | None = None
                    ) -> pd.DataFrame:
    """The manifest in one joined query (only the columns shown), with the arrival days
    of its people read in a second: ``MANIFEST_COLUMNS``, in manifest order."""
    from planner.ledger import models as m

    query = (select(m.ManifestEntry.person_id, m.Trip.trip_id, m.ManifestEntry.leg,
                    m.Person.id_number, m.Person.name, m.Person.phone,
                    m.ManifestEntry.pickup_stop, m.ManifestEntry.employer_uscc, m.Employer.name)
             .join(m.Trip, m.Trip.id == m.ManifestEntry.trip_pk)
             .join(m.Person, m.Person.id == m.ManifestEntry.person_id)
             .outerjoin(m.Employer, m.Employer.uscc == m.ManifestEntry.employer_uscc)
             .order_by(m.ManifestEntry.id))
    arrivals = select(m.Event.person_id, m.Event.on_date).where(
        m.Event.kind == "arrived", m.Event.on_date.is_not(None), m.standing())
    if as_of is not None:
        arrivals = arrivals.where(m.Event.on_date <= as_of)
    if trip_id is not None:
        query = query.where(m.Trip.trip_id == trip_id)
        arrivals = arrivals.where(m.Event.person_id.in_(
            select(m.ManifestEntry.person_id).join(m.Trip, m.Trip.id == m.ManifestEntry.trip_pk)
            .where(m.Trip.trip_id == trip_id)))
    read = s.connection().execute  # plain rows: no ORM loading
    arrived = {person: day for person, day in read(arrivals.order_by(m.Event.id))}
    rows = [(trip, leg, id_number, name, phone or "", pickup, uscc or "", employer or "",
             arrived.get(person))
            for person, trip, leg, id_number, name, phone, pickup, uscc, employer
            in read(query)]
    return pd.DataFrame(rows, columns=MANIFEST_COLUMNS)


def _recorded(s: Any, as_of: dt.date) -> dict[int, dict[str, Any]]:
    """Per trip (by pk): the time of each event recorded on or before ``as_of`` (the last
    delay), and the latest note."""
    from planner.ledger import models as m
    from planner.ledger.trip_events import live

    out: dict[int, dict[str, Any]] = {}
    for trip_pk, event, at, note in s.execute(
            select(m.TripEvent.trip_pk, m.TripEvent.event, m.TripEvent.at, m.TripEvent.note)
            .where(live()).order_by(m.TripEvent.at, m.TripEvent.id)):
        if at.date() <= as_of:
            seen = out.setdefault(trip_pk, {})
            seen[event] = at
            if note:
                seen["note"] = note
    return out


TRIP_STATUSES = ("planned", "delayed", "under_way", "arrived", "cancelled")
"""A trip's statuses (``trip_status``); ``planned``: nothing recorded (未出发)."""


def trip_status(recorded: Mapping[str, Any]) -> str:
    """A trip's status from its recorded movements (``recorded``: the time of each event
    recorded, by event) and from nothing else: the first of ``cancelled``, ``arrived``,
    ``under_way`` (departed), ``delayed`` that is recorded, else ``planned``. The one rule every
    page shows a trip's status by."""
    for event, status in (("cancelled", "cancelled"), ("arrived", "arrived"),
                          ("departed", "under_way"), ("delayed", "delayed")):
        if event in recorded:
            return status
    return "planned"


def planned_status(depart_date: dt.date, arrive_date: dt.date, as_of: dt.date) -> str:
    """What a trip's plan expects by ``as_of`` (never a fact, shown marked 计划): ``arrived``
    on or after its planned arrival day, ``under_way`` on or after its departure day, else
    ``planned``."""
    if arrive_date <= as_of:
        return "arrived"
    if depart_date <= as_of:
        return "under_way"
    return "planned"


def due(status: str, plan: str) -> bool:
    """Whether a trip's people are due at their employers: its arrival is recorded, or
    nothing is recorded and its plan has it arrived (``status``, ``plan``: the columns of
    :func:`trips`)."""
    return status == "arrived" or (status == "planned" and plan == "arrived")


def trips(url: str, as_of: dt.date, *, ledger: Ledger | None = None) -> pd.DataFrame:
    """Every trip of the ledger with its status on ``as_of`` (its recorded movements), what
    its plan expects where nothing is recorded, and how many of its people had arrived by
    then.

    Returns
    -------
    pandas.DataFrame
        ``TRIP_COLUMNS``; ``status`` (:func:`trip_status`, from the recorded movements only)
        is ``planned`` (nothing recorded), ``delayed``, ``under_way``, ``arrived`` or
        ``cancelled``; ``plan`` what the plan expects by ``as_of`` where nothing is recorded
        (:func:`planned_status`), ``""`` where something is; ``departed_at``, ``arrived_at``,
        ``cancelled_at``, ``delayed_at`` the recorded times (``None``: nothing recorded by
        ``as_of``).
    """
    with _session(url, ledger=ledger) as uow:
        s = uow.session
        return _trip_table(s, _manifest_lines(s, as_of), as_of)


def _trip_table(s: Any, lines: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """``TRIP_COLUMNS`` for every trip, its counts from the manifest ``lines`` as of the day."""
    from planner.ledger import models as m

    by_trip = lines.groupby("trip_id")
    on_manifest = by_trip["id_number"].nunique().to_dict() if not lines.empty else {}
    arrived = by_trip["arrived_on"].count().to_dict() if not lines.empty else {}
    recorded = _recorded(s, as_of)
    rows = []
    for t in s.execute(select(m.Trip.id, m.Trip.trip_id, m.Trip.kind, m.Trip.vehicle,
                              m.Trip.depart_date, m.Trip.arrive_date, m.Trip.stops,
                              m.Trip.load, m.Trip.parent_trip_id, m.Trip.seats)
                       .order_by(m.Trip.depart_date, m.Trip.trip_id)):
        seen = recorded.get(t.id, {})
        status = trip_status(seen)
        by_event = any(e in seen for e in ("cancelled", "arrived", "departed", "delayed"))
        rows.append({
            "trip_id": t.trip_id, "kind": t.kind, "vehicle": t.vehicle,
            "depart_date": t.depart_date, "arrive_date": t.arrive_date,
            "stops": t.stops.replace(";", " → "), "load": t.load, "status": status,
            "on_manifest": int(on_manifest.get(t.trip_id, 0)),
            "arrived": int(arrived.get(t.trip_id, 0)),
            "parent_trip_id": t.parent_trip_id or "", "recorded": by_event,
            **{f"{e}_at": seen.get(e) for e in ("departed", "arrived", "cancelled",
                                                "delayed")},
            "note": seen.get("note", ""), "seats": t.seats,
            "plan": "" if by_event else planned_status(t.depart_date, t.arrive_date, as_of),
        })
    return pd.DataFrame(rows, columns=TRIP_COLUMNS)


def missing(url: str, as_of: dt.date, *, ledger: Ledger | None = None) -> pd.DataFrame:
    """People whose trip has arrived by ``as_of`` but whose arrival by then is not recorded
    (each person once, on their last leg)."""
    with _session(url, ledger=ledger) as uow:
        s = uow.session
        lines = _manifest_lines(s, as_of)
        if lines.empty:
            return lines
        table = _trip_table(s, lines, as_of)
    arrived = set(table.loc[[due(st, pl) for st, pl in zip(table["status"], table["plan"],
                                                             strict=True)], "trip_id"])
    last = lines.sort_values("leg").groupby("id_number").tail(1)
    waited = last[last["trip_id"].isin(list(arrived))]
    return waited[waited["arrived_on"].isna()].reset_index(drop=True)


def to_reseat(url: str, as_of: dt.date | None = None,
              *, ledger: Ledger | None = None) -> pd.DataFrame:
    """People on the manifest of a trip cancelled (by ``as_of``) and not checked in, waiting
    to be re-seated.

    Returns
    -------
    pandas.DataFrame
        ``MANIFEST_COLUMNS`` plus ``cancelled_at`` and ``note``.
    """
    from planner.ledger import models as m
    from planner.ledger.trip_events import live

    with _session(url, ledger=ledger) as uow:
        cancelled = {
            trip: (at, note or "")
            for trip, at, note in uow.session.execute(
                select(m.Trip.trip_id, m.TripEvent.at, m.TripEvent.note)
                .join(m.Trip, m.Trip.id == m.TripEvent.trip_pk)
                .where(m.TripEvent.event == "cancelled", live()).order_by(m.TripEvent.id))
            if as_of is None or at.date() <= as_of
        }
        lines = _manifest_lines(uow.session, as_of)
    lines = lines[lines["trip_id"].isin(list(cancelled)) & lines["arrived_on"].isna()
                  ].reset_index(drop=True)
    lines["cancelled_at"] = [cancelled[t][0] for t in lines["trip_id"]]
    lines["note"] = [cancelled[t][1] for t in lines["trip_id"]]
    return lines


def reseat_targets(url: str, as_of: dt.date, id_numbers: Sequence[str] = (),
                   load_caps: Sequence[LoadCap] = (),
                   *, ledger: Ledger | None = None) -> pd.DataFrame:
    """Trips the people ``id_numbers`` (waiting on cancelled trips) can be re-seated on:
    planned or delayed on ``as_of`` (not left, not cancelled), with free places under the load
    cap (``planner.services.movements.capacity``) for all of them (none named: for one), and
    near each of them: stopping at their pickup stop, or leaving from their home prefecture.

    Returns
    -------
    pandas.DataFrame
        trip_id, kind, depart_date, arrive_date, stops, free.
    """
    from planner.ledger import models as m
    from planner.services.movements import capacity

    wanted = list(dict.fromkeys(id_numbers))
    with _session(url, ledger=ledger) as uow:
        s = uow.session
        lines = _manifest_lines(s, as_of)
        table = _trip_table(s, lines, as_of)
        where = {t: (stops.split(";"), origin or "") for t, stops, origin in s.execute(
            select(m.Trip.trip_id, m.Trip.stops, m.Trip.origin_adcode))}
        homes = dict(s.execute(select(m.Person.id_number, m.Person.home_adcode).where(
            m.Person.id_number.in_(wanted))).all()) if wanted else {}
    cancelled = set(table.loc[table["status"] == "cancelled", "trip_id"])
    waiting = lines[lines["id_number"].isin(wanted) & lines["trip_id"].isin(list(cancelled))]
    people = [(str(r.pickup_stop), str(homes.get(r.id_number) or "")[:4])
              for r in waiting.itertuples()]

    def near(trip_id: str) -> bool:
        stops, origin = where[trip_id]
        return all(pickup in stops or (prefecture and origin[:4] == prefecture)
                   for pickup, prefecture in people)

    open_ = table[table["status"].isin(["planned", "delayed"])
                  & table["plan"].isin(["", "planned"])].copy()
    open_["free"] = [capacity(int(seats), day, where[trip_id][1], load_caps) - int(on)
                     for trip_id, seats, day, on in zip(open_["trip_id"], open_["seats"],
                                                        open_["depart_date"],
                                                        open_["on_manifest"], strict=True)]
    keep = (open_["free"] >= max(len(wanted), 1)) & open_["trip_id"].map(near).astype(bool)
    return open_[keep][["trip_id", "kind", "depart_date", "arrive_date", "stops", "free"]
                       ].reset_index(drop=True)


def check_in_day(url: str, trip_id: str, *, ledger: Ledger | None = None) -> dt.date | None:
    """The day a new check-in on a trip defaults to: its recorded arrival, else its planned
    arrival day."""
    from planner.ledger import models as m
    from planner.ledger.trip_events import live

    with _session(url, ledger=ledger) as uow:
        trip = uow.session.scalars(select(m.Trip).where(m.Trip.trip_id == trip_id)).first()
        if trip is None:
            return None
        at = uow.session.scalar(select(m.TripEvent.at).where(
            m.TripEvent.trip_pk == trip.id, m.TripEvent.event == "arrived", live()))
        return at.date() if at is not None else trip.arrive_date


def returns_report(url: str, as_of: dt.date | None = None,
                   *, ledger: Ledger | None = None) -> dict[str, pd.DataFrame]:
    """People brought back against demand (``planner.ledger.reports.returns_report``),
    counting only arrivals on or before ``as_of``."""
    from planner.ledger import reports

    with _session(url, ledger=ledger) as uow:
        return reports.returns_report(uow.repo, as_of)


def last_day(url: str, *, ledger: Ledger | None = None) -> dt.date | None:
    """The last arrival day of any trip in the ledger (a sensible "as of" for the demo)."""
    from sqlalchemy import func

    from planner.ledger import models as m

    with _session(url, ledger=ledger) as uow:
        return uow.session.scalar(select(func.max(m.Trip.arrive_date)))
