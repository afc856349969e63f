"""The app's helpers without a browser: money and date formats, the offline base map, the
policy as editable rows, plan parameters, and the ``jobbus serve`` command."""

from __future__ import annotations

import datetime as dt
import json
import sys
from decimal import Decimal
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))


def test_yuan_has_thousands_separators_and_two_decimals():
    """Fen are shown as yuan the way a Chinese finance office writes them."""
    from ui import fmt

    assert fmt.yuan(1_234_500) == "¥12,345.00"
    assert fmt.yuan(1_234_500, "suffix") == "12,345.00 元"
    assert fmt.yuan(-500) == "-¥5.00"
    assert fmt.yuan(0) == "¥0.00"
    assert fmt.yuan(None) == "—"
    assert fmt.yuan_value(Decimal("264738.005")) == "¥264,738.01"  # half up, exact
    assert fmt.yuan_value(31_000_000.5) == "¥31,000,000.50"


def test_dates_counts_and_shares():
    """Dates are ISO, counts have separators, shares are percentages."""
    from ui import fmt

    assert fmt.date(dt.date(2020, 2, 15)) == "2020-02-15"
    assert fmt.date(dt.datetime(2020, 2, 15, 8, 30)) == "2020-02-15"
    assert fmt.datetime(dt.datetime(2020, 2, 15, 8, 30)) == "2020-02-15 08:30"
    assert fmt.count(10562) == "10,562"
    assert fmt.percent(0.0345) == "3.5%"
    assert fmt.km(1850.4) == "1,850 km"


def test_base_map_is_small_and_covers_china():
    """The shipped base map holds the 34 province-level divisions in under 1.5 MB."""
    from ui.maps import BASE_MAP

    assert BASE_MAP.stat().st_size < 1_500_000
    data = json.loads(BASE_MAP.read_text(encoding="utf-8"))
    provinces = [f for f in data["features"] if f["properties"]["kind"] == "province"]
    assert len(provinces) == 34
    assert {"浙江省", "贵州省", "四川省"} <= {f["properties"]["name"] for f in provinces}


def _tiny_plan():
    from planner.domain.model import (
        Assignment,
        Place,
        Plan,
        PlanSummary,
        Stop,
        StopKind,
        Trip,
        VehicleKind,
    )

    stops = (
        Stop(StopKind.PICKUP, "正安县", "520324", 28.55, 107.45),
        Stop(StopKind.DROPOFF, "某企业", "91330604MA20EUXP3H", 30.09, 120.91),
    )
    trip = Trip("C0001", VehicleKind.COACH, "53座大客车", dt.datetime(2020, 2, 20, 6),
                dt.datetime(2020, 2, 21, 18), stops, 53, 26, 1, 1600.0, 2_000_000)
    plan = Plan((trip,), (Assignment("x", "C0001", "正安县", "91330604MA20EUXP3H"),), (), (),
                (), PlanSummary(1, 1, 2_000_000, 1_900_000, 0.05, 0, 1.0))
    return plan, Place("上虞区", 30.03, 120.87)


def test_plan_map_fetches_nothing_from_the_internet():
    """The deck draws provinces, routes, origins and the hub with no tile provider and an
    inline style, so nothing is fetched."""
    from ui.maps import plan_deck

    plan, hub = _tiny_plan()
    spec = json.loads(plan_deck(plan, hub).to_json())
    ids = [layer["id"] for layer in spec["layers"]]
    assert ids == ["provinces", "trips", "origins", "hub"]
    assert spec["mapStyle"].startswith("data:application/json")
    assert "mapProvider" not in spec or spec["mapProvider"] in (None, "")
    text = json.dumps(spec)
    assert "http://" not in text and "https://" not in text
    assert "@@=pixels" not in text, "units are literal strings, not accessors"


def test_policy_rows_round_trip_and_keep_types():
    """A policy becomes rows of settings; an edited amount comes back as a number and the
    rest is unchanged; a bad value names its setting."""
    import tomllib

    import pandas as pd

    from ui.policy_views import policy_rows, rows_to_toml

    text = (REPO_ROOT / "data" / "policies" / "shangyu-2020.toml").read_text(encoding="utf-8")
    rows = policy_rows(text)
    assert "自行返岗补贴 · 其他地区" in set(rows["setting"])
    edited = rows.copy()
    edited.loc[edited["setting"] == "自行返岗补贴 · 其他地区", "value"] = "900 元"
    data = tomllib.loads(rows_to_toml(text, edited))
    assert data["self_return"]["tiers"]["other"] == 900.0
    assert data["charter"]["enabled"] is True
    assert data["sending_area"]["bands"][2]["amount"] == 50000.0
    bad = rows.copy()
    bad.loc[bad["setting"] == "企业包车补贴 · 是否启用", "value"] = "也许"
    with pytest.raises(ValueError, match="企业包车补贴 · 是否启用"):
        rows_to_toml(text, pd.DataFrame(bad))


def test_policy_rows_read_in_chinese_and_codes_come_back():
    """The policy table reads in Chinese (是/否, 元, a code's Chinese name) and a value typed
    as its Chinese name is stored as the file's code."""
    import tomllib

    from ui.policy_views import policy_rows, rows_to_toml

    text = (REPO_ROOT / "data" / "policies" / "shangyu-2020.toml").read_text(encoding="utf-8")
    rows = policy_rows(text).set_index("setting")
    assert rows.loc["企业包车补贴 · 是否启用", "value"] == "是"
    assert rows.loc["稳岗奖励 · 是否启用", "value"] == "否"
    assert rows.loc["自行返岗补贴 · 其他地区", "value"] == "800.00 元"
    assert rows.loc["自行返岗补贴 · 分档依据", "value"] == "按地区"
    assert rows.loc["审核流程 · 取整方式", "value"] == "四舍五入"
    assert rows.loc["基本信息 · 政策名称", "value"] == "上虞区 2020 年复工返岗补贴"
    edited = rows.copy()
    edited.loc["劳务输出地奖励 · 计算单位", "value"] = "省"
    edited.loc["稳岗奖励 · 是否启用", "value"] = "是"
    data = tomllib.loads(rows_to_toml(text, edited.reset_index()))
    assert data["sending_area"]["level"] == "province"
    assert data["retention"]["enabled"] is True
    assert data["self_return"]["basis"] == "region"


def test_a_policy_is_shown_by_its_chinese_title_in_chinese():
    """A policy whose file gives a Chinese ``title`` is named by it in Chinese and by its
    ``name`` in English; the title survives a round trip through the policy writer."""
    from planner.subsidies import parse_policy, policy_to_toml
    from ui.policy_views import policy_title

    text = (REPO_ROOT / "data" / "policies" / "shangyu-2020.toml").read_text(encoding="utf-8")
    text = text.replace('name = "上虞区 2020 年复工返岗补贴"',
                        'name = "Shangyu 2020"\ntitle = "上虞区 2020 年复工返岗补贴"')
    policy = parse_policy(policy_to_toml(parse_policy(text)))
    assert policy_title(policy.name, policy.title, "zh") == "上虞区 2020 年复工返岗补贴"
    assert policy_title(policy.name, policy.title, "en") == "Shangyu 2020"


def test_claim_labels_name_a_pending_payment():
    """A claim in the picker whose payment awaits the bank says so after its state; a claim
    without a payment shows its state only."""
    import pandas as pd

    from ui.claim_views import claim_labels

    frame = pd.DataFrame({"claim_id": [12, 13], "payee_name": ["张三", "李四"],
                          "amount_fen": [80_000, 50_000], "state": ["notice_done"] * 2,
                          "payment_status": ["pending", None]})
    labels = claim_labels(frame)
    assert labels[12] == "#12 · 张三 · ¥800.00 · 公示期满 · 待银行回单"
    assert labels[13] == "#13 · 李四 · ¥500.00 · 公示期满"


def test_a_bank_failure_after_recorded_paid_is_never_labelled_paid():
    """A claim recorded paid whose payment the bank then said failed reads the same wherever
    its payment status is shown — picker label and table cell — and never 已到账; another
    payment exception (paid at another amount) keeps 已到账."""
    import pandas as pd

    from planner.messages import msg
    from ui.claim_views import claim_labels, claims_table

    failed = msg("paid_exception.bank_failed_no_reason", file="bank.csv", paid_on="2020-04-15")
    other = msg("paid_exception.amount", file="bank.csv", claim=80_000, paid=50_000)
    frame = pd.DataFrame({
        "claim_id": [258, 259], "rule": ["self_return"] * 2, "payee_name": ["熊桂红", "李四"],
        "payee_id": ["P1", "P2"], "amount_fen": [80_000, 80_000], "state": ["paid"] * 2,
        "needs_review": [False] * 2, "review_note": [None] * 2,
        "payment_id": ["JB00000258", "JB00000259"], "payment_status": ["paid"] * 2,
        "paid_exception": [True, True], "exception_note": [failed, other],
        "evidence": [[], []]})
    labels = claim_labels(frame)
    assert labels[258] == "#258 · 熊桂红 · ¥800.00 · 已拨付 · 银行回单称支付失败（待核实）"
    assert labels[259].endswith("· 已拨付 · 已到账")
    cells = list(claims_table(frame)["支付"])
    assert "银行回单称支付失败（待核实）" in cells[0] and "已到账" not in cells[0]
    assert "已到账" in cells[1]


def test_serve_runs_streamlit_headless_on_the_given_address():
    """``jobbus serve`` runs ``streamlit run app.py`` headless, on the port and address asked,
    without usage statistics."""
    from planner.commands.serve import APP, streamlit_command

    cmd = streamlit_command(8765, "0.0.0.0")
    assert cmd[1:4] == ["-m", "streamlit", "run"] and cmd[4] == str(APP)
    assert "--server.headless=true" in cmd
    assert "--server.port=8765" in cmd and "--server.address=0.0.0.0" in cmd
    assert "--browser.gatherUsageStats=false" in cmd


def test_serve_tells_streamlit_the_jobbus_upload_limit(monkeypatch):
    """Streamlit's upload limit is jobbus's input limit in whole MB, rounded up (so its
    uploader refuses a larger file at once and states the true limit, not 200MB)."""
    from planner.commands.serve import streamlit_command
    from planner.io.tables import DEFAULT_MAX_INPUT_MB

    def limit() -> list[str]:
        return [a for a in streamlit_command(8765, "127.0.0.1")
                if a.startswith("--server.maxUploadSize=")]

    monkeypatch.delenv("JOBBUS_MAX_INPUT_MB", raising=False)
    assert limit() == [f"--server.maxUploadSize={DEFAULT_MAX_INPUT_MB}"]
    for given, expected in (("12", 12), ("2.5", 3), ("0.2", 1), ("nonsense", DEFAULT_MAX_INPUT_MB),
                           ("-4", DEFAULT_MAX_INPUT_MB)):
        monkeypatch.setenv("JOBBUS_MAX_INPUT_MB", given)
        assert limit() == [f"--server.maxUploadSize={expected}"], given


def test_uploader_texts_name_the_true_limit_and_the_types(monkeypatch):
    """The uploader's Chinese instructions: drop here, then the jobbus limit as set (not
    rounded) and the uploader's types; Streamlit's own limit is the whole MB above it; the
    texts are safe CSS strings."""
    from planner.io.tables import max_upload_mb
    from ui.widget_texts import css_string, instructions

    monkeypatch.setenv("JOBBUS_MAX_INPUT_MB", "2.5")
    assert instructions(["csv", ".xlsx"]) == "将文件拖放到此处\n单个文件不超过 2.5 MB · CSV、XLSX"
    assert instructions() == "将文件拖放到此处\n单个文件不超过 2.5 MB"
    assert max_upload_mb() == 3
    assert css_string('a "b" \\ c\nd') == '"a \\"b\\" \\\\ c\\A d"'


def test_streamlit_words_map_streamlits_english_to_the_language():
    """The translator of Streamlit's own words gets, in Chinese, each of Streamlit's English
    words (the catalogue's English, Streamlit's text exactly) with its Chinese; in English
    none, so it replaces nothing."""
    from ui.widget_texts import streamlit_words

    zh = streamlit_words("zh")
    assert zh["Show/hide columns"] == "显示/隐藏列"
    assert zh["Sort ascending"] == "升序排列" and zh["No results"] == "无匹配项"
    assert zh["Select {n} matches"] == "选择 {n} 个匹配项"  # the script fills in the count
    assert all(english != chinese for english, chinese in zh.items()), zh
    assert streamlit_words("en") == {}


def test_every_uploader_is_limited_to_the_jobbus_limit(sign_in):
    """Each uploader of the app tells Streamlit jobbus's limit (so the browser refuses a larger
    file however the app was started), not Streamlit's 200 MB."""
    from planner.io.tables import max_upload_mb

    at = sign_in("operator")
    keys = {"registration": ["reg_file_workers", "reg_file_employers"],
            "tracking": ["trk_file"], "subsidies": ["sub_bank_file"],
            "planning": ["plan_upload"]}
    for page, uploaders in keys.items():
        at.switch_page(f"app_pages/{page}.py").run()
        assert not at.exception, at.exception
        for key in uploaders:
            assert at.file_uploader(key=key).proto.max_upload_size_mb == max_upload_mb(), key


def test_serve_prepares_a_fresh_ledger_and_prints_the_password_once(tmp_path, monkeypatch):
    """On a new ledger ``prepare_ledger`` migrates it and makes ``admin`` with a generated
    password, returned once; the second start generates nothing."""
    monkeypatch.setenv("JOBBUS_HOME", str(tmp_path))
    monkeypatch.delenv("JOBBUS_ADMIN_PASSWORD", raising=False)
    from planner.commands.serve import prepare_ledger
    from planner.services.auth import authenticate

    url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    seeded, password = prepare_ledger(url, seed=False)
    assert seeded is False and password
    assert authenticate("admin", password, url=url) is not None
    assert prepare_ledger(url, seed=False) == (False, None)


def test_planner_never_imports_streamlit():
    """The serve command (part of ``planner``) starts Streamlit in a subprocess only."""
    import subprocess

    code = ("import sys, planner.commands.serve, planner.cli; "
            "print('streamlit' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=REPO_ROOT, check=True)
    assert out.stdout.strip() == "False"


def test_blank_templates_carry_the_chinese_headers():
    """The blank tables offered on the registration screen have the Chinese headers the
    readers accept, on a sheet named like the table."""
    import io

    from openpyxl import load_workbook

    from planner.io import schemas
    from ui.workspace import template_xlsx

    for kind, schema in (("workers", schemas.WORKERS), ("employers", schemas.EMPLOYERS)):
        book = load_workbook(io.BytesIO(template_xlsx(kind)))
        sheet = book[schema.title]
        headers = [c.value for c in sheet[1]]
        assert headers == [c.zh for c in schema.columns]
        assert all(schema.match(h) for h in headers)


def test_recorded_times_show_in_beijing_time():
    """The ledger stores when it recorded something in UTC; the office reads Beijing time
    (UTC+8): a plan saved at 20:30 UTC on 15 Feb was saved at 04:30 on 16 Feb."""
    import datetime as dt

    from ui import fmt

    assert fmt.recorded(dt.datetime(2020, 2, 15, 20, 30)) == "2020-02-16 04:30"
    assert fmt.recorded(dt.datetime(2020, 2, 15, 20, 30, tzinfo=dt.UTC)) == "2020-02-16 04:30"
    assert fmt.recorded(None) == "—"


def test_timeline_marks_cancelled_and_delayed_trips():
    """总览's timeline fades a cancelled trip, outlines a delayed one and names the status in
    the tooltip, so a cancelled coach does not look like one on the road."""
    import pandas as pd

    from ui import charts

    day = dt.date(2020, 2, 20)
    frame = pd.DataFrame({"trip_id": ["C1", "C2", "C3"], "kind": ["coach"] * 3,
                          "depart_date": [day] * 3, "arrive_date": [day] * 3, "load": [40] * 3,
                          "status": ["planned", "cancelled", "delayed"]})
    spec = charts.timeline_chart(frame, day).to_dict()
    bars = spec["layer"][0]
    rows = spec["datasets"][bars["data"]["name"]]
    assert [r["status"] for r in rows] == ["未出发", "已取消", "延误"]
    assert bars["encoding"]["opacity"]["field"] == "fade"
    assert bars["encoding"]["strokeWidth"]["field"] == "outline"
    assert [r["fade"] for r in rows] == [1.0, 0.25, 1.0]
    assert [r["outline"] for r in rows] == [0.0, 0.0, 2.0]


def test_plan_comparison_shows_the_subsidies_inside_the_total_not_beside_it():
    """方案对比: a plan's total cost is its vehicles plus its self-return subsidies; the table
    lists the two parts under the total and the chart stacks them into one bar per plan, so
    the subsidies are never drawn as a second cost beside the total."""
    from ui import charts
    from ui.plan_views import comparison_frame

    rows = [{"name": "P1", "cost_fen": 138_213_456, "vehicle_fen": 77_483_456,
             "subsidy_fen": 60_730_000, "served": 900, "self_return": 700, "unserved": 0,
             "vacancies": 0, "coaches": 20, "trains": 1, "feeders": 3,
             "lower_bound_fen": 130_000_000, "gap": 0.059}]
    table = comparison_frame(rows)
    assert list(table.index[:3]) == [
        "费用合计（车辆＋自行返岗补贴）", "车辆费用", "自行返岗补贴（预计）"]
    spec = charts.compare_chart(rows).to_dict()
    bars = spec["datasets"][next(iter(spec["datasets"]))]
    assert sum(b["yuan"] for b in bars) == pytest.approx(1_382_134.56)
    assert spec["encoding"]["y"]["stack"] == "zero" and "xOffset" not in spec["encoding"]
    assert spec["encoding"]["x"]["sort"] == ["P1"]  # the table's order
    assert spec["encoding"]["x"]["axis"]["labelLimit"] == 0  # names not cut


def test_the_emphasised_claim_button_moves_the_claim_on():
    """An approved claim offers 驳回 and 发布公示 to the approver: 发布公示 is the emphasised
    button, never 驳回 (nor 退回重办 or 异议); with only sending-back buttons none is."""
    from ui.claim_views import CLAIM_ACTIONS, main_action

    by = {a.name: a for a in CLAIM_ACTIONS}
    assert main_action([by["reject"], by["publish_notice"]]) is by["publish_notice"]
    assert main_action([by["reject"], by["reopen"]]) is None
    assert main_action([by["review"], by["reject"]]) is by["review"]
