"""The ledger's use cases, re-exported for the command line, the app and the tests.

New code imports the use-case modules: ``planner.services.imports`` (import files),
``policies`` (policy versions), ``claims`` (compute and the workflow), ``payments`` (issue,
record, batches, bank results), ``payment_exceptions`` (resolving one), ``exports`` (finance
list, notice, returns), ``reports``, ``demo`` (the seeded ledger) and ``context`` (the
``Ledger`` and its units of work).
"""

from __future__ import annotations

from planner.ledger.workflow import ClaimState, TransitionRefused
from planner.services.auth import PermissionDenied
from planner.services.claims import (
    ComputeResult,
    approve,
    claim_history,
    close_notice,
    compute_claims,
    confirm_payee_account,
    list_claims,
    notice_working_days,
    publish_notice,
    raise_objection,
    raise_objections,
    reject,
    reopen_flagged,
    review,
)
from planner.services.context import (
    Ledger,
    ensure_ledger,
)
from planner.services.demo import (
    seed_demo,
    write_shipped_demo_sample,
)
from planner.services.exports import (
    export_finance_list,
    export_notice,
    export_returns,
)
from planner.services.imports import (
    IMPORT_KINDS,
    ImportResult,
    import_path,
)
from planner.services.payment_exceptions import (
    resolve_payment_exception,
)
from planner.services.payments import (
    BatchMade,
    batch_candidates,
    finance_lines,
    issue_payments,
    make_payment_batch,
    open_batch,
    payment_batch,
    payment_id_for,
    record_payment,
    record_payments,
)
from planner.services.policies import (
    activate_policy,
    add_policy_version,
    ensure_default_policy,
    load_active_policy,
    policy_versions,
)
from planner.services.reports import (
    audit_log,
    east_west_report,
    is_empty,
    ledger_counts,
    list_imports,
    money_by_rule,
    retention_report,
    returns_report,
)

__all__ = [
    "IMPORT_KINDS",
    "BatchMade",
    "ClaimState",
    "ComputeResult",
    "ImportResult",
    "Ledger",
    "PermissionDenied",
    "TransitionRefused",
    "activate_policy",
    "add_policy_version",
    "approve",
    "audit_log",
    "batch_candidates",
    "claim_history",
    "close_notice",
    "compute_claims",
    "confirm_payee_account",
    "east_west_report",
    "ensure_default_policy",
    "ensure_ledger",
    "export_finance_list",
    "export_notice",
    "export_returns",
    "finance_lines",
    "import_path",
    "is_empty",
    "issue_payments",
    "ledger_counts",
    "list_claims",
    "list_imports",
    "load_active_policy",
    "make_payment_batch",
    "money_by_rule",
    "notice_working_days",
    "open_batch",
    "payment_batch",
    "payment_id_for",
    "policy_versions",
    "publish_notice",
    "raise_objection",
    "raise_objections",
    "record_payment",
    "record_payments",
    "reject",
    "reopen_flagged",
    "resolve_payment_exception",
    "retention_report",
    "returns_report",
    "review",
    "seed_demo",
    "write_shipped_demo_sample",
]
