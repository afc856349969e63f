"""Back-end sentences (claim evidence, plan reasons) reach the Chinese screens in Chinese."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from ui.messages import localise

D = dt.date
EMP = "91330604MA2D000001"
EMP2 = "91330604MA2D000002"
AGENCY = "91520100MA6H000009"
AGENCY2 = "91520100MA6H000008"
FEB_20 = D(2020, 2, 20)
#: codes and file names that may stay Latin: USCCs, contract/trip numbers, employers.csv.
CODES = re.compile(r"\b[0-9A-Z]{18}\b|\b[A-Z]+-[\w-]+\b|employers\.csv")
ENGLISH = re.compile(r"[A-Za-z]{3,}")


def english_left(text: str) -> list[str]:
    """English words of 3+ letters left in ``text`` once codes are taken out."""
    return ENGLISH.findall(CODES.sub("", text))


@pytest.fixture(scope="module")
def demo_plan(tmp_path_factory: pytest.TempPathFactory):
    from planner.demo.write import write_demo
    from planner.optimise import PlanParams
    from planner.services.planning import plan_scenario
    from planner.services.scenario import load_scenario

    folder: Path = tmp_path_factory.mktemp("demo")
    write_demo(folder, n_workers=400, force=True)
    return plan_scenario(load_scenario(folder), PlanParams(time_limit_s=5))


def test_every_plan_reason_of_a_demo_plan_reads_in_chinese(demo_plan) -> None:
    """Every self-return and unserved reason of a planned demo comes out in Chinese."""
    reasons = [s.reason for s in demo_plan.self_returns] + [u.reason for u in demo_plan.unserved]
    assert reasons
    left = {r: english_left(localise(r, "zh")) for r in set(reasons)}
    assert {r: w for r, w in left.items() if w} == {}


PLAN_REASONS = [
    "Registered to travel on their own; claims the self-return subsidy.",
    "The coach from 信阳县 planned for this person would reach the employer after 2020-02-20; "
    "advised to come on their own with the 1,000.00 yuan self-return subsidy.",
    "The coach from 信阳县 planned for this person would reach the employer after 2020-02-20, "
    "and one just for the 2 people late on it would cost about 19,194.24 yuan a seat; advised "
    "to come on their own with the 800.00 yuan self-return subsidy.",
    "No seat was left on the vehicles planned from 信阳县 in this person's window; advised to "
    "come on their own with the 600.00 yuan self-return subsidy.",
    "No seat within 1 day of 2020-02-15: no coach or train from 信阳县 leaving between "
    "2020-02-15 and 2020-02-16 can arrive by 2020-02-20; advised to come on their own with the "
    "1,000.00 yuan self-return subsidy.",
    "No coach or train from 信阳县 leaving on or after 2020-02-15 can arrive by 2020-02-20 at "
    "the employer.",
    "No seat within 3 days of 2020-02-15: no coach or train from 信阳县 leaving between "
    "2020-02-15 and 2020-02-18 can arrive by 2020-02-20 at the employer.",
    "Either way is fine for this person: coming alone costs the 600.00 yuan self-return "
    "subsidy, less than a seat from 信阳县 (about 812.50 yuan).",
    "Either way is fine for this person: the coaches from 信阳县 in their window are full, and "
    "another one would cost more than the 600.00 yuan self-return subsidy.",
    "Only 2 seat-seekers in 信阳县 can travel between 2020-02-15 and 2020-02-20 with no trip "
    "nearby: a seat would cost about 4,000.00 yuan, more than 1.5 × the 1,000.00 yuan "
    "self-return subsidy.",
    "Only 1 seat-seeker in 信阳县 can travel between 2020-02-15 and 2020-02-20 with no trip "
    "nearby: a seat would cost about 8,000.00 yuan, more than 2 × the 1,000.00 yuan "
    "self-return subsidy.",
    "The coaches from 信阳县 between 2020-02-15 and 2020-02-20 are full and sharing another "
    "with 3 left-over seat-seekers costs more than 1.5 × the 1,000.00 yuan self-return subsidy "
    "each; advised to come on their own.",
    "No vehicle was left to carry this person from 信阳县 between 2020-02-15 and 2020-02-20: "
    "every coach and train available was already in use.",
    "The coach from 信阳县 reaches the employer after 2020-02-20.",
    "Employer 卧龙电驱 wanted 30 new hires; only 12 recruits could be matched.",
    "Home county 999999 is not in the gazetteer, so no trip can be planned from there.",
    f"Employer {EMP} is not in employers.csv.",
    "No employer has a vacancy left for this new recruit.",
    "No employer with a vacancy left needs workers late enough for this recruit to arrive "
    "(earliest possible arrival 2020-03-02).",
]


@pytest.mark.parametrize("reason", PLAN_REASONS)
def test_each_plan_reason_template_reads_in_chinese(reason: str) -> None:
    """Each reason sentence the planner can write (built from its f-strings) reads in Chinese
    and keeps its names, dates and amounts."""
    zh = localise(reason, "zh")
    assert english_left(zh) == []
    for value in re.findall(r"\d{4}-\d{2}-\d{2}|[\d,]+\.\d{2}|信阳县", reason):
        assert value in zh


@pytest.mark.parametrize(
    "text",
    ["something the back end never said", "", "  ", "insured at nowhere", "a;b", "No seat ..."],
)
def test_unknown_text_comes_back_unchanged(text: str) -> None:
    """Text matching no template, and any English request, comes back exactly as given."""
    assert localise(text, "zh") == text
    assert localise("arrival 2020-02-18 at X (own travel)", "en") == (
        "arrival 2020-02-18 at X (own travel)"
    )


@pytest.mark.parametrize(
    "sentence",
    [
        "unknown trip T010",
        "trip T010 departed at 2020-02-17 06:00 is already recorded",
        "trip T010 is cancelled; nothing more can be recorded for it",
        "trip T010 already arrived at 2020-02-18 09:40",
        "trip T010 has arrived; it cannot be cancelled",
        "arrival 2020-02-16 23:00 is before the departure 2020-02-17 06:00",
        "cancellation 2020-02-17 05:00 is before the departure 2020-02-17 06:00",
        "departure 2020-02-19 06:00 is after the arrival 2020-02-18 09:40",
        "11010519491231002X is not on trip T010",
        "11010519491231002X has no check-in on trip T010",
        "11010519491231002X is not on a cancelled trip",
        "trip T011 has left or is cancelled; choose another trip",
        "trip T011 has 0 free places, not 3",
        "11010519491231002X is already on trip T011",
    ],
)
def test_movement_refusals_read_in_chinese(sentence: str) -> None:
    """Each refusal of a trip movement, check-in undo or re-seat reads in Chinese and keeps
    its trip, person and times."""
    zh = localise(sentence, "zh")
    assert english_left(zh) == []
    for value in re.findall(r"T\d+|\d{17}[\dX]|\d{4}-\d{2}-\d{2} \d{2}:\d{2}", sentence):
        assert value in zh
