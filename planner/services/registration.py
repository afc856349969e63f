"""Use case: register an uploaded table (people, employers) or an edited one (the fleet) into the
working scenario folder, checked as a whole, and into the ledger.

Rules implemented here:

- an uploaded table is read with ``planner.io.read_table``; its rows are kept as normalised text
  under the English column names (``planner.io.plans.table_frame``), one row per spreadsheet
  row: the index is the row number as the spreadsheet shows it;
- a table is checked by copying the working scenario to a candidate folder beside it, putting
  the table in and checking the whole scenario (``check_scenario``), so cross-table rules (an
  employer that does not exist, one person twice) are checked too;
- the people and employers tables add to what is registered: a row with a new key (ID number,
  credit code) is added, a row with a known key replaces the registered row, and registered
  rows the table does not carry are kept; nothing registered is removed. Checking a table
  counts what saving it does (``TableChanges``: added, updated, unchanged, kept); any other
  table (the fleet) is replaced whole;
- the problems of the table name the uploaded file and its own row numbers (a row added by
  hand has none); a problem of a registered row, checked again beside the new ones, names the
  scenario's file and no row; their columns are named by the caller's ``labels`` when given
  (the headers the user sees), else by the English names;
- a table kept as xlsx in the scenario is written back as CSV (scenario.toml is updated);
- saving copies the candidate over the working scenario file by file (each replaced at once),
  only when no error remains; registering imports the candidate into the ledger first and
  saves it only if the ledger took it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from planner.io.validate import GazetteerLike
from planner.problems import InputError, Problem, Severity
from planner.services.auth import User
from planner.services.context import Ledger
from planner.services.imports import ImportResult, import_path

__all__ = [
    "MERGE_KEYS",
    "TableChanges",
    "TableUpload",
    "check_upload",
    "read_upload",
    "register_upload",
    "registered_frame",
    "save_upload",
    "table_changes",
    "table_file",
]

#: An uploaded table adds to the registered one: rows with a new key are added, rows with a
#: known key replace the registered row. Other tables (the fleet) are replaced whole.
MERGE_KEYS = {"workers": "id_number", "employers": "uscc"}


@dataclass(frozen=True, slots=True)
class TableChanges:
    """What saving a checked table does to the registered rows, by key (``MERGE_KEYS``).

    Attributes
    ----------
    added
        Rows of the table with a key not registered: added.
    updated
        Rows with a registered key and other values: they replace the registered row.
    unchanged
        Rows with a registered key and the same values.
    kept
        Registered rows whose key the table does not carry: kept as they are.
    """

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    kept: int = 0


@dataclass(slots=True)
class TableUpload:
    """A table on its way into the working scenario.

    ``frame`` holds the rows as text under the English column names (index = spreadsheet row);
    ``candidate`` is the checked scenario folder, kept for :func:`save_upload`; ``changes``
    what saving that candidate does to the registered rows (``None``: not checked yet, or a
    table replaced whole).
    """

    kind: str
    file_name: str
    frame: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    candidate: Path | None = None
    changes: TableChanges | None = None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]


def table_file(folder: Path, kind: str) -> str:
    """The file name scenario.toml gives for ``kind`` (``workers.csv`` by default)."""
    with (folder / "scenario.toml").open("rb") as fh:
        config = tomllib.load(fh)
    return str(config.get(kind, f"{kind}.csv"))


def registered_frame(folder: Path, kind: str) -> pd.DataFrame:
    """A table of the scenario in ``folder`` as normalised text under the English column
    names (index = spreadsheet row, named ``row``)."""
    from planner.io import schemas
    from planner.io.plans import table_frame
    from planner.io.tables import read_table

    table = read_table(folder / table_file(folder, kind), schemas.ALL_TABLES[kind])
    frame = table_frame(table)
    frame.index = pd.Index([r.row for r in table.rows], name="row")
    return frame


def read_upload(kind: str, file_name: str, data: bytes, folder: Path, *,
                labels: Mapping[str, str] | None = None,
                gazetteer: GazetteerLike | None = None) -> TableUpload:
    """Read an uploaded people or employers table (CSV or xlsx) and, if it could be read,
    check it inside the scenario in ``folder`` (:func:`check_upload`).

    Parameters
    ----------
    kind
        ``"workers"`` or ``"employers"``.
    file_name
        The name the user's file had (used in problems).
    data
        The file's bytes.
    folder
        The working scenario.
    labels
        English column name → the header shown to the user (names the problems' columns).
    """
    from planner.io import schemas
    from planner.io.plans import table_frame
    from planner.io.tables import read_table

    with tempfile.TemporaryDirectory(prefix="jobbus-upload-") as tmp:
        path = Path(tmp) / Path(file_name).name
        path.write_bytes(data)
        table = read_table(path, schemas.ALL_TABLES[kind], display=file_name)
    frame = table_frame(table)
    frame.index = pd.Index([r.row for r in table.rows], name="row")
    upload = TableUpload(kind, file_name, frame, list(table.problems))
    if table.ok:
        check_upload(upload, folder, labels=labels, gazetteer=gazetteer)
    return upload


def check_upload(upload: TableUpload, folder: Path, *, labels: Mapping[str, str] | None = None,
                 gazetteer: GazetteerLike | None = None) -> TableUpload:
    """Check ``upload.frame`` inside a copy of the scenario in ``folder``; fills ``problems``,
    ``candidate`` (a checked copy replaces the previous one) and ``changes``.

    Parameters
    ----------
    upload
        Its ``frame`` under the English column names; values as the readers accept them.
    folder
        The working scenario (left untouched).
    labels
        English column name → the header shown to the user (names the problems' columns).
    """
    from planner.io.safe_cells import write_safe_csv
    from planner.services.scenario import check_scenario

    candidate = Path(tempfile.mkdtemp(prefix="jobbus-check-", dir=folder.parent))
    shutil.copytree(folder, candidate, dirs_exist_ok=True)
    name = table_file(folder, upload.kind)
    target = candidate / name
    if target.suffix.lower() == ".xlsx":
        target.unlink(missing_ok=True)
        target = target.with_suffix(".csv")
        _set_table_file(candidate, upload.kind, target.name)
    merged, changes = _merge(upload, folder)
    write_safe_csv(merged, target, encoding="utf-8-sig")
    _, problems = check_scenario(candidate, gazetteer)
    rows = list(upload.frame.index)
    shown = labels or {}
    located = []
    for p in problems:
        if p.file == target.name:
            column = shown.get(p.column, p.column) if p.column else p.column
            if p.row is not None and 2 <= p.row < len(rows) + 2:
                p = replace(p, file=upload.file_name, row=_row_number(rows[p.row - 2]),
                            column=column)
            else:  # a row already registered, checked again beside the new ones
                p = replace(p, file=name, row=None, column=column)
        located.append(p)
    if upload.candidate is not None:
        shutil.rmtree(upload.candidate, ignore_errors=True)
    upload.problems = located
    upload.candidate = candidate
    upload.changes = changes
    return upload


def merged_table(upload: TableUpload, folder: Path) -> pd.DataFrame:
    """The table the scenario will hold: the upload's rows first, then the registered rows
    whose key the upload does not carry (a table without a key: the upload alone)."""
    return _merge(upload, folder)[0]


def _merge(upload: TableUpload, folder: Path) -> tuple[pd.DataFrame, TableChanges | None]:
    """:func:`merged_table` and what it changes (``None`` for a table without a key)."""
    frame = upload.frame.fillna("").astype(str).reset_index(drop=True)
    key = MERGE_KEYS.get(upload.kind)
    if key is None or key not in frame.columns:
        return frame, None
    registered = registered_frame(folder, upload.kind).fillna("").astype(str)
    kept = registered[~registered[key].isin(set(frame[key]))]
    merged = pd.concat([frame, kept], ignore_index=True).fillna("").astype(str)
    return merged, table_changes(frame, registered, key)


def table_changes(frame: pd.DataFrame, registered: pd.DataFrame, key: str) -> TableChanges:
    """What putting the rows of ``frame`` over ``registered`` does, by ``key``: a row with a
    registered key is unchanged when every column of either table holds the same text (a
    column one of them lacks counts as empty), else updated."""
    columns = list(dict.fromkeys([*frame.columns, *registered.columns]))
    new = frame.reindex(columns=columns, fill_value="").fillna("").astype(str)
    old = (registered.reindex(columns=columns, fill_value="").fillna("").astype(str)
           .drop_duplicates(key).set_index(key))
    known = new[key].isin(old.index)
    carried = new[known].set_index(key)
    same = (carried == old.loc[carried.index, carried.columns]).all(axis=1)
    unchanged = int(same.sum())
    return TableChanges(added=int((~known).sum()), updated=len(carried) - unchanged,
                        unchanged=unchanged,
                        kept=int((~old.index.isin(set(new[key]))).sum()))


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


def save_upload(upload: TableUpload, folder: Path) -> Path:
    """Copy a checked candidate over the scenario in ``folder``.

    Returns
    -------
    Path
        ``folder``.

    Raises
    ------
    InputError
        The table still has errors; nothing was saved.
    """
    candidate = _clean_candidate(upload)
    for path in candidate.iterdir():
        if path.is_file():
            tmp = folder / f".{path.name}.tmp"
            shutil.copy2(path, tmp)
            os.replace(tmp, folder / path.name)
    shutil.rmtree(candidate, ignore_errors=True)
    upload.candidate = None
    return folder


def _clean_candidate(upload: TableUpload) -> Path:
    """The checked candidate of ``upload``; a refusal while errors remain (saving a table
    never checked is a bug of the caller)."""
    if upload.errors:
        raise InputError(upload.errors)
    if upload.candidate is None:
        raise ValueError(f"{upload.file_name}: check the table before saving it")
    return upload.candidate


def register_upload(upload: TableUpload, folder: Path, actor: User, *, url: str | None = None,
                    ledger: Ledger | None = None) -> ImportResult:
    """Import a checked candidate into the ledger as a scenario, then save it over the
    scenario in ``folder``; a refused import saves nothing.

    Raises
    ------
    InputError
        The table still has errors, or the ledger refused a row (file, row, column named).
    PermissionDenied
        ``actor`` may not import.
    """
    result = import_path("scenario", _clean_candidate(upload), actor, url=url, ledger=ledger)
    save_upload(upload, folder)
    return result
