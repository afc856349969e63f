"""Print-ready papers of a plan, as xlsx: the dispatch sheet (派车单), the manifests (乘车名单, one
sheet per trip) and the call list of people advised to come on their own (建议自行返岗).

Rules implemented here:

- headers are Chinese: these papers are for the dispatchers and bus leaders;
- every sheet is set up to print on A4: the header rows repeat on each page, the width fits one
  page (the dispatch sheet and the call list landscape, a manifest portrait), page numbers in
  the footer, column widths set, the table header frozen on screen;
- amounts are numbers in yuan with a ``"¥"#,##0.00`` format, dates and times real Excel dates
  and times with ``yyyy-mm-dd`` and ``hh:mm`` formats, counts numbers; ID numbers and phones are
  text (``@``) so Excel keeps them as typed;
- no cell is ever a formula: every text from the data (names, stops, reasons) is stored as a
  string even when it starts with ``=``, ``+``, ``-`` or ``@``; totals are written as numbers;
- a manifest's header block names the trip, its kind and vehicle, departure and arrival, the
  stops in order with their times, the leader and the driver with their phones (a line to fill
  in by hand when the plan does not name them) and the head count; its table ends with a
  signature column; people are listed by where they board, in the order of the stops;
- a person on a trip through a leg (a feeder coach after a train) boards at its first stop;
- phones and ID numbers are written in full: the papers are for the bus leader, not public.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

from planner.domain.model import Plan, Scenario, StopKind, Trip, VehicleKind
from planner.io.safe_cells import protect_cell, protect_workbook
from planner.messages import Message, render

MONEY_FORMAT = '"¥"#,##0.00'
DATE_FORMAT = "yyyy-mm-dd"
TIME_FORMAT = "hh:mm"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
TEXT_FORMAT = "@"
BLANK_LINE = "____________"  # a line to fill in by hand
KM_FORMAT = "0.0"
TITLE, LABEL, VALUE, HEAD = "paper-title", "paper-label", "paper-value", "paper-head"
PLAIN = "paper-plain"
CELL_STYLES: dict[str | None, str] = {  # a bordered table cell, by number format
    None: "paper-cell",
    MONEY_FORMAT: "paper-money",
    TEXT_FORMAT: "paper-text",
    DATE_FORMAT: "paper-date",
    TIME_FORMAT: "paper-time",
    DATETIME_FORMAT: "paper-datetime",
    KM_FORMAT: "paper-km",
}
FIXED_STAMP = dt.datetime(2020, 1, 1)
FIXED_STAMP_TEXT = b"2020-01-01T00:00:00Z"
_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")

STOP_KIND_ZH = {StopKind.PICKUP: "上车", StopKind.STATION: "车站", StopKind.DROPOFF: "下车"}

DISPATCH_COLUMNS: tuple[tuple[str, float], ...] = (
    ("序号", 6),
    ("车次", 12),
    ("类型", 10),
    ("车型", 16),
    ("所属专列", 10),
    ("出发日期", 11.5),
    ("出发时间", 9),
    ("到达日期", 11.5),
    ("到达时间", 9),
    ("停靠点（依次）", 40),
    ("人数", 7),
    ("限载", 7),
    ("司机人数", 8),
    ("里程（公里）", 11),
    ("费用（元）", 15),
    ("领队", 10),
    ("领队电话", 13.5),
    ("司机", 10),
    ("司机电话", 13.5),
    ("调度签字", 12),
)
MANIFEST_COLUMNS: tuple[tuple[str, float], ...] = (  # B, D and F also hold header values
    ("序号", 8),
    ("姓名", 17),
    ("身份证号", 21),
    ("手机号", 17),
    ("上车点", 16),
    ("返岗企业", 26),
    ("乘车签字", 14),
)
CALL_COLUMNS: tuple[tuple[str, float], ...] = (
    ("序号", 6),
    ("姓名", 10),
    ("手机号", 14),
    ("户籍县（区）", 24),
    ("返岗企业", 26),
    ("预计补贴（元）", 14),
    ("原因", 60),
    ("联系结果", 20),
)


@dataclass(frozen=True, slots=True)
class ManifestLine:
    """A person on a trip's manifest, as the bus leader reads it."""

    name: str
    id_number: str
    phone: str
    pickup: str
    employer: str


# --- cells --------------------------------------------------------------------------------------


def _text(cell: Any, value: Any) -> Any:
    """Set ``value`` as a string, never a formula (``=…``, ``+…``, ``-…``, ``@…`` stay text,
    shown as typed: ``planner.io.safe_cells.protect_cell``)."""
    if value is None or value == "":
        cell.value = None
        return cell
    cell.value = str(value)
    cell.data_type = "s"
    return protect_cell(cell)


def _put(
    ws: Any, row: int, col: int, value: Any, fmt: str | None = None, style: str = VALUE
) -> Any:
    """Write one cell in a named ``style``: text through ``_text``, numbers, dates and times
    with ``fmt``."""
    cell = ws.cell(row=row, column=col)
    if isinstance(value, str) or value is None:
        _text(cell, value)
    else:
        cell.value = value
    cell.style = style  # a named style: far cheaper than a font, border, … per cell
    if fmt is not None:
        cell.number_format = fmt
    return cell


def _label(ws: Any, row: int, col: int, text: str) -> Any:
    return _put(ws, row, col, text, style=LABEL)


def _yuan(fen: int) -> float:
    return round(fen / 100, 2)


def kind_label(trip: Trip) -> str:
    """专列, 接驳大巴 (a feeder coach of a train) or 直达大巴."""
    if trip.kind is VehicleKind.TRAIN:
        return "返岗专列"
    return "接驳大巴" if trip.parent_trip_id else "直达大巴"


# --- layout -------------------------------------------------------------------------------------


def _add_styles(wb: Any) -> None:
    """The papers' named styles: title, label, table header, and a bordered table cell per
    number format."""
    from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side

    thin = Side(style="thin", color="808080")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="center")
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    wb.add_named_style(NamedStyle(TITLE, font=Font(bold=True, size=16), alignment=center))
    wb.add_named_style(NamedStyle(LABEL, font=Font(bold=True), alignment=wrap))
    wb.add_named_style(NamedStyle(VALUE, alignment=wrap))
    wb.add_named_style(NamedStyle(PLAIN, alignment=Alignment(vertical="center")))
    fill = PatternFill("solid", fgColor="E7E6E6")
    wb.add_named_style(
        NamedStyle(HEAD, font=Font(bold=True), fill=fill, border=border, alignment=center)
    )
    for fmt, name in CELL_STYLES.items():
        wb.add_named_style(
            NamedStyle(name, border=border, alignment=wrap, number_format=fmt or "General")
        )


def _title(ws: Any, text: str, width: int) -> None:
    _put(ws, 1, 1, text, style=TITLE)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.row_dimensions[1].height = 28


def _table_header(ws: Any, row: int, columns: Sequence[tuple[str, float]]) -> None:
    """The table's column names at ``row``, and the column widths."""
    from openpyxl.utils import get_column_letter

    for col, (name, width) in enumerate(columns, start=1):
        _put(ws, row, col, name, style=HEAD)
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = ws.cell(row=row + 1, column=1)


def _table_row(ws: Any, row: int, values: Sequence[tuple[Any, str | None]]) -> None:
    for col, (value, fmt) in enumerate(values, start=1):
        _put(ws, row, col, value, style=CELL_STYLES[fmt])
    ws.row_dimensions[row].height = 24  # room for a signature


def _print_setup(ws: Any, title_rows: str, landscape: bool) -> None:
    """A4, fit to the page width, header rows on every page, page numbers in the footer."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages tall as needed
    ws.print_title_rows = title_rows
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.oddFooter.right.text = "打印日期 &D"  # the day it is printed, not the day it was written


def _new_workbook() -> Any:
    from openpyxl import Workbook

    wb = Workbook()
    for ws in list(wb.worksheets):  # the default sheet
        wb.remove(ws)
    _add_styles(wb)
    return wb


def xlsx_bytes(wb: Any) -> bytes:
    """A workbook as the bytes of an xlsx file; the same papers give the same bytes (the file's
    created/modified stamps and the zip entries' times are fixed), so ``jobbus plan`` under a
    work limit stays reproducible byte for byte."""
    buf = BytesIO()
    wb.properties.created = FIXED_STAMP
    protect_workbook(wb).save(buf)
    out = BytesIO()
    with ZipFile(BytesIO(buf.getvalue())) as src, ZipFile(out, "w", ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "docProps/core.xml":
                data = _MODIFIED.sub(rb"\g<1>" + FIXED_STAMP_TEXT + rb"\g<2>", data)
            entry = ZipInfo(info.filename, date_time=FIXED_STAMP.timetuple()[:6])
            entry.compress_type = ZIP_DEFLATED
            dst.writestr(entry, data)
    return out.getvalue()


def _save(wb: Any, path: Path | str) -> Path:
    Path(path).write_bytes(xlsx_bytes(wb))
    return Path(path)


def _sheet_name(name: str, used: set[str]) -> str:
    from planner.io.plans import _sheet_title

    return _sheet_title(name, used)


# --- the dispatch sheet -------------------------------------------------------------------------


def on_board(plan: Plan) -> dict[str, set[str]]:
    """The people on each trip's manifest (their main trip and every leg), by trip id."""
    out: dict[str, set[str]] = {tr.trip_id: set() for tr in plan.trips}
    for a in plan.assignments:
        out.setdefault(a.trip_id, set()).add(a.id_number)
    for g in plan.legs:
        out.setdefault(g.trip_id, set()).add(g.id_number)
    return out


def _clock(time: dt.datetime | None, depart: dt.datetime) -> str:
    """A stop's time: ``hh:mm`` on the day of departure, ``mm-dd hh:mm`` on a later day."""
    if time is None:
        return ""
    return f"{time:%H:%M}" if time.date() == depart.date() else f"{time:%m-%d %H:%M}"


def _dispatch_values(n: int, tr: Trip, people: int) -> list[tuple[Any, str | None]]:
    stops = " → ".join(f"{s.name} {_clock(s.time, tr.depart)}".strip() for s in tr.stops)
    return [
        (n, None),
        (tr.trip_id, None),
        (kind_label(tr), None),
        (tr.vehicle, None),
        (tr.parent_trip_id or "", None),
        (tr.depart.date(), DATE_FORMAT),
        (tr.depart.time(), TIME_FORMAT),
        (tr.arrive.date(), DATE_FORMAT),
        (tr.arrive.time(), TIME_FORMAT),
        (stops, None),
        (people, None),
        (tr.capacity, None),
        (tr.drivers, None),
        (round(tr.distance_km, 1) if math.isfinite(tr.distance_km) else None, KM_FORMAT),
        (_yuan(tr.cost_fen), MONEY_FORMAT),
        (tr.leader_name or "", None),
        (tr.leader_phone or "", TEXT_FORMAT),
        (tr.driver_name or "", None),
        (tr.driver_phone or "", TEXT_FORMAT),
        ("", None),
    ]


def dispatch_workbook(plan: Plan) -> Any:
    """The dispatch sheet as an openpyxl workbook: a summary block, then one row per trip in
    order of departure, a total row, and a signature column."""
    from openpyxl.styles import Alignment

    wb = _new_workbook()
    ws = wb.create_sheet("派车单")
    width = len(DISPATCH_COLUMNS)
    _title(ws, "就业大巴派车单", width)
    board = on_board(plan)
    total_fen = sum(tr.cost_fen for tr in plan.trips)
    summary = [
        ("车次数", len(plan.trips), None),
        ("乘车人数", len(plan.assignments), None),
        ("乘车人次（含换乘）", sum(len(p) for p in board.values()), None),
        ("车辆费用合计（元）", _yuan(total_fen), MONEY_FORMAT),
    ]
    for row, (label, value, fmt) in enumerate(summary, start=2):  # label A:C, value D
        _label(ws, row, 1, label)
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=3)
        _put(ws, row, 4, value, fmt).alignment = Alignment(horizontal="left")
    head = len(summary) + 3
    _table_header(ws, head, DISPATCH_COLUMNS)
    trips = sorted(plan.trips, key=lambda tr: (tr.depart, tr.trip_id))
    for n, tr in enumerate(trips, start=1):
        _table_row(ws, head + n, _dispatch_values(n, tr, len(board.get(tr.trip_id, ()))))
    last = head + len(trips) + 1
    _label(ws, last, 2, "合计")
    _put(ws, last, 11, sum(len(board.get(tr.trip_id, ())) for tr in trips))
    _put(ws, last, 15, _yuan(total_fen), MONEY_FORMAT, style=LABEL)
    _print_setup(ws, f"{head}:{head}", landscape=True)
    return wb


def write_dispatch_sheet(plan: Plan, path: Path | str) -> Path:
    """Write the dispatch sheet (派车单) of ``plan``.

    Parameters
    ----------
    plan : Plan
    path : Path or str
        Where to write the xlsx (``xlsx_bytes(…_workbook(…))`` gives the bytes instead).

    Returns
    -------
    Path
    """
    return _save(dispatch_workbook(plan), path)


# --- the manifests ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _People:
    """A plan's people looked up once for all its manifests."""

    workers: Mapping[str, Any]
    employers: Mapping[str, str]
    main: Mapping[str, Any]  # id number → assignment
    board: Mapping[str, set[str]]  # trip id → id numbers

    @classmethod
    def of(cls, plan: Plan, scenario: Scenario) -> _People:
        return cls(
            {w.id_number: w for w in scenario.workers},
            {e.uscc: e.name for e in scenario.employers},
            {a.id_number: a for a in plan.assignments},
            on_board(plan),
        )


def manifest_lines(plan: Plan, scenario: Scenario, trip: Trip) -> list[ManifestLine]:
    """Who is on ``trip``, in the order of the stops where they board, then by name."""
    return _lines(_People.of(plan, scenario), trip)


def _lines(people: _People, trip: Trip) -> list[ManifestLine]:
    workers, employers, main = people.workers, people.employers, people.main
    order = {s.name: i for i, s in reversed(list(enumerate(trip.stops)))}
    lines = []
    for id_number in people.board.get(trip.trip_id, set()):
        w, a = workers.get(id_number), main.get(id_number)
        if a is not None and a.trip_id == trip.trip_id:
            pickup = a.pickup_stop
        else:  # a later leg: boards where this trip starts
            pickup = trip.stops[0].name if trip.stops else ""
        uscc = a.employer_uscc if a is not None else ""
        lines.append(
            ManifestLine(
                name=w.name if w else "",
                id_number=id_number,
                phone=(w.phone or "") if w else "",
                pickup=pickup,
                employer=employers.get(uscc, uscc),
            )
        )
    return sorted(lines, key=lambda m: (order.get(m.pickup, len(order)), m.name, m.id_number))


def _crew(ws: Any, row: int, role: str, name: str | None, phone: str | None) -> None:
    _label(ws, row, 1, role)
    _put(ws, row, 2, name or BLANK_LINE)
    _label(ws, row, 3, f"{role}电话")
    _put(ws, row, 4, phone or BLANK_LINE, TEXT_FORMAT)


def _manifest_header(ws: Any, trip: Trip, count: int) -> int:
    """The header block of a manifest; returns the row of the table header."""
    _title(ws, f"就业大巴乘车名单　车次 {trip.trip_id}", len(MANIFEST_COLUMNS))
    block: list[list[tuple[str, Any, str | None]]] = [
        [
            ("车次", trip.trip_id, None),
            ("类型", kind_label(trip), None),
            ("车型", trip.vehicle, None),
        ],
        [
            ("出发", trip.depart, DATETIME_FORMAT),
            ("到达", trip.arrive, DATETIME_FORMAT),
            ("人数", count, None),
        ],
    ]
    for r, cells in enumerate(block, start=2):
        for i, (label, value, fmt) in enumerate(cells):
            _label(ws, r, 1 + 2 * i, label)
            _put(ws, r, 2 + 2 * i, value, fmt)
    _crew(ws, 4, "领队", trip.leader_name, trip.leader_phone)
    _label(ws, 4, 5, "限载")
    _put(ws, 4, 6, trip.capacity)
    _crew(ws, 5, "司机", trip.driver_name, trip.driver_phone)
    if trip.parent_trip_id:
        _label(ws, 5, 5, "所属专列")
        _put(ws, 5, 6, trip.parent_trip_id)
    row = 6
    for i, stop in enumerate(trip.stops, start=1):
        _label(ws, row, 1, f"停靠 {i}")
        _put(ws, row, 2, stop.name, style=PLAIN)  # runs on over the empty cells to its right
        _put(ws, row, 5, STOP_KIND_ZH.get(stop.kind, str(stop.kind)))
        _put(ws, row, 6, stop.time, DATETIME_FORMAT if stop.time else None)
        row += 1
    return row + 1


def _manifest_sheet(wb: Any, title: str, trip: Trip, lines: Sequence[ManifestLine]) -> None:
    ws = wb.create_sheet(title)
    head = _manifest_header(ws, trip, len(lines))
    _table_header(ws, head, MANIFEST_COLUMNS)
    for n, m in enumerate(lines, start=1):
        _table_row(
            ws,
            head + n,
            [
                (n, None),
                (m.name, None),
                (m.id_number, TEXT_FORMAT),
                (m.phone, TEXT_FORMAT),
                (m.pickup, None),
                (m.employer, None),
                ("", None),
            ],
        )
    _print_setup(ws, f"1:{head}", landscape=False)


def manifests_workbook(
    plan: Plan, scenario: Scenario, trip_ids: Iterable[str] | None = None
) -> Any:
    """The manifests as an openpyxl workbook: one sheet per trip (named by its trip id), in
    order of departure; ``trip_ids`` limits it to those trips."""
    wanted = None if trip_ids is None else set(trip_ids)
    wb = _new_workbook()
    used: set[str] = set()
    people = _People.of(plan, scenario)
    for trip in sorted(plan.trips, key=lambda tr: (tr.depart, tr.trip_id)):
        if wanted is None or trip.trip_id in wanted:
            lines = _lines(people, trip)
            _manifest_sheet(wb, _sheet_name(trip.trip_id, used), trip, lines)
    if not wb.sheetnames:  # a workbook needs a sheet
        ws = wb.create_sheet("乘车名单")
        _title(ws, "就业大巴乘车名单：没有车次", len(MANIFEST_COLUMNS))
        _print_setup(ws, "1:1", landscape=False)
    return wb


def write_manifests(
    plan: Plan,
    scenario: Scenario,
    path: Path | str,
    trip_ids: Iterable[str] | None = None,
) -> Path:
    """Write the manifests (乘车名单) of ``plan``, one sheet per trip.

    Parameters
    ----------
    plan : Plan
    scenario : Scenario
        The scenario planned: the people's names and phones, the employers' names.
    path : Path or str
        Where to write the xlsx (``xlsx_bytes(…_workbook(…))`` gives the bytes instead).
    trip_ids : iterable of str, optional
        Only these trips (default: all).

    Returns
    -------
    Path
    """
    return _save(manifests_workbook(plan, scenario, trip_ids), path)


# --- the self-return call list ------------------------------------------------------------------


def _home_county(worker: Any, gazetteer: Any) -> str:
    div = gazetteer.get(worker.home_adcode) if gazetteer is not None else None
    if div is not None:
        return str(div.full_name)
    return worker.home_address or worker.home_adcode


def self_return_workbook(
    plan: Plan,
    scenario: Scenario,
    reason_text: Callable[[Message], str] = render,
    gazetteer: Any = None,
) -> Any:
    """The people advised (or choosing) to come on their own, for the phone calls."""
    if gazetteer is None:
        from planner.geo import load_gazetteer

        gazetteer = load_gazetteer()
    workers = {w.id_number: w for w in scenario.workers}
    employers: Mapping[str, str] = {e.uscc: e.name for e in scenario.employers}
    wb = _new_workbook()
    ws = wb.create_sheet("建议自行返岗")
    _title(ws, "建议自行返岗人员联系表", len(CALL_COLUMNS))
    _label(ws, 2, 1, "人数")
    _put(ws, 2, 2, len(plan.self_returns))
    _label(ws, 2, 4, "预计补贴合计（元）")
    total = sum(s.expected_subsidy_fen for s in plan.self_returns)
    _put(ws, 2, 5, _yuan(total), MONEY_FORMAT)
    head = 4
    _table_header(ws, head, CALL_COLUMNS)
    people = sorted(
        plan.self_returns,
        key=lambda s: (
            workers[s.id_number].home_adcode if s.id_number in workers else "",
            s.id_number,
        ),
    )
    for n, s in enumerate(people, start=1):
        w = workers.get(s.id_number)
        uscc = s.employer_uscc or ""
        _table_row(
            ws,
            head + n,
            [
                (n, None),
                (w.name if w else s.id_number, None),
                ((w.phone or "") if w else "", TEXT_FORMAT),
                (_home_county(w, gazetteer) if w else "", None),
                (employers.get(uscc, uscc), None),
                (_yuan(s.expected_subsidy_fen), MONEY_FORMAT),
                (reason_text(s.why), None),
                ("", None),
            ],
        )
        ws.row_dimensions[head + n].height = 36
    _print_setup(ws, f"{head}:{head}", landscape=True)
    return wb


def write_self_return_calls(
    plan: Plan,
    scenario: Scenario,
    path: Path | str,
    reason_text: Callable[[Message], str] = render,
) -> Path:
    """Write the 建议自行返岗 call list: name, phone, home county, employer, expected subsidy
    and reason of each person the plan leaves to come on their own, and a column for the
    caller's notes.

    Parameters
    ----------
    plan, scenario : Plan, Scenario
    path : Path or str
        Where to write the xlsx (``xlsx_bytes(…_workbook(…))`` gives the bytes instead).
    reason_text : callable, optional
        Renders the planner's reason (a message) for the reader (default: in Chinese).

    Returns
    -------
    Path
    """
    return _save(self_return_workbook(plan, scenario, reason_text), path)
