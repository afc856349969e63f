"""Reports on the ledger as DataFrames: returns against demand, retention, east–west
cooperation, money by rule.

Rules implemented here:

- a person is *brought back* when an arrival is recorded; the mode is the kind of the
  government trip they arrived on (``coach`` or ``train``), ``charter`` for an employer's
  charter, ``own`` when they came on their own;
- demand: by origin, the people registered from there; by employer, its registered returning
  employees plus the new hires it wanted; by day, everyone registered (arrivals are also given
  cumulatively);
- retained at k months: insured (anywhere in the district) in the k-th month after the arrival
  month; a rate is retained / arrived, blank when nobody arrived;
- east–west figures: registered-poor people, arrived (placed) and still employed at 6 months,
  overall and for the paired counties 小金 513227, 金川 513226, 马尔康 513201, 马边 511133;
- money: owed is every claim not rejected; approved counts approved, in notice, notice done and
  paid; paid counts paid; amounts in yuan.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from typing import Any

import pandas as pd
from sqlalchemy import select

from planner.ledger import models as m
from planner.ledger.repository import LedgerRepository

PAIRED_COUNTIES: dict[str, str] = {
    "513227": "小金县",
    "513226": "金川县",
    "513201": "马尔康市",
    "511133": "马边彝族自治县",
}

RULE_ZH: dict[str, str] = {
    "charter": "包车补贴",
    "self_return": "自行返岗补贴",
    "recruitment": "招工奖励",
    "agency": "中介介绍奖励",
    "retention": "稳岗奖励",
    "sending_area": "输出地奖励",
}

APPROVED_STATES = ("approved", "in_notice", "notice_done", "paid")


def _add_months(month: str, n: int) -> str:
    year, mon = int(month[:4]), int(month[5:7])
    index = year * 12 + mon - 1 + n
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _names() -> tuple[Any, bool]:
    try:
        from planner.geo import load_gazetteer

        return load_gazetteer(), True
    except Exception:  # the gazetteer is optional for reports
        return None, False


class _Arrivals:
    """Arrivals joined with people, employers and trips (one row per arrival); people and
    employers are read as rows of the columns the reports use, the insured months only when
    retention asks for them."""

    def __init__(self, repo: LedgerRepository) -> None:
        self._session = repo.session
        read = repo.session.connection().execute  # plain rows: no ORM loading
        self.people = {p.id: p for p in read(select(
            m.Person.id, m.Person.id_number, m.Person.home_adcode, m.Person.employer_uscc,
            m.Person.poverty_registered))}
        self.employers = {e.id: e for e in read(select(
            m.Employer.id, m.Employer.uscc, m.Employer.name, m.Employer.new_hires_wanted))}
        self.trip_kind = {pk: kind for pk, kind in read(select(m.Trip.id, m.Trip.kind))}
        self.charters = set(read(select(m.Charter.contract_no)).scalars())
        self.rows: list[dict[str, Any]] = [self._row(*e) for e in read(
            select(m.Event.person_id, m.Event.employer_id, m.Event.trip_pk, m.Event.ref,
                   m.Event.on_date).where(m.Event.kind == "arrived", m.standing())
            .order_by(m.Event.id))]

    def _row(self, person_id: int, employer_id: int | None, trip_pk: int | None,
             ref: str | None, on_date: dt.date | None) -> dict[str, Any]:
        _, id_number, home_adcode, _, poverty_registered = self.people[person_id]
        emp = self.employers.get(employer_id or -1)
        if trip_pk is not None:
            mode = self.trip_kind.get(trip_pk, "coach")
        elif ref and ref in self.charters:
            mode = "charter"
        else:
            mode = "own"
        return {
            "person_id": person_id, "id_number": id_number, "home_adcode": home_adcode,
            "province": home_adcode[:2], "employer_uscc": emp[1] if emp else "",
            "employer_name": emp[2] if emp else "", "day": on_date, "mode": mode,
            "poverty_registered": poverty_registered,
            "month": on_date.isoformat()[:7] if on_date else None,
        }

    @functools.cached_property
    def insured(self) -> dict[int, set[str]]:
        """Per person, the months they were insured."""
        insured: dict[int, set[str]] = defaultdict(set)
        for person_id, month in self._session.connection().execute(
                select(m.Event.person_id, m.Event.month).where(m.Event.kind == "insured",
                                                                m.standing())):
            if month:
                insured[person_id].add(month)
        return insured

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=[
            "person_id", "id_number", "home_adcode", "province", "employer_uscc",
            "employer_name", "day", "mode", "poverty_registered", "month"])

    def retained(self, row: dict[str, Any], months: int) -> bool:
        if not row["month"]:
            return False
        return _add_months(row["month"], months) in self.insured.get(row["person_id"], set())


def returns_report(repo: LedgerRepository, as_of: dt.date | None = None
                   ) -> dict[str, pd.DataFrame]:
    """People brought back against demand, by province, county, employer, day and mode;
    with ``as_of``, only arrivals on or before that day count.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``province`` (province, province_name, registered, arrived, share), ``county``
        (home_adcode, county_name, registered, arrived, share), ``employer`` (employer_uscc,
        employer_name, demand, arrived, share), ``day`` (day, arrived, cumulative, registered)
        and ``mode`` (mode, arrived, share of arrivals).
    """
    data = _Arrivals(repo)
    arrivals = data.frame()
    if as_of is not None:
        due = arrivals["day"].map(lambda d: d is not None and d <= as_of).astype(bool)
        arrivals = arrivals.loc[due]
    gaz, _ = _names()
    people = pd.DataFrame(
        [{"home_adcode": p.home_adcode, "province": p.home_adcode[:2],
          "employer_uscc": p.employer_uscc} for p in data.people.values()],
        columns=["home_adcode", "province", "employer_uscc"],
    )
    out: dict[str, pd.DataFrame] = {}

    def versus(key: str, name_of: Any, name_col: str) -> pd.DataFrame:
        reg = people.groupby(key).size().rename("registered")
        arr = arrivals.groupby(key).size().rename("arrived")
        df = pd.concat([reg, arr], axis=1).fillna(0).astype(int).reset_index()
        df.insert(1, name_col, [name_of(k) for k in df[key]])
        df["share"] = (df["arrived"] / df["registered"].where(df["registered"] > 0)).round(3)
        return df.sort_values(["arrived", key], ascending=[False, True], ignore_index=True)

    def province_name(code: str) -> str:
        return (gaz.province_name(code) if gaz else None) or code

    def county_name(code: str) -> str:
        d = gaz.get(code) if gaz else None
        return d.full_name if d else code

    out["province"] = versus("province", province_name, "province_name")
    out["county"] = versus("home_adcode", county_name, "county_name")

    returning = people.dropna(subset=["employer_uscc"]).groupby("employer_uscc").size()
    rows = []
    arrived_at = arrivals.groupby("employer_uscc").size()
    for e in sorted(data.employers.values(), key=lambda e: e.uscc):
        demand = int(returning.get(e.uscc, 0)) + int(e.new_hires_wanted or 0)
        got = int(arrived_at.get(e.uscc, 0))
        rows.append({"employer_uscc": e.uscc, "employer_name": e.name, "demand": demand,
                     "arrived": got, "share": round(got / demand, 3) if demand else None})
    out["employer"] = pd.DataFrame(rows, columns=["employer_uscc", "employer_name", "demand",
                                                  "arrived", "share"])
    day = arrivals.groupby("day").size().rename("arrived").reset_index()
    day["cumulative"] = day["arrived"].cumsum()
    day["registered"] = len(people)
    out["day"] = day
    mode = arrivals.groupby("mode").size().rename("arrived").reset_index()
    mode["share"] = (mode["arrived"] / max(len(arrivals), 1)).round(3)
    out["mode"] = mode
    return out


def retention_report(repo: LedgerRepository, months: tuple[int, ...] = (3, 6)
                     ) -> dict[str, pd.DataFrame]:
    """Retention at 3 and 6 months, by origin province and by employer.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``province`` and ``employer``: the group, arrived, and for each k in ``months``
        ``retained_{k}m`` and ``rate_{k}m``.
    """
    data = _Arrivals(repo)
    gaz, _ = _names()
    out = {}
    for group, label in (("province", "province_name"), ("employer_uscc", "employer_name")):
        acc: dict[str, dict[str, Any]] = {}
        for row in data.rows:
            key = row[group]
            entry = acc.setdefault(key, {group: key, "arrived": 0,
                                         **{f"retained_{k}m": 0 for k in months}})
            if group == "province":
                entry[label] = (gaz.province_name(key) if gaz else None) or key
            else:
                entry[label] = row["employer_name"]
            entry["arrived"] += 1
            for k in months:
                entry[f"retained_{k}m"] += data.retained(row, k)
        cols = [group, label, "arrived"]
        for k in months:
            cols += [f"retained_{k}m", f"rate_{k}m"]
        df = pd.DataFrame(list(acc.values()))
        if df.empty:
            out[group.removesuffix("_uscc")] = pd.DataFrame(columns=cols)
            continue
        for k in months:
            df[f"rate_{k}m"] = (df[f"retained_{k}m"] / df["arrived"]).round(3)
        out[group.removesuffix("_uscc")] = df[cols].sort_values(
            ["arrived", group], ascending=[False, True], ignore_index=True)
    return out


def east_west_report(repo: LedgerRepository, stable_after_months: int = 6) -> pd.DataFrame:
    """East–west cooperation: registered-poor people registered, placed and still employed.

    Returns
    -------
    pandas.DataFrame
        One row per paired county and a total row for all registered-poor people: area,
        adcode, registered_poor, placed, still_employed, retention_rate.
    """
    data = _Arrivals(repo)
    registered: dict[str, int] = defaultdict(int)
    for p in data.people.values():
        if p.poverty_registered:
            registered[p.home_adcode] += 1
    placed: dict[str, set[int]] = defaultdict(set)
    stable: dict[str, set[int]] = defaultdict(set)
    for row in data.rows:
        if not row["poverty_registered"]:
            continue
        placed[row["home_adcode"]].add(row["person_id"])
        if data.retained(row, stable_after_months):
            stable[row["home_adcode"]].add(row["person_id"])

    def line(area: str, codes: list[str], adcode: str) -> dict[str, Any]:
        reg = sum(registered.get(c, 0) for c in codes)
        got = sum(len(placed.get(c, ())) for c in codes)
        still = sum(len(stable.get(c, ())) for c in codes)
        return {"area": area, "adcode": adcode, "registered_poor": reg, "placed": got,
                "still_employed": still,
                "retention_rate": round(still / got, 3) if got else None}

    rows = [line(name, [code], code) for code, name in PAIRED_COUNTIES.items()]
    rows.append(line("结对四县合计", list(PAIRED_COUNTIES), ""))
    everywhere = sorted(set(registered) | set(placed))
    rows.append(line("全部建档立卡", everywhere, ""))
    return pd.DataFrame(rows, columns=["area", "adcode", "registered_poor", "placed",
                                       "still_employed", "retention_rate"])


def money_report(repo: LedgerRepository) -> pd.DataFrame:
    """Money owed, approved and paid by rule, in yuan, with a total row.

    Returns
    -------
    pandas.DataFrame
        rule, rule_zh, claims, owed_yuan, approved_yuan, paid_yuan, rejected_claims.
    """
    acc: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for rule, state, amount_fen in repo.session.connection().execute(
            select(m.Claim.rule, m.Claim.state, m.Claim.amount_fen)):  # not the JSON columns
        a = acc[rule]
        if state == "rejected":
            a["rejected"] += 1
            continue
        if state == "void":  # entitlement became zero: owes nothing
            continue
        a["claims"] += 1
        a["owed"] += amount_fen
        if state in APPROVED_STATES:
            a["approved"] += amount_fen
        if state == "paid":
            a["paid"] += amount_fen
    rows = []
    order = list(RULE_ZH)
    for rule in sorted(acc, key=lambda r: (order.index(r) if r in order else 99, r)):
        a = acc[rule]
        rows.append({"rule": rule, "rule_zh": RULE_ZH.get(rule, rule), "claims": a["claims"],
                     "owed_yuan": a["owed"] / 100, "approved_yuan": a["approved"] / 100,
                     "paid_yuan": a["paid"] / 100, "rejected_claims": a["rejected"]})
    total = {"rule": "total", "rule_zh": "合计",
             "claims": sum(acc[r]["claims"] for r in acc),
             "owed_yuan": sum(acc[r]["owed"] for r in acc) / 100,
             "approved_yuan": sum(acc[r]["approved"] for r in acc) / 100,
             "paid_yuan": sum(acc[r]["paid"] for r in acc) / 100,
             "rejected_claims": sum(acc[r]["rejected"] for r in acc)}
    rows.append(total)
    return pd.DataFrame(rows, columns=["rule", "rule_zh", "claims", "owed_yuan",
                                       "approved_yuan", "paid_yuan", "rejected_claims"])
