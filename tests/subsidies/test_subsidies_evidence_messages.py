"""Claim evidence and zero-line reasons are message codes: every code the subsidy rules write
has Chinese and English text, and what the engine writes for rich facts under every shipped
policy reads in Chinese with no English word left."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from planner.domain.events import Arrival, Charter, CharterRider, Headcount, InsuredMonth
from planner.messages import Message, catalogue, codes_used, msg, render
from planner.paths import DATA_DIR
from planner.subsidies import (
    EmployerRef,
    LedgerFacts,
    Person,
    Placement,
    compute_entitlements,
    load_policy,
)

D = dt.date
EMP = "91330604MA2D000001"
EMP2 = "91330604MA2D000002"
AGENCY = "91520100MA6H000009"
AGENCY2 = "91520100MA6H000008"
FEB_20 = D(2020, 2, 20)
#: codes that may stay Latin: USCCs, contract numbers (HT-001).
CODES = re.compile(r"\b[0-9A-Z]{18}\b|\b[A-Z]+-[\w-]+\b")
SOURCES = Path(__file__).resolve().parents[2] / "planner" / "subsidies"


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


def engine_messages() -> list[Message]:
    """Every evidence line and zero-line reason the engine writes for the rich facts."""
    out: list[Message] = []
    for path in sorted((DATA_DIR / "policies").glob("*.toml")):
        for line in compute_entitlements(load_policy(path), rich_facts(), include_zero=True):
            out.extend(line.evidence)
            if "reason" in line.basis:
                out.append(line.basis["reason"])
    return out


def test_every_code_the_rules_write_has_both_languages() -> None:
    """Each ``msg("…")`` code in the subsidy rules' source is in the Chinese and the English
    catalogue (so none renders as a bare code)."""
    written = {code for path in SOURCES.glob("*.py")
               for code in re.findall(r'msg\(\s*f?"([\w.{}]+)"', path.read_text("utf-8"))}
    assert len(written) >= 35
    fixed = {c for c in written if "{" not in c}
    missing = {lang: sorted(fixed - set(catalogue(lang))) for lang in ("zh", "en")}
    assert missing == {"zh": [], "en": []}


def test_every_evidence_line_and_reason_of_the_engine_reads_in_chinese() -> None:
    """Each evidence line and zero-line reason written under the shipped policies renders in
    Chinese with no English word left (codes aside) and from a known code."""
    messages = engine_messages()
    used = codes_used(messages)
    assert len(used) >= 28, sorted(used)
    assert used <= set(catalogue("zh"))
    left = {m.code: re.findall(r"[A-Za-z]{3,}", CODES.sub("", render(m, "zh")))
            for m in messages}
    assert {c: w for c, w in left.items() if w} == {}


def test_evidence_reads_in_english_as_the_engine_always_wrote_it() -> None:
    """The English text of a code is the sentence the engine wrote before codes (logs, the
    CLI's explain and older ledgers read alike)."""
    assert str(msg("evidence.charter_contract", contract="HT-001", invoice=1_800_000,
                   riders=26)) == "charter contract HT-001, invoice 18,000.00 yuan, 26 riders"
    assert str(msg("evidence.capped", label=msg("charter_cap.per_seat"), amount=106_000)) == (
        "capped per seat at 1,060.00 yuan")


@pytest.mark.parametrize(("message", "zh"), [
    (msg("evidence.arrival_own", day="2020-02-18", employer=EMP),
     f"2020-02-18 到岗 {EMP}（自行返岗）"),
    (msg("evidence.insured_span", first="2020-03", last="2020-05", employer=EMP),
     f"2020-03 至 2020-05 在 {EMP} 参保"),
    (msg("evidence.charter_contract", contract="HT-001", invoice=1_800_000, riders=26),
     "包车合同 HT-001，发票 18,000.00 元，乘车 26 人"),
    (msg("evidence.capped", label=msg("charter_cap.per_seat"), amount=106_000),
     "按座位封顶 1,060.00 元"),
    (msg("evidence.home", home="522701", province="52", region=msg("subsidy_region.other")),
     "户籍地 贵州省黔南布依族苗族自治州都匀市（其他地区）"),
    (msg("unpaid.too_few_riders", riders=19, min=20), "乘车 19 人，少于要求的 20 人"),
])
def test_known_evidence_lines_render_the_chinese_template(message: Message, zh: str) -> None:
    """Examples render in Chinese with their values kept, money in yuan (元), homes named."""
    assert render(message, "zh") == zh


def test_english_evidence_names_places_not_their_codes() -> None:
    """In English, someone's home and a charter's origin read as the county's name from the
    gazetteer (as in Chinese), with the region in words: not the bare area code 522701, the
    province code 52 or the identifier east_china."""
    home = msg("evidence.home", home="522701", province="52",
               region=msg("subsidy_region.east_china"))
    assert render(home, "en") == "home 贵州省黔南布依族苗族自治州都匀市 (East China)"
    departed = msg("evidence.charter_departed", day="2020-02-20", origin="520502", seats=53)
    assert render(departed, "en") == "departed 2020-02-20 from 贵州省毕节市七星关区, 53 seats"


def test_a_place_named_in_chinese_evidence_is_named_in_english_too() -> None:
    """Every field a Chinese evidence template shows as a place (``{x:place}``) is shown as a
    place in English as well, so no English line falls back to the bare code."""
    fields = re.compile(r"\{(\w+)(:\w+)?\}")
    zh, en = catalogue("zh"), catalogue("en")
    missing = {code: sorted({f for f, spec in fields.findall(zh[code]) if spec == ":place"}
                            - {f for f, spec in fields.findall(en[code]) if spec == ":place"})
               for code in zh if code.startswith("evidence.")}
    assert {code: left for code, left in missing.items() if left} == {}
