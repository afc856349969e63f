"""The planning screen's downloads are the print-ready papers, with Chinese reasons on the
self-return call list."""

from __future__ import annotations

import datetime as dt
import io
import sys
from pathlib import Path

from openpyxl import load_workbook

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from planner.domain.model import (  # noqa: E402
    Employer,
    Place,
    Plan,
    PlanSummary,
    Scenario,
    SelfReturn,
    Worker,
)
from planner.messages import msg  # noqa: E402

WORKER = "42280119900101123X"
EMPLOYER = "91330604MA2BCDEF1M"


def _plan_and_scenario() -> tuple[Plan, Scenario]:
    day = dt.date(2020, 2, 16)
    scenario = Scenario(
        name="t",
        destination=Place("上虞区", 30.03, 120.87),
        plan_from=day,
        plan_to=day,
        workers=(Worker(WORKER, "张三", "422801", day, phone="13800138000"),),
        employers=(Employer(EMPLOYER, "绍兴甲纺织有限公司", 30.03, 120.87, 0, day),),
        fleet=(),
    )
    plan = Plan((), (), (SelfReturn(WORKER, EMPLOYER, msg("reason.own_travel"), 80_000),), (), (),
                PlanSummary(0, 0, 0, 0, 0.0, 80_000, 0.0))
    return plan, scenario


def test_call_list_download_has_chinese_reasons_and_numeric_subsidy():
    """The 建议自行返岗 download names the person, phone, employer, the subsidy as a number
    and the planner's reason in Chinese."""
    from ui import plan_views as pv

    plan, scenario = _plan_and_scenario()
    data = pv.self_return_calls_xlsx(plan, scenario, "test-calls", "en")
    ws = load_workbook(io.BytesIO(data))["建议自行返岗"]
    row = [c.value for c in ws[5]]
    assert row[1:6] == ["张三", "13800138000", "湖北省恩施土家族苗族自治州恩施市",
                        "绍兴甲纺织有限公司", 800]
    assert row[6] == "本人登记为自行返岗，申领自行返岗补贴。"


def test_dispatch_and_manifest_downloads_are_the_papers():
    """The dispatch and manifest downloads carry the A4 print setup of the papers."""
    from ui import plan_views as pv

    plan, scenario = _plan_and_scenario()
    for data in (pv.dispatch_xlsx(plan, "test-papers", "zh"),
                 pv.manifests_xlsx(plan, scenario, "test-papers", "zh")):
        ws = load_workbook(io.BytesIO(data)).worksheets[0]
        assert ws.print_title_rows and int(ws.page_setup.paperSize) == 9
