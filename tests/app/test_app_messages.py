"""Back-end sentences (claim evidence, input problems) reach the Chinese screens in Chinese;
plan reasons are messages (tests/optimise/test_reasons.py)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from planner.domain.events import Arrival, Charter, CharterRider, Headcount, InsuredMonth
from planner.paths import DATA_DIR
from planner.subsidies import (
    EmployerRef,
    LedgerFacts,
    Person,
    Placement,
    compute_entitlements,
    load_policy,
)
from ui.messages import TEMPLATES, localise

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


def months(id_number: str, employer: str, *ms: str) -> list[InsuredMonth]:
    return [InsuredMonth(id_number, employer, m) for m in ms]


def charter(
    contract: str, invoice_yuan: int, riders: int, employer: str = EMP, day: dt.date = FEB_20
) -> Charter:
    return Charter(
        employer_uscc=employer,
        contract_no=contract,
        depart_date=day,
        origin_adcode="522701",
        seats=53,
        riders=riders,
        invoice_amount_fen=invoice_yuan * 100,
    )


def rich_facts() -> LedgerFacts:
    """Facts that make every rule of the shipped policies write evidence and reasons."""
    after = ("2020-02", "2020-03", "2020-04", "2020-05", "2020-06", "2020-07", "2020-08")
    placed = [f"A{i:02d}" for i in range(10)]
    sent = [f"S{i:03d}" for i in range(120)]
    people = [
        Person("P1", "张三", "522701", poverty_registered=True),
        Person("P2", "李四", "330602"),
        Person("P3", "王五", "320102"),
        Person("P4", "赵六", "522701"),
        Person("P5", "钱七", "522701"),
        Person("R1", "孙八", "522701"),
        *(Person(i, f"工人{i}", "522701") for i in placed),
        *(Person(i, f"工人{i}", "513227") for i in sent),
    ]
    arrivals = [
        Arrival("P1", EMP, D(2020, 2, 18)),
        Arrival("P2", EMP, D(2020, 3, 20)),
        Arrival("P3", EMP2, D(2020, 2, 25)),
        Arrival("P4", EMP, D(2021, 6, 1)),
        Arrival("P5", EMP, D(2020, 2, 22)),
        Arrival("P6", EMP, D(2020, 2, 22)),
        Arrival("R1", EMP, D(2020, 2, 20)),
        Arrival("P1", EMP, D(2020, 2, 17), trip_id="GOV-7"),
        *(Arrival(i, EMP, D(2020, 3, 1), trip_id="GOV-1") for i in sent),
        *(Arrival(i, EMP2, D(2020, 2, 20)) for i in placed),
    ]
    insured = [
        *months("P1", EMP, *after),
        *months("P2", EMP, "2020-03", "2020-04"),
        *months("P3", EMP2, *after),
        *months("P4", EMP, "2021-06"),
        *months("P6", EMP, "2020-02"),
        *months("R1", EMP, "2020-02"),
        *(m for i in placed for m in months(i, EMP2, *after)),
        *(m for i in sent[:5] for m in months(i, EMP, *after)),
    ]
    return LedgerFacts(
        people=people,
        employers=[EmployerRef(EMP, "卧龙电驱"), EmployerRef(EMP2, "晶盛机电")],
        government_trips=["GOV-1", "GOV-7"],
        arrivals=arrivals,
        insured_months=insured,
        charters=[
            charter("HT-001", 18_000, 26),
            charter("HT-002", 90_000, 40),
            charter("HT-003", 60_000, 40),
            charter("HT-004", 9_000, 20, EMP2),
            charter("HT-004", 6_000, 20, EMP),
            charter("HT-005", 5_000, 3),
            charter("HT-006", 5_000, 30, day=D(2021, 6, 1)),
            *(charter(f"NB-{i:02d}", 30_000, 30, day=D(2023, 2, 1)) for i in range(22)),
            charter("NB-99", 30_000, 10, EMP2, day=D(2023, 2, 1)),
        ],
        charter_riders=[CharterRider("HT-001", "R1")],
        headcounts=[
            Headcount(EMP, "2020-03", 250),
            Headcount(EMP, "2019-03", 100),
            Headcount(EMP, "2020-02", 100),
            Headcount(EMP2, "2020-03", 120),
            Headcount(EMP2, "2019-03", 100),
            Headcount(EMP2, "2020-02", 100),
        ],
        placements=[
            *(Placement(AGENCY, "黔东南劳务站", i, EMP2) for i in placed),
            Placement(AGENCY2, "小金劳务站", "P3", EMP2),
        ],
        distance_km={"P1": 1500.0, "P3": 300.0},
        area_names={"513227": "小金县"},
    )


def engine_sentences() -> list[str]:
    """Every evidence line and zero-line reason the engine writes for the rich facts."""
    out: list[str] = []
    for path in sorted((DATA_DIR / "policies").glob("*.toml")):
        for line in compute_entitlements(load_policy(path), rich_facts(), include_zero=True):
            out.extend(line.evidence)
            if "reason" in line.basis:
                out.append(str(line.basis["reason"]))
    return sorted(set(out))


def test_every_evidence_line_and_reason_of_the_engine_reads_in_chinese() -> None:
    """Each evidence line and refusal reason the subsidy engine writes under the shipped
    policies comes out in Chinese, with no English word left."""
    sentences = engine_sentences()
    assert any(s.startswith("charter contract HT-001") for s in sentences)
    untranslated = {s: english_left(localise(s, "zh")) for s in sentences}
    assert {s: w for s, w in untranslated.items() if w} == {}
    matched = {key for key, pattern in TEMPLATES for s in sentences if re.fullmatch(pattern, s)}
    assert len(matched) >= 28, sorted(matched)


def test_known_evidence_lines_render_the_chinese_template() -> None:
    """The examples of the brief render with their values kept and money in yuan (元)."""
    uscc = "91330604MA2GUF739R"
    assert localise(f"arrival 2020-02-18 at {uscc} (own travel)", "zh") == (
        f"2020-02-18 到岗 {uscc}（自行返岗）"
    )
    assert localise(f"insured 2020-03..2020-05 at {uscc}", "zh") == (
        f"2020-03 至 2020-05 在 {uscc} 参保"
    )
    assert localise("charter contract HT-001, invoice 18,000.00 yuan, 26 riders", "zh") == (
        "包车合同 HT-001，发票 18,000.00 元，乘车 26 人"
    )
    assert "5,000.00 元" in localise("band: at least 30 sent → 5,000.00 yuan", "zh")
    assert localise("capped per seat at 1,060.00 yuan", "zh") == "按座位封顶 1,060.00 元"


ENGINE_SAMPLES = [
    "capped per employer at 20,000.00 yuan",
    "capped per rider at 3,000.00 yuan",
    "carried on subsidised charter HT-001",
    f"arrival 2020-02-18 at {EMP}",
    "registered poor (建档立卡)",
    f"insured 2020-08 at {EMP} (6 months after arrival)",
    "nothing left after the share and caps",
    "distance from home unknown",
    "not insured in 2020-08",
    "no headcount for 2019-03 to compare with",
    "no growth left to reward",
    "3 placements insured more than 3 months, fewer than the 10 required",
]


@pytest.mark.parametrize("sentence", ENGINE_SAMPLES)
def test_engine_templates_the_rich_facts_miss_read_in_chinese(sentence: str) -> None:
    """Evidence and reasons of rules the shipped policies leave off (retention, distance tiers)
    or the facts do not reach, written as the engine's f-strings write them, read in Chinese."""
    zh = localise(sentence, "zh")
    assert zh != sentence
    assert english_left(zh) == []


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
