"""A family of generated scenarios to measure the planner on (issue #15): never tune on one demo.

Rules implemented here:

- ``family(seed, count)`` is deterministic: the same seed and count give the same members, each
  a name (``member-01`` …), its own seed and a ``DemoShape``. Nothing depends on the clock.
- Sizes span ``sizes`` (default 2,000–30,000 people) on a geometric grid, shuffled over the
  members (rounded to 100 above 1,000 people).
- Destinations take turns in a shuffled order, so any 5 consecutive members cover all five.
- Fleets alternate tight (0.4–0.7 × the 2020 fleet per person) and loose (1.3–2.0 ×), shuffled.
- Sending mix: a plausible base mix per destination (who goes where, est.), each share
  multiplied by a log-normal factor (σ 0.35); shares under 1% dropped (at least 3 provinces
  kept), the rest renormalised to 100. Zipf exponent 0.6–1.6 over each province's counties.
- Employers: 15–45 per 1,000 workers, scatter 0.6–2.0 × the demo's.
- Dates: a plan starting on one of six post-Spring-Festival dates (2020–2025), 21–35 days
  long; release over 10–25 days (decay scale 2.5–8 days); in 4 members of 10 one sending
  province is released late and capped to the end; a general 50% cap of 0, 7, 14 or 21 days.
- ``write_family`` writes each member with ``write_demo`` into ``DIR/member-NN`` and describes
  them all in ``DIR/family.json`` (the shapes, enough to regenerate) and ``DIR/family.md``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from planner.demo.destinations import DESTINATION_KEYS
from planner.demo.generate import DemoTables
from planner.demo.places import PROVINCES
from planner.demo.shape import REFERENCE_MIX, DemoShape

FAMILY_SIZES = (2_000, 30_000)
FAMILY_STREAM = 15  # tags the family's random stream (issue #15) apart from a demo's own seed

BASE_MIXES: dict[str, tuple[tuple[str, float], ...]] = {
    "shangyu": REFERENCE_MIX,
    "kunshan": (
        ("34", 24), ("41", 20), ("51", 12), ("52", 10), ("32", 8), ("37", 6), ("36", 6),
        ("42", 5), ("43", 4), ("53", 3), ("62", 2),
    ),
    "baoan": (
        ("45", 20), ("43", 20), ("51", 12), ("36", 12), ("52", 10), ("41", 8), ("42", 8),
        ("50", 5), ("53", 5),
    ),
    "jinjiang": (
        ("51", 20), ("52", 18), ("36", 14), ("50", 10), ("53", 10), ("43", 8), ("34", 6),
        ("41", 6), ("35", 5), ("45", 3),
    ),
    "yiwu": (
        ("36", 18), ("52", 16), ("34", 14), ("41", 12), ("51", 10), ("43", 8), ("53", 6),
        ("33", 6), ("42", 5), ("50", 5),
    ),
}
PLAN_STARTS = (
    dt.date(2020, 2, 15), dt.date(2021, 2, 20), dt.date(2022, 2, 10),
    dt.date(2023, 1, 30), dt.date(2024, 2, 17), dt.date(2025, 2, 7),
)


@dataclass(frozen=True)
class FamilyMember:
    """One scenario of the family: its folder name, seed and shape."""

    name: str
    seed: int
    shape: DemoShape

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"name": self.name, "seed": self.seed, "shape": self.shape.to_dict()}


def _sizes(rng: np.random.Generator, count: int, lo: int, hi: int) -> list[int]:
    grid = [lo * (hi / lo) ** (i / max(1, count - 1)) for i in range(count)]
    rounded = [int(round(x, -2)) if x >= 1000 else max(1, round(x)) for x in grid]
    return [rounded[int(i)] for i in rng.permutation(count)]


def _mix(rng: np.random.Generator, key: str) -> tuple[tuple[str, float], ...]:
    base = BASE_MIXES[key]
    shares = np.array([s for _, s in base], dtype=float) * rng.lognormal(0.0, 0.35, len(base))
    shares = shares / shares.sum() * 100
    keep = shares >= 1.0
    if keep.sum() < 3:
        keep[np.argsort(-shares)[:3]] = True
    kept = shares[keep] / shares[keep].sum() * 100
    codes = [p for (p, _), k in zip(base, keep, strict=True) if k]
    return tuple((p, round(float(s), 1)) for p, s in zip(codes, kept, strict=True))


def _dates(rng: np.random.Generator, mix: tuple[tuple[str, float], ...]) -> dict[str, Any]:
    plan_days = int(rng.integers(21, 36))
    release_days = int(rng.integers(10, min(plan_days - 4, 25) + 1))
    late: tuple[str, ...] = ()
    late_from = 0
    if rng.random() < 0.4 and len(mix) > 1:
        late = (mix[1 + int(rng.integers(len(mix) - 1))][0],)  # never the biggest sender
        late_from = int(rng.integers(release_days // 2, release_days))
    return {
        "plan_from": PLAN_STARTS[int(rng.integers(len(PLAN_STARTS)))],
        "plan_days": plan_days,
        "release_days": release_days,
        "release_decay_days": round(float(rng.uniform(2.5, 8.0)), 1),
        "late_provinces": late,
        "late_from_day": late_from,
        "general_cap_days": min(plan_days, (0, 7, 14, 21)[int(rng.integers(4))]),
    }


def family(
    seed: int, count: int, *, sizes: tuple[int, int] = FAMILY_SIZES
) -> list[FamilyMember]:
    """``count`` scenario shapes spanning sizes, destinations, mixes, dates and fleets.

    Parameters
    ----------
    seed : int
        Seed of the family; the same seed and count give the same members.
    count : int
        Number of members (at least 1).
    sizes : (int, int)
        Smallest and largest number of workers (tests shrink it to stay fast).

    Returns
    -------
    list of FamilyMember
        Named ``member-01`` … in order.
    """
    if count < 1:
        raise ValueError("count must be at least 1")
    lo, hi = sizes
    if not 1 <= lo <= hi:
        raise ValueError("sizes must be (smallest, largest) with 1 <= smallest <= largest")
    rng = np.random.default_rng([seed, FAMILY_STREAM])
    n_workers = _sizes(rng, count, lo, hi)
    turns = rng.permutation(len(DESTINATION_KEYS))
    tight = rng.permutation([i % 2 == 0 for i in range(count)])
    members = []
    for i in range(count):
        key = DESTINATION_KEYS[int(turns[i % len(turns)])]
        mix = _mix(rng, key)
        factor = rng.uniform(0.4, 0.7) if tight[i] else rng.uniform(1.3, 2.0)
        n = n_workers[i]
        shape = DemoShape(
            n_workers=n,
            n_employers=max(3, round(n * float(rng.uniform(15, 45)) / 1000)),
            employer_spread=round(float(rng.uniform(0.6, 2.0)), 2),
            destination=key,
            sending_mix=mix,
            concentration=round(float(rng.uniform(0.6, 1.6)), 2),
            fleet_factor=round(float(factor), 2),
            **_dates(rng, mix),
        )
        members.append(FamilyMember(f"member-{i + 1:02d}", int(rng.integers(0, 2**31)), shape))
    return members


def describe(member: FamilyMember, tables: DemoTables) -> dict[str, Any]:
    """What ``family.json`` says of one written member: its shape and the counts."""
    fleet = tables.fleet
    coaches = fleet[fleet["kind"] == "coach"]
    return {
        **member.to_dict(),
        "workers": len(tables.workers),
        "employers": len(tables.employers),
        "coaches_available": int(coaches["available"].sum()),
        "train_kinds": int((fleet["kind"] == "train").sum()),
        "plan_to": member.shape.plan_to.isoformat(),
    }


def family_markdown(seed: int, rows: list[dict[str, Any]]) -> str:
    """The ``family.md`` table for the described members."""
    names = {code: name for code, name, _ in PROVINCES}
    lines = [
        f"# Scenario family (seed {seed}, {len(rows)} members)",
        "",
        "Written by `jobbus demo DIR --family K --seed S`; each shape is in `family.json`.",
        "",
        "| member | destination | workers | employers | fleet | coaches | trains | plan | "
        "top senders | Zipf | late |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        s = r["shape"]
        top = sorted(s["sending_mix"], key=lambda ps: -ps[1])[:3]
        senders = ", ".join(f"{names[p]} {share:g}%" for p, share in top)
        fleet = f"{'tight' if s['fleet_factor'] < 1 else 'loose'} ×{s['fleet_factor']:g}"
        late = ", ".join(names[p] for p in s["late_provinces"]) or "—"
        lines.append(
            f"| {r['name']} | {s['destination']} | {r['workers']} | {r['employers']} | {fleet} "
            f"| {r['coaches_available']} | {r['train_kinds']} | {s['plan_from']} – "
            f"{r['plan_to']} | {senders} | {s['concentration']:g} | {late} |"
        )
    return "\n".join(lines) + "\n"


def write_family(
    folder: str | os.PathLike[str],
    seed: int,
    count: int,
    *,
    sizes: tuple[int, int] = FAMILY_SIZES,
    fmt: str = "csv",
    force: bool = False,
) -> list[dict[str, Any]]:
    """Write ``count`` members into ``folder/member-NN`` plus ``family.json`` and ``family.md``.

    Returns
    -------
    list of dict
        What ``family.json`` holds for each member.
    """
    from planner.demo.write import write_demo

    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    rows = []
    for member in family(seed, count, sizes=sizes):
        tables = write_demo(target / member.name, member.seed, fmt=fmt, force=force,
                            shape=member.shape)
        rows.append(describe(member, tables))
    doc = {"seed": seed, "count": count, "sizes": list(sizes), "members": rows}
    (target / "family.json").write_text(
        json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    (target / "family.md").write_text(family_markdown(seed, rows), encoding="utf-8")
    return rows
