"""The scenario the app works on, and checking uploaded tables against it.

Rules implemented:

- the working scenario is the folder ``JOBBUS_HOME/scenario`` (``~/.jobbus/scenario``); when it
  is missing it is copied from the demo the ledger was seeded with, or the Shangyu 2020 demo is
  written there (``JOBBUS_DEMO_WORKERS`` people when set);
- an uploaded table is read with ``planner.io.read_table`` and shown as normalised text, one row
  per spreadsheet row (the index is the row number as the spreadsheet shows it), under the
  Chinese headers in Chinese (which the checks accept as aliases);
- a table (as uploaded or as edited) is checked by copying the working scenario to a temporary
  folder, putting the table in, and running ``planner.services.scenario.check_scenario`` — so
  cross-table rules (an employer that does not exist, one person twice) are checked too; the
  problems name the uploaded file and its own row numbers;
- an uploaded people or employers table adds to what is registered (a known ID number or
  credit code replaces its row); the fleet is replaced whole;
- saving copies the checked candidate over the working scenario only when it has no errors.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from planner.io.safe_cells import write_safe_csv
from planner.paths import user_data_dir
from planner.problems import Problem, Severity
from ui.i18n import current_language

TABLE_KINDS = ("workers", "employers")
#: An uploaded table adds to the registered one: rows with a new key are added, rows with a
#: known key replace the registered row. Other tables (the fleet) are replaced whole.
MERGE_KEYS = {"workers": "id_number", "employers": "uscc"}


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


def table_file(folder: Path, kind: str) -> str:
    """The file name scenario.toml gives for ``kind`` (``workers.csv`` by default)."""
    with (folder / "scenario.toml").open("rb") as fh:
        config = tomllib.load(fh)
    return str(config.get(kind, f"{kind}.csv"))


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


def table_frame(folder: Path, kind: str) -> pd.DataFrame:
    """A table of the working scenario as text (index = spreadsheet row), for editing."""
    from planner.io import schemas
    from planner.io.plans import table_frame as frame_of
    from planner.io.tables import read_table

    table = read_table(folder / table_file(folder, kind), schemas.ALL_TABLES[kind])
    frame = shown_values(frame_of(table), kind).rename(columns=headers(kind))
    frame.index = pd.Index([r.row for r in table.rows], name="row")
    return frame


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


@dataclass(slots=True)
class Upload:
    """An uploaded table: its name, its rows as text (index = spreadsheet row), its problems."""

    kind: str
    file_name: str
    frame: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    candidate: Path | None = None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]


def read_upload(kind: str, file_name: str, data: bytes) -> Upload:
    """Read an uploaded workers or employers table (CSV or xlsx).

    Parameters
    ----------
    kind
        ``"workers"`` or ``"employers"``.
    file_name
        The name the user's file had (used in problems).
    data
        The file's bytes.
    """
    from planner.io import schemas
    from planner.io.plans import table_frame
    from planner.io.tables import read_table

    schema = schemas.ALL_TABLES[kind]
    with tempfile.TemporaryDirectory(prefix="jobbus-upload-") as tmp:
        path = Path(tmp) / Path(file_name).name
        path.write_bytes(data)
        table = read_table(path, schema, display=file_name)
    frame = shown_values(table_frame(table), kind).rename(columns=headers(kind))
    frame.index = pd.Index([r.row for r in table.rows], name="row")
    upload = Upload(kind, file_name, frame, list(table.problems))
    if table.ok:
        check_upload(upload)
    return upload


def check_upload(upload: Upload) -> Upload:
    """Check ``upload.frame`` inside a copy of the working scenario; fills ``problems`` and
    ``candidate`` (the temporary scenario folder, kept for :func:`save_upload`)."""
    from planner.services.scenario import check_scenario

    source = scenario_dir()
    candidate = Path(tempfile.mkdtemp(prefix="jobbus-check-", dir=user_data_dir()))
    shutil.copytree(source, candidate, dirs_exist_ok=True)
    name = table_file(source, upload.kind)
    target = candidate / name
    frame = upload.frame.fillna("").astype(str)
    key = headers(upload.kind).get(MERGE_KEYS.get(upload.kind, ""))
    if key is not None and key in frame.columns:
        kept = table_frame(source, upload.kind)
        kept = kept[~kept[key].isin(set(frame[key]))]
        frame = pd.concat([frame, kept], ignore_index=True)
        frame = frame.fillna("").astype(str)
    if target.suffix.lower() == ".xlsx":
        target.unlink(missing_ok=True)
        target = target.with_suffix(".csv")
        _set_table_file(candidate, upload.kind, target.name)
    write_safe_csv(frame, target, encoding="utf-8-sig")
    _, problems = check_scenario(candidate, gazetteer())
    rows = list(upload.frame.index)
    mapped = []
    for p in problems:
        if p.file == target.name:
            row = p.row
            if row is not None and 2 <= row < len(rows) + 2:
                p = Problem(upload.file_name, p.what, _row_number(rows[row - 2]), p.column,
                            p.severity)
            else:  # a row already registered, checked again beside the new ones
                p = Problem(name, p.what, None, p.column, p.severity)
        mapped.append(p)
    if upload.candidate is not None:
        shutil.rmtree(upload.candidate, ignore_errors=True)
    upload.problems = mapped
    upload.candidate = candidate
    return upload


def _row_number(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None  # a row added in the editor has no spreadsheet row yet


def _set_table_file(folder: Path, kind: str, name: str) -> None:
    import tomli_w

    path = folder / "scenario.toml"
    with path.open("rb") as fh:
        config = tomllib.load(fh)
    config[kind] = name
    path.write_text(tomli_w.dumps(config), encoding="utf-8")


def save_upload(upload: Upload) -> Path:
    """Copy a checked candidate over the working scenario (refused while errors remain).

    Returns
    -------
    Path
        The working scenario folder.
    """
    if upload.candidate is None or upload.errors:
        raise ValueError("the table still has errors; nothing was saved")
    target = scenario_dir()
    for path in upload.candidate.iterdir():
        if path.is_file():
            tmp = target / f".{path.name}.tmp"
            shutil.copy2(path, tmp)
            os.replace(tmp, target / path.name)
    shutil.rmtree(upload.candidate, ignore_errors=True)
    upload.candidate = None
    return target


def problems_frame(problems: list[Problem], labels: dict[str, str]) -> pd.DataFrame:
    """Problems as a table with translated headers: file, row, column, message (and level).

    The message is shown in the session language (``Problem.text``).
    """
    lang = current_language()
    return pd.DataFrame(
        [
            {
                labels["file"]: p.file,
                labels["row"]: p.row,
                labels["column"]: p.column or "",
                labels["message"]: p.text(lang),
                labels["severity"]: labels[str(p.severity)],
            }
            for p in problems
        ],
        columns=[labels[k] for k in ("file", "row", "column", "message", "severity")],
    )
