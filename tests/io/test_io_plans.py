"""Writing and reading plans, tables and scenarios: round trips, Excel-friendly output,
atomic writes."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from planner.domain import (
    Assignment,
    Leg,
    Plan,
    PlanSummary,
    SelfReturn,
    Stop,
    StopKind,
    Trip,
    Unserved,
    VehicleKind,
)
from planner.domain.stats import RunStats
from planner.io import (
    PlaceResolver,
    check_scenario,
    load_scenario,
    read_plan,
    read_scenario_tables,
    write_plan,
    write_scenario,
)
from planner.io import plans as plans_module
from planner.problems import InputError


def sample_plan(ids) -> Plan:
    t0 = dt.datetime(2020, 2, 16, 6, 0)
    train = Trip(
        "T1",
        VehicleKind.TRAIN,
        "贵阳北—绍兴北专列",
        t0,
        t0 + dt.timedelta(hours=20),
        (
            Stop(StopKind.STATION, "贵阳北站", "贵阳北站", 26.62, 106.68, t0),
            Stop(
                StopKind.STATION, "绍兴北站", "绍兴北站", 30.05, 120.6, t0 + dt.timedelta(hours=20)
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
        t0 + dt.timedelta(hours=21),
        t0 + dt.timedelta(hours=22, minutes=30),
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
        t0,
        t0 + dt.timedelta(hours=16),
        (
            Stop(StopKind.PICKUP, "恩施市", "422801", 30.29468, 109.479664, t0),
            Stop(StopKind.DROPOFF, "绍兴甲纺织有限公司", ids.E1, 30.03, 120.87),
        ),
        53,
        26,
        1,
        1150.0,
        1_200_005,
        drivers=2,
        origin_adcode="422801",
        fixed=True,
    )
    return Plan(
        trips=(train, feeder, coach),
        assignments=(
            Assignment(ids.W2, "T1", "贵阳北站", ids.E2),
            Assignment(ids.W1, "C2", "恩施市", ids.E1),
        ),
        self_returns=(SelfReturn(ids.W3, ids.E2, "chose to come on their own", 80_000),),
        unserved=(Unserved("no seats left before the employer's date", None, ids.E1, 4),),
        legs=(Leg(ids.W2, "T1", 1), Leg(ids.W2, "C1", 2)),
        summary=PlanSummary(
            2, 3, 61_323_461, 60_000_000, 0.021, 80_000, 12.5, RunStats(other={"seed": 7})
        ),
    )


def test_plan_round_trip(tmp_path: Path, ids) -> None:
    """read_plan(write_plan(plan)) gives the same plan back."""
    plan = sample_plan(ids)
    write_plan(plan, tmp_path / "out")
    assert read_plan(tmp_path / "out") == plan


def test_plan_files_and_columns(tmp_path: Path, ids) -> None:
    """The six files exist with FORMATS.md columns first, money in yuan, UTF-8 with BOM."""
    out = write_plan(sample_plan(ids), tmp_path / "out")
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(plans_module.PLAN_FILES)
    raw = (out / "trips.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    header = raw[3:].decode("utf-8").splitlines()[0].split(",")
    assert header[:10] == [
        "trip_id",
        "kind",
        "vehicle",
        "depart_date",
        "arrive_date",
        "stops",
        "seats",
        "load",
        "km",
        "cost",
    ]
    trips = pd.read_csv(out / "trips.csv", dtype=str, encoding="utf-8-sig")
    assert list(trips["cost"]) == ["600000.00", "1234.56", "12000.05"]
    assert trips["stops"][2] == "恩施市;绍兴甲纺织有限公司"
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert summary["total_cost"] == 613234.61 and summary["subsidy_forecast"] == 800.0
    unserved = pd.read_csv(out / "unserved.csv", dtype=str, encoding="utf-8-sig")
    assert unserved["count"][0] == "4"


def test_write_plan_is_atomic(tmp_path: Path, ids, monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure while writing leaves the target folder untouched and no temporary folder."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine", "utf-8")
    real = plans_module.write_table
    calls = []

    def failing(df, path, *a, **k):
        calls.append(path)
        if len(calls) == 3:
            raise OSError("disk full")
        return real(df, path, *a, **k)

    monkeypatch.setattr(plans_module, "write_table", failing)
    with pytest.raises(OSError):
        write_plan(sample_plan(ids), out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]


def test_read_plan_reports_problems(tmp_path: Path, ids) -> None:
    """Assignments to unknown trips and a person both carried and self-returning are errors."""
    out = write_plan(sample_plan(ids), tmp_path / "out")
    a = out / "assignments.csv"
    a.write_text(
        a.read_text("utf-8-sig").replace(",C2,", ",C9,") + f"{ids.W3},T1,贵阳北站,{ids.E2}\n",
        "utf-8-sig",
    )
    with pytest.raises(InputError) as err:
        read_plan(out)
    text = str(err.value)
    assert "assignments.csv:3: trip_id: trip C9 is not in the trips table" in text
    assert (f"self_return.csv:2: id_number: the person with ID ending {ids.W3[-4:]} is also "
            "in assignments.csv") in text
    assert ids.W3 not in text  # the file and row say who; the message masks the number


def test_read_plan_resolves_hand_written_stops(tmp_path: Path, make_scenario, ids) -> None:
    """A trips.csv with only the FORMATS.md columns reads, stops resolved via a scenario."""
    s = load_scenario(make_scenario())
    d = tmp_path / "hand"
    d.mkdir()
    (d / "trips.csv").write_text(
        "trip_id,kind,vehicle,depart_date,arrive_date,stops,seats,load,km,cost\n"
        "X1,coach,53座大客车,2020-02-16,2020-02-17,湖北省恩施市;上虞乙机械有限公司,53,1,1100,9000\n",
        "utf-8",
    )
    (d / "assignments.csv").write_text(
        f"id_number,trip_id,pickup_stop,employer_uscc\n{ids.W1},X1,湖北省恩施市,{ids.E2}\n", "utf-8"
    )
    resolver = PlaceResolver(
        gazetteer=__import__("planner.geo", fromlist=["x"]).load_gazetteer(),
        employers={e.uscc: e for e in s.employers},
        fleet={v.name: v for v in s.fleet},
        destination=s.destination,
    )
    plan = read_plan(d, resolver)
    trip = plan.trips[0]
    assert [st.kind for st in trip.stops] == [StopKind.PICKUP, StopKind.DROPOFF]
    assert trip.stops[1].ref == ids.E2 and trip.capacity == 26 and trip.cost_fen == 900_000
    assert plan.summary.total_cost_fen == 900_000


@pytest.mark.parametrize("fmt,headers", [("xlsx", "zh"), ("csv", "zh"), ("xlsx", "en")])
def test_scenario_round_trip_formats(tmp_path: Path, make_scenario, fmt: str, headers: str) -> None:
    """A scenario written as xlsx and/or with Chinese headers loads to the same Scenario."""
    src = make_scenario()
    original = load_scenario(src)
    out = write_scenario(read_scenario_tables(src), tmp_path / f"{fmt}-{headers}", fmt, headers)
    assert (out / f"workers.{fmt}").exists()
    again = load_scenario(out)
    assert again.workers == original.workers and again.employers == original.employers
    assert again.fleet == original.fleet and again.plan_to == original.plan_to
    back = write_scenario(read_scenario_tables(out), tmp_path / "back", "csv", "en")
    assert load_scenario(back).workers == original.workers


def test_zh_headers_written(tmp_path: Path, make_scenario) -> None:
    """With headers="zh" the CSV header is the Chinese alias."""
    out = write_scenario(read_scenario_tables(make_scenario()), tmp_path / "zh", "csv", "zh")
    first = (out / "workers.csv").read_text("utf-8-sig").splitlines()[0]
    assert first.startswith("身份证号,姓名,手机号,户籍地区划代码")


def test_fixed_trips_from_written_plan(tmp_path: Path, make_scenario, ids) -> None:
    """A written plan's trips.csv/assignments.csv serve as a scenario's fixed trips."""
    plan = sample_plan(ids)
    out = write_plan(plan, tmp_path / "plan")
    d = make_scenario()
    (d / "fixed_trips.csv").write_bytes((out / "trips.csv").read_bytes())
    (d / "fixed_assignments.csv").write_bytes((out / "assignments.csv").read_bytes())
    (d / "fixed_legs.csv").write_bytes((out / "legs.csv").read_bytes())
    (d / "scenario.toml").write_text(
        (d / "scenario.toml").read_text("utf-8") + 'fixed = "fixed_trips.csv"\n', "utf-8"
    )
    scenario, found = check_scenario(d)
    assert scenario is not None, found
    assert len(scenario.fixed_trips) == 3 and all(t.fixed for t in scenario.fixed_trips)
    assert scenario.fixed_legs == plan.legs


def test_to_xlsx_sheets_text_and_blanks(tmp_path: Path, ids) -> None:
    """to_xlsx writes one sheet per frame, IDs as Text cells, NaN as blank, safe sheet names."""
    import openpyxl

    frames = {
        "trips/一": pd.DataFrame({"id_number": [ids.W1], "n": [3], "x": [float("nan")]}),
        "trips:一": pd.DataFrame({"a": ["b"]}),
    }
    path = plans_module.to_xlsx(frames, tmp_path / "out.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["trips_一", "trips_一_2"]
    ws = wb["trips_一"]
    assert ws["A2"].value == ids.W1 and ws["A2"].number_format == "@"
    assert ws["B2"].value == 3 and ws["C2"].value is None


def test_read_plan_without_scenario_is_lenient(tmp_path: Path, ids) -> None:
    """Without a scenario, counties resolve via the gazetteer and other stops are kept."""
    d = tmp_path / "hand"
    d.mkdir()
    (d / "trips.csv").write_text(
        "trip_id,kind,vehicle,depart_date,arrive_date,stops,seats,load,km,cost\n"
        "X1,coach,大巴,2020-02-16,2020-02-17,湖北省恩施市;某某公司,53,1,1100,9000\n",
        "utf-8",
    )
    (d / "assignments.csv").write_text(
        f"id_number,trip_id,pickup_stop,employer_uscc\n{ids.W1},X1,湖北省恩施市,{ids.E2}\n", "utf-8"
    )
    stops = read_plan(d).trips[0].stops
    assert (stops[0].kind, stops[0].ref) == (StopKind.PICKUP, "422801")
    assert (stops[1].kind, stops[1].ref) == (StopKind.DROPOFF, "某某公司")


def test_read_plan_names_file_row_and_column_of_bad_trips(tmp_path: Path, ids) -> None:
    """A trips.csv row with too big a load, or with wrong stop kinds, is reported by file, row
    and column, each wrong stop of a row on its own."""
    d = tmp_path / "hand"
    d.mkdir()
    (d / "trips.csv").write_text(
        "trip_id,kind,vehicle,depart_date,arrive_date,stops,stop_refs,stop_kinds,seats,load,km,cost\n"
        "X1,coach,大巴,2020-02-16,2020-02-17,湖北省恩施市;某某公司,422801;E9,pickup;dropoff,53,1,1100,9000\n"
        "X2,coach,大巴,2020-02-16,2020-02-17,湖北省恩施市;某某公司,422801;E9,pickup;dropoff,53,60,1100,9000\n"
        "X3,coach,大巴,2020-02-16,2020-02-17,湖北省恩施市;某某公司,422801;E9,bus;lorry,53,1,1100,9000\n",
        "utf-8",
    )
    (d / "assignments.csv").write_text(
        f"id_number,trip_id,pickup_stop,employer_uscc\n{ids.W1},X1,湖北省恩施市,{ids.E2}\n", "utf-8"
    )
    with pytest.raises(InputError) as err:
        read_plan(d)
    text = str(err.value)
    assert "trips.csv:3: load: load 60 is more than the 53 seats" in text
    assert "trips.csv:4: stop_kinds: stop kind 'bus' is not pickup, station or dropoff" in text
    assert "trips.csv:4: stop_kinds: stop kind 'lorry' is not pickup, station or dropoff" in text
    assert "trips.csv:2:" not in text
