"""Tracking: read-only views of the ledger for the task force — trips with their progress, a
trip's manifest with who has arrived, and who is missing. They only read (one session, no
writes); every change goes through ``planner.services.ledger``.

Rules implemented:

- a trip has *departed* on or after its departure day and *arrived* on or after its arrival
  day, counted against the "as of" day the user picks (the demo lives in 2020);
- a person on the manifest has *arrived* when the ledger holds an ``arrived`` event for them;
- a person is *missing* when their trip has arrived by the "as of" day and no arrival of theirs
  is recorded; feeder and collector legs count for the person's last leg only.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from sqlalchemy import select

TRIP_COLUMNS = ["trip_id", "kind", "vehicle", "depart_date", "arrive_date", "stops", "load",
                "status", "on_manifest", "arrived", "parent_trip_id"]
MANIFEST_COLUMNS = ["trip_id", "leg", "id_number", "name", "phone", "pickup_stop",
                    "employer_uscc", "employer_name", "arrived_on"]


def _session(url: str) -> Any:
    from planner.ledger.repository import UnitOfWork

    return UnitOfWork(url)


def manifest(url: str, trip_id: str | None = None) -> pd.DataFrame:
    """Manifest lines (all trips, or one) with each person's arrival day (``None``: not yet).

    Returns
    -------
    pandas.DataFrame
        ``MANIFEST_COLUMNS``.
    """
    from planner.ledger import models as m

    with _session(url) as uow:
        s = uow.session
        trips = {t.id: t for t in s.scalars(select(m.Trip))}
        people = {p.id: p for p in s.scalars(select(m.Person))}
        employers = {e.uscc: e.name for e in s.scalars(select(m.Employer))}
        arrived: dict[int, dt.date | None] = {}
        for e in s.scalars(select(m.Event).where(m.Event.kind == "arrived")):
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


def trips(url: str, as_of: dt.date) -> pd.DataFrame:
    """Every trip of the ledger with its status on ``as_of`` and how many of its people have
    arrived.

    Returns
    -------
    pandas.DataFrame
        ``TRIP_COLUMNS``; ``status`` is ``planned``, ``under_way`` or ``arrived``.
    """
    from planner.ledger import models as m

    lines = manifest(url)
    per_trip = lines.groupby("trip_id").agg(
        on_manifest=("id_number", "nunique"), arrived=("arrived_on", "count")
    ) if not lines.empty else pd.DataFrame(columns=["on_manifest", "arrived"])
    with _session(url) as uow:
        rows = []
        for t in uow.session.scalars(select(m.Trip).order_by(m.Trip.depart_date, m.Trip.trip_id)):
            if t.arrive_date <= as_of:
                status = "arrived"
            elif t.depart_date <= as_of:
                status = "under_way"
            else:
                status = "planned"
            counts = per_trip.loc[t.trip_id] if t.trip_id in per_trip.index else None
            rows.append({
                "trip_id": t.trip_id, "kind": t.kind, "vehicle": t.vehicle,
                "depart_date": t.depart_date, "arrive_date": t.arrive_date,
                "stops": t.stops.replace(";", " → "), "load": t.load, "status": status,
                "on_manifest": int(counts["on_manifest"]) if counts is not None else 0,
                "arrived": int(counts["arrived"]) if counts is not None else 0,
                "parent_trip_id": t.parent_trip_id or "",
            })
    return pd.DataFrame(rows, columns=TRIP_COLUMNS)


def missing(url: str, as_of: dt.date) -> pd.DataFrame:
    """People whose trip has arrived by ``as_of`` but whose arrival is not recorded (each
    person once, on their last leg)."""
    lines = manifest(url)
    if lines.empty:
        return lines
    status = trips(url, as_of).set_index("trip_id")["status"]
    last = lines.sort_values("leg").groupby("id_number").tail(1)
    due = last[last["trip_id"].map(status) == "arrived"]
    return due[due["arrived_on"].isna()].reset_index(drop=True)


def last_day(url: str) -> dt.date | None:
    """The last arrival day of any trip in the ledger (a sensible "as of" for the demo)."""
    from sqlalchemy import func

    from planner.ledger import models as m

    with _session(url) as uow:
        return uow.session.scalar(select(func.max(m.Trip.arrive_date)))
