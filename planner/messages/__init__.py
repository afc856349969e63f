"""Messages as codes: every reason, evidence line, refusal and problem jobbus shows a person is
a code with parameters, rendered in Chinese or English from one catalogue.

Rules implemented here:

- a ``Message`` is a code (``"reason.no_seat_in_window"``) and named parameters; it is plain,
  immutable, picklable data that serialises to JSON (``to_json`` / ``from_json``), so the ledger
  can store it and a unit planned in another process can return it;
- the text of a code comes from the catalogue files ``catalogue/<area>.<lang>.toml`` (one file
  per area and language — ``reasons``, ``evidence``, ``problems``, ``refusals`` …; a code's
  first part names the TOML table it lives in); Chinese (``zh``) is the default language;
- a template is Python ``str.format`` text with named fields and these formats:
  ``{x:yuan}`` a fen amount as ``1,234.56``; ``{x:place}`` a county code as the place's name
  (``毕节市七星关区``); ``{x:date}`` an ISO date; ``{x:plural}`` ``s`` unless ``x`` is 1 (for
  English); ``{x:header}`` a column given as ``table.column`` (``workers.name``) as its header:
  the Chinese one (``姓名``) in Chinese, the English name in English; other specs as
  ``format`` has them;
- a parameter that is itself a ``Message`` is rendered in the same language; a list of them is
  joined (``；`` in Chinese, ``; `` in English);
- a code missing from the catalogue renders as ``code(param=value, …)`` — never an exception
  (a test checks that every code used has both languages).
"""

from __future__ import annotations

import functools
import string
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["LANGS", "Message", "catalogue", "msg", "render"]

CATALOGUE_DIR = Path(__file__).resolve().parent / "catalogue"
LANGS = ("zh", "en")
_JOIN = {"zh": "；", "en": "; "}


@dataclass(frozen=True, slots=True)
class Message:
    """A code and its parameters (sorted name/value pairs, so a message is hashable)."""

    code: str
    params: tuple[tuple[str, Any], ...] = ()

    @property
    def args(self) -> dict[str, Any]:
        """The parameters as a dict."""
        return dict(self.params)

    def render(self, lang: str = "zh") -> str:
        """The text in ``lang`` (``"zh"`` or ``"en"``)."""
        return render(self, lang)

    def __str__(self) -> str:
        return render(self, "en")

    def to_json(self) -> dict[str, Any]:
        """``{"code": …, "params": {…}}``, nested messages as the same."""
        return {"code": self.code, "params": {k: _to_json(v) for k, v in self.params}}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Message:
        """The message ``to_json`` gave."""
        return msg(str(data["code"]), **{k: _from_json(v) for k, v in
                                         dict(data.get("params") or {}).items()})


def msg(code: str, **params: Any) -> Message:
    """``Message(code, params)`` with the parameters sorted by name (lists become tuples)."""
    return Message(code, tuple(sorted((k, _frozen(v)) for k, v in params.items())))


def _frozen(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    return value


def _to_json(value: Any) -> Any:
    if isinstance(value, Message):
        return value.to_json()
    if isinstance(value, tuple):
        return [_to_json(v) for v in value]
    return value


def _from_json(value: Any) -> Any:
    if isinstance(value, dict) and "code" in value:
        return Message.from_json(value)
    if isinstance(value, list):
        return tuple(_from_json(v) for v in value)
    return value


@functools.cache
def catalogue(lang: str) -> dict[str, str]:
    """Every code's template in ``lang``: the catalogue files' tables flattened to dotted
    codes (``[reason] no_seat = "…"`` → ``reason.no_seat``)."""
    out: dict[str, str] = {}
    for path in sorted(CATALOGUE_DIR.glob(f"*.{lang}.toml")):
        with path.open("rb") as fh:
            _flatten(tomllib.load(fh), "", out)
    return out


def _flatten(table: Mapping[str, Any], prefix: str, out: dict[str, str]) -> None:
    for key, value in table.items():
        if isinstance(value, Mapping):
            _flatten(value, f"{prefix}{key}.", out)
        else:
            out[f"{prefix}{key}"] = str(value)


class _Formatter(string.Formatter):
    def __init__(self, lang: str) -> None:
        self.lang = lang

    def format_field(self, value: Any, format_spec: str) -> str:
        if isinstance(value, Message):
            return render(value, self.lang)
        if isinstance(value, tuple) and all(isinstance(v, Message) for v in value):
            return _JOIN[self.lang].join(render(v, self.lang) for v in value)
        if format_spec == "yuan":
            return f"{int(value) / 100:,.2f}"
        if format_spec == "place":
            return place_name(str(value))
        if format_spec == "date":
            return str(value)[:10]
        if format_spec == "plural":
            return "" if int(value) == 1 else "s"
        if format_spec == "header":
            return column_header(str(value), self.lang)
        return super().format_field(value, format_spec)


def render(message: Message, lang: str = "zh") -> str:
    """The text of ``message`` in ``lang`` (falls back to English, then to the bare code)."""
    lang = lang if lang in LANGS else "zh"
    template = catalogue(lang).get(message.code) or catalogue("en").get(message.code)
    if template is None:
        inner = ", ".join(f"{k}={v}" for k, v in message.params)
        return f"{message.code}({inner})"
    try:
        return _Formatter(lang).vformat(template, (), message.args)
    except (KeyError, IndexError, ValueError):
        return f"{message.code}{message.args}"


@functools.cache
def place_name(code: str) -> str:
    """A county-level (or prefecture / province) code as its full Chinese name, or the code
    itself when the gazetteer does not know it."""
    from planner.geo import load_gazetteer

    division = load_gazetteer().get(code)
    return code if division is None else division.full_name


def column_header(column: str, lang: str) -> str:
    """A column given as ``table.column`` as the header a user sees in ``lang``: the table's
    Chinese header in Chinese, the English column name otherwise (a column the table does not
    define: its name; no known table: the text as given)."""
    from planner.io.schemas import ALL_TABLES

    table, _, name = column.rpartition(".")
    schema = ALL_TABLES.get(table)
    if schema is None:
        return column
    try:
        header = schema.column(name)
    except KeyError:
        return name
    return header.zh if lang == "zh" else header.name


def codes_used(messages: Iterable[Message]) -> set[str]:
    """Every code in ``messages``, nested ones included (for catalogue completeness tests)."""
    seen: set[str] = set()
    stack = list(messages)
    while stack:
        m = stack.pop()
        seen.add(m.code)
        for _, v in m.params:
            if isinstance(v, Message):
                stack.append(v)
            elif isinstance(v, tuple):
                stack.extend(x for x in v if isinstance(x, Message))
    return seen
