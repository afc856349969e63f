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
  credit code) is added, a row with a known key replaces the registered row's cells in the
  columns the table carries — a blank cell clears that fact, a column the table does not
  carry keeps the registered values (a table without the bank columns never clears an
  account) — and registered rows the table does not carry are kept; nothing registered is
  removed (in the ledger a known row keeps its identity and takes the rest, a blank cell
  clearing the field rather than standing for the planner's default:
  ``planner.ledger.importers``; a changed or cleared bank account sends the payee's unpaid
  claims back to review, and waits while a payment of theirs is at the bank:
  ``planner.services.payments``). Checking a table
  counts what saving it does (``TableChanges``: added, updated, unchanged, kept); any other
  table (the fleet) is replaced whole;
- the problems of the table — of the check, and of the ledger refusing a save — name the
  uploaded file and its own row numbers (a row added by hand has none); a problem of a
  registered row, checked again beside the new ones, names the scenario's file and no row;
  their columns are named by the caller's ``labels`` when given (the headers the user sees),
  else by the English names (in the ledger's messages: by the header in the message's
  language);
- a table kept as xlsx in the scenario is written back as CSV (scenario.toml is updated);
- a check remembers the working files it was made against (their SHA-256 and the rows of the
  table); saving holds a lock on the working scenario (a file beside its folder, so saves from
  every session and process wait for each other) and, when the files changed since the check
  (someone else saved), puts the table again onto the files as they are now and checks it
  again: a row of the table that is as it was at the check gives way to the other save's
  change, a row changed by both (added or changed, with other values) refuses the save, naming
  the table's file, row and column, and nothing is saved; a table without a key (the fleet)
  changed by both refuses too;
- saving writes, under that lock, only the files the save changes: each is first copied beside
  its target, then all are put in place (each replaced at once) — registering imports the
  candidate into the ledger between the two, so a refused import or a file that cannot be
  copied leaves both the working files and the ledger as they were.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import tomllib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
from filelock import FileLock, Timeout

from planner.io.validate import GazetteerLike
from planner.messages import msg
from planner.problems import InputError, Problem, Severity, problem
from planner.services.auth import User
from planner.services.context import Ledger
from planner.services.imports import ImportResult, content_sha256, import_path

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

#: How a row of a keyed table is named in a problem: message code and its parameter.
WHAT = {"workers": ("problem.what_person", "id"), "employers": ("problem.what_employer",
                                                                "employer")}

#: How long a save waits for another save of the same working scenario, in seconds.
SAVE_LOCK_TIMEOUT_S = 60.0


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
    table replaced whole). ``base_sha256`` and ``base`` are the working files the check was
    made against (their SHA-256) and their rows of this table; ``labels`` and ``gazetteer``
    what it was checked with (a save checks again when the files changed meanwhile).
    """

    kind: str
    file_name: str
    frame: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    candidate: Path | None = None
    changes: TableChanges | None = None
    base_sha256: str | None = None
    base: pd.DataFrame | None = field(default=None, repr=False)
    labels: Mapping[str, str] | None = field(default=None, repr=False)
    gazetteer: GazetteerLike | None = field(default=None, repr=False)

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
    # the working files as copied: what this check is made against (another save may be
    # replacing them meanwhile; a save compares with the first check's)
    base_sha256 = content_sha256(candidate) if upload.base_sha256 is None else None
    base = registered_frame(candidate, upload.kind)
    name = table_file(candidate, upload.kind)
    target = candidate / name
    if target.suffix.lower() == ".xlsx":
        target.unlink(missing_ok=True)
        target = target.with_suffix(".csv")
        _set_table_file(candidate, upload.kind, target.name)
    merged, changes = _merge(upload, base)
    write_safe_csv(merged, target, encoding="utf-8-sig")
    _, problems = check_scenario(candidate, gazetteer)
    located = _as_the_table_shows(upload, problems, {target.name}, name, labels)
    if upload.candidate is not None:
        shutil.rmtree(upload.candidate, ignore_errors=True)
    upload.problems = located
    upload.candidate = candidate
    upload.changes = changes
    if base_sha256 is not None:
        # the registered rows as the user first saw them beside the table: checking the
        # table again (at 校验并保存) does not move them, so a save another user made since
        # is still caught (:func:`_catch_up`)
        upload.base_sha256, upload.base = base_sha256, base
    upload.labels, upload.gazetteer = labels, gazetteer
    return upload


def _as_the_table_shows(upload: TableUpload, problems: list[Problem], merged_files: set[str],
                        scenario_file: str, labels: Mapping[str, str] | None) -> list[Problem]:
    """Problems of the merged table (a file named in ``merged_files``) as the user sees the
    table: a row of the upload by its file and its own row number (a row added by hand: none),
    a registered row by the scenario's file and no row; columns by ``labels``. Problems of
    other files as they are."""
    rows = list(upload.frame.index)
    shown = labels or {}
    located = []
    for p in problems:
        if p.file in merged_files:
            column = shown.get(p.column, p.column) if p.column else p.column
            if p.row is not None and 2 <= p.row < len(rows) + 2:
                p = replace(p, file=upload.file_name, row=_row_number(rows[p.row - 2]),
                            column=column)
            else:  # a row already registered, checked again beside the new ones
                p = replace(p, file=scenario_file, row=None, column=column)
        located.append(p)
    return located


def merged_table(upload: TableUpload, folder: Path) -> pd.DataFrame:
    """The table the scenario will hold: the upload's rows first, then the registered rows
    whose key the upload does not carry (a table without a key: the upload alone)."""
    return _merge(upload, registered_frame(folder, upload.kind))[0]


def _merge(upload: TableUpload, registered: pd.DataFrame
           ) -> tuple[pd.DataFrame, TableChanges | None]:
    """:func:`merged_table` over the ``registered`` rows, and what it changes (``None`` for a
    table without a key)."""
    frame = upload.frame.fillna("").astype(str).reset_index(drop=True)
    key = MERGE_KEYS.get(upload.kind)
    if key is None or key not in frame.columns:
        return frame, None
    registered = registered.fillna("").astype(str)
    frame = _with_registered_columns(frame, registered, key)
    kept = registered[~registered[key].isin(set(frame[key]))]
    merged = pd.concat([frame, kept], ignore_index=True).fillna("").astype(str)
    return merged, table_changes(frame, registered, key)


def _with_registered_columns(frame: pd.DataFrame, registered: pd.DataFrame, key: str
                             ) -> pd.DataFrame:
    """``frame`` with the registered columns it does not carry, holding each known key's
    registered values (blank for a new key): a table without a column says nothing about it,
    unlike a blank cell, which clears it."""
    missing = [c for c in registered.columns if c not in frame.columns]
    if not missing:
        return frame
    values = (registered.drop_duplicates(key).set_index(key)[missing]
              .reindex(frame[key]).fillna("").set_axis(frame.index))
    return pd.concat([frame, values], axis=1)


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
    """Put a checked candidate over the scenario in ``folder`` (only the files it changes);
    when someone saved since the check, the table is put again onto their files first
    (:func:`_catch_up`).

    Returns
    -------
    Path
        ``folder``.

    Raises
    ------
    InputError
        The table still has errors, or a row of it was also changed by the other save, or
        another save held the working scenario too long; nothing was saved.
    """
    with _saving(upload, folder):
        staged = _stage(_catch_up(upload, folder), folder)
        _put_in_place(staged)
        _saved(upload, folder)
    _forget_candidate(upload)
    return folder


def _clean_candidate(upload: TableUpload) -> Path:
    """The checked candidate of ``upload``; a refusal while errors remain (saving a table
    never checked is a bug of the caller)."""
    if upload.errors:
        raise InputError(upload.errors)
    if upload.candidate is None:
        raise ValueError(f"{upload.file_name}: check the table before saving it")
    return upload.candidate


def _forget_candidate(upload: TableUpload) -> None:
    if upload.candidate is not None:
        shutil.rmtree(upload.candidate, ignore_errors=True)
    upload.candidate = None


@contextmanager
def _saving(upload: TableUpload, folder: Path) -> Iterator[None]:
    """Hold the lock of the working scenario in ``folder``: one save at a time, whatever the
    session or process. A refusal when another save holds it longer than
    ``SAVE_LOCK_TIMEOUT_S``."""
    lock = FileLock(folder.parent / f".{folder.name}.lock", timeout=SAVE_LOCK_TIMEOUT_S)
    try:
        lock.acquire()
    except Timeout:
        raise InputError([problem(upload.file_name, "problem.registration_busy")]) from None
    try:
        yield
    finally:
        lock.release()


def _catch_up(upload: TableUpload, folder: Path) -> Path:
    """The candidate to save: the checked one while the working files are those the check was
    made against; else the table put again onto the files as they are now (its rows another
    save changed and it did not give way to that save) and checked again.

    Raises
    ------
    InputError
        The table has errors (now, or after checking it again), or a row of it was changed by
        the other save too, with other values.
    """
    candidate = _clean_candidate(upload)
    now = content_sha256(folder)
    if upload.base_sha256 == now:
        return candidate
    try:
        rows = _rows_kept(upload, folder)
    except InputError:
        # the user is told which rows the other save changed: saving again after this
        # overwrites them knowingly
        upload.base_sha256, upload.base = now, registered_frame(folder, upload.kind)
        raise
    again = TableUpload(upload.kind, upload.file_name, rows)
    check_upload(again, folder, labels=upload.labels, gazetteer=upload.gazetteer)
    _forget_candidate(upload)
    upload.problems, upload.candidate, upload.changes = again.problems, again.candidate, \
        again.changes
    upload.base_sha256, upload.base = again.base_sha256, again.base
    return _clean_candidate(upload)


def _rows_kept(upload: TableUpload, folder: Path) -> pd.DataFrame:
    """The rows of ``upload`` to put onto the working files as they are now: a row another
    save changed since the check (added, or given other values) gives way when the table
    holds it as it was at the check; it stays when the table holds what the other save
    wrote. Rows are compared on the columns the table carries (the others keep what the
    other save wrote).

    Raises
    ------
    InputError
        Rows changed by both, with other values (each named by the table's file, row and
        first differing column); for a table without a key, any change of the other save.
    """
    now = registered_frame(folder, upload.kind)
    base = upload.base if upload.base is not None else now
    key = MERGE_KEYS.get(upload.kind)
    if key is None or key not in upload.frame.columns:
        columns = list(dict.fromkeys([*base.columns, *now.columns]))
        if _rows_by_key(base, None, columns) != _rows_by_key(now, None, columns):
            raise InputError([problem(upload.file_name, "problem.registration_table_changed",
                                      file=table_file(folder, upload.kind))])
        return upload.frame
    # only the columns the table carries: the others keep what is registered now
    columns = list(upload.frame.columns)
    before, after = _rows_by_key(base, key, columns), _rows_by_key(now, key, columns)
    ours = upload.frame.reindex(columns=columns, fill_value="").fillna("").astype(str)
    code, param = WHAT[upload.kind]
    shown = upload.labels or {}
    keep, clashes = [], []
    for row, values in zip(upload.frame.index, ours.itertuples(index=False, name=None),
                           strict=True):
        k = values[columns.index(key)]
        old, new = before.get(k), after.get(k)
        if old == new or values == new:  # nobody else touched it, or both wrote the same
            keep.append(True)
        elif values == old:  # this table holds it as it was: the other save's change stays
            keep.append(False)
        else:
            keep.append(False)
            column = key if new is None else next(
                c for c, a, b in zip(columns, values, new, strict=True) if a != b)
            clashes.append(problem(upload.file_name, "problem.registration_changed_meanwhile",
                                   _row_number(row), shown.get(column, column),
                                   what=msg(code, **{param: k})))
    if clashes:
        raise InputError(clashes)
    return upload.frame[keep]


def _rows_by_key(frame: pd.DataFrame, key: str | None, columns: list[str]
                 ) -> dict[Any, tuple[str, ...]]:
    """The rows of ``frame`` as text over ``columns`` (a column it lacks: empty), by ``key``
    (the first row of a key; ``None``: by position)."""
    text = frame.reindex(columns=columns, fill_value="").fillna("").astype(str)
    out: dict[Any, tuple[str, ...]] = {}
    for i, values in enumerate(text.itertuples(index=False, name=None)):
        out.setdefault(i if key is None else values[columns.index(key)], values)
    return out


def _stage(candidate: Path, folder: Path) -> list[tuple[Path, Path]]:
    """Copy the files of ``candidate`` that differ from those in ``folder`` beside their
    targets (``.<name>.tmp``); scenario.toml comes last (it names the tables). Returns the
    (copy, target) pairs; a failed copy removes the copies made and raises."""
    changed = [p for p in sorted(candidate.iterdir(), key=lambda p: p.name == "scenario.toml")
               if p.is_file() and not _same_bytes(p, folder / p.name)]
    staged: list[tuple[Path, Path]] = []
    try:
        for path in changed:
            tmp = folder / f".{path.name}.tmp"
            staged.append((tmp, folder / path.name))
            shutil.copy2(path, tmp)
    except BaseException:
        _discard(staged)
        raise
    return staged


def _same_bytes(a: Path, b: Path) -> bool:
    return b.is_file() and a.stat().st_size == b.stat().st_size and a.read_bytes() == \
        b.read_bytes()


def _discard(staged: list[tuple[Path, Path]]) -> None:
    for tmp, _ in staged:
        tmp.unlink(missing_ok=True)


def _saved(upload: TableUpload, folder: Path) -> None:
    """The files just saved are what a later save of the same table is compared with (its own
    save is no one else's)."""
    upload.base_sha256, upload.base = content_sha256(folder), registered_frame(folder,
                                                                               upload.kind)


def _put_in_place(staged: list[tuple[Path, Path]]) -> None:
    for tmp, target in staged:
        os.replace(tmp, target)


def register_upload(upload: TableUpload, folder: Path, actor: User, *, url: str | None = None,
                    ledger: Ledger | None = None) -> ImportResult:
    """Import a checked candidate into the ledger as a scenario and save it over the scenario
    in ``folder``, both or neither: the changed files are copied beside their targets, the
    ledger imports, then the files are put in place — all under the save lock, after putting
    the table onto the files someone else saved since the check (:func:`save_upload`).

    Raises
    ------
    InputError
        The table still has errors, a row of it was also changed by another save, or the
        ledger refused a row (named as the table shows it: the user's file and its row, the
        column by its shown header; a registered row by the scenario's file); nothing was
        saved.
    PermissionDenied
        ``actor`` may not import.
    """
    with _saving(upload, folder):
        candidate = _catch_up(upload, folder)
        staged = _stage(candidate, folder)
        try:
            result = import_path("scenario", candidate, actor, url=url, ledger=ledger)
        except InputError as refused:  # the ledger names the merged file: name the table's
            _discard(staged)
            name = table_file(candidate, upload.kind)
            raise InputError(_as_the_table_shows(
                upload, refused.problems, {name, f"{upload.kind}.csv"},
                table_file(folder, upload.kind), upload.labels)) from None
        except BaseException:
            _discard(staged)
            raise
        _put_in_place(staged)
        _saved(upload, folder)
    _forget_candidate(upload)
    return result
