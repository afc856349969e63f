"""``jobbus subsidies``: compute claims from the ledger, list them and export the finance list,
the public notice and the returns report.

``compute`` applies the active policy to everything in the ledger and upserts the claims (new
lines as drafts; a changed amount on a claim past draft is flagged for review, never changed
silently; a draft whose entitlement became zero is voided). ``export finance --out FILE``
writes the newest open payment batch (made by ``jobbus claims batch --yes``: exporting never
issues a payment), or, with none open or for another role than finance, the lines payable now
(notice over, not paid, not flagged) as a preview; ``export notice`` writes the claims in
notice; ``--state STATE`` (one, several comma-separated,
or ``all``) selects other claims explicitly, without a batch. Each file says which states it
holds. Exports are made as ``system:ROLE`` (``--as-role``, default finance), who must be
allowed that export; the export is audited.
"""

from __future__ import annotations

import argparse

from planner.commands.ledger import add_database_option, ledger_url
from planner.problems import InputError, problem


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``subsidies`` subcommands."""
    p = subparsers.add_parser("subsidies", help="claims: compute, list, export")
    sub = p.add_subparsers(dest="subsidies_command", metavar="ACTION")
    sub.required = True

    compute = sub.add_parser("compute", help="compute claims with the active policy")
    add_database_option(compute)
    compute.set_defaults(func=_compute)

    lst = sub.add_parser("list", help="list claims")
    lst.add_argument("--state", default=None)
    add_database_option(lst)
    lst.set_defaults(func=_list)

    export = sub.add_parser("export", help="write the finance list, public notice or returns "
                            "report")
    export.add_argument("what", choices=["finance", "notice", "returns"])
    export.add_argument("--out", required=True, metavar="FILE",
                        help="finance, returns: .xlsx; notice: .xlsx or .csv")
    export.add_argument("--state", default=None, metavar="STATE",
                        help="claims in these states (comma-separated, or 'all': every claim "
                        "but rejected and void); default: finance — the open payment batch, "
                        "else payable now as a preview; notice — in notice")
    export.add_argument("--as-role", default="finance", metavar="ROLE",
                        help="the role the export is made and audited as, system:ROLE "
                        "(default finance; the finance list needs finance, auditor or admin, "
                        "the notice approver, finance, auditor or admin)")
    add_database_option(export)
    export.set_defaults(func=_export)


def _compute(args: argparse.Namespace) -> int:
    from planner.services.auth import Role, system_actor
    from planner.services.ledger import compute_claims

    url = ledger_url(args)
    r = compute_claims(system_actor(Role.OPERATOR), url=url)
    print(f"policy {r.policy!r}: {r.lines} lines; {r.added} new claims, {r.updated} drafts "
          f"updated, {r.voided} drafts voided (entitlement 0), {r.flagged} flagged for review, "
          f"{r.unchanged} unchanged")
    for key in r.flagged_keys:
        print(f"  flagged: {key}")
    return 0


def _list(args: argparse.Namespace) -> int:
    from planner.services.ledger import list_claims

    url = ledger_url(args)
    claims = list_claims(args.state, url=url)
    for c in claims.to_dict("records"):
        flag = " (review)" if c["needs_review"] else ""
        print(f"{c['claim_id']:>6} {c['state']:<12} {c['rule']:<13} "
              f"{int(c['amount_fen']) / 100:>12,.2f} {c['payee_name']}{flag}")
    total_fen = int(claims["amount_fen"].sum())
    print(f"{len(claims)} claims, {total_fen / 100:,.2f} yuan")
    return 0


def _export(args: argparse.Namespace) -> int:
    from pathlib import Path

    from planner.services import ledger as svc
    from planner.services.auth import Role, system_actor

    out = Path(args.out)
    suffixes = {"finance": (".xlsx",), "notice": (".xlsx", ".csv"), "returns": (".xlsx",)}
    if out.suffix.lower() not in suffixes[args.what]:
        raise InputError([problem(str(out), "problem.cli_out_suffix", what=args.what,
                                  suffixes=" or ".join(suffixes[args.what]))])
    try:
        actor = system_actor(args.as_role)
    except ValueError:
        raise InputError([problem("--as-role", "problem.cli_unknown_role",
                                  role=repr(args.as_role),
                                  roles=", ".join(r.value for r in Role))]) from None
    url = ledger_url(args)
    if args.what == "finance":
        path = svc.export_finance_list(out, actor, state=args.state, url=url)
        if args.state is None:
            number = svc.open_batch(url=url)[0] if actor.role == Role.FINANCE else None
            print(f"payment batch {number}" if number else "a preview, not a payment batch "
                  "(none is open: `jobbus claims batch` makes one)")
    elif args.what == "notice":
        path = svc.export_notice(out, actor, state=args.state, url=url)
    else:
        path = svc.export_returns(out, actor, url=url)
    print(f"wrote {path}")
    return 0
