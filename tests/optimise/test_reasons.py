"""The planner's reasons are messages: a code with parameters, Chinese by default, English as
the planner's sentences were, and kept through a plan folder."""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import pytest

from planner.domain import Plan, PlanSummary, SelfReturn, Unserved
from planner.messages import Message, catalogue, msg
from planner.optimise import reasons

D = dt.date
NAME = "信阳县"
ENGLISH = re.compile(r"[A-Za-z]{3,}")
CODES = re.compile(r"\b[0-9A-Z]{18}\b|employers\.csv")
EMP = "91330604182791922F"


def _alone(cause: Message, sub: int) -> Message:
    return reasons.advised_alone(cause, sub)


# (message, the English sentence the planner wrote before reasons were codes)
CASES: list[tuple[Message, str]] = [
    (reasons.own_travel(), "Registered to travel on their own; claims the self-return subsidy."),
    (
        _alone(reasons.coach_late(NAME, D(2020, 2, 20)), 100_000),
        "The coach from 信阳县 planned for this person would reach the employer after 2020-02-20; "
        "advised to come on their own with the 1,000.00 yuan self-return subsidy.",
    ),
    (
        _alone(reasons.coach_late_own_dear(NAME, D(2020, 2, 20), 2, 1_919_424), 80_000),
        "The coach from 信阳县 planned for this person would reach the employer after 2020-02-20, "
        "and one just for the 2 people late on it would cost about 19,194.24 yuan a seat; "
        "advised to come on their own with the 800.00 yuan self-return subsidy.",
    ),
    (
        _alone(reasons.no_seat_left(NAME), 60_000),
        "No seat was left on the vehicles planned from 信阳县 in this person's window; advised to "
        "come on their own with the 600.00 yuan self-return subsidy.",
    ),
    (
        msg("reason.at_employer", cause=msg("reason.no_trip", name=NAME, release="2020-02-15",
                                            deadline="2020-02-20")),
        "No coach or train from 信阳县 leaving on or after 2020-02-15 can arrive by 2020-02-20 at "
        "the employer.",
    ),
    (
        _alone(msg("reason.no_seat_within", days=1, release="2020-02-15", name=NAME,
                   last="2020-02-16", deadline="2020-02-20"), 100_000),
        "No seat within 1 day of 2020-02-15: no coach or train from 信阳县 leaving between "
        "2020-02-15 and 2020-02-16 can arrive by 2020-02-20; advised to come on their own with "
        "the 1,000.00 yuan self-return subsidy.",
    ),
    (
        msg("reason.either_cheaper", sub=60_000, name=NAME, seat=81_250),
        "Either way is fine for this person: coming alone costs the 600.00 yuan self-return "
        "subsidy, less than a seat from 信阳县 (about 812.50 yuan).",
    ),
    (
        msg("reason.few_seekers", n=1, name=NAME, first="2020-02-15", last="2020-02-20",
            seat=800_000, mult=2.0, sub=100_000),
        "Only 1 seat-seeker in 信阳县 can travel between 2020-02-15 and 2020-02-20 with no trip "
        "nearby: a seat would cost about 8,000.00 yuan, more than 2 × the 1,000.00 yuan "
        "self-return subsidy.",
    ),
    (
        msg("reason.coaches_full", name=NAME, first="2020-02-15", last="2020-02-20", n=3,
            mult=1.5, sub=100_000),
        "The coaches from 信阳县 between 2020-02-15 and 2020-02-20 are full and sharing another "
        "with 3 left-over seat-seekers costs more than 1.5 × the 1,000.00 yuan self-return "
        "subsidy each; advised to come on their own.",
    ),
    (
        msg("reason.no_vehicle_left", name=NAME, first="2020-02-15", last="2020-02-20"),
        "No vehicle was left to carry this person from 信阳县 between 2020-02-15 and 2020-02-20: "
        "every coach and train available was already in use.",
    ),
    (
        reasons.coach_reaches_late(NAME, D(2020, 2, 20)),
        "The coach from 信阳县 reaches the employer after 2020-02-20.",
    ),
    (
        reasons.hires_short("卧龙电驱", 30, 12),
        "Employer 卧龙电驱 wanted 30 new hires; only 12 recruits could be matched.",
    ),
    (
        reasons.not_in_gazetteer("999999"),
        "Home county 999999 is not in the gazetteer, so no trip can be planned from there.",
    ),
    (reasons.unknown_employer(EMP), f"Employer {EMP} is not in employers.csv."),
    (reasons.no_vacancy(), "No employer has a vacancy left for this new recruit."),
    (
        reasons.no_vacancy(D(2020, 3, 2)),
        "No employer with a vacancy left needs workers late enough for this recruit to arrive "
        "(earliest possible arrival 2020-03-02).",
    ),
]


@pytest.mark.parametrize(("why", "english"), CASES)
def test_a_reason_reads_in_english_as_the_planner_wrote_it(why: Message, english: str) -> None:
    """Each reason renders in English as the planner's sentence did before it was a code."""
    assert why.render("en") == english


@pytest.mark.parametrize(("why", "english"), CASES)
def test_a_reason_reads_in_chinese_keeping_its_values(why: Message, english: str) -> None:
    """Each reason renders in Chinese with no English left and its places, dates and amounts."""
    zh = why.render("zh")
    assert ENGLISH.findall(CODES.sub("", zh)) == []
    for value in re.findall(r"\d{4}-\d{2}-\d{2}|[\d,]+\.\d{2}|信阳县", english):
        assert value in zh


def test_every_reason_code_has_both_languages() -> None:
    """The reasons catalogue has the same codes in Chinese and English."""
    zh = {k for k in catalogue("zh") if k.startswith("reason.")}
    en = {k for k in catalogue("en") if k.startswith("reason.")}
    assert zh == en
    assert {w.code for w, _ in CASES} <= zh


def _plan() -> Plan:
    why = _alone(reasons.no_seat_left(NAME), 60_000)
    summary = PlanSummary(
        workers_planned=1, trips=0, total_cost_fen=60_000, lower_bound_fen=60_000, gap=0.0,
        subsidy_forecast_fen=60_000, solve_seconds=0.0,
    )
    return Plan(
        trips=(), assignments=(), legs=(),
        self_returns=(SelfReturn("522427197701055213", EMP, why, 60_000),),
        unserved=(Unserved(reasons.hires_short("卧龙电驱", 30, 12), None, EMP, 18),),
        summary=summary,
    )


def test_plan_files_carry_the_code_and_the_chinese_text(tmp_path: Path) -> None:
    """self_return.csv gives reason_code and the reason in Chinese; read back it is the same
    message, so it renders in English too."""
    from planner.io.plan_read import read_plan
    from planner.io.plans import plan_frames, write_plan

    plan = _plan()
    frame = plan_frames(plan)["self_return.csv"]
    assert frame.loc[0, "reason_code"] == "reason.advised_alone"
    assert "建议自行返岗" in frame.loc[0, "reason"]
    write_plan(plan, tmp_path)
    back = read_plan(tmp_path)
    assert back.self_returns[0].why == plan.self_returns[0].why
    assert back.unserved[0].why == plan.unserved[0].why


def test_plan_files_in_english_on_request(tmp_path: Path) -> None:
    """``lang="en"`` writes the English sentence in the reason column."""
    from planner.io.plans import plan_frames

    frame = plan_frames(_plan(), "en")["unserved.csv"]
    assert frame.loc[0, "reason"] == (
        "Employer 卧龙电驱 wanted 30 new hires; only 12 recruits could be matched."
    )


def test_an_old_plan_folder_without_reason_code_still_reads(tmp_path: Path) -> None:
    """A reason column alone (older folders, hand-made files) reads back as free text."""
    from planner.io.plan_read import read_plan
    from planner.io.plans import write_plan

    write_plan(_plan(), tmp_path, lang="en")
    path = tmp_path / "self_return.csv"
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    head = lines[0].split(",")
    keep = [i for i, h in enumerate(head) if h not in ("reason_code", "reason_params")]
    rows = list(csv.reader(lines))
    path.write_text("\n".join(",".join(f'"{r[i]}"' for i in keep) for r in rows) + "\n",
                    encoding="utf-8-sig")
    back = read_plan(tmp_path)
    assert back.self_returns[0].why.code == "reason.text"
    assert back.self_returns[0].reason == _plan().self_returns[0].reason
