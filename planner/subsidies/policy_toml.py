"""Reading and writing ``policy.toml``.

Rules implemented:

- every problem in a file is reported at once, each as a ``Problem`` naming the file and the
  dotted key (``charter.share``, ``self_return.taper[2].until``; array entries count from 1);
  ``row`` is ``None`` except for TOML syntax errors, where it is the line of the file;
- refused: unknown keys, wrong types, negative amounts, amounts with more than two decimals,
  shares outside [0, 1], region tiers missing a region, dates, bands or taper steps out of order,
  a day listed both in ``workflow.local_holidays`` and ``workflow.local_workdays``;
- a missing rule table means the rule is off; a present table is on unless ``enabled = false``;
- amounts are yuan (an integer, a number with at most two decimals, or such a number as a
  string); shares are numbers or exact fractions written as strings (``share = "2/3"``);
- ``policy_to_toml`` writes every field (the local day lists only when not empty, so the
  text of a policy without them is unchanged), amounts with two decimals, and reads back equal.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tomllib
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from fractions import Fraction
from pathlib import Path
from typing import Any, TypeVar

from planner.domain.model import Region
from planner.problems import InputError, Problem
from planner.subsidies.money import ROUNDING_MODES, fen_to_decimal, fraction_text, yuan_to_fen
from planner.subsidies.policy import (
    AgencyRule,
    AreaLevel,
    CharterRule,
    DistanceBand,
    GovernmentTripsRule,
    PayeeKind,
    PlanningParams,
    Policy,
    RecruitmentMode,
    RecruitmentRule,
    RetentionRule,
    SelfReturnBasis,
    SelfReturnRule,
    SendingAreaRule,
    SendingBand,
    TaperStep,
    WorkflowParams,
)

E = TypeVar("E", bound=StrEnum)
T = TypeVar("T")

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_LINE = re.compile(r"line (\d+)")

_TOP_KEYS = {
    "name",
    "region",
    "issuer",
    "posted_on",
    "valid_from",
    "valid_to",
    "currency",
    "notes",
    "charter",
    "government_trips",
    "self_return",
    "recruitment",
    "agency",
    "retention",
    "sending_area",
    "planning",
    "workflow",
}
CURRENCIES = frozenset({"CNY", "yuan", "RMB"})


class _Reader:
    """Collects problems while reading values out of nested TOML tables."""

    def __init__(self, file_name: str) -> None:
        self.file = file_name
        self.problems: list[Problem] = []

    def problem(self, key: str, message: str) -> None:
        self.problems.append(Problem(file=self.file, message=message, row=None, column=key))

    def known_keys(self, table: dict[str, Any], prefix: str, allowed: set[str]) -> None:
        for key in sorted(set(table) - allowed):
            self.problem(_join(prefix, key), f"unknown key (allowed: {', '.join(sorted(allowed))})")

    def table(self, parent: dict[str, Any], prefix: str, key: str) -> dict[str, Any] | None:
        if key not in parent:
            return None
        value = parent[key]
        if not isinstance(value, dict):
            self.problem(_join(prefix, key), f"must be a table, not {_kind(value)}")
            return None
        return value

    def tables(
        self, parent: dict[str, Any], prefix: str, key: str
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        """Entries of an array of tables, each with its dotted name (``key[1]``, ...)."""
        if key not in parent:
            return
        value = parent[key]
        full = _join(prefix, key)
        if not isinstance(value, list):
            self.problem(full, f"must be an array of tables ([[{full}]]), not {_kind(value)}")
            return
        for i, entry in enumerate(value, start=1):
            if isinstance(entry, dict):
                yield f"{full}[{i}]", entry
            else:
                self.problem(f"{full}[{i}]", f"must be a table, not {_kind(entry)}")

    def value(
        self,
        table: dict[str, Any],
        prefix: str,
        key: str,
        convert: Callable[[Any], T],
        default: T,
        required: bool = False,
    ) -> T:
        """``convert(raw)``; a ``ValueError`` from it becomes a problem and gives ``default``."""
        if key not in table:
            if required:
                self.problem(_join(prefix, key), "missing: this key is required")
            return default
        try:
            return convert(table[key])
        except ValueError as exc:
            self.problem(_join(prefix, key), str(exc))
            return default


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return f"a string ({value!r})"
    if isinstance(value, dt.datetime):
        return f"a date-time ({value.isoformat()})"
    if isinstance(value, dt.date):
        return f"a date ({value.isoformat()})"
    if isinstance(value, dt.time):
        return f"a time ({value.isoformat()})"
    return f"{type(value).__name__} ({value!r})"


# --- converters: raw TOML value → Python, raising ValueError with a readable message ---------


def _text(raw: Any) -> str:
    if not isinstance(raw, str):
        raise ValueError(f"must be a string, not {_kind(raw)}")
    return raw


def _name(raw: Any) -> str:
    text = _text(raw)
    if not text.strip():
        raise ValueError("must not be empty")
    return text


def _boolean(raw: Any) -> bool:
    if not isinstance(raw, bool):
        raise ValueError(f"must be true or false, not {_kind(raw)}")
    return raw


def _integer(minimum: int) -> Callable[[Any], int]:
    def convert(raw: Any) -> int:
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise ValueError(f"must be a whole number, not {_kind(raw)}")
        if raw < minimum:
            raise ValueError(f"must be at least {minimum}, not {raw}")
        return raw

    return convert


def _amount_fen(raw: Any) -> int:
    """Yuan (int, float or numeric string, at most two decimals, not negative) → fen."""
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise ValueError(f"must be an amount in yuan such as 1200.00, not {_kind(raw)}")
    try:
        yuan = Decimal(raw.strip().replace(",", "")) if isinstance(raw, str) else Decimal(str(raw))
    except InvalidOperation:
        raise ValueError(f"must be an amount in yuan such as 1200.00, not {raw!r}") from None
    if not yuan.is_finite():
        raise ValueError(f"must be a finite amount in yuan, not {raw!r}")
    if yuan < 0:
        raise ValueError(f"must not be negative ({raw} yuan)")
    try:
        return yuan_to_fen(yuan)
    except ValueError:
        raise ValueError(f"yuan have at most two decimals (fen), not {raw}") from None


def _optional_amount_fen(raw: Any) -> int | None:
    return _amount_fen(raw)


def _fraction(raw: Any) -> Fraction:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise ValueError(
            f'must be a number such as 0.5 or a fraction such as "2/3", not {_kind(raw)}'
        )
    try:
        value = Fraction(raw.strip()) if isinstance(raw, str) else Fraction(str(raw))
    except (ValueError, ZeroDivisionError):
        raise ValueError(
            f'must be a number such as 0.5 or a fraction such as "2/3", not {raw!r}'
        ) from None
    return value


def _share(raw: Any) -> Fraction:
    value = _fraction(raw)
    if not 0 <= value <= 1:
        raise ValueError(f"a share must lie between 0 and 1, not {raw}")
    return value


def _multiple(raw: Any) -> Fraction:
    value = _fraction(raw)
    if value <= 0:
        raise ValueError(f"must be greater than 0, not {raw}")
    return value


def _date(raw: Any) -> dt.date:
    if isinstance(raw, dt.datetime):
        raise ValueError(f"must be a date such as 2020-02-22, not {_kind(raw)}")
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, str):
        try:
            return dt.date.fromisoformat(raw.strip())
        except ValueError:
            pass
    raise ValueError(f"must be a date such as 2020-02-22, not {_kind(raw)}")


def _optional_date(raw: Any) -> dt.date | None:
    return _date(raw)


def _date_list(raw: Any) -> tuple[dt.date, ...]:
    """An array of dates → sorted distinct dates; the message names the bad item (1-based)."""
    if not isinstance(raw, list):
        raise ValueError(f"must be an array of dates such as [2020-02-10], not {_kind(raw)}")
    days: set[dt.date] = set()
    for i, item in enumerate(raw, start=1):
        try:
            days.add(_date(item))
        except ValueError as exc:
            raise ValueError(f"item {i}: {exc}") from None
    return tuple(sorted(days))


def _month(raw: Any) -> str | None:
    text = _text(raw).strip()
    match = _MONTH.match(text)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"must be a month written YYYY-MM, not {raw!r}")
    return text


def _choice(enum: type[E]) -> Callable[[Any], E]:
    def convert(raw: Any) -> E:
        text = _text(raw).strip()
        try:
            return enum(text)
        except ValueError:
            allowed = ", ".join(f'"{e.value}"' for e in enum)
            raise ValueError(f"must be one of {allowed}, not {raw!r}") from None

    return convert


def _payee(raw: Any) -> PayeeKind:
    kind = _choice(PayeeKind)(raw)
    if kind not in (PayeeKind.PERSON, PayeeKind.EMPLOYER):
        raise ValueError(f'must be "person" or "employer", not {raw!r}')
    return kind


def _rounding(raw: Any) -> str:
    text = _text(raw).strip()
    if text not in ROUNDING_MODES:
        raise ValueError(f"must be one of {', '.join(sorted(ROUNDING_MODES))}, not {raw!r}")
    return text


def _currency(raw: Any) -> str:
    text = _text(raw).strip()
    if text not in CURRENCIES:
        raise ValueError(
            f"must be one of {', '.join(sorted(CURRENCIES))} (amounts are yuan), not {raw!r}"
        )
    return text


# --- the rule tables -----------------------------------------------------------------------


def _read_charter(r: _Reader, doc: dict[str, Any]) -> CharterRule:
    t = r.table(doc, "", "charter")
    if t is None:
        return CharterRule()
    p = "charter"
    r.known_keys(
        t,
        p,
        {
            "enabled",
            "share",
            "cap_per_trip",
            "cap_per_seat",
            "cap_per_rider",
            "cap_per_employer",
            "min_riders",
        },
    )
    return CharterRule(
        enabled=r.value(t, p, "enabled", _boolean, True),
        share=r.value(t, p, "share", _share, Fraction(1), required=True),
        cap_per_trip_fen=r.value(t, p, "cap_per_trip", _optional_amount_fen, None),
        cap_per_seat_fen=r.value(t, p, "cap_per_seat", _optional_amount_fen, None),
        cap_per_rider_fen=r.value(t, p, "cap_per_rider", _optional_amount_fen, None),
        cap_per_employer_fen=r.value(t, p, "cap_per_employer", _optional_amount_fen, None),
        min_riders=r.value(t, p, "min_riders", _integer(0), 0),
    )


def _read_government_trips(r: _Reader, doc: dict[str, Any]) -> GovernmentTripsRule:
    t = r.table(doc, "", "government_trips")
    if t is None:
        return GovernmentTripsRule()
    p = "government_trips"
    r.known_keys(t, p, {"enabled", "share"})
    return GovernmentTripsRule(
        enabled=r.value(t, p, "enabled", _boolean, True),
        share=r.value(t, p, "share", _share, Fraction(1)),
    )


def _read_self_return(r: _Reader, doc: dict[str, Any]) -> SelfReturnRule:
    t = r.table(doc, "", "self_return")
    if t is None:
        return SelfReturnRule()
    p = "self_return"
    r.known_keys(
        t,
        p,
        {
            "enabled",
            "basis",
            "tiers",
            "distance_bands",
            "taper",
            "after_taper_share",
            "requires_insured",
            "payee",
        },
    )
    enabled = r.value(t, p, "enabled", _boolean, True)
    basis = r.value(t, p, "basis", _choice(SelfReturnBasis), SelfReturnBasis.REGION)

    tiers: list[tuple[Region, int]] = []
    tier_table = r.table(t, p, "tiers")
    if tier_table is not None or (enabled and basis is SelfReturnBasis.REGION):
        tier_table = tier_table if tier_table is not None else {}
        tp = f"{p}.tiers"
        r.known_keys(tier_table, tp, {region.value for region in Region})
        for region in Region:
            if region.value not in tier_table:
                r.problem(f"{tp}.{region.value}", "missing: every region needs an amount")
                continue
            tiers.append((region, r.value(tier_table, tp, region.value, _amount_fen, 0)))

    bands: list[DistanceBand] = []
    for bp, entry in r.tables(t, p, "distance_bands"):
        r.known_keys(entry, bp, {"up_to_km", "amount"})
        up_to = r.value(entry, bp, "up_to_km", _integer(1), None)
        amount = r.value(entry, bp, "amount", _amount_fen, 0, required=True)
        if bands and bands[-1].up_to_km is None:
            r.problem(bp, "out of order: only the last band may leave out up_to_km")
        elif bands and up_to is not None and up_to <= (bands[-1].up_to_km or 0):
            r.problem(
                f"{bp}.up_to_km",
                f"out of order: must be above the previous band's {bands[-1].up_to_km} km",
            )
        bands.append(DistanceBand(up_to_km=up_to, amount_fen=amount))
    if enabled and basis is SelfReturnBasis.DISTANCE and not bands:
        r.problem(
            f"{p}.distance_bands",
            'missing: basis = "distance" needs [[self_return.distance_bands]]',
        )

    taper: list[TaperStep] = []
    for sp, entry in r.tables(t, p, "taper"):
        r.known_keys(entry, sp, {"until", "share"})
        until = r.value(entry, sp, "until", _date, None, required=True)
        share = r.value(entry, sp, "share", _share, Fraction(1), required=True)
        if until is None:
            continue
        if taper and until <= taper[-1].until:
            r.problem(
                f"{sp}.until",
                f"out of order: {until} must come after the previous step's {taper[-1].until}",
            )
        taper.append(TaperStep(until=until, share=share))

    return SelfReturnRule(
        enabled=enabled,
        basis=basis,
        tiers=tuple(tiers),
        distance_bands=tuple(bands),
        taper=tuple(taper),
        after_taper_share=r.value(t, p, "after_taper_share", _share, Fraction(0)),
        requires_insured=r.value(t, p, "requires_insured", _boolean, True),
        payee=r.value(t, p, "payee", _payee, PayeeKind.PERSON),
    )


def _read_recruitment(r: _Reader, doc: dict[str, Any]) -> RecruitmentRule:
    t = r.table(doc, "", "recruitment")
    if t is None:
        return RecruitmentRule()
    p = "recruitment"
    r.known_keys(
        t,
        p,
        {
            "enabled",
            "mode",
            "amount_per_head",
            "month",
            "compare_months_back",
            "min_insured_months",
            "requires_arrival",
            "cap_per_employer",
        },
    )
    enabled = r.value(t, p, "enabled", _boolean, True)
    mode = r.value(
        t, p, "mode", _choice(RecruitmentMode), RecruitmentMode.HEADCOUNT_GROWTH, required=True
    )
    month = r.value(t, p, "month", _month, None)
    if enabled and mode is RecruitmentMode.HEADCOUNT_GROWTH and month is None and "month" not in t:
        r.problem(f"{p}.month", 'missing: mode = "headcount_growth" needs the month to measure')
    return RecruitmentRule(
        enabled=enabled,
        mode=mode,
        amount_per_head_fen=r.value(t, p, "amount_per_head", _amount_fen, 0, required=True),
        month=month,
        compare_months_back=r.value(t, p, "compare_months_back", _integer(1), 12),
        min_insured_months=r.value(t, p, "min_insured_months", _integer(1), 1),
        requires_arrival=r.value(t, p, "requires_arrival", _boolean, True),
        cap_per_employer_fen=r.value(t, p, "cap_per_employer", _optional_amount_fen, None),
    )


def _read_agency(r: _Reader, doc: dict[str, Any]) -> AgencyRule:
    t = r.table(doc, "", "agency")
    if t is None:
        return AgencyRule()
    p = "agency"
    r.known_keys(t, p, {"enabled", "amount_per_person", "min_placed", "min_insured_months"})
    return AgencyRule(
        enabled=r.value(t, p, "enabled", _boolean, True),
        amount_per_person_fen=r.value(t, p, "amount_per_person", _amount_fen, 0, required=True),
        min_placed=r.value(t, p, "min_placed", _integer(1), 1),
        min_insured_months=r.value(t, p, "min_insured_months", _integer(0), 0),
    )


def _read_retention(r: _Reader, doc: dict[str, Any]) -> RetentionRule:
    t = r.table(doc, "", "retention")
    if t is None:
        return RetentionRule()
    p = "retention"
    r.known_keys(
        t, p, {"enabled", "amount_per_person", "after_months", "poverty_registered_only", "payee"}
    )
    return RetentionRule(
        enabled=r.value(t, p, "enabled", _boolean, True),
        amount_per_person_fen=r.value(t, p, "amount_per_person", _amount_fen, 0, required=True),
        after_months=r.value(t, p, "after_months", _integer(1), 6),
        poverty_registered_only=r.value(t, p, "poverty_registered_only", _boolean, True),
        payee=r.value(t, p, "payee", _payee, PayeeKind.PERSON),
    )


def _read_sending_area(r: _Reader, doc: dict[str, Any]) -> SendingAreaRule:
    t = r.table(doc, "", "sending_area")
    if t is None:
        return SendingAreaRule()
    p = "sending_area"
    r.known_keys(t, p, {"enabled", "level", "bands"})
    enabled = r.value(t, p, "enabled", _boolean, True)
    bands: list[SendingBand] = []
    for bp, entry in r.tables(t, p, "bands"):
        r.known_keys(entry, bp, {"min_sent", "amount"})
        min_sent = r.value(entry, bp, "min_sent", _integer(1), None, required=True)
        amount = r.value(entry, bp, "amount", _amount_fen, 0, required=True)
        if min_sent is None:
            continue
        if bands and min_sent <= bands[-1].min_sent:
            r.problem(
                f"{bp}.min_sent",
                f"out of order: must be above the previous band's {bands[-1].min_sent}",
            )
        bands.append(SendingBand(min_sent=min_sent, amount_fen=amount))
    if enabled and not bands and "bands" not in t:
        r.problem(
            f"{p}.bands", "missing: an enabled sending-area reward needs [[sending_area.bands]]"
        )
    return SendingAreaRule(
        enabled=enabled,
        level=r.value(t, p, "level", _choice(AreaLevel), AreaLevel.COUNTY),
        bands=tuple(bands),
    )


def _read_planning(r: _Reader, doc: dict[str, Any]) -> PlanningParams:
    t = r.table(doc, "", "planning")
    if t is None:
        return PlanningParams()
    p = "planning"
    r.known_keys(t, p, {"seat_cost_multiple", "unmet_penalty"})
    default = PlanningParams()
    return PlanningParams(
        seat_cost_multiple=r.value(
            t, p, "seat_cost_multiple", _multiple, default.seat_cost_multiple
        ),
        unmet_penalty_fen=r.value(t, p, "unmet_penalty", _amount_fen, default.unmet_penalty_fen),
    )


def _read_workflow(r: _Reader, doc: dict[str, Any]) -> WorkflowParams:
    t = r.table(doc, "", "workflow")
    if t is None:
        return WorkflowParams()
    p = "workflow"
    r.known_keys(t, p, {"notice_working_days", "rounding", "issuer_not_approver",
                        "local_holidays", "local_workdays"})
    default = WorkflowParams()
    none: tuple[dt.date, ...] = ()
    holidays = r.value(t, p, "local_holidays", _date_list, none)
    workdays = r.value(t, p, "local_workdays", _date_list, none)
    for day in sorted(set(holidays) & set(workdays)):
        r.problem(f"{p}.local_workdays", f"{day} is also in local_holidays: a day is either "
                  "off or worked, list it once")
    return WorkflowParams(
        notice_working_days=r.value(
            t, p, "notice_working_days", _integer(0), default.notice_working_days
        ),
        rounding=r.value(t, p, "rounding", _rounding, default.rounding),
        local_holidays=holidays,
        local_workdays=workdays,
        issuer_not_approver=r.value(t, p, "issuer_not_approver", _boolean,
                                    default.issuer_not_approver),
    )


# --- public --------------------------------------------------------------------------------


def parse_policy(text: str, file_name: str = "policy.toml") -> Policy:
    """Read a policy from the text of a policy.toml.

    Parameters
    ----------
    text : str
        The file's text.
    file_name : str
        The name every problem is reported under.

    Returns
    -------
    Policy
        The checked policy, amounts in fen.

    Raises
    ------
    InputError
        With one ``Problem`` per thing wrong (``column`` is the dotted key, ``row`` ``None``;
        for a TOML syntax error ``row`` is the line).
    """
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = _LINE.search(str(exc))
        row = int(match.group(1)) if match else None
        raise InputError(
            [Problem(file=file_name, row=row, message=f"not valid TOML: {exc}")]
        ) from None

    r = _Reader(file_name)
    r.known_keys(doc, "", _TOP_KEYS)
    name = r.value(doc, "", "name", _name, "", required=True)
    valid_from = r.value(doc, "", "valid_from", _date, None, required=True)
    valid_to = r.value(doc, "", "valid_to", _optional_date, None)
    if valid_from is not None and valid_to is not None and valid_to < valid_from:
        r.problem("valid_to", f"out of order: {valid_to} is before valid_from {valid_from}")
    policy = Policy(
        name=name,
        valid_from=valid_from or dt.date.min,
        valid_to=valid_to,
        region=r.value(doc, "", "region", _text, ""),
        issuer=r.value(doc, "", "issuer", _text, ""),
        posted_on=r.value(doc, "", "posted_on", _optional_date, None),
        currency=r.value(doc, "", "currency", _currency, "CNY"),
        notes=r.value(doc, "", "notes", _text, ""),
        charter=_read_charter(r, doc),
        government_trips=_read_government_trips(r, doc),
        self_return=_read_self_return(r, doc),
        recruitment=_read_recruitment(r, doc),
        agency=_read_agency(r, doc),
        retention=_read_retention(r, doc),
        sending_area=_read_sending_area(r, doc),
        planning=_read_planning(r, doc),
        workflow=_read_workflow(r, doc),
    )
    if r.problems:
        raise InputError(r.problems)
    return policy


def load_policy(path: str | Path) -> Policy:
    """Read and check a policy.toml file.

    Parameters
    ----------
    path : str or Path
        The file; problems are reported under its name.

    Returns
    -------
    Policy

    Raises
    ------
    InputError
        If the file cannot be read or anything in it is wrong (every problem at once).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            [Problem(file=path.name, message=f"cannot read the file: {exc}")]
        ) from None
    return parse_policy(text, path.name)


# --- writing -------------------------------------------------------------------------------


def _str(value: str) -> str:
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007F")


def _yuan(fen: int) -> str:
    return str(fen_to_decimal(fen))


def _bool(value: bool) -> str:
    return "true" if value else "false"


def policy_to_toml(policy: Policy) -> str:
    """Write a policy as policy.toml text; ``parse_policy`` reads it back equal.

    Parameters
    ----------
    policy : Policy

    Returns
    -------
    str
        TOML with every field written out, amounts as yuan with two decimals.
    """
    out: list[str] = [f"name = {_str(policy.name)}"]
    if policy.region:
        out.append(f"region = {_str(policy.region)}")
    if policy.issuer:
        out.append(f"issuer = {_str(policy.issuer)}")
    if policy.posted_on is not None:
        out.append(f"posted_on = {policy.posted_on.isoformat()}")
    out.append(f"valid_from = {policy.valid_from.isoformat()}")
    if policy.valid_to is not None:
        out.append(f"valid_to = {policy.valid_to.isoformat()}")
    out.append(f"currency = {_str(policy.currency)}")
    if policy.notes:
        out.append(f"notes = {_str(policy.notes)}")

    def section(name: str, lines: list[str]) -> None:
        out.extend(["", f"[{name}]", *lines])

    def optional_amount(key: str, fen: int | None) -> list[str]:
        return [] if fen is None else [f"{key} = {_yuan(fen)}"]

    c = policy.charter
    section(
        "charter",
        [
            f"enabled = {_bool(c.enabled)}",
            f"share = {fraction_text(c.share)}",
            *optional_amount("cap_per_trip", c.cap_per_trip_fen),
            *optional_amount("cap_per_seat", c.cap_per_seat_fen),
            *optional_amount("cap_per_rider", c.cap_per_rider_fen),
            *optional_amount("cap_per_employer", c.cap_per_employer_fen),
            f"min_riders = {c.min_riders}",
        ],
    )

    g = policy.government_trips
    section(
        "government_trips", [f"enabled = {_bool(g.enabled)}", f"share = {fraction_text(g.share)}"]
    )

    s = policy.self_return
    lines = [
        f"enabled = {_bool(s.enabled)}",
        f"basis = {_str(s.basis.value)}",
        f"requires_insured = {_bool(s.requires_insured)}",
        f"payee = {_str(s.payee.value)}",
        f"after_taper_share = {fraction_text(s.after_taper_share)}",
    ]
    if s.tiers:
        inner = ", ".join(f"{region.value} = {_yuan(fen)}" for region, fen in s.tiers)
        lines.append(f"tiers = {{ {inner} }}")
    section("self_return", lines)
    for band in s.distance_bands:
        out.extend(["", "[[self_return.distance_bands]]"])
        if band.up_to_km is not None:
            out.append(f"up_to_km = {band.up_to_km}")
        out.append(f"amount = {_yuan(band.amount_fen)}")
    for step in s.taper:
        out.extend(
            [
                "",
                "[[self_return.taper]]",
                f"until = {step.until.isoformat()}",
                f"share = {fraction_text(step.share)}",
            ]
        )

    rc = policy.recruitment
    section(
        "recruitment",
        [
            f"enabled = {_bool(rc.enabled)}",
            f"mode = {_str(rc.mode.value)}",
            f"amount_per_head = {_yuan(rc.amount_per_head_fen)}",
            *([] if rc.month is None else [f"month = {_str(rc.month)}"]),
            f"compare_months_back = {rc.compare_months_back}",
            f"min_insured_months = {rc.min_insured_months}",
            f"requires_arrival = {_bool(rc.requires_arrival)}",
            *optional_amount("cap_per_employer", rc.cap_per_employer_fen),
        ],
    )

    a = policy.agency
    section(
        "agency",
        [
            f"enabled = {_bool(a.enabled)}",
            f"amount_per_person = {_yuan(a.amount_per_person_fen)}",
            f"min_placed = {a.min_placed}",
            f"min_insured_months = {a.min_insured_months}",
        ],
    )

    rt = policy.retention
    section(
        "retention",
        [
            f"enabled = {_bool(rt.enabled)}",
            f"amount_per_person = {_yuan(rt.amount_per_person_fen)}",
            f"after_months = {rt.after_months}",
            f"poverty_registered_only = {_bool(rt.poverty_registered_only)}",
            f"payee = {_str(rt.payee.value)}",
        ],
    )

    sa = policy.sending_area
    section("sending_area", [f"enabled = {_bool(sa.enabled)}", f"level = {_str(sa.level.value)}"])
    if not sa.bands:
        out.append("bands = []")
    for sband in sa.bands:
        out.extend(
            [
                "",
                "[[sending_area.bands]]",
                f"min_sent = {sband.min_sent}",
                f"amount = {_yuan(sband.amount_fen)}",
            ]
        )

    pl = policy.planning
    section(
        "planning",
        [
            f"seat_cost_multiple = {fraction_text(pl.seat_cost_multiple)}",
            f"unmet_penalty = {_yuan(pl.unmet_penalty_fen)}",
        ],
    )

    w = policy.workflow
    section(
        "workflow",
        [
            f"notice_working_days = {w.notice_working_days}",
            f"rounding = {_str(w.rounding)}",
            *(f"{key} = [{', '.join(d.isoformat() for d in days)}]"
              for key, days in (("local_holidays", w.local_holidays),
                                ("local_workdays", w.local_workdays)) if days),
            # written only when set, so policies stored before the key existed keep their text
            *(["issuer_not_approver = true"] if w.issuer_not_approver else []),
        ],
    )
    return "\n".join(out) + "\n"
