"""Write a demo scenario folder: scenario.toml, the four tables, the policies and a README.

Rules implemented here:

- CSV files are UTF-8 with a byte-order mark (so Excel on a Chinese Windows machine shows the
  Chinese), ``\\n`` line ends, English headers; blanks are empty cells; money has two decimals.
- xlsx files hold one sheet named like the file, dates as date cells, IDs and phones as text;
  their zip timestamps and document dates are pinned, so the same seed gives the same bytes.
- Policies are copied from ``DATA_DIR/policies`` (``shangyu-2020.toml`` becomes
  ``policy.toml``; Ningbo's and Longwan's sit beside it for what-if runs). A missing policy file
  is warned about, never invented.
- ``write_demo`` is atomic for a new or empty folder (written to a temporary sibling, then
  renamed). It refuses a non-empty folder unless ``force``; then it replaces only the files it
  writes, each by an atomic rename, and leaves any other file alone.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import os
import re
import shutil
import tempfile
import warnings
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner import paths
from planner.demo.generate import (
    DEFAULT_SEED,
    DEFAULT_WORKERS,
    DemoTables,
    generate_demo,
)
from planner.demo.readme import render_readme
from planner.demo.shape import DemoShape
from planner.problems import InputError, problem

TABLES = ("workers", "employers", "fleet", "load_caps")
POLICY_COPIES = (
    ("shangyu-2020.toml", "policy.toml"),
    ("ningbo-2020.toml", "policy-ningbo-2020.toml"),
    ("longwan-2020.toml", "policy-longwan-2020.toml"),
)
DEMO_FILES = (
    "scenario.toml",
    *(f"{t}.csv" for t in TABLES),
    *(target for _, target in POLICY_COPIES),
    "README.md",
)
MONEY_COLUMNS = frozenset({"cost_per_km", "fixed_cost", "driver_cost"})
INT_COLUMNS = frozenset({"seats", "available", "lead_days", "new_hires_wanted"})
_PINNED = dt.datetime(2020, 2, 15, 0, 0, 0)


def _is_blank(value: Any) -> bool:
    if value is None or value is pd.NA:
        return True
    return isinstance(value, float) and math.isnan(value)


def _text(column: str, value: Any) -> str:
    """One cell as the CSV holds it."""
    if _is_blank(value):
        return ""
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if column in MONEY_COLUMNS:
        return f"{float(value):.2f}"
    if column in INT_COLUMNS or isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        return repr(float(value))
    return str(value)


def _cell(column: str, value: Any) -> Any:
    """One cell as the xlsx holds it (native numbers and dates, text for codes)."""
    if _is_blank(value):
        return None
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value
    if column in MONEY_COLUMNS:
        return round(float(value), 2)
    if column in INT_COLUMNS or isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value)
    return str(value)


def _column_text(column: str, values: list[Any]) -> list[str]:
    """A whole column as CSV text; plain strings and blanks take the fast path."""
    return [
        v if type(v) is str else "" if v is None else _text(column, v) for v in values
    ]


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    columns = list(frame.columns)
    texts = [_column_text(c, frame[c].tolist()) for c in columns]
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(zip(*texts, strict=True))


def _write_xlsx(frame: pd.DataFrame, path: Path, sheet: str) -> None:
    from openpyxl import Workbook

    columns = list(frame.columns)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = sheet
    ws.append(columns)
    for row in frame.itertuples(index=False, name=None):
        ws.append([_cell(c, v) for c, v in zip(columns, row, strict=True)])
    for col in ws.iter_cols(min_row=2):
        for cell in col:
            if isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"
    wb.properties.creator = "jobbus demo"
    wb.properties.created = _PINNED
    raw = io.BytesIO()
    wb.save(raw)
    path.write_bytes(_pin_zip(raw.getvalue()))


def _pin_zip(data: bytes) -> bytes:
    """Rewrite an xlsx with fixed timestamps so equal content gives equal bytes."""
    stamp = _PINNED.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(
        out, "w", zipfile.ZIP_DEFLATED
    ) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = content.decode("utf-8")
                text = re.sub(
                    r"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rf"\g<1>{stamp}\g<2>",
                    text,
                )
                content = text.encode("utf-8")
            pinned = zipfile.ZipInfo(info.filename, date_time=(2020, 2, 15, 0, 0, 0))
            pinned.compress_type = zipfile.ZIP_DEFLATED
            pinned.external_attr = 0o644 << 16
            dst.writestr(pinned, content)
    return out.getvalue()


def _toml_value(value: Any) -> str:
    if isinstance(value, dict):
        inner = ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items())
        return "{ " + inner + " }"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(str(value), ensure_ascii=False)


def scenario_toml(tables: DemoTables, n_workers: int) -> str:
    """The text of scenario.toml for ``tables``."""
    if tables.shape.is_reference:
        lines = [
            "# Shangyu 2020 return-to-work: demo scenario written by `jobbus demo`",
            f"# (seed {tables.seed}, {n_workers} workers). Real places, policy and dates; "
            "synthetic people and employers. See README.md.",
        ]
    else:
        lines = [
            f"# {tables.scenario['name']}: a generated scenario written by `jobbus demo`",
            f"# (seed {tables.seed}, {n_workers} workers). Real places; synthetic people, "
            "employers and dates. See README.md.",
        ]
    lines += [f"{key} = {_toml_value(value)}" for key, value in tables.scenario.items()]
    return "\n".join(lines) + "\n"


def _with_format(tables: DemoTables, fmt: str) -> DemoTables:
    scenario = dict(tables.scenario)
    for name in TABLES:
        scenario[name] = f"{name}.{fmt}"
    return DemoTables(
        scenario=scenario,
        workers=tables.workers,
        employers=tables.employers,
        fleet=tables.fleet,
        load_caps=tables.load_caps,
        seed=tables.seed,
        shape=tables.shape,
    )


def write_tables(tables: DemoTables, folder: Path, fmt: str = "csv") -> list[Path]:
    """Write ``tables`` into an existing ``folder`` (not atomic; see ``write_demo``).

    Parameters
    ----------
    tables : DemoTables
        What ``generate_demo`` returned.
    folder : pathlib.Path
        An existing folder; files of the same names are overwritten.
    fmt : {"csv", "xlsx"}
        Format of the four tables.

    Returns
    -------
    list of pathlib.Path
        The files written, in a fixed order.
    """
    if fmt not in ("csv", "xlsx"):
        raise ValueError(f"unknown format {fmt!r}: use csv or xlsx")
    tables = _with_format(tables, fmt)
    folder = Path(folder)
    written: list[Path] = []
    target = folder / "scenario.toml"
    target.write_text(scenario_toml(tables, len(tables.workers)), encoding="utf-8")
    written.append(target)
    for name in TABLES:
        frame: pd.DataFrame = getattr(tables, name)
        target = folder / f"{name}.{fmt}"
        if fmt == "csv":
            _write_csv(frame, target)
        else:
            _write_xlsx(frame, target, sheet=name)
        written.append(target)
    policies = paths.DATA_DIR / "policies"
    missing: list[str] = []
    shift = (tables.scenario["plan_from"] - DEMO_PLAN_FROM).days
    for source_name, target_name in POLICY_COPIES:
        source = policies / source_name
        if source.is_file():
            target = folder / target_name
            target.write_bytes(source.read_bytes() if shift == 0
                               else policy_shifted(source.read_text(encoding="utf-8"), shift)
                               .encode("utf-8"))
            written.append(target)
        else:
            missing.append(source_name)
    if missing:
        warnings.warn(
            f"policy file(s) not found in {policies}: {', '.join(missing)}; "
            "the demo was written without them",
            stacklevel=2,
        )
    target = folder / "README.md"
    target.write_text(render_readme(tables), encoding="utf-8")
    written.append(target)
    return written


DEMO_PLAN_FROM = dt.date(2020, 2, 15)  # the 2020 policies' dates are for plans from this day
_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_MONTH = re.compile(r'"(\d{4})-(\d{2})"')


def policy_shifted(text: str, days: int) -> str:
    """A 2020 policy's text with every date (``YYYY-MM-DD``) moved by ``days`` and every month
    (``"YYYY-MM"``) moved with its first day, for a generated scenario planned on other dates
    (``DemoShape.plan_from``): its validity window, posting day and recruitment month then
    cover the scenario, as the 2020 ones cover the demo. A line at the top says so."""

    def day(m: re.Match[str]) -> str:
        d = dt.date(int(m[1]), int(m[2]), int(m[3])) + dt.timedelta(days=days)
        return d.isoformat()

    def month(m: re.Match[str]) -> str:
        d = dt.date(int(m[1]), int(m[2]), 1) + dt.timedelta(days=days)
        return f'"{d.year:04d}-{d.month:02d}"'

    note = (f"# Generated scenario: the dates of this 2020 policy are moved by {days} days to the "
            "scenario's own dates.\n")
    return note + _MONTH.sub(month, _DATE.sub(day, text))


def _is_empty_dir(folder: Path) -> bool:
    return folder.is_dir() and not any(folder.iterdir())


def write_demo(
    folder: str | os.PathLike[str],
    seed: int = DEFAULT_SEED,
    n_workers: int = DEFAULT_WORKERS,
    fmt: str = "csv",
    *,
    n_employers: int | None = None,
    force: bool = False,
    shape: DemoShape | None = None,
) -> DemoTables:
    """Generate the demo scenario and write it to ``folder``.

    Parameters
    ----------
    folder : path
        Where to write. Created if missing. A non-empty folder is refused unless ``force``.
    seed : int
        Seed of the generator.
    n_workers : int
        Number of workers.
    fmt : {"csv", "xlsx"}
        Format of the tables.
    n_employers : int, optional
        Number of employers (default: ≈ 300 per 10,500 workers).
    force : bool
        Replace the demo's files in a non-empty folder (other files are left alone).
    shape : DemoShape, optional
        A generated scenario of this shape instead of the Shangyu demo (then leave
        ``n_workers`` and ``n_employers`` at their defaults).

    Returns
    -------
    DemoTables
        What was written.

    Raises
    ------
    InputError
        ``folder`` is a file, or a non-empty folder without ``force``.
    """
    target = Path(folder)
    if target.exists() and not target.is_dir():
        raise InputError([problem(str(target), "problem.demo_not_folder")])
    if target.is_dir() and not _is_empty_dir(target) and not force:
        raise InputError(
            [problem(str(target), "problem.demo_not_empty")]
        )
    tables = generate_demo(seed, n_workers, n_employers=n_employers, shape=shape)
    parent = target.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=parent))
    staging.chmod(0o755)  # mkdtemp makes it private; the demo is an ordinary folder
    try:
        written = write_tables(tables, staging, fmt)
        if not target.exists():
            staging.rename(target)
        elif _is_empty_dir(target):
            target.rmdir()
            staging.rename(target)
        else:
            for path in written:
                os.replace(path, target / path.name)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return _with_format(tables, fmt)


def written_names(fmt: str = "csv") -> Iterable[str]:
    """The file names ``write_demo`` writes for ``fmt`` (policies only where they exist)."""
    yield "scenario.toml"
    for name in TABLES:
        yield f"{name}.{fmt}"
    for source_name, target_name in POLICY_COPIES:
        if (paths.DATA_DIR / "policies" / source_name).is_file():
            yield target_name
    yield "README.md"
