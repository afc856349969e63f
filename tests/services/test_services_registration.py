"""Registering an uploaded table into the working scenario (``planner.services.registration``):
the merge rule (a known key replaces its row, a new key is added, the fleet is replaced whole),
the problems named by the uploaded file's rows, and nothing saved while an error remains."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from stdnum.cn import ric

from planner.problems import InputError
from planner.services.registration import (
    TableUpload,
    check_upload,
    read_upload,
    register_upload,
    registered_frame,
    save_upload,
)

HEADER = "身份证号,姓名,户籍地区划代码,可出发日期\n"


def _id_number(seed: int) -> str:
    body = f"33060419900101{seed:03d}"
    return body + ric.calc_check_digit(body + "0")  # stdnum wants a placeholder check digit


def _bad(id_number: str) -> str:
    return id_number[:-1] + ("0" if id_number[-1] != "0" else "1")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A working scenario of 20 people beside its candidates' parent folder."""
    from planner.demo import write_demo

    target = tmp_path / "home" / "scenario"
    write_demo(target, n_workers=20)
    return target


def _people(folder: Path) -> pd.DataFrame:
    return registered_frame(folder, "workers").set_index("id_number")


def test_a_known_id_number_replaces_its_row_and_a_new_one_is_added(folder):
    """The upload's person already registered gets the upload's values; a new person is added;
    everyone else registered is kept."""
    before = _people(folder)
    known = before.index[0]
    new = _id_number(101)
    csv = HEADER + f"{known},改名甲,520324,2020-02-20\n{new},测试乙,520324,2020-02-21\n"
    upload = read_upload("workers", "新登记.csv", csv.encode(), folder)
    assert upload.errors == []
    save_upload(upload, folder)
    after = _people(folder)
    assert len(after) == len(before) + 1
    assert after.loc[known, "name"] == "改名甲" and after.loc[known, "home_adcode"] == "520324"
    assert after.loc[new, "available_from"] == "2020-02-21"
    assert after.drop(index=[known, new]).equals(before.drop(index=[known]))


def test_a_problem_names_the_uploaded_file_its_row_and_the_shown_column(folder):
    """A bad ID number on the file's third row is reported on that row, under the header the
    user sees; the working scenario is not touched by the check."""
    before = (folder / "workers.csv").read_bytes()
    csv = (HEADER + f"{_id_number(102)},测试甲,520324,2020-02-20\n"
           f"{_bad(_id_number(103))},测试乙,520324,2020-02-20\n")
    upload = read_upload("workers", "新登记.csv", csv.encode(), folder,
                         labels={"id_number": "身份证号"})
    assert [(p.file, p.row, p.column) for p in upload.errors] == [("新登记.csv", 3, "身份证号")]
    assert (folder / "workers.csv").read_bytes() == before


def test_a_row_added_by_hand_has_no_spreadsheet_row(folder):
    """A bad row the user added in the editor (no row number yet) is reported without one."""
    upload = TableUpload("workers", "新登记.csv", pd.DataFrame(
        {"id_number": [_id_number(104), _bad(_id_number(105))], "name": ["甲", "乙"],
         "home_adcode": ["520324", "520324"], "available_from": ["2020-02-20", "2020-02-20"]},
        index=pd.Index([2, None], dtype=object)))
    check_upload(upload, folder)
    assert [(p.file, p.row, p.column) for p in upload.errors] == [
        ("新登记.csv", None, "id_number")]


def test_a_bad_registered_row_is_named_by_the_scenario_file(folder):
    """A registered row checked again beside the upload names the scenario's file, no row."""
    people = registered_frame(folder, "workers")
    people.loc[people.index[0], "home_adcode"] = "999999"
    people.to_csv(folder / "workers.csv", index=False, encoding="utf-8-sig")
    csv = HEADER + f"{_id_number(106)},测试甲,520324,2020-02-20\n"
    upload = read_upload("workers", "新登记.csv", csv.encode(), folder)
    assert upload.errors and {(p.file, p.row) for p in upload.errors} == {("workers.csv", None)}


def test_nothing_is_saved_while_an_error_remains(folder):
    """Saving a table with an error is refused and the working scenario is unchanged."""
    before = (folder / "workers.csv").read_bytes()
    csv = HEADER + f"{_bad(_id_number(107))},测试甲,520324,2020-02-20\n"
    upload = read_upload("workers", "坏表.csv", csv.encode(), folder)
    with pytest.raises(InputError):
        save_upload(upload, folder)
    assert (folder / "workers.csv").read_bytes() == before


def test_the_fleet_is_replaced_whole(folder):
    """An edited fleet has no key: the saved fleet is the edited table, rows removed stay
    removed."""
    fleet = registered_frame(folder, "fleet")
    kept = fleet.iloc[:1].assign(available="7")
    upload = check_upload(TableUpload("fleet", "fleet.csv", kept), folder)
    assert upload.errors == []
    save_upload(upload, folder)
    saved = registered_frame(folder, "fleet")
    assert list(saved["name"]) == [fleet["name"].iloc[0]] and list(saved["available"]) == ["7"]


def test_a_table_kept_as_xlsx_is_written_back_as_csv(folder):
    """A scenario whose people are an xlsx file gets a CSV after the save, named in
    scenario.toml, and reads back with the new person."""
    from planner.io import to_xlsx
    from planner.services.registration import table_file

    to_xlsx({"workers": registered_frame(folder, "workers")}, folder / "workers.xlsx")
    (folder / "workers.csv").unlink()
    toml = folder / "scenario.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('"workers.csv"', '"workers.xlsx"'),
                    encoding="utf-8")
    csv = HEADER + f"{_id_number(108)},测试甲,520324,2020-02-20\n"
    save_upload(read_upload("workers", "新登记.csv", csv.encode(), folder), folder)
    assert table_file(folder, "workers") == "workers.csv"
    assert _id_number(108) in set(registered_frame(folder, "workers")["id_number"])


def test_registering_imports_into_the_ledger_then_saves(folder, tmp_path):
    """An operator's clean table goes into the ledger (the new person added) and then into
    the working scenario."""
    from planner.ledger import init_db
    from planner.services.auth import Role, system_actor
    from planner.services.ledger import ledger_counts

    url = init_db(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    csv = HEADER + f"{_id_number(109)},测试甲,520324,2020-02-20\n"
    upload = read_upload("workers", "新登记.csv", csv.encode(), folder)
    result = register_upload(upload, folder, system_actor(Role.OPERATOR), url=url)
    assert ledger_counts(url=url)["people"] == 21 and result.rows >= 21
    assert _id_number(109) in set(_people(folder).index)


def test_a_refused_import_saves_nothing(folder, tmp_path):
    """A user who may not import is refused, and the working scenario is unchanged."""
    from planner.ledger import init_db
    from planner.refusal import Refusal
    from planner.services.auth import Role, system_actor

    url = init_db(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    before = (folder / "workers.csv").read_bytes()
    csv = HEADER + f"{_id_number(110)},测试甲,520324,2020-02-20\n"
    upload = read_upload("workers", "新登记.csv", csv.encode(), folder)
    with pytest.raises(Refusal):
        register_upload(upload, folder, system_actor(Role.AUDITOR), url=url)
    assert (folder / "workers.csv").read_bytes() == before


# ------------------------------------------------------------- saves at the same time
def _new_person(seed: int, name: str) -> str:
    return HEADER + f"{_id_number(seed)},{name},520324,2020-02-20\n"


def test_two_tables_checked_at_once_keep_both_new_people(folder):
    """Two tables checked against the same files and saved one after the other: the second
    save is put onto the files the first one wrote, so both new people are registered."""
    first = read_upload("workers", "甲.csv", _new_person(111, "测试甲").encode(), folder)
    second = read_upload("workers", "乙.csv", _new_person(112, "测试乙").encode(), folder)
    save_upload(first, folder)
    save_upload(second, folder)
    people = _people(folder)
    assert {_id_number(111), _id_number(112)} <= set(people.index) and len(people) == 22


def test_a_person_changed_by_both_saves_refuses_the_second_naming_its_row(folder):
    """A person both tables change, with other values: the second save is refused, naming
    its file, the person's row and the column that differs; nothing of it is saved."""
    people = registered_frame(folder, "workers")
    first = check_upload(TableUpload("workers", "甲.csv",
                                     people.iloc[:1].assign(available_from="2020-02-27")),
                         folder)
    added = pd.DataFrame([{"id_number": _id_number(113), "name": "测试乙",
                           "home_adcode": "520324", "available_from": "2020-02-20"}],
                         index=pd.Index([2]))
    changed = people.iloc[:1].assign(available_from="2020-02-28").set_axis(pd.Index([3]))
    second = check_upload(TableUpload("workers", "乙.csv", pd.concat([added, changed])),
                          folder, labels={"available_from": "可出发日期"})
    save_upload(first, folder)
    saved = (folder / "workers.csv").read_bytes()
    with pytest.raises(InputError) as refused:
        save_upload(second, folder)
    assert [(p.file, p.row, p.column) for p in refused.value.problems] == [
        ("乙.csv", 3, "可出发日期")]
    assert "登记表已被他人修改" in refused.value.problems[0].text("zh")
    assert (folder / "workers.csv").read_bytes() == saved


def test_a_person_the_second_table_left_as_it_was_keeps_the_first_saves_change(folder):
    """A person the second table holds as registered at its check gives way to the first
    save's change of that person; the second table's new person is still added."""
    people = registered_frame(folder, "workers")
    first = check_upload(TableUpload("workers", "甲.csv",
                                     people.iloc[:1].assign(available_from="2020-02-27")),
                         folder)
    added = pd.DataFrame([{"id_number": _id_number(114), "name": "测试乙",
                           "home_adcode": "520324", "available_from": "2020-02-20"}],
                         index=pd.Index([None], dtype=object))
    second = check_upload(TableUpload("workers", "乙.csv",
                                      pd.concat([people.iloc[:1], added])), folder)
    save_upload(first, folder)
    save_upload(second, folder)
    after = _people(folder)
    assert after.loc[people["id_number"].iloc[0], "available_from"] == "2020-02-27"
    assert _id_number(114) in set(after.index)


def test_a_table_without_a_column_keeps_that_column_registered(folder):
    """A table of ID number, name, county and available day (no phone, address, employer or
    travel columns) changes only those cells of a registered person: the columns it lacks
    keep their registered values, unlike a blank cell, which clears."""
    before = _people(folder)
    known = before.index[0]
    csv = HEADER + f"{known},{before.loc[known, 'name']},520324,2020-02-20\n"
    upload = read_upload("workers", "短表.csv", csv.encode(), folder)
    assert upload.errors == []
    save_upload(upload, folder)
    after = _people(folder).loc[known]
    assert (after["home_adcode"], after["available_from"]) == ("520324", "2020-02-20")
    kept = [c for c in before.columns if c not in ("home_adcode", "available_from")]
    assert after[kept].equals(before.loc[known, kept])


def test_a_column_the_second_table_lacks_keeps_the_first_saves_change(folder):
    """Two tables checked at once change one person: the first their phone, the second (no
    phone column) their available day. Both saves stand: the second is compared with the
    first only on the columns it carries."""
    people = registered_frame(folder, "workers")
    first = check_upload(TableUpload("workers", "甲.csv",
                                     people.iloc[:1].assign(phone="13800001111")), folder)
    second = check_upload(TableUpload("workers", "乙.csv", people.iloc[:1].drop(
        columns=["phone"]).assign(available_from="2020-02-27")), folder)
    save_upload(first, folder)
    save_upload(second, folder)
    after = _people(folder).loc[people["id_number"].iloc[0]]
    assert (after["phone"], after["available_from"]) == ("13800001111", "2020-02-27")


def test_saving_the_people_keeps_the_employers_saved_meanwhile(folder):
    """The employers saved between the check of a people table and its save are kept: a save
    writes only the files it changes, onto the files as they are now."""
    people = read_upload("workers", "甲.csv", _new_person(115, "测试甲").encode(), folder)
    employers = registered_frame(folder, "employers")
    changed = check_upload(TableUpload("employers", "企业.csv",
                                       employers.iloc[:1].assign(new_hires_wanted="77")), folder)
    save_upload(changed, folder)
    save_upload(people, folder)
    assert registered_frame(folder, "employers")["new_hires_wanted"].iloc[0] == "77"
    assert _id_number(115) in set(_people(folder).index)


def test_a_registration_waits_for_one_under_way_and_both_reach_files_and_ledger(
        folder, db_url, monkeypatch):
    """A second registration started while the first is importing waits for it, then puts
    its person onto the first one's files: both people are in the working files and in the
    ledger (SQLite and PostgreSQL)."""
    import threading

    from planner.ledger import init_db
    from planner.services import imports
    from planner.services.auth import Role, system_actor
    from planner.services.ledger import ledger_counts

    url = init_db(db_url)
    actor = system_actor(Role.OPERATOR)
    first = read_upload("workers", "甲.csv", _new_person(116, "测试甲").encode(), folder)
    second = read_upload("workers", "乙.csv", _new_person(117, "测试乙").encode(), folder)
    failed: list[BaseException] = []

    def register_second() -> None:
        try:
            register_upload(second, folder, actor, url=url)
        except BaseException as exc:  # reported by the assertions below
            failed.append(exc)

    other = threading.Thread(target=register_second)
    finished_early: list[bool] = []

    def while_first_imports() -> None:
        if not finished_early:  # the first import only (the second one calls it too)
            other.start()
            other.join(1.5)
            finished_early.append(not other.is_alive())

    monkeypatch.setattr(imports, "before_import_commit", while_first_imports)
    register_upload(first, folder, actor, url=url)
    other.join(60)
    assert failed == [] and finished_early == [False]
    assert {_id_number(116), _id_number(117)} <= set(_people(folder).index)
    assert ledger_counts(url=url)["people"] == 22


def test_a_file_that_cannot_be_copied_leaves_ledger_and_files_as_they_were(folder, tmp_path,
                                                                            monkeypatch):
    """A registration whose file cannot be written imports nothing into the ledger, and the
    working files are unchanged: both or neither."""
    import shutil

    from planner.ledger import init_db
    from planner.services.auth import Role, system_actor
    from planner.services.ledger import ledger_counts

    url = init_db(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    before = (folder / "workers.csv").read_bytes()
    upload = read_upload("workers", "新登记.csv", _new_person(118, "测试甲").encode(), folder)

    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(shutil, "copy2", disk_full)
    with pytest.raises(OSError):
        register_upload(upload, folder, system_actor(Role.OPERATOR), url=url)
    assert ledger_counts(url=url)["people"] == 0
    assert (folder / "workers.csv").read_bytes() == before
    assert not list(folder.glob(".*.tmp"))


# ------------------------------------------------------- the ledger refusing a save
def test_a_ledger_refusal_names_the_table_its_row_and_the_shown_column(folder, ledger):
    """The ledger refusing a save (a registered person's name differs) names the user's file,
    the person's row in it and the column by the header shown — in the message too: its
    Chinese header in Chinese, its English name in English; nothing is saved."""
    from planner.io.schemas import WORKERS
    from planner.services.imports import import_path

    url, operator = ledger
    import_path("scenario", folder, operator, url=url)
    people = registered_frame(folder, "workers")
    added = pd.DataFrame([{"id_number": _id_number(119), "name": "测试乙",
                           "home_adcode": "520324", "available_from": "2020-02-20"}],
                         index=pd.Index([5]))
    renamed = people.iloc[:1].assign(name="改名甲").set_axis(pd.Index([9]))
    upload = check_upload(TableUpload("workers", "新登记.csv", pd.concat([added, renamed])),
                          folder, labels={c.name: c.zh for c in WORKERS.columns})
    assert upload.errors == []
    before = (folder / "workers.csv").read_bytes()
    with pytest.raises(InputError) as refused:
        register_upload(upload, folder, operator, url=url)
    [problem] = refused.value.problems
    assert (problem.file, problem.row, problem.column) == ("新登记.csv", 9, "姓名")
    assert "其姓名为" in problem.text("zh") and "name" not in problem.text("zh")
    assert "with name " in problem.text("en")
    assert (folder / "workers.csv").read_bytes() == before


def test_two_users_checking_then_saving_at_the_button_keep_the_first_change(folder):
    """As 登记 does it: each table is checked when uploaded and checked again when 校验并保存
    is clicked. A saves a person's new day; B, who uploaded before A saved, gives the same
    person another day: B's save is refused naming the row, and A's day stays. Saving B
    again after being told overwrites it knowingly."""
    people = registered_frame(folder, "workers")
    a = check_upload(TableUpload("workers", "甲.csv",
                                 people.iloc[:1].assign(available_from="2020-02-27")), folder)
    b = check_upload(TableUpload("workers", "乙.csv",
                                 people.iloc[:1].assign(available_from="2020-02-28")), folder)
    save_upload(check_upload(a, folder), folder)  # the button checks again, then saves
    check_upload(b, folder)  # B's button: checked again on the files A saved
    with pytest.raises(InputError) as refused:
        save_upload(b, folder)
    assert [(p.file, p.column) for p in refused.value.problems] == [("乙.csv",
                                                                     "available_from")]
    assert registered_frame(folder, "workers").iloc[0]["available_from"] == "2020-02-27"
    save_upload(check_upload(b, folder), folder)  # told, B saves again on purpose
    assert registered_frame(folder, "workers").iloc[0]["available_from"] == "2020-02-28"


def test_a_table_saved_twice_by_its_user_is_not_a_clash_with_itself(folder):
    """A user saves a table, edits the same person again and saves again: no refusal (the
    first save was theirs)."""
    people = registered_frame(folder, "workers")
    mine = check_upload(TableUpload("workers", "甲.csv",
                                    people.iloc[:1].assign(available_from="2020-02-27")), folder)
    save_upload(mine, folder)
    mine.frame = people.iloc[:1].assign(available_from="2020-02-29")
    save_upload(check_upload(mine, folder), folder)
    assert registered_frame(folder, "workers").iloc[0]["available_from"] == "2020-02-29"
