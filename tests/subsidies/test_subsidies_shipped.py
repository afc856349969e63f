"""The shipped policies on tiny hand-built cases: the figures a county office would check."""

from __future__ import annotations

import datetime as dt

import pytest

from planner.domain.events import Arrival, Charter, CharterRider, Headcount, InsuredMonth
from planner.paths import DATA_DIR
from planner.subsidies import (
    EmployerRef,
    EntitlementLine,
    LedgerFacts,
    Person,
    Placement,
    Policy,
    compute_entitlements,
    load_policy,
    self_return_subsidy_fen,
    totals_by_rule,
)

POLICIES = DATA_DIR / "policies"
EMP = "91330604MA2D000001"
EMP2 = "91330604MA2D000002"
AGENCY = "91520100MA6H000009"
D = dt.date


def english(evidence: object) -> tuple[str, ...]:
    """Evidence lines (messages) as their English text."""
    return tuple(str(e) for e in evidence)  # type: ignore[attr-defined]


def policy(name: str) -> Policy:
    return load_policy(POLICIES / f"{name}.toml")


def own(id_number: str, day: dt.date, employer: str = EMP) -> Arrival:
    return Arrival(id_number=id_number, employer_uscc=employer, arrived_on=day)


def months(id_number: str, employer: str, *ms: str) -> list[InsuredMonth]:
    return [InsuredMonth(id_number=id_number, employer_uscc=employer, month=m) for m in ms]


def charter(contract: str, invoice_yuan: int, riders: int, employer: str = EMP) -> Charter:
    return Charter(
        employer_uscc=employer,
        contract_no=contract,
        depart_date=D(2020, 2, 20),
        origin_adcode="522701",
        seats=53,
        riders=riders,
        invoice_amount_fen=invoice_yuan * 100,
    )


def amounts(lines: list[EntitlementLine]) -> dict[str, int]:
    return {line.key: line.amount_fen for line in lines}


# --- Shangyu 2020 --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("home", "expected_fen"),
    [
        ("522701", 80_000),  # Guizhou: other regions
        ("341122", 50_000),  # Anhui: East China
        ("310115", 50_000),  # Shanghai: East China
        ("370102", 50_000),  # Shandong: East China
        ("330782", 20_000),  # Yiwu, Zhejiang
        ("513227", 80_000),  # Xiaojin, Sichuan
    ],
)
def test_shangyu_self_return_tiers(home: str, expected_fen: int) -> None:
    """Shangyu pays 800 / 500 / 200 yuan to a person who came on their own, by home region."""
    p = policy("shangyu-2020")
    facts = LedgerFacts(
        people=[Person("P1", "张三", home)],
        arrivals=[own("P1", D(2020, 2, 25))],
        insured_months=months("P1", EMP, "2020-03"),
    )
    lines = compute_entitlements(p, facts)
    assert amounts(lines) == {"self_return:P1": expected_fen}
    line = lines[0]
    assert line.payee_kind == "person" and line.payee_id == "P1" and line.payee_name == "张三"
    assert f"arrival 2020-02-25 at {EMP} (own travel)" in english(line.evidence)
    assert f"insured 2020-03 at {EMP}" in english(line.evidence)
    assert self_return_subsidy_fen(p, home[:2], D(2020, 2, 25)) == expected_fen


def test_shangyu_government_trip_rider_gets_no_self_return() -> None:
    """A Guizhou person carried on a government trip gets 0, even with an own-travel record."""
    p = policy("shangyu-2020")
    facts = LedgerFacts(
        people=[Person("P1", "张三", "522701")],
        government_trips=["GOV-7"],
        arrivals=[
            Arrival("P1", EMP, D(2020, 2, 24), trip_id="GOV-7"),
            own("P1", D(2020, 2, 25)),
        ],
        insured_months=months("P1", EMP, "2020-03"),
    )
    assert compute_entitlements(p, facts) == []
    zeros = compute_entitlements(p, facts, include_zero=True)
    (zero,) = [line for line in zeros if line.rule == "self_return"]
    assert zero.amount_fen == 0 and str(zero.basis["reason"]) == "carried on government trip GOV-7"


def test_shangyu_charter_refunds_whole_invoice() -> None:
    """Shangyu refunds 100% of an employer's charter invoice, with the contract as evidence."""
    p = policy("shangyu-2020")
    facts = LedgerFacts(
        employers=[EmployerRef(EMP, "卧龙电驱")],
        charters=[charter("HT-001", 18_000, 26)],
    )
    (line,) = compute_entitlements(p, facts)
    assert (line.key, line.amount_fen, line.payee_kind, line.payee_name) == (
        "charter:HT-001",
        1_800_000,
        "employer",
        "卧龙电驱",
    )
    assert "charter contract HT-001, invoice 18,000.00 yuan, 26 riders" in english(line.evidence)


def test_shangyu_headcount_growth_of_seven_pays_8400() -> None:
    """Insured headcount 2020-03 is 7 above 2019-03: 7 × 1,200 = 8,400 yuan to the employer."""
    p = policy("shangyu-2020")
    facts = LedgerFacts(
        headcounts=[Headcount(EMP, "2020-03", 107), Headcount(EMP, "2019-03", 100)],
    )
    assert amounts(compute_entitlements(p, facts)) == {f"recruitment:{EMP}:2020-03": 840_000}


def test_shangyu_headcount_decline_pays_nothing() -> None:
    """A smaller headcount than a year before earns nothing, never a negative amount."""
    p = policy("shangyu-2020")
    facts = LedgerFacts(headcounts=[Headcount(EMP, "2020-03", 90), Headcount(EMP, "2019-03", 100)])
    assert compute_entitlements(p, facts) == []
    (zero,) = compute_entitlements(p, facts, include_zero=True)
    assert zero.amount_fen == 0 and zero.basis["growth"] == 0


def _agency_case(placed: int, insured: tuple[str, ...]) -> LedgerFacts:
    ids = [f"A{i:02d}" for i in range(placed)]
    return LedgerFacts(
        people=[Person(i, f"工人{i}", "522701") for i in ids],
        placements=[Placement(AGENCY, "黔东南劳务站", i, EMP) for i in ids],
        insured_months=[m for i in ids for m in months(i, EMP, *insured)],
        headcounts=[Headcount(EMP, "2020-03", 112), Headcount(EMP, "2019-03", 100)],
    )


def test_shangyu_agency_reward_excludes_employer_reward() -> None:
    """10 placed, each insured 4 months: 1,000 each to the agency; the employer's growth of 12
    is paid for the 2 people the agency is not rewarded for."""
    p = policy("shangyu-2020")
    facts = _agency_case(10, ("2020-03", "2020-04", "2020-05", "2020-06"))
    got = amounts(compute_entitlements(p, facts))
    assert got == {f"agency:{AGENCY}": 1_000_000, f"recruitment:{EMP}:2020-03": 240_000}


def test_shangyu_agency_needs_more_than_three_months() -> None:
    """Placements insured exactly 3 months do not qualify, so the employer is paid in full."""
    p = policy("shangyu-2020")
    facts = _agency_case(10, ("2020-03", "2020-04", "2020-05"))
    got = amounts(compute_entitlements(p, facts))
    assert got == {f"recruitment:{EMP}:2020-03": 12 * 120_000}


def test_shangyu_agency_needs_ten_placements() -> None:
    """An agency with 9 qualifying placements gets nothing, and the employer counts them."""
    p = policy("shangyu-2020")
    facts = _agency_case(9, ("2020-03", "2020-04", "2020-05", "2020-06"))
    got = amounts(compute_entitlements(p, facts))
    assert got == {f"recruitment:{EMP}:2020-03": 12 * 120_000}


def test_shangyu_sending_area_bands() -> None:
    """A county that sent 300 people reaches the 40,000-yuan band; one that sent 99 nothing."""
    p = policy("shangyu-2020")
    people = [Person(f"X{i}", "x", "513227") for i in range(300)]
    people += [Person(f"Y{i}", "y", "522701") for i in range(99)]
    facts = LedgerFacts(
        people=people,
        arrivals=[Arrival(q.id_number, EMP, D(2020, 3, 1), trip_id="GOV-1") for q in people],
        government_trips=["GOV-1"],
        area_names={"513227": "小金县"},
    )
    lines = compute_entitlements(p, facts)
    assert amounts(lines) == {"sending_area:513227": 4_000_000}
    assert lines[0].payee_kind == "government" and lines[0].payee_name == "小金县"


# --- Ningbo 2020, Longwan 2020 -------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "invoice_fen", "expected_fen"),
    [
        ("ningbo-2020", 1_800_000, 900_000),  # 50%
        ("ningbo-2020", 10_001, 5_001),  # 50.005 yuan rounds half up to 50.01
        ("longwan-2020", 1_800_000, 1_200_000),  # 2/3
        ("longwan-2020", 1_000_000, 666_667),  # 6,666.666… rounds to 6,666.67
        ("shangyu-2020", 2_345_678, 2_345_678),  # 100%
    ],
)
def test_charter_share_by_policy(name: str, invoice_fen: int, expected_fen: int) -> None:
    """Ningbo refunds half the invoice, Longwan two thirds, Shangyu all, rounded to the fen."""
    c = Charter(EMP, "HT-9", D(2020, 2, 20), "522701", 53, 26, invoice_fen)
    assert amounts(compute_entitlements(policy(name), LedgerFacts(charters=[c]))) == {
        "charter:HT-9": expected_fen
    }


@pytest.mark.parametrize(
    ("name", "day", "expected_fen"),
    [
        ("longwan-2020", D(2020, 2, 21), 80_000),
        ("longwan-2020", D(2020, 2, 22), 80_000),
        ("longwan-2020", D(2020, 2, 23), 40_000),
        ("longwan-2020", D(2020, 2, 29), 40_000),
        ("longwan-2020", D(2020, 3, 1), 0),
        ("yiwu-2020", D(2020, 2, 10), 100_000),
        ("yiwu-2020", D(2020, 2, 22), 100_000),
        ("yiwu-2020", D(2020, 2, 23), 50_000),
        ("yiwu-2020", D(2020, 2, 29), 50_000),
        ("yiwu-2020", D(2020, 3, 2), 0),
    ],
)
def test_self_return_tapers_by_date(name: str, day: dt.date, expected_fen: int) -> None:
    """Longwan and Yiwu: full refund up to 22 Feb, half for 23–29 Feb, nothing after."""
    facts = LedgerFacts(
        people=[Person("P1", "李四", "522701")],
        arrivals=[own("P1", day)],
        insured_months=months("P1", EMP, "2020-02", "2020-03"),
    )
    got = amounts(compute_entitlements(policy(name), facts))
    assert got == ({"self_return:P1": expected_fen} if expected_fen else {})


# --- Ningbo 2023 ---------------------------------------------------------------------------


def test_ningbo_2023_caps_per_bus() -> None:
    """Half of a 26,000-yuan invoice is 13,000, capped at 10,000 yuan per bus."""
    c = Charter(EMP, "NB-1", D(2023, 1, 20), "522701", 53, 26, 2_600_000)
    (line,) = compute_entitlements(policy("ningbo-2023"), LedgerFacts(charters=[c]))
    assert line.amount_fen == 1_000_000 and line.basis["capped"] == "per trip"


def test_ningbo_2023_needs_twenty_riders() -> None:
    """A bus with 19 people on its roster gets nothing; 20 is enough."""
    p = policy("ningbo-2023")
    roster19 = [CharterRider("NB-19", f"R{i}") for i in range(19)]
    roster20 = [CharterRider("NB-20", f"S{i}") for i in range(20)]
    facts = LedgerFacts(
        charters=[
            Charter(EMP, "NB-19", D(2023, 1, 20), "522701", 53, 30, 1_000_000),
            Charter(EMP, "NB-20", D(2023, 1, 20), "522701", 53, 20, 1_000_000),
        ],
        charter_riders=roster19 + roster20,
    )
    assert amounts(compute_entitlements(p, facts)) == {"charter:NB-20": 500_000}


def test_ningbo_2023_caps_per_employer() -> None:
    """21 capped buses of one employer: 20 × 10,000 reach the 200,000 cap; the last earns 0."""
    p = policy("ningbo-2023")
    charters = [
        Charter(EMP, f"NB-{i:02d}", D(2023, 1, 10 + i), "522701", 53, 26, 2_600_000)
        for i in range(21)
    ]
    lines = compute_entitlements(p, LedgerFacts(charters=charters), include_zero=True)
    assert sum(line.amount_fen for line in lines) == 20_000_000
    assert amounts(lines)["charter:NB-20"] == 0  # the latest departure
    assert totals_by_rule(compute_entitlements(p, LedgerFacts(charters=charters)))["charter"] == (
        20_000_000
    )


def test_ningbo_2023_self_return_tiers() -> None:
    """Ningbo 2023 pays 100 / 300 / 500 yuan by region."""
    p = policy("ningbo-2023")
    day = D(2023, 1, 20)
    assert [self_return_subsidy_fen(p, code, day) for code in ("33", "32", "51")] == [
        10_000,
        30_000,
        50_000,
    ]


# --- Yiwu 2020 -----------------------------------------------------------------------------


def test_yiwu_pays_per_recruit_insured_three_months() -> None:
    """Yiwu pays 500 yuan per new recruit insured 3 consecutive months; 2 months is not enough,
    and an employee insured there before the policy is not a new recruit."""
    p = policy("yiwu-2020")
    facts = LedgerFacts(
        employers=[EmployerRef(EMP, "义乌小商品厂"), EmployerRef(EMP2, "义乌袜厂")],
        arrivals=[
            Arrival("N1", EMP, D(2020, 2, 20), trip_id="T1"),
            Arrival("N2", EMP, D(2020, 2, 20), trip_id="T1"),
            Arrival("N3", EMP2, D(2020, 2, 20), trip_id="T1"),
            Arrival("OLD", EMP2, D(2020, 2, 20), trip_id="T1"),
        ],
        insured_months=[
            *months("N1", EMP, "2020-03", "2020-04", "2020-05"),
            *months("N2", EMP, "2020-03", "2020-04"),
            *months("N3", EMP2, "2020-02", "2020-03", "2020-04", "2020-05"),
            *months("OLD", EMP2, "2019-12", "2020-03", "2020-04", "2020-05"),
        ],
    )
    lines = compute_entitlements(p, facts)
    assert amounts(lines) == {f"recruitment:{EMP}": 50_000, f"recruitment:{EMP2}": 50_000}
    assert english(lines[0].evidence) == (
        "new recruit N1 insured 2020-03..2020-05 (3 months) at 义乌小商品厂",)
