"""The scenario the app works on, and its tables as the editors show them.

Rules implemented:

- the working scenario is the folder ``JOBBUS_HOME/scenario`` (``~/.jobbus/scenario``); when it
  is missing it is copied from the demo the ledger was seeded with, or the Shangyu 2020 demo is
  written there (``JOBBUS_DEMO_WORKERS`` people when set);
- a table is shown as normalised text, one row per spreadsheet row (the index is the row number
  as the spreadsheet shows it), under the Chinese headers and with 是/否, 统一乘车/自行返岗/均可
  and 大巴/专列 in Chinese; what the user edits goes back to the English names and values
  (:func:`canonical`) before the service checks it;
- reading, merging, checking and saving an uploaded table is the service's
  (``planner.services.registration``).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from planner.paths import user_data_dir
from planner.problems import Problem
from planner.services.registration import registered_frame
from ui import fmt
from ui.i18n import current_language

TABLE_KINDS = ("workers", "employers")


def demo_workers() -> int | None:
    """The demo size from ``JOBBUS_DEMO_WORKERS`` (``None``: the full demo)."""
    value = os.environ.get("JOBBUS_DEMO_WORKERS", "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else None


def scenario_dir() -> Path:
    """The working scenario folder: copied from the demo the ledger was seeded with
    (``demo-ledger/scenario``), or written from the demo when there is none."""
    folder = user_data_dir() / "scenario"
    if not (folder / "scenario.toml").exists():
        seeded = user_data_dir() / "demo-ledger" / "scenario"
        if (seeded / "scenario.toml").exists():
            shutil.copytree(seeded, folder, dirs_exist_ok=True)
            return folder
        from planner.demo import write_demo

        kwargs: dict[str, Any] = {}
        n = demo_workers()
        if n:
            kwargs["n_workers"] = n
        write_demo(folder, force=folder.exists(), **kwargs)
    return folder


def scenario_version(folder: Path) -> float:
    """Latest modification time of the scenario's files (a cache key)."""
    return max((p.stat().st_mtime for p in folder.iterdir() if p.is_file()), default=0.0)


@st.cache_resource(show_spinner=False)
def gazetteer() -> Any:
    """The shipped gazetteer, loaded once per server."""
    from planner.geo import load_gazetteer

    return load_gazetteer()


@st.cache_resource(show_spinner=False, max_entries=4)
def load_scenario(folder: str, version: float) -> tuple[Any, list[Problem]]:
    """The scenario in ``folder`` (``None`` if it has errors) and its problems; cached until a
    file in the folder changes (``version``)."""
    from planner.services.scenario import check_scenario

    del version  # only a cache key
    scenario, problems = check_scenario(folder, gazetteer())
    return scenario, problems


def headers(kind: str) -> dict[str, str]:
    """English column name → the header shown: the Chinese alias in Chinese (the checks accept
    either), the English name otherwise."""
    from planner.io import schemas

    chinese = current_language() == "zh"
    return {c.name: (c.zh if chinese else c.name) for c in schemas.ALL_TABLES[kind].columns}


#: How normalised values read in Chinese in the editors (the readers accept both spellings).
SHOWN_ZH = {
    "bool": {"true": "是", "false": "否"},
    "travel": {"seat": "统一乘车", "own": "自行返岗", "either": "均可"},
    "vehicle_kind": {"coach": "大巴", "train": "专列"},
}


def shown_values(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    """``frame`` (English column names) with yes/no, travel and vehicle kind values in the
    session's language: 是/否, 统一乘车/自行返岗/均可, 大巴/专列 in Chinese."""
    from planner.io import schemas

    if current_language() != "zh":
        return frame
    out = frame.copy()
    for column in schemas.ALL_TABLES[kind].columns:
        words = SHOWN_ZH.get(str(column.kind))
        if words and column.name in out.columns:
            out[column.name] = [words.get(str(v), v) for v in out[column.name]]
    return out


def shown_frame(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    """A table under English column names and values as the editor shows it: headers and
    values in the session's language."""
    return shown_values(frame, kind).rename(columns=headers(kind))


def canonical(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    """What the editor returns, back under the English column names and values (the inverse
    of :func:`shown_frame`)."""
    from planner.io import schemas

    names = {shown: name for name, shown in headers(kind).items()}
    out = frame.rename(columns=names)
    for column in schemas.ALL_TABLES[kind].columns:
        words = SHOWN_ZH.get(str(column.kind))
        if words and column.name in out.columns:
            back = {shown: value for value, shown in words.items()}
            out[column.name] = [back.get(v, v) if isinstance(v, str) else v
                                for v in out[column.name]]
    return out


def table_frame(folder: Path, kind: str) -> pd.DataFrame:
    """A table of the working scenario as the editor shows it (index = spreadsheet row)."""
    return shown_frame(registered_frame(folder, kind), kind)


def template_xlsx(kind: str) -> bytes:
    """An empty table to fill in: one sheet named like the table, the headers in the session's
    language (the Chinese alias in Chinese), every cell formatted as text."""
    from planner.io import schemas, to_xlsx

    schema = schemas.ALL_TABLES[kind]
    frame = pd.DataFrame(columns=list(headers(kind).values()))
    with tempfile.TemporaryDirectory(prefix="jobbus-template-") as tmp:
        path = Path(tmp) / f"{kind}.xlsx"
        to_xlsx({schema.title if current_language() == "zh" else schema.name: frame}, path)
        return path.read_bytes()


def problems_frame(problems: list[Problem], labels: dict[str, str]) -> pd.DataFrame:
    """Problems as a table with translated headers: file, row, column, message (and level).

    The message is shown in the session language (``Problem.text``).
    """
    lang = current_language()
    return pd.DataFrame(
        [
            {
                labels["file"]: p.file,
                labels["row"]: fmt.row_number(p.row),
                labels["column"]: p.column or "",
                labels["message"]: p.text(lang),
                labels["severity"]: labels[str(p.severity)],
            }
            for p in problems
        ],
        columns=[labels[k] for k in ("file", "row", "column", "message", "severity")],
    )
