"""One test per checking rule of a scenario folder, on tiny inline tables."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.io import check_scenario
from planner.problems import Problem, Severity


def problems(folder: Path) -> list[Problem]:
    _, found = check_scenario(folder)
    return found


def has(
    found: list[Problem],
    file: str,
    row: int | None,
    column: str | None,
    text: str,
    severity: Severity = Severity.ERROR,
) -> bool:
    return any(
        p.file == file
        and p.row == row
        and p.column == column
        and text in p.message
        and p.severity is severity
        for p in found
    )


def edit_worker(i: int, **values: str):
    def edit(t):
        t["workers"][i].update(values)

    return edit


def edit_row(table: str, i: int, **values: str):
    def edit(t):
        t[table][i].update(values)

    return edit


# --- files -----------------------------------------------------------------------------------


def test_missing_table_file(make_scenario) -> None:
    """A table named in scenario.toml that does not exist is an error on its key."""
    d = make_scenario()
    (d / "fleet.csv").unlink()
    found = problems(d)
    assert has(found, "scenario.toml", 7, "fleet", "fleet.csv: file not found")


def test_missing_required_column(make_scenario, ids) -> None:
    """A missing required column is named with its Chinese alias."""
    rows = [{k: v for k, v in r.items() if k != "name"} for r in ids.base_tables()["workers"]]
    found = problems(make_scenario(workers=rows))
    assert has(found, "workers.csv", 1, None, "required column name [姓名] is missing")


def test_empty_file(make_scenario) -> None:
    """An empty file is one clear problem."""
    found = problems(make_scenario(employers=""))
    assert has(found, "employers.csv", None, None, "empty")


def test_binary_file(make_scenario) -> None:
    """A binary file is refused as such."""
    d = make_scenario()
    (d / "fleet.csv").write_bytes(b"\x00\x01\x02garbage\x00" * 10)
    assert has(problems(d), "fleet.csv", None, None, "binary file")


def test_html_saved_as_csv(make_scenario) -> None:
    """A web page saved as .csv is recognised."""
    found = problems(make_scenario(fleet="<!DOCTYPE html><html><body>x</body></html>"))
    assert has(found, "fleet.csv", None, None, "web page")


def test_xlsx_that_is_not_a_zip(make_scenario) -> None:
    """An .xlsx that is not a zip archive is refused with a clear message."""
    d = make_scenario(toml=None)
    (d / "fleet.xlsx").write_text("not really a workbook", "utf-8")
    toml = (d / "scenario.toml").read_text("utf-8").replace("fleet.csv", "fleet.xlsx")
    (d / "scenario.toml").write_text(toml, "utf-8")
    assert has(problems(d), "fleet.xlsx", None, None, "not a valid .xlsx")


# --- identities ------------------------------------------------------------------------------


def test_id_bad_check_digit(make_scenario, ids) -> None:
    """A wrong check digit is an error naming the cell."""
    bad = ids.W1[:-1] + ("1" if ids.W1[-1] != "1" else "2")
    found = problems(make_scenario(edit=edit_worker(0, id_number=bad)))
    assert has(found, "workers.csv", 2, "id_number", "check digit is wrong")


def test_id_wrong_length(make_scenario) -> None:
    """An ID of the wrong length is an error."""
    found = problems(make_scenario(edit=edit_worker(0, id_number="42280119900101")))
    assert has(found, "workers.csv", 2, "id_number", "14 characters, not 18")


def test_id_impossible_birth_date(make_scenario, ids) -> None:
    """An ID whose birth date does not exist (Feb 30) is an error."""
    found = problems(make_scenario(edit=edit_worker(0, id_number=ids.make_id(born="19900230"))))
    assert has(found, "workers.csv", 2, "id_number", "not a real date")


def test_id_old_birthplace_is_only_a_warning(make_scenario, ids) -> None:
    """A birthplace code that did not exist in the birth year is a warning; the scenario loads."""
    old = ids.make_id("520524", "19900101")  # 织金县 was 522425 until 2011
    scenario, found = check_scenario(make_scenario(edit=edit_worker(0, id_number=old)))
    assert has(found, "workers.csv", 2, "id_number", "was not a division in 1990", Severity.WARNING)
    assert scenario is not None and scenario.workers[0].id_number == old


def test_id_lowercase_x_normalised(make_scenario, ids) -> None:
    """A lowercase x check digit is accepted and stored upper case."""
    assert ids.W1.endswith("X")
    scenario, _found = check_scenario(make_scenario(edit=edit_worker(0, id_number=ids.W1.lower())))
    assert scenario is not None and scenario.workers[0].id_number == ids.W1


def test_id_mangled_by_excel_in_csv(make_scenario) -> None:
    """An ID that Excel turned into scientific notation is an error that says so."""
    found = problems(make_scenario(edit=edit_worker(1, id_number="5.22425E+17")))
    assert has(found, "workers.csv", 3, "id_number", "Excel turned this ID number into a number")


def test_id_rounded_by_excel_hints_at_excel(make_scenario, ids) -> None:
    """An ID whose last digits became zeros gets a hint about Excel's 15 digits."""
    found = problems(make_scenario(edit=edit_worker(1, id_number=ids.W2[:15] + "000")))
    assert has(found, "workers.csv", 3, "id_number", "Excel keeps only 15 digits")


def test_duplicate_person(make_scenario, ids) -> None:
    """The same id_number twice is an error on the second row naming the first."""
    found = problems(make_scenario(edit=edit_worker(2, id_number=ids.W1)))
    assert has(found, "workers.csv", 4, "id_number", "already on row 2")


def test_uscc_bad_checksum(make_scenario, ids) -> None:
    """A USCC with a wrong check character is an error."""
    bad = ids.E1[:-1] + ("A" if ids.E1[-1] != "A" else "B")
    found = problems(make_scenario(edit=edit_row("employers", 0, uscc=bad)))
    assert has(found, "employers.csv", 2, "uscc", "check character")


def test_duplicate_employer(make_scenario, ids) -> None:
    """The same USCC twice in employers.csv is an error on the later row."""
    found = problems(make_scenario(edit=edit_row("employers", 1, uscc=ids.E1)))
    assert has(found, "employers.csv", 3, "uscc", "already on row 2")


@pytest.mark.parametrize("phone", ["1380013800", "23800138000", "电话"])
def test_phone_must_be_mainland_mobile(make_scenario, phone: str) -> None:
    """A phone that is not an 11-digit mainland mobile is an error."""
    found = problems(make_scenario(edit=edit_worker(0, phone=phone)))
    assert has(found, "workers.csv", 2, "phone", "11-digit mainland mobile")


def test_phone_with_country_code_accepted(make_scenario) -> None:
    """+86 and separators around a mobile number are tolerated."""
    scenario, _ = check_scenario(make_scenario(edit=edit_worker(0, phone="+86 138-0013-8000")))
    assert scenario is not None and scenario.workers[0].phone == "13800138000"


# --- places ----------------------------------------------------------------------------------


def test_home_adcode_unknown(make_scenario) -> None:
    """A 6-digit code the gazetteer does not know is an error."""
    found = problems(make_scenario(edit=edit_worker(0, home_adcode="429999")))
    assert has(found, "workers.csv", 2, "home_adcode", "429999 is not a county-level")


def test_home_adcode_old_code_mapped(make_scenario) -> None:
    """An old code that maps to a current one is accepted and the current one used."""
    scenario, found = check_scenario(make_scenario(edit=edit_worker(0, home_adcode="522425")))
    assert scenario is not None, found
    assert scenario.workers[0].home_adcode == "520524"


def test_home_address_unresolvable(make_scenario) -> None:
    """An address naming no county is an error."""
    found = problems(make_scenario(edit=edit_worker(1, home_address="火星基地一号")))
    assert has(found, "workers.csv", 3, "home_address", "cannot be resolved")


def test_home_address_ambiguous_names_candidates(make_scenario) -> None:
    """An ambiguous address is an error naming the counties it could be."""
    found = problems(make_scenario(edit=edit_worker(1, home_address="朝阳区")))
    msg = next(p.message for p in found if p.column == "home_address")
    assert "ambiguous" in msg and "北京市朝阳区" in msg and "长春市朝阳区" in msg


def test_home_neither_code_nor_address(make_scenario) -> None:
    """A worker with neither home_adcode nor home_address is an error."""
    found = problems(make_scenario(edit=edit_worker(1, home_address="")))
    assert has(found, "workers.csv", 3, "home_adcode", "give home_adcode or home_address")


def test_employer_of_worker_unknown(make_scenario, ids) -> None:
    """A worker's employer_uscc that is not in employers.csv is an error."""
    other = ids.make_uscc("MA2BCDEF9")
    found = problems(make_scenario(edit=edit_worker(0, employer_uscc=other)))
    assert has(found, "workers.csv", 2, "employer_uscc", "not in employers.csv")


# --- dates -----------------------------------------------------------------------------------


def test_available_from_after_plan_to(make_scenario) -> None:
    """A worker available only after plan_to is an error."""
    found = problems(make_scenario(edit=edit_worker(0, available_from="2020-03-20")))
    assert has(found, "workers.csv", 2, "available_from", "after plan_to")


def test_needed_by_before_plan_from(make_scenario) -> None:
    """An employer needing people before plan_from is an error."""
    found = problems(make_scenario(edit=edit_row("employers", 1, needed_by="2020-02-01")))
    assert has(found, "employers.csv", 3, "needed_by", "before plan_from")


def test_impossible_calendar_date(make_scenario) -> None:
    """2020-02-30 is not a real date."""
    found = problems(make_scenario(edit=edit_worker(0, available_from="2020-02-30")))
    assert has(found, "workers.csv", 2, "available_from", "not a real date")


@pytest.mark.parametrize(
    "text", ["2020/2/16", "2020年2月16日", "2020.2.16", "20200216", "2020-02-16 00:00:00"]
)
def test_date_spellings_accepted(make_scenario, text: str) -> None:
    """Dates as Excel on Chinese Windows writes them are read."""
    scenario, found = check_scenario(make_scenario(edit=edit_worker(0, available_from=text)))
    assert scenario is not None, found
    assert scenario.workers[0].available_from.isoformat() == "2020-02-16"


def test_load_cap_to_before_from(make_scenario) -> None:
    """A load cap ending before it starts is an error."""
    toml = 'load_caps = "load_caps.csv"\n'
    d = make_scenario(
        load_caps=[
            {"from_date": "2020-03-01", "to_date": "2020-02-20", "origin": "42", "max_load": "0.5"}
        ]
    )
    (d / "scenario.toml").write_text((d / "scenario.toml").read_text("utf-8") + toml, "utf-8")
    assert has(problems(d), "load_caps.csv", 2, "to_date", "before from_date")


@pytest.mark.parametrize(
    "origin,ok",
    [("42", True), ("4228", True), ("422801", True), ("99", False), ("4", False), ("abc", False)],
)
def test_load_cap_origin_prefix(make_scenario, origin: str, ok: bool) -> None:
    """A load cap's origin must be a known 2/4/6-digit code prefix."""
    d = make_scenario(
        load_caps=[
            {
                "from_date": "2020-02-15",
                "to_date": "2020-02-29",
                "origin": origin,
                "max_load": "50%",
            }
        ]
    )
    (d / "scenario.toml").write_text(
        (d / "scenario.toml").read_text("utf-8") + 'load_caps = "load_caps.csv"\n', "utf-8"
    )
    scenario, found = check_scenario(d)
    assert (scenario is not None) is ok, found
    if ok:
        assert scenario is not None and scenario.load_caps[0].max_load == 0.5
    else:
        assert any(p.column == "origin" for p in found)


# --- numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "table,column,value,text",
    [
        ("employers", "new_hires_wanted", "-1", "0 or more"),
        ("employers", "new_hires_wanted", "many", "not a number"),
        ("employers", "new_hires_wanted", "2.5", "not a whole number"),
        ("fleet", "seats", "0", "more than 0"),
        ("fleet", "seats", "abc", "not a number"),
        ("fleet", "cost_per_km", "-8", "must not be negative"),
        ("fleet", "cost_per_km", "8.123", "two decimals"),
        ("fleet", "max_load", "1.5", "at most 1"),
        ("fleet", "max_load", "0", "more than 0"),
        ("fleet", "available", "-2", "0 or more"),
        ("fleet", "lead_days", "-1", "0 or more"),
        ("fleet", "fixed_cost", "1e309", "too large"),
        ("fleet", "seats", "1e309", "too large"),
        ("employers", "new_hires_wanted", "9999999999999", "too large"),
    ],
)
def test_bad_numbers(make_scenario, table: str, column: str, value: str, text: str) -> None:
    """Negative, fractional or non-numeric numbers are errors naming the cell."""
    found = problems(make_scenario(edit=edit_row(table, 0, **{column: value})))
    assert has(found, f"{table}.csv", 2, column, text)


def test_numbers_stored_as_text_with_decoration(make_scenario) -> None:
    """Money written as ¥1,800.00 or 1800元 and counts as 5.0 are read."""
    edit = edit_row("fleet", 0, fixed_cost="¥1,800.00", cost_per_km="8元", seats="53.0")
    scenario, found = check_scenario(make_scenario(edit=edit))
    assert scenario is not None, found
    assert scenario.fleet[0].fixed_cost_fen == 180_000 and scenario.fleet[0].seats == 53


# --- fleet and travel ------------------------------------------------------------------------


def test_fleet_kind_must_be_coach_or_train(make_scenario) -> None:
    """A fleet kind other than coach/train is an error."""
    found = problems(make_scenario(edit=edit_row("fleet", 0, kind="plane")))
    assert has(found, "fleet.csv", 2, "kind", "not one of coach, train")


def test_train_needs_origin_station(make_scenario) -> None:
    """A train without origin_station or coordinates is an error per missing field."""
    found = problems(make_scenario(edit=edit_row("fleet", 1, origin_station="", origin_lat="")))
    assert has(found, "fleet.csv", 3, "origin_station", "a train needs origin_station")
    assert has(found, "fleet.csv", 3, "origin_lat", "a train needs origin_lat")


def test_coach_needs_cost_per_km(make_scenario) -> None:
    """A coach without cost_per_km is an error."""
    found = problems(make_scenario(edit=edit_row("fleet", 0, cost_per_km="")))
    assert has(found, "fleet.csv", 2, "cost_per_km", "a coach needs cost_per_km")


def extra_stations(cell: str):
    """An edit giving the train (fleet row 1) ``cell`` as extra_stations, others blank."""

    def edit(t):
        for r in t["fleet"]:
            r["extra_stations"] = ""
        t["fleet"][1]["extra_stations"] = cell

    return edit


@pytest.mark.parametrize(
    "cell,text,zh",
    [
        ("凯里南站 26.52 107.93", "is not name@lat,lon", "格式"),
        ("凯里南站@126.52,107.93", "station 凯里南站 has '126.52,107.93'", "坐标"),
        ("凯里南站@北纬,东经", "station 凯里南站 has", "坐标"),
        ("凯里南站@26.52,107.93;凯里南站@26.52,107.93", "凯里南站 is given twice", "重复"),
        (
            "凯里南站@26.52,107.93;都匀东站@26.26,107.52;六盘水站@26.59,104.83",
            "no more than 3 stations; this row gives 4",
            "最多在 3 个站",
        ),
    ],
)
def test_extra_stations_refused_with_row_and_column(
    make_scenario, cell: str, text: str, zh: str
) -> None:
    """A train's extra_stations cell of unknown format, bad coordinates, a station twice or
    more than three boarding stations in all is an error at its row and column, in English
    and Chinese."""
    found = problems(make_scenario(edit=extra_stations(cell)))
    assert has(found, "fleet.csv", 3, "extra_stations", text)
    assert any(zh in p.text("zh") for p in found if p.column == "extra_stations")


def test_extra_station_repeating_the_origin_is_refused(make_scenario) -> None:
    """An extra station named like the train's origin_station is a duplicate."""
    folder = make_scenario()
    origin = next(
        r["origin_station"] for r in _rows(folder / "fleet.csv") if r["kind"] == "train"
    )
    found = problems(
        make_scenario(edit=extra_stations(f"{origin}@26.5,107.9"))
    )
    assert has(found, "fleet.csv", 3, "extra_stations", "is given twice")


def test_extra_stations_read_in_calling_order(make_scenario) -> None:
    """Two extra stations (full-width separators too) are read in order after the origin."""
    cell = "凯里南站＠26.52，107.93；都匀东站@26.26,107.52"
    scenario, found = check_scenario(make_scenario(edit=extra_stations(cell)))
    assert scenario is not None, found
    train = scenario.fleet[1]
    assert train.extra_stations == (("凯里南站", 26.52, 107.93), ("都匀东站", 26.26, 107.52))
    assert [s[0] for s in train.boarding_stations][1:] == ["凯里南站", "都匀东站"]


def test_travel_value_unknown(make_scenario) -> None:
    """A travel value that is not seat/own/either is an error."""
    found = problems(make_scenario(edit=edit_worker(0, travel="fly")))
    assert has(found, "workers.csv", 2, "travel", "not one of seat, own, either")


@pytest.mark.parametrize(
    "text,value",
    [("座位", "seat"), ("自行返岗", "own"), ("均可", "either"), ("OWN", "own"), ("", "seat")],
)
def test_travel_chinese_values(make_scenario, text: str, value: str) -> None:
    """Chinese travel values are accepted; blank means seat."""
    scenario, found = check_scenario(make_scenario(edit=edit_worker(0, travel=text)))
    assert scenario is not None, found
    assert str(scenario.workers[0].travel) == value


@pytest.mark.parametrize(
    "text,value",
    [
        ("是", True),
        ("否", False),
        ("Y", True),
        ("n", False),
        ("1", True),
        ("0", False),
        ("TRUE", True),
        ("", False),
    ],
)
def test_bool_spellings(make_scenario, text: str, value: bool) -> None:
    """true/false are also read as 是/否, Y/N, 1/0; blank is false."""
    scenario, _ = check_scenario(make_scenario(edit=edit_worker(0, poverty_registered=text)))
    assert scenario is not None and scenario.workers[0].poverty_registered is value


def test_bool_unknown_value(make_scenario) -> None:
    """A yes/no cell holding something else is an error."""
    found = problems(make_scenario(edit=edit_worker(0, poverty_registered="maybe")))
    assert has(found, "workers.csv", 2, "poverty_registered", "not yes or no")


# --- scenario.toml ---------------------------------------------------------------------------


def test_toml_missing_keys(make_scenario, ids) -> None:
    """Each missing required key is reported."""
    toml = "\n".join(
        line for line in ids.BASE_TOML.splitlines() if not line.startswith(("fleet", "plan_to"))
    )
    found = problems(make_scenario(toml=toml))
    assert has(found, "scenario.toml", None, "fleet", "the key fleet is missing")
    assert has(found, "scenario.toml", None, "plan_to", "the key plan_to is missing")


def test_toml_bad_date_and_order(make_scenario, ids) -> None:
    """A plan date that is not a date, and plan_to before plan_from, are errors."""
    bad = ids.BASE_TOML.replace("plan_from = 2020-02-15", 'plan_from = "2020-02-31"')
    assert has(
        problems(make_scenario(toml=bad, folder="a")),
        "scenario.toml",
        3,
        "plan_from",
        "not a real date",
    )
    order = ids.BASE_TOML.replace("plan_to = 2020-03-15", "plan_to = 2020-02-01")
    assert has(
        problems(make_scenario(toml=order, folder="b")),
        "scenario.toml",
        4,
        "plan_to",
        "before plan_from",
    )


def test_toml_destination_missing_coordinates(make_scenario, ids) -> None:
    """A destination without lat/lon is an error."""
    toml = ids.BASE_TOML.replace(", lat = 30.03, lon = 120.87", "")
    found = problems(make_scenario(toml=toml))
    assert has(found, "scenario.toml", 2, "destination", "missing lat, lon")


def test_toml_syntax_error(make_scenario) -> None:
    """Broken TOML is one problem with its line."""
    found = problems(make_scenario(toml='name = "x"\nplan_from = = 3\n'))
    assert len(found) == 1 and found[0].row == 2 and "not valid TOML" in found[0].message


def test_toml_unknown_key_is_warning(make_scenario, ids) -> None:
    """An unknown key in scenario.toml is a warning only."""
    scenario, found = check_scenario(make_scenario(toml=ids.BASE_TOML + "colour = 1\n"))
    assert scenario is not None
    assert has(found, "scenario.toml", 9, "colour", "unknown key", Severity.WARNING)


def test_folder_missing_and_not_a_folder(tmp_path: Path) -> None:
    """A missing folder or a file given as folder are problems, not exceptions."""
    assert "not found" in problems(tmp_path / "nope")[0].message
    f = tmp_path / "file.txt"
    f.write_text("x", "utf-8")
    assert "not a folder" in problems(f)[0].message
    assert "not found" in problems(tmp_path)[0].message  # no scenario.toml


# --- fixed trips -----------------------------------------------------------------------------


FIXED_TRIP = {
    "trip_id": "F1",
    "kind": "coach",
    "vehicle": "53座大客车",
    "depart_date": "2020-02-16",
    "arrive_date": "2020-02-17",
    "stops": "恩施市;绍兴甲纺织有限公司",
    "seats": "53",
    "load": "1",
    "km": "1150",
    "cost": "12000.00",
}


def _with_fixed(make_scenario, ids, assignments: list[dict[str, str]]) -> Path:
    d = make_scenario(fixed_trips=[FIXED_TRIP], fixed_assignments=assignments)
    (d / "scenario.toml").write_text(
        (d / "scenario.toml").read_text("utf-8") + 'fixed = "fixed_trips.csv"\n', "utf-8"
    )
    return d


def test_fixed_trips_loaded(make_scenario, ids) -> None:
    """Fixed trips and their people load, stops resolved by name, capacity from the fleet."""
    a = [{"id_number": ids.W1, "trip_id": "F1", "pickup_stop": "恩施市", "employer_uscc": ids.E1}]
    scenario, found = check_scenario(_with_fixed(make_scenario, ids, a))
    assert scenario is not None, found
    trip = scenario.fixed_trips[0]
    assert trip.fixed and trip.capacity == 26 and trip.cost_fen == 1_200_000
    assert [s.ref for s in trip.stops] == ["422801", ids.E1]
    assert trip.origin_adcode == "422801"
    assert scenario.fixed_assignments[0].id_number == ids.W1


def test_fixed_assignments_unknown_person_and_trip(make_scenario, ids) -> None:
    """Fixed assignments naming an unknown person or trip are errors."""
    stranger = ids.make_id("422801", "19800101", "555")
    a = [
        {"id_number": stranger, "trip_id": "F1", "pickup_stop": "恩施市", "employer_uscc": ids.E1},
        {"id_number": ids.W1, "trip_id": "F9", "pickup_stop": "恩施市", "employer_uscc": ids.E1},
    ]
    found = problems(_with_fixed(make_scenario, ids, a))
    assert has(found, "fixed_assignments.csv", 2, "id_number", "not in workers.csv")
    assert has(found, "fixed_assignments.csv", 3, "trip_id", "trip F9 is not in")


def test_employer_same_name_is_warning(make_scenario) -> None:
    """Two employers with the same name but different codes: a warning, not an error."""
    scenario, found = check_scenario(
        make_scenario(edit=edit_row("employers", 1, name="绍兴甲纺织有限公司"))
    )
    assert scenario is not None
    assert has(found, "employers.csv", 3, "name", "already on row 2", Severity.WARNING)


def test_row_errors_do_not_cascade(make_scenario, ids) -> None:
    """An employer row with a bad cell still counts as known to workers.csv (one error only)."""
    found = problems(make_scenario(edit=edit_row("employers", 0, new_hires_wanted="x")))
    assert [(p.file, p.row, p.column) for p in found] == [("employers.csv", 2, "new_hires_wanted")]


def test_problems_sorted_by_file_and_row(make_scenario) -> None:
    """Problems come file by file, in row order, whatever check found them."""

    def edit(t):
        t["workers"][2]["phone"] = "1"
        t["workers"][0]["home_adcode"] = "429999"

    found = problems(make_scenario(edit=edit))
    assert [(p.row, p.column) for p in found] == [(2, "home_adcode"), (4, "phone")]


def test_gbk_scenario_toml(make_scenario, ids) -> None:
    """A scenario.toml saved as GBK by Notepad on Chinese Windows is read."""
    d = make_scenario()
    (d / "scenario.toml").write_bytes(ids.BASE_TOML.encode("gbk"))
    scenario, found = check_scenario(d)
    assert scenario is not None and scenario.destination.name == "上虞区", found


def test_policy_problems_reported(make_scenario) -> None:
    """Problems in policy.toml (from load_policy) are part of the scenario's problems."""
    d = make_scenario()
    (d / "policy.toml").write_text('name = "x"\n[charter]\nshare = "abc"\n', "utf-8")
    found = problems(d)
    assert any(p.file == "policy.toml" and p.severity is Severity.ERROR for p in found)


def test_policy_file_missing(make_scenario) -> None:
    """A policy file named in scenario.toml that does not exist is an error on its key."""
    d = make_scenario()
    (d / "policy.toml").unlink()
    assert has(problems(d), "scenario.toml", 8, "policy", "policy.toml: file not found")


def test_table_saved_in_other_format(make_scenario, tmp_path: Path) -> None:
    """workers.csv named but only workers.xlsx present: read it, with a warning."""
    from planner.io import read_scenario_tables, write_scenario

    xlsx = write_scenario(read_scenario_tables(make_scenario()), tmp_path / "x", "xlsx")
    d = make_scenario(folder="mixed")
    (d / "workers.csv").unlink()
    (d / "workers.xlsx").write_bytes((xlsx / "workers.xlsx").read_bytes())
    scenario, found = check_scenario(d)
    assert scenario is not None and len(scenario.workers) == 3
    assert has(found, "scenario.toml", 5, "workers", "reading workers.xlsx", Severity.WARNING)


def _rows(path: Path) -> list[dict[str, str]]:
    import csv

    with path.open(encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))
