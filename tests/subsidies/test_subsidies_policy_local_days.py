"""``[workflow]`` local_holidays / local_workdays: read, checked and written back."""

from __future__ import annotations

import datetime as dt

import pytest

from planner.problems import InputError
from planner.subsidies import parse_policy, policy_to_toml

MINIMAL = """
name = "test"
valid_from = 2020-02-10
"""


def _problems(text: str) -> list[tuple[str | None, str]]:
    with pytest.raises(InputError) as info:
        parse_policy(MINIMAL + text, "p.toml")
    assert all(p.file == "p.toml" for p in info.value.problems)
    return [(p.column, p.message) for p in info.value.problems]


def test_local_days_read_sorted_and_distinct() -> None:
    """TOML dates and ISO strings both read; the lists come out sorted without repeats."""
    p = parse_policy(MINIMAL + '[workflow]\nlocal_holidays = [2020-02-04, "2020-02-03", '
                     '2020-02-04]\nlocal_workdays = [2020-02-08]\n')
    assert p.workflow.local_holidays == (dt.date(2020, 2, 3), dt.date(2020, 2, 4))
    assert p.workflow.local_workdays == (dt.date(2020, 2, 8),)


def test_policy_without_local_days_writes_the_same_text() -> None:
    """A policy without local days has empty lists and its written text does not mention
    them (stored policies keep their fingerprint)."""
    p = parse_policy(MINIMAL)
    assert p.workflow.local_holidays == () and p.workflow.local_workdays == ()
    assert "local_" not in policy_to_toml(p)


def test_local_days_round_trip() -> None:
    """Written with policy_to_toml, the local day lists read back equal."""
    p = parse_policy(MINIMAL + "[workflow]\nlocal_holidays = [2020-02-03, 2020-02-10]\n"
                     "local_workdays = [2020-02-08]\n")
    assert parse_policy(policy_to_toml(p)) == p


@pytest.mark.parametrize(
    ("lines", "key", "words"),
    [
        ('local_holidays = "2020-02-10"', "workflow.local_holidays", "must be an array"),
        ('local_holidays = [2020-02-10, "2020-02-30"]', "workflow.local_holidays",
         "item 2: must be a date"),
        ("local_workdays = [2020-02-08T08:00:00]", "workflow.local_workdays",
         "item 1: must be a date"),
        ("local_holidays = [2020-02-08]\nlocal_workdays = [2020-02-08]",
         "workflow.local_workdays", "2020-02-08 is also in local_holidays"),
    ],
)
def test_bad_local_days_name_the_key_and_item(lines: str, key: str, words: str) -> None:
    """A wrong list, a bad date or a day in both lists is refused naming key and item."""
    problems = _problems(f"[workflow]\n{lines}\n")
    assert len(problems) == 1
    assert problems[0][0] == key and words in problems[0][1]
