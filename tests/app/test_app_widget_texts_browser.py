"""Streamlit's own widget texts in a real headless Chromium: in Chinese the file uploader reads
选择文件 / 将文件拖放到此处 / 单个文件不超过 30 MB · CSV、XLSX and a text input's hint reads
按回车键提交 (drawn by CSS over Streamlit's English, ``ui.widget_texts``); the uploader refuses a
file above the true limit as it is chosen and says 未上传; in English Streamlit's own words stay,
with the true limit. The Chinese uploader is kept as tests/artifacts/uploader-zh.png (and the
page as uploader-zh-page.png)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.app.test_app_browser import (
    ARTIFACTS,
    CHROMIUM,
    PASSWORD,
    browser,
    open_page,
    page,
    server,
    settle,
    shoot,
    sign_in,
)

__all__ = ["browser", "page", "server"]  # the fixtures, shared with the main browser test

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(),
                       reason="Debian's chromium is not installed (apt-get install chromium)"),
]

DROPZONE = '.st-key-reg_file_workers [data-testid="stFileUploaderDropzone"]'

#: what a user sees in an element: its rendered text (``innerText`` leaves out text hidden by
#: ``visibility`` or ``display``) and the CSS ``::before``/``::after`` texts of its shown parts
SEEN = """(root) => {
    const parts = [root.innerText];
    for (const el of [root, ...root.querySelectorAll("*")]) {
        if (!el.checkVisibility()) continue;  // displayed (its ::after may be visible alone)
        for (const pseudo of ["::before", "::after"]) {
            const style = getComputedStyle(el, pseudo);
            const content = style.content;
            if (content && content.startsWith('"') && style.visibility === "visible"
                    && parseFloat(style.fontSize) > 0) {
                parts.push(JSON.parse(content.replace(/\\\\a /gi, "\\\\n")));
            }
        }
    }
    return parts.join("\\n");
}"""


def _limit() -> str:
    from planner.io.tables import max_input_mb

    return f"{max_input_mb():g}"


def _seen(page: Any, selector: str = DROPZONE) -> str:
    return str(page.locator(selector).evaluate(SEEN))


def test_chinese_uploader_reads_chinese_with_the_true_limit(server: str, page: Any) -> None:
    """登记's uploader, signed in in Chinese: its button, drop hint and limit (30 MB, the
    uploader's types) are Chinese; no "Drag and drop", "Upload" or "200MB" is seen; while a
    file is dragged over it the overlay is Chinese; a file above the limit is refused as it is
    chosen and marked 未上传. The login form's hint while typing is Chinese too."""
    page.goto(server)
    page.get_by_label("用户名").fill("operator")
    hint = page.get_by_test_id("InputInstructions").first
    hint.wait_for(timeout=10_000)
    seen = str(hint.evaluate(SEEN))
    assert "按回车键提交" in seen and "Press Enter" not in seen, seen
    sign_in(page, server, "operator")
    open_page(page, "registration")
    page.locator(DROPZONE).wait_for()
    seen = _seen(page)
    for chinese in ("选择文件", "将文件拖放到此处", f"单个文件不超过 {_limit()} MB · CSV、XLSX"):
        assert chinese in seen, seen
    for english in ("Drag and drop", "Upload", "200MB", "per file", "Browse"):
        assert english not in seen, seen
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator(DROPZONE).locator("xpath=..").screenshot(
        path=str(ARTIFACTS / "uploader-zh.png"))
    shoot(page, "uploader-zh-page")

    page.locator(DROPZONE).evaluate("""(zone) => {
        const data = new DataTransfer();
        data.items.add(new File(["a,b"], "a.csv", {type: "text/csv"}));
        zone.dispatchEvent(new DragEvent("dragenter", {dataTransfer: data, bubbles: true}));
    }""")
    overlay = f"{DROPZONE} > div:not([data-testid])"
    page.locator(overlay).wait_for(timeout=10_000)
    dragging = _seen(page, overlay)
    assert "将文件拖放到此处" in dragging and "Drag and drop" not in dragging, dragging
    page.locator(DROPZONE).evaluate(
        "zone => zone.dispatchEvent(new DragEvent('dragleave', {bubbles: true}))")

    too_big = int((float(_limit()) + 0.5) * 1024 * 1024)
    page.locator(f"{DROPZONE} input[type=file]").set_input_files(files=[
        {"name": "太大.csv", "mimeType": "text/csv", "buffer": b"a" * too_big}])
    chip = page.locator(f'{DROPZONE} [data-testid="stFileChip"][aria-invalid="true"]')
    chip.wait_for(timeout=30_000)
    assert "未上传" in _seen(page, f'{DROPZONE} [data-testid="stFileChip"]')
    settle(page)
    panel = page.get_by_role("tabpanel").filter(visible=True)
    assert panel.get_by_text("表头可用中文或英文").count() == 1, "the refused file is not read"


def test_english_uploader_keeps_streamlits_words(server: str, page: Any) -> None:
    """In English nothing is drawn over Streamlit's uploader: it reads "Upload" and the true
    limit, as Streamlit writes them."""
    page.goto(server)
    page.get_by_label("语言 / Language").click()
    page.get_by_role("option", name="English").click()
    settle(page)
    page.get_by_label("User name", exact=True).fill("operator")
    hint = str(page.get_by_test_id("InputInstructions").first.evaluate(SEEN))
    assert "Press Enter to submit form" in hint and "按回车键" not in hint, hint
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_test_id("stSidebarNav").wait_for(timeout=30_000)
    settle(page)
    page.get_by_test_id("stSidebarNav").get_by_text("Registration", exact=True).click()
    settle(page)
    page.locator(DROPZONE).wait_for()
    seen = _seen(page)
    assert "Upload" in seen and f"{_limit()}MB per file • CSV, XLSX" in seen, seen
    for chinese in ("选择文件", "将文件拖放到此处", "单个文件不超过"):
        assert chinese not in seen, seen


TOOLBAR = '[data-testid="stElementToolbar"]'


def _toolbar_words(page: Any) -> tuple[list[str], str]:
    """The claims table's toolbar on 补贴 (shown on hover): its buttons' labels, and the
    tooltip of its first button."""
    page.get_by_test_id("stDataFrame").first.hover()
    page.locator(f"{TOOLBAR} button").first.wait_for(timeout=10_000)
    page.wait_for_timeout(500)  # the translator runs on the next animation frame
    labels = page.locator(f"{TOOLBAR} button").evaluate_all(
        "els => els.map(e => e.getAttribute('aria-label'))")
    page.get_by_test_id("stElementToolbarButton").first.hover()
    tip = page.get_by_test_id("stTooltipContent").filter(visible=True).first
    tip.wait_for(timeout=10_000)
    page.wait_for_timeout(300)
    return labels, tip.inner_text()


def test_table_toolbar_reads_chinese(server: str, page: Any) -> None:
    """In Chinese the table toolbar's tooltip and its buttons' labels (read out) are Chinese
    (显示/隐藏列, 下载为 CSV, 搜索, 全屏), not Streamlit's English; the table's own data is
    left as it is."""
    sign_in(page, server, "operator")
    open_page(page, "subsidies")
    labels, tip = _toolbar_words(page)
    assert labels[:4] == ["显示/隐藏列", "下载为 CSV", "搜索", "全屏"], labels
    assert tip == "显示/隐藏列", tip
    assert page.get_by_test_id("stDataFrame").count() >= 1
    picker = page.get_by_test_id("stMultiSelect").first.locator("input")
    picker.click()
    first = page.get_by_role("option").first
    first.wait_for(timeout=10_000)
    page.wait_for_timeout(300)
    assert first.inner_text() == "全选", first.inner_text()
    picker.fill("1")
    page.wait_for_timeout(800)
    bulk = page.get_by_role("option").first.inner_text()
    assert re.fullmatch(r"选择 [0-9,]+ 个匹配项", bulk), bulk


def test_table_toolbar_keeps_streamlits_words_in_english(server: str, page: Any) -> None:
    """Switched to English in the same tab, Streamlit's words are its own again: a tooltip
    drawn afresh reads "Show/hide columns"."""
    sign_in(page, server, "operator")
    page.get_by_label("语言 / Language").click()
    page.get_by_role("option", name="English").click()
    settle(page)
    page.get_by_test_id("stSidebarNav").get_by_text("Subsidies", exact=True).click()
    settle(page)
    labels, tip = _toolbar_words(page)
    assert tip == "Show/hide columns", tip
    assert "Download as CSV" in labels, labels
