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
import re
import tomllib
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from fractions import Fraction
from pathlib import Path
from typing import Any, TypeVar

from planner.domain.model import Region
from planner.messages import Message, msg
from planner.problems import InputError, Problem, problem
from planner.subsidies.money import ROUNDING_MODES, yuan_to_fen
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
    "title",
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

    def problem(self, key: str, code: str, **params: Any) -> None:
        """Note a problem at the dotted ``key``: a ``policy_file.*`` code and its parameters."""
        self.problems.append(Problem(self.file, msg(code, **params), None, key))

    def known_keys(self, table: dict[str, Any], prefix: str, allowed: set[str]) -> None:
        for key in sorted(set(table) - allowed):
            self.problem(_join(prefix, key), "policy_file.unknown_key",
                         allowed=", ".join(sorted(allowed)))

    def table(self, parent: dict[str, Any], prefix: str, key: str) -> dict[str, Any] | None:
        if key not in parent:
            return None
        value = parent[key]
        if not isinstance(value, dict):
            self.problem(_join(prefix, key), "policy_file.not_table", kind=_kind(value))
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
            self.problem(full, "policy_file.not_array_of_tables", table=full, kind=_kind(value))
            return
        for i, entry in enumerate(value, start=1):
            if isinstance(entry, dict):
                yield f"{full}[{i}]", entry
            else:
                self.problem(f"{full}[{i}]", "policy_file.not_table", kind=_kind(entry))

    def value(
        self,
        table: dict[str, Any],
        prefix: str,
        key: str,
        convert: Callable[[Any], T],
        default: T,
        required: bool = False,
    ) -> T:
        """``convert(raw)``; a ``PolicyValueError`` from it becomes a problem and gives
        ``default``."""
        if key not in table:
            if required:
                self.problem(_join(prefix, key), "policy_file.required")
            return default
        try:
            return convert(table[key])
        except PolicyValueError as exc:
            self.problems.append(Problem(self.file, exc.what, None, _join(prefix, key)))
            return default


class PolicyValueError(ValueError):
    """A policy value refused: ``what`` says why, as a ``policy_file.*`` message code."""

    def __init__(self, code: str, **params: Any) -> None:
        self.what = msg(code, **params)
        super().__init__(self.what.render("en"))


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def _kind(value: Any) -> Message:
    """What a TOML value is, for a message (``a string ('x')``)."""
    if isinstance(value, bool):
        return msg("policy_file.kind_boolean", value=str(value).lower())
    if isinstance(value, dict):
        return msg("policy_file.kind_table")
    if isinstance(value, list):
        return msg("policy_file.kind_array")
    if isinstance(value, str):
        return msg("policy_file.kind_string", value=repr(value))
    if isinstance(value, dt.datetime | dt.date | dt.time):
        code = ("policy_file.kind_datetime" if isinstance(value, dt.datetime) else
                "policy_file.kind_date" if isinstance(value, dt.date) else "policy_file.kind_time")
        return msg(code, value=value.isoformat())
    return msg("policy_file.kind_other", type=type(value).__name__, value=repr(value))


# --- converters: raw TOML value → Python, raising PolicyValueError with a message code -------


def _text(raw: Any) -> str:
    if not isinstance(raw, str):
        raise PolicyValueError("policy_file.not_string", kind=_kind(raw))
    return raw


def _name(raw: Any) -> str:
    text = _text(raw)
    if not text.strip():
        raise PolicyValueError("policy_file.empty")
    return text


def _boolean(raw: Any) -> bool:
    if not isinstance(raw, bool):
        raise PolicyValueError("policy_file.not_boolean", kind=_kind(raw))
    return raw


def _integer(minimum: int) -> Callable[[Any], int]:
    def convert(raw: Any) -> int:
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise PolicyValueError("policy_file.not_whole", kind=_kind(raw))
        if raw < minimum:
            raise PolicyValueError("policy_file.below_minimum", minimum=minimum, value=raw)
        return raw

    return convert


def _amount_fen(raw: Any) -> int:
    """Yuan (int, float or numeric string, at most two decimals, not negative) → fen."""
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise PolicyValueError("policy_file.not_amount", kind=_kind(raw))
    try:
        yuan = Decimal(raw.strip().replace(",", "")) if isinstance(raw, str) else Decimal(str(raw))
    except InvalidOperation:
        raise PolicyValueError("policy_file.not_amount_text", value=repr(raw)) from None
    if not yuan.is_finite():
        raise PolicyValueError("policy_file.amount_infinite", value=repr(raw))
    if yuan < 0:
        raise PolicyValueError("policy_file.amount_negative", value=str(raw))
    try:
        return yuan_to_fen(yuan)
    except ValueError:
        raise PolicyValueError("policy_file.amount_decimals", value=str(raw)) from None


def _optional_amount_fen(raw: Any) -> int | None:
    return _amount_fen(raw)


def _fraction(raw: Any) -> Fraction:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise PolicyValueError("policy_file.not_fraction", kind=_kind(raw))
    try:
        value = Fraction(raw.strip()) if isinstance(raw, str) else Fraction(str(raw))
    except (ValueError, ZeroDivisionError):
        raise PolicyValueError("policy_file.not_fraction_text", value=repr(raw)) from None
    return value


def _share(raw: Any) -> Fraction:
    value = _fraction(raw)
    if not 0 <= value <= 1:
        raise PolicyValueError("policy_file.share_range", value=str(raw))
    return value


def _multiple(raw: Any) -> Fraction:
    value = _fraction(raw)
    if value <= 0:
        raise PolicyValueError("policy_file.not_positive", value=str(raw))
    return value


def _date(raw: Any) -> dt.date:
    if isinstance(raw, dt.datetime):
        raise PolicyValueError("policy_file.not_date", kind=_kind(raw))
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, str):
        try:
            return dt.date.fromisoformat(raw.strip())
        except ValueError:
            pass
    raise PolicyValueError("policy_file.not_date", kind=_kind(raw))


def _optional_date(raw: Any) -> dt.date | None:
    return _date(raw)


def _date_list(raw: Any) -> tuple[dt.date, ...]:
    """An array of dates → sorted distinct dates; the message names the bad item (1-based)."""
    if not isinstance(raw, list):
        raise PolicyValueError("policy_file.not_date_list", kind=_kind(raw))
    days: set[dt.date] = set()
    for i, item in enumerate(raw, start=1):
        try:
            days.add(_date(item))
        except PolicyValueError as exc:
            raise PolicyValueError("policy_file.item", item=i, why=exc.what) from None
    return tuple(sorted(days))


def _month(raw: Any) -> str | None:
    text = _text(raw).strip()
    match = _MONTH.match(text)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise PolicyValueError("policy_file.not_month", value=repr(raw))
    return text


def _choice(enum: type[E]) -> Callable[[Any], E]:
    def convert(raw: Any) -> E:
        text = _text(raw).strip()
        try:
            return enum(text)
        except ValueError:
            allowed = ", ".join(f'"{e.value}"' for e in enum)
            raise PolicyValueError("policy_file.not_one_of", allowed=allowed,
                                   value=repr(raw)) from None

    return convert


def _payee(raw: Any) -> PayeeKind:
    kind = _choice(PayeeKind)(raw)
    if kind not in (PayeeKind.PERSON, PayeeKind.EMPLOYER):
        raise PolicyValueError("policy_file.not_payee", value=repr(raw))
    return kind


def _rounding(raw: Any) -> str:
    text = _text(raw).strip()
    if text not in ROUNDING_MODES:
        raise PolicyValueError("policy_file.not_one_of", allowed=", ".join(sorted(ROUNDING_MODES)),
                               value=repr(raw))
    return text


def _currency(raw: Any) -> str:
    text = _text(raw).strip()
    if text not in CURRENCIES:
        raise PolicyValueError("policy_file.not_currency", allowed=", ".join(sorted(CURRENCIES)),
                               value=repr(raw))
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
                r.problem(f"{tp}.{region.value}", "policy_file.region_amount_missing")
                continue
            tiers.append((region, r.value(tier_table, tp, region.value, _amount_fen, 0)))

    bands: list[DistanceBand] = []
    for bp, entry in r.tables(t, p, "distance_bands"):
        r.known_keys(entry, bp, {"up_to_km", "amount"})
        up_to = r.value(entry, bp, "up_to_km", _integer(1), None)
        amount = r.value(entry, bp, "amount", _amount_fen, 0, required=True)
        if bands and bands[-1].up_to_km is None:
            r.problem(bp, "policy_file.band_open_not_last")
        elif bands and up_to is not None and up_to <= (bands[-1].up_to_km or 0):
            r.problem(f"{bp}.up_to_km", "policy_file.band_km_order", km=bands[-1].up_to_km)
        bands.append(DistanceBand(up_to_km=up_to, amount_fen=amount))
    if enabled and basis is SelfReturnBasis.DISTANCE and not bands:
        r.problem(f"{p}.distance_bands", "policy_file.distance_bands_missing")

    taper: list[TaperStep] = []
    for sp, entry in r.tables(t, p, "taper"):
        r.known_keys(entry, sp, {"until", "share"})
        until = r.value(entry, sp, "until", _date, None, required=True)
        share = r.value(entry, sp, "share", _share, Fraction(1), required=True)
        if until is None:
            continue
        if taper and until <= taper[-1].until:
            r.problem(f"{sp}.until", "policy_file.taper_order", until=until.isoformat(),
                      previous=taper[-1].until.isoformat())
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
        r.problem(f"{p}.month", "policy_file.month_missing")
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
            r.problem(f"{bp}.min_sent", "policy_file.band_sent_order",
                      min_sent=bands[-1].min_sent)
        bands.append(SendingBand(min_sent=min_sent, amount_fen=amount))
    if enabled and not bands and "bands" not in t:
        r.problem(f"{p}.bands", "policy_file.sending_bands_missing")
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
        r.problem(f"{p}.local_workdays", "policy_file.day_twice", day=day.isoformat())
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
        raise InputError([problem(file_name, "policy_file.not_toml", row, why=str(exc))]) from None

    r = _Reader(file_name)
    r.known_keys(doc, "", _TOP_KEYS)
    name = r.value(doc, "", "name", _name, "", required=True)
    valid_from = r.value(doc, "", "valid_from", _date, None, required=True)
    valid_to = r.value(doc, "", "valid_to", _optional_date, None)
    if valid_from is not None and valid_to is not None and valid_to < valid_from:
        r.problem("valid_to", "policy_file.valid_to_early", valid_to=valid_to.isoformat(),
                  valid_from=valid_from.isoformat())
    policy = Policy(
        name=name,
        valid_from=valid_from or dt.date.min,
        valid_to=valid_to,
        title=r.value(doc, "", "title", _text, ""),
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
        raise InputError([problem(path.name, "policy_file.cannot_read", why=str(exc))]) from None
    return parse_policy(text, path.name)


from planner.subsidies.policy_write import policy_to_toml  # noqa: E402  (the writer; re-exported)

__all__ = ["PolicyValueError", "load_policy", "parse_policy", "policy_to_toml"]
