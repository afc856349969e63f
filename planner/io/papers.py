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
- phones and ID numbers are written in full: the papers are for the bus leader, not public;
- the same papers give the same bytes: the file's created/modified stamps and the zip entries'
  times are fixed, so ``jobbus plan`` under a work limit stays reproducible byte for byte.

The workbooks are written with XlsxWriter, which writes each cell straight into its sheet's XML:
three times faster than building openpyxl cells and serialising them (bench/README.md, "Papers").
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

from planner.domain.model import Plan, Scenario, StopKind, Trip, VehicleKind
from planner.io.safe_cells import is_formula_like
from planner.messages import Message, render

MONEY_FORMAT = '"¥"#,##0.00'
DATE_FORMAT = "yyyy-mm-dd"
TIME_FORMAT = "hh:mm"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
TEXT_FORMAT = "@"
BLANK_LINE = "____________"  # a line to fill in by hand
KM_FORMAT = "#,##0.0"
TITLE, LABEL, VALUE, HEAD = "paper-title", "paper-label", "paper-value", "paper-head"
PLAIN, CELL, SUMMARY = "paper-plain", "paper-cell", "paper-summary"
_WRAP = {"text_wrap": True, "valign": "vcenter"}
_BORDER = {"border": 1, "border_color": "#808080"}  # thin, grey
STYLES: dict[str, dict[str, Any]] = {  # XlsxWriter format properties, a number format added
    TITLE: {"bold": True, "font_size": 16, "align": "center", **_WRAP},
    LABEL: {"bold": True, **_WRAP},
    VALUE: _WRAP,
    PLAIN: {"valign": "vcenter"},  # a stop's name runs on over the empty cells to its right
    SUMMARY: {"align": "left"},  # a figure of the dispatch sheet's summary block
    HEAD: {"bold": True, "pattern": 1, "bg_color": "#E7E6E6", "align": "center"} | _WRAP | _BORDER,
    CELL: {**_WRAP, **_BORDER},  # a table cell
}
FIXED_STAMP = dt.datetime(2020, 1, 1)  # the workbooks' created and modified stamp
FOOTER = "&C第 &P 页，共 &N 页&R打印日期 &D"  # the day it is printed, not the day it was written

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


# --- cells ---------------------------------------------------------------------------------------


class _Book:
    """An xlsx workbook being written in memory, with the papers' cell formats.

    A format is made once per style, number format and quote prefix, on first use; strings are
    never read as formulas, numbers or links (``strings_to_formulas`` and the like are off, and
    every text goes through ``write_string``)."""

    def __init__(self) -> None:
        import xlsxwriter

        self._buffer = BytesIO()
        self._workbook = xlsxwriter.Workbook(
            self._buffer,
            {
                "in_memory": True,
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "strings_to_urls": False,
            },
        )
        self._workbook.set_properties({"created": FIXED_STAMP})
        self._formats: dict[tuple[str, str | None, bool], Any] = {}
        self.sheets = 0

    def format(self, style: str, fmt: str | None = None, quote: bool = False) -> Any:
        """The cell format of ``style`` with number format ``fmt``; ``quote`` adds Excel's quote
        prefix (formula-like text shown and kept as typed)."""
        key = (style, fmt, quote)
        found = self._formats.get(key)
        if found is None:
            props = dict(STYLES[style])
            if fmt is not None:
                props["num_format"] = fmt
            if quote:
                props["quote_prefix"] = True
            found = self._formats[key] = self._workbook.add_format(props)
        return found

    def sheet(self, title: str) -> _Sheet:
        self.sheets += 1
        return _Sheet(self, self._workbook.add_worksheet(title))

    def xlsx(self) -> bytes:
        """The workbook's bytes; the same papers give the same bytes (XlsxWriter writes every
        zip entry with the fixed time 1980-01-01, the file's stamps are ``FIXED_STAMP``)."""
        self._workbook.close()
        return self._buffer.getvalue()


class _Sheet:
    """A worksheet being written, with rows and columns counted from 1 as on screen."""

    __slots__ = ("_book", "_ws")

    def __init__(self, book: _Book, ws: Any) -> None:
        self._book, self._ws = book, ws

    def put(
        self, row: int, col: int, value: Any, fmt: str | None = None, style: str = VALUE
    ) -> None:
        """Write one cell in ``style``: text always as a string (never a formula; formula-like
        text with the quote prefix), numbers, dates and times with ``fmt``, nothing as a blank
        cell that keeps its borders."""
        r, c, book = row - 1, col - 1, self._book
        if value is None or value == "":
            self._ws.write_blank(r, c, None, book.format(style, fmt))
        elif isinstance(value, str):
            self._ws.write_string(r, c, value, book.format(style, fmt, is_formula_like(value)))
        elif isinstance(value, dt.date | dt.time):  # a datetime is a date
            self._ws.write_datetime(r, c, value, book.format(style, fmt))
        elif isinstance(value, int | float) and not isinstance(value, bool):
            self._ws.write_number(r, c, value, book.format(style, fmt))
        else:
            raise TypeError(f"a paper's cell holds text, a number or a date, not {value!r}")

    def label(self, row: int, col: int, text: str) -> None:
        self.put(row, col, text, style=LABEL)

    def merge(self, row: int, first_col: int, last_col: int, style: str) -> None:
        """Merge columns ``first_col``…``last_col`` of ``row``; ``put`` the first cell after."""
        self._ws.merge_range(
            row - 1, first_col - 1, row - 1, last_col - 1, "", self._book.format(style)
        )

    def title(self, text: str, width: int) -> None:
        self.merge(1, 1, width, TITLE)
        self.put(1, 1, text, style=TITLE)
        self._ws.set_row(0, 28)  # 37 pixels, as Excel shows 28 points (the file says 27.75)

    def table_header(self, row: int, columns: Sequence[tuple[str, float]]) -> None:
        """The table's column names at ``row``, the column widths, the rows above frozen."""
        for col, (name, width) in enumerate(columns, start=1):
            self.put(row, col, name, style=HEAD)
            self._ws.set_column_pixels(col - 1, col - 1, _pixels(width))
        self._ws.freeze_panes(row, 0)

    def table_row(
        self, row: int, values: Sequence[tuple[Any, str | None]], height: float = 24
    ) -> None:
        """A bordered table row, ``height`` points high (room for a signature)."""
        for col, (value, fmt) in enumerate(values, start=1):
            self.put(row, col, value, fmt, style=CELL)
        self._ws.set_row(row - 1, height)

    def print_setup(self, title_rows: tuple[int, int], landscape: bool) -> None:
        """A4, fit to the page width, rows ``title_rows`` (first, last) on every page, page
        numbers and the printing day in the footer."""
        ws = self._ws
        ws.set_paper(9)  # A4
        if landscape:
            ws.set_landscape()
        else:
            ws.set_portrait()
        ws.fit_to_pages(1, 0)  # one page wide, as many pages tall as needed
        ws.repeat_rows(title_rows[0] - 1, title_rows[1] - 1)
        ws.center_horizontally()
        ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
        ws.set_header("", margin=0.5)
        ws.set_footer(FOOTER, margin=0.5)


def _pixels(width: float) -> int:
    """The pixels Excel draws a column of ``width`` with, the width as an xlsx file stores it
    (characters of the default font's digit, its padding included): Calibri 11, 7 pixels a
    digit. The column tables above keep the widths the papers have always had in the file."""
    return int((256 * width + 128 // 7) / 256 * 7)


def _yuan(fen: int) -> float:
    return round(fen / 100, 2)


def kind_label(trip: Trip) -> str:
    """专列, 接驳大巴 (a feeder coach of a train) or 直达大巴."""
    if trip.kind is VehicleKind.TRAIN:
        return "返岗专列"
    return "接驳大巴" if trip.parent_trip_id else "直达大巴"


def _save(data: bytes, path: Path | str) -> Path:
    Path(path).write_bytes(data)
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


def dispatch_xlsx(plan: Plan) -> bytes:
    """The dispatch sheet as the bytes of an xlsx file: a summary block, then one row per trip
    in order of departure, a total row, and a signature column."""
    book = _Book()
    ws = book.sheet("派车单")
    ws.title("就业大巴派车单", len(DISPATCH_COLUMNS))
    board = on_board(plan)
    total_fen = sum(tr.cost_fen for tr in plan.trips)
    summary = [
        ("车次数", len(plan.trips), None),
        ("乘车人数", len(plan.assignments), None),
        ("乘车人次（含换乘）", sum(len(p) for p in board.values()), None),
        ("车辆费用合计（元）", _yuan(total_fen), MONEY_FORMAT),
    ]
    for row, (label, value, fmt) in enumerate(summary, start=2):  # label A:C, value D
        ws.merge(row, 1, 3, LABEL)
        ws.label(row, 1, label)
        ws.put(row, 4, value, fmt, style=SUMMARY)
    head = len(summary) + 3
    ws.table_header(head, DISPATCH_COLUMNS)
    trips = sorted(plan.trips, key=lambda tr: (tr.depart, tr.trip_id))
    for n, tr in enumerate(trips, start=1):
        ws.table_row(head + n, _dispatch_values(n, tr, len(board.get(tr.trip_id, ()))))
    last = head + len(trips) + 1
    ws.label(last, 2, "合计")
    ws.put(last, 11, sum(len(board.get(tr.trip_id, ())) for tr in trips))
    ws.put(last, 15, _yuan(total_fen), MONEY_FORMAT, style=LABEL)
    ws.print_setup((head, head), landscape=True)
    return book.xlsx()


def write_dispatch_sheet(plan: Plan, path: Path | str) -> Path:
    """Write the dispatch sheet (派车单) of ``plan``.

    Parameters
    ----------
    plan : Plan
    path : Path or str
        Where to write the xlsx (``…_xlsx(…)`` gives the bytes instead).

    Returns
    -------
    Path
    """
    return _save(dispatch_xlsx(plan), path)


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


def _crew(ws: _Sheet, row: int, role: str, name: str | None, phone: str | None) -> None:
    ws.label(row, 1, role)
    ws.put(row, 2, name or BLANK_LINE)
    ws.label(row, 3, f"{role}电话")
    ws.put(row, 4, phone or BLANK_LINE, TEXT_FORMAT)


def _manifest_header(ws: _Sheet, trip: Trip, count: int) -> int:
    """The header block of a manifest; returns the row of the table header."""
    ws.title(f"就业大巴乘车名单　车次 {trip.trip_id}", len(MANIFEST_COLUMNS))
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
            ws.label(r, 1 + 2 * i, label)
            ws.put(r, 2 + 2 * i, value, fmt)
    _crew(ws, 4, "领队", trip.leader_name, trip.leader_phone)
    ws.label(4, 5, "限载")
    ws.put(4, 6, trip.capacity)
    _crew(ws, 5, "司机", trip.driver_name, trip.driver_phone)
    if trip.parent_trip_id:
        ws.label(5, 5, "所属专列")
        ws.put(5, 6, trip.parent_trip_id)
    row = 6
    for i, stop in enumerate(trip.stops, start=1):
        ws.label(row, 1, f"停靠 {i}")
        ws.put(row, 2, stop.name, style=PLAIN)  # runs on over the empty cells to its right
        ws.put(row, 5, STOP_KIND_ZH.get(stop.kind, str(stop.kind)))
        ws.put(row, 6, stop.time, DATETIME_FORMAT if stop.time else None)
        row += 1
    return row + 1


def _manifest_sheet(book: _Book, title: str, trip: Trip, lines: Sequence[ManifestLine]) -> None:
    ws = book.sheet(title)
    head = _manifest_header(ws, trip, len(lines))
    ws.table_header(head, MANIFEST_COLUMNS)
    for n, m in enumerate(lines, start=1):
        ws.table_row(
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
    ws.print_setup((1, head), landscape=False)


def manifests_xlsx(plan: Plan, scenario: Scenario, trip_ids: Iterable[str] | None = None) -> bytes:
    """The manifests as the bytes of an xlsx file: one sheet per trip (named by its trip id),
    in order of departure; ``trip_ids`` limits it to those trips."""
    wanted = None if trip_ids is None else set(trip_ids)
    book = _Book()
    used: set[str] = set()
    people = _People.of(plan, scenario)
    for trip in sorted(plan.trips, key=lambda tr: (tr.depart, tr.trip_id)):
        if wanted is None or trip.trip_id in wanted:
            lines = _lines(people, trip)
            _manifest_sheet(book, _sheet_name(trip.trip_id, used), trip, lines)
    if not book.sheets:  # a workbook needs a sheet
        ws = book.sheet("乘车名单")
        ws.title("就业大巴乘车名单：没有车次", len(MANIFEST_COLUMNS))
        ws.print_setup((1, 1), landscape=False)
    return book.xlsx()


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
        Where to write the xlsx (``…_xlsx(…)`` gives the bytes instead).
    trip_ids : iterable of str, optional
        Only these trips (default: all).

    Returns
    -------
    Path
    """
    return _save(manifests_xlsx(plan, scenario, trip_ids), path)


# --- the self-return call list ------------------------------------------------------------------


def _home_county(worker: Any, gazetteer: Any) -> str:
    div = gazetteer.get(worker.home_adcode) if gazetteer is not None else None
    if div is not None:
        return str(div.full_name)
    return worker.home_address or worker.home_adcode


def self_return_xlsx(
    plan: Plan,
    scenario: Scenario,
    reason_text: Callable[[Message], str] = render,
    gazetteer: Any = None,
) -> bytes:
    """The people advised (or choosing) to come on their own, for the phone calls, as the
    bytes of an xlsx file."""
    if gazetteer is None:
        from planner.geo import load_gazetteer

        gazetteer = load_gazetteer()
    workers = {w.id_number: w for w in scenario.workers}
    employers: Mapping[str, str] = {e.uscc: e.name for e in scenario.employers}
    book = _Book()
    ws = book.sheet("建议自行返岗")
    ws.title("建议自行返岗人员联系表", len(CALL_COLUMNS))
    ws.label(2, 1, "人数")
    ws.put(2, 2, len(plan.self_returns))
    ws.label(2, 4, "预计补贴合计（元）")
    total = sum(s.expected_subsidy_fen for s in plan.self_returns)
    ws.put(2, 5, _yuan(total), MONEY_FORMAT)
    head = 4
    ws.table_header(head, CALL_COLUMNS)
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
        ws.table_row(
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
            height=36,  # room for the caller's notes
        )
    ws.print_setup((head, head), landscape=True)
    return book.xlsx()


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
        Where to write the xlsx (``…_xlsx(…)`` gives the bytes instead).
    reason_text : callable, optional
        Renders the planner's reason (a message) for the reader (default: in Chinese).

    Returns
    -------
    Path
    """
    return _save(self_return_xlsx(plan, scenario, reason_text), path)
