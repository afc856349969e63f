"""规划 · 战役规划结果: an operator opens the output folder of ``jobbus campaign plan`` and sees
both destinations and the totals; a folder that is not one shows the Chinese message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests.services.test_services_campaigns import make_campaign_result


@pytest.fixture(scope="module")
def campaign_out(tmp_path_factory) -> Path:
    return make_campaign_result(tmp_path_factory.mktemp("app-campaign"))


def _campaign(sign_in: Any, folder: Path) -> Any:
    at = sign_in("operator")
    at.default_timeout = 30
    at.switch_page("app_pages/planning.py").run()
    at.radio(key="plan_mode").set_value("campaign").run()
    at.text_input(key="campaign_folder").input(str(folder)).run()
    assert not at.exception, at.exception
    return at


def test_overview_shows_both_destinations_and_the_totals(sign_in, campaign_out):
    from planner.services.campaigns import read_campaign_result

    result = read_campaign_result(campaign_out)
    at = _campaign(sign_in, campaign_out)
    table = next(d.value for d in at.dataframe if "代码" in d.value.columns)
    assert list(table["代码"]) == ["D01", "D02", "合计"]
    assert list(table["人数"]) == ["60", "60", "120"]
    assert table["车次"].iloc[-1] == f"{result.totals['trips']:,}"
    assert any("2 个目的地，120 人" in m.value for m in at.markdown)
    at.selectbox(key="campaign_pick").select("D02").run()
    assert not at.exception, at.exception
    metrics = {m.label: m for m in at.metric}
    assert metrics["车次"].value == str(result.destination("D02").trips)
    alone = pd.read_csv(campaign_out / "D02" / "self_return.csv", encoding="utf-8-sig")
    assert any(f"自行返岗 {len(alone)}" in str(m.delta) for m in at.metric)


def test_a_folder_that_is_not_a_campaign_result_says_so_in_chinese(sign_in, tmp_path):
    at = _campaign(sign_in, tmp_path)
    shown = " ".join(str(e.value) for e in at.error)
    shown += " ".join(" ".join(map(str, d.value.to_numpy().ravel())) for d in at.dataframe)
    assert "缺少 campaign_summary.json" in shown
    assert str(tmp_path / "campaign_summary.json") in shown


def test_a_bad_folder_is_not_said_to_have_written_nothing(sign_in, tmp_path):
    """Opening a folder writes nothing anyway: the count of problems does not say 未写入任何数据,
    and the problem of the whole folder has a blank row, not "None"."""
    at = _campaign(sign_in, tmp_path)
    assert [e.value for e in at.error] == ["发现 1 个问题。"]
    problems = next(d.value for d in at.dataframe if "行" in d.value.columns)
    assert list(problems["行"]) == [""]


def test_a_redraw_does_not_read_the_destination_again_until_its_files_change(
    sign_in, campaign_out, monkeypatch
):
    """Any click redraws the page: the destination's plan is not read from its folder again;
    once a file of that folder is rewritten, it is."""
    import os

    from planner.io import plan_read

    reads: list[Path] = []
    real = plan_read.read_plan

    def counted(folder: Any, *args: Any, **kwargs: Any) -> Any:
        reads.append(Path(folder))
        return real(folder, *args, **kwargs)

    monkeypatch.setattr(plan_read, "read_plan", counted)
    at = _campaign(sign_in, campaign_out)
    at.selectbox(key="campaign_pick").select("D02").run()
    first = len(reads)
    assert first <= 1  # read now, or kept from an earlier draw of the same files
    at.run()  # a redraw, as picking a trip or a tab makes
    assert not at.exception, at.exception
    assert len(reads) == first and at.metric
    summary = campaign_out / "D02" / "summary.json"
    later = summary.stat().st_mtime_ns + 1_000_000_000
    os.utime(summary, ns=(later, later))
    at.run()
    assert not at.exception, at.exception
    assert reads[-1] == campaign_out / "D02" and len(reads) == first + 1


def test_the_pool_names_its_sending_province(sign_in, campaign_out):
    """运力池 shows the sending province by name (浙江省), not its code (33)."""
    at = _campaign(sign_in, campaign_out)
    pools = next(d.value for d in at.dataframe if "派出省份" in d.value.columns)
    assert set(pools["派出省份"]) == {"浙江省"}


def test_a_province_the_gazetteer_does_not_know_stays_a_code():
    from ui.campaign_views import province_label

    assert (province_label("33"), province_label("99"), province_label(None)) == (
        "浙江省", "99", "")
