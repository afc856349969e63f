"""Back-end sentences (plan reasons, input problems) in the reader's language.

Rules implemented:

- the planner writes plan reasons as English sentences; the UI shows them in Chinese by
  matching each known sentence template with a regular expression (named groups) and
  rendering the ``messages.<key>`` text of the catalogue with the captured values;
- groups named ``cause`` are themselves sentences and are translated the same way (a reason such
  as "<no trip>; advised to come on their own ..." nests another template);
- codes, dates, names and numbers are kept as written (claim evidence is not here: it is
  message codes, ``planner.ledger.evidence``);
- validation problems (``Problem.message`` of planner.io: ID numbers, credit codes, phones,
  division codes, addresses, dates, numbers, yes/no and travel values, missing columns, unreadable
  files) are templates too; quoted values (``'朝阳区'``) are shown in Chinese quotation marks;
- English is returned unchanged; text matching no template is returned unchanged (never an
  exception on screen).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from planner.io.tables import MANGLED_HINT
from ui.i18n import translate

_D = r"\d{4}-\d{2}-\d{2}"
_M = r"\d{4}-\d{2}(?:\.\.\d{4}-\d{2})?"
_Y = r"[\d,]+\.\d{2}"
_T = rf"{_D} \d{{2}}:\d{{2}}"
_SUBSIDY = rf"(?P<sub>{_Y}) yuan self-return subsidy"
_HINT = re.escape(MANGLED_HINT)

#: (catalogue key under ``messages.``, English template as a regular expression); first full
#: match wins, so more specific templates come before general ones.
TEMPLATES: tuple[tuple[str, str], ...] = (
    # ---- plan reasons (planner/optimise/*.py)
    ("own_travel", r"Registered to travel on their own; claims the self-return subsidy\."),
    ("advised_alone", rf"(?P<cause>.+); advised to come on their own with the {_SUBSIDY}\."),
    (
        "coach_late_own_dear",
        rf"The coach from (?P<name>.+?) planned for this person would reach the "
        rf"employer after (?P<deadline>{_D}), and one just for the (?P<n>\d+) people late on "
        rf"it would cost about (?P<seat>{_Y}) yuan a seat",
    ),
    (
        "coach_late",
        rf"The coach from (?P<name>.+?) planned for this person would reach the "
        rf"employer after (?P<deadline>{_D})",
    ),
    (
        "no_seat_left",
        r"No seat was left on the vehicles planned from (?P<name>.+?) in this "
        r"person's window",
    ),
    (
        "no_seat_within",
        rf"No seat within (?P<days>\d+) days? of (?P<release>{_D}): no coach or "
        rf"train from (?P<name>.+?) leaving between (?P<first>{_D}) and "
        rf"(?P<last>{_D}) can arrive by (?P<deadline>{_D})",
    ),
    (
        "no_trip",
        rf"No coach or train from (?P<name>.+?) leaving on or after (?P<release>{_D}) "
        rf"can arrive by (?P<deadline>{_D})",
    ),
    (
        "either_cheaper",
        rf"Either way is fine for this person: coming alone costs the {_SUBSIDY}, "
        rf"less than a seat from (?P<name>.+?) \(about (?P<seat>{_Y}) yuan\)\.",
    ),
    (
        "either_full",
        rf"Either way is fine for this person: the coaches from (?P<name>.+?) in "
        rf"their window are full, and another one would cost more than the "
        rf"{_SUBSIDY}\.",
    ),
    (
        "few_seekers",
        rf"Only (?P<n>\d+) seat-seekers? in (?P<name>.+?) can travel between "
        rf"(?P<first>{_D}) and (?P<last>{_D}) with no trip nearby: a seat would cost "
        rf"about (?P<seat>{_Y}) yuan, more than (?P<mult>[\d.]+) × the {_SUBSIDY}\.",
    ),
    (
        "coaches_full",
        rf"The coaches from (?P<name>.+?) between (?P<first>{_D}) and (?P<last>{_D}) "
        r"are full and sharing another with (?P<n>\d+) left-over seat-seekers? costs "
        rf"more than (?P<mult>[\d.]+) × the {_SUBSIDY} each; advised to come on their "
        r"own\.",
    ),
    (
        "no_vehicle_left",
        rf"No vehicle was left to carry this person from (?P<name>.+?) between "
        rf"(?P<first>{_D}) and (?P<last>{_D}): every coach and train available "
        r"was already in use\.",
    ),
    (
        "coach_reaches_late",
        rf"The coach from (?P<name>.+?) reaches the employer after "
        rf"(?P<deadline>{_D})\.",
    ),
    ("at_employer", r"(?P<cause>.+) at the employer\."),
    (
        "hires_short",
        r"Employer (?P<name>.+?) wanted (?P<wanted>\d+) new hires; only "
        r"(?P<matched>\d+) recruits could be matched\.",
    ),
    (
        "not_in_gazetteer",
        r"Home county (?P<adcode>\S+) is not in the gazetteer, so no trip can be "
        r"planned from there\.",
    ),
    ("unknown_employer", r"Employer (?P<employer>\S+) is not in employers\.csv\."),
    ("no_vacancy", r"No employer has a vacancy left for this new recruit\."),
    (
        "no_vacancy_late",
        rf"No employer with a vacancy left needs workers late enough for this "
        rf"recruit to arrive \(earliest possible arrival (?P<date>{_D})\)\.",
    ),
    # ---- validation problems (planner/io/tables.py, planner/io/validate.py): Problem.message
    ("io_file_not_found", r"file not found"),
    ("io_is_folder", r"is a folder, not a file"),
    ("io_cannot_read", r"cannot be read \((?P<why>.+)\)"),
    ("io_empty", r"the file is empty"),
    ("io_xlsx_named_csv", r"is an Excel workbook named like a CSV; read as \.xlsx"),
    ("io_old_xls", r"is an old Excel \.xls workbook; save it as \.xlsx or CSV \(UTF-8\)"),
    ("io_xls_not_read", r"the \.xls format is not read; save it as \.xlsx or CSV \(UTF-8\)"),
    (
        "io_web_page",
        r"is a web page \(HTML/XML\), not a CSV table; export the table itself",
    ),
    ("io_binary", r"is a binary file, not a CSV table"),
    ("io_not_text", r"is not text in UTF-8, UTF-16 or GBK; save it as CSV \(UTF-8\)"),
    (
        "io_too_big",
        r"is (?P<size>[\d,.]+) MB; files above (?P<limit>[\d.]+) MB are not read \(split it, "
        r"or raise the limit with JOBBUS_MAX_INPUT_MB if the machine has the memory: about 25 "
        r"times the file size\)",
    ),
    (
        "io_xlsx_too_big",
        r"unpacks to (?P<size>[\d,.]+) MB of sheets; workbooks above (?P<limit>[\d.]+) MB "
        r"unpacked are not read \(save it as CSV, split it, or raise JOBBUS_MAX_INPUT_MB\)",
    ),
    (
        "io_date_implausible",
        rf"(?P<raw>.*?) is outside the plausible dates (?P<first>{_D}) to (?P<last>{_D})",
    ),
    (
        "io_money_ceiling",
        r"(?P<raw>.*?) is above the ceiling of (?P<ceiling>[\d,]+) yuan for (?P<column>\S+); "
        r"check the amount",
    ),
    (
        "ledger_date_outside_policy",
        rf"(?P<date>{_D}) is implausible: more than a year outside policy (?P<policy>.+) "
        rf"\((?P<start>{_D}) to (?P<end>{_D}|today)\); expected (?P<first>{_D}) to "
        rf"(?P<last>{_D})",
    ),
    (
        "ledger_import_raced",
        r"already imported by (?P<who>\S+) just now \(import #(?P<id>\d+)\); nothing was "
        r"written twice",
    ),
    (
        "ledger_import_busy",
        r"another import is being written to the ledger right now; import this file again "
        r"when it is done",
    ),
    (
        "ledger_import_overlap",
        r"another import wrote some of the same rows at the same moment; import this file "
        r"again to add what is new",
    ),
    (
        "ledger_import_claims_raced",
        r"another user changed the same claims at the same moment; import this file again",
    ),
    ("io_bad_csv", r"is not a readable CSV table \((?P<why>.+)\)"),
    ("io_bad_xlsx", r"is not a readable \.xlsx workbook \((?P<why>.+)\)"),
    ("io_bad_sheet", r"sheet (?P<sheet>.+) cannot be read \((?P<why>.+)\)"),
    (
        "io_column_twice",
        r"this column also means (?P<name>\S+); column (?P<kept>.+) is used and this "
        r"one ignored",
    ),
    ("io_missing_column_alias", r"required column (?P<name>\S+) \[(?P<alias>[^\]]+)\] is missing"),
    ("io_missing_column", r"required column (?P<name>\S+) is missing"),
    (
        "io_id_excel_stored",
        rf"Excel stored this ID number as a number \((?P<shown>[^)]+)\) and lost its last "
        rf"digits; {_HINT}",
    ),
    (
        "io_id_excel_turned",
        rf"Excel turned this ID number into a number \((?P<raw>[^)]+)\) and lost its last "
        rf"digits; {_HINT}",
    ),
    (
        "io_id_15",
        r"(?P<raw>.+?) is a 15-digit first-generation ID; the 18-character ID number is "
        r"needed",
    ),
    (
        "io_id_length",
        r"(?P<raw>.+?) is not an ID number: it has (?P<n>\d+) characters, not 18",
    ),
    (
        "io_id_chars",
        r"(?P<raw>.+?) is not an ID number: 17 digits and a digit or X are expected",
    ),
    (
        "io_id_check_rounded",
        rf"(?P<raw>.+?): the check digit is wrong \(the trailing zeros suggest Excel "
        rf"rounded it; {_HINT}\)",
    ),
    ("io_id_check", r"(?P<raw>.+?): the check digit is wrong"),
    (
        "io_id_birth_unreal",
        r"(?P<raw>.+?): the birth date (?P<born>\d{8}) is not a real date",
    ),
    (
        "io_id_birth_impossible",
        rf"(?P<raw>.+?): the birth date (?P<born>{_D}) is impossible",
    ),
    (
        "io_id_birthplace",
        r"birthplace code (?P<code>\d{6}) was not a division in (?P<year>\d{4}) "
        r"\(kept: IDs keep old codes; check the number\)",
    ),
    (
        "io_uscc_excel_stored",
        rf"Excel stored this credit code as a number \((?P<shown>[^)]+)\) and lost its "
        rf"last digits; {_HINT}",
    ),
    (
        "io_uscc_excel_turned",
        rf"Excel turned this credit code into a number \((?P<raw>[^)]+)\); {_HINT}",
    ),
    (
        "io_uscc_length",
        r"(?P<raw>.+?) is not a unified social credit code: (?P<n>\d+) characters, not 18",
    ),
    ("io_uscc_check", r"(?P<raw>.+?): the check character of the credit code is wrong"),
    (
        "io_uscc_chars",
        r"(?P<raw>.+?) is not a unified social credit code \(8 digits, then digits and "
        r"capitals except I, O, S, V, Z\)",
    ),
    ("io_phone", r"(?P<raw>.*?) is not an 11-digit mainland mobile number"),
    ("io_adcode", r"(?P<raw>.*?) is not a 6-digit division code"),
    (
        "io_adcode_prefix",
        r"(?P<raw>.*?) is not a division code prefix \(2 digits for a province, 4 for a "
        r"prefecture, 6 for a county\)",
    ),
    (
        "io_adcode_unknown",
        r"(?P<raw>.+?) is not a county-level division code the gazetteer knows",
    ),
    ("io_origin_unknown", r"(?P<raw>.+?) is not the code prefix of any known division"),
    (
        "io_address_ambiguous",
        r"address (?P<address>.+) is ambiguous: it could be (?P<candidates>.+); add the "
        r"province or city",
    ),
    (
        "io_address_unresolved",
        r"address (?P<address>.+) cannot be resolved to a county; write province, city "
        r"and county, or give home_adcode",
    ),
    ("io_home_missing", r"give home_adcode or home_address"),
    ("io_employer_unknown", r"employer (?P<employer>\S+) is not in employers\.csv"),
    (
        "io_available_late",
        rf"available_from (?P<date>{_D}) is after plan_to (?P<plan_to>{_D})",
    ),
    ("io_to_before_from", rf"to_date (?P<to>{_D}) is before from_date (?P<start>{_D})"),
    (
        "io_duplicate",
        r"duplicate: (?P<what>.+) already on row (?P<first>\d+)",
    ),
    (
        "io_date_example",
        r"(?P<raw>.*?) is not a date; write YYYY-MM-DD, e\.g\. (?P<example>\S+)",
    ),
    ("io_date", r"(?P<raw>.*?) is not a date; write YYYY-MM-DD"),
    ("io_date_unreal", r"(?P<raw>.+?) is not a real date"),
    ("io_time_unreal", r"(?P<raw>.+?) is not a real time of day"),
    ("io_datetime", r"(?P<raw>.*?) is not a date and time; write YYYY-MM-DD HH:MM"),
    (
        "io_month",
        r"(?P<raw>.*?) is not a month; write YYYY-MM, e\.g\. (?P<example>\S+)",
    ),
    ("io_month_unreal", r"(?P<raw>.+?) is not a real month"),
    (
        "io_yes_no",
        r"(?P<raw>.*?) is not yes or no; write true/false \(or 是/否, 1/0, Y/N\)",
    ),
    ("io_not_number", r"(?P<raw>.*?) is not a number"),
    ("io_too_large", r"(?P<raw>.*?) is too large"),
    ("io_not_whole", r"(?P<raw>.*?) is not a whole number"),
    ("io_positive", r"(?P<raw>.*?): the number must be more than 0"),
    ("io_not_negative", r"(?P<raw>.*?): the number must be 0 or more"),
    (
        "io_coordinate",
        r"(?P<raw>.*?) is not a (?P<axis>latitude|longitude) \(between (?P<lo>\S+) and "
        r"(?P<hi>\S+)\)",
    ),
    (
        "io_ratio",
        r"(?P<raw>.*?) must be a share more than 0 and at most 1 \(e\.g\. 0\.5\)",
    ),
    ("io_money", r"(?P<raw>.*?) is not an amount of money in yuan"),
    ("io_money_decimals", r"(?P<raw>.*?): yuan with at most two decimals expected"),
    ("io_money_negative", r"(?P<raw>.*?): the amount must not be negative"),
    (
        "io_travel",
        r"(?P<raw>.*?) is not one of seat, own, either \(座位, 自行, 均可\)",
    ),
    ("io_not_one_of", r"(?P<raw>.*?) is not one of (?P<expected>.+)"),
    ("io_key_missing", r"the key (?P<setting>\S+) is missing"),
    ("io_not_found_in", r"not found in (?P<path>.+)"),
    ("io_named_not_found", r"(?P<file>\S+): file not found"),
    ("io_other_format", r"(?P<file>\S+) not found; reading (?P<other>\S+) instead"),
    ("io_riders_seats", r"(?P<riders>\d+) riders on (?P<seats>\d+) seats"),
    ("io_paid_needs_date", r"a paid line needs paid_on"),
    ("io_not_in_workers", r"(?P<id>\S+) is not in workers\.csv"),
    ("io_give_id_or_employer", r"give id_number or employer_uscc"),
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
)

_COMPILED: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (key, re.compile(pattern)) for key, pattern in TEMPLATES
)
#: groups whose English values name a catalogue entry (``messages.<group>.<value>``).
_NAMED_VALUES: dict[str, Callable[[str], str]] = {
    "axis": lambda v: v,
    "trip_event": lambda v: v,
}

#: groups written with Python's ``repr`` (quoted): shown in Chinese quotation marks.
_QUOTED = frozenset({"address", "sheet", "kept"})


def _value(name: str, value: str, lang: str, depth: int) -> str:
    if name == "cause":
        return _localise(value, lang, depth + 1)
    if name in _NAMED_VALUES:
        key = f"messages.{name}.{_NAMED_VALUES[name](value)}"
        text = translate(key, lang)
        return value if text == key else text
    if name in _QUOTED and len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return f"“{value[1:-1]}”"
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
    """A back-end sentence (evidence line, plan reason) in ``lang``.

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
