"""``jobbus plan SCENARIO --out DIR``: plan coaches, special trains and self-return advice.

Reads and checks the scenario (bad input: every problem as ``file:row: column: what is wrong``,
exit 2, nothing written), plans it, writes trips.csv, assignments.csv, self_return.csv,
unserved.csv, legs.csv and summary.json to DIR, with the print-ready papers (dispatch.xlsx,
manifests.xlsx, self_return_calls.xlsx), atomically, and prints a short summary that ends
with what binds the plan (days the fleet is used up, people left out by cause; with
``--what-if`` what one more coach on the most binding days would seat and save).
With ``--work-limit`` the plan is reproducible byte for byte (same input, seed and limit).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner.messages import Message, msg
from planner.optimise.params import PlanParams
from planner.problems import InputError, problem

if TYPE_CHECKING:
    from planner.domain import Plan


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``plan`` subcommand."""
    p = subparsers.add_parser(
        "plan",
        help="plan coaches, special trains and self-return advice for a scenario",
        description="Validate a scenario, plan it and write the plan files to --out.",
    )
    p.add_argument("scenario", metavar="SCENARIO", help="the scenario folder")
    p.add_argument("--out", required=True, metavar="DIR", help="folder for the plan files")
    p.add_argument(
        "--time-limit",
        type=float,
        default=None,
        metavar="SECONDS",
        help="wall-clock budget of the search (default 24)",
    )
    p.add_argument("--seed", type=int, default=None, metavar="N", help="random seed (default 0)")
    p.add_argument(
        "--work-limit",
        type=float,
        default=None,
        metavar="N",
        help="deterministic budget instead of a time limit: same input, seed and "
        "limit give the same plan byte for byte",
    )
    p.add_argument("--coaches-only", action="store_true", help="plan without special trains")
    p.add_argument(
        "--lang",
        choices=("zh", "en"),
        default="zh",
        help="language of the reasons in self_return.csv and unserved.csv and of the closing "
        "lines (default zh)",
    )
    p.add_argument(
        "--max-wait-days",
        default=None,
        metavar="N",
        help="service level: a person given a seat leaves within N days of being available "
        "(default 3; 'none' lets people wait until their deadline)",
    )
    p.add_argument(
        "--params",
        default=None,
        metavar="FILE",
        help="a TOML file of planning parameters (see planner.optimise.PlanParams)",
    )
    p.add_argument(
        "--what-if",
        action="store_true",
        help="after planning, re-solve the most binding fleet days with one more coach and "
        "the service level one day longer, and report what each would seat and save "
        "(summary.json's binding.what_if; takes longer)",
    )
    p.add_argument(
        "--save",
        action="store_true",
        help="also save the plan in the ledger as a new numbered version (its trips get "
        "ledger ids P001-C0001, …; the files written to --out carry them)",
    )
    p.add_argument("--name", default=None, help="the saved plan's name (default: --out's name)")
    from planner.commands.executor_options import add_executor_options
    from planner.commands.ledger import add_database_option

    add_executor_options(p, "the scenario's units at once")

    add_database_option(p)
    p.set_defaults(func=handler)


def _params(args: argparse.Namespace) -> PlanParams:

    base = PlanParams()
    if args.params:
        try:
            base = PlanParams.from_file(args.params)
        except (OSError, ValueError) as exc:
            raise InputError([problem(str(args.params), "problem.refused", why=str(exc))]) from exc
    changes: dict[str, Any] = {}
    if args.time_limit is not None:
        if args.time_limit <= 0:
            raise InputError([problem("--time-limit", "problem.cli_positive")])
        changes["time_limit_s"] = float(args.time_limit)
    if args.seed is not None:
        changes["seed"] = int(args.seed)
    if args.work_limit is not None:
        if args.work_limit <= 0:
            raise InputError([problem("--work-limit", "problem.cli_positive")])
        changes["work_limit"] = float(args.work_limit)
    if args.max_wait_days is not None:
        text = str(args.max_wait_days).strip().lower()
        if text in ("none", "off"):
            changes["max_wait_days"] = None
        else:
            try:
                n = int(text)
            except ValueError:
                n = -1
            if n < 0:
                raise InputError(
                    [problem("--max-wait-days", "problem.cli_max_wait_days")]
                )
            changes["max_wait_days"] = n
    if args.coaches_only:
        changes["allow_trains"] = False
    return base.replace(**changes)


def _save(plan: Any, scenario: Any, params: PlanParams, args: argparse.Namespace) -> Any:
    """Save ``plan`` in the ledger with the settings it was planned with (the scenario's
    files as they are); the saved plan, with the ledger's trip ids."""
    from planner.commands.ledger import ledger_url
    from planner.services.auth import Role, system_actor
    from planner.services.planning import PlanSettings
    from planner.services.plans import load_plan, save_plan

    url = ledger_url(args)
    name = args.name or Path(args.out).resolve().name
    settings = PlanSettings.of_scenario(scenario, params, args.scenario)
    saved = save_plan(plan, name, system_actor(Role.OPERATOR), settings.to_json(), url,
                      source="cli")
    print(msg("cli.saved", plan_id=saved.id).render(args.lang))
    return load_plan(saved.id, url)


def handler(args: argparse.Namespace) -> int:
    """Run ``jobbus plan``; returns the exit code."""
    from planner.commands.executor_options import executor_from_args
    from planner.io import load_scenario, write_plan
    from planner.services.planning import plan_scenario
    from planner.validation import validate_plan

    params = _params(args)
    scenario = load_scenario(args.scenario)  # InputError → exit 2, nothing written
    executor = executor_from_args(args)  # before the clock: a local Ray takes seconds to start
    t0 = time.perf_counter()
    try:
        plan = plan_scenario(scenario, params, what_if=args.what_if, executor=executor)
    finally:
        if executor is not None:
            executor.close()
    seconds = time.perf_counter() - t0
    broken = validate_plan(scenario, plan, params)  # the checker, not the planner's own code
    if args.save and not broken:
        plan = _save(plan, scenario, params, args)  # the ledger's trip ids from here on
    out = write_plan(plan, Path(args.out), scenario, lang=args.lang)  # with the papers
    for line in closing_lines(plan, scenario.name, out, seconds, args.lang):
        print(line)
    return _report_broken(broken, saving=args.save, lang=args.lang)


def closing_lines(
    plan: Plan, scenario_name: str, out: Path, seconds: float, lang: str
) -> list[str]:
    """What ``jobbus plan`` says in ``lang`` when the plan is written: where, who goes how, the
    trips, the cost against the lower bound, the vacancies left, what binds the plan, the
    seconds planned."""
    from planner.analysis.report import binding_lines

    s = plan.summary
    ex = s.extra

    def counts(table: str, found: dict[str, int]) -> Message | tuple[Message, ...]:
        # a tuple of messages renders joined (planner.messages)
        parts = tuple(msg("cli.count", name=msg(f"{table}.{k}"), n=v) for k, v in found.items())
        return parts or msg("cli.none")

    body = [
        msg("cli.people", parts=counts("cli_mode", ex.get("people_by_mode", {}))),
        msg("cli.trips", parts=counts("cli_kind", ex.get("trips_by_kind", {}))),
        msg("cli.cost", cost=s.total_cost_fen, subsidies=s.subsidy_forecast_fen,
            bound=s.lower_bound_fen, gap=s.gap),
    ]
    if ex.get("vacancies_unfilled"):
        body.append(msg("cli.vacancies", n=ex["vacancies_unfilled"]))
    body += binding_lines(ex.get("binding"))
    body.append(msg("cli.planned_in", seconds=seconds))
    head = msg("cli.plan_written", scenario=scenario_name, out=str(out)).render(lang)
    return [head, *("  " + line.render(lang) for line in body)]


def _report_broken(broken: list[str], *, saving: bool, lang: str) -> int:
    """Exit code 1 and the rules the plan breaks (on stderr) if the checker found any: such a
    plan is a planner bug, written for inspection but not saved and not to be dispatched."""
    if not broken:
        print("  " + msg("cli.checked").render(lang))
        return 0
    unsaved = msg("cli.not_saved") if saving else ""
    print(msg("cli.breaks", n=len(broken), unsaved=unsaved).render(lang), file=sys.stderr)
    for line in broken[:20]:
        print(f"  {line}", file=sys.stderr)
    return 1
