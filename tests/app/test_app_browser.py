"""The main flow in a real headless Chromium: sign in, plan the demo, open a trip's manifest,
approve a claim, download the finance list and open it; a screenshot of every screen is saved
under tests/artifacts/."""

from __future__ import annotations

import io
import os
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


@pytest.fixture(scope="module")
def server(app_home: Path) -> Iterator[str]:
    """``jobbus serve`` on a free port over the session's seeded ledger; yields its address."""
    port = _free_port()
    env = dict(os.environ, JOBBUS_HOME=str(app_home),
               JOBBUS_DATABASE_URL=f"sqlite:///{app_home / 'jobbus.sqlite'}",
               JOBBUS_DEMO_WORKERS="300", JOBBUS_ADMIN_PASSWORD=PASSWORD)
    log = (app_home / f"serve-{port}.log").open("w")
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
                    pytest.fail(f"jobbus serve did not start: {(app_home / log.name).name}")
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
    page.get_by_role("button", name="开始规划").click()
    settle(page, 180_000)
    page.get_by_label("选择车次查看乘车名单").click()
    page.get_by_role("option").first.click()
    settle(page)
    page.get_by_text("乘车名单", exact=True).wait_for()
    page.wait_for_timeout(1500)  # the map draws
    assert page.get_by_text("身份证号").count() > 0
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
    with page.expect_download() as download:
        page.get_by_role("button", name="下载财务拨付清单").click()
    data = Path(download.value.path()).read_bytes()
    book = load_workbook(io.BytesIO(data))
    assert len(book.sheetnames) >= 2, "a summary sheet and a sheet per rule"
    summary = book[book.sheetnames[0]]
    assert summary.max_row > 1
    assert str(summary["G1"].value).startswith("PB-"), "finance's download is a payment batch"
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
    assert page.get_by_role("button", name="Approve").count() == 0, "an auditor may not act"
    shoot(page, "subsidies-en-auditor")
