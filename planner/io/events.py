"""Reading the event tables the ledger imports (FORMATS.md, "What happened").

Rules implemented here (format checks only; whether a person, employer or trip is known is the
ledger's job):

- one reader for every kind: ``arrivals``, ``insurance``, ``charters``, ``charter_riders``,
  ``headcount``, ``bank_results``, ``placements`` (an extension: people an agency placed)
  and ``trip_events`` (an extension: a trip's recorded departure, arrival, delay or
  cancellation);
- all or nothing: any error and ``InputError`` is raised with every problem; warnings are kept
  on the records' side only as messages (``read_events_checked`` returns them);
- ID numbers and USCCs checksummed, dates real, months ``YYYY-MM``, money non-negative yuan
  with at most two decimals, ``status`` paid or failed, counts whole and non-negative;
- duplicate rows are errors on the later row naming the first; the key is: arrivals
  (id_number, employer_uscc), insurance (id_number, employer_uscc, month), charters
  (contract_no), charter_riders (contract_no, id_number), headcount (employer_uscc, month),
  bank_results (payment_id), placements (id_number), trip_events (trip_id, event, at);
- a charter's riders must not exceed its seats; a paid bank line needs ``paid_on``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from planner.domain.events import (
    Arrival,
    BankResult,
    Charter,
    CharterRider,
    Headcount,
    InsuredMonth,
    TripMovement,
)
from planner.io.schemas import EVENT_TABLES, Placement
from planner.io.tables import Row, Table, check_duplicates, read_table
from planner.messages import msg
from planner.problems import InputError, Problem, Severity

EventRecord = (
    Arrival | InsuredMonth | Charter | CharterRider | Headcount | BankResult | Placement
    | TripMovement
)

_BUILDERS: dict[str, Callable[[dict[str, Any]], EventRecord]] = {
    "arrivals": lambda v: Arrival(
        v["id_number"],
        v["employer_uscc"],
        v["arrived_on"],
        v.get("trip_id") or None,
        v.get("ticket_amount"),
    ),
    "insurance": lambda v: InsuredMonth(v["id_number"], v["employer_uscc"], v["month"]),
    "charters": lambda v: Charter(
        v["employer_uscc"],
        v["contract_no"],
        v["depart_date"],
        v["origin_adcode"],
        v["seats"],
        v["riders"],
        v["invoice_amount"],
    ),
    "charter_riders": lambda v: CharterRider(v["contract_no"], v["id_number"]),
    "headcount": lambda v: Headcount(v["employer_uscc"], v["month"], v["insured_headcount"]),
    "bank_results": lambda v: BankResult(
        v["payment_id"], v["status"], v.get("paid_on"), v["amount"], v.get("reason") or None
    ),
    "placements": lambda v: Placement(
        v["agency_uscc"], v["agency_name"], v["id_number"], v["employer_uscc"]
    ),
    "trip_events": lambda v: TripMovement(v["trip_id"], v["event"], v["at"], v.get("note") or None),
}

EVENT_KINDS: tuple[str, ...] = tuple(_BUILDERS)


def _row_checks(kind: str, table: Table, row: Row) -> None:
    v = row.values
    if (
        kind == "charters"
        and v.get("riders") is not None
        and v.get("seats") is not None
        and v["riders"] > v["seats"]
    ):
        table.problem(msg("problem.riders_seats", riders=v["riders"], seats=v["seats"]), row.row,
                      "riders")
    if (
        kind == "bank_results"
        and v.get("status") == "paid"
        and v.get("paid_on") is None
        and not row.text.get("paid_on")
    ):
        table.problem(
            msg("problem.paid_needs_date"),
            row.row,
            "paid_on" if "paid_on" in table.headers else "status",
        )


def read_events_checked(kind: str, path: Path | str) -> tuple[list[EventRecord], list[Problem]]:
    """Read an event table; return the records and every problem (records empty on error).

    Parameters
    ----------
    kind : str
        One of ``EVENT_KINDS`` (the file stem: ``arrivals``, ``insurance``, …).
    path : Path or str
        CSV or xlsx.

    Returns
    -------
    records, problems
    """
    if kind not in _BUILDERS:
        raise ValueError(f"unknown event table {kind!r}; one of {', '.join(EVENT_KINDS)}")
    table = read_table(Path(path), EVENT_TABLES[kind])
    if not table.ok:
        return [], table.problems
    check_duplicates(table)
    records: list[EventRecord] = []
    build = _BUILDERS[kind]
    required = [c.name for c in table.schema.columns if c.required]
    for row in table.rows:
        _row_checks(kind, table, row)
        if all(row.values.get(k) is not None for k in required):
            records.append(build(row.values))
    if table.has_errors:
        return [], table.problems
    return records, table.problems


def read_events(kind: str, path: Path | str) -> list[EventRecord]:
    """Read an event table, all or nothing.

    Parameters
    ----------
    kind : str
        ``arrivals``, ``insurance``, ``charters``, ``charter_riders``, ``headcount``,
        ``bank_results`` or ``placements``.
    path : Path or str
        CSV or xlsx.

    Returns
    -------
    list
        ``Arrival``, ``InsuredMonth``, ``Charter``, ``CharterRider``, ``Headcount``,
        ``BankResult`` or ``Placement`` records, in file order. Money in fen.

    Raises
    ------
    InputError
        With every problem (warnings too) when any is an error.
    """
    records, problems = read_events_checked(kind, path)
    if any(p.severity is Severity.ERROR for p in problems):
        raise InputError(problems)
    return records
