"""The leftover-English scan's tools: every text a user reads on an AppTest screen or in an
exported file, and the runs of Latin letters in it that are not on purpose.

A *leftover* is a run of three or more Latin letters left after the allowed texts are taken
out: ID numbers, credit codes, trip, payment and batch numbers, file names, units, codes the app
shows on purpose in parentheses, the user names the tests made, and the language picker's
"English". Streamlit's own widget texts never reach the element tree, so they are not seen;
the Chinese that ``ui.widget_texts`` draws over them (CSS ``content``) is.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

#: texts taken out before looking for Latin letters, most specific first
ALLOWED = [
    re.compile(r"\b\d{17}[\dXx]\b"),                          # ID numbers
    re.compile(r"\b[0-9A-Z]{18}\b"),                          # unified social credit codes
    re.compile(r"\b(?:JB|PB-)[\w-]+"),                        # payment ids, batch numbers
    re.compile(r"\b[PTC]\d{3,}(?:-[A-Z]\d+)*\b"),             # plan and trip ids
    re.compile(r"[\w.-]+\.(?:csv|xlsx|xls|toml|json|txt)\b"),  # file names
    re.compile(r"[(（][a-z_.]+(?:[)）]| / )"),                   # codes shown on purpose
    re.compile(r"“[a-z_]+”"),                                  # a column's code, quoted
    re.compile(r"\]\([^)]*\)|:material/\w+:"),                  # link targets, icons
    re.compile(r"\b(?:CSV|XLSX|JSON|Excel)\b"),                # file formats
    re.compile(r"\b(?:km|km/h|kg)\b"),                        # units
    re.compile(r"\bEnglish\b|语言 / Language"),                 # the language picker
]
LATIN_RUN = re.compile(r"[A-Za-z]{3,}")

#: proto fields whose text a user reads (labels, bodies, help, options, placeholders)
TEXT_FIELDS = {"label", "body", "help", "options", "placeholder", "caption", "text", "delta",
               "page_title"}


def leftovers(text: str, names: Iterable[str] = ()) -> list[str]:
    """The runs of Latin letters in ``text`` that are neither allowed nor a user name."""
    for pattern in ALLOWED:
        text = pattern.sub(" ", text)
    for name in sorted(names, key=len, reverse=True):
        text = re.sub(rf"(?<![\w-]){re.escape(name)}(?![\w-])", " ", text)
    return LATIN_RUN.findall(text)


def _proto_texts(proto: Any) -> Iterator[str]:
    """The readable strings of one element's proto message (nested messages too)."""
    for field, value in proto.ListFields():
        items = value if _repeated(field) else [value]
        if field.message_type is not None:
            for item in items:
                yield from _proto_texts(item)
        elif field.name in TEXT_FIELDS and field.type == field.TYPE_STRING:
            yield from items


def _repeated(field: Any) -> bool:
    """Whether a proto field holds a list (``is_repeated`` on newer protobuf)."""
    flag = getattr(field, "is_repeated", None)
    return bool(flag) if flag is not None else field.label == field.LABEL_REPEATED


def _frame_texts(frame: Any) -> Iterator[str]:
    """Column headers and distinct cell values of a data frame (a column of booleans is drawn
    as check boxes, not as the words True and False)."""
    yield from (str(c) for c in frame.columns)
    for column in frame.columns:
        values = frame[column].dropna().unique()[:5000]
        if all(isinstance(v, (bool, np.bool_)) for v in values):
            continue
        yield from (str(v) for v in values)


def _spec_texts(spec: Any, key: str = "") -> Iterator[str]:
    """A chart spec's visible words: titles, legend domains and sort orders."""
    if isinstance(spec, dict):
        for k, v in spec.items():
            yield from _spec_texts(v, k)
    elif isinstance(spec, list):
        for v in spec:
            yield from _spec_texts(v, key)
    elif isinstance(spec, str) and key in {"title", "domain", "sort", "text", "label"}:
        yield spec


def _chart_texts(proto: Any) -> Iterator[str]:
    """A Vega-Lite chart's titles and legend words, and the text cells of its data."""
    import json

    from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

    yield from _spec_texts(json.loads(proto.spec))
    for named in proto.datasets:
        frame = convert_arrow_bytes_to_pandas_df(named.data.data)
        for column in frame.columns:
            yield from (v for v in frame[column].dropna().unique()[:5000] if isinstance(v, str))


def screen_texts(at: Any) -> list[str]:
    """Every text on an AppTest's screen: headings, markdown, captions, alerts, metrics,
    buttons, tab and expander labels, options, the headers and cells of tables, and the
    titles, legends and text data of charts (the map is not read)."""
    out: list[str] = []
    stack = [at._tree]
    while stack:
        node = stack.pop()
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            stack.extend(children.values())
        proto = getattr(node, "proto", None)
        if proto is None:
            continue
        if getattr(node, "type", "") == "dataframe":
            out.extend(_frame_texts(node.value))
            continue
        if getattr(node, "type", "") == "vega_lite_chart":
            out.extend(_chart_texts(proto))
            continue
        out.extend(_shown(s) for s in _proto_texts(proto) if s)
    return out


SCRIPT = re.compile(r"<script>.*?</script>", re.DOTALL)
STYLE = re.compile(r"<style>.*?</style>", re.DOTALL)
DRAWN = re.compile(r'content:"((?:[^"\\]|\\.)*)"')


def _drawn(style: re.Match[str]) -> str:
    """The texts a style sheet draws (``content: "…"``, ``ui.widget_texts``); its selectors
    and properties do not show."""
    texts = (re.sub(r"\\A ?", "\n", t).replace('\\"', '"') for t in DRAWN.findall(style[0]))
    return " " + " ".join(texts) + " "


def _shown(text: str) -> str:
    """What of ``text`` reaches the reader: an HTML element's scripts run, they do not show;
    of its style sheets only the texts they draw show."""
    return STYLE.sub(_drawn, SCRIPT.sub(" ", text))


def xlsx_texts(data: bytes) -> list[str]:
    """Sheet names and every cell's text of a workbook, but for the cells of a column whose
    header says it holds codes (``…代码``, shown on purpose)."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    out = list(book.sheetnames)
    for sheet in book.worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        codes = {i for i, v in enumerate(rows[0] if rows else ()) if str(v).endswith("代码")}
        for row in rows:
            out.extend(str(v) for i, v in enumerate(row) if v is not None and i not in codes)
        if sheet.oddHeader is not None:
            out.extend(str(part.text) for part in (sheet.oddHeader.left, sheet.oddHeader.center,
                                                   sheet.oddHeader.right) if part.text)
    return out


def csv_texts(data: bytes) -> list[str]:
    """Every cell of a CSV file (UTF-8, with or without a byte order mark)."""
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig")))
    return [cell for row in reader for cell in row if cell]


def report(found: dict[str, dict[str, list[str]]]) -> str:
    """The leftovers as text, grouped by where they were seen: ``where`` → {text: runs}; a
    text already listed at an earlier place is not listed again."""
    lines, seen = [], set()
    for where, texts in found.items():
        fresh = {text: runs for text, runs in texts.items() if text not in seen}
        seen.update(fresh)
        if fresh:
            lines.append(f"== {where}")
            lines.extend(f"   {' '.join(runs)}: {text[:200]!r}" for text, runs in fresh.items())
    return "\n".join(lines)


def collect(found: dict[str, dict[str, list[str]]], where: str, texts: Iterable[str],
            names: Iterable[str] = ()) -> None:
    """Add the texts with leftovers seen at ``where`` to ``found`` (with their runs)."""
    names = list(names)
    for text in texts:
        runs = leftovers(text, names)
        if runs:
            found.setdefault(where, {})[text] = runs
