"""The main flow in a real headless Chromium: sign in, plan the demo, open a trip's manifest,
approve a claim, download the finance list and open it; a screenshot of every screen is saved
under tests/artifacts/."""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "tests" / "artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PASSWORD = "secret-pass-1"
PAGES = {"overview": "总览", "registration": "登记", "planning": "规划", "tracking": "跟踪",
         "subsidies": "补贴", "settings": "设置"}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(),
                       reason="Debian's chromium is not installed (apt-get install chromium)"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def running_server(home: Path) -> Iterator[str]:
    """``jobbus serve`` on a free port over the ledger in ``home``; yields its address."""
    port = _free_port()
    env = dict(os.environ, JOBBUS_HOME=str(home),
               JOBBUS_DATABASE_URL=f"sqlite:///{home / 'jobbus.sqlite'}",
               JOBBUS_DEMO_WORKERS="300", JOBBUS_ADMIN_PASSWORD=PASSWORD)
    log = (home / f"serve-{port}.log").open("w")
    from planner.cli import COMMAND_MODULES

    command = (["-m", "planner", "serve"] if "planner.commands.serve" in COMMAND_MODULES
               else ["-m", "planner.commands.serve"])  # until the CLI lists serve
    proc = subprocess.Popen(
        [sys.executable, *command, "--port", str(port)],
        cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"jobbus serve did not start: {(home / log.name).name}")
                time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def server(app_home: Path) -> Iterator[str]:
    """The app over the session's seeded ledger (people travelled, claims paid)."""
    with running_server(app_home) as url:
        yield url


@pytest.fixture(scope="module")
def fresh_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app over a ledger holding a 600-person demo scenario and an operator, nothing
    planned or travelled yet (plans can be dispatched and trips moved)."""
    from planner.demo import write_demo
    from planner.ledger import init_db
    from planner.services import ledger as svc
    from planner.services.auth import Role, User, add_user

    home = tmp_path_factory.mktemp("browser-fresh")
    url = f"sqlite:///{home / 'jobbus.sqlite'}"
    write_demo(home / "scenario", n_workers=600)
    init_db(url)
    add_user("operator", PASSWORD, "operator", url=url)
    svc.import_path("scenario", home / "scenario", User("operator", Role.OPERATOR), url=url)
    with running_server(home) as address:
        yield address


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's chromium, headless, driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu",
                  "--disable-dev-shm-usage"],
        )
        yield b
        b.close()


def settle(page: Any, timeout_ms: int = 120_000) -> None:
    """Wait until Streamlit has finished running the script (no "running" widget)."""
    page.wait_for_timeout(400)
    page.wait_for_function(
        "!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout_ms
    )
    page.wait_for_timeout(600)


def sign_in(page: Any, url: str, username: str) -> None:
    page.goto(url)
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_test_id("stSidebarNav").wait_for(timeout=30_000)
    settle(page)


def open_page(page: Any, name: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_text(PAGES[name], exact=True).click()
    settle(page)


def shoot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def pick(page: Any, label: str, option: str) -> None:
    """Choose ``option`` in the select box labelled ``label``."""
    page.get_by_label(label, exact=True).click()
    page.get_by_role("option", name=option).first.click()
    settle(page)


@pytest.fixture()
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh tab (1440 × 2000, so a screenshot holds a whole screen); on failure its last
    state is saved as tests/artifacts/failure-<test>.png."""
    tab = browser.new_page(viewport={"width": 1440, "height": 2000}, locale="zh-CN")
    failed_before = request.session.testsfailed
    yield tab
    if request.session.testsfailed > failed_before:
        shoot(tab, f"failure-{request.node.name}")
    tab.close()


def test_main_flow(server: str, page: Any) -> None:
    """An operator plans the demo and opens a manifest; an approver approves a claim and
    downloads a finance list that openpyxl reads; every screen renders in Chinese."""
    from openpyxl import load_workbook

    sign_in(page, server, "operator")
    open_page(page, "planning")
    time_limit = page.get_by_label("计算时限（秒）")
    time_limit.fill("8")
    time_limit.press("Enter")
    settle(page)
    saved = int(re.search(r"\d+", wait_for_text(page, r"已保存的方案（\d+）")).group())  # type: ignore[union-attr]
    page.get_by_role("button", name="开始规划").click()
    # the run's message shows for one rerun only; the count of saved plans stays
    wait_for_text(page, f"已保存的方案（{saved + 1}）")
    settle(page, 180_000)
    tables_before = page.get_by_test_id("stDataFrame").count()
    page.get_by_label("选择车次查看乘车名单").click()
    page.get_by_role("option").first.click()
    settle(page)
    page.get_by_text("乘车名单", exact=True).wait_for()
    # the manifest is one more grid on the page; the grid draws its cells on a canvas, so its
    # columns (身份证号 …) are checked by the AppTest tests, not here
    page.wait_for_function(
        f"document.querySelectorAll('[data-testid=\"stDataFrame\"]').length > {tables_before}",
        timeout=30_000)
    page.wait_for_timeout(1500)  # the map draws
    shoot(page, "planning")
    for name in ("overview", "registration", "tracking"):
        open_page(page, name)
        page.wait_for_timeout(1000)  # charts draw
        shoot(page, name)
    page.get_by_role("button", name="退出登录").click()
    settle(page)

    sign_in(page, server, "approver")
    open_page(page, "subsidies")
    pick(page, "状态", "已审核")
    page.get_by_label("选择条目").click()
    page.get_by_role("option").filter(has_text="已审核").first.click()
    page.keyboard.press("Escape")
    settle(page)
    page.get_by_role("button", name="审批通过").click()
    settle(page)
    page.get_by_text("已完成 — 审批通过：1 条。").wait_for(timeout=30_000)
    assert page.get_by_role("button", name="下载财务拨付清单").count() == 0, (
        "the finance list with full ID numbers is not for approvers")
    page.get_by_role("button", name="退出登录").click()
    settle(page)

    sign_in(page, server, "finance")
    open_page(page, "subsidies")
    if page.get_by_role("button", name="生成拨付批次").count():  # downloading never makes one
        page.get_by_role("button", name="生成拨付批次").click()
        settle(page)
        wait_for_text(page, r"生成拨付批次：\d+ 条，合计.*成为待银行回单的支付")
        page.get_by_role("button", name="确认", exact=True).click()
        settle(page)
        wait_for_text(page, "已生成拨付批次 PB-")
    settle(page)
    # the file is made when the button is clicked: on a loaded 2-core machine that can take
    # longer than Playwright's 30 s
    with page.expect_download(timeout=120_000) as download:
        page.get_by_role("button", name="下载财务拨付清单").click()
    data = Path(download.value.path()).read_bytes()
    book = load_workbook(io.BytesIO(data))
    assert len(book.sheetnames) >= 2, "a summary sheet and a sheet per rule"
    summary = book[book.sheetnames[0]]
    assert summary.max_row > 1
    assert str(summary["G1"].value).startswith("PB-"), "the batch made, confirmed, downloaded"
    shoot(page, "subsidies")
    open_page(page, "settings")
    shoot(page, "settings")


def test_english_sign_in(server: str, page: Any) -> None:
    """Picking English in the sidebar turns the login form and the screens into English."""
    page.goto(server)
    page.get_by_label("语言 / Language").click()
    page.get_by_role("option", name="English").click()
    settle(page)
    page.get_by_label("User name", exact=True).fill("auditor")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_test_id("stSidebarNav").wait_for(timeout=30_000)
    settle(page)
    assert page.get_by_text("Auditor (read-only)").count() == 1
    page.get_by_test_id("stSidebarNav").get_by_text("Subsidies", exact=True).click()
    settle(page)
    assert page.get_by_role("heading", name="Subsidy claims and payments").count() == 1
    assert page.get_by_role("button", name="Approve", exact=True).count() == 0, (
        "an auditor may not act")
    shoot(page, "subsidies-en-auditor")


def wait_for_text(page: Any, pattern: str, timeout_ms: int = 180_000) -> str:
    """The text of the innermost element whose text matches the regular expression
    ``pattern`` (waits). Found and read in the browser in one step: a message Streamlit shows
    for one run only cannot vanish between finding it and reading it."""
    found = page.wait_for_function(
        """(p) => {
            const re = new RegExp(p);
            if (!re.test(document.body.innerText)) return null;
            let inner = null;
            for (const el of document.body.querySelectorAll("*")) {
                const text = el.innerText;
                if (text && re.test(text)) inner = text;  // later in document order = deeper
            }
            return inner;
        }""",
        arg=pattern, timeout=timeout_ms, polling=200,
    )
    return str(found.json_value())


def run_plan(page: Any, button: str) -> int:
    """Click ``button`` (开始规划 or the re-plan button) and wait for the saved plan's number."""
    page.get_by_role("button", name=button).click()
    text = wait_for_text(page, r"已完成，已保存为方案 P\d{3}")
    settle(page)
    return int(re.search(r"P(\d{3})", text).group(1))  # type: ignore[union-attr]


def choose_first(page: Any, label: str, multi: bool = False) -> str:
    """Open the picker labelled ``label`` and choose its first option (a click that lands
    during a rerun is tried again; ``multi``: a multiselect, closed after); returns the
    option's text."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for _ in range(3):
        page.get_by_label(label, exact=True).click()
        option = page.get_by_role("option").first
        try:  # a rerun may close the list between any two of these steps: try again
            option.wait_for(timeout=10_000)
            text = str(option.inner_text(timeout=5_000))
            option.click(timeout=5_000)
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
            settle(page)
            continue
        if multi:
            page.keyboard.press("Escape")
        settle(page)
        return text
    pytest.fail(f"the picker {label} did not open")


def set_time_limit(page: Any, seconds: int) -> None:
    """Set the time limit in 规划参数, opening (or re-opening) the section until its input
    takes the value: a closed expander's inputs are present but inert."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    box = page.get_by_label("计算时限（秒）")
    for _ in range(4):
        try:
            box.fill(str(seconds), timeout=5_000)
            break
        except PlaywrightTimeout:
            page.get_by_text("规划参数", exact=True).click()
            settle(page)
    else:
        pytest.fail("the time limit in 规划参数 could not be set")
    box.press("Enter")
    settle(page)


def test_plans_last_and_replans_dispatch(fresh_server: str, page: Any) -> None:
    """plan → saved → reload (F5) → still listed and opens; lock a trip and re-plan →
    dispatch A then B → dispatching B again says nothing changed; then a trip event recorded
    on 跟踪 changes the trip's status."""
    sign_in(page, fresh_server, "operator")
    open_page(page, "planning")
    set_time_limit(page, 3)
    name = page.get_by_label("方案名称").first  # the second is the upload's
    name.fill("浏览器甲")
    name.press("Enter")
    settle(page)
    a = run_plan(page, "开始规划")

    page.reload()  # still signed in (the browser's session cookie)
    page.get_by_test_id("stSidebarNav").wait_for(timeout=30_000)
    settle(page)
    open_page(page, "planning")
    shown = page.get_by_label("查看方案").evaluate("e => e.value || e.innerText")
    assert shown == f"P{a:03d} 浏览器甲（已保存）", shown
    choose_first(page, "选择车次查看乘车名单")
    page.get_by_text("乘车名单", exact=True).wait_for()

    page.get_by_role("button", name="下达车次（写入台账）").click()
    wait_for_text(page, rf"方案 P{a:03d} 已下达：")
    # the reload reset the widgets (10 s): the re-plan still uses A's own settings (3 s)
    wait_for_text(page, rf"按方案 P{a:03d} 的参数重新规划")
    note = page.get_by_test_id("stAlert").filter(has_text=f"按方案 P{a:03d}").inner_text()
    assert "与之不同" in note and "计算时限" in note, note
    choose_first(page, "已派出、需保持不变的车次", multi=True)
    b = run_plan(page, "保留锁定车次，重新规划其余")
    assert b != a
    page.get_by_role("button", name="下达车次（写入台账）").click()
    # B keeps the locked trip (and any trip it planned the same), replaces A
    assert f"方案 P{a:03d} 已被取代" in wait_for_text(page, rf"方案 P{b:03d} 已下达：")
    page.get_by_role("button", name="下达车次（写入台账）").click()
    wait_for_text(page, rf"方案 P{b:03d} 已下达，没有变化。", 30_000)
    shoot(page, "planning-dispatched")
    a_trip_event_changes_the_status(page)


def a_trip_event_changes_the_status(page: Any) -> None:
    """跟踪, on the trips just dispatched: recording that a trip was cancelled says so and
    counts it as cancelled (part of the dispatch journey, which gives it its trips)."""
    open_page(page, "tracking")
    assert page.get_by_text("取消车次 0 个").count() == 1
    page.get_by_role("tab", name="记录车次动态").click()
    panel = page.get_by_role("tabpanel").filter(visible=True)
    panel.get_by_label("车次", exact=True).click()
    option = page.get_by_role("option").first
    trip = option.inner_text().split(" · ")[0]
    option.click()
    settle(page)
    panel.get_by_label("动态", exact=True).click()
    page.get_by_role("option", name="取消", exact=True).click()
    settle(page)
    panel.get_by_role("button", name="记录动态").click()
    settle(page)
    page.get_by_text(f"已记录：车次 {trip} 取消。").wait_for(timeout=30_000)
    page.get_by_text("取消车次 1 个").wait_for(timeout=30_000)
    shoot(page, "tracking-cancelled")


def test_papers_download_ready_to_print(server: str, page: Any) -> None:
    """规划's dispatch sheet and manifests, downloaded and opened with openpyxl: A4, fit to
    the page width, header rows repeated on each page, money stored as numbers in yuan."""
    from openpyxl import load_workbook

    sign_in(page, server, "operator")
    open_page(page, "planning")
    for button in ("下载派车单（xlsx）", "下载乘车名单（xlsx）"):
        with page.expect_download() as download:
            page.get_by_role("button", name=button).click()
        book = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
        ws = book.worksheets[0]
        assert int(ws.page_setup.paperSize) == 9, "A4"
        assert ws.sheet_properties.pageSetUpPr.fitToPage  # one page wide: 1, the default
        assert ws.page_setup.fitToWidth in (None, 1)
        assert ws.print_title_rows, "the header rows repeat on every page"
        money = [c.value for sheet in book.worksheets for row in sheet.iter_rows()
                 for c in row if c.number_format == '"¥"#,##0.00' and c.value is not None]
        if button.startswith("下载派车单"):
            assert money and all(isinstance(v, int | float) for v in money), money[:3]


def test_money_cards_fit_at_1366_px(server: str, browser: Any) -> None:
    """On a 1366 × 768 screen no metric card of 总览, 补贴 or 规划 cuts its figure off."""
    tab = browser.new_page(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    try:
        sign_in(tab, server, "operator")
        for name in ("overview", "subsidies", "planning"):
            open_page(tab, name)
            cut = tab.eval_on_selector_all(
                '[data-testid="stMetricValue"]',
                "els => els.filter(e => [e, ...e.querySelectorAll('*')]"
                ".some(x => x.scrollWidth > x.clientWidth + 1)).map(e => e.innerText)")
            assert tab.locator('[data-testid="stMetricValue"]').count() >= 3
            assert cut == [], f"{name}: {cut}"
        open_page(tab, "overview")
        shoot(tab, "overview-1366")
    finally:
        tab.close()


def test_export_clicked_after_a_demotion_signs_out_with_the_reason(
    server: str, page: Any, app_home: Path
) -> None:
    """A finance user demoted to operator while 补贴 is open clicks 下载财务拨付清单: the
    service refuses the file, and the page says why (signed out: role changed) instead of
    nothing happening."""
    from planner.services.auth import add_user, set_role

    url = f"sqlite:///{app_home / 'jobbus.sqlite'}"
    add_user("finance-demoted", PASSWORD, "finance", url=url)
    sign_in(page, server, "finance-demoted")
    open_page(page, "subsidies")
    set_role("finance-demoted", "operator", url=url)
    page.get_by_role("button", name="下载财务拨付清单").click()
    wait_for_text(page, "角色已变更，已退出登录")
    page.get_by_label("用户名").wait_for(timeout=30_000)  # the login form, once drawn
    assert page.get_by_label("用户名").count() == 1


def test_reload_keeps_the_user_signed_in_until_sign_out(server: str, page: Any) -> None:
    """Reloading the page (F5) keeps the user signed in on the page they were on; after 退出登录
    a reload shows the login form."""
    sign_in(page, server, "auditor")
    open_page(page, "subsidies")
    page.reload()
    page.get_by_test_id("stSidebarNav").wait_for(timeout=30_000)
    settle(page)
    assert page.get_by_label("用户名").count() == 0
    assert page.get_by_role("heading", name="补贴申领与拨付").count() == 1
    page.get_by_role("button", name="退出登录").click()
    settle(page)
    page.reload()
    page.get_by_label("用户名").wait_for(timeout=30_000)
    assert page.get_by_test_id("stSidebarNav").count() == 0


def test_reload_after_a_role_change_signs_out_with_the_reason(
    server: str, page: Any, app_home: Path
) -> None:
    """A reload does not bring back a user whose role was changed meanwhile: the login form
    says why."""
    from planner.services.auth import add_user, set_role

    url = f"sqlite:///{app_home / 'jobbus.sqlite'}"
    add_user("reload-demoted", PASSWORD, "finance", url=url)
    sign_in(page, server, "reload-demoted")
    set_role("reload-demoted", "operator", url=url)
    page.reload()
    wait_for_text(page, "角色已变更，已退出登录")
    page.get_by_label("用户名").wait_for(timeout=30_000)  # the form follows the message
    assert page.get_by_test_id("stSidebarNav").count() == 0


def test_a_refused_new_user_keeps_what_was_typed(server: str, page: Any) -> None:
    """设置 · 新增用户 with a weak password is refused in Chinese and the form keeps the name
    typed, so the administrator fixes only the password."""
    sign_in(page, server, "admin")
    open_page(page, "settings")
    page.get_by_role("tab", name="用户与角色").click()
    settle(page)
    form = page.get_by_test_id("stForm")
    form.get_by_label("用户名").fill("night-clerk")
    form.get_by_label("密码").fill("123")
    form.get_by_role("button", name="新增").click()
    wait_for_text(page, "密码至少 10 个字符")
    assert form.get_by_label("用户名").input_value() == "night-clerk"


def test_issue_payment_asks_to_confirm_its_total_before_any_money_moves(
    server: str, page: Any, app_home: Path
) -> None:
    """Finance picks a claim whose notice has ended and clicks 发起支付: the page first states
    the count and total, nothing is issued until 确认; then the claim has its payment."""
    import pandas as pd

    from planner.services import claims
    from planner.services.auth import Role, system_actor
    from ui import fmt

    url = f"sqlite:///{app_home / 'jobbus.sqlite'}"
    in_notice = claims.list_claims("in_notice", url=url)
    claim, amount = int(in_notice["claim_id"].iloc[0]), int(in_notice["amount_fen"].iloc[0])
    claims.close_notice([claim], system_actor(Role.APPROVER), url=url)

    def payment() -> Any:
        return claims.list_claims(url=url).set_index("claim_id").loc[claim, "payment_id"]

    sign_in(page, server, "finance")
    open_page(page, "subsidies")
    pick(page, "状态", "公示期满")
    page.get_by_label("选择条目").click()
    page.keyboard.type(f"#{claim} ")
    page.get_by_role("option").filter(has_text=f"#{claim} ·").first.click()
    page.keyboard.press("Escape")
    settle(page)
    page.get_by_role("button", name="发起支付").click()
    asked = wait_for_text(page, r"发起支付：1 条，合计")
    assert fmt.yuan(amount) in asked
    assert pd.isna(payment()), "nothing is issued before 确认"
    page.get_by_role("button", name="确认", exact=True).click()
    wait_for_text(page, "已完成 — 发起支付")
    assert not pd.isna(payment()), "确认 issued the claim's payment"
