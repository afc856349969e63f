"""Tracking: read-only views of the ledger for the task force — trips with their progress, a
trip's manifest with who has arrived, who is missing and who waits to be re-seated. They only
read (one session, no writes); every change goes through ``planner.services.ledger`` and
``planner.services.movements``.

Rules implemented:

- everything counts as of a day the user picks (the demo lives in 2020): only trip events and
  arrivals on or before it;
- a trip's status is the first that holds: ``cancelled``, ``arrived`` (recorded), ``under_way``
  (departure recorded), ``delayed`` (a delay recorded), else from its planned dates: ``arrived``
  on or after its arrival day, ``under_way`` on or after its departure day, else ``planned``;
  ``recorded`` says whether a recorded event decided it;
- a person on the manifest has *arrived* when the ledger holds an ``arrived`` event for them;
- a person is *missing* when their trip has arrived by the "as of" day and no arrival of theirs
  is recorded; feeder and collector legs count for the person's last leg only;
- the people of a cancelled trip are *to re-seat* (待改派) until moved to another trip or to
  self-return.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from sqlalchemy import select

from planner.services.context import Ledger, using

TRIP_COLUMNS = ["trip_id", "kind", "vehicle", "depart_date", "arrive_date", "stops", "load",
                "status", "on_manifest", "arrived", "parent_trip_id", "recorded",
                "departed_at", "arrived_at", "cancelled_at", "delayed_at", "note", "seats"]
MANIFEST_COLUMNS = ["trip_id", "leg", "id_number", "name", "phone", "pickup_stop",
                    "employer_uscc", "employer_name", "arrived_on"]


def _session(url: str, *, ledger: Ledger | None = None) -> Any:
    return using(url, ledger).uow()


def _on_or_before(day: dt.date | None, as_of: dt.date | None) -> bool:
    return day is not None and (as_of is None or day <= as_of)


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
    from planner.ledger import models as m

    with _session(url, ledger=ledger) as uow:
        s = uow.session
        trips = {t.id: t for t in s.scalars(select(m.Trip))}
        people = {p.id: p for p in s.scalars(select(m.Person))}
        employers = {e.uscc: e.name for e in s.scalars(select(m.Employer))}
        arrived: dict[int, dt.date | None] = {}
        for e in s.scalars(select(m.Event).where(m.Event.kind == "arrived")):
            if _on_or_before(e.on_date, as_of):
                arrived[e.person_id] = e.on_date
        query = select(m.ManifestEntry)
        if trip_id is not None:
            pk = next((k for k, t in trips.items() if t.trip_id == trip_id), None)
            query = query.where(m.ManifestEntry.trip_pk == pk)
        rows = []
        for entry in s.scalars(query.order_by(m.ManifestEntry.id)):
            p = people[entry.person_id]
            rows.append({
                "trip_id": trips[entry.trip_pk].trip_id, "leg": entry.leg,
                "id_number": p.id_number, "name": p.name, "phone": p.phone or "",
                "pickup_stop": entry.pickup_stop, "employer_uscc": entry.employer_uscc or "",
                "employer_name": employers.get(entry.employer_uscc or "", ""),
                "arrived_on": arrived.get(p.id),
            })
    return pd.DataFrame(rows, columns=MANIFEST_COLUMNS)


def _recorded(s: Any, as_of: dt.date) -> dict[int, dict[str, Any]]:
    """Per trip (by pk): the time of each event recorded on or before ``as_of`` (the last
    delay), and the latest note."""
    from planner.ledger import models as m

    out: dict[int, dict[str, Any]] = {}
    for e in s.scalars(select(m.TripEvent).order_by(m.TripEvent.at, m.TripEvent.id)):
        if e.at.date() <= as_of:
            seen = out.setdefault(e.trip_pk, {})
            seen[e.event] = e.at
            if e.note:
                seen["note"] = e.note
    return out


def _status(t: Any, seen: dict[str, Any], as_of: dt.date) -> tuple[str, bool]:
    """A trip's status on ``as_of`` and whether a recorded event decided it."""
    for event, status in (("cancelled", "cancelled"), ("arrived", "arrived"),
                          ("departed", "under_way"), ("delayed", "delayed")):
        if event in seen:
            return status, True
    if t.arrive_date <= as_of:
        return "arrived", False
    if t.depart_date <= as_of:
        return "under_way", False
    return "planned", False


def trips(url: str, as_of: dt.date, *, ledger: Ledger | None = None) -> pd.DataFrame:
    """Every trip of the ledger with its status on ``as_of`` (recorded events first, planned
    dates where nothing was recorded) and how many of its people had arrived by then.

    Returns
    -------
    pandas.DataFrame
        ``TRIP_COLUMNS``; ``status`` is ``planned``, ``delayed``, ``under_way``, ``arrived`` or
        ``cancelled``; ``departed_at``, ``arrived_at``, ``cancelled_at``, ``delayed_at`` the
        recorded times (``None``: nothing recorded by ``as_of``).
    """
    from planner.ledger import models as m

    lines = manifest(url, as_of=as_of, ledger=ledger)
    per_trip = lines.groupby("trip_id").agg(
        on_manifest=("id_number", "nunique"), arrived=("arrived_on", "count")
    ) if not lines.empty else pd.DataFrame(columns=["on_manifest", "arrived"])
    with _session(url, ledger=ledger) as uow:
        recorded = _recorded(uow.session, as_of)
        rows = []
        for t in uow.session.scalars(select(m.Trip).order_by(m.Trip.depart_date, m.Trip.trip_id)):
            seen = recorded.get(t.id, {})
            status, by_event = _status(t, seen, as_of)
            counts = per_trip.loc[t.trip_id] if t.trip_id in per_trip.index else None
            rows.append({
                "trip_id": t.trip_id, "kind": t.kind, "vehicle": t.vehicle,
                "depart_date": t.depart_date, "arrive_date": t.arrive_date,
                "stops": t.stops.replace(";", " → "), "load": t.load, "status": status,
                "on_manifest": int(counts["on_manifest"]) if counts is not None else 0,
                "arrived": int(counts["arrived"]) if counts is not None else 0,
                "parent_trip_id": t.parent_trip_id or "", "recorded": by_event,
                **{f"{e}_at": seen.get(e) for e in ("departed", "arrived", "cancelled",
                                                    "delayed")},
                "note": seen.get("note", ""), "seats": t.seats,
            })
    return pd.DataFrame(rows, columns=TRIP_COLUMNS)


def missing(url: str, as_of: dt.date, *, ledger: Ledger | None = None) -> pd.DataFrame:
    """People whose trip has arrived by ``as_of`` but whose arrival by then is not recorded
    (each person once, on their last leg)."""
    lines = manifest(url, as_of=as_of, ledger=ledger)
    if lines.empty:
        return lines
    status = trips(url, as_of, ledger=ledger).set_index("trip_id")["status"]
    last = lines.sort_values("leg").groupby("id_number").tail(1)
    due = last[last["trip_id"].map(status) == "arrived"]
    return due[due["arrived_on"].isna()].reset_index(drop=True)


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

    with _session(url, ledger=ledger) as uow:
        cancelled = {
            t.trip_id: (e.at, e.note or "")
            for e, t in uow.session.execute(
                select(m.TripEvent, m.Trip).join(m.Trip, m.Trip.id == m.TripEvent.trip_pk)
                .where(m.TripEvent.event == "cancelled"))
            if as_of is None or e.at.date() <= as_of
        }
    lines = manifest(url, as_of=as_of, ledger=ledger)
    lines = lines[lines["trip_id"].isin(list(cancelled)) & lines["arrived_on"].isna()
                  ].reset_index(drop=True)
    lines["cancelled_at"] = [cancelled[t][0] for t in lines["trip_id"]]
    lines["note"] = [cancelled[t][1] for t in lines["trip_id"]]
    return lines


def reseat_targets(url: str, as_of: dt.date, *, ledger: Ledger | None = None) -> pd.DataFrame:
    """Trips people can be re-seated on: planned or delayed on ``as_of`` (not left, not
    cancelled) with free seats; trip_id, kind, depart_date, arrive_date, stops, free."""
    table = trips(url, as_of, ledger=ledger)
    open_ = table[table["status"].isin(["planned", "delayed"])].copy()
    open_["free"] = open_["seats"] - open_["on_manifest"]
    return open_[open_["free"] > 0][["trip_id", "kind", "depart_date", "arrive_date", "stops",
                                     "free"]].reset_index(drop=True)


def check_in_day(url: str, trip_id: str, *, ledger: Ledger | None = None) -> dt.date | None:
    """The day a new check-in on a trip defaults to: its recorded arrival, else its planned
    arrival day."""
    from planner.ledger import models as m

    with _session(url, ledger=ledger) as uow:
        trip = uow.session.scalars(select(m.Trip).where(m.Trip.trip_id == trip_id)).first()
        if trip is None:
            return None
        at = uow.session.scalar(select(m.TripEvent.at).where(
            m.TripEvent.trip_pk == trip.id, m.TripEvent.event == "arrived"))
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
