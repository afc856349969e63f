"""One rule at a time, on policies built in code: caps, exclusions, tie-breaks and edge cases."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import Any

import pytest

from planner.domain.events import Arrival, Charter, CharterRider, Headcount, InsuredMonth
from planner.domain.model import Region, Worker
from planner.subsidies import (
    AgencyRule,
    AreaLevel,
    CharterRule,
    DistanceBand,
    EmployerRef,
    EntitlementLine,
    FactsConflict,
    LedgerFacts,
    PayeeKind,
    Person,
    Placement,
    Policy,
    RecruitmentMode,
    RecruitmentRule,
    RetentionRule,
    SelfReturnBasis,
    SelfReturnRule,
    SendingAreaRule,
    SendingBand,
    TaperStep,
    add_months,
    advise_come_alone,
    compute_entitlements,
    explain,
    forecast_self_return_fen,
    region_of,
    self_return_subsidy_fen,
    totals_by_rule,
)

D = dt.date
E1, E2 = "91330604MA2D000001", "91330604MA2D000002"
AG1, AG2 = "91520100MA6H000001", "91520100MA6H000002"
TIERS = ((Region.ZHEJIANG, 20_000), (Region.EAST_CHINA, 50_000), (Region.OTHER, 80_000))


def make(**rules: Any) -> Policy:
    return Policy(name="t", valid_from=D(2020, 2, 1), valid_to=D(2020, 12, 31), **rules)


FEB20 = D(2020, 2, 20)


def charter(
    contract: str,
    invoice_fen: int,
    riders: int = 26,
    employer: str = E1,
    day: dt.date = FEB20,
    seats: int = 53,
) -> Charter:
    return Charter(employer, contract, day, "522701", seats, riders, invoice_fen)


def ins(id_number: str, employer: str, *ms: str) -> list[InsuredMonth]:
    return [InsuredMonth(id_number, employer, m) for m in ms]


def amounts(lines: list[EntitlementLine]) -> dict[str, int]:
    return {line.key: line.amount_fen for line in lines}


SELF = SelfReturnRule(enabled=True, tiers=TIERS)


# --- region and single amounts -------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "region"),
    [
        ("33", Region.ZHEJIANG),
        ("330782", Region.ZHEJIANG),
        ("31", Region.EAST_CHINA),
        ("32", Region.EAST_CHINA),
        ("34", Region.EAST_CHINA),
        ("35", Region.EAST_CHINA),
        ("36", Region.EAST_CHINA),
        ("37", Region.EAST_CHINA),
        ("42", Region.OTHER),
        ("52", Region.OTHER),
        ("11", Region.OTHER),
    ],
)
def test_region_of_province(code: str, region: Region) -> None:
    """Zhejiang has its own tier; the six other East China provinces share one; the rest other."""
    assert region_of(code) is region


def test_self_return_amount_off_or_outside_window_is_zero() -> None:
    """A switched-off rule or an arrival outside the window gives 0; unknown day gives the tier."""
    assert self_return_subsidy_fen(make(), "52", D(2020, 3, 1)) == 0
    p = make(self_return=SELF)
    assert self_return_subsidy_fen(p, "52", D(2021, 1, 1)) == 0
    assert self_return_subsidy_fen(p, "52", None) == 80_000


def test_forecast_uses_first_taper_step_when_day_unknown() -> None:
    """Forecasting without an arrival day assumes the first taper step; with a day, its share."""
    rule = SelfReturnRule(
        enabled=True,
        tiers=TIERS,
        taper=(TaperStep(D(2020, 2, 22), Fraction(1)), TaperStep(D(2020, 2, 29), Fraction(1, 2))),
    )
    p = make(self_return=rule)
    assert forecast_self_return_fen(p, "522701") == 80_000
    assert forecast_self_return_fen(p, "522701", D(2020, 2, 25)) == 40_000
    assert forecast_self_return_fen(p, "341122", D(2020, 3, 5)) == 0


def test_distance_bands_pick_the_first_covering_band() -> None:
    """By distance: up to 500 km 200 yuan, up to 1,500 km 500, beyond that 800."""
    rule = SelfReturnRule(
        enabled=True,
        basis=SelfReturnBasis.DISTANCE,
        distance_bands=(
            DistanceBand(500, 20_000),
            DistanceBand(1500, 50_000),
            DistanceBand(None, 80_000),
        ),
    )
    p = make(self_return=rule)
    got = [self_return_subsidy_fen(p, "52", None, distance_km=km) for km in (10, 500, 501, 2000)]
    assert got == [20_000, 20_000, 50_000, 80_000]
    with pytest.raises(ValueError, match="distance_km"):
        self_return_subsidy_fen(p, "52", None)


def test_advise_come_alone_uses_the_seat_cost_multiple() -> None:
    """A seat dearer than 3 × the subsidy means come alone; exactly 3 × does not."""
    p = make()
    assert advise_come_alone(p, 240_001, 80_000)
    assert not advise_come_alone(p, 240_000, 80_000)


# --- charter -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "c", "expected"),
    [
        (
            CharterRule(enabled=True, share=Fraction(1), cap_per_seat_fen=20_000),
            charter("C", 2_000_000, seats=53),
            1_060_000,
        ),
        (
            CharterRule(enabled=True, share=Fraction(1), cap_per_rider_fen=50_000),
            charter("C", 2_000_000, riders=26),
            1_300_000,
        ),
        (
            CharterRule(enabled=True, share=Fraction(1, 2), cap_per_trip_fen=1_000_000),
            charter("C", 1_800_000),
            900_000,
        ),
        (
            CharterRule(enabled=True, share=Fraction(1), min_riders=10),
            charter("C", 1_800_000, 9),
            0,
        ),
        (
            CharterRule(enabled=True, share=Fraction(1)),
            charter("C", 1_800_000, day=D(2020, 1, 20)),
            0,
        ),
        (CharterRule(enabled=False, share=Fraction(1)), charter("C", 1_800_000), 0),
        (CharterRule(enabled=True, share=Fraction(0)), charter("C", 1_800_000), 0),
    ],
)
def test_charter_share_caps_and_conditions(rule: CharterRule, c: Charter, expected: int) -> None:
    """Share of the invoice, capped per seat, per rider or per trip; 0 below min riders,
    outside the window, or when the rule is off."""
    got = compute_entitlements(make(charter=rule), LedgerFacts(charters=[c]))
    assert sum(line.amount_fen for line in got) == expected


def test_charter_roster_counts_riders() -> None:
    """The roster, not the declared number, decides min riders; the evidence says so."""
    p = make(charter=CharterRule(enabled=True, share=Fraction(1), min_riders=20))
    facts = LedgerFacts(
        charters=[charter("C1", 1_000_000, riders=30)],
        charter_riders=[CharterRider("C1", f"R{i}") for i in range(19)],
    )
    (zero,) = compute_entitlements(p, facts, include_zero=True)
    assert zero.amount_fen == 0
    assert str(zero.basis["reason"]) == "19 riders, fewer than the 20 required"


def test_charter_employer_cap_pays_earlier_departures_first() -> None:
    """With a 15,000-yuan employer cap, the first 10,000 charter is paid, the second gets 5,000."""
    p = make(charter=CharterRule(enabled=True, share=Fraction(1), cap_per_employer_fen=1_500_000))
    facts = LedgerFacts(
        charters=[
            charter("LATE", 1_000_000, day=D(2020, 2, 25)),
            charter("EARLY", 1_000_000, day=D(2020, 2, 20)),
            charter("OTHER", 1_000_000, employer=E2),
        ]
    )
    assert amounts(compute_entitlements(p, facts)) == {
        "charter:EARLY": 1_000_000,
        "charter:LATE": 500_000,
        "charter:OTHER": 1_000_000,
    }


def test_shared_charter_is_one_bus_split_by_invoice() -> None:
    """Two employers on one contract: the per-trip cap applies to the bus, split 2:1 by invoice."""
    p = make(charter=CharterRule(enabled=True, share=Fraction(1), cap_per_trip_fen=900_000))
    facts = LedgerFacts(
        charters=[charter("S1", 1_200_000, riders=16), charter("S1", 600_000, 10, employer=E2)]
    )
    assert amounts(compute_entitlements(p, facts)) == {
        f"charter:S1:{E1}": 600_000,
        f"charter:S1:{E2}": 300_000,
    }


def test_duplicate_facts_count_once_and_conflicts_are_refused() -> None:
    """The same charter twice is paid once; the same contract with two invoices is refused."""
    p = make(charter=CharterRule(enabled=True, share=Fraction(1)))
    c = charter("C1", 1_000_000)
    assert amounts(compute_entitlements(p, LedgerFacts(charters=[c, c]))) == {
        "charter:C1": 1_000_000
    }
    with pytest.raises(FactsConflict, match="C1"):
        compute_entitlements(p, LedgerFacts(charters=[c, charter("C1", 1_100_000)]))


# --- self-return ---------------------------------------------------------------------------


def test_subsidised_charter_rider_gets_no_self_return() -> None:
    """A person on a subsidised charter's roster gets no self-return; on an unsubsidised one
    (too few riders) their own-travel claim stands."""
    p = make(
        charter=CharterRule(enabled=True, share=Fraction(1), min_riders=2),
        self_return=SelfReturnRule(enabled=True, tiers=TIERS, requires_insured=False),
    )
    facts = LedgerFacts(
        people=[
            Person("A", "甲", "522701"),
            Person("B", "乙", "522701"),
            Person("C", "丙", "522701"),
        ],
        charters=[charter("BIG", 1_000_000, 2), charter("SMALL", 500_000, 1)],
        charter_riders=[
            CharterRider("BIG", "A"),
            CharterRider("BIG", "B"),
            CharterRider("SMALL", "C"),
        ],
        arrivals=[Arrival(i, E1, D(2020, 2, 21)) for i in "ABC"],
    )
    lines = compute_entitlements(p, facts, include_zero=True)
    got = amounts(lines)
    assert got["charter:BIG"] == 1_000_000 and got["charter:SMALL"] == 0
    assert (got["self_return:A"], got["self_return:B"], got["self_return:C"]) == (0, 0, 80_000)
    reasons = {line.key: str(line.basis.get("reason")) for line in lines}
    assert reasons["self_return:A"] == "on the roster of subsidised charter BIG"


def test_arrival_on_a_trip_is_not_own_travel() -> None:
    """Only arrivals with a blank trip claim the self-return subsidy."""
    p = make(self_return=SelfReturnRule(enabled=True, tiers=TIERS, requires_insured=False))
    facts = LedgerFacts(
        people=[Person("A", "甲", "522701")], arrivals=[Arrival("A", E1, D(2020, 2, 21), "T-3")]
    )
    assert compute_entitlements(p, facts, include_zero=True) == []


def test_one_person_one_self_return_line_at_earliest_arrival() -> None:
    """Two own-travel arrivals at two employers give one line, at the earlier arrival."""
    p = make(self_return=SELF)
    facts = LedgerFacts(
        people=[Person("A", "甲", "341122")],
        arrivals=[Arrival("A", E2, D(2020, 3, 2)), Arrival("A", E1, D(2020, 2, 28))],
        insured_months=[*ins("A", E1, "2020-03"), *ins("A", E2, "2020-03")],
    )
    (line,) = compute_entitlements(p, facts)
    assert (line.key, line.amount_fen, line.basis["employer_uscc"]) == ("self_return:A", 50_000, E1)


@pytest.mark.parametrize(
    ("insured", "requires", "expected"),
    [
        (("2020-02",), True, 80_000),
        (("2020-04",), True, 80_000),
        (("2020-01",), True, 0),  # insured only before arriving
        ((), True, 0),
        ((), False, 80_000),
    ],
)
def test_self_return_requires_insurance_at_claiming_employer(
    insured: tuple[str, ...], requires: bool, expected: int
) -> None:
    """With requires_insured the person must be insured at the employer from the arrival month."""
    p = make(self_return=SelfReturnRule(enabled=True, tiers=TIERS, requires_insured=requires))
    facts = LedgerFacts(
        people=[Person("A", "甲", "522701")],
        arrivals=[Arrival("A", E1, D(2020, 2, 21))],
        insured_months=ins("A", E1, *insured) + ins("A", E2, "2020-03"),
    )
    assert sum(line.amount_fen for line in compute_entitlements(p, facts)) == expected


def test_self_return_reasons_for_unknown_person_and_distance() -> None:
    """An arrival of someone not in the register, or with no distance, is a 0 line with a reason."""
    banded = SelfReturnRule(
        enabled=True,
        basis=SelfReturnBasis.DISTANCE,
        requires_insured=False,
        distance_bands=(DistanceBand(None, 30_000),),
    )
    facts = LedgerFacts(
        people=[Person("A", "甲", "522701"), Person("B", "乙", "522701")],
        arrivals=[Arrival(i, E1, D(2020, 2, 21)) for i in ("A", "B", "GHOST")],
        distance_km={"B": 1600.0},
    )
    lines = compute_entitlements(make(self_return=banded), facts, include_zero=True)
    reasons = {line.key: (line.amount_fen, line.basis.get("reason") and str(line.basis["reason"]))
               for line in lines}
    assert reasons == {
        "self_return:A": (0, "distance from home unknown"),
        "self_return:B": (30_000, None),
        "self_return:GHOST": (0, "not in the register of people: home unknown"),
    }


def test_self_return_paid_to_employer_when_policy_says_so() -> None:
    """payee = employer: the line goes to the claiming employer, still keyed by the person."""
    rule = SelfReturnRule(
        enabled=True, tiers=TIERS, requires_insured=False, payee=PayeeKind.EMPLOYER
    )
    facts = LedgerFacts(
        people=[Person("A", "甲", "330782")],
        employers=[EmployerRef(E1, "上虞厂")],
        arrivals=[Arrival("A", E1, D(2020, 2, 21))],
    )
    (line,) = compute_entitlements(make(self_return=rule), facts)
    assert (line.key, line.payee_kind, line.payee_id, line.payee_name, line.amount_fen) == (
        "self_return:A",
        "employer",
        E1,
        "上虞厂",
        20_000,
    )


def test_domain_workers_can_be_the_people() -> None:
    """planner.domain.Worker records work as the register of people."""
    worker = Worker("A", "甲", "522701", D(2020, 2, 15))
    p = make(self_return=SelfReturnRule(enabled=True, tiers=TIERS, requires_insured=False))
    facts = LedgerFacts(people=[worker], arrivals=[Arrival("A", E1, D(2020, 2, 21))])
    assert amounts(compute_entitlements(p, facts)) == {"self_return:A": 80_000}


# --- recruitment, agency -------------------------------------------------------------------

GROWTH = RecruitmentRule(enabled=True, amount_per_head_fen=120_000, month="2020-03")


@pytest.mark.parametrize(
    ("rule", "headcounts", "expected"),
    [
        (GROWTH, {"2020-03": 107, "2019-03": 100}, 840_000),
        (GROWTH, {"2020-03": 100, "2019-03": 100}, 0),
        (GROWTH, {"2020-03": 107}, 0),  # nothing to compare with
        (
            RecruitmentRule(
                enabled=True,
                amount_per_head_fen=120_000,
                month="2020-03",
                cap_per_employer_fen=500_000,
            ),
            {"2020-03": 107, "2019-03": 100},
            500_000,
        ),
        (
            RecruitmentRule(
                enabled=True, amount_per_head_fen=120_000, month="2020-03", compare_months_back=1
            ),
            {"2020-03": 107, "2020-02": 105},
            240_000,
        ),
    ],
)
def test_headcount_growth(rule: RecruitmentRule, headcounts: dict[str, int], expected: int) -> None:
    """Growth × amount per head, capped per employer, 0 without growth or a month to compare."""
    facts = LedgerFacts(headcounts=[Headcount(E1, m, n) for m, n in headcounts.items()])
    assert sum(line.amount_fen for line in compute_entitlements(make(recruitment=rule), facts)) == (
        expected
    )


def test_headcount_without_comparison_explains_itself() -> None:
    """A headcount with no year-earlier figure is a 0 line saying which month is missing."""
    facts = LedgerFacts(headcounts=[Headcount(E1, "2020-03", 107)])
    (line,) = compute_entitlements(make(recruitment=GROWTH), facts, include_zero=True)
    assert str(line.basis["reason"]) == "no headcount for 2019-03 to compare with"


def test_person_placed_by_two_agencies_counts_once() -> None:
    """A person claimed by two agencies counts for the lowest agency code only."""
    p = make(
        agency=AgencyRule(
            enabled=True, amount_per_person_fen=100_000, min_placed=1, min_insured_months=1
        )
    )
    facts = LedgerFacts(
        placements=[Placement(AG2, "乙站", "A", E1), Placement(AG1, "甲站", "A", E1)],
        insured_months=ins("A", E1, "2020-03", "2020-04"),
    )
    assert amounts(compute_entitlements(p, facts)) == {f"agency:{AG1}": 100_000}


def test_agency_needs_consecutive_months() -> None:
    """Four insured months with a gap are two runs of two: not more than 3 consecutive months."""
    p = make(agency=AgencyRule(enabled=True, amount_per_person_fen=100_000, min_insured_months=3))
    facts = LedgerFacts(
        placements=[Placement(AG1, "甲站", "A", E1)],
        insured_months=ins("A", E1, "2020-03", "2020-04", "2020-06", "2020-07"),
    )
    assert compute_entitlements(p, facts) == []


def test_agency_reward_excludes_person_from_per_recruit_reward() -> None:
    """Per-recruit mode: an agency-rewarded person earns the employer nothing; others do."""
    p = make(
        agency=AgencyRule(enabled=True, amount_per_person_fen=100_000, min_insured_months=2),
        recruitment=RecruitmentRule(
            enabled=True,
            mode=RecruitmentMode.PER_RECRUIT,
            amount_per_head_fen=50_000,
            min_insured_months=3,
        ),
    )
    facts = LedgerFacts(
        placements=[Placement(AG1, "甲站", "A", E1)],
        arrivals=[Arrival("A", E1, D(2020, 2, 21), "T1"), Arrival("B", E1, D(2020, 2, 21), "T1")],
        insured_months=ins("A", E1, "2020-03", "2020-04", "2020-05")
        + ins("B", E1, "2020-03", "2020-04", "2020-05"),
    )
    assert amounts(compute_entitlements(p, facts)) == {
        f"recruitment:{E1}": 50_000,
        f"agency:{AG1}": 100_000,
    }


def test_per_recruit_needs_an_arrival_when_required() -> None:
    """With requires_arrival, a person insured but never registered as arrived is no recruit."""
    rule = RecruitmentRule(
        enabled=True,
        mode=RecruitmentMode.PER_RECRUIT,
        amount_per_head_fen=50_000,
        min_insured_months=1,
    )
    facts = LedgerFacts(insured_months=ins("LOCAL", E1, "2020-03"))
    assert compute_entitlements(make(recruitment=rule), facts) == []
    relaxed = RecruitmentRule(
        enabled=True,
        mode=RecruitmentMode.PER_RECRUIT,
        amount_per_head_fen=50_000,
        requires_arrival=False,
    )
    assert amounts(compute_entitlements(make(recruitment=relaxed), facts)) == {
        f"recruitment:{E1}": 50_000
    }


def test_per_recruit_counts_a_person_for_one_employer() -> None:
    """A recruit who qualifies at two employers counts for the one where they were insured first."""
    rule = RecruitmentRule(
        enabled=True,
        mode=RecruitmentMode.PER_RECRUIT,
        amount_per_head_fen=50_000,
        requires_arrival=False,
    )
    facts = LedgerFacts(insured_months=ins("A", E2, "2020-03") + ins("A", E1, "2020-05"))
    assert amounts(compute_entitlements(make(recruitment=rule), facts)) == {
        f"recruitment:{E2}": 50_000
    }


# --- retention, sending area ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("poor", "insured", "payee", "expected"),
    [
        (True, "2020-08", PayeeKind.PERSON, ("A", 100_000)),
        (True, "2020-07", PayeeKind.PERSON, None),
        (False, "2020-08", PayeeKind.PERSON, None),
        (True, "2020-08", PayeeKind.EMPLOYER, (E2, 100_000)),
    ],
)
def test_retention_after_six_months(
    poor: bool, insured: str, payee: PayeeKind, expected: tuple[str, int] | None
) -> None:
    """A registered-poor person arrived in February and insured in August is retained."""
    rule = RetentionRule(enabled=True, amount_per_person_fen=100_000, after_months=6, payee=payee)
    facts = LedgerFacts(
        people=[Person("A", "甲", "513227", poverty_registered=poor)],
        arrivals=[Arrival("A", E1, D(2020, 2, 21), "T1")],
        insured_months=ins("A", E2, insured),
    )
    lines = compute_entitlements(make(retention=rule), facts)
    assert [(line.payee_id, line.amount_fen) for line in lines] == ([expected] if expected else [])


def test_sending_area_by_prefecture_takes_highest_band() -> None:
    """At prefecture level two counties of Aba add up; the highest band reached is paid."""
    rule = SendingAreaRule(
        enabled=True,
        level=AreaLevel.PREFECTURE,
        bands=(SendingBand(2, 100_000), SendingBand(3, 200_000)),
    )
    people = [Person("A", "a", "513227"), Person("B", "b", "513228"), Person("C", "c", "513229")]
    facts = LedgerFacts(
        people=[*people, Person("Z", "z", "522701")],
        arrivals=[Arrival(q, E1, D(2020, 2, 21), "T1") for q in "ABCZ"],
    )
    assert amounts(compute_entitlements(make(sending_area=rule), facts)) == {
        "sending_area:5132": 200_000
    }


# --- reading the lines ---------------------------------------------------------------------


def test_explain_reads_like_the_rulebook() -> None:
    """explain() names the key, the rule, the amount, the payee and the evidence, with totals."""
    p = make(
        self_return=SelfReturnRule(enabled=True, tiers=TIERS, requires_insured=False),
        charter=CharterRule(enabled=True, share=Fraction(1)),
    )
    facts = LedgerFacts(
        people=[Person("A", "甲", "522701")],
        arrivals=[Arrival("A", E1, D(2020, 2, 21))],
        charters=[charter("HT-001", 1_800_000)],
    )
    lines = compute_entitlements(p, facts)
    text = lines[1].explain()
    assert text.startswith("self_return:A: self-return subsidy 800.00 yuan to person 甲 (A)")
    assert f"arrival 2020-02-21 at {E1} (own travel)" in text
    summary = explain(lines)
    assert "employer charter subsidy: 18,000.00 yuan" in summary
    assert summary.endswith("total: 18,800.00 yuan")
    assert totals_by_rule(lines)["self_return"] == 80_000


def test_add_months_crosses_years() -> None:
    """Month arithmetic handles year boundaries both ways."""
    assert add_months("2020-03", -12) == "2019-03"
    assert add_months("2020-11", 3) == "2021-02"
    assert add_months("2020-01", -1) == "2019-12"


def test_region_of_agrees_with_the_gazetteer() -> None:
    """The engine's own region mapping matches planner.geo.region_of for every province code."""
    geo = pytest.importorskip("planner.geo")
    for n in range(10, 100):
        assert region_of(str(n)) is geo.region_of(str(n))
