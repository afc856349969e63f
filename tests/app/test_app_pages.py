"""AppTest of every screen (Chinese by default): each loads without an exception for every
role, and its main widgets act (driven by key) through the real services on a small seeded
ledger."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from stdnum.cn import ric

from tests.app.conftest import finish_plan_run

PAGES = ["overview", "registration", "planning", "tracking", "subsidies", "settings"]


def _url(home) -> str:
    return f"sqlite:///{home / 'jobbus.sqlite'}"


def _messages(at) -> str:
    return " ".join(str(e.value) for kind in ("success", "error", "info", "warning")
                    for e in getattr(at, kind))


@pytest.mark.parametrize(
    "role", ["admin", "operator", "reviewer", "approver", "finance", "auditor"])
def test_every_page_loads_for_every_role(sign_in, role):
    """Each role opens every screen with a title and no exception (what a role may not do is
    hidden, not an error)."""
    at = sign_in(role)
    titles = []
    for page in PAGES:
        at.switch_page(f"app_pages/{page}.py").run()
        assert not at.exception, (page, at.exception)
        titles.append(at.title[0].value)
    assert titles == [
        "返岗总览", "人员与企业登记", "车次规划", "到岗跟踪", "补贴申领与拨付", "设置"]


def test_wrong_password_is_refused(env_home):
    """A wrong password keeps the login form and says so; nobody is signed in."""
    from streamlit.testing.v1 import AppTest

    app = Path(__file__).resolve().parents[2] / "app.py"
    at = AppTest.from_file(str(app), default_timeout=60).run()
    at.text_input(key="login_username").input("admin")
    at.text_input(key="login_password").input("not-the-password")
    at.button(key="login_submit").click().run()
    assert "user" not in at.session_state
    assert "用户名或密码不正确" in at.error[0].value


def test_single_sign_on_is_offered_only_when_configured(env_home):
    """Without an [auth] secret there is only the local form; with one, a second button
    offers the identity provider (optional, never the default)."""
    from streamlit.testing.v1 import AppTest

    app = Path(__file__).resolve().parents[2] / "app.py"
    plain = AppTest.from_file(str(app), default_timeout=60).run()
    assert [b.key for b in plain.button] == ["login_submit"]
    sso = AppTest.from_file(str(app), default_timeout=60)
    sso.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback",
                           "cookie_secret": "x" * 32, "client_id": "id",
                           "client_secret": "secret",
                           "server_metadata_url": "https://idp.example/.well-known/openid"}
    sso.run()
    assert {b.key for b in sso.button} == {"login_submit", "login_sso"}


def test_sidebar_shows_role_and_logout_signs_out(sign_in):
    """The sidebar names the user and role; logging out brings the login form back."""
    at = sign_in("finance")
    assert any("财务" in m.value for m in at.sidebar.markdown)
    at.sidebar.button(key="logout").click().run()
    assert "user" not in at.session_state
    assert at.text_input(key="login_password")


def test_english_is_selectable(sign_in):
    """With English picked, every screen opens in English with no exception."""
    at = sign_in("operator", lang="en")
    titles = []
    for page in PAGES:
        at.switch_page(f"app_pages/{page}.py").run()
        assert not at.exception, (page, at.exception)
        titles.append(at.title[0].value)
    assert titles == ["Overview", "People and employers", "Trip planning", "Arrivals",
                      "Subsidy claims and payments", "Settings"]


def test_english_trips_table_shows_progress_and_counts_apart(sign_in):
    """In English the arrivals page's trips table has both the check-in progress column (a
    share, drawn as a bar) and the "25 / 26" column: their names differ, so neither replaces
    the other (before, both were "Checked in" and the bar column held the "25 / 26" text)."""
    from ui.i18n import catalogue

    at = sign_in("operator", lang="en")
    at.switch_page("app_pages/tracking.py").run()
    assert not at.exception, at.exception
    english = catalogue("en")
    progress, counts = english["tracking.progress"], english["tracking.checked_in"]
    table = next(d.value for d in at.dataframe if counts in d.value.columns)
    assert progress in table.columns and progress != counts, list(table.columns)
    assert table[progress].between(0.0, 1.0).all()
    assert table[counts].str.fullmatch(r"\d+ / \d+").all()


def test_overview_as_of_slider_moves_the_timeline(sign_in, env_home):
    """Moving the day on the overview counts the trips under way on that day."""
    from planner.services import tracking as ledger_reads

    trips = ledger_reads.trips(_url(env_home), dt.date(2000, 1, 1))
    moving = trips[trips["depart_date"] < trips["arrive_date"]].iloc[0]
    at = sign_in("auditor")
    assert [m.label for m in at.metric][:3] == ["登记人数", "已到岗", "车次"]
    at.slider(key="ov_as_of").set_value(moving["depart_date"]).run()
    assert not at.exception, at.exception
    line = next(m.value for m in at.markdown if "在途车次" in m.value)
    assert moving["depart_date"].isoformat() in line and not line.endswith("：0 个")


def _id_number(seed: int) -> str:
    body = f"33060419900101{seed:03d}"
    return body + ric.calc_check_digit(body + "0")  # stdnum wants a placeholder check digit


def test_registration_lists_problems_then_saves_the_fixed_table(sign_in, env_home):
    """An upload with a bad ID number lists the problem (file, row, column); fixed in the
    editor it is checked again and saved into the scenario and the ledger."""
    from planner.services.ledger import ledger_counts

    good, fixed = _id_number(101), _id_number(102)
    bad = fixed[:-1] + ("0" if fixed[-1] != "0" else "1")
    csv = ("身份证号,姓名,户籍地区划代码,可出发日期\n"
           f"{good},测试甲,520324,2020-02-20\n{bad},测试乙,520324,2020-02-20\n")
    at = sign_in("operator")
    at.switch_page("app_pages/registration.py").run()
    at.file_uploader(key="reg_file_workers").upload("新登记.csv", csv.encode("utf-8"),
                                                    "text/csv").run()
    assert not at.exception, at.exception
    problems = at.session_state["reg_upload_workers"].errors
    assert [(p.file, p.row, p.column) for p in problems] == [("新登记.csv", 3, "身份证号")]
    people_before = ledger_counts(url=_url(env_home))["people"]

    at.session_state["reg_editor_workers"] = {
        "edited_rows": {1: {"身份证号": fixed}}, "added_rows": [], "deleted_rows": []}
    at.button(key="reg_save_workers").click().run()
    assert not at.exception, at.exception
    assert "已保存并导入台账" in _messages(at)
    assert ledger_counts(url=_url(env_home))["people"] == people_before + 2
    workers = (env_home / "scenario" / "workers.csv").read_text(encoding="utf-8-sig")
    assert fixed in workers and good in workers


def test_registration_editor_speaks_chinese_and_saves_it(sign_in, env_home):
    """An uploaded table's yes/no and travel cells read 是/否 and 统一乘车/自行返岗 in the
    editor, and the table checks clean as shown."""
    csv = ("身份证号,姓名,户籍地区划代码,可出发日期,建档立卡,出行方式\n"
           f"{_id_number(103)},测试丙,520324,2020-02-20,yes,own\n"
           f"{_id_number(104)},测试丁,520324,2020-02-20,false,seat\n")
    at = sign_in("operator")
    at.switch_page("app_pages/registration.py").run()
    at.file_uploader(key="reg_file_workers").upload("是否.csv", csv.encode("utf-8"),
                                                    "text/csv").run()
    assert not at.exception, at.exception
    assert not at.session_state["reg_upload_workers"].errors
    frame = at.data_editor(key="reg_editor_workers").value
    assert list(frame["建档立卡"]) == ["是", "否"]
    assert list(frame["出行方式"]) == ["自行返岗", "统一乘车"]


def test_registration_saves_nothing_while_errors_remain(sign_in, env_home):
    """Pressing save with an error left changes neither the scenario nor the ledger."""
    from planner.services.ledger import ledger_counts

    csv = "身份证号,姓名,户籍地区划代码\n123,无效,999999\n"
    at = sign_in("operator")
    at.switch_page("app_pages/registration.py").run()
    at.file_uploader(key="reg_file_workers").upload("坏表.csv", csv.encode(), "text/csv").run()
    before = (env_home / "scenario" / "workers.csv").read_bytes()
    people = ledger_counts(url=_url(env_home))["people"]
    at.button(key="reg_save_workers").click().run()
    assert not at.exception, at.exception
    assert at.session_state["reg_upload_workers"].errors
    assert (env_home / "scenario" / "workers.csv").read_bytes() == before
    assert ledger_counts(url=_url(env_home))["people"] == people


def _saved_plan(at, env_home):
    """The plan the page shows (saved in the ledger), loaded back from the ledger."""
    from planner.services.plans import load_plan

    return load_plan(at.session_state["plan_pick"], _url(env_home))


def test_planning_runs_shows_a_manifest_and_replans_with_locks(sign_in, env_home):
    """The planner runs from the screen and its plan is saved; a trip's manifest lists its
    people, and a re-plan with a locked trip keeps that trip (same id) as a second plan."""
    at = sign_in("operator")
    at.switch_page("app_pages/planning.py").run()
    at.number_input(key="plan_time_limit").set_value(8)
    at.button(key="plan_run").click().run()
    finish_plan_run(at, "operator")
    first_id = at.session_state["plan_pick"]
    first = _saved_plan(at, env_home)
    trips = at.selectbox(key="plan_trip")
    trips.select_index(0).run()
    manifests = [d.value for d in at.dataframe if "身份证号" in d.value.columns]
    assert manifests and len(manifests[0]) == first.trips[0].load
    assert [b.label for b in at.get("download_button")][:2] == [
        "下载派车单（xlsx）", "下载乘车名单（xlsx）"]

    locked = first.trips[0].trip_id
    at.multiselect(key="plan_lock").select(locked).run()
    at.button(key="plan_replan").click().run()
    finish_plan_run(at, "operator")
    assert at.session_state["plan_pick"] != first_id
    second = _saved_plan(at, env_home)
    kept = next(t for t in second.trips if t.trip_id == locked)
    assert kept.fixed and kept.load == first.trips[0].load
    assert any("安排乘车人数" in list(d.value.index) for d in at.dataframe)


def test_planning_wait_limit_reaches_the_planner(sign_in, env_home):
    """The longest-wait setting on the screen is the one the plan keeps: with a 0-day limit,
    nobody carried leaves later than the day they were ready."""
    from planner.io import load_scenario

    at = sign_in("operator")
    at.switch_page("app_pages/planning.py").run()
    at.number_input(key="plan_time_limit").set_value(8)
    at.number_input(key="plan_max_wait").set_value(0)
    at.button(key="plan_run").click().run()
    finish_plan_run(at, "operator")
    plan = _saved_plan(at, env_home)
    from planner.validation import check_wait_limit

    assert check_wait_limit(load_scenario(env_home / "scenario"), plan, 0) == []


def test_tracking_checks_a_person_in(sign_in, env_home):
    """Ticking a missing person on the manifest and saving records their arrival."""
    from planner.services import tracking as ledger_reads

    url = _url(env_home)
    day = ledger_reads.last_day(url)
    missing = ledger_reads.missing(url, day)
    assert not missing.empty, "the demo leaves someone missing"
    person = missing.iloc[0]
    lines = ledger_reads.manifest(url, person["trip_id"])
    row = int(lines.index[lines["id_number"] == person["id_number"]][0])

    at = sign_in("operator")
    at.switch_page("app_pages/tracking.py").run()
    at.selectbox(key="trk_trip").select(person["trip_id"]).run()
    at.session_state["trk_checkin"] = {
        "edited_rows": {row: {"已到岗": True}}, "added_rows": [], "deleted_rows": []}
    at.run()
    at.button(key="trk_save").click().run()
    assert not at.exception, at.exception
    after = ledger_reads.manifest(url, person["trip_id"])
    arrived = after.loc[after["id_number"] == person["id_number"], "arrived_on"].iloc[0]
    assert arrived == ledger_reads.check_in_day(url, person["trip_id"])
    assert "已登记到岗 1 人" in _messages(at)
    assert len(ledger_reads.missing(url, day)) == len(missing) - 1
    assert at.tabs[3].label == f"未到岗人员（{len(missing) - 1}）"


def test_tracking_undoes_a_check_in(sign_in, env_home):
    """Unticking a checked-in person and clicking undo asks for a reason and undoes nothing
    without one; with a reason their arrival no longer counts, audited with it."""
    from planner.services import ledger
    from planner.services import tracking as ledger_reads

    url = _url(env_home)
    lines = ledger_reads.manifest(url)
    person = lines[lines["arrived_on"].notna()].iloc[0]
    trip_lines = ledger_reads.manifest(url, person["trip_id"])
    row = int(trip_lines.index[trip_lines["id_number"] == person["id_number"]][0])
    at = sign_in("operator")
    at.switch_page("app_pages/tracking.py").run()
    at.selectbox(key="trk_trip").select(person["trip_id"]).run()
    at.session_state["trk_checkin"] = {
        "edited_rows": {row: {"已到岗": False}}, "added_rows": [], "deleted_rows": []}
    at.run()
    at.button(key="trk_undo").click().run()
    assert not at.exception, at.exception
    assert "请先写明撤销原因" in _messages(at)
    still = ledger_reads.manifest(url, person["trip_id"]).set_index("id_number")
    assert still.loc[person["id_number"], "arrived_on"] is not None
    at.text_input(key="trk_undo_reason").input("勾错了人").run()
    at.button(key="trk_undo").click().run()
    assert not at.exception, at.exception
    after = ledger_reads.manifest(url, person["trip_id"]).set_index("id_number")
    assert after.loc[person["id_number"], "arrived_on"] is None
    assert "已撤销 1 人的到岗登记" in _messages(at)
    log = ledger.audit_log("check_in", f"{person['id_number']}|{person['trip_id']}",
                           url=url).iloc[-1]
    assert (log["action"], log["after"]["withdraw_reason"]) == ("undo_check_in", "勾错了人")


def test_tracking_withdraws_a_trips_last_movement(sign_in, env_home):
    """An operator picks a trip on 记录车次动态, records its departure and gets 撤销 under
    it: 确认 without a reason withdraws nothing, with one the departure no longer counts and
    the audit log holds the operator and the reason."""
    from planner.services import ledger
    from planner.services import tracking as ledger_reads

    url = _url(env_home)
    trips = ledger_reads.trips(url, dt.date.max)
    trip = str(trips.loc[~trips["recorded"] & (trips["status"] != "cancelled"),
                         "trip_id"].iloc[0])
    at = sign_in("operator")
    at.switch_page("app_pages/tracking.py").run()
    at.selectbox(key="trk_mv_trip").select(trip).run()
    assert "trk_withdraw" not in {b.key for b in at.button}  # nothing recorded yet
    at.button(key="trk_mv_save").click().run()  # 已出发, the form's first event
    assert ledger_reads.trips(url, dt.date.max).set_index("trip_id").at[trip, "recorded"]
    at.button(key="trk_withdraw").click().run()
    assert "撤销车次" in _messages(at) and trip in _messages(at)
    at.button(key="trk_wd_yes").click().run()
    assert not at.exception, at.exception
    assert "请先写明撤销原因" in _messages(at)
    assert ledger_reads.trips(url, dt.date.max).set_index("trip_id").at[trip, "recorded"]
    at.text_input(key="trk_wd_reason").input("记错车次了").run()
    at.button(key="trk_wd_yes").click().run()
    assert not at.exception, at.exception
    assert not ledger_reads.trips(url, dt.date.max).set_index("trip_id").at[trip, "recorded"]
    assert "已撤销车次" in _messages(at)
    assert "trk_withdraw" not in {b.key for b in at.button}
    last = ledger.audit_log("trip", trip, url=url).iloc[-1]
    assert (last["actor"], last["action"], last["after"]["note"]) == (
        "operator", "withdraw_departed", "记错车次了")


def test_tracking_records_a_cancellation_and_reseats(sign_in, env_home):
    """Cancelling a trip in the app makes it 已取消 and lists its people 待改派; one of them
    sent to self-return leaves the list."""
    from planner.services import movements
    from planner.services import tracking as ledger_reads
    from planner.services.auth import Role, system_actor

    url = _url(env_home)
    day = ledger_reads.last_day(url)
    trips = ledger_reads.trips(url, day)
    # a trip nothing was recorded on, to this day (other tests of the session move trips in
    # this ledger, a leader's 已出发 dated now: one that departed cannot be cancelled)
    from planner import clock

    now = ledger_reads.trips(url, clock.today()).set_index("trip_id")["status"]
    idle = trips[(trips["on_manifest"] > 0) & (trips["status"] == "planned")
                 & (trips["trip_id"].map(now) == "planned")]
    trip = idle.sort_values(["arrived", "trip_id"]).iloc[0]
    lines = ledger_reads.manifest(url, trip["trip_id"])
    for id_number in lines.loc[lines["arrived_on"].notna(), "id_number"]:
        # a trip anyone arrived on cannot be cancelled: these check-ins were wrong
        movements.undo_check_in(id_number, trip["trip_id"], "登记错了",
                                system_actor(Role.OPERATOR), url=url)
    at = sign_in("operator")
    at.switch_page("app_pages/tracking.py").run()
    at.selectbox(key="trk_mv_trip").select(trip["trip_id"]).run()
    at.selectbox(key="trk_mv_event").select("cancelled").run()
    at.date_input(key="trk_mv_day").set_value(trip["depart_date"]).run()
    at.text_input(key="trk_mv_note").input("车辆故障").run()
    at.button(key="trk_mv_save").click().run()
    assert not at.exception, at.exception
    after = ledger_reads.trips(url, day).set_index("trip_id").loc[trip["trip_id"]]
    assert (after["status"], after["note"]) == ("cancelled", "车辆故障"), _messages(at)
    assert "已记录：车次" in _messages(at)
    waiting = ledger_reads.to_reseat(url, day)
    assert len(waiting) == trip["on_manifest"]
    at.session_state["trk_reseat_pick"] = {
        "edited_rows": {0: {"选择": True}}, "added_rows": [], "deleted_rows": []}
    at.run()
    at.button(key="trk_reseat").click().run()
    assert not at.exception, at.exception
    assert len(ledger_reads.to_reseat(url, day)) == len(waiting) - 1
    assert "已改派 1 人" in _messages(at)


def test_reviewer_reviews_a_draft_claim(sign_in, env_home):
    """A reviewer picks a draft claim and marks it reviewed; the ledger records it."""
    from planner.services.ledger import list_claims

    url = _url(env_home)
    draft = int(list_claims("draft", url=url)["claim_id"].iloc[0])
    at = sign_in("reviewer")
    at.switch_page("app_pages/subsidies.py").run()
    at.selectbox(key="sub_state").select("draft").run()
    at.multiselect(key="sub_selected").select(draft).run()
    assert any("依据" in e.label for e in at.expander)
    at.button(key="sub_do_review").click().run()
    assert not at.exception, at.exception
    claims = list_claims(url=url).set_index("claim_id")
    assert claims.loc[draft, "state"] == "reviewed"
    assert "审核通过：1 条" in _messages(at)


def test_finance_imports_bank_results(sign_in, env_home, tmp_path):
    """Finance uploads the bank's file: a payment reported paid marks its claim paid, and the
    same file again changes nothing."""
    from planner.services.ledger import list_claims

    url = _url(env_home)
    claims = list_claims(url=url)
    # the seeded failed payment, or its re-issue if a payment batch took it since
    failed = claims[claims["payment_status"].isin(["failed", "pending"])
                    & (claims["state"] == "notice_done")].iloc[0]
    csv = ("payment_id,status,paid_on,amount\n"
           f"{failed['payment_id']},paid,2020-04-30,{int(failed['amount_fen']) / 100:.2f}\n")
    at = sign_in("finance")
    at.switch_page("app_pages/subsidies.py").run()
    at.file_uploader(key="sub_bank_file").upload("银行回单.csv", csv.encode(), "text/csv").run()
    at.button(key="sub_bank_import").click().run()
    assert not at.exception, at.exception
    assert "已导入" in _messages(at)
    after = list_claims(url=url).set_index("claim_id")
    assert after.loc[int(failed["claim_id"]), "state"] == "paid"


def test_finance_imports_a_bank_file_dated_today_under_the_2020_policy(sign_in, env_home):
    """The demo's policy ran in 2020, but the bank pays an approved claim today: a bank file
    dated today is imported through the page (as 登记已支付 records a payment today), not
    refused by the policy's dates."""
    from planner import clock
    from planner.services import payments
    from planner.services.auth import Role, system_actor
    from planner.services.ledger import list_claims

    url = _url(env_home)
    claims = list_claims("notice_done", url=url)
    waiting = claims[claims["payment_id"].isna() & ~claims["needs_review"].astype(bool)]
    claim = int(waiting["claim_id"].iloc[0])
    (payment,) = payments.issue_payments([claim], system_actor(Role.FINANCE), url=url)
    amount = int(waiting.set_index("claim_id").loc[claim, "amount_fen"])
    csv = ("支付编号,状态,支付日期,金额\n"
           f"{payment},已支付,{clock.today().isoformat()},{amount / 100:.2f}\n")
    at = sign_in("finance")
    at.switch_page("app_pages/subsidies.py").run()
    at.file_uploader(key="sub_bank_file").upload("银行回单.csv", csv.encode(), "text/csv").run()
    at.button(key="sub_bank_import").click().run()
    assert not at.exception, at.exception
    assert "已导入" in _messages(at), _messages(at)
    after = list_claims(url=url).set_index("claim_id")
    assert (after.loc[claim, "state"], after.loc[claim, "paid_on"]) == ("paid", clock.today())


def test_auditor_sees_claims_but_no_actions(sign_in):
    """The read-only auditor sees the claims and exports but no workflow buttons."""
    at = sign_in("auditor")
    at.switch_page("app_pages/subsidies.py").run()
    keys = {b.key for b in at.button}
    assert not {k for k in keys if k and k.startswith("sub_do_")}
    assert "sub_compute" not in keys
    assert {b.key for b in at.get("download_button")} >= {"sub_export_finance"}


def test_operator_recomputes_claims(sign_in):
    """Computing the claims again reports what changed and keeps the page whole."""
    at = sign_in("operator")
    at.switch_page("app_pages/subsidies.py").run()
    at.button(key="sub_compute").click().run()
    assert not at.exception, at.exception
    assert "计算完成" in _messages(at)


def test_admin_adds_a_user_and_saves_a_policy_version(sign_in, env_home):
    """The administrator adds a user through the form and saves an edited policy as a new
    active version."""
    from planner.services.auth import list_users
    from planner.services.ledger import load_active_policy

    url = _url(env_home)
    at = sign_in()
    at.switch_page("app_pages/settings.py").run()
    at.text_input(key="set_new_name").input("clerk2")
    at.text_input(key="set_new_password").input("long-enough-1")
    at.selectbox(key="set_new_role").select("reviewer")
    at.button(key="set_add_user_submit").click().run()
    assert not at.exception, at.exception
    assert ("clerk2", "reviewer") in {(u.username, str(u.role)) for u in list_users(url=url)}

    rows = at.data_editor(key="set_policy_editor").value
    settings = list(rows["项目"])
    at.session_state["set_policy_editor"] = {
        "edited_rows": {settings.index("基本信息 · 政策名称"): {"取值": "上虞 2020 第二版"},
                        settings.index("自行返岗补贴 · 其他地区"): {"取值": "900 元"}},
        "added_rows": [], "deleted_rows": []}
    at.run()
    at.button(key="set_policy_save").click().run()
    assert not at.exception, at.exception
    _, policy = load_active_policy(url)
    assert policy.name == "上虞 2020 第二版"
    assert {r.value: fen for r, fen in policy.self_return.tiers}["other"] == 90_000


def test_settings_policy_table_reads_in_chinese(sign_in, env_home):
    """The 设置 policy table names every setting in Chinese ("section · item"), shows yes/no,
    yuan and codes in Chinese, and the policy by its Chinese title."""
    from planner.services.ledger import load_active_policy

    _, policy = load_active_policy(_url(env_home))
    at = sign_in("operator")
    at.switch_page("app_pages/settings.py").run()
    assert not at.exception, at.exception
    rows = at.data_editor(key="set_policy_editor").value.set_index("项目")
    assert rows.loc["自行返岗补贴 · 其他地区", "取值"].endswith(" 元")
    assert rows.loc["企业包车补贴 · 是否启用", "取值"] in ("是", "否")
    assert rows.loc["自行返岗补贴 · 分档依据", "取值"] in ("按地区", "按距离")
    assert not [s for s in rows.index if "." in s or "_" in s]
    assert any(f"**{policy.title or policy.name}**" in m.value for m in at.markdown)


def test_operator_saves_the_fleet_after_a_check(sign_in, env_home):
    """The fleet table (Chinese headers) is checked again and saved into the scenario."""
    at = sign_in("operator")
    at.switch_page("app_pages/settings.py").run()
    fleet = at.data_editor(key="set_fleet_editor").value
    assert "可用数量" in fleet.columns and "座位数" in fleet.columns
    at.session_state["set_fleet_editor"] = {
        "edited_rows": {0: {"可用数量": "7"}}, "added_rows": [], "deleted_rows": []}
    at.run()
    at.button(key="set_fleet_save").click().run()
    assert not at.exception, at.exception
    assert "运力已保存" in _messages(at)
    first = (env_home / "scenario" / "fleet.csv").read_text(encoding="utf-8-sig").splitlines()[1]
    assert ",7," in first


def test_a_refused_save_withdraws_the_green_check(sign_in, env_home):
    """A table that checks without errors but that the ledger refuses (a registered person's
    姓名 changed) shows the refusal without the check's verdict (校验通过, or no errors and
    some reminders) above it."""
    from planner.services.registration import registered_frame

    at = sign_in("operator")
    at.switch_page("app_pages/registration.py").run()  # the working scenario is there now
    person = registered_frame(env_home / "scenario", "workers").iloc[0]
    csv = ("身份证号,姓名,户籍地区划代码,可出发日期\n"
           f"{person['id_number']},{person['name']}改,{person['home_adcode']},"
           f"{person['available_from']}\n")
    at.file_uploader(key="reg_file_workers").upload("改名.csv", csv.encode("utf-8"),
                                                    "text/csv").run()
    def verdict(at) -> list[str]:  # 校验通过, or no errors but some reminders
        return [str(x.value) for x in (*at.success, *at.warning)
                if "校验通过" in str(x.value) or "没有错误" in str(x.value)]

    assert verdict(at), "the check's verdict is shown"
    at.button(key="reg_save_workers").click().run()
    assert not at.exception, at.exception
    assert any("未写入任何数据" in str(e.value) for e in at.error)
    assert not verdict(at), "no verdict saying all is well above the refusal"
