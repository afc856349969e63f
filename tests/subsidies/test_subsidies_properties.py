"""Property tests: on random small ledgers and random policies the engine keeps its promises."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.domain.events import Arrival, Charter, CharterRider, Headcount, InsuredMonth
from planner.domain.model import Region
from planner.paths import DATA_DIR
from planner.subsidies import (
    AgencyRule,
    AreaLevel,
    CharterRule,
    DistanceBand,
    GovernmentTripsRule,
    LedgerFacts,
    PayeeKind,
    Person,
    Placement,
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
    compute_entitlements,
    load_policy,
    parse_policy,
    policy_to_toml,
    totals_by_rule,
)

D = dt.date
IDS = [f"P{i}" for i in range(8)]
EMPLOYERS = ["E1", "E2", "E3"]
CONTRACTS = ["C1", "C2", "C3"]
ADCODES = ["522701", "341122", "330782", "513227", "420106"]
MONTHS = [f"{y}-{m:02d}" for y, m in [(2019, 3), (2019, 12)] + [(2020, m) for m in range(1, 10)]]
SHIPPED = [load_policy(p) for p in sorted((DATA_DIR / "policies").glob("*.toml"))]
EVERYTHING = Policy(
    name="all rules on",
    valid_from=D(2020, 2, 1),
    valid_to=D(2020, 3, 31),
    charter=CharterRule(
        enabled=True,
        share=Fraction(2, 3),
        cap_per_trip_fen=1_000_000,
        cap_per_employer_fen=1_500_000,
        min_riders=2,
    ),
    government_trips=GovernmentTripsRule(enabled=True),
    self_return=SelfReturnRule(
        enabled=True,
        tiers=((Region.ZHEJIANG, 20_000), (Region.EAST_CHINA, 50_000), (Region.OTHER, 80_000)),
        taper=(TaperStep(D(2020, 2, 22), Fraction(1)), TaperStep(D(2020, 2, 29), Fraction(1, 2))),
    ),
    recruitment=RecruitmentRule(enabled=True, amount_per_head_fen=120_000, month="2020-03"),
    agency=AgencyRule(
        enabled=True, amount_per_person_fen=100_000, min_placed=2, min_insured_months=2
    ),
    retention=RetentionRule(enabled=True, amount_per_person_fen=50_000, after_months=3),
    sending_area=SendingAreaRule(
        enabled=True, bands=(SendingBand(2, 300_000), SendingBand(4, 500_000))
    ),
)
PER_RECRUIT = Policy(
    name="per recruit",
    valid_from=D(2020, 2, 1),
    recruitment=RecruitmentRule(
        enabled=True,
        mode=RecruitmentMode.PER_RECRUIT,
        amount_per_head_fen=50_000,
        min_insured_months=2,
    ),
    agency=AgencyRule(enabled=True, amount_per_person_fen=100_000, min_insured_months=1),
    self_return=EVERYTHING.self_return,
    charter=EVERYTHING.charter,
)

days = st.dates(min_value=D(2020, 1, 25), max_value=D(2020, 4, 10))


@st.composite
def ledgers(draw: st.DrawFn) -> LedgerFacts:
    people = [Person(i, f"n{i}", draw(st.sampled_from(ADCODES)), draw(st.booleans())) for i in IDS]
    trips = st.sampled_from([None, None, "GOV-1", "T-9", *CONTRACTS])
    arrivals = draw(
        st.lists(
            st.builds(Arrival, st.sampled_from(IDS), st.sampled_from(EMPLOYERS[:2]), days, trips),
            max_size=12,
        )
    )
    insured = draw(
        st.lists(
            st.builds(
                InsuredMonth,
                st.sampled_from(IDS),
                st.sampled_from(EMPLOYERS[:2]),
                st.sampled_from(MONTHS),
            ),
            max_size=30,
        )
    )
    stays = draw(
        st.lists(
            st.tuples(
                st.sampled_from(IDS),
                st.sampled_from(EMPLOYERS),
                st.integers(2, len(MONTHS) - 1),
                st.integers(1, 6),
            ),
            max_size=8,
        )
    )
    insured += [
        InsuredMonth(i, e, m) for i, e, start, n in stays for m in MONTHS[start : start + n]
    ]
    for a in arrivals:  # most arrivals are followed by insurance at that employer
        if draw(st.booleans()):
            start = MONTHS.index(f"{a.arrived_on:%Y-%m}")
            insured += [
                InsuredMonth(a.id_number, a.employer_uscc, m) for m in MONTHS[start : start + 5]
            ]
    charter_keys = draw(
        st.sets(st.tuples(st.sampled_from(CONTRACTS), st.sampled_from(EMPLOYERS)), max_size=4)
    )
    charters = [
        Charter(
            e,
            c,
            draw(days),
            "522701",
            53,
            draw(st.integers(0, 30)),
            draw(st.integers(0, 3_000_000)),
        )
        for c, e in sorted(charter_keys)
    ]
    riders = draw(
        st.lists(
            st.builds(CharterRider, st.sampled_from(CONTRACTS), st.sampled_from(IDS)), max_size=8
        )
    )
    head_keys = draw(
        st.sets(st.tuples(st.sampled_from(EMPLOYERS), st.sampled_from(["2019-03", "2020-03"])))
    )
    headcounts = [Headcount(e, m, draw(st.integers(0, 50))) for e, m in sorted(head_keys)]
    placements = draw(
        st.lists(
            st.builds(
                Placement,
                st.sampled_from(["AG1", "AG2"]),
                st.just("站"),
                st.sampled_from(IDS),
                st.sampled_from(EMPLOYERS),
            ),
            max_size=8,
        )
    )
    return LedgerFacts(
        people=people,
        government_trips=["GOV-1"],
        arrivals=arrivals,
        insured_months=insured,
        charters=charters,
        charter_riders=riders,
        headcounts=headcounts,
        placements=placements,
    )


policies = st.sampled_from([*SHIPPED, EVERYTHING, PER_RECRUIT])
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(policies, ledgers())
def test_no_negative_amount_and_unique_keys(policy: Policy, facts: LedgerFacts) -> None:
    """No line is negative and every key appears once, zero lines included."""
    lines = compute_entitlements(policy, facts, include_zero=True)
    assert all(line.amount_fen >= 0 for line in lines)
    assert len({line.key for line in lines}) == len(lines)
    assert [line for line in lines if line.amount_fen > 0] == compute_entitlements(policy, facts)


@FAST
@given(policies, ledgers())
def test_totals_add_up(policy: Policy, facts: LedgerFacts) -> None:
    """The lines of each rule sum to that rule's total, and the totals to the whole."""
    lines = compute_entitlements(policy, facts)
    totals = totals_by_rule(lines)
    for rule, total in totals.items():
        assert sum(line.amount_fen for line in lines if line.rule == rule) == total
    assert sum(totals.values()) == sum(line.amount_fen for line in lines)


@FAST
@given(policies, ledgers(), st.randoms(use_true_random=False))
def test_order_and_duplicates_do_not_change_the_result(
    policy: Policy, facts: LedgerFacts, rnd: object
) -> None:
    """Shuffling every table and repeating records gives exactly the same lines."""
    import random

    assert isinstance(rnd, random.Random)

    def shuffled(items: object) -> list[object]:
        out = list(items) + list(items)[:2]  # type: ignore[call-overload]
        rnd.shuffle(out)
        return out

    again = LedgerFacts(
        people=shuffled(facts.people),  # type: ignore[arg-type]
        government_trips=shuffled(facts.government_trips),  # type: ignore[arg-type]
        arrivals=shuffled(facts.arrivals),  # type: ignore[arg-type]
        insured_months=shuffled(facts.insured_months),  # type: ignore[arg-type]
        charters=shuffled(facts.charters),  # type: ignore[arg-type]
        charter_riders=shuffled(facts.charter_riders),  # type: ignore[arg-type]
        headcounts=shuffled(facts.headcounts),  # type: ignore[arg-type]
        placements=shuffled(facts.placements),  # type: ignore[arg-type]
    )
    assert compute_entitlements(policy, again, include_zero=True) == compute_entitlements(
        policy, facts, include_zero=True
    )


@FAST
@given(policies, ledgers())
def test_no_double_claims(policy: Policy, facts: LedgerFacts) -> None:
    """Nobody on a government trip or a paid charter's roster is paid a self-return subsidy, and
    no employer's charter lines exceed its cap."""
    lines = compute_entitlements(policy, facts)
    paid_charters = {line.basis["contract_no"] for line in lines if line.rule == "charter"}
    carried = {a.id_number for a in facts.arrivals if a.trip_id == "GOV-1"}
    carried |= {a.id_number for a in facts.arrivals if a.trip_id in paid_charters}
    carried |= {r.id_number for r in facts.charter_riders if r.contract_no in paid_charters}
    self_paid = {line.key.split(":", 1)[1] for line in lines if line.rule == "self_return"}
    assert not carried & self_paid
    cap = policy.charter.cap_per_employer_fen
    if cap is not None:
        for employer in EMPLOYERS:
            paid = sum(
                line.amount_fen
                for line in lines
                if line.rule == "charter" and line.payee_id == employer
            )
            assert paid <= cap


# --- policy round trip ---------------------------------------------------------------------

fen = st.integers(0, 10**9)
shares = st.fractions(min_value=0, max_value=1, max_denominator=12)
texts = st.text(st.characters(exclude_categories=["Cs"]), max_size=20)


@st.composite
def random_policies(draw: st.DrawFn) -> Policy:
    start = draw(st.dates(D(2019, 1, 1), D(2025, 1, 1)))
    steps = sorted(draw(st.sets(st.dates(D(2019, 1, 1), D(2026, 1, 1)), max_size=3)))
    bands = sorted(draw(st.sets(st.integers(1, 5000), max_size=3)))
    basis = draw(st.sampled_from(SelfReturnBasis))
    return Policy(
        name=draw(texts.filter(str.strip)),
        valid_from=start,
        valid_to=draw(st.none() | st.dates(start, D(2027, 1, 1))),
        region=draw(texts),
        issuer=draw(texts),
        posted_on=draw(st.none() | st.dates()),
        notes=draw(texts),
        charter=CharterRule(
            draw(st.booleans()),
            draw(shares),
            draw(st.none() | fen),
            draw(st.none() | fen),
            draw(st.none() | fen),
            draw(st.none() | fen),
            draw(st.integers(0, 60)),
        ),
        government_trips=GovernmentTripsRule(draw(st.booleans()), draw(shares)),
        self_return=SelfReturnRule(
            enabled=draw(st.booleans()),
            basis=basis,
            tiers=tuple((r, draw(fen)) for r in Region),
            distance_bands=(
                *(DistanceBand(b, draw(fen)) for b in bands),
                DistanceBand(None, draw(fen)),
            ),
            taper=tuple(TaperStep(d, draw(shares)) for d in steps),
            after_taper_share=draw(shares),
            requires_insured=draw(st.booleans()),
            payee=draw(st.sampled_from([PayeeKind.PERSON, PayeeKind.EMPLOYER])),
        ),
        recruitment=RecruitmentRule(
            draw(st.booleans()),
            draw(st.sampled_from(RecruitmentMode)),
            draw(fen),
            draw(st.sampled_from(["2020-03", "2023-12"])),
            draw(st.integers(1, 24)),
            draw(st.integers(1, 12)),
            draw(st.booleans()),
            draw(st.none() | fen),
        ),
        agency=AgencyRule(
            draw(st.booleans()), draw(fen), draw(st.integers(1, 50)), draw(st.integers(0, 12))
        ),
        retention=RetentionRule(
            draw(st.booleans()),
            draw(fen),
            draw(st.integers(1, 24)),
            draw(st.booleans()),
            draw(st.sampled_from([PayeeKind.PERSON, PayeeKind.EMPLOYER])),
        ),
        sending_area=SendingAreaRule(
            draw(st.booleans()),
            draw(st.sampled_from(AreaLevel)),
            tuple(
                SendingBand(n, draw(fen))
                for n in sorted(draw(st.sets(st.integers(1, 999), min_size=1, max_size=3)))
            ),
        ),
        planning=PlanningParams(
            draw(st.fractions(min_value=Fraction(1, 10), max_value=10, max_denominator=10)),
            draw(fen),
        ),
        workflow=WorkflowParams(
            draw(st.integers(0, 20)), draw(st.sampled_from(["ROUND_HALF_UP", "ROUND_HALF_EVEN"]))
        ),
    )


@settings(max_examples=50, deadline=None)
@given(random_policies())
def test_policy_round_trips(policy: Policy) -> None:
    """Any valid policy written with policy_to_toml reads back equal."""
    assert parse_policy(policy_to_toml(policy), "round.toml") == policy
