"""Reading the event tables: records in fen, format checks, all or nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from planner.domain import (
    Arrival,
    BankResult,
    Charter,
    CharterRider,
    Headcount,
    InsuredMonth,
    TripMovement,
)
from planner.io import EVENT_KINDS, Placement, read_events
from planner.problems import InputError


def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, "utf-8")
    return p


def test_every_kind_reads(tmp_path: Path, ids) -> None:
    """Each event table reads into its record type, money in fen, months YYYY-MM."""
    W1, E1, E2 = ids.W1, ids.E1, ids.E2
    files = {
        "arrivals": (
            f"id_number,employer_uscc,arrived_on,trip_id,ticket_amount\n"
            f"{W1},{E1},2020-02-17,C2,\n{ids.W2},{E2},2020/2/18,,350.5\n"
        ),
        "insurance": f"身份证号,企业信用代码,参保月份\n{W1},{E1},2020年3月\n{W1},{E1},2020-04\n",
        "charters": (
            f"employer_uscc,contract_no,depart_date,origin_adcode,seats,riders,"
            f"invoice_amount\n{E1},HT-001,2020-02-20,422801,53,20,18000.00\n"
        ),
        "charter_riders": f"contract_no,id_number\nHT-001,{W1}\n",
        "headcount": f"employer_uscc,month,insured_headcount\n{E1},2020-03,120\n",
        "bank_results": (
            "payment_id,status,paid_on,amount\nP1,已支付,2020-04-01,1200\nP2,failed,,800\n"
        ),
        "placements": (
            f"agency_uscc,agency_name,id_number,employer_uscc\n"
            f"{ids.make_uscc('MA2AGENT1')},某人力资源公司,{W1},{E1}\n"
        ),
        "trip_events": (
            "车次编号,动态,时间,备注\nC2,已出发,2020-02-17 06:30,\nC2,晚点,2020/2/17 20:05,堵车\n"
        ),
    }
    got = {k: read_events(k, _write(tmp_path, f"{k}.csv", v)) for k, v in files.items()}
    assert set(got) == set(EVENT_KINDS)
    assert got["arrivals"] == [
        Arrival(W1, E1, dt.date(2020, 2, 17), "C2", None),
        Arrival(ids.W2, E2, dt.date(2020, 2, 18), None, 35_050),
    ]
    assert got["insurance"][0] == InsuredMonth(W1, E1, "2020-03")
    assert got["charters"] == [
        Charter(E1, "HT-001", dt.date(2020, 2, 20), "422801", 53, 20, 1_800_000)
    ]
    assert got["charter_riders"] == [CharterRider("HT-001", W1)]
    assert got["headcount"] == [Headcount(E1, "2020-03", 120)]
    assert got["bank_results"] == [
        BankResult("P1", "paid", dt.date(2020, 4, 1), 120_000),
        BankResult("P2", "failed", None, 80_000),
    ]
    assert isinstance(got["placements"][0], Placement)
    assert got["trip_events"] == [
        TripMovement("C2", "departed", dt.datetime(2020, 2, 17, 6, 30)),
        TripMovement("C2", "delayed", dt.datetime(2020, 2, 17, 20, 5), "堵车"),
    ]


@pytest.mark.parametrize(
    "kind,text,expected",
    [
        (
            "insurance",
            "id_number,employer_uscc,month\n{W1},{E1},2020-13\n",
            "insurance.csv:2: month: 2020-13 is not a real month",
        ),
        (
            "bank_results",
            "payment_id,status,paid_on,amount\nP1,maybe,2020-04-01,10\n",
            "bank_results.csv:2: status: maybe is not one of paid, failed",
        ),
        (
            "bank_results",
            "payment_id,status,paid_on,amount\nP1,paid,2020-04-01,-10\n",
            "bank_results.csv:2: amount: -10: the amount must not be negative",
        ),
        (
            "bank_results",
            "payment_id,status,paid_on,amount\nP1,paid,,10\n",
            "bank_results.csv:2: paid_on: a paid line needs paid_on",
        ),
        (
            "arrivals",
            "id_number,employer_uscc,arrived_on\n{W1},{E1},2020-02-30\n",
            "arrivals.csv:2: arrived_on: 2020-02-30 is not a real date",
        ),
        (
            "arrivals",
            "id_number,employer_uscc,arrived_on\n{W1},{E1},2020-02-17\n{W1},{E1},2020-02-18\n",
            "arrivals.csv:3: id_number: duplicate",
        ),
        (
            "charters",
            "employer_uscc,contract_no,depart_date,origin_adcode,seats,riders,"
            "invoice_amount\n{E1},H1,2020-02-20,422801,53,60,100\n",
            "charters.csv:2: riders: 60 riders on 53 seats",
        ),
        (
            "headcount",
            "employer_uscc,month,insured_headcount\n{E1x},2020-03,5\n",
            "headcount.csv:2: employer_uscc:",
        ),
    ],
)
def test_event_format_errors(tmp_path: Path, ids, kind: str, text: str, expected: str) -> None:
    """A format error anywhere refuses the whole file with a located message."""
    bad_uscc = ids.E1[:-1] + ("A" if ids.E1[-1] != "A" else "B")
    text = text.format(W1=ids.W1, E1=ids.E1, E1x=bad_uscc)
    with pytest.raises(InputError) as err:
        read_events(kind, _write(tmp_path, f"{kind}.csv", text))
    assert any(str(p).startswith(expected) for p in err.value.problems), err.value.problems


def test_unknown_kind(tmp_path: Path) -> None:
    """An unknown event kind is a programming error (ValueError), not a Problem."""
    with pytest.raises(ValueError):
        read_events("weather", tmp_path / "x.csv")


def test_missing_event_file(tmp_path: Path) -> None:
    """A missing event file is an InputError naming it."""
    with pytest.raises(InputError) as err:
        read_events("arrivals", tmp_path / "arrivals.csv")
    assert "arrivals.csv: file not found" in str(err.value)
