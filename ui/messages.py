"""Back-end sentences (claim evidence, refusals) in the reader's language.

Plan reasons and input problems are messages (``planner.messages``: ``SelfReturn.why``,
``Unserved.why``, ``Problem.what``) and are rendered from their code, not matched here.

Rules implemented:

- the subsidy engine writes evidence lines as English sentences
  (the ledger stores them so); the UI shows them in Chinese by matching each known sentence
  template with a regular expression (named groups) and rendering the ``messages.<key>`` text of
  the catalogue with the captured values;
- groups named ``cause`` are themselves sentences and are translated the same way;
- money written "1,234.00 yuan" inside captured values becomes "1,234.00 元"; codes, dates,
  names and numbers are kept as written;
- input problems are not here: they are message codes (``Problem.text(lang)``, catalogue
  ``planner/messages/catalogue/problems.*.toml``); the trip-movement (``te_*``) and password
  templates remain for the refusals that still arrive as English sentences;
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
    # ---- claim evidence (planner/subsidies/entitlements.py)
    (
        "charter_contract",
        rf"charter contract (?P<contract>.+?), invoice (?P<invoice>{_Y}) yuan, "
        r"(?P<riders>\d+) riders",
    ),
    (
        "charter_departed_no_roster",
        rf"departed (?P<date>{_D}) from (?P<origin>\S+), "
        r"(?P<seats>\d+) seats \(riders as declared; no roster\)",
    ),
    ("charter_departed", rf"departed (?P<date>{_D}) from (?P<origin>\S+), (?P<seats>\d+) seats"),
    ("charter_shared", r"shared by (?P<list>.+)"),
    ("capped_label", rf"capped (?P<label>per trip|per seat|per rider) at (?P<amount>{_Y}) yuan"),
    ("capped_employer", rf"capped per employer at (?P<amount>{_Y}) yuan"),
    (
        "employer_cap",
        rf"employer cap (?P<cap>{_Y}) yuan: (?P<paid>{_Y}) yuan already paid on "
        r"earlier charters",
    ),
    ("carried_government", r"carried on government trip (?P<trip>.+)"),
    ("carried_charter", r"carried on subsidised charter (?P<trip>.+)"),
    ("on_roster", r"on the roster of subsidised charter (?P<contract>.+)"),
    ("arrival_own", rf"arrival (?P<date>{_D}) at (?P<employer>\S+) \(own travel\)"),
    ("arrival", rf"arrival (?P<date>{_D}) at (?P<employer>\S+)"),
    (
        "insured_after",
        rf"insured (?P<month>{_M}) at (?P<employer>\S+) \((?P<n>\d+) months after "
        r"arrival\)",
    ),
    ("insured_at", rf"insured (?P<months>{_M}) at (?P<employer>\S+)"),
    ("home", r"home (?P<adcode>\d+) \(province (?P<province>\d+), region (?P<region>\w+)\)"),
    ("taper", rf"arrived (?P<date>{_D}): taper share (?P<share>\S+)"),
    (
        "placed",
        rf"placed (?P<id>\S+) at (?P<employer>\S+), insured (?P<first>{_M})\.\."
        rf"(?P<last>{_M}) \((?P<n>\d+) months\)",
    ),
    (
        "placements",
        r"(?P<count>\d+) placements insured more than (?P<months>\d+) months "
        r"\(at least (?P<min>\d+) needed\)",
    ),
    ("headcount_at", rf"insured headcount (?P<month>{_M}): (?P<n>\d+) at (?P<employer>\S+)"),
    ("headcount", rf"insured headcount (?P<month>{_M}): (?P<n>\d+)"),
    ("growth", r"growth (?P<growth>\d+); (?P<n>\d+) of them placed by a rewarded agency"),
    (
        "new_recruit",
        rf"new recruit (?P<id>\S+) insured (?P<first>{_M})\.\.(?P<last>{_M}) "
        r"\((?P<n>\d+) months\) at (?P<employer>\S+)",
    ),
    ("registered_poor", r"registered poor \(建档立卡\)"),
    ("sent", rf"sent (?P<count>\d+) people \(arrivals (?P<first>{_D})\.\.(?P<last>{_D})\)"),
    ("band", rf"band: at least (?P<min>\d+) sent → (?P<amount>{_Y}) yuan"),
    # ---- reasons a claim line is zero (basis["reason"])
    ("outside_window_arrived", rf"arrived (?P<date>{_D}), outside the policy window"),
    ("outside_window_departed", rf"departed (?P<date>{_D}), outside the policy window"),
    ("too_few_riders", r"(?P<riders>\d+) riders, fewer than the (?P<min>\d+) required"),
    (
        "too_few_placements",
        r"(?P<count>\d+) placements insured more than (?P<months>\d+) months, "
        r"fewer than the (?P<min>\d+) required",
    ),
    ("employer_cap_reached", r"employer cap already reached"),
    ("nothing_left", r"nothing left after the share and caps"),
    ("not_registered", r"not in the register of people: home unknown"),
    ("distance_unknown", r"distance from home unknown"),
    ("tier_zero", r"the tier for this arrival is 0"),
    ("not_insured_from", rf"not insured at (?P<employer>\S+) from (?P<month>{_M}) on"),
    ("not_insured_in", rf"not insured in (?P<month>{_M})"),
    ("no_compare", rf"no headcount for (?P<month>{_M}) to compare with"),
    ("no_growth", r"no growth left to reward"),
    ("below_lowest_band", r"fewer people sent than the lowest band"),
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
    # ---- claim workflow refusals (planner/services/ledger.py, planner/ledger/workflow.py)
    (
        "wf_four_eyes",
        r"claim (?P<claim>\d+): (?P<user>\S+) did the (?P<earlier>[a-z ]+) of this claim and so "
        r"may not (?P<now>[a-z ]+) it \(four eyes: another person must\)",
    ),
    ("wf_flagged_record", r"claim (?P<claim>\d+) is flagged for review: (?P<cause>.+); it cannot "
                          r"be recorded as paid"),
    ("wf_flagged", r"claim (?P<claim>\d+) is flagged for review: (?P<cause>.+)"),
    ("wf_not_flagged", r"claim (?P<claim>\d+) is not flagged for review: nothing to reopen"),
    ("wf_with_bank", r"claim (?P<claim>\d+): payment (?P<payment>\S+) is with the bank; wait for "
                     r"the bank's answer before reopening it"),
    ("wf_notice_runs", rf"claim (?P<claim>\d+): the notice runs until (?P<date>{_D}); it can be "
                       r"closed after that day"),
    ("wf_not_after_notice", r"claim (?P<claim>\d+) is (?P<state>[a-z_]+): payments are issued "
                            r"only after the notice"),
    ("wf_race", r"the claim was changed by someone else at the same time; nothing was done — "
                r"reload and try again"),
    ("wf_no_claim", r"no claim (?P<claim>\d+)"),
    ("wf_recomputed", rf"recomputed amount (?P<new>{_Y}) differs from (?P<old>{_Y}) while "
                      r"(?P<state>[a-z_]+): review needed"),
    ("te_already_boarded", r"(?P<id>\S+) has already boarded trip (?P<trip>\S+)"),
    ("te_not_boarded", r"(?P<id>\S+) has not boarded trip (?P<trip>\S+)"),
    ("te_boarding_has_check_in",
     r"(?P<id>\S+) has a check-in on trip (?P<trip>\S+); undo the check-in first"),
    ("te_not_own_trip", r"(?P<who>\S+) \(leader\) may act only on the trips they lead; "
                        r"(?P<trip>\S+) is not one of them"),
    ("te_not_leader", r"(?P<who>\S+) is not an active user of the role leader"),
    # ---- password rules (planner/services/auth.py check_password)
    ("password_short", r"password: at least (?P<min>\d+) characters"),
    ("password_has_name", r"password: must not contain the user name"),
    (
        "password_weak",
        r"password: too easy to guess \(strength (?P<score>\d) of 4, needs (?P<need>\d)\): "
        r"(?P<hint>.*)",
    ),
    # ---- dispatching a plan (planner/services/plans.py, planner/ledger/importers.py)
    (
        "trip_cost_differs",
        rf"trip (?P<trip>\S+) is already dispatched with cost (?P<old>{_Y}) yuan; this plan "
        rf"has (?P<new>{_Y}) yuan",
    ),
    (
        "trip_value_differs",
        r"trip (?P<trip>\S+) is already dispatched with (?P<field>\w+) (?P<old>.+); this plan "
        r"has (?P<new>.+)",
    ),
    (
        "trip_already_ran",
        r"trip (?P<trip>\S+) has already carried people \((?P<n>\d+) boarded or arrived\) "
        r"and is not in this plan",
    ),
    ("trip_not_in_table", r"trip (?P<trip>\S+) is not in the trips table"),
    ("parent_not_in_trips", r"parent trip (?P<trip>\S+) is not in trips\.csv"),
    ("unknown_trip", r"unknown trip (?P<trip>\S+)"),
    (
        "person_on_other_trip",
        r"(?P<id>\S+) is already in the ledger on trip (?P<old>\S+), not (?P<new>\S+)",
    ),
)

_COMPILED: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (key, re.compile(pattern)) for key, pattern in TEMPLATES
)
_YUAN = re.compile(rf"({_Y}) yuan")
#: groups whose English values name a catalogue entry (``messages.<group>.<value>``).
_NAMED_VALUES: dict[str, Callable[[str], str]] = {
    "label": lambda v: v.replace(" ", "_"),
    "region": lambda v: v,
    "trip_event": lambda v: v,
    "state": lambda v: v,
    "earlier": lambda v: v.replace(" ", "_"),
    "now": lambda v: v.replace(" ", "_"),
    "field": lambda v: v,
}



def _value(name: str, value: str, lang: str, depth: int) -> str:
    if name == "cause":
        return _localise(value, lang, depth + 1)
    if name in _NAMED_VALUES:
        key = f"messages.{name}.{_NAMED_VALUES[name](value)}"
        text = translate(key, lang)
        return value if text == key else text
    if name == "months":
        return value.replace("..", translate("messages.to", lang))
    if name == "list":
        return _YUAN.sub(lambda m: translate("messages.yuan", lang, amount=m.group(1)), value)
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
