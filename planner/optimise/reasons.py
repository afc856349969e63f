"""Why a person comes alone or is not served, as messages (codes with parameters; the texts
are in ``planner/messages/catalogue/reasons.*.toml``).

Every reason the optimiser writes is built here, from plain values, so a unit planned in
another process returns its reasons as data and the reader's language is chosen only when the
plan is shown or written.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from planner.domain import Travel
from planner.messages import Message, msg

if TYPE_CHECKING:  # prepare and model build reasons too: no import at run time
    from planner.optimise.model import Context, Group
    from planner.optimise.prepare import Person


def _day(d: dt.date) -> str:
    return d.isoformat()


def last_day(q: Person) -> dt.date:
    """The last day ``q`` may leave (deadline or service level, the earlier)."""
    return q.deadline if q.depart_by is None else min(q.deadline, q.depart_by)


def own_travel() -> Message:
    """Registered to travel on their own."""
    return msg("reason.own_travel")


def advised_alone(cause: Message, subsidy_fen: int) -> Message:
    """``cause``, so advised to come alone with the self-return subsidy."""
    return msg("reason.advised_alone", cause=cause, sub=subsidy_fen)


def coach_late_own_dear(name: str, deadline: dt.date, n: int, seat_fen: int) -> Message:
    """The planned coach arrives late; one only for the late people costs ``seat_fen`` a seat."""
    return msg("reason.coach_late_own_dear", name=name, deadline=_day(deadline), n=n, seat=seat_fen)


def coach_late(name: str, deadline: dt.date) -> Message:
    """The coach planned for this person would reach the employer after ``deadline``."""
    return msg("reason.coach_late", name=name, deadline=_day(deadline))


def no_seat_left(name: str) -> Message:
    """Every vehicle planned from ``name`` in the person's window is full."""
    return msg("reason.no_seat_left", name=name)


def coach_reaches_late(name: str, deadline: dt.date) -> Message:
    """The coach from ``name`` reaches the employer after ``deadline``."""
    return msg("reason.coach_reaches_late", name=name, deadline=_day(deadline))


def no_trip(q: Person, name: str) -> Message:
    """Why no vehicle fits ``q``'s window (the service level named when it binds)."""
    if q.depart_by is not None and q.depart_by < q.deadline:
        return msg(
            "reason.no_seat_within",
            days=(q.depart_by - q.release).days,
            release=_day(q.release),
            name=name,
            last=_day(q.depart_by),
            deadline=_day(q.deadline),
        )
    return msg("reason.no_trip", name=name, release=_day(q.release), deadline=_day(q.deadline))


def alone(ctx: Context, g: Group, q: Person, n: int, seat_fen: int) -> Message:
    """Why ``q`` (one of ``n`` people of group ``g`` sent alone) comes on their own; a seat
    from their county would cost about ``seat_fen``."""
    name = ctx.inst.origins[q.county].name
    sub = q.subsidy_fen
    if not g.coach and not g.train:
        return advised_alone(no_trip(q, name), sub)
    if q.travel is Travel.EITHER:
        if seat_fen > q.subsidy_fen:
            return msg("reason.either_cheaper", sub=sub, name=name, seat=seat_fen)
        return msg("reason.either_full", name=name, sub=sub)
    mult = ctx.inst.seat_cost_multiple
    first, last = _day(q.release), _day(last_day(q))
    if seat_fen > mult * q.subsidy_fen:
        return msg(
            "reason.few_seekers", n=n, name=name, first=first, last=last, seat=seat_fen,
            mult=mult, sub=sub,
        )
    return msg("reason.coaches_full", name=name, first=first, last=last, n=n, mult=mult, sub=sub)


def unmet(ctx: Context, g: Group, q: Person) -> Message:
    """Why ``q`` is not served."""
    name = ctx.inst.origins[q.county].name
    if not g.coach and not g.train:
        return msg("reason.at_employer", cause=no_trip(q, name))
    return msg(
        "reason.no_vehicle_left", name=name, first=_day(q.release), last=_day(last_day(q))
    )


def hires_short(name: str, wanted: int, matched: int) -> Message:
    """An employer's vacancies that no recruit fills."""
    return msg("reason.hires_short", name=name, wanted=wanted, matched=matched)


def not_in_gazetteer(adcode: str) -> Message:
    """The home county is unknown."""
    return msg("reason.not_in_gazetteer", adcode=adcode)


def unknown_employer(uscc: str) -> Message:
    """The employer is not in employers.csv."""
    return msg("reason.unknown_employer", employer=uscc)


def no_vacancy(earliest: dt.date | None = None) -> Message:
    """No employer can take this recruit (``earliest``: none needs them late enough)."""
    if earliest is None:
        return msg("reason.no_vacancy")
    return msg("reason.no_vacancy_late", date=_day(earliest))
