"""The bus leader's phone page in a real headless Chromium at 390 × 844: sign in, see only
their trip, mark it departed, tick a passenger and untick them with the counts following, a
tap-to-call link; the screen is kept as tests/artifacts/leader-phone.png."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.app.test_app_browser import ARTIFACTS, CHROMIUM, browser, server, settle

__all__ = ["browser", "server"]  # the fixtures, shared with the main browser test

LEADER = "lead-phone"
LEADER_PASSWORD = "Tea-kettle-Harbour-42"
PHONE = {"width": 390, "height": 844}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(),
                       reason="Debian's chromium is not installed (apt-get install chromium)"),
]


@pytest.fixture(scope="module")
def led_trip(app_home: Path) -> tuple[str, str, str]:
    """A demo trip not yet departed with someone not boarded, led by ``lead-phone``, none of
    whose people has checked in (the leader taps 已出发 now, years after the demo's 2020
    check-ins: a departure after its people arrived is refused); returns (trip, another
    trip, the ID number of a person not boarded on it)."""
    from planner.services import leaders, movements
    from planner.services import tracking as reads
    from planner.services.auth import Role, add_user, system_actor

    url = f"sqlite:///{app_home / 'jobbus.sqlite'}"
    auditor = system_actor(Role.AUDITOR)
    trips = leaders.leader_trips(auditor, url)
    for trip in trips[~trips["recorded"]]["trip_id"]:
        lines = leaders.roster(trip, auditor, url)
        alone = ~lines["id_number"].str[-4:].duplicated(keep=False)  # found alone by search
        waiting = lines[~lines["boarded"] & (lines["phone"] != "") & alone]
        if not waiting.empty:
            break
    else:
        pytest.fail("the demo has no trip, not yet departed, with someone not boarded")
    with contextlib.suppress(ValueError):
        add_user(LEADER, LEADER_PASSWORD, "leader", url=url)
    leaders.assign_leader(trip, LEADER, system_actor(Role.OPERATOR), url=url)
    checked_in = reads.manifest(url, trip).dropna(subset=["arrived_on"])["id_number"]
    for id_number in checked_in:
        with contextlib.suppress(movements.MovementRefused):  # arrived by another trip
            movements.undo_check_in(id_number, trip, "测试：尚未到岗",
                                    system_actor(Role.OPERATOR), url=url)
    other = next(t for t in trips["trip_id"] if t != trip)
    return trip, other, str(waiting["id_number"].iloc[0])


@pytest.fixture()
def phone(browser: Any) -> Iterator[Any]:
    """A fresh tab the size of a phone (390 × 844, touch)."""
    tab = browser.new_page(viewport=PHONE, locale="zh-CN", has_touch=True, is_mobile=True,
                           device_scale_factor=2)
    yield tab
    tab.close()


def _counts(page: Any) -> tuple[int, int]:
    text = page.get_by_role("heading", name=re.compile("已上车")).inner_text()
    found = re.search(r"已上车 (\d+) · 未上车 (\d+)", text)
    assert found, text
    return int(found.group(1)), int(found.group(2))


def test_leader_phone_check_in_with_undo(server: str, phone: Any, led_trip) -> None:
    """On a phone the leader sees only their trip, marks it departed, ticks a passenger (the
    counts go up) and unticks them (back down); phones are tap-to-call links and nothing is
    wider than the screen."""
    trip, other, id_number = led_trip
    page = phone
    page.goto(server)
    page.get_by_label("用户名").fill(LEADER)
    page.get_by_label("密码").fill(LEADER_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("heading", name="我的车次").wait_for(timeout=30_000)
    settle(page)
    assert page.get_by_role("heading", name=trip).count() == 1
    assert other not in page.inner_text("body"), "another leader's trip is not shown"
    boarded, missing = _counts(page)

    page.get_by_role("button", name="已出发").click()
    settle(page)
    page.get_by_role("button", name="确认").click()  # a movement is confirmed first
    settle(page)
    page.get_by_role("button", name=re.compile(r"已出发 .* ✓")).wait_for(timeout=30_000)

    page.get_by_label("搜索姓名或身份证后四位").fill(id_number[-4:])
    page.get_by_label("搜索姓名或身份证后四位").press("Enter")
    settle(page)
    tick = page.get_by_role("button", name="未上车 — 点此打勾").first
    box = tick.bounding_box()
    assert box is not None and box["height"] >= 40 and box["width"] >= 300, "a big tap target"
    tick.click()
    settle(page)
    assert _counts(page) == (boarded + 1, missing - 1)
    assert page.locator('a[href^="tel:"]').count() >= 1, "a tap-to-call link"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "leader-phone.png"), full_page=True)

    page.get_by_role("button", name="已上车 — 点此撤销").first.click()
    settle(page)
    assert _counts(page) == (boarded + 1, missing - 1), "an untick waits for its reason"
    page.get_by_label("撤销原因（必填）").fill("点错人了")
    page.get_by_label("撤销原因（必填）").press("Enter")
    settle(page)
    page.get_by_role("button", name="确认撤销").click()
    settle(page)
    assert _counts(page) == (boarded, missing)
