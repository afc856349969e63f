"""The subsidy policy engine: policy rules as data, entitlements computed from plain facts.

Pure functions on plain data; no storage, no UI. Money is integer fen (yuan with two decimals
in files), shares are exact fractions, rounding to the fen follows the policy (ROUND_HALF_UP).

- ``load_policy`` / ``parse_policy`` / ``policy_to_toml``: read, check and write policy.toml
  (schema: ``data/policies/README.md``);
- ``self_return_subsidy_fen`` / ``forecast_self_return_fen`` / ``advise_come_alone``: single
  amounts the planner needs;
- ``compute_entitlements``: every line owed for what happened (``LedgerFacts``), with the
  double-claim rules; ``explain`` and ``totals_by_rule`` to read them.
"""

from planner.subsidies.amounts import (
    advise_come_alone,
    forecast_self_return_fen,
    self_return_subsidy_fen,
)
from planner.subsidies.entitlements import (
    RULE_LABELS,
    EmployerLike,
    EmployerRef,
    EntitlementLine,
    FactsConflict,
    LedgerFacts,
    Person,
    PersonLike,
    Placement,
    Rule,
    add_months,
    compute_entitlements,
    explain,
    month_of,
    totals_by_rule,
)
from planner.subsidies.money import format_yuan, share_of_fen, yuan_to_fen
from planner.subsidies.policy import (
    AgencyRule,
    AreaLevel,
    CharterRule,
    DistanceBand,
    GovernmentTripsRule,
    PayeeKind,
    PlanningParams,
    Policy,
    RecruitmentMode,
    RecruitmentRule,
    RetentionRule,
    SelfReturnBasis,
    SelfReturnRule,
    SendingAreaRule,
    SendingBand,
    TaperStep,
    WorkflowParams,
    region_of,
)
from planner.subsidies.policy_toml import load_policy, parse_policy, policy_to_toml

__all__ = [
    "RULE_LABELS",
    "AgencyRule",
    "AreaLevel",
    "CharterRule",
    "DistanceBand",
    "EmployerLike",
    "EmployerRef",
    "EntitlementLine",
    "FactsConflict",
    "GovernmentTripsRule",
    "LedgerFacts",
    "PayeeKind",
    "Person",
    "PersonLike",
    "Placement",
    "PlanningParams",
    "Policy",
    "RecruitmentMode",
    "RecruitmentRule",
    "RetentionRule",
    "Rule",
    "SelfReturnBasis",
    "SelfReturnRule",
    "SendingAreaRule",
    "SendingBand",
    "TaperStep",
    "WorkflowParams",
    "add_months",
    "advise_come_alone",
    "compute_entitlements",
    "explain",
    "forecast_self_return_fen",
    "format_yuan",
    "load_policy",
    "month_of",
    "parse_policy",
    "policy_to_toml",
    "region_of",
    "self_return_subsidy_fen",
    "share_of_fen",
    "totals_by_rule",
    "yuan_to_fen",
]
