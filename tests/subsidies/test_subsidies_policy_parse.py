"""Reading, checking and writing policy.toml."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from planner.domain.model import Region
from planner.paths import DATA_DIR
from planner.problems import InputError
from planner.subsidies import (
    CharterRule,
    Policy,
    RecruitmentMode,
    SelfReturnRule,
    load_policy,
    parse_policy,
    policy_to_toml,
)

POLICY_FILES = sorted((DATA_DIR / "policies").glob("*.toml"))

MINIMAL = """
name = "test"
valid_from = 2020-02-10
"""


def problems_of(text: str, file_name: str = "p.toml") -> list[tuple[str | None, str]]:
    with pytest.raises(InputError) as info:
        parse_policy(text, file_name)
    for p in info.value.problems:
        assert p.file == file_name
        assert p.row is None
    return [(p.column, p.message) for p in info.value.problems]


def test_shipped_policies_are_all_there() -> None:
    """The five shipped policies exist and Shangyu is among them."""
    names = {p.name for p in POLICY_FILES}
    assert {
        "shangyu-2020.toml",
        "ningbo-2020.toml",
        "longwan-2020.toml",
        "ningbo-2023.toml",
        "yiwu-2020.toml",
    } <= names


@pytest.mark.parametrize("path", POLICY_FILES, ids=lambda p: p.name)
def test_shipped_policy_round_trips(path: object) -> None:
    """Every shipped policy loads, and writing it out reads back equal."""
    policy = load_policy(path)  # type: ignore[arg-type]
    assert parse_policy(policy_to_toml(policy), "again.toml") == policy


def test_shangyu_policy_reads_as_published() -> None:
    """The default policy holds the Shangyu 2020 figures in fen."""
    p = load_policy(DATA_DIR / "policies" / "shangyu-2020.toml")
    assert p.posted_on == dt.date(2020, 2, 22)
    assert p.charter.enabled and p.charter.share == 1
    assert p.government_trips.enabled
    assert dict(p.self_return.tiers) == {
        Region.ZHEJIANG: 20_000,
        Region.EAST_CHINA: 50_000,
        Region.OTHER: 80_000,
    }
    assert p.recruitment.mode is RecruitmentMode.HEADCOUNT_GROWTH
    assert p.recruitment.amount_per_head_fen == 120_000 and p.recruitment.month == "2020-03"
    assert (p.agency.amount_per_person_fen, p.agency.min_placed, p.agency.min_insured_months) == (
        100_000,
        10,
        3,
    )
    assert p.planning.seat_cost_multiple == 3
    assert p.workflow.notice_working_days == 5 and p.workflow.rounding == "ROUND_HALF_UP"


def test_minimal_policy_has_every_rule_off() -> None:
    """A file with only name and valid_from gives a policy whose rules are all off."""
    p = parse_policy(MINIMAL, "p.toml")
    assert p == Policy(name="test", valid_from=dt.date(2020, 2, 10))
    assert not any(
        r.enabled
        for r in (p.charter, p.self_return, p.recruitment, p.agency, p.retention, p.sending_area)
    )


def test_two_thirds_share_is_exact() -> None:
    """A "2:1 split" written as share = "2/3" is exactly two thirds."""
    p = parse_policy(MINIMAL + '[charter]\nshare = "2/3"\n', "p.toml")
    assert p.charter == CharterRule(enabled=True, share=Fraction(2, 3))


def test_amount_forms_are_accepted() -> None:
    """Amounts may be integers, two-decimal numbers or strings with thousands separators."""
    text = MINIMAL + (
        '[charter]\nshare = 1\ncap_per_trip = 10000\ncap_per_employer = "200,000.00"\n'
        "cap_per_seat = 150.5\n"
    )
    c = parse_policy(text, "p.toml").charter
    assert (c.cap_per_trip_fen, c.cap_per_employer_fen, c.cap_per_seat_fen) == (
        1_000_000,
        20_000_000,
        15_050,
    )


@pytest.mark.parametrize(
    ("extra", "key", "words"),
    [
        ("colour = 1\n", "colour", "unknown key"),
        ("[charter]\nshare = 1.0\nshares = 2\n", "charter.shares", "unknown key"),
        ("[charter]\nshare = 1.5\n", "charter.share", "between 0 and 1"),
        ("[charter]\nshare = -0.1\n", "charter.share", "between 0 and 1"),
        ('[charter]\nshare = "lots"\n', "charter.share", "fraction"),
        ("[charter]\nshare = 1.0\ncap_per_trip = -5.00\n", "charter.cap_per_trip", "negative"),
        ("[charter]\nshare = 1.0\ncap_per_trip = 1.005\n", "charter.cap_per_trip", "two decimals"),
        ("[charter]\nshare = 1.0\nmin_riders = 2.5\n", "charter.min_riders", "whole number"),
        ('[charter]\nshare = 1.0\nenabled = "yes"\n', "charter.enabled", "true or false"),
        ("[charter]\nenabled = true\n", "charter.share", "required"),
        ("charter = 3\n", "charter", "must be a table"),
        (
            "[self_return]\ntiers = { zhejiang = 200.00, other = 800.00 }\n",
            "self_return.tiers.east_china",
            "every region",
        ),
        (
            "[self_return]\ntiers = { zhejiang = 1, east_china = 2, other = 3, mars = 4 }\n",
            "self_return.tiers.mars",
            "unknown key",
        ),
        (
            "[self_return]\ntiers = { zhejiang = 1, east_china = 2, other = 3 }\n"
            "[[self_return.taper]]\nuntil = 2020-02-29\nshare = 1.0\n"
            "[[self_return.taper]]\nuntil = 2020-02-22\nshare = 0.5\n",
            "self_return.taper[2].until",
            "out of order",
        ),
        (
            "[self_return]\ntiers = { zhejiang = 1, east_china = 2, other = 3 }\n"
            "[[self_return.taper]]\nuntil = 2020-02-29T10:00:00\nshare = 1.0\n",
            "self_return.taper[1].until",
            "date",
        ),
        ('[self_return]\nbasis = "distance"\n', "self_return.distance_bands", "missing"),
        (
            '[self_return]\nbasis = "distance"\n[[self_return.distance_bands]]\nup_to_km = 500\n'
            "amount = 300.00\n[[self_return.distance_bands]]\nup_to_km = 400\namount = 500.00\n",
            "self_return.distance_bands[2].up_to_km",
            "out of order",
        ),
        (
            "[self_return]\ntiers = { zhejiang = 1, east_china = 2, other = 3 }\n"
            'payee = "agency"\n',
            "self_return.payee",
            '"person" or "employer"',
        ),
        ('[recruitment]\nmode = "per_head"\namount_per_head = 1\n', "recruitment.mode", "one of"),
        (
            '[recruitment]\nmode = "headcount_growth"\namount_per_head = 1200.00\n',
            "recruitment.month",
            "missing",
        ),
        (
            '[recruitment]\nmode = "headcount_growth"\namount_per_head = 1\nmonth = "2020-13"\n',
            "recruitment.month",
            "YYYY-MM",
        ),
        (
            "[agency]\namount_per_person = 1000.00\nmin_placed = 0\n",
            "agency.min_placed",
            "at least 1",
        ),
        (
            "[sending_area]\n[[sending_area.bands]]\nmin_sent = 300\namount = 1\n"
            "[[sending_area.bands]]\nmin_sent = 100\namount = 2\n",
            "sending_area.bands[2].min_sent",
            "out of order",
        ),
        ("[planning]\nseat_cost_multiple = 0\n", "planning.seat_cost_multiple", "greater than 0"),
        ('[workflow]\nrounding = "ROUND_NICELY"\n', "workflow.rounding", "ROUND_HALF_UP"),
        ("valid_to = 2020-01-01\n", "valid_to", "out of order"),
        ('currency = "USD"\n', "currency", "CNY"),
    ],
)
def test_each_problem_names_file_and_key(extra: str, key: str, words: str) -> None:
    """A bad value is reported with the file name and its dotted key, and says what is wrong."""
    found = problems_of(MINIMAL + extra)
    assert any(column == key and words in message for column, message in found), found


def test_every_problem_is_reported_at_once() -> None:
    """Several problems in one file all come back together, each with its own key."""
    text = (
        'valid_from = "soon"\n'
        "[charter]\nshare = 2\ncap_per_trip = -1\nwheels = 4\n"
        "[agency]\namount_per_person = -1000\n"
    )
    keys = {column for column, _ in problems_of(text)}
    assert keys == {
        "name",
        "valid_from",
        "charter.share",
        "charter.cap_per_trip",
        "charter.wheels",
        "agency.amount_per_person",
    }


def test_toml_syntax_error_names_the_line() -> None:
    """Broken TOML is one problem naming the file and the line."""
    with pytest.raises(InputError) as info:
        parse_policy('name = "x"\nvalid_from = \n', "bad.toml")
    (problem,) = info.value.problems
    assert problem.file == "bad.toml" and problem.row == 2
    assert str(problem).startswith("bad.toml:2:")


def test_load_policy_reports_a_missing_file(tmp_path: object) -> None:
    """A file that cannot be read is an InputError naming it, not a traceback."""
    with pytest.raises(InputError) as info:
        load_policy(f"{tmp_path}/nope.toml")
    assert info.value.problems[0].file == "nope.toml"


def test_written_policy_keeps_two_decimals_and_fractions() -> None:
    """policy_to_toml writes yuan with two decimals and a non-decimal share as a fraction."""
    policy = Policy(
        name='Quote " and 龙湾',
        valid_from=dt.date(2020, 2, 10),
        charter=CharterRule(enabled=True, share=Fraction(2, 3), cap_per_trip_fen=1_000_000),
        self_return=SelfReturnRule(
            enabled=True,
            tiers=((Region.ZHEJIANG, 20_000), (Region.EAST_CHINA, 50_050), (Region.OTHER, 80_000)),
        ),
    )
    text = policy_to_toml(policy)
    assert 'share = "2/3"' in text and "cap_per_trip = 10000.00" in text
    assert "east_china = 500.50" in text
    assert parse_policy(text, "x.toml") == policy
