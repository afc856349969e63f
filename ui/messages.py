"""Back-end sentences that still arrive as English text, in the reader's language.

Plan reasons, input problems, claim evidence and service refusals are messages
(``planner.messages``: ``SelfReturn.why``, ``Problem.what``, stored evidence, ``Refusal.message``)
and are rendered from their code, never matched here. What is left are the trip-movement
sentences of older ledgers' audit and run errors:

Rules implemented:

- each known sentence template is a regular expression (named groups); the UI shows its
  ``messages.<key>`` text of the catalogue with the captured values;
- English is returned unchanged; text matching no template is returned unchanged (never an
  exception on screen).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ui.i18n import translate

_D = r"\d{4}-\d{2}-\d{2}"
_M = r"\d{4}-\d{2}(?:\.\.\d{4}-\d{2})?"
_Y = r"[\d,]+\.\d{2}"
_T = rf"{_D} \d{{2}}:\d{{2}}"

#: (catalogue key under ``messages.``, English template as a regular expression); first full
#: match wins, so more specific templates come before general ones.
TEMPLATES: tuple[tuple[str, str], ...] = (
    # ---- trip movements, check-ins and re-seating (planner/ledger/trip_events.py,
    # planner/services/movements.py, planner/ledger/importers.py)
    ("te_unknown_trip", r"unknown trip (?P<trip>\S+)"),
    ("te_duplicate", rf"trip (?P<trip>\S+) (?P<trip_event>\w+) at (?P<at>{_T}) is already "
                     r"recorded"),
    ("te_cancelled", r"trip (?P<trip>\S+) is cancelled; nothing more can be recorded for it"),
    ("te_already", rf"trip (?P<trip>\S+) already (?P<trip_event>\w+) at (?P<at>{_T})"),
    ("te_has_arrived", r"trip (?P<trip>\S+) has arrived; it cannot be (?P<trip_event>\w+)"),
    ("te_arrival_early", rf"arrival (?P<at>{_T}) is before the departure (?P<dep>{_T})"),
    ("te_cancel_early", rf"cancellation (?P<at>{_T}) is before the departure (?P<dep>{_T})"),
    ("te_departure_late", rf"departure (?P<at>{_T}) is after the arrival (?P<arr>{_T})"),
    ("te_not_on_trip", r"(?P<id>\S+) is not on trip (?P<trip>\S+)"),
    ("te_no_check_in", r"(?P<id>\S+) has no check-in on trip (?P<trip>\S+)"),
    ("te_not_cancelled", r"(?P<id>\S+) is not on a cancelled trip"),
    ("te_target_left", r"trip (?P<trip>\S+) has left or is cancelled; choose another trip"),
    ("te_target_full", r"trip (?P<trip>\S+) has (?P<free>\d+) free places, not (?P<n>\d+)"),
    ("te_already_on", r"(?P<id>\S+) is already on trip (?P<trip>\S+)"),
    ("te_already_boarded", r"(?P<id>\S+) has already boarded trip (?P<trip>\S+)"),
    ("te_not_boarded", r"(?P<id>\S+) has not boarded trip (?P<trip>\S+)"),
    ("te_boarding_has_check_in",
     r"(?P<id>\S+) has a check-in on trip (?P<trip>\S+); undo the check-in first"),
    ("te_not_own_trip", r"(?P<who>\S+) \(leader\) may act only on the trips they lead; "
                        r"(?P<trip>\S+) is not one of them"),
    ("te_not_leader", r"(?P<who>\S+) is not an active user of the role leader"),
)

_COMPILED: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (key, re.compile(pattern)) for key, pattern in TEMPLATES
)
#: groups whose English values name a catalogue entry (``messages.<group>.<value>``).
_NAMED_VALUES: dict[str, Callable[[str], str]] = {
    "trip_event": lambda v: v,
}



def _value(name: str, value: str, lang: str, depth: int) -> str:
    if name == "cause":
        return _localise(value, lang, depth + 1)
    if name in _NAMED_VALUES:
        key = f"messages.{name}.{_NAMED_VALUES[name](value)}"
        text = translate(key, lang)
        return value if text == key else text
    return value


def _localise(text: str, lang: str, depth: int) -> str:
    if depth > 3:
        return text
    for key, pattern in _COMPILED:
        match = pattern.fullmatch(text)
        if match is None:
            continue
        values = {k: _value(k, v, lang, depth) for k, v in match.groupdict().items()}
        rendered = translate(f"messages.{key}", lang, **values)
        return text if rendered == f"messages.{key}" else rendered
    return text


def localise(text: str, lang: str) -> str:
    """A back-end sentence (evidence line, input problem) in ``lang``.

    Parameters
    ----------
    text
        The English sentence as the planner or subsidy engine wrote it.
    lang
        ``"zh"`` or ``"en"``.

    Returns
    -------
    str
        The Chinese rendering of a known template when ``lang`` is ``"zh"``; otherwise, or when
        no template matches, ``text`` unchanged.
    """
    if lang == "en" or not isinstance(text, str):
        return text
    try:
        stripped = text.strip()
        out = _localise(stripped, lang, 0)
        return text if out == stripped else out
    except Exception:  # never an exception on screen
        return text
