"""The README written beside every demo scenario: what is real, what is synthetic, the counts.

The text is rendered from the generated tables, so its figures always match the files.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from planner.demo.generate import home_adcodes
from planner.demo.places import PAIRED_COUNTIES, PROVINCES, SENDING_COUNTIES

if TYPE_CHECKING:
    from planner.demo.generate import DemoTables

_INTRO = """\
# Demo scenario: Shangyu 2020 return-to-work (上虞 2020 复工返岗)

A realistic, deterministic reconstruction of the job-bus programme of Shangyu district (Shaoxing,
Zhejiang) in February–March 2020, when a district task force brought 10,562 workers back from
18 provinces on 274 coaches and special trains. Written by `jobbus demo` (seed {seed},
{n_workers} workers); the same seed and size always give the same bytes. Regenerate the shipped
copy with `jobbus demo data/demo --force`.

## What is real

- **Places.** Sending counties are real county-level divisions with their current 6-digit
  codes, chosen among the counties that send many migrant workers (Bijie, Zunyi and Tongren in
  Guizhou; Liangshan, Nanchong, Dazhou in Sichuan; Zhoukou and Xinyang in Henan; Fuyang in Anhui;
  Zhaotong in Yunnan; the Three Gorges counties of Chongqing; Enshi in Hubei …), plus Shaoxing's
  east-west paired counties Xiaojin 小金 (513227), Jinchuan 金川 (513226), Maerkang 马尔康
  (513201) and Mabian 马边 (511133). Employers sit on Shangyu's real industrial areas
  (杭州湾上虞经济技术开发区, 百官, 崧厦, 道墟, 东关, 小越, 驿亭, 梁湖, 丰惠, 章镇); the
  coordinates of areas and stations are approximate (within ~2 km).
- **Dates and rules.** Plan from 15 Feb to 15 Mar 2020; coaches limited to 50% of their seats
  for every origin until 7 March and for Hubei (origin `42`) to the end of the plan.
- **Policy.** `policy.toml` is the shipped copy of Shangyu's subsidy policy of 22 Feb 2020
  (`data/policies/shangyu-2020.toml`); `policy-ningbo-2020.toml` and
  `policy-longwan-2020.toml` are there for what-if comparisons.
- **Figures.** About 10,500 workers (10,562 in 2020), 18 provinces, ≈ 260 from Xiaojin, coach
  prices from market quotes (1,500–2,200 yuan a day, 6.50–7.00 yuan per km), special trains of
  1,000 seats from provincial hubs to 绍兴北站 (Shaoxing North).

## What is synthetic

- **People.** Names, ID numbers and phones are invented. ID numbers are valid (birthplace = the
  home county under the code in force in the birth year, so older people from re-coded counties
  such as Bijie have IDs starting `5224…` while their `home_adcode` is current; check digit by
  python-stdnum) but belong to nobody. Mobiles use real prefixes with random digits.
- **Mix (estimates).** Province shares and the Zipf-like spread over counties; 60% returning
  employees, 40% new recruits; ~10% poverty-registered (85% of those from the paired counties);
  travel 80% seat / 12% own / 8% either; ~10% give a free-text home address instead of a code;
  availability mostly in the first week; Hubei workers available only from 1 March.
- **Employers.** Names (绍兴上虞…有限公司), USCCs (valid check characters, registered in
  Shangyu `91330604`), sizes and demand are invented; total new-hire demand is 105% of the new
  recruits. Any likeness to a real company is a coincidence.
- **Train prices.** No public price exists: lump sums of 200,000 yuan + 200 yuan per road km for
  1,000 seats (est.). How many vehicles may run at once scales with the number of workers.

## Columns beyond FORMATS.md

`fleet.csv` adds optional columns the fleet reader may use or ignore:
`dest_station`, `dest_lat`, `dest_lon` (where a train unloads: 绍兴北站 30.02 N 120.59 E) and
`driver_cost` (a second driver's pay and lodging, yuan per day).
"""


_SHAPED_INTRO = """\
# Generated scenario: {name}

A synthetic scenario of the job-bus planner's benchmark family, written by `jobbus demo` (seed
{seed}, {n_workers} workers); the same seed and shape always give the same bytes. It reuses the
Shangyu 2020 demo's rules for people, identifiers, employers and prices (see that demo's
README), with this shape:

- **Destination.** {dest} (hub {lat:.2f} N {lon:.2f} E; special trains arrive at {station});
  employers on its real industrial areas, their USCCs registered under `91{registration}`.
- **Dates.** Plan from {plan_from} to {plan_to}; people available over the first
  {release_days} days{late}.
- **Sending mix.** {mix}; Zipf exponent {concentration:g} over each province's counties.
- **Fleet.** {fleet_factor:g} × the 2020 fleet per 10,500 workers
  ({tightness}); employer scatter {employer_spread:g} × the demo's.
- **Policy.** `policy.toml` is Shangyu's 2020 subsidy policy, a stand-in: no other place's
  policy is shipped.

Places are real (coordinates approximate, within ~2 km); people, employers and dates are
synthetic. The shape is in `family.json` beside the member folders.

`fleet.csv` adds the optional columns `dest_station`, `dest_lat`, `dest_lon` and `driver_cost`
(see `docs/FORMATS-EXTENSIONS.md`).
"""


def _tightness(factor: float) -> str:
    return "tight" if factor < 1 else "as in 2020" if factor == 1 else "loose"


def _shaped_intro(tables: DemoTables) -> str:
    from planner.demo.destinations import destination

    shape = tables.shape
    dest = destination(shape.destination)
    names = {code: name for code, name, _ in PROVINCES}
    mix = ", ".join(f"{names[p]} {s:g}%" for p, s in shape.sending_mix)
    late = ""
    if shape.late_provinces:
        late = (f"; {', '.join(names[p] for p in shape.late_provinces)} only from day "
                f"{shape.late_from_day} and capped at 50% to the end")
    return _SHAPED_INTRO.format(
        name=tables.scenario["name"], seed=tables.seed, n_workers=len(tables.workers),
        dest=dest.hub[0], lat=dest.hub[1], lon=dest.hub[2], station=dest.station[0],
        registration=dest.registration, plan_from=shape.plan_from, plan_to=shape.plan_to,
        release_days=shape.release_days, late=late, mix=mix,
        concentration=shape.concentration, fleet_factor=shape.fleet_factor,
        tightness=_tightness(shape.fleet_factor),
        employer_spread=shape.employer_spread,
    )


def _table(header: tuple[str, ...], rows: list[tuple[object, ...]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    out += ["| " + " | ".join(str(v) for v in row) + " |" for row in rows]
    return out


def render_readme(tables: DemoTables) -> str:
    """The README text for ``tables``.

    Parameters
    ----------
    tables : DemoTables
        A generated demo.

    Returns
    -------
    str
        Markdown, ending with a newline.
    """
    workers = tables.workers
    n = len(workers)
    by_code = {c.adcode: c for c in SENDING_COUNTIES}
    homes = home_adcodes(workers)
    per_county = Counter(homes)
    per_province = Counter(h[:2] for h in homes)
    returning = int(workers["employer_uscc"].notna().sum())
    poverty = int(workers["poverty_registered"].sum())
    travel = Counter(workers["travel"])
    employers = tables.employers
    demand = int(employers["new_hires_wanted"].sum())

    reference = tables.shape.is_reference
    intro = _INTRO.format(seed=tables.seed, n_workers=n) if reference else _shaped_intro(tables)
    paired = list(PAIRED_COUNTIES) if reference else []
    lines = [intro, "## Counts in this copy", ""]
    lines += _table(
        ("", "count"),
        [
            ("workers", n),
            ("provinces", len(per_province)),
            ("sending counties", len(per_county)),
            ("returning employees", returning),
            ("new recruits", n - returning),
            ("poverty-registered", poverty),
            ("travel seat / own / either",
             f"{travel['seat']} / {travel['own']} / {travel['either']}"),
            ("home given as address only", int(workers["home_adcode"].isna().sum())),
            ("employers", len(employers)),
            ("new hires wanted (demand)", demand),
        ],
    )
    lines += ["", "### Workers by province", ""]
    lines += _table(
        ("code", "province", "workers"),
        [(code, name, per_province[code]) for code, name, _ in PROVINCES],
    )
    heading = "The 15 largest sending counties" + (" and the paired counties" if paired else "")
    lines += ["", f"### {heading}", ""]
    top = sorted(per_county.items(), key=lambda kv: (-kv[1], kv[0]))[:15]
    shown = [code for code, _ in top] + [c for c in paired if c not in dict(top)]
    lines += _table(
        ("adcode", "county", "workers"),
        [
            (code, by_code[code].province + by_code[code].prefecture + by_code[code].name,
             per_county[code])
            for code in shown
        ],
    )
    lines += ["", "### Fleet", ""]
    fleet = tables.fleet
    lines += _table(
        ("kind", "name", "seats", "available", "cost_per_km", "fixed_cost"),
        [
            (
                kind, name, seats, available,
                "" if per_km is None else f"{float(per_km):.2f}",
                f"{float(fixed):,.2f}",
            )
            for kind, name, seats, available, per_km, fixed in zip(
                fleet["kind"], fleet["name"], fleet["seats"], fleet["available"],
                fleet["cost_per_km"], fleet["fixed_cost"], strict=True,
            )
        ],
    )
    return "\n".join(lines) + "\n"
