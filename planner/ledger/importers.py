"""Merging checked records into the ledger, one kind of file at a time.

Rules implemented here:

- every row has a natural key (an arrival: person and employer; an insured month: person,
  employer and month; a charter: its contract number; a rider: contract and person; a
  headcount: employer and month; a placement: person and employer; a trip: its id; a manifest
  line: person and trip); a row whose key is already in the ledger with the same values is
  skipped, with different values it is a problem naming the file, row and column;
- a scenario's person or employer already in the ledger is the same one only with the same
  identity (a person: name, home county, employer, poverty registration, travel; an employer:
  its name) — another identity is a problem, as above; its other fields (a person: phone,
  address, available-from day, bank name and account; an employer: location, new hires
  wanted, needed-by day, bank name and account) are updated from the file, and each row so
  changed is kept in ``Merge.updates`` with the fields before and after, for the caller to audit
  and to act on (a changed bank account is a money event: ``planner.services.payments``); a
  person's ``registered`` event is dated on their available-from day;
- those other fields are what the file says (``FileCells``): a blank cell is no value — it
  clears the field (an account, a phone, the coordinates, the needed-by or available-from
  day), never the planner's default for a blank (the destination, ``plan_to``,
  ``plan_from``), which the scenario applies where it plans; a column the file does not carry
  says nothing, so a registered row keeps that field (a table without the bank columns never
  clears an account);
- references must resolve: an unknown person, employer, trip or contract is a problem naming the
  file, row and column (referential checks live here, where the ledger is known); an arrival
  on a government trip must name a person on that trip's manifest;
- record ``i`` of a file is on spreadsheet row ``i + 2`` (the header is row 1);
- the merge functions only add rows to the session; the caller commits all or nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select

from planner.ledger import models as m
from planner.ledger.repository import LedgerRepository
from planner.messages import Message, msg
from planner.messages.people import person as named
from planner.problems import Problem

#: The fields naming where a payee is paid.
ACCOUNT_FIELDS = ("bank_name", "bank_account")


@dataclass(frozen=True)
class RowUpdate:
    """A registered person or employer a scenario import changed: ``entity`` (``person`` or
    ``employer``), its ``key`` (ID number or credit code), the file's ``row``, and the changed
    fields ``before`` and ``after`` (as the ledger holds them; dates as dates)."""

    entity: str
    key: str
    row: int
    before: dict[str, Any]
    after: dict[str, Any]

    @property
    def account_changed(self) -> bool:
        """Whether where the payee is paid (bank or account) changed."""
        return any(f in self.after for f in ACCOUNT_FIELDS)


@dataclass
class BankTally:
    """What a bank result file did, line by line (amounts in fen): lines saying paid (and of
    them the payments newly paid by this file — the others were recorded paid already), lines
    saying failed (and the payments that failed so, to be issued again — the others had been
    recorded paid: payment exceptions), and lines skipped as seen before (in an earlier
    file)."""

    paid: int = 0
    paid_fen: int = 0
    newly_paid: int = 0
    failed: int = 0
    failed_fen: int = 0
    to_issue_again: int = 0
    duplicates: int = 0


@dataclass
class Merge:
    """What a merge found: rows added and problems. ``table`` names the file's schema
    (``planner.io.schemas``), so a message names a column by its header (``{column:header}``)."""

    file: str
    added: int = 0
    problems: list[Problem] = field(default_factory=list)
    # claims this merge marked as payment exceptions for the auditor (bank results)
    exceptions: int = 0
    # what a bank result file did (bank results only)
    bank: BankTally | None = None
    # registered rows this merge changed (scenario: people and employers)
    updates: list[RowUpdate] = field(default_factory=list)
    rownums: Sequence[int] = ()
    headers: dict[str, str] = field(default_factory=dict)
    table: str | None = None

    def at(self, i: int) -> int:
        """The spreadsheet row of record ``i`` (the reader's, else ``i + 2``)."""
        return self.rownums[i] if i < len(self.rownums) else i + 2

    def problem(self, row: int | None, column: str | None, what: Message) -> None:
        """Note a problem (a message code); ``column`` by English name, reported as the file
        spells it."""
        if column is not None:
            column = self.headers.get(column, column)
        self.problems.append(Problem(self.file, what, row, column))


def _compare(
    merge: Merge,
    row: int,
    what: Message,
    old: dict[str, Any],
    new: dict[str, Any],
) -> bool:
    """True if ``old`` and ``new`` agree; else a problem on the first column that differs."""
    for column, value in new.items():
        if old.get(column) != value:
            merge.problem(
                row,
                column,
                msg("problem.ledger_differs", what=what,
                    column=f"{merge.table}.{column}" if merge.table else column,
                    old=str(old.get(column)), new=str(value)),
            )
            return False
    return True


class _Keyed:
    """Existing rows of a table by natural key, plus the rows of this file seen so far."""

    def __init__(self, rows: dict[Any, tuple[Any, dict[str, Any]]]) -> None:
        self.rows = rows

    def check(
        self, merge: Merge, row: int, what: Message, key: Any, values: dict[str, Any]
    ) -> bool:
        """True if the row is new (and remembers it); False if known (or conflicting)."""
        known = self.rows.get(key)
        if known is None:
            self.rows[key] = (None, values)
            return True
        _compare(merge, row, what, known[1], values)
        return False


# ------------------------------------------------------------------- scenario
@dataclass(frozen=True, slots=True)
class FileCells:
    """What a scenario table's file says of its rows' optional fields: the ``columns`` it
    carries (English names) and, by key, the columns a row leaves ``blank``."""

    columns: frozenset[str]
    blank: Mapping[str, frozenset[str]]

    @classmethod
    def of(cls, table: Any, key: str) -> FileCells:
        """The cells of ``table`` (a ``planner.io.Table``: ``headers`` and ``rows`` with their
        parsed ``values`` and ``text``), rows by the parsed ``key`` column."""
        columns = frozenset(table.headers)
        return cls(columns, {
            r.values[key]: frozenset(c for c in columns if not str(r.text.get(c, "")).strip())
            for r in table.rows if r.values.get(key)})

    def given(self, key: str, fields: dict[str, Any], *, registered: bool) -> dict[str, Any]:
        """``fields`` of row ``key`` as the file gives them: a blank cell is ``None``; a column
        the file does not carry is ``None`` for a new row and left out for a ``registered``
        one (it keeps what it has)."""
        blank = self.blank.get(key, frozenset())
        return {f: None if f in blank or f not in self.columns else v
                for f, v in fields.items() if f in self.columns or not registered}


def _as_given(cells: FileCells | None, key: str, fields: dict[str, Any], *,
              registered: bool) -> dict[str, Any]:
    """``fields`` as the file gives them (``FileCells.given``); as they are without cells."""
    return fields if cells is None else cells.given(key, fields, registered=registered)


def _text(value: Any) -> str | None:
    """An optional text field as the ledger stores it (blank: ``None``)."""
    text = str(value).strip() if value is not None else ""
    return text or None


def _changes(row: Any, fields: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The fields of the ledger ``row`` that ``fields`` changes: (before, after); a blank
    text is no text."""
    def held(f: str) -> Any:
        value = getattr(row, f)
        return _text(value) if isinstance(value, str) else value

    changed = [f for f, v in fields.items() if held(f) != v]
    return {f: held(f) for f in changed}, {f: fields[f] for f in changed}


def _update(merge: Merge, entity: str, key: str, row_number: int, row: Any,
            fields: dict[str, Any]) -> None:
    """Note the changes ``fields`` makes to the registered ``row`` (applied later)."""
    before, after = _changes(row, fields)
    if after:
        merge.updates.append(RowUpdate(entity, key, row_number, before, after))


def _apply(repo: LedgerRepository, merge: Merge, rows: dict[str, Any]) -> None:
    """Write ``merge.updates`` onto the registered ``rows`` (by key); a person's new
    available-from day dates their ``registered`` event too."""
    for u in merge.updates:
        for f, v in u.after.items():
            setattr(rows[u.key], f, v)
    days = {f"registered|{u.key}": u.after["available_from"] for u in merge.updates
            if u.entity == "person" and "available_from" in u.after}
    if days:
        for event in repo.session.scalars(select(m.Event).where(
                m.Event.natural_key.in_(list(days)))):
            event.on_date = days[event.natural_key]


def merge_employers(
    repo: LedgerRepository, employers: Sequence[Any], imp: m.Import, file: str,
    cells: FileCells | None = None,
) -> Merge:
    """Add the scenario's employers (``planner.domain.model.Employer``); update the
    registered ones (location, demand, bank details; noted in ``Merge.updates``). ``cells``:
    what the file says (a blank cell clears a field, a missing column keeps it)."""
    merge = Merge(file, table="employers")
    known = repo.employers_by_uscc()
    seen = _Keyed({u: (e, _employer_values(e)) for u, e in known.items()})
    for i, e in enumerate(employers):
        values = {"name": e.name}
        fields = {
            "lat": e.lat,
            "lon": e.lon,
            "new_hires_wanted": int(e.new_hires_wanted),
            "needed_by": e.needed_by,
            "bank_name": _text(getattr(e, "bank_name", None)),
            "bank_account": _text(getattr(e, "bank_account", None)),
        }
        refused = len(merge.problems)
        if seen.check(merge, merge.at(i), msg("problem.what_employer", employer=e.uscc),
                      e.uscc, values):
            repo.add(m.Employer(uscc=e.uscc, import_id=imp.id, **values,
                                **_as_given(cells, e.uscc, fields, registered=False)))
            merge.added += 1
        elif e.uscc in known and len(merge.problems) == refused:
            _update(merge, "employer", e.uscc, merge.at(i), known[e.uscc],
                    _as_given(cells, e.uscc, fields, registered=True))
    if not merge.problems:
        _apply(repo, merge, known)
    return merge


def _employer_values(e: m.Employer) -> dict[str, Any]:
    return {"name": e.name}


def _person_values(p: Any) -> dict[str, Any]:
    return {
        "name": p.name,
        "home_adcode": p.home_adcode,
        "employer_uscc": p.employer_uscc or None,
        "poverty_registered": bool(p.poverty_registered),
        "travel": str(getattr(p.travel, "value", p.travel)),
    }


def _person_fields(w: Any) -> dict[str, Any]:
    return {
        "phone": _text(w.phone),
        "home_address": _text(w.home_address),
        "available_from": w.available_from,
        "bank_name": _text(getattr(w, "bank_name", None)),
        "bank_account": _text(getattr(w, "bank_account", None)),
    }


def merge_people(
    repo: LedgerRepository,
    workers: Sequence[Any],
    imp: m.Import,
    file: str,
    employer_usccs: set[str],
    cells: FileCells | None = None,
) -> Merge:
    """Add the scenario's workers (``planner.domain.model.Worker``) and their registration;
    update the registered ones (``_person_fields``, noted in ``Merge.updates``). ``cells``:
    what the file says (a blank cell clears a field, a missing column keeps it)."""
    merge = Merge(file, table="workers")
    known = repo.people_by_id_number()
    seen = _Keyed({k: (p, _person_values(p)) for k, p in known.items()})
    rows: list[dict[str, Any]] = []
    for i, w in enumerate(workers):
        values = _person_values(w)
        if w.employer_uscc and w.employer_uscc not in employer_usccs:
            merge.problem(merge.at(i), "employer_uscc",
                          msg("problem.unknown_employer", employer=w.employer_uscc))
            continue
        fields = _person_fields(w)
        refused = len(merge.problems)
        if seen.check(merge, merge.at(i), msg("problem.what_person", id=named(w.id_number, w.name)),
                      w.id_number, values):
            rows.append({"id_number": w.id_number, "import_id": imp.id, **values,
                         **_as_given(cells, w.id_number, fields, registered=False)})
        elif w.id_number in known and len(merge.problems) == refused:
            _update(merge, "person", w.id_number, merge.at(i), known[w.id_number],
                    _as_given(cells, w.id_number, fields, registered=True))
    if merge.problems:
        return merge
    _apply(repo, merge, known)
    bulk_insert(repo, m.Person, rows)
    merge.added += len(rows)
    ids = {n: i for n, i in repo.session.execute(select(m.Person.id_number, m.Person.id))}
    bulk_insert(repo, m.Event, [
        {"kind": "registered", "natural_key": f"registered|{r['id_number']}",
         "person_id": ids[r["id_number"]], "on_date": r["available_from"], "import_id": imp.id}
        for r in rows
    ])
    return merge


def bulk_insert(repo: LedgerRepository, model: type[Any], rows: list[dict[str, Any]]) -> None:
    """Insert many rows at once (one executemany), in the session's transaction."""
    if rows:
        repo.session.flush()
        repo.session.connection().execute(insert(model.__table__), rows)


# ----------------------------------------------------------------------- plan
#: The crew columns of a trip (trips.csv extension), stored as the dispatch gives them.
CREW = ("leader_name", "leader_phone", "driver_name", "driver_phone")


def merge_trips(repo: LedgerRepository, trips: Sequence[Any], imp: m.Import | None, file: str,
                plan_id: int | None = None) -> Merge:
    """Add the plan's trips (``planner.domain.model.Trip``) with their crew, when named; a trip
    already in the ledger with the same values is kept, with others it is a problem naming what
    differs (money in yuan)."""
    merge = Merge(file)
    known = repo.trips_by_id()
    seen = {k: _trip_values(t) for k, t in known.items()}
    for i, t in enumerate(trips):
        values = {
            "kind": str(getattr(t.kind, "value", t.kind)),
            "depart_date": t.depart.date() if isinstance(t.depart, dt.datetime) else t.depart,
            "arrive_date": t.arrive.date() if isinstance(t.arrive, dt.datetime) else t.arrive,
            "cost_fen": int(t.cost_fen),
        }
        old = seen.get(t.trip_id)
        if old is not None:
            _compare_trip(merge, merge.at(i), t.trip_id, old, values)
            continue
        seen[t.trip_id] = values
        repo.add(
            m.Trip(
                trip_id=t.trip_id,
                vehicle=t.vehicle,
                stops=";".join(s.name for s in t.stops),
                seats=int(t.seats),
                load=int(t.load),
                distance_km=float(t.distance_km),
                origin_adcode=t.origin_adcode or "",
                parent_trip_id=t.parent_trip_id,
                import_id=imp.id if imp is not None else None,
                plan_id=plan_id,
                **{c: getattr(t, c, None) or None for c in CREW},
                **values,
            )
        )
        merge.added += 1
    repo.session.flush()
    return merge


def _trip_values(t: m.Trip) -> dict[str, Any]:
    return {
        "kind": t.kind,
        "depart_date": t.depart_date,
        "arrive_date": t.arrive_date,
        "cost_fen": t.cost_fen,
    }


def _compare_trip(merge: Merge, row: int, trip_id: str, old: dict[str, Any],
                  new: dict[str, Any]) -> None:
    """A problem on the first value of a known trip that differs (cost in yuan)."""
    for column, value in new.items():
        if old.get(column) == value:
            continue
        if column == "cost_fen":
            merge.problem(row, "cost", msg("problem.trip_cost_differs", trip=trip_id,
                                           old=int(old[column]), new=int(value)))
        else:
            merge.problem(row, column, msg("problem.trip_value_differs", trip=trip_id,
                                           field=msg(f"trip_field.{column}"),
                                           old=str(old.get(column)), new=str(value)))
        return


def merge_manifest(
    repo: LedgerRepository,
    assignments: Sequence[Any],
    legs: Sequence[Any],
    imp: m.Import | None,
    file: str,
    legs_file: str,
) -> list[Merge]:
    """Add the plan's manifest: each assignment (main trip) and each further leg."""
    merge = Merge(file, table="assignments")
    legs_merge = Merge(legs_file, table="legs")
    people = repo.people_by_id_number()
    employers = repo.employers_by_uscc()
    trips = repo.trips_by_id()
    trip_by_pk = {t.id: t for t in trips.values()}
    person_by_pk = {p.id: p for p in people.values()}
    existing: dict[tuple[str, str], dict[str, Any]] = {}
    main_trip: dict[str, str] = {}
    for entry in repo.session.query(m.ManifestEntry):
        key = (person_by_pk[entry.person_id].id_number, trip_by_pk[entry.trip_pk].trip_id)
        existing[key] = {"leg": entry.leg, "pickup_stop": entry.pickup_stop}
        if entry.main:
            main_trip[key[0]] = key[1]
    seen = _Keyed({k: (None, v) for k, v in existing.items()})
    leg_of = {(g.id_number, g.trip_id): int(g.leg) for g in legs}
    employer_of: dict[str, str] = {}
    rows: list[dict[str, Any]] = []

    def add(mg: Merge, row: int, id_number: str, trip_id: str, values: dict[str, Any],
            employer_uscc: str | None, main: bool) -> None:
        person = people.get(id_number)
        trip = trips.get(trip_id)
        if person is None:
            mg.problem(row, "id_number", msg("problem.unknown_person", id=named(id_number)))
            return
        if trip is None:
            mg.problem(row, "trip_id", msg("problem.te_unknown_trip", trip=trip_id))
            return
        if seen.check(mg, row, msg("problem.what_on_trip", id=named(id_number, person.name),
                                   trip=trip_id),
                      (id_number, trip_id), values):
            rows.append({"person_id": person.id, "trip_pk": trip.id, "main": main,
                         "employer_uscc": employer_uscc,
                         "import_id": imp.id if imp is not None else None, **values})
            mg.added += 1

    for i, a in enumerate(assignments):
        if a.employer_uscc not in employers:
            merge.problem(merge.at(i), "employer_uscc",
                          msg("problem.unknown_employer", employer=a.employer_uscc))
            continue
        employer_of[a.id_number] = a.employer_uscc
        known_trip = main_trip.get(a.id_number)
        if known_trip is not None and known_trip != a.trip_id:
            known_person = people.get(a.id_number)
            merge.problem(merge.at(i), "trip_id", msg(
                "problem.ledger_other_trip", known=known_trip, trip=a.trip_id,
                id=named(a.id_number, known_person.name if known_person else None)))
            continue
        values = {"leg": leg_of.get((a.id_number, a.trip_id), 1), "pickup_stop": a.pickup_stop}
        add(merge, merge.at(i), a.id_number, a.trip_id, values, a.employer_uscc, True)
    assigned = {(a.id_number, a.trip_id) for a in assignments}
    for i, g in enumerate(legs):
        if (g.id_number, g.trip_id) in assigned:
            continue  # the main trip's leg, added above
        values = {"leg": int(g.leg), "pickup_stop": ""}
        add(legs_merge, legs_merge.at(i), g.id_number, g.trip_id, values,
            employer_of.get(g.id_number), False)
    if not merge.problems and not legs_merge.problems:
        bulk_insert(repo, m.ManifestEntry, rows)
    return [merge, legs_merge]


# --------------------------------------------------------------------- events
@dataclass(frozen=True)
class Refs:
    """The ledger's people, employers, trips and charters by their natural ids."""

    people: dict[str, m.Person]
    employers: dict[str, m.Employer]
    trips: dict[str, m.Trip]
    charters: dict[str, m.Charter]

    @classmethod
    def load(cls, repo: LedgerRepository) -> Refs:
        return cls(
            repo.people_by_id_number(),
            repo.employers_by_uscc(),
            repo.trips_by_id(),
            repo.charters_by_contract(),
        )

    def person(self, merge: Merge, row: int, id_number: str) -> m.Person | None:
        p = self.people.get(id_number)
        if p is None:
            merge.problem(row, "id_number", msg("problem.unknown_person_unregistered",
                                                id=named(id_number)))
        return p

    def employer(self, merge: Merge, row: int, uscc: str, column: str = "employer_uscc"
                 ) -> m.Employer | None:
        e = self.employers.get(uscc)
        if e is None:
            merge.problem(row, column, msg("problem.unknown_employer", employer=uscc))
        return e


def _events_by_key(repo: LedgerRepository, kind: str) -> dict[str, m.Event]:
    return {e.natural_key: e for e in repo.session.query(m.Event).filter(
        m.Event.kind == kind, m.standing())}


def merge_arrivals(repo: LedgerRepository, records: Sequence[Any], imp: m.Import, merge: Merge
                   ) -> Merge:
    """Add arrivals (``Arrival``). ``trip_id`` names a government trip (the boarding is
    recorded too) or an employer charter's contract number; blank: came on their own."""
    from planner.ledger.trip_events import check_in_out_of_order, timelines

    refs = Refs.load(repo)
    known = _events_by_key(repo, "arrived")
    movements = timelines(repo, refs.trips.values())
    seen = _Keyed(
        {
            k: (None, {"arrived_on": e.on_date, "trip_id": e.ref, "ticket_amount": e.amount_fen})
            for k, e in known.items()
        }
    )
    boarded = set(_events_by_key(repo, "boarded"))
    on_manifest = set(repo.session.execute(
        select(m.ManifestEntry.person_id, m.ManifestEntry.trip_pk)).all())
    rows: list[dict[str, Any]] = []
    for i, r in enumerate(records):
        row = merge.at(i)
        person = refs.person(merge, row, r.id_number)
        employer = refs.employer(merge, row, r.employer_uscc)
        trip = refs.trips.get(r.trip_id) if r.trip_id else None
        unknown_trip = bool(r.trip_id) and trip is None and r.trip_id not in refs.charters
        if unknown_trip:
            merge.problem(row, "trip_id", msg("problem.unknown_trip_or_charter", trip=r.trip_id))
        if person is None or employer is None or unknown_trip:
            continue
        if trip is not None and (person.id, trip.id) not in on_manifest:
            merge.problem(row, "trip_id", msg("problem.te_not_on_trip",
                                              id=named(r.id_number, person.name),
                                              trip=r.trip_id))
            continue
        early = None if trip is None else check_in_out_of_order(movements[trip.trip_id],
                                                                r.arrived_on)
        if early is not None:
            merge.problem(row, "arrived_on", early)
            continue
        key = f"arrived|{r.id_number}|{r.employer_uscc}"
        values = {"arrived_on": r.arrived_on, "trip_id": r.trip_id or None,
                  "ticket_amount": r.ticket_amount_fen}
        if not seen.check(merge, row, msg("problem.what_arrival",
                                          id=named(r.id_number, person.name),
                                          employer=r.employer_uscc), key,
                          values):
            continue
        rows.append({"kind": "arrived", "natural_key": key, "person_id": person.id,
                     "employer_id": employer.id, "trip_pk": trip.id if trip else None,
                     "ref": r.trip_id or None, "on_date": r.arrived_on,
                     "amount_fen": r.ticket_amount_fen, "import_id": imp.id})
        if trip is not None:
            bkey = f"boarded|{r.id_number}|{r.trip_id}"
            if bkey not in boarded:
                boarded.add(bkey)
                rows.append({"kind": "boarded", "natural_key": bkey, "person_id": person.id,
                             "employer_id": employer.id, "trip_pk": trip.id, "ref": r.trip_id,
                             "on_date": trip.depart_date, "amount_fen": None,
                             "import_id": imp.id})
    if not merge.problems:
        bulk_insert(repo, m.Event, rows)
        merge.added += sum(1 for r in rows if r["kind"] == "arrived")
    return merge


def merge_insurance(repo: LedgerRepository, records: Sequence[Any], imp: m.Import, merge: Merge
                    ) -> Merge:
    """Add insured months (``InsuredMonth``)."""
    refs = Refs.load(repo)
    seen = set(_events_by_key(repo, "insured"))
    rows: list[dict[str, Any]] = []
    for i, r in enumerate(records):
        row = merge.at(i)
        person = refs.person(merge, row, r.id_number)
        employer = refs.employer(merge, row, r.employer_uscc)
        if person is None or employer is None:
            continue
        key = f"insured|{r.id_number}|{r.employer_uscc}|{r.month}"
        if key in seen:
            continue
        seen.add(key)
        rows.append({"kind": "insured", "natural_key": key, "person_id": person.id,
                     "employer_id": employer.id, "month": r.month, "import_id": imp.id})
    if not merge.problems:
        bulk_insert(repo, m.Event, rows)
        merge.added += len(rows)
    return merge


def merge_charters(repo: LedgerRepository, records: Sequence[Any], imp: m.Import, merge: Merge
                   ) -> Merge:
    """Add employer charters (``Charter``)."""
    refs = Refs.load(repo)
    employer_by_pk = {e.id: e.uscc for e in refs.employers.values()}
    seen = _Keyed({k: (None, _charter_values(c, employer_by_pk[c.employer_id]))
                   for k, c in refs.charters.items()})
    for i, r in enumerate(records):
        row = merge.at(i)
        employer = refs.employer(merge, row, r.employer_uscc)
        if employer is None:
            continue
        values = {
            "employer_uscc": r.employer_uscc,
            "depart_date": r.depart_date,
            "origin_adcode": r.origin_adcode,
            "seats": int(r.seats),
            "riders": int(r.riders),
            "invoice_amount": int(r.invoice_amount_fen),
        }
        if seen.check(merge, row, msg("problem.what_contract", contract=r.contract_no),
                      r.contract_no, values):
            repo.add(m.Charter(contract_no=r.contract_no, employer_id=employer.id,
                               depart_date=r.depart_date, origin_adcode=r.origin_adcode,
                               seats=int(r.seats), riders=int(r.riders),
                               invoice_amount_fen=int(r.invoice_amount_fen), import_id=imp.id))
            merge.added += 1
    return merge


def _charter_values(c: m.Charter, uscc: str) -> dict[str, Any]:
    return {
        "employer_uscc": uscc,
        "depart_date": c.depart_date,
        "origin_adcode": c.origin_adcode,
        "seats": c.seats,
        "riders": c.riders,
        "invoice_amount": c.invoice_amount_fen,
    }


def merge_charter_riders(repo: LedgerRepository, records: Sequence[Any], imp: m.Import,
                         merge: Merge) -> Merge:
    """Add charter riders (``CharterRider``); the charter must be in the ledger already."""
    refs = Refs.load(repo)
    seen = {(r.charter_id, r.person_id) for r in repo.session.query(m.CharterRider)}
    for i, r in enumerate(records):
        row = merge.at(i)
        charter = refs.charters.get(r.contract_no)
        if charter is None:
            merge.problem(row, "contract_no",
                          msg("problem.unknown_contract", contract=r.contract_no))
        person = refs.person(merge, row, r.id_number)
        if charter is None or person is None:
            continue
        if (charter.id, person.id) in seen:
            continue
        seen.add((charter.id, person.id))
        repo.add(m.CharterRider(charter_id=charter.id, person_id=person.id, import_id=imp.id))
        merge.added += 1
    return merge


def merge_headcounts(repo: LedgerRepository, records: Sequence[Any], imp: m.Import, merge: Merge
                     ) -> Merge:
    """Add insured headcounts (``Headcount``)."""
    refs = Refs.load(repo)
    employer_by_pk = {e.id: e.uscc for e in refs.employers.values()}
    seen = _Keyed({(employer_by_pk[h.employer_id], h.month):
                   (None, {"insured_headcount": h.insured_headcount})
                   for h in repo.session.query(m.Headcount)})
    for i, r in enumerate(records):
        row = merge.at(i)
        employer = refs.employer(merge, row, r.employer_uscc)
        if employer is None:
            continue
        values = {"insured_headcount": int(r.insured_headcount)}
        if seen.check(merge, row, msg("problem.what_headcount", employer=r.employer_uscc,
                                              month=r.month),
                      (r.employer_uscc, r.month), values):
            repo.add(m.Headcount(employer_id=employer.id, month=r.month, import_id=imp.id,
                                 **values))
            merge.added += 1
    return merge


def merge_placements(repo: LedgerRepository, records: Sequence[Any], imp: m.Import, merge: Merge
                     ) -> Merge:
    """Add agency placements (``Placement``)."""
    refs = Refs.load(repo)
    person_by_pk = {p.id: p.id_number for p in refs.people.values()}
    employer_by_pk = {e.id: e.uscc for e in refs.employers.values()}
    seen = _Keyed({(person_by_pk[p.person_id], employer_by_pk[p.employer_id]):
                   (None, {"agency_uscc": p.agency_uscc})
                   for p in repo.session.query(m.Placement)})
    for i, r in enumerate(records):
        row = merge.at(i)
        person = refs.person(merge, row, r.id_number)
        employer = refs.employer(merge, row, r.employer_uscc)
        if person is None or employer is None:
            continue
        values = {"agency_uscc": r.agency_uscc}
        if seen.check(merge, row, msg("problem.what_placement",
                                      id=named(r.id_number, person.name),
                                      employer=r.employer_uscc),
                      (r.id_number, r.employer_uscc), values):
            repo.add(m.Placement(agency_uscc=r.agency_uscc, agency_name=r.agency_name,
                                 person_id=person.id, employer_id=employer.id,
                                 import_id=imp.id))
            merge.added += 1
    return merge


def merge_trip_events(repo: LedgerRepository, records: Sequence[Any], imp: m.Import,
                      merge: Merge) -> Merge:
    """Add trip events (see ``planner.ledger.trip_events``, which holds their rules)."""
    from planner.ledger.trip_events import merge_trip_events as merge_events

    return merge_events(repo, records, imp, merge)


#: kind -> merge function for the event files (scenario, plan and bank results are special).
EVENT_MERGES: dict[str, Callable[[LedgerRepository, Sequence[Any], m.Import, Merge], Merge]] = {
    "arrivals": merge_arrivals,
    "insurance": merge_insurance,
    "charters": merge_charters,
    "charter_riders": merge_charter_riders,
    "headcount": merge_headcounts,
    "placements": merge_placements,
    "trip_events": merge_trip_events,
}
