"""Every text of the app goes through the catalogues, and both catalogues are complete."""

from __future__ import annotations

import ast
import re
import string
import sys
import tomllib
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

SOURCES = sorted(
    [REPO_ROOT / "app.py", *(REPO_ROOT / "app_pages").glob("*.py"),
     *(REPO_ROOT / "ui").rglob("*.py")]
)
#: Streamlit calls whose first argument (or these keywords) is text a person reads.
TEXT_CALLS = {
    "title", "header", "subheader", "caption", "markdown", "write", "text", "info", "success",
    "warning", "error", "toast", "button", "download_button", "form_submit_button", "checkbox",
    "toggle", "radio", "selectbox", "multiselect", "slider", "select_slider", "text_input",
    "text_area", "number_input", "date_input", "time_input", "file_uploader", "metric",
    "expander", "tabs", "page_link", "spinner", "progress", "status", "link_button",
}
TEXT_KEYWORDS = {"label", "help", "placeholder", "title", "text", "caption"}
WORDS = re.compile(r"[\u4e00-\u9fff]|[A-Za-z]{2,}")


def _catalogue(lang: str) -> dict[str, str]:
    from ui.i18n import _flatten

    with (REPO_ROOT / "ui" / "i18n" / f"{lang}.toml").open("rb") as fh:
        return _flatten(tomllib.load(fh))


def _t_calls() -> tuple[set[str], set[str]]:
    """Literal keys and f-string prefixes passed to ``t(...)`` anywhere in the app."""
    keys: set[str] = set()
    prefixes: set[str] = set()
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id == "t" and node.args):
                continue
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                keys.add(arg.value)
            elif isinstance(arg, ast.JoinedStr) and isinstance(arg.values[0], ast.Constant):
                prefixes.add(str(arg.values[0].value))
            elif isinstance(arg, ast.BinOp) and isinstance(arg.left, ast.Constant):
                prefixes.add(str(arg.left.value))
    return keys, prefixes


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_key_used_is_in_the_catalogue(lang):
    """Each ``t("key")`` in app.py, app_pages/ and ui/ has a text in this language."""
    keys, prefixes = _t_calls()
    catalogue = _catalogue(lang)
    assert len(keys) > 150
    assert sorted(keys - set(catalogue)) == []
    for prefix in prefixes:
        assert any(k.startswith(prefix) for k in catalogue), f"no key starts with {prefix!r}"


def test_both_catalogues_have_the_same_keys_and_placeholders():
    """zh.toml and en.toml hold the same keys, with the same {placeholders} in each text."""
    zh, en = _catalogue("zh"), _catalogue("en")
    assert sorted(set(zh) ^ set(en)) == []
    fields = string.Formatter()
    for key in zh:
        names_zh = {f for _, f, _, _ in fields.parse(zh[key]) if f}
        names_en = {f for _, f, _, _ in fields.parse(en[key]) if f}
        assert names_zh == names_en, key


def test_enumerated_values_all_have_names():
    """Every role, claim state and subsidy rule the services know has a name in the UI."""
    from planner.ledger.workflow import ClaimState
    from planner.services.auth import Role
    from planner.subsidies import Rule

    zh = _catalogue("zh")
    for prefix, values in (("roles", Role), ("states", ClaimState), ("rules", Rule)):
        for value in values:
            assert f"{prefix}.{value.value}" in zh, f"{prefix}.{value.value}"


def test_chinese_is_the_default_and_english_is_chinese_free():
    """The default catalogue is Chinese; no English text slips Chinese into a sentence
    except the bilingual language picker and file-name hints."""
    from ui.i18n import DEFAULT_LANGUAGE

    assert DEFAULT_LANGUAGE == "zh"
    zh, en = _catalogue("zh"), _catalogue("en")
    assert re.search(r"[\u4e00-\u9fff]", zh["nav.planning"])
    allowed = {"app.language", "registration.upload_workers", "registration.upload_employers",
               "registration.how", "subsidies.bank_file", "tracking.import_help"}
    chinese_in_en = [k for k, v in en.items()
                     if re.search(r"[\u4e00-\u9fff]", v) and k not in allowed]
    assert chinese_in_en == []


def _literal_text(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(str(v.value) for v in node.values if isinstance(v, ast.Constant))
    return None


def test_no_literal_ui_text_reaches_streamlit():
    """No page or helper passes a literal Chinese or English text to a Streamlit element:
    labels, titles, help and messages all come from ``t(...)``."""
    offenders = []
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in TEXT_CALLS):
                continue
            candidates = list(node.args[:1])
            candidates += [kw.value for kw in node.keywords if kw.arg in TEXT_KEYWORDS]
            for arg in candidates:
                text = _literal_text(arg)
                if text is not None and WORDS.search(text.replace("material/", "")):
                    offenders.append(f"{path.relative_to(REPO_ROOT)}:{node.lineno}: {text!r}")
    assert offenders == []


def test_translate_fills_placeholders_and_falls_back():
    """``translate`` fills {placeholders}; an unknown key shows the key, never an exception."""
    from ui.i18n import translate

    assert translate("problems.count", "zh", n=3) == "发现 3 个问题，未写入任何数据。"
    assert translate("problems.count", "en", n=3) == "3 problems found; nothing was written."
    assert translate("no.such.key", "en") == "no.such.key"
