"""跟踪 → 记录车次动态 in a real headless Chromium, as the tester walked it: the day starts at the
trip's planned departure, and after 记录动态 the page is still on 记录车次动态 (not 按名单登记到岗)
with the note emptied, though the counts in the tab labels changed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from tests.app.test_app_browser import CHROMIUM, browser, open_page, page, server, settle, sign_in

__all__ = ["browser", "page", "server"]  # the fixtures, shared with the main browser test

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(),
                       reason="Debian's chromium is not installed (apt-get install chromium)"),
]


@pytest.fixture(scope="module")
def trip(app_home: Path) -> Any:
    """A demo trip with nothing recorded, arrived by plan by the default 截至日期, some of whose
    people are checked in and some not (recording its departure moves them off 未到岗人员)."""
    from planner.services import tracking as reads

    url = f"sqlite:///{app_home / 'jobbus.sqlite'}"
    last = reads.last_day(url)
    trips = reads.trips(url, last)
    free = trips[~trips["recorded"] & (trips["status"] != "cancelled")
                 & (trips["arrived"] > 0) & (trips["arrived"] < trips["on_manifest"])
                 & (trips["kind"] != "feeder") & (trips["arrive_date"] < last)]
    return free.iloc[len(free) // 2]


def _day(page: Any) -> Any:
    """The input of 记录车次动态's 日期."""
    panel = page.get_by_role("tabpanel").filter(visible=True)
    return panel.get_by_test_id("stDateInput").filter(
        has=page.get_by_text("日期", exact=True)).locator("input")


def test_recording_a_movement_stays_on_its_tab(server: str, page: Any, trip: Any) -> None:
    """已出发 of a trip on its planned day, with a note: recorded, the tab 记录车次动态 is still
    the one selected, the note is empty, and the day is the trip's planned departure."""
    sign_in(page, server, "operator")
    open_page(page, "tracking")
    tab = page.get_by_role("tab", name="记录车次动态")
    tab.click()
    settle(page)
    panel = page.get_by_role("tabpanel").filter(visible=True)
    panel.get_by_label("车次", exact=True).first.click()  # 指派带队人 has one below it
    page.get_by_role("option").filter(has_text=f"{trip['trip_id']} · ").first.click()
    settle(page)
    assert _day(page).input_value() == trip["depart_date"].isoformat()
    panel.get_by_label("备注", exact=True).fill("按时出发")
    panel.get_by_label("备注", exact=True).press("Enter")
    settle(page)
    panel.get_by_role("button", name="记录动态").click()
    settle(page)
    page.get_by_text(f"已记录：车次 {trip['trip_id']} 已出发。").wait_for(timeout=30_000)
    settle(page)  # the message is drawn first; the form below it a moment later
    # the other tabs' counts may change with the record (未到岗人员（n）): the open tab stays
    assert page.get_by_role("tab", name="记录车次动态").get_attribute("aria-selected") == "true"
    panel = page.get_by_role("tabpanel").filter(visible=True)
    from playwright.sync_api import expect

    expect(panel.get_by_label("备注", exact=True)).to_have_value("", timeout=30_000)
    assert dt.date.fromisoformat(_day(page).input_value()) == trip["depart_date"]
