"""The fast tracking reads (总览, 跟踪) return exactly what the former per-row ORM reads
returned: trips, manifests, missing people, people to re-seat and the returns report, on a
ledger with arrivals, charters, own returns, a delay, a departure and a cancellation, on
several "as of" days. The former implementation is kept below as the reference."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import select

from planner.ledger import UnitOfWork
from planner.ledger import models as m
from planner.services import movements as mv
from planner.services import tracking as reads
from planner.services.auth import Role, system_actor
from planner.services.tracking import MANIFEST_COLUMNS, TRIP_COLUMNS


# ------------------------------------------------------------------ the reference (before)
def _ref_manifest(s: Any, trip_id: str | None, as_of: dt.date | None,
                  events: bool = True) -> pd.DataFrame:
    """The former manifest read; ``events`` false: no arrivals read (a ledger migrated to
    before 0010, whose events table lacks the columns the model maps)."""
    trips = {t.id: t for t in s.scalars(select(m.Trip))}
    people = {p.id: p for p in s.scalars(select(m.Person))}
    employers = {e.uscc: e.name for e in s.scalars(select(m.Employer))}
    arrived = {} if not events else {
        e.person_id: e.on_date
        for e in s.scalars(select(m.Event).where(m.Event.kind == "arrived", m.standing()))
        if e.on_date is not None and (as_of is None or e.on_date <= as_of)}
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
            "arrived_on": arrived.get(p.id)})
    return pd.DataFrame(rows, columns=MANIFEST_COLUMNS)


def _ref_trips(s: Any, as_of: dt.date) -> pd.DataFrame:
    lines = _ref_manifest(s, None, as_of)
    per_trip = lines.groupby("trip_id").agg(
        on_manifest=("id_number", "nunique"), arrived=("arrived_on", "count")
    ) if not lines.empty else pd.DataFrame(columns=["on_manifest", "arrived"])
    recorded: dict[int, dict[str, Any]] = {}
    for e in s.scalars(select(m.TripEvent).order_by(m.TripEvent.at, m.TripEvent.id)):
        if e.at.date() <= as_of:
            seen = recorded.setdefault(e.trip_pk, {})
            seen[e.event] = e.at
            if e.note:
                seen["note"] = e.note
    rows = []
    for t in s.scalars(select(m.Trip).order_by(m.Trip.depart_date, m.Trip.trip_id)):
        seen = recorded.get(t.id, {})
        status, by_event = _ref_status(t, seen, as_of)
        counts = per_trip.loc[t.trip_id] if t.trip_id in per_trip.index else None
        rows.append({
            "trip_id": t.trip_id, "kind": t.kind, "vehicle": t.vehicle,
            "depart_date": t.depart_date, "arrive_date": t.arrive_date,
            "stops": t.stops.replace(";", " → "), "load": t.load, "status": status,
            "on_manifest": int(counts["on_manifest"]) if counts is not None else 0,
            "arrived": int(counts["arrived"]) if counts is not None else 0,
            "parent_trip_id": t.parent_trip_id or "", "recorded": by_event,
            **{f"{e}_at": seen.get(e) for e in ("departed", "arrived", "cancelled", "delayed")},
            "note": seen.get("note", ""), "seats": t.seats,
            "plan": "" if by_event else _ref_plan(t, as_of)})
    return pd.DataFrame(rows, columns=TRIP_COLUMNS)


def _ref_status(t: Any, seen: dict[str, Any], as_of: dt.date) -> tuple[str, bool]:
    """The status the recorded events give (the former read fell back on the planned dates
    here; the plan is a column of its own now) and whether any event is recorded."""
    for event, status in (("cancelled", "cancelled"), ("arrived", "arrived"),
                          ("departed", "under_way"), ("delayed", "delayed")):
        if event in seen:
            return status, True
    return "planned", False


def _ref_plan(t: Any, as_of: dt.date) -> str:
    if t.arrive_date <= as_of:
        return "arrived"
    return "under_way" if t.depart_date <= as_of else "planned"


def _ref_missing(s: Any, as_of: dt.date) -> pd.DataFrame:
    lines = _ref_manifest(s, None, as_of)
    if lines.empty:
        return lines
    trips = _ref_trips(s, as_of).set_index("trip_id")
    arrived = (trips["status"] == "arrived") | (
        (trips["status"] == "planned") & (trips["plan"] == "arrived"))
    last = lines.sort_values("leg").groupby("id_number").tail(1)
    due = last[last["trip_id"].map(arrived).fillna(False).astype(bool)]
    return due[due["arrived_on"].isna()].reset_index(drop=True)


def _ref_to_reseat(s: Any, as_of: dt.date | None) -> pd.DataFrame:
    cancelled = {t.trip_id: (e.at, e.note or "") for e, t in s.execute(
        select(m.TripEvent, m.Trip).join(m.Trip, m.Trip.id == m.TripEvent.trip_pk)
        .where(m.TripEvent.event == "cancelled"))
        if as_of is None or e.at.date() <= as_of}
    lines = _ref_manifest(s, None, as_of)
    lines = lines[lines["trip_id"].isin(list(cancelled)) & lines["arrived_on"].isna()
                  ].reset_index(drop=True)
    lines["cancelled_at"] = [cancelled[t][0] for t in lines["trip_id"]]
    lines["note"] = [cancelled[t][1] for t in lines["trip_id"]]
    return lines


def _ref_returns(s: Any, as_of: dt.date | None) -> dict[str, pd.DataFrame]:
    from planner.ledger.reports import _names

    people = {p.id: p for p in s.scalars(select(m.Person))}
    employers = {e.id: e for e in s.scalars(select(m.Employer))}
    kinds = {t.id: t.kind for t in s.scalars(select(m.Trip))}
    charters = set(s.scalars(select(m.Charter.contract_no)))
    rows = []
    for e in s.scalars(select(m.Event).where(m.Event.kind == "arrived",
                                                m.standing()).order_by(m.Event.id)):
        p, emp = people[e.person_id], employers.get(e.employer_id or -1)
        mode = (kinds.get(e.trip_pk, "coach") if e.trip_pk is not None
                else "charter" if e.ref and e.ref in charters else "own")
        rows.append({"home_adcode": p.home_adcode, "province": p.home_adcode[:2],
                     "employer_uscc": emp.uscc if emp else "", "day": e.on_date,
                     "mode": mode})
    arrivals = pd.DataFrame(rows, columns=["home_adcode", "province", "employer_uscc", "day",
                                           "mode"])
    if as_of is not None:
        arrivals = arrivals.loc[arrivals["day"].map(
            lambda d: d is not None and d <= as_of).astype(bool)]
    gaz, _ = _names()
    folks = pd.DataFrame([{"home_adcode": p.home_adcode, "province": p.home_adcode[:2],
                           "employer_uscc": p.employer_uscc} for p in people.values()],
                         columns=["home_adcode", "province", "employer_uscc"])

    def versus(key: str, name_of: Any, name_col: str) -> pd.DataFrame:
        reg = folks.groupby(key).size().rename("registered")
        arr = arrivals.groupby(key).size().rename("arrived")
        df = pd.concat([reg, arr], axis=1).fillna(0).astype(int).reset_index()
        df.insert(1, name_col, [name_of(k) for k in df[key]])
        df["share"] = (df["arrived"] / df["registered"].where(df["registered"] > 0)).round(3)
        return df.sort_values(["arrived", key], ascending=[False, True], ignore_index=True)

    out = {"province": versus("province", lambda c: gaz.province_name(c) or c, "province_name"),
           "county": versus("home_adcode", lambda c: gaz.get(c).full_name if gaz.get(c) else c,
                            "county_name")}
    returning = folks.dropna(subset=["employer_uscc"]).groupby("employer_uscc").size()
    arrived_at = arrivals.groupby("employer_uscc").size()
    erows = []
    for e in sorted(employers.values(), key=lambda e: e.uscc):
        demand = int(returning.get(e.uscc, 0)) + int(e.new_hires_wanted or 0)
        got = int(arrived_at.get(e.uscc, 0))
        erows.append({"employer_uscc": e.uscc, "employer_name": e.name, "demand": demand,
                      "arrived": got, "share": round(got / demand, 3) if demand else None})
    out["employer"] = pd.DataFrame(erows, columns=["employer_uscc", "employer_name", "demand",
                                                   "arrived", "share"])
    day = arrivals.groupby("day").size().rename("arrived").reset_index()
    day["cumulative"] = day["arrived"].cumsum()
    day["registered"] = len(folks)
    out["day"] = day
    mode = arrivals.groupby("mode").size().rename("arrived").reset_index()
    mode["share"] = (mode["arrived"] / max(len(arrivals), 1)).round(3)
    out["mode"] = mode
    return out


# ------------------------------------------------------------------ the ledger
@pytest.fixture(scope="module")
def moved_url(loaded_url: str, world) -> str:
    """The loaded world with a departure, a delay (with a note) and a cancellation (of a trip
    whose check-ins are undone first: a trip anyone arrived on cannot be cancelled)."""
    op = system_actor(Role.OPERATOR)
    first, second, third = world.plan.trips[0], world.plan.trips[1], world.plan.trips[2]
    lines = reads.manifest(loaded_url, third.trip_id)
    for id_number in lines.loc[lines["arrived_on"].notna(), "id_number"]:
        mv.undo_check_in(id_number, third.trip_id, "wrong trip", op, url=loaded_url)
    mv.record_trip_event(first.trip_id, "departed", first.depart, op, url=loaded_url)
    mv.record_trip_event(second.trip_id, "delayed", second.depart, op, note="路滑",
                         url=loaded_url)
    mv.record_trip_event(third.trip_id, "cancelled", third.depart - dt.timedelta(hours=5), op,
                         note="车坏了", url=loaded_url)
    return loaded_url


def _days(url: str) -> list[dt.date]:
    """Before any trip, the first departure, the middle and the last arrival."""
    with UnitOfWork(url) as uow:
        departs = sorted(uow.session.scalars(select(m.Trip.depart_date)))
    last = reads.last_day(url)
    assert last is not None and departs
    return [departs[0] - dt.timedelta(days=1), departs[0], departs[len(departs) // 2], last]


def _reference(url: str, read: Any, *args: Any) -> Any:
    with UnitOfWork(url) as uow:
        return read(uow.session, *args)


def test_trips_are_as_before(moved_url: str) -> None:
    """Every trip's status, recorded times, note and counts are as the former read gave."""
    for day in _days(moved_url):
        pd.testing.assert_frame_equal(reads.trips(moved_url, day),
                                      _reference(moved_url, _ref_trips, day))


def test_manifests_are_as_before(moved_url: str, world) -> None:
    """The whole manifest and one trip's manifest, with arrival days, are as before."""
    for day in [*_days(moved_url), None]:
        pd.testing.assert_frame_equal(reads.manifest(moved_url, as_of=day),
                                      _reference(moved_url, _ref_manifest, None, day))
    for trip in (world.plan.trips[0].trip_id, "no-such-trip"):
        pd.testing.assert_frame_equal(reads.manifest(moved_url, trip),
                                      _reference(moved_url, _ref_manifest, trip, None))


def test_missing_and_to_reseat_are_as_before(moved_url: str) -> None:
    """The missing people and the people to re-seat are as before on every day."""
    for day in _days(moved_url):
        pd.testing.assert_frame_equal(reads.missing(moved_url, day),
                                      _reference(moved_url, _ref_missing, day))
        pd.testing.assert_frame_equal(reads.to_reseat(moved_url, day),
                                      _reference(moved_url, _ref_to_reseat, day))
    assert any(not reads.to_reseat(moved_url, day).empty for day in _days(moved_url))
    pd.testing.assert_frame_equal(reads.to_reseat(moved_url),
                                  _reference(moved_url, _ref_to_reseat, None))


def test_returns_report_is_as_before(moved_url: str) -> None:
    """The returns report (province, county, employer, day, mode) is as before."""
    for day in [*_days(moved_url), None]:
        got, want = reads.returns_report(moved_url, day), _reference(moved_url, _ref_returns,
                                                                      day)
        assert list(got) == list(want)
        for key in want:
            pd.testing.assert_frame_equal(got[key], want[key], obj=f"{key} as of {day}")


def test_reads_of_an_empty_ledger_are_as_before(ledger_url: str) -> None:
    """On an empty ledger every read gives the same empty frames as before."""
    day = dt.date(2020, 2, 1)
    pd.testing.assert_frame_equal(reads.trips(ledger_url, day),
                                  _reference(ledger_url, _ref_trips, day))
    pd.testing.assert_frame_equal(reads.missing(ledger_url, day),
                                  _reference(ledger_url, _ref_missing, day))
    pd.testing.assert_frame_equal(reads.to_reseat(ledger_url, day),
                                  _reference(ledger_url, _ref_to_reseat, day))
    got, want = reads.returns_report(ledger_url, day), _reference(ledger_url, _ref_returns, day)
    for key in want:
        pd.testing.assert_frame_equal(got[key], want[key], obj=key)


def test_as_of_changes_the_counts(moved_url: str) -> None:
    """The counts grow with the as-of day (the comparison above is not of empty frames)."""
    first, *_, last = _days(moved_url)
    assert reads.trips(moved_url, first)["arrived"].sum() == 0
    assert reads.trips(moved_url, last)["arrived"].sum() > 0
    assert len(reads.returns_report(moved_url, last)["day"]) > 0
    trips = reads.trips(moved_url, last)
    counts = defaultdict(int, trips["status"].value_counts().to_dict())
    assert counts["cancelled"] == 1 and counts["under_way"] == 1 and counts["delayed"] == 1
    assert (trips["plan"] == "arrived").sum() > 0  # arrived by plan, nothing recorded


def test_upgrade_indexes_the_manifest_by_trip(db_url: str, world) -> None:
    """A ledger at 0007 holding a plan upgrades to head: the manifest keeps its lines and is
    indexed by trip, and one trip's manifest reads as before."""
    from alembic import command
    from sqlalchemy import inspect

    from planner.ledger import get_engine, init_db
    from planner.ledger.db import alembic_config
    from planner.services import ledger as svc

    cfg = alembic_config(db_url)
    with get_engine(db_url).begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "0007")
    op = system_actor(Role.OPERATOR)
    svc.import_path("scenario", world.scenario_dir, op, url=db_url)
    svc.import_path("plan", world.plan_dir, op, url=db_url)
    # nobody arrived yet, and the events table at 0007 predates the model's withdrawn_* columns
    before = _reference(db_url, _ref_manifest, world.plan.trips[0].trip_id, None, False)

    def indexes() -> set[str]:
        return {ix["name"] for ix in inspect(get_engine(db_url)).get_indexes("manifest")}

    assert "ix_manifest_trip_pk" not in indexes()
    init_db(db_url)
    assert "ix_manifest_trip_pk" in indexes()
    assert len(before) == world.plan.trips[0].load
    pd.testing.assert_frame_equal(reads.manifest(db_url, world.plan.trips[0].trip_id), before)


def test_money_by_rule_reads_through_the_app_cache(moved_url: str) -> None:
    """总览's cached read passes the ledger URL by position to money_by_rule (as to every
    read whose first parameter is ``url``) and gets the money table with its total row."""
    from planner.services import reports

    money = reports.money_by_rule(moved_url)
    assert money.iloc[-1]["rule"] == "total" and money.iloc[-1]["claims"] > 0
    pd.testing.assert_frame_equal(money, reports.money_by_rule(url=moved_url))


def _ref_money(s: Any) -> pd.DataFrame:
    from planner.ledger.reports import APPROVED_STATES, RULE_ZH

    acc: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for c in s.scalars(select(m.Claim)):
        a = acc[c.rule]
        a["rejected"] += c.state == "rejected"
        if c.state in ("rejected", "void"):
            continue
        a["claims"] += 1
        a["owed"] += c.amount_fen
        a["approved"] += c.amount_fen if c.state in APPROVED_STATES else 0
        a["paid"] += c.amount_fen if c.state == "paid" else 0
    order = list(RULE_ZH)
    rows = [{"rule": r, "rule_zh": RULE_ZH.get(r, r), "claims": acc[r]["claims"],
             "owed_yuan": acc[r]["owed"] / 100, "approved_yuan": acc[r]["approved"] / 100,
             "paid_yuan": acc[r]["paid"] / 100, "rejected_claims": acc[r]["rejected"]}
            for r in sorted(acc, key=lambda r: (order.index(r) if r in order else 99, r))]
    def total(key: str) -> int:
        return sum(acc[r][key] for r in acc)

    rows.append({"rule": "total", "rule_zh": "合计", "claims": total("claims"),
                 "owed_yuan": total("owed") / 100, "approved_yuan": total("approved") / 100,
                 "paid_yuan": total("paid") / 100, "rejected_claims": total("rejected")})
    return pd.DataFrame(rows)


def test_money_by_rule_is_as_before(moved_url: str) -> None:
    """Money owed, approved and paid by rule (and the total row) is as the former read gave."""
    from planner.services import reports

    pd.testing.assert_frame_equal(reports.money_by_rule(moved_url),
                                  _reference(moved_url, _ref_money), check_exact=True)
