"""The drivers' rules in the coach timetable and the independent checker."""

from __future__ import annotations

import datetime as dt

from planner.rules.params import Regulation
from planner.rules.timetable import (
    check_driving,
    coach_start,
    drive_schedule,
    min_elapsed,
)

DAY = dt.date(2020, 2, 20)
R = Regulation()


def test_long_drive_halts_from_two_to_five() -> None:
    """A 20-hour drive with two drivers stops driving between 02:00 and 05:00."""
    sch = drive_schedule(coach_start(DAY, 18 * 60), [1200], drivers=2, rules=R)
    assert all(not (120 <= (s % 1440) < 300) for s, _e, _k in sch.intervals)
    assert check_driving(sch.intervals, R) == []


def test_night_relay_drives_through_the_night() -> None:
    """With night relay the coach may drive at 03:00."""
    rules = Regulation(night_relay=True)
    sch = drive_schedule(coach_start(DAY, 22 * 60), [600], drivers=2, rules=rules)
    assert any(
        s % 1440 <= 180 < e % 1440 or (s % 1440) in range(120, 300) for s, e, _ in sch.intervals
    )
    assert check_driving(sch.intervals, rules) == []


def test_continuous_and_daily_limits() -> None:
    """One driver: no run above 4 h by day, no more than 8 h in any 24 h."""
    sch = drive_schedule(coach_start(DAY, 6 * 60), [900], drivers=1, rules=R)
    assert check_driving(sch.intervals, R) == []
    assert (sch.end - coach_start(DAY, 6 * 60)) >= 1440  # 15 h of driving needs a second day


def test_checker_flags_breaches() -> None:
    """The checker reports driving in the halt, 5 h without a break and 9 h in a day."""
    base = coach_start(DAY, 0)
    assert check_driving([(base + 150, base + 170, 0)], R)
    assert check_driving([(base + 360, base + 360 + 300, 0)], R)
    nine = [(base + 360, base + 600, 0), (base + 630, base + 870, 0), (base + 900, base + 960, 0)]
    assert any("24 h" in m for m in check_driving(nine, R))


def test_min_elapsed_is_below_any_timetable() -> None:
    """The bound on elapsed time never exceeds what the timetable needs."""
    for minutes in (100, 500, 1000, 2000, 3000):
        for drivers in (1, 2):
            sch = drive_schedule(coach_start(DAY, 6 * 60), [minutes], drivers=drivers, rules=R)
            assert min_elapsed(minutes, drivers, R) <= sch.end - coach_start(DAY, 6 * 60)


def test_guizhou_to_shaoxing_is_about_a_day() -> None:
    """DOMAIN.md: at ~70 km/h with breaks, Guizhou → Shaoxing (~1,600 km) is about a day with
    two drivers: leaving at 05:00 it arrives the next day, the 02:00–05:00 halt included."""
    from planner.rules.timetable import coach_timetable, day_of

    start = coach_start(DAY, 5 * 60)
    sch = coach_timetable(start, [1600.0], drivers=2, speed_kmh=70.0, rules=R, dwell_min=10)
    hours = (sch.arrive[0] - start) / 60
    assert 1600 / 70 + 3 <= hours <= 36
    assert (day_of(sch.arrive[0]) - DAY).days == 1


def test_daily_allowance_is_the_most_a_driver_may_still_drive_in_any_24_h() -> None:
    """The sweep over past spells gives the largest x with driven-in-window + x ≤ 8 h, as the
    rule's definition checked minute by minute does, on random driving histories."""
    import random

    from planner.rules import timetable as tt

    def by_definition(d: tt._Driver, t: int) -> int:
        ok = [
            x
            for x in range(R.daily_limit_min + 1)
            if d.driven_since(t + x - R.window_min) + x <= R.daily_limit_min
        ]
        return max(ok) if ok and ok[0] == 0 else 0

    rng = random.Random(7)
    for _ in range(400):
        d = tt._Driver()
        t = 0
        for _spell in range(rng.randint(0, 6)):
            t += rng.randint(0, 400)
            length = rng.randint(1, 300)
            d.history.append((t, t + length))
            t += length
        t += rng.choice([0, rng.randint(0, 1500)])
        assert tt._daily_allowance(d, t, R) == by_definition(d, t)


def test_a_timetable_shifted_by_whole_days_is_the_same_timetable_shifted() -> None:
    """The remembered timetable of one time of day serves every day: starting a day later
    moves every stop and spell by 1,440 minutes."""
    from planner.rules.timetable import lawful_timetable

    a = lawful_timetable(coach_start(DAY, 300), [700, 30, 650], drivers=2, rules=R)
    b = lawful_timetable(coach_start(DAY, 300) + 1440, [700, 30, 650], drivers=2, rules=R)
    assert b.arrive == tuple(x + 1440 for x in a.arrive)
    assert b.intervals == tuple((s + 1440, e + 1440, k) for s, e, k in a.intervals)


def test_drive_schedule_shifted_by_whole_days_is_shifted_on_random_legs() -> None:
    """The rules repeat daily: for random legs, crews and starts (the halt applying or relayed),
    leaving k days later gives the same timetable k days later, spell for spell."""
    import random

    rng = random.Random(13)
    for _ in range(300):
        legs = [rng.randint(1, rng.choice([90, 400, 1200])) for _ in range(rng.randint(1, 10))]
        rules = rng.choice([R, Regulation(night_relay=True)])
        kw = {
            "drivers": rng.choice([1, 2]),
            "rules": rules,
            "dwell_min": rng.choice([0, 20]),
            "wait_before_last": rng.choice([0, 240]),
        }
        start = coach_start(DAY, rng.randint(0, 1439))
        k = rng.randint(1, 40)
        a = drive_schedule(start, legs, **kw)
        b = drive_schedule(start + k * 1440, legs, **kw)
        shift = k * 1440
        assert b.leave == tuple(x + shift for x in a.leave)
        assert b.arrive == tuple(x + shift for x in a.arrive)
        assert b.intervals == tuple((s + shift, e + shift, d) for s, e, d in a.intervals)
        assert check_driving(b.intervals, rules) == []
