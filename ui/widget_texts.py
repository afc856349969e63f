"""Streamlit's own widget texts in the user's language, and the app's file uploader.

Rules implemented:

- Streamlit writes the words of its own widgets (the file uploader's button, its size limit,
  the drag-and-drop overlay) in English and has no language setting; in Chinese the app shell
  (``app.py``) adds, once per run, a style sheet (:func:`chinese_widget_texts`) that hides
  those English words and shows the catalogue's Chinese in their place through CSS
  ``::after``; in English nothing is added and Streamlit's words stay as Streamlit writes them;
- the style sheet finds Streamlit's elements by their ``data-testid`` only (never by the
  generated ``st-emotion-cache`` classes, which change with every Streamlit release); the
  hidden English stays in the page but takes no room and is not read out (``visibility:
  hidden``; ``innerText`` leaves it out too);
- a text or number input's hint while typing ("Press Enter to apply", in a form "Press Enter
  to submit form") reads 按回车键确认 / 按回车键提交 (text areas, with their Ctrl+Enter hint,
  are left as Streamlit writes them);
- a file Streamlit refused (too large, wrong type) shows as a red chip; in Chinese its size
  line adds "未上传" (Streamlit's reason stays English, in the chip's tooltip);
- every file uploader of the app is made by :func:`file_uploader`: its limit is jobbus's input
  limit (``planner.io.tables.max_input_mb``; Streamlit takes it in whole MB rounded up,
  ``max_upload_mb``, as ``jobbus serve`` gives it to the server), so Streamlit refuses a
  larger file as it is chosen; in Chinese its instructions name the true limit and the
  uploader's own file types ("单个文件不超过 30 MB · CSV、XLSX"); an uploader made otherwise
  still shows the limit, without the types;
- Streamlit's other words — the table toolbar's tooltips (Show/hide columns, Download as CSV,
  Search, Fullscreen), a table column's menu (Sort ascending …), the table's search status,
  "No results" and "Clear all" of the select boxes, the running indicator's label — are not
  reachable by CSS (a tooltip is drawn apart from its button): a small script (once per
  browser tab, :func:`translate_streamlit_words`) replaces a text or attribute inside those
  elements only when it is exactly one of the catalogue's ``streamlit_words`` in English,
  so the app's own data is never touched; in English it is handed no words.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import streamlit as st

from planner.io.tables import max_input_mb, max_upload_mb
from ui.i18n import catalogue, current_language, t, translate

DROPZONE = '[data-testid="stFileUploaderDropzone"]'
INSTRUCTIONS = '[data-testid="stFileUploaderDropzoneInstructions"]'
#: the "Upload" button's label: the markdown of the button, the dropzone's first span
BUTTON_LABEL = f'{DROPZONE} > span [data-testid="stMarkdownContainer"]'
#: the overlay shown while a file is dragged over the dropzone (the only untagged div in it)
DRAG_OVERLAY = f"{DROPZONE} > div:not([data-testid])"
#: the size line of a file Streamlit refused
REFUSED_SIZE = ('[data-testid="stFileChip"][aria-invalid="true"]'
                ' [data-testid="stFileChipName"] + div')
SMALL = "0.875rem"  # Streamlit's fontSizes.sm: the instructions' and the overlay's size
TWO_SMALL = "0.75rem"  # Streamlit's fontSizes.twoSm: an input's hint
#: the "Press Enter to …" hint of a one-line input (its first part; a count may follow)
ENTER_HINT = tuple(f'[data-testid="{w}"] [data-testid="InputInstructions"] > span:first-child'
                   for w in ("stTextInput", "stNumberInput"))


def css_string(text: str) -> str:
    """``text`` as a CSS string literal (quotes and backslashes escaped, a newline as
    ``\\A``)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\A ")
    return f'"{escaped}"'


def instructions(types: Sequence[str] | None = None) -> str:
    """The dropzone's Chinese (or English) instructions: drop here, the limit, the types."""
    limit = f"{max_input_mb():g}"
    if types:
        names = t("widgets.upload_type_sep").join(x.lstrip(".").upper() for x in types)
        rule = t("widgets.upload_limit_types", mb=limit, types=names)
    else:
        rule = t("widgets.upload_limit", mb=limit)
    return f"{t('widgets.upload_drop')}\n{rule}"


def _replace(selector: str, text: str, size: str = SMALL) -> str:
    """CSS hiding the text of ``selector`` and drawing ``text`` in its place."""
    return (f"{selector}{{visibility:hidden;font-size:0;}}"
            f"{selector}::after{{visibility:visible;font-size:{size};white-space:pre;"
            f"content:{css_string(text)};}}")


def chinese_widget_texts() -> None:
    """In Chinese, the style sheet giving Streamlit's own widget texts in Chinese (once per
    run, from the app shell), and the translator of its other words
    (:func:`translate_streamlit_words`, which in English is told to stop)."""
    translate_streamlit_words()
    if current_language() != "zh":
        return
    css = (
        _replace(f"{BUTTON_LABEL} p", t("widgets.upload_button"))
        + _replace(f"{INSTRUCTIONS} span", instructions())
        + _replace(f"{DRAG_OVERLAY} > span", t("widgets.upload_drop"))
        + f"{REFUSED_SIZE}::after{{content:{css_string(' · ' + t('widgets.upload_refused'))};}}"
        + "".join(_replace(hint, t("widgets.enter_apply"), TWO_SMALL) for hint in ENTER_HINT)
        + "".join(f'[data-testid="stForm"] {hint}::after'
                  f'{{content:{css_string(t("widgets.enter_submit"))};}}' for hint in ENTER_HINT)
    )
    st.html(f"<style>{css}</style>")


#: where Streamlit draws its own words as text: tooltips (the table toolbar's), menus (a table
#: column's), drop-down lists ("No results") and the table's search status
WORD_TEXT = ('[data-testid="stTooltipContent"]', '[role="menu"]', '[role="listbox"]',
             '[data-baseweb="popover"]', ".gdg-search-status",
             '[data-testid="stDataFrameColumnVisibilityMenu"]', '[data-testid="stSkipToContent"]')
#: elements whose aria-label, title or placeholder Streamlit writes (read out, or shown on
#: hover): the table toolbar, the table, select boxes and the running indicator
WORD_ATTRIBUTES = ('[data-testid="stElementToolbar"]', '[data-testid="stDataFrame"]',
                   '[data-testid="stMultiSelect"]', '[data-testid="stSelectbox"]',
                   '[data-testid="stStatusWidget"]')
#: the page's translator of Streamlit's words: installed once per browser tab, it replaces a
#: text or attribute only when it is exactly one of Streamlit's words (never the app's data);
#: each run hands it the words of the session's language (none in English)
WORDS_SCRIPT = """<script>(() => {
  const w = window;
  w.__jobbusWords = %(words)s;
  if (w.__jobbusWordsObserver) { w.__jobbusTranslate(document.body); return; }
  const TEXT = %(text)s.join(",");
  const ATTR = %(attrs)s.map((s) => s + " [aria-label]," + s + " [title]," + s
                             + " [placeholder]," + s + "[aria-label]").join(",");
  const swap = (value) => {
    const key = (value || "").trim();
    const words = w.__jobbusWords;
    if (Object.prototype.hasOwnProperty.call(words, key)) return words[key];
    for (const english in words) {  // a word with a count in it: "Select {n} matches"
      if (!english.includes("{n}")) continue;
      const [head, tail] = english.split("{n}");
      if (key.startsWith(head) && key.endsWith(tail)
          && /^[0-9,]+$/.test(key.slice(head.length, key.length - tail.length))) {
        return words[english].replace("{n}", key.slice(head.length, key.length - tail.length));
      }
    }
    return null;
  };
  w.__jobbusTranslate = (root) => {
    if (!root || !root.querySelectorAll) return;
    for (const box of root.querySelectorAll(TEXT)) {
      const walk = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
      for (let n = walk.nextNode(); n; n = walk.nextNode()) {
        const to = swap(n.data);
        if (to !== null && n.data !== to) n.data = to;
      }
    }
    for (const el of root.querySelectorAll(ATTR)) {
      for (const name of ["aria-label", "title", "placeholder"]) {
        const to = swap(el.getAttribute(name));
        if (to !== null && el.getAttribute(name) !== to) el.setAttribute(name, to);
      }
    }
  };
  let queued = false;
  w.__jobbusWordsObserver = new MutationObserver(() => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => { queued = false; w.__jobbusTranslate(document.body); });
  });
  w.__jobbusWordsObserver.observe(document.body, {subtree: true, childList: true,
    characterData: true, attributes: true, attributeFilter: ["aria-label", "title"]});
  w.__jobbusTranslate(document.body);
})();</script>"""


def streamlit_words(lang: str) -> dict[str, str]:
    """Streamlit's own English words (the catalogue's ``streamlit_words`` in English, which are
    Streamlit's texts exactly) → their text in ``lang``; empty in English."""
    if lang == "en":
        return {}
    english = {k: v for k, v in catalogue("en").items() if k.startswith("streamlit_words.")}
    return {text: translate(key, lang) for key, text in english.items()}


def translate_streamlit_words() -> None:
    """Once per run, from the app shell: the page's translator of Streamlit's own words (the
    table toolbar's tooltips, a column's menu, "No results", labels read out), given the words
    of the session's language. In English it is handed no words, so nothing is replaced any
    more (texts already drawn keep their Chinese until Streamlit draws them again)."""
    script = WORDS_SCRIPT % {
        "words": json.dumps(streamlit_words(current_language()), ensure_ascii=False),
        "text": json.dumps(WORD_TEXT),
        "attrs": json.dumps(WORD_ATTRIBUTES),
    }
    st.html(script, unsafe_allow_javascript=True)


def file_uploader(label: str, types: Sequence[str], key: str, **kwargs: Any) -> Any:
    """``st.file_uploader`` limited to jobbus's input size; in Chinese its instructions name
    the limit and ``types``.

    Parameters
    ----------
    label
        The uploader's label (from the catalogue).
    types
        The file types accepted (``["csv", "xlsx"]``).
    key
        The widget key (also names the uploader's element, ``.st-key-<key>``, for its text).
    **kwargs
        Other arguments of ``st.file_uploader`` (``accept_multiple_files`` …).
    """
    if current_language() == "zh":
        own = f".st-key-{key} {INSTRUCTIONS} span::after"
        st.html(f"<style>{own}{{content:{css_string(instructions(types))};}}</style>")
    return st.file_uploader(label, type=list(types), key=key,
                            max_upload_size=max_upload_mb(), **kwargs)
