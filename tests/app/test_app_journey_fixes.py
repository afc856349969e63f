"""What the journeys found on the screens (issue 11, item 7), each fixed and checked here:
money that fits its card, trip pickers that name the trip, a map that fits the routes, one
message at a time that survives the rerun, vacancies named apart from people, one word for a
direct coach, and counts that follow an import."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from stdnum.cn import ric

from ui import fmt

TRIP_LABEL = re.compile(r"^\S+ · \S+ · \d\d-\d\d$")  # C0004 · 七星关区 · 02-22


def _url(home: Path) -> str:
    return f"sqlite:///{home / 'jobbus.sqlite'}"


def _page(sign_in, name: str, user: str = "operator"):
    at = sign_in(user)
    at.switch_page(f"app_pages/{name}.py").run()
    assert not at.exception, at.exception
    return at


def test_large_amounts_are_short_enough_for_a_card():
    """¥1,075,421.00 becomes ¥107.54万 (English ¥1.08M); amounts under 100,000 yuan stay
    whole, rounding is half up."""
    assert fmt.yuan_short(107_542_100) == "¥107.54万"
    assert fmt.yuan_short(107_542_100, "en") == "¥1.08M"
    assert fmt.yuan_short(12_345_678_900) == "¥1.23亿"
    assert fmt.yuan_short(8_625_000) == "¥86,250"
    assert fmt.yuan_short(862_512) == "¥8,625.12"
    assert fmt.yuan_short(-10_005_000) == "-¥10.01万"


@pytest.mark.parametrize(("page", "label"), [
    ("overview", "应补合计"), ("subsidies", "应补合计"),
    ("planning", "费用合计（含自行返岗补贴）")])
def test_money_cards_are_short_with_the_exact_amount_in_the_tooltip(sign_in, page, label):
    """Every money card shows the short form of the exact amount its tooltip gives."""
    at = _page(sign_in, page)
    card = next(m for m in at.metric if m.label == label)
    exact = re.match(r"精确金额：(-?)¥([\d,]+\.\d\d)", card.help)
    assert exact, card.help
    fen = int(Decimal(exact.group(2).replace(",", "")) * 100) * (-1 if exact.group(1) else 1)
    assert card.value == fmt.yuan_short(fen)
    assert len(card.value) <= 10, "fits a card at 1366 px"


def test_trip_pickers_name_the_trip_its_origin_and_day(sign_in):
    """规划's manifest picker and 跟踪's check-in and movement pickers show
    "C0004 · 七星关区 · 02-22", not bare ids."""
    planning = _page(sign_in, "planning")
    tracking = _page(sign_in, "tracking")
    pickers = [planning.selectbox(key="plan_trip"), tracking.selectbox(key="trk_trip"),
               tracking.selectbox(key="trk_mv_trip")]
    for picker in pickers:
        assert picker.options and all(TRIP_LABEL.match(o) for o in picker.options), (
            picker.key, picker.options[:3])


def _two_trip_plan():
    from planner.domain.model import Place, Plan, PlanSummary, Stop, StopKind, Trip, VehicleKind

    far = (Stop(StopKind.PICKUP, "正安县", "520324", 28.55, 107.45),
           Stop(StopKind.DROPOFF, "甲企业", "91330604MA20EUXP3H", 30.09, 120.91))
    near = (Stop(StopKind.STATION, "绍兴北站", "绍兴北", 30.05, 120.58),
            Stop(StopKind.DROPOFF, "乙企业", "91330604MA20EUXP3H", 30.09, 120.91))
    trips = tuple(Trip(i, VehicleKind.COACH, "53座大客车", dt.datetime(2020, 2, 20, 6),
                       dt.datetime(2020, 2, 21, 18), stops, 53, 26, 1, 100.0, 100_000)
                  for i, stops in (("C0001", far), ("C0002", near)))
    plan = Plan(trips, (), (), (), (), PlanSummary(2, 0, 200_000, 190_000, 0.05, 0, 1.0))
    return plan, Place("上虞区", 30.03, 120.87)


def test_map_fits_the_routes_and_zooms_to_the_picked_trip():
    """The map shows the plan's routes (not all of China), and a picked trip fills the view."""
    from ui.maps import CHINA_VIEW, plan_deck

    plan, hub = _two_trip_plan()
    whole = plan_deck(plan, hub).initial_view_state
    assert whole.zoom > CHINA_VIEW[2]
    assert 107.45 < whole.longitude < 120.91 and 28.55 < whole.latitude < 30.09
    picked = plan_deck(plan, hub, highlight="C0002").initial_view_state
    assert picked.zoom > whole.zoom + 3
    assert 120.58 <= picked.longitude <= 120.91


def _id_number(seed: int) -> str:
    body = f"33060419900101{seed:03d}"
    return body + ric.calc_check_digit(body + "0")


def test_a_save_after_an_error_shows_only_the_save(sign_in):
    """Registration: a table with an error, fixed and saved, shows the green 已保存… alone —
    the red banner of the error before it is gone."""
    fixed = _id_number(131)
    bad = fixed[:-1] + ("0" if fixed[-1] != "0" else "1")
    csv = f"身份证号,姓名,户籍地区划代码,可出发日期\n{bad},测试丙,520324,2020-02-20\n"
    at = _page(sign_in, "registration")
    at.file_uploader(key="reg_file_workers").upload("再登记.csv", csv.encode("utf-8"),
                                                    "text/csv").run()
    assert at.error, "the bad ID number is reported first"
    at.session_state["reg_editor_workers"] = {
        "edited_rows": {0: {"身份证号": fixed}}, "added_rows": [], "deleted_rows": []}
    at.button(key="reg_save_workers").click().run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == []
    assert [s.value for s in at.success if "已保存并导入台账" in s.value]


def test_a_save_counts_the_rows_of_its_table_not_of_the_scenario(sign_in):
    """Saving a two-row upload says 本表 2 行 and the two people the ledger gained, not the
    rows of the whole scenario (people, employers and all) that the ledger imported."""
    csv = ("身份证号,姓名,户籍地区划代码,可出发日期\n"
           f"{_id_number(141)},测试丁,520324,2020-02-20\n"
           f"{_id_number(142)},测试戊,520324,2020-02-20\n")
    at = _page(sign_in, "registration")
    at.file_uploader(key="reg_file_workers").upload("两人.csv", csv.encode("utf-8"),
                                                    "text/csv").run()
    at.button(key="reg_save_workers").click().run()
    assert not at.exception, at.exception
    assert any(s.value.startswith("已保存并导入台账：本表 2 行，新增 2 人，") for s in at.success)


def test_a_second_save_of_an_overlapping_table_counts_what_it_did(sign_in, env_home):
    """Beside 校验并保存 the page says that saving adds to the register; a second save of a
    table overlapping the first says 1 person added, 1 (a new date) updated, 1 the same, and
    everyone else registered kept."""
    from planner.services.registration import registered_frame

    row = "{},{},520324,{}\n"
    first = ("身份证号,姓名,户籍地区划代码,可出发日期\n"
             + row.format(_id_number(161), "测试庚", "2020-02-20")
             + row.format(_id_number(162), "测试辛", "2020-02-20"))
    second = ("身份证号,姓名,户籍地区划代码,可出发日期\n"
              + row.format(_id_number(161), "测试庚", "2020-02-20")
              + row.format(_id_number(162), "测试辛", "2020-02-23")
              + row.format(_id_number(163), "测试壬", "2020-02-20"))
    at = _page(sign_in, "registration")
    at.file_uploader(key="reg_file_workers").upload("第一次.csv", first.encode("utf-8"),
                                                    "text/csv").run()
    assert any("保存是并入，不会删除已登记的人员" in c.value for c in at.caption)
    at.button(key="reg_save_workers").click().run()
    registered = len(registered_frame(env_home / "scenario", "workers"))
    at.file_uploader(key="reg_file_workers").upload("第二次.csv", second.encode("utf-8"),
                                                    "text/csv").run()
    at.button(key="reg_save_workers").click().run()
    assert not at.exception, at.exception
    assert (f"已保存并导入台账：本表 3 行，新增 1 人，按本表更新 1 人，与原登记相同 1 人；"
            f"本表以外已登记的 {registered - 2:,} 人保留不变。") in [s.value for s in at.success]


def test_a_success_message_survives_the_rerun(sign_in):
    """Settings: adding a user reruns the page (the list shows the user) and the message
    "已新增用户 …" is still there to read."""
    at = _page(sign_in, "settings", "admin")
    at.text_input(key="set_new_name").input("duty-officer")
    at.text_input(key="set_new_password").input("secret-pass-9")
    at.button(key="set_add_user_submit").click().run()
    assert not at.exception, at.exception
    assert "已新增用户 duty-officer。" in [s.value for s in at.success]
    users = next(d.value for d in at.dataframe if "用户名" in d.value.columns)
    assert "duty-officer" in list(users["用户名"])


def test_vacancies_are_named_apart_from_people_not_served(sign_in):
    """规划 lists people it could not seat as 未能安排 and employers' unfilled posts as
    空缺岗位, never the posts as 未能安排."""
    at = _page(sign_in, "planning")
    labels = [e.label for e in at.expander]
    assert any(label.startswith("未能安排（") for label in labels), labels
    vacancies = [label for label in labels if label.startswith("空缺岗位")]
    assert vacancies and "未能安排" not in vacancies[0]


def test_one_word_for_a_direct_coach():
    """The Chinese catalogue says 直达大巴 everywhere, never 大巴直达."""
    from ui.i18n import catalogue

    values = [str(v) for v in catalogue("zh").values()]
    assert any("直达大巴" in v for v in values)
    assert not any("大巴直达" in v for v in values)


def test_overview_counts_follow_an_import(sign_in, env_home):
    """总览's 已到岗 count goes up at the next rerun after an arrival is imported elsewhere
    (the CLI, another user): its cached reads follow the ledger."""
    from planner.services import ledger
    from planner.services import tracking as reads
    from planner.services.auth import Role, User

    url = _url(env_home)
    at = _page(sign_in, "overview")
    before = next(m for m in at.metric if m.label == "已到岗").value
    last = reads.last_day(url)
    person = reads.missing(url, last).iloc[-1]
    path = env_home / "one-arrival.csv"
    path.write_text("id_number,employer_uscc,arrived_on,trip_id\n"
                    f"{person.id_number},{person.employer_uscc},{last},{person.trip_id}\n",
                    encoding="utf-8")
    ledger.import_path("arrivals", path, User("operator", Role.OPERATOR), url=url)
    at.run()
    after = next(m for m in at.metric if m.label == "已到岗").value
    assert int(after.replace(",", "")) == int(before.replace(",", "")) + 1


def _index_locked(at, key: str) -> bool:
    import json

    editor = next(d for d in at.dataframe if d.key == key)
    return json.loads(editor.proto.columns or "{}").get("_index", {}).get("disabled") is True


def test_the_row_number_column_of_the_editors_is_read_only(sign_in):
    """在此修改 (登记) and the fleet editor (设置 · 运力): 行 is the spreadsheet's row number,
    shown but not editable; the other columns stay editable."""
    csv = f"身份证号,姓名,户籍地区划代码,可出发日期\n{_id_number(151)},测试己,520324,2020-02-20\n"
    at = _page(sign_in, "registration")
    at.file_uploader(key="reg_file_workers").upload("一人.csv", csv.encode("utf-8"),
                                                    "text/csv").run()
    assert not at.exception, at.exception
    assert _index_locked(at, "reg_editor_workers")
    at = _page(sign_in, "settings")  # the operator edits the fleet
    assert _index_locked(at, "set_fleet_editor")


def test_changing_a_role_stays_on_the_users_tab(sign_in, env_home):
    """设置: after 修改角色 the page reruns with its message above the tabs and still opens
    用户与角色, not the first tab (补贴政策)."""
    _user(env_home, "tab-clerk", "reviewer")
    at = _users_tab(sign_in)
    at.selectbox(key="set_user_pick").select("tab-clerk").run()
    at.selectbox(key="set_user_role_tab-clerk").select("auditor").run()
    at.button(key="set_user_role_save").click().run()
    assert not at.exception, at.exception
    assert [s.value for s in at.success if "tab-clerk" in s.value]
    tabs = at.get_by_key("set_tabs")
    assert at.session_state["set_tabs"] == "用户与角色"
    assert tabs.proto.tab_container.default_tab_index == 2, tabs.proto


def _user(home, name: str, role: str) -> None:
    """A user of its own for a test that changes users (others may rely on the demo's)."""
    import contextlib

    from planner.services.auth import add_user
    from tests.app.conftest import PASSWORD

    with contextlib.suppress(ValueError):  # made by an earlier test of this session
        add_user(name, PASSWORD, role, url=f"sqlite:///{home / 'jobbus.sqlite'}")


def _users_tab(sign_in):
    at = _page(sign_in, "settings", "admin")
    at.session_state["set_tabs"] = "用户与角色"  # as a click on the tab does
    at.run()
    return at


def test_role_picker_starts_at_the_users_own_role(sign_in, env_home):
    """修改角色 shows the picked user's current role, and the button waits for another one."""
    _user(env_home, "role-clerk", "finance")
    at = _users_tab(sign_in)
    at.selectbox(key="set_user_pick").select("role-clerk").run()
    assert at.selectbox(key="set_user_role_role-clerk").value == "finance"
    assert at.button(key="set_user_role_save").disabled


def test_disabling_a_user_says_so(sign_in, env_home):
    """停用该用户 reruns with a message naming the user and what happens to their session."""
    _user(env_home, "gone-clerk", "operator")
    at = _users_tab(sign_in)
    at.selectbox(key="set_user_pick").select("gone-clerk").run()
    at.button(key="set_user_active").click().run()
    assert not at.exception, at.exception
    assert any("已停用用户 gone-clerk" in s.value for s in at.success)
    at.button(key="set_user_active").click().run()  # and enabled again
    assert any("已启用用户 gone-clerk" in s.value for s in at.success)
