"""The subsidy policy as data: frozen dataclasses, one per rule, and the region of a province.

Rules implemented (the schema is documented for users in ``data/policies/README.md``):

- a policy has a name (and optionally a Chinese ``title`` the app shows in Chinese), a region
  and issuer, a validity window ``valid_from``..``valid_to`` (inclusive; ``valid_to`` may be
  open) and one table per rule; every rule can be switched off
  with ``enabled = false``, and a rule whose table is missing is off;
- money is integer fen here (yuan with two decimals in the file); shares and multiples are exact
  fractions in [0, 1] (shares) or > 0 (multiples);
- the self-return subsidy is tiered by region (``zhejiang`` / ``east_china`` / ``other``) or by
  distance bands, and may taper by arrival date (``until`` is inclusive; after the last step the
  ``after_taper_share`` applies);
- "East China" is Shanghai, Jiangsu, Zhejiang, Anhui, Fujian, Jiangxi and Shandong; Zhejiang has
  its own tier, so ``region_of`` maps 33 → zhejiang, 31/32/34/35/36/37 → east_china, the rest →
  other.
"""

from __future__ import annotations

import datetime as dt
import decimal
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from planner.domain.model import Region

EAST_CHINA_PROVINCES: frozenset[str] = frozenset({"31", "32", "34", "35", "36", "37"})
ZHEJIANG_PROVINCE = "33"


def region_of(province_code: str) -> Region:
    """The self-return region of a province.

    Parameters
    ----------
    province_code : str
        The 2-digit province code (a longer division code is accepted; its first two digits
        are used).

    Returns
    -------
    Region
        ``ZHEJIANG`` for 33, ``EAST_CHINA`` for 31, 32, 34, 35, 36, 37, ``OTHER`` otherwise.
    """
    code = province_code.strip()[:2]
    if code == ZHEJIANG_PROVINCE:
        return Region.ZHEJIANG
    if code in EAST_CHINA_PROVINCES:
        return Region.EAST_CHINA
    return Region.OTHER


class PayeeKind(StrEnum):
    """Who an entitlement line is paid to."""

    PERSON = "person"
    EMPLOYER = "employer"
    AGENCY = "agency"
    GOVERNMENT = "government"  # a sending-area government or labour station


class SelfReturnBasis(StrEnum):
    """How the self-return amount is tiered."""

    REGION = "region"
    DISTANCE = "distance"


class RecruitmentMode(StrEnum):
    """How the employer's recruitment reward is counted."""

    HEADCOUNT_GROWTH = "headcount_growth"  # Shangyu: growth of insured headcount, year on year
    PER_RECRUIT = "per_recruit"  # Yiwu: each new recruit insured for N months


class AreaLevel(StrEnum):
    """What counts as one sending area: a county (6 digits), prefecture (4) or province (2)."""

    COUNTY = "county"
    PREFECTURE = "prefecture"
    PROVINCE = "province"

    @property
    def digits(self) -> int:
        return {"county": 6, "prefecture": 4, "province": 2}[self.value]


@dataclass(frozen=True, slots=True)
class CharterRule:
    """Employer charter subsidy: ``share`` of the invoice, capped per trip, then per employer.

    Caps are ``None`` when absent. ``cap_per_seat_fen`` multiplies the vehicle's seats,
    ``cap_per_rider_fen`` the riders. A charter with fewer than ``min_riders`` riders gets
    nothing.
    """

    enabled: bool = False
    share: Fraction = Fraction(1)
    cap_per_trip_fen: int | None = None
    cap_per_seat_fen: int | None = None
    cap_per_rider_fen: int | None = None
    cap_per_employer_fen: int | None = None
    min_riders: int = 0


@dataclass(frozen=True, slots=True)
class GovernmentTripsRule:
    """Government job buses and special trains: the district pays ``share`` of the cost and
    riders travel free. Riders never also get the self-return subsidy."""

    enabled: bool = False
    share: Fraction = Fraction(1)


@dataclass(frozen=True, slots=True)
class TaperStep:
    """Arrivals on or before ``until`` get ``share`` of the tier (the first matching step)."""

    until: dt.date
    share: Fraction


@dataclass(frozen=True, slots=True)
class DistanceBand:
    """Homes up to ``up_to_km`` (inclusive) away get ``amount_fen``; ``None``: no upper end."""

    up_to_km: int | None
    amount_fen: int


@dataclass(frozen=True, slots=True)
class SelfReturnRule:
    """Self-return subsidy per person who came on their own.

    ``tiers`` holds (region, fen) pairs for all three regions when ``basis`` is ``region``;
    ``distance_bands`` ascending, the last open-ended, when ``basis`` is ``distance``.
    ``requires_insured``: the person must be insured at the claiming employer (the employer of
    the arrival) in the arrival month or later; otherwise the arrival registration suffices.
    """

    enabled: bool = False
    basis: SelfReturnBasis = SelfReturnBasis.REGION
    tiers: tuple[tuple[Region, int], ...] = ()
    distance_bands: tuple[DistanceBand, ...] = ()
    taper: tuple[TaperStep, ...] = ()
    after_taper_share: Fraction = Fraction(0)
    requires_insured: bool = True
    payee: PayeeKind = PayeeKind.PERSON

    def tier_fen(self, region: Region) -> int:
        """The full (untapered) amount for a region, in fen (0 if the region has no tier)."""
        for r, fen in self.tiers:
            if r == region:
                return fen
        return 0

    def band_fen(self, distance_km: float) -> int:
        """The full (untapered) amount for a distance, in fen (0 if no band covers it)."""
        for band in self.distance_bands:
            if band.up_to_km is None or distance_km <= band.up_to_km:
                return band.amount_fen
        return 0

    def share_on(self, arrived_on: dt.date | None) -> Fraction:
        """The tapering share for an arrival day; ``None`` (unknown day): the first step."""
        if not self.taper:
            return Fraction(1)
        if arrived_on is None:
            return self.taper[0].share
        for step in self.taper:
            if arrived_on <= step.until:
                return step.share
        return self.after_taper_share


@dataclass(frozen=True, slots=True)
class RecruitmentRule:
    """Employer recruitment reward.

    ``headcount_growth``: ``amount_per_head_fen`` per extra insured employee in ``month``
    (``YYYY-MM``) against ``compare_months_back`` months earlier (12: the same month a year
    before). ``per_recruit``: per new recruit insured at the employer for at least
    ``min_insured_months`` consecutive months (and, with ``requires_arrival``, registered as
    arrived there within the policy window). ``cap_per_employer_fen`` caps either.
    """

    enabled: bool = False
    mode: RecruitmentMode = RecruitmentMode.HEADCOUNT_GROWTH
    amount_per_head_fen: int = 0
    month: str | None = None
    compare_months_back: int = 12
    min_insured_months: int = 1
    requires_arrival: bool = True
    cap_per_employer_fen: int | None = None


@dataclass(frozen=True, slots=True)
class AgencyRule:
    """Agency placement reward: ``amount_per_person_fen`` per placed person insured for strictly
    more than ``min_insured_months`` consecutive months at the placement employer, paid only to
    an agency with at least ``min_placed`` such people. A rewarded placement does not count for
    the employer's recruitment reward."""

    enabled: bool = False
    amount_per_person_fen: int = 0
    min_placed: int = 1
    min_insured_months: int = 0


@dataclass(frozen=True, slots=True)
class RetentionRule:
    """Retention reward per (registered-poor) worker still insured ``after_months`` months after
    the month of arrival."""

    enabled: bool = False
    amount_per_person_fen: int = 0
    after_months: int = 6
    poverty_registered_only: bool = True
    payee: PayeeKind = PayeeKind.PERSON


@dataclass(frozen=True, slots=True)
class SendingBand:
    """A sending area that sent at least ``min_sent`` people gets ``amount_fen``."""

    min_sent: int
    amount_fen: int


@dataclass(frozen=True, slots=True)
class SendingAreaRule:
    """Reward to a sending area, by the number of people it sent (the highest band reached)."""

    enabled: bool = False
    level: AreaLevel = AreaLevel.COUNTY
    bands: tuple[SendingBand, ...] = ()


@dataclass(frozen=True, slots=True)
class PlanningParams:
    """Numbers the planner uses. A seat-seeker whose seat costs more than
    ``seat_cost_multiple`` × their self-return subsidy is advised to come alone; each person
    left unserved costs ``unmet_penalty_fen`` in the plan's objective."""

    seat_cost_multiple: Fraction = Fraction(3)
    unmet_penalty_fen: int = 500_000


@dataclass(frozen=True, slots=True)
class WorkflowParams:
    """Public notice length in working days, finance's rounding to the fen, whether the
    finance user issuing a payment must be someone other than the claim's approver, and the
    county's own days off and days worked.

    ``local_holidays`` and ``local_workdays`` (sorted, distinct, never the same day in both)
    override the official holiday calendar when the notice is counted: a day the county gave
    off, a day it had people work."""

    notice_working_days: int = 5
    rounding: str = decimal.ROUND_HALF_UP
    issuer_not_approver: bool = False
    local_holidays: tuple[dt.date, ...] = ()
    local_workdays: tuple[dt.date, ...] = ()


@dataclass(frozen=True, slots=True)
class Policy:
    """A whole policy.toml. Events dated outside ``valid_from``..``valid_to`` earn nothing."""

    name: str
    valid_from: dt.date
    valid_to: dt.date | None = None
    title: str = ""
    region: str = ""
    issuer: str = ""
    posted_on: dt.date | None = None
    currency: str = "CNY"
    notes: str = ""
    charter: CharterRule = CharterRule()
    government_trips: GovernmentTripsRule = GovernmentTripsRule()
    self_return: SelfReturnRule = SelfReturnRule()
    recruitment: RecruitmentRule = RecruitmentRule()
    agency: AgencyRule = AgencyRule()
    retention: RetentionRule = RetentionRule()
    sending_area: SendingAreaRule = SendingAreaRule()
    planning: PlanningParams = PlanningParams()
    workflow: WorkflowParams = WorkflowParams()

    def in_force(self, day: dt.date) -> bool:
        """Whether ``day`` lies in the validity window (both ends inclusive)."""
        if day < self.valid_from:
            return False
        return self.valid_to is None or day <= self.valid_to
