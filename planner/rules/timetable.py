"""The driving timetable: coach timetables under the drivers' rules (the 02:00–05:00 halt
included), and an independent check of any timetable.

Imports no solver: the optimiser builds timetables with it and ``planner.validation`` checks
them with it.

Rules implemented (DOMAIN.md "Coach drivers"):

- no driving from 02:00 to 05:00 unless drivers relay (``night_relay``): a coach halts;
- a driver drives at most 4 h without a break by day and 2 h when any of the run falls in the
  night (22:00–06:00); a break is at least 20 minutes off the wheel (a stop, a halt, or the
  other driver taking over);
- a driver drives at most 8 h in any 24 h (rolling window);
- with two drivers they take turns at each break; the coach stops only when neither may drive;
- whole minutes throughout; a coach dwells ``dwell_min`` at each stop after the first.

``drive_schedule`` is a lawful timetable found greedily (drive whenever allowed); it is not
always the earliest possible, and it is not monotone in the driving done (a stop can move a rest
to a better hour), so lower bounds use ``min_elapsed`` instead. ``check_driving`` verifies a
list of driving intervals against the rules without knowing how they were made.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass

from planner.rules.drivers import drivers_needed
from planner.rules.params import Regulation

EPOCH = dt.datetime(2000, 1, 1)
DAY = 1440


def to_min(t: dt.datetime) -> int:
    """Whole minutes since 2000-01-01 00:00 (naive local time)."""
    return int((t - EPOCH).total_seconds() // 60)


def from_min(m: int) -> dt.datetime:
    """Inverse of ``to_min``."""
    return EPOCH + dt.timedelta(minutes=m)


def is_night(m: int, rules: Regulation) -> bool:
    """Whether minute ``m`` (since EPOCH) lies in the night."""
    tod = m % DAY
    return tod >= rules.night_from or tod < rules.night_to


def _next_boundary(m: int, rules: Regulation) -> int:
    """The next minute after ``m`` where night or the halt starts or ends."""
    tod = m % DAY
    base = m - tod
    marks = sorted({rules.night_from, rules.night_to, rules.halt_from, rules.halt_to})
    for b in marks:
        if b > tod:
            return base + b
    return base + DAY + marks[0]


def in_halt(m: int, rules: Regulation) -> bool:
    """Whether minute ``m`` lies in the 02:00–05:00 halt (when it applies)."""
    if rules.night_relay:
        return False
    tod = m % DAY
    return rules.halt_from <= tod < rules.halt_to


@dataclass(frozen=True, slots=True)
class Schedule:
    """A coach timetable: minutes since EPOCH.

    ``arrive[i]`` is the arrival at the end of leg ``i``; ``leave[i]`` the departure of leg
    ``i``; ``intervals`` are ``(start, end, driver)`` driving spells.
    """

    leave: tuple[int, ...]
    arrive: tuple[int, ...]
    intervals: tuple[tuple[int, int, int], ...]

    @property
    def end(self) -> int:
        return self.arrive[-1] if self.arrive else (self.leave[0] if self.leave else 0)


class _Driver:
    __slots__ = ("history", "last_end", "run", "run_night")

    def __init__(self) -> None:
        self.history: list[tuple[int, int]] = []
        self.last_end = -(10**9)
        self.run = 0
        self.run_night = False

    def driven_since(self, since: int) -> int:
        """Minutes driven after minute ``since``."""
        hist = self.history
        total = 0
        for s, e in hist[_first_after(hist, since) :]:
            total += e - (s if s > since else since)
        return total


def _first_after(history: list[tuple[int, int]], since: int) -> int:
    """Index of the first spell of ``history`` (in order, not overlapping) that ends after
    ``since``: found from the end, as only the last 24 h are ever asked about."""
    i = len(history)
    while i and history[i - 1][1] > since:
        i -= 1
    return i


def _daily_allowance(d: _Driver, t: int, rules: Regulation) -> int:
    """Most minutes driver ``d`` may drive from ``t`` on without more than the daily limit in
    any 24 h window: the largest ``x ≤ limit`` with ``driven in [t + x − 24 h, t) + x ≤ limit``.

    The left side grows by one a minute while the window's start crosses a gap in the driver's
    past driving and stays level while it crosses a spell (the old minute leaving the window
    makes room for the new one), so one sweep over the spells finds ``x``."""
    limit = rules.daily_limit_min
    edge0 = t - rules.window_min
    hist = d.history
    # Spells that ended by the window's start never count: start at the first that did not
    # (the spells are in order and do not overlap).
    first = _first_after(hist, edge0)
    if first == len(hist):
        return limit
    recent = hist[first:]
    used = 0
    for s, e in recent:
        used += e - (s if s > edge0 else edge0)
    if used > limit:
        return 0
    x = 0
    for s, e in recent:
        if e <= edge0 + x:
            continue
        gap = s - (edge0 + x)
        if gap > 0:
            if used + gap > limit:
                break
            x += gap
            used += gap
        x += e - max(s, edge0 + x)
    return min(limit, x + (limit - used))


def _wait_for_daily(d: _Driver, t: int, rules: Regulation) -> int:
    """Earliest minute after ``t`` at which driver ``d`` regains some daily allowance: when the
    24 h window starts to slide over earlier driving."""
    since = t - rules.window_min
    for s, e in d.history:
        if e > since:
            return max(t + 1, max(s, since + 1) + rules.window_min)
    return t + 1


def drive_schedule(
    start: int,
    legs_min: Sequence[int],
    *,
    drivers: int,
    rules: Regulation,
    dwell_min: int = 20,
    wait_before_last: int = 0,
) -> Schedule:
    """The earliest lawful timetable for driving ``legs_min`` one after another.

    Shifting ``start`` by whole days shifts the timetable by as many days, every spell
    included. Proof: each decision depends on the minute ``t`` only through ``t % DAY`` (the
    night, the halt, the next boundary ``t - t % DAY + mark``) or through differences of
    minutes already on the timetable (a run, a break ``t - last_end``, the 24 h window
    ``t - window_min`` against the driver's own spells, a dwell); a fresh driver's
    ``last_end`` lies so far back that every break test passes either way. So by induction
    on the spells each one moves by the same whole days (``lawful_timetable`` relies on it).

    Parameters
    ----------
    start
        Minute (since EPOCH) the coach leaves its first stop.
    legs_min
        Pure driving minutes of each leg.
    drivers
        1 or 2.
    rules
        The drivers' rules.
    dwell_min
        Minutes spent at each stop between legs.
    wait_before_last
        Extra rest at the last stop before the last leg (the empty return).

    Returns
    -------
    Schedule
        Departure and arrival minute of every leg and every driving spell.
    """
    crew = [_Driver() for _ in range(max(1, drivers))]
    active = 0
    t = start
    leave: list[int] = []
    arrive: list[int] = []
    spells: list[tuple[int, int, int]] = []
    for i, leg in enumerate(legs_min):
        if i > 0:
            t += dwell_min
        if i > 0 and i == len(legs_min) - 1:
            t += wait_before_last
        leave.append(t)
        t, active = _drive_leg(crew, active, t, int(leg), rules, spells)
        arrive.append(t)
    return Schedule(leave=tuple(leave), arrive=tuple(arrive), intervals=_merge_spells(spells))


def _drive_leg(
    crew: list[_Driver],
    active: int,
    t: int,
    leg_min: int,
    rules: Regulation,
    spells: list[tuple[int, int, int]],
) -> tuple[int, int]:
    """Drive one leg of ``leg_min`` minutes from minute ``t``: halt in the night halt, hand
    over or rest when the driver must, append the driving spells. Returns (arrival minute,
    driver at the wheel)."""
    remaining = leg_min
    guard = 0
    while remaining > 0:
        guard += 1
        if guard > 100_000:  # pragma: no cover - a safety net, never expected
            raise RuntimeError("driving timetable did not converge")
        if in_halt(t, rules):
            t = t - t % DAY + rules.halt_to
            continue
        picked = _pick_driver(crew, active, t, rules)
        if picked is None:
            t = _first_free_minute(crew, t, rules)
            continue
        active, allowance = picked
        chunk = _drive_spell(crew[active], active, t, remaining, allowance, rules, spells)
        t += chunk
        remaining -= chunk
    return t, active


def _pick_driver(
    crew: list[_Driver], active: int, t: int, rules: Regulation
) -> tuple[int, int] | None:
    """The driver who may drive at minute ``t`` and their daily allowance there: the active
    one first, then the others; a driver off the wheel for a break starts a new run. None
    when nobody may."""
    tod = t % DAY
    night_now = tod >= rules.night_from or tod < rules.night_to  # is_night(t, rules)
    others = () if len(crew) == 1 else tuple(j for j in range(len(crew)) if j != active)
    for k in (active, *others):
        d = crew[k]
        if t - d.last_end >= rules.break_min:
            d.run, d.run_night = 0, False
        limit = rules.night_limit_min if d.run_night or night_now else rules.day_limit_min
        if d.run >= limit:
            continue
        allowance = _daily_allowance(d, t, rules)
        if allowance <= 0:
            continue
        return k, allowance
    return None


def _first_free_minute(crew: list[_Driver], t: int, rules: Regulation) -> int:
    """When nobody may drive at ``t``: the first moment someone may (a break done, or the 24 h
    window sliding over earlier driving)."""
    waits = []
    for d in crew:
        w = max(t + 1, d.last_end + rules.break_min)
        if _daily_allowance(d, w, rules) <= 0:
            w = max(w, _wait_for_daily(d, w, rules))
        waits.append(w)
    return min(waits)


def _drive_spell(
    d: _Driver,
    k: int,
    t: int,
    remaining: int,
    allowance: int,
    rules: Regulation,
    spells: list[tuple[int, int, int]],
) -> int:
    """Driver ``d`` (number ``k``) drives from ``t`` until the leg ends, their run or daily
    limit (``allowance``: ``_daily_allowance`` at ``t``) is reached, or night or the halt
    starts or ends; records the spell and returns its minutes (at least one)."""
    night_now = is_night(t, rules)
    limit = rules.night_limit_min if (d.run_night or night_now) else rules.day_limit_min
    chunk = min(
        remaining,
        limit - d.run,
        allowance,
        _next_boundary(t, rules) - t,
    )
    chunk = max(1, chunk)
    spells.append((t, t + chunk, k))
    if d.history and d.history[-1][1] == t:
        d.history[-1] = (d.history[-1][0], t + chunk)
    else:
        d.history.append((t, t + chunk))
    d.run += chunk
    d.run_night = d.run_night or night_now
    d.last_end = t + chunk
    return chunk


def _merge_spells(spells: list[tuple[int, int, int]]) -> tuple[tuple[int, int, int], ...]:
    """Adjacent spells of the same driver as one."""
    merged: list[tuple[int, int, int]] = []
    for s, e, k in spells:
        if merged and merged[-1][2] == k and merged[-1][1] == s:
            merged[-1] = (merged[-1][0], e, k)
        else:
            merged.append((s, e, k))
    return tuple(merged)


TURNAROUND_WAITS = (0, 120, 240, 360, 480, 600)


def lawful_timetable(
    start: int,
    legs_min: Sequence[int],
    *,
    drivers: int,
    rules: Regulation,
    dwell_min: int = 20,
) -> Schedule:
    """The coach timetable used everywhere: ``drive_schedule``, letting the crew rest up to
    10 h at the last stop before the empty return when that brings the coach home on an
    earlier day (fewest hire days, then earliest return; ties: the shorter rest).

    Stop arrival times do not depend on that rest; only the return does.

    The rules repeat every day, so the timetable of a start shifted by whole days is the same
    timetable shifted: it is computed once per time of day (and remembered).
    """
    base = start - start % DAY
    sch = _lawful_from(start - base, tuple(int(x) for x in legs_min), drivers, rules, dwell_min)
    if base == 0:
        return sch
    return Schedule(
        leave=tuple(t + base for t in sch.leave),
        arrive=tuple(t + base for t in sch.arrive),
        intervals=tuple((s + base, e + base, k) for s, e, k in sch.intervals),
    )


@functools.lru_cache(maxsize=65_536)
def _lawful_from(
    start: int, legs_min: tuple[int, ...], drivers: int, rules: Regulation, dwell_min: int
) -> Schedule:
    """``lawful_timetable`` for a start on the first day (``0 ≤ start < DAY``)."""
    best = drive_schedule(start, legs_min, drivers=drivers, rules=rules, dwell_min=dwell_min)
    if len(legs_min) < 2:
        return best
    floor_day = (start + min_elapsed(sum(legs_min), drivers, rules)) // DAY
    for w in TURNAROUND_WAITS[1:]:
        if best.end // DAY <= floor_day:
            break
        cand = drive_schedule(
            start, legs_min, drivers=drivers, rules=rules, dwell_min=dwell_min, wait_before_last=w
        )
        if cand.end // DAY < best.end // DAY:
            best = cand
    return best


def check_driving(intervals: Sequence[tuple[int, int, int]], rules: Regulation) -> list[str]:
    """Every breach of the drivers' rules in a list of driving spells.

    Parameters
    ----------
    intervals
        ``(start, end, driver)`` minutes since EPOCH.
    rules
        The drivers' rules.

    Returns
    -------
    list of str
        One sentence per breach; empty when lawful.
    """
    out: list[str] = []
    by_driver: dict[int, list[tuple[int, int]]] = {}
    for s, e, k in sorted(intervals):
        by_driver.setdefault(k, []).append((s, e))
        if not rules.night_relay:
            day0 = s - s % DAY
            for base in range(day0 - DAY, e + DAY, DAY):
                hs, he = base + rules.halt_from, base + rules.halt_to
                if s < he and hs < e:
                    out.append(
                        f"driving at {from_min(max(s, hs)):%Y-%m-%d %H:%M} (02:00-05:00 halt)"
                    )
                    break
    for k, spells in by_driver.items():
        # Continuous runs: spells separated by less than a break.
        runs: list[list[tuple[int, int]]] = []
        for s, e in spells:
            if runs and s - runs[-1][-1][1] < rules.break_min:
                runs[-1].append((s, e))
            else:
                runs.append([(s, e)])
        for run in runs:
            total = sum(e - s for s, e in run)
            night = any(
                is_night(m, rules)
                for s, e in run
                for m in (s, e - 1, *range(s - s % 60 + 60, e, 60))
            )
            limit = rules.night_limit_min if night else rules.day_limit_min
            if total > limit:
                out.append(
                    f"driver {k + 1} drives {total} min without a break from "
                    f"{from_min(run[0][0]):%Y-%m-%d %H:%M} (limit {limit})"
                )
        for i, (s, _e) in enumerate(spells):
            window_end = s + rules.window_min
            total = 0
            for s2, e2 in spells[i:]:
                if s2 >= window_end:
                    break
                total += min(e2, window_end) - s2
            if total > rules.daily_limit_min:
                out.append(
                    f"driver {k + 1} drives {total} min in the 24 h from "
                    f"{from_min(s):%Y-%m-%d %H:%M} (limit {rules.daily_limit_min})"
                )
                break
    return out


def min_elapsed(drive_min: int, drivers: int, rules: Regulation) -> int:
    """A lower bound on the minutes any lawful timetable needs to drive ``drive_min`` minutes.

    Every 24 h window holds at most ``daily_limit_min`` of driving per driver, so after the
    first ``k − 1`` full windows (k = ceil(drive / (drivers × daily limit))) the rest still has
    to be driven. Breaks, halts and stops only add time.
    """
    per_window = max(1, drivers) * rules.daily_limit_min
    if drive_min <= 0:
        return 0
    k = -(-drive_min // per_window)
    return rules.window_min * (k - 1) + (drive_min - per_window * (k - 1))


def coach_start(day: dt.date, start_min: int) -> int:
    """Minute (since EPOCH) of ``day`` at ``start_min`` after midnight."""
    return to_min(dt.datetime.combine(day, dt.time())) + start_min


def day_of(m: int) -> dt.date:
    """Calendar day of minute ``m``."""
    return from_min(m).date()


def hire_days(start: int, end: int) -> int:
    """Calendar days a vehicle is out, from the day it leaves to the day it is back (inclusive)."""
    return (day_of(end) - day_of(start)).days + 1


def drive_minutes(km: float, speed_kmh: float) -> int:
    """Whole minutes of pure driving for ``km`` at ``speed_kmh`` (rounded, at least 1 if km>0)."""
    if km <= 0:
        return 0
    return max(1, round(km / speed_kmh * 60))


def coach_timetable(
    start_min: int,
    legs_km: Sequence[float],
    *,
    drivers: int,
    speed_kmh: float,
    rules: Regulation,
    dwell_min: int,
) -> Schedule:
    """Timetable of a coach driving ``legs_km`` (the last leg is the empty return)."""
    return lawful_timetable(
        start_min,
        [drive_minutes(k, speed_kmh) for k in legs_km],
        drivers=drivers,
        rules=rules,
        dwell_min=dwell_min,
    )


def coach_profile(
    legs_km: Sequence[float],
    *,
    loaded_legs: int,
    start_times: Sequence[int],
    speed_kmh: float,
    rules: Regulation,
    dwell_min: int,
    day: dt.date = dt.date(2020, 1, 1),
) -> tuple[int, int, int]:
    """``(arrival day offset, hire days, drivers)`` for the best start time of a route.

    The best start time gives the fewest hire days, then the earliest arrival. The result does
    not depend on the date (the rules repeat every day).
    """
    loaded_km = sum(legs_km[:loaded_legs])
    drivers = drivers_needed(loaded_km, rules)
    best: tuple[int, int, int] | None = None
    for st in start_times:
        start = coach_start(day, st)
        sch = coach_timetable(
            start, legs_km, drivers=drivers, speed_kmh=speed_kmh, rules=rules, dwell_min=dwell_min
        )
        lag = (day_of(sch.arrive[loaded_legs - 1]) - day).days
        cand = (hire_days(start, sch.end), lag, st)
        if best is None or cand < best:
            best = cand
    assert best is not None
    return best[1], best[0], drivers
