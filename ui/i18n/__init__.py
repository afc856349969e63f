"""The app's words in Chinese (default) and English.

Rules implemented:

- every text the app shows goes through :func:`t` with a dotted key (``"planning.run"``); the
  catalogues are ``zh.toml`` and ``en.toml`` next to this file, nested TOML tables flattened to
  dotted keys; a test checks every key used in the code exists in both;
- the language is ``st.session_state["lang"]`` (``"zh"`` unless the user picks English in the
  sidebar);
- ``{name}`` placeholders are filled with :meth:`str.format`; a key missing from the chosen
  catalogue falls back to Chinese, then to the key itself (never an exception on screen).
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

import streamlit as st

LANGUAGES: dict[str, str] = {"zh": "中文", "en": "English"}
DEFAULT_LANGUAGE = "zh"
CATALOGUE_DIR = Path(__file__).parent


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in table.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, f"{full}."))
        else:
            out[full] = str(value)
    return out


@cache
def catalogue(lang: str) -> dict[str, str]:
    """All texts of one language as ``{dotted key: text}``.

    Parameters
    ----------
    lang
        ``"zh"`` or ``"en"``.
    """
    path = CATALOGUE_DIR / f"{lang}.toml"
    with path.open("rb") as fh:
        return _flatten(tomllib.load(fh))


def current_language() -> str:
    """The language picked in this session (``"zh"`` by default)."""
    lang = st.session_state.get("lang", DEFAULT_LANGUAGE)
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def translate(key: str, lang: str, **values: Any) -> str:
    """The text for ``key`` in ``lang`` with ``{placeholders}`` filled in."""
    text = catalogue(lang).get(key) or catalogue(DEFAULT_LANGUAGE).get(key) or key
    if values:
        try:
            return text.format(**values)
        except (KeyError, IndexError, ValueError):
            return text
    return text


def t(key: str, **values: Any) -> str:
    """The text for ``key`` in the session's language.

    Parameters
    ----------
    key
        Dotted catalogue key, e.g. ``"nav.planning"``.
    **values
        Values for ``{placeholders}`` in the text.
    """
    return translate(key, current_language(), **values)


def has(key: str) -> bool:
    """Whether ``key`` exists in the catalogue (for optional texts such as role names)."""
    return key in catalogue(DEFAULT_LANGUAGE)


def language_picker() -> str:
    """Draw the language selector in the sidebar and return the language chosen."""
    if "lang" not in st.session_state:
        st.session_state["lang"] = DEFAULT_LANGUAGE
    st.sidebar.selectbox(
        t("app.language"),
        options=list(LANGUAGES),
        format_func=LANGUAGES.__getitem__,
        key="lang",
    )
    return current_language()
