"""Print-ready papers: the dispatch sheet, the manifests and the self-return call list open in
openpyxl with A4 print setup, numeric money, real dates and no formulas."""

from __future__ import annotations

import dataclasses
import datetime as dt
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from planner.domain import (
    Assignment,
    Leg,
    Plan,
    PlanSummary,
    SelfReturn,
    Stop,
    StopKind,
    Trip,
    VehicleKind,
)
from planner.io import load_scenario, read_plan, write_plan
from planner.io import papers as pp

T0 = dt.datetime(2020, 2, 16, 6, 0)


def _plan(ids, leader: dict[str, str] | None = None) -> Plan:
    """A train with its feeder coach and a direct coach; W3 comes on their own."""
    train = Trip(
        "T1",
        VehicleKind.TRAIN,
        "贵阳北—绍兴北专列",
        T0,
        T0 + dt.timedelta(hours=20),
        (
            Stop(StopKind.STATION, "贵阳北站", "贵阳北站", 26.62, 106.68, T0),
            Stop(
                StopKind.STATION, "绍兴北站", "绍兴北站", 30.05, 120.6, T0 + dt.timedelta(hours=20)
            ),
        ),
        1000,
        1000,
        1,
        1650.5,
        60_000_000,
    )
    feeder = Trip(
        "C1",
        VehicleKind.COACH,
        "53座大客车",
        T0 + dt.timedelta(hours=21),
        T0 + dt.timedelta(hours=22, minutes=30),
        (
            Stop(StopKind.STATION, "绍兴北站", "绍兴北站", 30.05, 120.6),
            Stop(StopKind.DROPOFF, "上虞乙机械有限公司", ids.E2, 30.05, 120.9),
        ),
        53,
        26,
        1,
        42.125,
        123_456,
        parent_trip_id="T1",
    )
    coach = Trip(
        "C2",
        VehicleKind.COACH,
        "53座大客车",
        T0,
        T0 + dt.timedelta(hours=16),
        (
            Stop(StopKind.PICKUP, "恩施市", "422801", 30.29, 109.48, T0),
            Stop(StopKind.DROPOFF, "绍兴甲纺织有限公司", ids.E1, 30.03, 120.87),
        ),
        53,
        26,
        1,
        1150.0,
        3_343_073,
        drivers=2,
        origin_adcode="422801",
        **(leader or {}),
    )
    return Plan(
        trips=(train, feeder, coach),
        assignments=(
            Assignment(ids.W2, "T1", "贵阳北站", ids.E2),
            Assignment(ids.W1, "C2", "恩施市", ids.E1),
        ),
        self_returns=(SelfReturn(ids.W3, ids.E2, "chose to come on their own", 80_000),),
        unserved=(),
        legs=(Leg(ids.W2, "T1", 1), Leg(ids.W2, "C1", 2)),
        summary=PlanSummary(2, 3, 63_466_529, 63_000_000, 0.01, 80_000, 1.0),
    )


CREW = {
    "leader_name": "赵领队",
    "leader_phone": "13900139000",
    "driver_name": "钱师傅",
    "driver_phone": "13700137000",
}


@pytest.fixture
def scenario(make_scenario):
    return load_scenario(make_scenario())


def _check_print_setup(ws, orientation: str) -> None:
    assert ws.print_title_rows, ws.title
    assert int(ws.page_setup.paperSize) == 9  # A4
    assert ws.page_setup.orientation == orientation
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    # one page wide: fitToWidth is 1, which the file may leave out (1 is its default)
    assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0


def _find(ws, text: str):
    """The first cell holding ``text``."""
    for row in ws.iter_rows():
        for cell in row:
            if cell.value == text:
                return cell
    raise AssertionError(f"{text!r} not on sheet {ws.title}")


def _no_formulas(wb) -> None:
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)


def test_dispatch_sheet_prints_on_a4_landscape_with_numeric_money(tmp_path: Path, ids) -> None:
    """The dispatch sheet repeats its header row, fits A4 landscape, sets widths, and stores
    费用 as a number with a ¥ format."""
    path = pp.write_dispatch_sheet(_plan(ids), tmp_path / "dispatch.xlsx")
    ws = load_workbook(path)["派车单"]
    _check_print_setup(ws, "landscape")
    head = _find(ws, "费用（元）")
    assert ws.print_title_rows.replace("$", "") == f"{head.row}:{head.row}"
    assert all(ws.column_dimensions[c].width for c in "ABCDEFGHIJKLMNOPQRST")
    money = [ws.cell(head.row + n, head.column) for n in (1, 2, 3)]
    assert [c.value for c in money] == [33_430.73, 600_000.0, 1_234.56]  # by departure, then id
    assert all("¥" in c.number_format for c in money)
    assert _find(ws, "合计").offset(0, head.column - 2).value == pytest.approx(634_665.29)
    km = _find(ws, "里程（公里）")
    assert ws.cell(km.row + 1, km.column).number_format == "#,##0.0"  # 3,984.5, not 3984.5


def test_dispatch_sheet_times_are_excel_dates_and_times(tmp_path: Path, ids) -> None:
    """Departure date and time are real Excel date/time cells with formats."""
    ws = load_workbook(pp.write_dispatch_sheet(_plan(ids), tmp_path / "d.xlsx"))["派车单"]
    day, time = _find(ws, "出发日期"), _find(ws, "出发时间")
    first_day = ws.cell(day.row + 1, day.column)
    first_time = ws.cell(time.row + 1, time.column)
    assert first_day.is_date and first_day.value.date() == dt.date(2020, 2, 16)
    assert first_day.number_format == "yyyy-mm-dd"
    assert first_time.is_date and first_time.value == dt.time(6, 0)
    assert first_time.number_format == "hh:mm"
    stops = _find(ws, "停靠点（依次）")
    train_stops = ws.cell(stops.row + 2, stops.column).value
    assert train_stops == "贵阳北站 06:00 → 绍兴北站 02-17 02:00"  # a later day shows its date


def test_one_manifest_sheet_per_trip_with_header_block(tmp_path: Path, ids, scenario) -> None:
    """Each trip has its sheet with the trip, vehicle, departure, stops in order, leader,
    driver and count above the people, A4 portrait, the block repeated on every page."""
    plan = _plan(ids, CREW)
    wb = load_workbook(pp.write_manifests(plan, scenario, tmp_path / "m.xlsx"))
    assert wb.sheetnames == ["C2", "T1", "C1"]  # by departure
    ws = wb["C2"]
    _check_print_setup(ws, "portrait")
    head = _find(ws, "乘车签字")
    assert ws.print_title_rows.replace("$", "") == f"1:{head.row}"
    assert _find(ws, "车次").offset(0, 1).value == "C2"
    assert _find(ws, "车型").offset(0, 1).value == "53座大客车"
    depart = _find(ws, "出发").offset(0, 1)
    assert depart.value == T0 and depart.number_format == "yyyy-mm-dd hh:mm"
    assert ws.column_dimensions[depart.column_letter].width >= 16  # no ##### on paper
    assert _find(ws, "停靠 1").offset(0, 1).value == "恩施市"
    assert _find(ws, "停靠 2").offset(0, 1).value == "绍兴甲纺织有限公司"
    assert _find(ws, "领队").offset(0, 1).value == "赵领队"
    assert _find(ws, "领队电话").offset(0, 1).value == "13900139000"
    assert _find(ws, "司机电话").offset(0, 1).value == "13700137000"
    assert _find(ws, "人数").offset(0, 1).value == 1
    person = [c.value for c in ws[head.row + 1]]
    assert person == [1, "张三", ids.W1, "13800138000", "恩施市", "绍兴甲纺织有限公司", None]
    assert ws.cell(head.row + 1, 3).number_format == "@"
    assert ws.column_dimensions["C"].width >= 20 and ws.column_dimensions["G"].width


def test_manifest_without_crew_leaves_lines_to_fill(tmp_path: Path, ids, scenario) -> None:
    """A trip the plan names no leader or driver for shows a line to write them by hand."""
    wb = load_workbook(pp.write_manifests(_plan(ids), scenario, tmp_path / "m.xlsx"))
    ws = wb["C2"]
    for label in ("领队", "领队电话", "司机", "司机电话"):
        assert _find(ws, label).offset(0, 1).value == pp.BLANK_LINE


def test_feeder_manifest_lists_people_from_the_train(tmp_path: Path, ids, scenario) -> None:
    """A person on a feeder leg is on its manifest, boarding where the feeder starts."""
    wb = load_workbook(pp.write_manifests(_plan(ids), scenario, tmp_path / "m.xlsx"))
    ws = wb["C1"]
    head = _find(ws, "乘车签字")
    assert [c.value for c in ws[head.row + 1]][1:5] == ["李四", ids.W2, None, "绍兴北站"]
    assert _find(ws, "所属专列").offset(0, 1).value == "T1"


def test_names_like_formulas_are_written_as_text(tmp_path: Path, ids, make_scenario) -> None:
    """A worker named '=HYPERLINK(…)' or '-1+2' is text on the manifest and the call list,
    never a formula."""

    def edit(tables):
        tables["workers"][0]["name"] = '=HYPERLINK("http://x","点我")'
        tables["workers"][2]["name"] = "-1+2"

    scenario = load_scenario(make_scenario(edit=edit))
    plan = _plan(ids, {"leader_name": "@SUM(A1)"})
    manifests = load_workbook(pp.write_manifests(plan, scenario, tmp_path / "m.xlsx"))
    calls = load_workbook(pp.write_self_return_calls(plan, scenario, tmp_path / "c.xlsx"))
    dispatch = load_workbook(pp.write_dispatch_sheet(plan, tmp_path / "d.xlsx"))
    for wb in (manifests, calls, dispatch):
        _no_formulas(wb)
    for cell in (
        _find(manifests["C2"], '=HYPERLINK("http://x","点我")'),
        _find(calls["建议自行返岗"], "-1+2"),
        _find(dispatch["派车单"], "@SUM(A1)"),
    ):
        assert cell.data_type == "s" and cell.quotePrefix  # shown and kept as typed
    assert not _find(manifests["C2"], "恩施市").quotePrefix  # plain text as it was


def _pixels(width: float) -> int:
    """The pixels Excel draws a column of ``width`` (as the file stores it) with: Calibri 11."""
    return int((256 * width + 18) / 256 * 7)


def test_papers_look_as_laid_out(tmp_path: Path, ids, scenario) -> None:
    """Each paper has its title merged across the table in bold 16 pt, the table header grey,
    bold and bordered, bordered cells (the signature cell too, empty), the rows above the
    table frozen, every column as wide as its table says, the margins and a footer with the
    page number and the day it is printed."""
    plan = _plan(ids, CREW)
    papers = [
        (pp.write_dispatch_sheet(plan, tmp_path / "d.xlsx"), "派车单", pp.DISPATCH_COLUMNS),
        (pp.write_manifests(plan, scenario, tmp_path / "m.xlsx"), "C2", pp.MANIFEST_COLUMNS),
        (
            pp.write_self_return_calls(plan, scenario, tmp_path / "c.xlsx"),
            "建议自行返岗",
            pp.CALL_COLUMNS,
        ),
    ]
    for path, sheet, columns in papers:
        ws = load_workbook(path)[sheet]
        last = chr(ord("A") + len(columns) - 1)
        assert f"A1:{last}1" in {str(r) for r in ws.merged_cells.ranges}, sheet
        assert ws["A1"].font.b and ws["A1"].font.sz == 16
        assert ws["A1"].alignment.horizontal == "center"
        head = _find(ws, columns[0][0])
        assert ws.freeze_panes == f"A{head.row + 1}", sheet
        assert head.font.b and head.fill.fgColor.rgb.endswith("E7E6E6")
        assert head.border.left.style == "thin" and head.border.bottom.style == "thin"
        first, empty = ws.cell(head.row + 1, 1), ws.cell(head.row + 1, len(columns))
        assert first.border.top.style == "thin" and first.alignment.wrap_text
        assert empty.value is None and empty.border.right.style == "thin", sheet
        widths = {}
        for dim in ws.column_dimensions.values():  # a <col> may span columns of one width
            for col in range(dim.min, dim.max + 1):
                widths[col] = _pixels(dim.width)
        assert [widths.get(c) for c in range(1, len(columns) + 1)] == [
            _pixels(w) for _, w in columns
        ], sheet
        assert (ws.page_margins.left, ws.page_margins.top) == (0.4, 0.6)
        assert ws.oddFooter.center.text == "第 &P 页，共 &N 页"
        assert ws.oddFooter.right.text == "打印日期 &D"


def test_odd_trip_ids_still_make_sheet_names(tmp_path: Path, ids, scenario) -> None:
    """Trip ids too long for a sheet name, with an apostrophe at the cut or characters beyond
    the basic plane, still give one valid sheet each (at most 31 UTF-16 units, no apostrophe
    at either end)."""
    plan = _plan(ids)
    names = {"T1": "K" + "列'" * 20, "C1": "🚌" * 20, "C2": "🚌" * 20}  # T1 cut after a "'"
    trips = tuple(dataclasses.replace(t, trip_id=names[t.trip_id]) for t in plan.trips)
    plan = dataclasses.replace(plan, trips=trips, assignments=(), legs=())
    wb = load_workbook(pp.write_manifests(plan, scenario, tmp_path / "m.xlsx"))
    assert len(wb.sheetnames) == 3
    for name in wb.sheetnames:
        assert len(name.encode("utf-16-le")) // 2 <= 31 and name[0] != "'" != name[-1], name


def test_self_return_call_list(tmp_path: Path, ids, scenario) -> None:
    """The call list gives name, phone, home county, employer, expected subsidy (a number in
    yuan) and the reason as rendered, on A4 landscape."""
    path = pp.write_self_return_calls(
        _plan(ids), scenario, tmp_path / "calls.xlsx", reason_text=lambda r: f"译：{r}"
    )
    ws = load_workbook(path)["建议自行返岗"]
    _check_print_setup(ws, "landscape")
    head = _find(ws, "预计补贴（元）")
    row = {ws.cell(head.row, c).value: ws.cell(head.row + 1, c) for c in range(1, 9)}
    assert row["姓名"].value == "王五"
    assert row["户籍县（区）"].value == "四川省阿坝藏族羌族自治州小金县"
    assert row["返岗企业"].value == "上虞乙机械有限公司"
    assert row["预计补贴（元）"].value == 800.0
    assert "¥" in row["预计补贴（元）"].number_format
    assert row["原因"].value == "译：chose to come on their own"


def test_plan_folder_gets_the_papers_and_crew_round_trips(tmp_path: Path, ids, scenario) -> None:
    """write_plan with the scenario adds the three xlsx papers; the leader and driver columns
    of trips.csv are read back."""
    plan = _plan(ids, CREW)
    out = write_plan(plan, tmp_path / "out", scenario)
    assert {"dispatch.xlsx", "manifests.xlsx", "self_return_calls.xlsx"} <= {
        p.name for p in out.iterdir()
    }
    assert load_workbook(out / "manifests.xlsx").sheetnames == ["C2", "T1", "C1"]
    again = read_plan(out)
    assert again == plan
    assert next(t for t in again.trips if t.trip_id == "C2").driver_name == "钱师傅"


def test_crew_phone_is_checked_when_read(tmp_path: Path, ids) -> None:
    """A leader phone that is not a mobile number is a problem naming trips.csv and the
    column, and nothing is read."""
    from planner.problems import InputError

    plan = _plan(ids)
    trips = tuple(dataclasses.replace(t, leader_phone="12345") for t in plan.trips)
    out = write_plan(dataclasses.replace(plan, trips=trips), tmp_path / "out")
    with pytest.raises(InputError) as err:
        read_plan(out)
    assert any(p.column == "leader_phone" and "trips" in p.file for p in err.value.problems)


def test_plan_without_trips_still_gives_a_manifest_workbook(tmp_path: Path, ids, scenario) -> None:
    """A plan with no trips writes a manifest workbook with one explanatory sheet."""
    plan = dataclasses.replace(_plan(ids), trips=(), assignments=(), legs=())
    wb = load_workbook(pp.write_manifests(plan, scenario, tmp_path / "m.xlsx"))
    assert wb.sheetnames == ["乘车名单"]


def test_same_plan_gives_byte_identical_papers(tmp_path: Path, ids, scenario) -> None:
    """Writing the papers twice gives the same bytes, so a plan under a work limit stays
    reproducible byte for byte with its papers."""
    a = write_plan(_plan(ids), tmp_path / "a", scenario)
    b = write_plan(_plan(ids), tmp_path / "b", scenario)
    for name in ("dispatch.xlsx", "manifests.xlsx", "self_return_calls.xlsx"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
        with zipfile.ZipFile(a / name) as z:  # no clock in the file: stamps are fixed
            assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
            core = z.read("docProps/core.xml").decode()
            assert core.count("2020-01-01T00:00:00Z") == 2  # created and modified


def test_jobbus_plan_writes_the_papers(tmp_path: Path, ids, make_scenario) -> None:
    """`jobbus plan` writes dispatch.xlsx and manifests.xlsx (one sheet per planned trip) and
    the call list beside the CSVs."""
    from planner.cli import main

    def busload(tables):  # 30 people from 恩施市 for one employer: worth a coach
        first = tables["workers"][0]
        tables["workers"] += [
            {**first, "id_number": ids.make_id("422801", "19900101", f"{n:03d}"), "name": f"工{n}"}
            for n in range(200, 230)
        ]

    out = tmp_path / "plan"
    scenario = make_scenario(edit=busload)
    assert main(["plan", str(scenario), "--out", str(out), "--work-limit", "1"]) == 0
    plan = read_plan(out)
    assert plan.trips
    manifests = load_workbook(out / "manifests.xlsx")
    assert sorted(manifests.sheetnames) == sorted(t.trip_id for t in plan.trips)
    dispatch = load_workbook(out / "dispatch.xlsx")["派车单"]
    _check_print_setup(dispatch, "landscape")
    calls = load_workbook(out / "self_return_calls.xlsx")["建议自行返岗"]
    assert _find(calls, "王五")  # registered to come on their own
