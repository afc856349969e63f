"""Use case: open the result of ``jobbus campaign plan`` — the campaign overview and each
destination's plan.

Rules implemented here:

- a campaign result is the ``--out`` folder of ``jobbus campaign plan``: its
  ``campaign_summary.json`` (``planner.campaign.run``) and one plan folder per destination
  (``<code>/`` with the files ``jobbus plan`` writes);
- reading it checks the folder, ``campaign_summary.json`` (JSON, its ``destinations``, each with
  its code, name and figures, and its ``totals``) and every destination's ``summary.json``;
  anything wrong is an ``InputError`` whose problems name the file (nothing is guessed);
- money is in yuan as the files hold it; the overview's figures are those of
  ``campaign_summary.json`` (written from the destinations' summaries);
- no permission is needed beyond being allowed to see plans: the app reads the folder on its
  own machine, as ``planner.services.plans`` reads saved plans for anyone signed in.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from planner.campaign.run import SUMMARY_FILE
from planner.domain import Plan, Scenario
from planner.problems import InputError, problem

_FIGURES = ("people", "people_planned", "trips", "cost", "lower_bound", "gap")


@dataclass(frozen=True)
class CampaignDestination:
    """One destination of a campaign result (money in yuan)."""

    code: str
    name: str
    people: int
    people_planned: int
    trips: int
    cost: float
    lower_bound: float
    gap: float
    plan_folder: Path
    scenario_folder: Path | None


@dataclass(frozen=True)
class CampaignResult:
    """A campaign's output folder as read: its destinations, totals and shared pools."""

    folder: Path
    name: str
    destinations: tuple[CampaignDestination, ...]
    totals: dict[str, Any]
    pools: tuple[dict[str, Any], ...]

    def destination(self, code: str) -> CampaignDestination:
        return next(d for d in self.destinations if d.code == code)


def _bad(file: Path, why: str) -> InputError:
    return InputError([problem(str(file), "problem.campaign_result_invalid", why=why)])


def _summary(folder: Path) -> dict[str, Any]:
    if not folder.is_dir():
        raise InputError([problem(str(folder), "problem.campaign_result_not_found")])
    path = folder / SUMMARY_FILE
    if not path.is_file():
        raise InputError([problem(str(path), "problem.campaign_summary_missing")])
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise _bad(path, str(exc)) from None
    if not isinstance(data, dict) or not isinstance(data.get("destinations"), list):
        raise _bad(path, "destinations")
    if not isinstance(data.get("totals"), dict):
        raise _bad(path, "totals")
    return data


def _destination(folder: Path, row: Any, path: Path) -> CampaignDestination:
    if not isinstance(row, dict) or not isinstance(row.get("code"), str):
        raise _bad(path, "destinations: code")
    missing = [k for k in ("name", *_FIGURES) if k not in row]
    if missing:
        raise _bad(path, f"{row['code']}: {', '.join(missing)}")
    plan_folder = folder / row["code"]
    if not (plan_folder / "summary.json").is_file():
        raise InputError([problem(str(plan_folder / "summary.json"),
                                  "problem.campaign_destination_missing", destination=row["code"])])
    scenario = row.get("scenario")
    try:
        return CampaignDestination(
            code=row["code"], name=str(row["name"]), people=int(row["people"]),
            people_planned=int(row["people_planned"]), trips=int(row["trips"]),
            cost=float(row["cost"]), lower_bound=float(row["lower_bound"]),
            gap=float(row["gap"]), plan_folder=plan_folder,
            scenario_folder=Path(scenario) if isinstance(scenario, str) and scenario else None,
        )
    except (TypeError, ValueError):
        raise _bad(path, f"{row['code']}: {', '.join(_FIGURES)}") from None


def read_campaign_result(folder: Path | str) -> CampaignResult:
    """The campaign result in ``folder`` (the ``--out`` of ``jobbus campaign plan``).

    Raises
    ------
    InputError
        The folder, ``campaign_summary.json`` or a destination's ``summary.json`` is missing
        or not as ``jobbus campaign plan`` writes it; the problem names the file.
    """
    folder = Path(folder).expanduser()
    data = _summary(folder)
    path = folder / SUMMARY_FILE
    destinations = tuple(_destination(folder, row, path) for row in data["destinations"])
    pools = data.get("pools") or []
    return CampaignResult(
        folder=folder,
        name=str(data.get("campaign", folder.name)),
        destinations=destinations,
        totals=dict(data["totals"]),
        pools=tuple(p for p in pools if isinstance(p, dict)),
    )


def destination_plan(result: CampaignResult, code: str) -> Plan:
    """The plan of destination ``code`` (``planner.io.plan_read.read_plan`` of its folder)."""
    from planner.io.plan_read import read_plan

    return read_plan(result.destination(code).plan_folder)


def scenario_folder(result: CampaignResult, code: str) -> Path | None:
    """The folder destination ``code`` was planned from, as ``campaign_summary.json`` names it
    (a relative one beside the campaign's output when it is there); ``None`` if not named."""
    folder = result.destination(code).scenario_folder
    if folder is None or folder.is_absolute():
        return folder
    return (result.folder / folder) if (result.folder / folder).is_dir() else folder


def destination_scenario(result: CampaignResult, code: str) -> Scenario | None:
    """The scenario destination ``code`` was planned from, when its folder (as
    ``campaign_summary.json`` names it) can still be read here; else ``None``."""
    from planner.io import load_scenario

    folder = scenario_folder(result, code)
    if folder is None:
        return None
    try:
        return load_scenario(folder)
    except (InputError, OSError):
        return None
