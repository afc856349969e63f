"""Single amounts the planner needs before anything has happened.

Rules implemented:

- the self-return subsidy of one person is the tier of their home province's region (or the
  distance band of their home), times the tapering share for their arrival day, rounded to the
  fen with the policy's rounding; nothing when the rule is off or the day is outside the policy's
  validity window; an unknown day takes the first taper step (the full amount when untapered);
- a seat-seeker is advised to come alone when their seat costs more than
  ``planning.seat_cost_multiple`` × their self-return subsidy.
"""

from __future__ import annotations

import datetime as dt

from planner.subsidies.money import share_of_fen
from planner.subsidies.policy import Policy, SelfReturnBasis, region_of


def self_return_subsidy_fen(
    policy: Policy,
    province_code: str,
    arrived_on: dt.date | None,
    *,
    distance_km: float | None = None,
) -> int:
    """The self-return subsidy for one person who came on their own, in fen.

    Eligibility (own travel, no subsidised seat, insured at the employer) is not checked here;
    ``compute_entitlements`` does that.

    Parameters
    ----------
    policy : Policy
        The policy in force.
    province_code : str
        2-digit province code of the person's home (a 6-digit county code also works).
    arrived_on : date or None
        Arrival day; ``None``: unknown (no window check, first taper step).
    distance_km : float, optional
        Distance from home, needed when the policy tiers by distance.

    Returns
    -------
    int
        The amount in fen, never negative.

    Raises
    ------
    ValueError
        If the policy tiers by distance and ``distance_km`` is not given.
    """
    rule = policy.self_return
    if not rule.enabled:
        return 0
    if arrived_on is not None and not policy.in_force(arrived_on):
        return 0
    if rule.basis is SelfReturnBasis.DISTANCE:
        if distance_km is None:
            raise ValueError(
                "this policy tiers the self-return subsidy by distance: give distance_km"
            )
        full_fen = rule.band_fen(distance_km)
    else:
        full_fen = rule.tier_fen(region_of(province_code))
    return share_of_fen(full_fen, rule.share_on(arrived_on), policy.workflow.rounding)


def forecast_self_return_fen(
    policy: Policy,
    home_adcode: str,
    expected_arrival: dt.date | None = None,
    *,
    distance_km: float | None = None,
) -> int:
    """Expected self-return subsidy for a person the planner may advise to come alone, in fen.

    Assumes the person will be insured at their employer (the usual outcome); use
    ``compute_entitlements`` for what is actually owed.

    Parameters
    ----------
    policy : Policy
        The policy in force.
    home_adcode : str
        The person's 6-digit home county code (its first two digits are the province).
    expected_arrival : date or None
        The day they would arrive; ``None``: unknown.
    distance_km : float, optional
        Distance from home, needed when the policy tiers by distance.

    Returns
    -------
    int
        The amount in fen.
    """
    return self_return_subsidy_fen(
        policy, home_adcode[:2], expected_arrival, distance_km=distance_km
    )


def advise_come_alone(policy: Policy, seat_cost_fen: int, self_return_fen: int) -> bool:
    """Whether a seat costs more than ``seat_cost_multiple`` × the person's self-return subsidy.

    Parameters
    ----------
    policy : Policy
        The policy in force (``planning.seat_cost_multiple``).
    seat_cost_fen : int
        What the person's seat costs the public, in fen.
    self_return_fen : int
        Their self-return subsidy if they came alone, in fen.

    Returns
    -------
    bool
        ``True``: advise them to come on their own.
    """
    return seat_cost_fen > policy.planning.seat_cost_multiple * self_return_fen
