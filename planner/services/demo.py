"""The demo ledger: fill an empty ledger with the shipped demo, planned, imported and walked
through the claim workflow so every state appears."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd

from planner.ledger.evidence import note_json
from planner.messages import msg
from planner.services.auth import (
    Role,
    system_actor,
)
from planner.services.claims import (
    approve,
    close_notice,
    compute_claims,
    list_claims,
    publish_notice,
    raise_objection,
    reject,
    review,
)
from planner.services.context import Ledger, ensure_ledger
from planner.services.imports import import_path
from planner.services.payments import issue_payments
from planner.services.policies import ensure_default_policy
from planner.services.reports import is_empty

DEMO_WORKERS = 1500
#: the folder the demo's plan is written to; its name is the plan's name in the app
DEMO_PLAN = "演示方案"


def seed_demo(
    url: str | None = None,
    *,
    n_workers: int = DEMO_WORKERS,
    seed: int = 2020,
    work_limit: float = 5.0,
    folder: str | Path | None = None,
    plan: Any = None,
    shipped: bool = True,
    ledger: Ledger | None = None,
) -> str | None:
    """Fill an empty ledger with the demo, so a first start shows a living ledger.

    The seeded scenario is the shipped ``data/demo`` (every employer, the fleet, the load caps
    and the policies) with ``n_workers`` of its people (``write_shipped_demo_sample``), so the
    shipped files upload into the seeded app without a problem; with ``shipped=False`` (or no
    shipped demo) a demo of ``n_workers`` is generated from ``seed`` instead.

    Writes the demo scenario, plans it (``plan_scenario`` with a deterministic work limit),
    simulates what happened (``planner.ledger.demo_events``), imports scenario, plan and events,
    computes the claims and walks them through the workflow so every state appears: most are
    paid (through a bank result file, one payment failing), some wait in each earlier state,
    one is rejected and one went back to review after an objection.

    Parameters
    ----------
    url
        Ledger URL.
    n_workers, seed
        Size and seed of the demo.
    work_limit
        The planner's deterministic work limit.
    folder
        Where the demo's files are written (default: ``<user data>/demo-ledger``).
    plan
        A ready plan of the demo scenario (skips planning; tests).
    shipped
        Sample the shipped demo (default) rather than generate one.

    Returns
    -------
    str or None
        A one-line summary, or ``None`` when the ledger was not empty (nothing done).
    """
    from planner.demo import write_demo
    from planner.io import load_scenario, write_plan, write_table
    from planner.ledger.demo_events import EVENT_ORDER, simulate_events
    from planner.paths import user_data_dir

    url = ensure_ledger(url, ledger=ledger)
    if not is_empty(url=url, ledger=ledger):
        return None
    root = Path(folder) if folder else user_data_dir() / "demo-ledger"
    if not (shipped and write_shipped_demo_sample(root / "scenario", n_workers, seed)):
        write_demo(root / "scenario", seed=seed, n_workers=n_workers, force=True)
    scenario = load_scenario(root / "scenario")
    plan = plan if plan is not None else _demo_plan(scenario, work_limit, seed)
    write_plan(plan, root / DEMO_PLAN)
    events = simulate_events(scenario, plan, seed)
    (root / "events").mkdir(parents=True, exist_ok=True)
    operator = system_actor(Role.OPERATOR)
    import_path("scenario", root / "scenario", operator, url=url, ledger=ledger)
    import_path("plan", root / DEMO_PLAN, operator, url=url, ledger=ledger)
    for kind in EVENT_ORDER:
        import_path(kind, write_table(events[kind], root / "events" / f"{kind}.csv"), operator,
                    url=url, ledger=ledger)
    ensure_default_policy(url, ledger=ledger)
    computed = compute_claims(operator, url=url, ledger=ledger)
    _walk_demo_claims(url, root, ledger=ledger)
    states = list_claims(url=url, ledger=ledger)["state"].value_counts().to_dict()
    return (f"demo ledger: {len(scenario.workers)} people, {len(plan.trips)} trips, "
            f"{computed.added} claims ({', '.join(f'{k} {v}' for k, v in sorted(states.items()))})")


def _demo_plan(scenario: Any, work_limit: float, seed: int) -> Any:
    """The demo's plan under a deterministic work limit (planned by hand if the optimiser
    fails: the demo must start)."""
    from planner.optimise.params import PlanParams
    from planner.services.planning import plan_by_hand, plan_scenario

    params = PlanParams(time_limit_s=60.0, work_limit=work_limit, seed=seed)
    try:
        return plan_scenario(scenario, params)
    except Exception:  # the demo must start even if the optimiser fails
        return plan_by_hand(scenario, params)


def write_shipped_demo_sample(folder: Path, n_workers: int, seed: int) -> bool:
    """Copy the shipped demo (``data/demo``) to ``folder`` keeping ``n_workers`` of its people.

    The people kept are a seeded sample, in the order of the shipped ``workers.csv``, byte for
    byte; every other table is copied whole. Returns ``False`` (nothing written) when there is
    no shipped demo.
    """
    import random
    import shutil

    from planner.paths import DATA_DIR

    source = DATA_DIR / "demo"
    if not (source / "scenario.toml").is_file() or not (source / "workers.csv").is_file():
        return False
    folder.mkdir(parents=True, exist_ok=True)
    for path in source.iterdir():
        if path.is_file() and path.name != "workers.csv":
            shutil.copyfile(path, folder / path.name)
    header, *rows = (source / "workers.csv").read_bytes().splitlines(keepends=True)
    if n_workers < len(rows):
        keep = sorted(random.Random(seed).sample(range(len(rows)), n_workers))
        rows = [rows[i] for i in keep]
    (folder / "workers.csv").write_bytes(header + b"".join(rows))
    return True


def _walk_demo_claims(url: str, root: Path, *, ledger: Ledger | None = None) -> None:
    reviewer = system_actor(Role.REVIEWER)
    approver = system_actor(Role.APPROVER)
    finance = system_actor(Role.FINANCE)
    claims = list_claims(url=url, ledger=ledger)
    if claims.empty:
        return
    # round robin over the rules, so every rule has claims in every state
    claims["rank"] = claims.groupby("rule").cumcount()
    ids = [int(i) for i in claims.sort_values(["rank", "claim_id"])["claim_id"]]
    # one claim per bucket first, then the rest by share
    shares = {"paid": 0.5, "done": 0.1, "notice": 0.1, "objected": 0.0, "approved": 0.1,
              "reviewed": 0.1, "rejected": 0.0, "draft": 0.1}
    buckets: dict[str, list[int]] = {name: [] for name in shares}
    names = list(shares)
    rest = ids[len(names):]
    for name, claim_id in zip(names, ids, strict=False):
        buckets[name].append(claim_id)
    start = 0
    for name, share in shares.items():
        take = round(len(rest) * share)
        buckets[name] += rest[start:start + take]
        start += take
    buckets["draft"] += rest[start:]
    paid, done, notice = buckets["paid"], buckets["done"], buckets["notice"]
    objected, approved = buckets["objected"], buckets["approved"]
    through_notice = paid + done
    in_notice = notice + objected
    beyond_review = through_notice + in_notice + approved
    review(beyond_review + buckets["reviewed"] + buckets["rejected"], reviewer, url=url,
           ledger=ledger)
    if buckets["rejected"]:
        reject(buckets["rejected"], approver, note_json(msg("decision.duplicate_roster")), url=url,
               ledger=ledger)
    approve(beyond_review, approver, url=url, ledger=ledger)
    if through_notice:
        publish_notice(through_notice, approver, on=dt.date(2020, 4, 1), url=url, ledger=ledger)
        # Qingming (2020-04-04..06) is off: the notice from 04-01 runs to 04-09
        close_notice(through_notice, approver, on=dt.date(2020, 4, 10), url=url, ledger=ledger)
    if in_notice:
        publish_notice(in_notice, approver, on=dt.date(2020, 4, 20), url=url, ledger=ledger)
    for claim_id in objected:
        raise_objection(claim_id, reviewer, "异议：该人员已乘坐政府专车返岗", url=url,
                        ledger=ledger)
    issued = issue_payments(paid, finance, url=url, ledger=ledger)
    after = list_claims(url=url, ledger=ledger)
    amounts = dict(zip(after["payment_id"], after["amount_fen"], strict=True))
    rows = []
    for k, pid in enumerate(issued):
        status = "failed" if k == len(issued) - 1 and len(issued) > 3 else "paid"
        rows.append({"payment_id": pid, "status": status,
                     "paid_on": "2020-04-15" if status == "paid" else "",
                     "amount": f"{amounts[pid] / 100:.2f}"})
    if rows:
        from planner.io import write_table

        bank = write_table(pd.DataFrame(rows), root / "events" / "bank_results.csv")
        import_path("bank_results", bank, finance, url=url, ledger=ledger)
