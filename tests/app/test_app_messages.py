"""Back-end sentences (claim evidence, input problems) reach the Chinese screens in Chinese;
plan reasons are messages (tests/optimise/test_reasons.py)."""

from __future__ import annotations

import datetime as dt
import re

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
