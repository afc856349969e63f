"""Planning a campaign: every destination planned on an executor, shared pools reconciled,
each destination's plan folder written as soon as it is planned, then the national files.

Rules implemented here:

- each destination is planned exactly as ``jobbus plan`` plans its scenario (same params, seed
  and limits for all), so a campaign without pools gives every destination the plan
  ``jobbus plan`` gives it; pools are applied as ``planner.campaign.pools`` says;
- each destination's folder ``OUT/<code>/`` holds the files ``jobbus plan`` writes plus
  ``campaign_input.json``: the SHA-256 of its input (every file of its scenario folder by
  relative path, the planning parameters with the seed and limits, the jobbus version), the
  vehicle caps it was planned under and its pool use. The folder is written whole in a
  temporary sibling and renamed into place, so it is either complete or absent;
- a run skips a destination whose folder holds a ``campaign_input.json`` with the same input
  checksum (and, for a destination planned again for a pool, the same caps): a campaign
  interrupted by a crash is resumed by running the same command again;
- ``OUT/trips.csv`` is every destination's trips.csv with the destination's code before each
  trip id (``SY-C0001``; ``parent_trip_id`` likewise) and a first column ``destination``
  (the code), so trip ids are unique across the campaign;
- ``OUT/campaign_summary.json`` holds, per destination, people, people planned, trips, cost,
  lower bound, gap and seconds (0 under a work limit, so the file is reproducible byte for
  byte), the totals (gap = (cost − bound) / cost over the sums) and how each pool was shared.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import tempfile
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from planner import __version__
from planner.campaign.pools import Use, fair_shares, over_days, peak, pool_use
from planner.campaign.progress import CampaignProgress
from planner.campaign.spec import Campaign, Destination
from planner.domain import Plan, Scenario
from planner.messages import msg
from planner.rules.params import PlanParams

INPUT_RECORD = "campaign_input.json"
SUMMARY_FILE = "campaign_summary.json"
Caps = dict[str, int]
Report = Callable[[str], None]
Progress = Callable[[float, str], None]


def input_checksum(folder: Path, params: PlanParams) -> str:
    """SHA-256 of a destination's input: its scenario files, the params (seed and limits
    included) and the jobbus version."""
    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        if any(part.startswith(".") for part in rel.split("/")):
            continue
        h.update(rel.encode() + b"\0" + path.read_bytes() + b"\0")
    h.update(json.dumps(dataclasses.asdict(params), sort_keys=True, default=str).encode())
    h.update(__version__.encode())
    return h.hexdigest()


def with_caps(scenario: Scenario, caps: Caps) -> Scenario:
    """``scenario`` with at most ``caps[name]`` vehicles of each capped fleet row per day."""
    if not caps:
        return scenario
    fleet = tuple(
        dataclasses.replace(
            v, available=min(caps[v.name], v.available if v.available is not None else caps[v.name])
        )
        if v.name in caps
        else v
        for v in scenario.fleet
    )
    return dataclasses.replace(scenario, fleet=fleet)


def plan_destination(
    item: tuple[Scenario, Caps], params: PlanParams, progress: Progress | None = None
) -> tuple[Plan, float]:
    """Plan one destination's scenario under its caps (an executor task): the plan, seconds.
    ``progress`` is its planner's progress callback (``plan_scenario``)."""
    from planner.services.planning import plan_scenario

    scenario, caps = item
    t0 = time.perf_counter()
    plan = plan_scenario(with_caps(scenario, caps), params, progress)
    return plan, time.perf_counter() - t0


@dataclass
class _State:
    """What the run knows of each destination (by campaign index)."""

    checksums: list[str]
    records: dict[int, dict[str, Any]] = field(default_factory=dict)
    fresh: set[int] = field(default_factory=set)
    seconds: dict[int, float] = field(default_factory=dict)


def _read_record(folder: Path) -> dict[str, Any] | None:
    try:
        record = json.loads((folder / INPUT_RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not (folder / "summary.json").is_file() or not isinstance(record, dict):
        return None
    return record


def _write_destination(
    out: Path, d: Destination, plan: Plan, record: dict[str, Any], lang: str
) -> None:
    """Write ``out/<code>`` whole in a temporary sibling, then rename it into place."""
    from planner.io import write_plan

    out.mkdir(parents=True, exist_ok=True)
    target = out / d.code
    tmp = Path(tempfile.mkdtemp(prefix=f".{d.code}.", suffix=".tmp", dir=out))
    try:
        write_plan(plan, tmp, d.scenario, lang=lang)
        (tmp / INPUT_RECORD).write_text(
            json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        old = None
        if target.exists():
            old = out / f".{d.code}.old"
            shutil.rmtree(old, ignore_errors=True)
            os.replace(target, old)
        os.replace(tmp, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


# --- the rounds --------------------------------------------------------------------------------


def _figures(out: Path, d: Destination) -> dict[str, Any]:
    s = json.loads((out / d.code / "summary.json").read_text(encoding="utf-8"))
    return {
        "people": len(d.scenario.workers),
        "people_planned": int(s.get("workers_planned", 0)),
        "trips": int(s.get("trips", 0)),
        "cost": float(s.get("total_cost", 0.0)),
        "lower_bound": float(s.get("lower_bound", 0.0)),
        "gap": float(s.get("gap", 0.0)),
    }


def _progress_line(
    out: Path,
    campaign: Campaign,
    state: _State,
    i: int,
    what: str,
    lang: str,
    seconds: float | None = None,
) -> str:
    """The line of destination ``i`` done (``what``: a ``campaign_cli.done_*`` key), with the
    running totals, in ``lang``."""
    d = campaign.destinations[i]
    f = _figures(out, d)
    done = [_figures(out, campaign.destinations[k]) for k in sorted(state.records)]
    return msg(
        "campaign_cli.line",
        k=len(state.records),
        n=len(campaign.destinations),
        dest=d.code,
        name=d.name,
        what=msg(f"campaign_cli.{what}", seconds=seconds or 0.0),
        people=f["people"],
        trips=f["trips"],
        cost=f["cost"],
        gap=f["gap"],
        people_so_far=sum(x["people"] for x in done),
        cost_so_far=sum(x["cost"] for x in done),
        bound_so_far=sum(x["lower_bound"] for x in done),
    ).render(lang)


def _fleet_names(campaign: Campaign, i: int) -> set[str]:
    return {v.name for v in campaign.destinations[i].scenario.fleet}


def _optimistic_caps(campaign: Campaign, i: int) -> Caps:
    """Round 1: every pool vehicle row of the destination capped at the whole pool."""
    names = _fleet_names(campaign, i)
    return {v: p.per_day for p in campaign.pools for v in p.vehicles if v in names}


def _run_round(
    number: int,
    wanted: dict[int, Caps],
    ctx: _Run,
) -> None:
    """Plan the destinations of ``wanted`` (index → caps) not already planned so in ``out``."""
    campaign, out, state = ctx.campaign, ctx.out, ctx.state
    todo: list[int] = []
    for i, caps in wanted.items():
        d = campaign.destinations[i]
        rec = _read_record(out / d.code)
        if (
            rec is not None
            and rec.get("input_sha256") == state.checksums[i]
            and (rec.get("caps") == caps or (number == 1 and rec.get("optimistic_caps") == caps))
        ):
            state.records[i] = rec
            ctx.done(i, "done_kept")
            continue
        todo.append(i)

    def on_done(k: int, result: tuple[Plan, float]) -> None:
        i = todo[k]
        plan, seconds = result
        use = pool_use(plan.trips, ctx.pool_vehicles, ctx.params)
        first = state.records.get(i, {})
        record = {
            "destination": campaign.destinations[i].name,
            "code": campaign.destinations[i].code,
            "input_sha256": state.checksums[i],
            "round": number,
            "caps": wanted[i],
            "optimistic_caps": _optimistic_caps(campaign, i),
            "pool_use": use,
            "optimistic_use": use if number == 1 else first.get("optimistic_use", use),
        }
        _write_destination(out, campaign.destinations[i], plan, record, ctx.lang)
        state.records[i] = record
        state.fresh.add(i)
        state.seconds[i] = seconds
        what = "done_planned" if number == 1 else "done_again"
        ctx.done(i, what, seconds)

    fn, items = _tasks(ctx, wanted, todo)
    ctx.executor.map_ordered(fn, items, shared=ctx.params, on_done=on_done)


def _tasks(ctx: _Run, wanted: dict[int, Caps], todo: list[int]) -> tuple[Callable, list[Any]]:
    """The executor's function and items for the destinations ``todo``: in this process with a
    status line, each destination's planner reports its units to it; elsewhere it does not
    (``planner.campaign.progress``)."""
    from planner.scale import InProcess

    destinations = ctx.campaign.destinations
    if isinstance(ctx.executor, InProcess) and ctx.progress.status is not None:

        def here(i: int, params: PlanParams) -> tuple[Plan, float]:
            d = destinations[i]
            return plan_destination(
                (d.scenario, wanted[i]), params, ctx.progress.planner_progress(d.code)
            )

        return here, list(todo)
    return plan_destination, [(destinations[i].scenario, wanted[i]) for i in todo]


@dataclass
class _Run:
    campaign: Campaign
    out: Path
    params: PlanParams
    executor: Any
    report: Report
    lang: str
    state: _State
    pool_vehicles: set[str]
    progress: CampaignProgress

    def done(self, i: int, what: str, seconds: float | None = None) -> None:
        """Destination ``i`` is planned (``what`` says how, in ``seconds``): its line and the
        status line."""
        d = self.campaign.destinations[i]
        line = _progress_line(self.out, self.campaign, self.state, i, what, self.lang, seconds)
        self.progress.destination_done(i, d.code, _figures(self.out, d), line)


def _shares(campaign: Campaign, uses: dict[int, Use]) -> tuple[dict[int, Caps], list[dict]]:
    """Destinations to plan again (index → caps) and how each pool was shared."""
    replan: dict[int, Caps] = {}
    reports: list[dict[str, Any]] = []
    codes = [d.code for d in campaign.destinations]
    for pool in campaign.pools:
        drawing = campaign.drawing_on(pool)
        rep: dict[str, Any] = {
            "province": pool.province,
            "vehicles": list(pool.vehicles),
            "per_day": pool.per_day,
            "destinations": [codes[i] for i in drawing],
            "by_vehicle": {},
        }
        for v in pool.vehicles:
            users = [i for i in drawing if v in _fleet_names(campaign, i)]
            peaks = {i: peak(uses[i], v) for i in users}
            days = over_days([uses[i] for i in users], v, pool.per_day)
            entry: dict[str, Any] = {
                "peak_use": {codes[i]: peaks[i] for i in users},
                "days_over_in_round_1": days,
            }
            if days:
                shares = fair_shares(peaks, pool.per_day)
                entry["shares"] = {codes[i]: shares[i] for i in users}
                again = [i for i in users if peaks[i] > shares[i]]
                for i in again:
                    replan.setdefault(i, _optimistic_caps(campaign, i))[v] = shares[i]
                entry["planned_again"] = [codes[i] for i in again]
            rep["by_vehicle"][v] = entry
        reports.append(rep)
    return dict(sorted(replan.items())), reports


def _check_pools(campaign: Campaign, state: _State, reports: list[dict]) -> None:
    """Add each pool vehicle's days still over ``per_day`` in the final plans (none expected)."""
    uses = [state.records[i].get("pool_use", {}) for i in range(len(campaign.destinations))]
    for pool, rep in zip(campaign.pools, reports, strict=True):
        for v in pool.vehicles:
            rep["by_vehicle"][v]["days_over_in_final_plans"] = over_days(uses, v, pool.per_day)


# --- the whole campaign ------------------------------------------------------------------------


def national_trips(out: Path, campaign: Campaign) -> pd.DataFrame:
    """Every destination's trips.csv, trip ids prefixed with the destination's code."""
    frames = []
    for d in campaign.destinations:
        df = pd.read_csv(
            out / d.code / "trips.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig"
        )
        df["trip_id"] = d.code + "-" + df["trip_id"]
        if "parent_trip_id" in df:
            df["parent_trip_id"] = df["parent_trip_id"].map(
                lambda t, c=d.code: f"{c}-{t}" if t else ""
            )
        df.insert(0, "destination", d.code)
        frames.append(df)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def campaign_summary(
    out: Path, campaign: Campaign, params: PlanParams, state: _State, pools: list[dict]
) -> dict[str, Any]:
    """campaign_summary.json's content."""
    rows = []
    for i, d in enumerate(campaign.destinations):
        f = _figures(out, d)
        seconds = 0.0 if params.work_limit is not None else round(state.seconds.get(i, 0.0), 1)
        rows.append({"code": d.code, "name": d.name, "scenario": str(d.folder), **f,
                     "seconds": seconds, "round": state.records[i].get("round", 1)})
    cost = round(sum(r["cost"] for r in rows), 2)
    bound = round(sum(r["lower_bound"] for r in rows), 2)
    return {
        "campaign": campaign.name,
        "seed": params.seed,
        "work_limit": params.work_limit,
        "time_limit_s": None if params.work_limit is not None else params.time_limit_s,
        "destinations": rows,
        "totals": {
            "destinations": len(rows),
            "people": sum(r["people"] for r in rows),
            "people_planned": sum(r["people_planned"] for r in rows),
            "trips": sum(r["trips"] for r in rows),
            "cost": cost,
            "lower_bound": bound,
            "gap": round((cost - bound) / cost, 4) if cost > 0 else 0.0,
        },
        "pools": pools,
    }


def _write_national(out: Path, trips: pd.DataFrame, summary: dict[str, Any]) -> None:
    from planner.io.plans import write_table

    tmp = Path(tempfile.mkdtemp(prefix=".campaign.", suffix=".tmp", dir=out))
    try:
        write_table(trips, tmp / "trips.csv")
        (tmp / SUMMARY_FILE).write_text(
            json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        for name in ("trips.csv", SUMMARY_FILE):
            os.replace(tmp / name, out / name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def plan_campaign(
    campaign: Campaign,
    out: Path | str,
    params: PlanParams,
    executor: Any,
    report: Report = print,
    lang: str = "zh",
    status: Report | None = None,
) -> dict[str, Any]:
    """Plan every destination of ``campaign`` on ``executor`` and write ``out``.

    Parameters
    ----------
    campaign
        A checked campaign (``read_campaign``).
    out
        Output folder: ``<code>/`` per destination, ``trips.csv`` and ``campaign_summary.json``.
    params
        Planning parameters for every destination (seed and limits included).
    executor
        A ``planner.scale`` executor.
    report
        Called with each progress line (a destination done, pools planned again).
    lang
        Language of the reasons in each destination's files.
    status
        Called with the status line whenever it changes (``planner.campaign.progress``);
        ``None``: no status line.

    Returns
    -------
    dict
        campaign_summary.json's content.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    ctx = _Run(
        campaign, out, params, executor, report, lang,
        _State([input_checksum(d.folder, params) for d in campaign.destinations]),
        {v for p in campaign.pools for v in p.vehicles},
        CampaignProgress(
            len(campaign.destinations),
            sum(len(d.scenario.workers) for d in campaign.destinations),
            report,
            status,
            lang,
        ),
    )
    n = len(campaign.destinations)
    _run_round(1, {i: _optimistic_caps(campaign, i) for i in range(n)}, ctx)
    uses = {i: ctx.state.records[i].get("optimistic_use", {}) for i in range(n)}
    replan, pools = _shares(campaign, uses)
    if replan:
        report(msg("campaign_cli.pools_over", n=len(replan)).render(lang))
        _run_round(2, replan, ctx)
    _check_pools(campaign, ctx.state, pools)
    summary = campaign_summary(out, campaign, params, ctx.state, pools)
    _write_national(out, national_trips(out, campaign), summary)
    return summary


def summary_table(summary: dict[str, Any], lang: str = "zh") -> str:
    """The final table in ``lang``: one line per destination, then the totals (columns padded
    by display width, a Chinese character taking two)."""

    def head(key: str) -> str:
        return msg(f"campaign_cli.{key}").render(lang)

    widths = (8, 8, 7, 16, 16, 7, 7)
    names = ("col_code", "col_people", "col_trips", "col_cost", "col_bound", "col_gap",
             "col_seconds")
    lines = [_row([head(k) for k in names], widths) + "  " + head("col_name")]
    for r in summary["destinations"]:
        cells = [r["code"], str(r["people"]), str(r["trips"]), f"{r['cost']:,.2f}",
                 f"{r['lower_bound']:,.2f}", f"{r['gap']:.1%}", f"{r['seconds']:.1f}"]
        lines.append(_row(cells, widths) + "  " + r["name"])
    t = summary["totals"]
    cells = [head("total"), str(t["people"]), str(t["trips"]), f"{t['cost']:,.2f}",
             f"{t['lower_bound']:,.2f}", f"{t['gap']:.1%}"]
    lines.append(_row(cells, widths[:6]))
    return "\n".join(lines)


def _row(cells: list[str], widths: tuple[int, ...]) -> str:
    """The first cell left-aligned, the others right-aligned, each padded to its width on
    screen (East Asian wide characters count two columns)."""
    out = []
    for k, (cell, width) in enumerate(zip(cells, widths, strict=True)):
        pad = " " * max(0, width - _screen_width(cell))
        out.append(cell + pad if k == 0 else pad + cell)
    return "".join(out)


def _screen_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
