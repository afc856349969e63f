"""Charts people would rather look at than read (Altair, rendered by Streamlit, no internet).

Rules implemented:

- every axis title and legend is translated; numbers on axes use thousands separators;
- modes have fixed colours everywhere (coach blue, train red, feeder green, on their own
  orange), the same as on the map;
- the charts take plain DataFrames with the columns named in each docstring.
"""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

from ui.i18n import t

MODE_COLOURS = {
    "coach": "#1f77b4",
    "train": "#d62728",
    "feeder": "#2ca02c",
    "own": "#ff7f0e",
    "charter": "#9467bd",
    "unknown": "#7f7f7f",
}


def _mode_scale(modes: list[str] | None = None) -> alt.Scale:
    """Fixed colours per mode; ``modes`` limits the legend to those present."""
    shown = [m for m in MODE_COLOURS if modes is None or m in modes]
    return alt.Scale(domain=[t(f"modes.{m}") for m in shown],
                     range=[MODE_COLOURS[m] for m in shown])


def province_chart(frame: pd.DataFrame) -> alt.Chart:
    """People brought back against demand by province.

    ``frame`` columns: ``province`` (name), ``arrived``, ``expected`` (registered or demand).
    """
    long = frame.melt(id_vars="province", value_vars=["expected", "arrived"],
                      var_name="what", value_name="people")
    long["what"] = [t(f"overview.{w}") for w in long["what"]]
    order = list(frame.sort_values("expected", ascending=False)["province"])
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            y=alt.Y("province:N", sort=order, title=None),
            x=alt.X("people:Q", title=t("overview.people"), axis=alt.Axis(format=",d")),
            yOffset=alt.YOffset("what:N", sort=[t("overview.expected"), t("overview.arrived")]),
            color=alt.Color("what:N", title=None,
                            scale=alt.Scale(domain=[t("overview.expected"),
                                                    t("overview.arrived")],
                                            range=["#c7c7c7", MODE_COLOURS["coach"]]),
                            legend=alt.Legend(orient="top")),
            tooltip=[alt.Tooltip("province:N", title=t("overview.province")),
                     alt.Tooltip("what:N", title=" "),
                     alt.Tooltip("people:Q", title=t("overview.people"), format=",d")],
        )
        .properties(height=max(220, 34 * len(order)))
    )


def daily_chart(frame: pd.DataFrame) -> alt.LayerChart:
    """Arrivals per day (bars) and the running total against the people registered (lines).

    ``frame`` columns: ``day`` (date), ``arrived``, ``cumulative``, ``registered``.
    """
    data = frame.assign(day=pd.to_datetime(frame["day"]))
    x = alt.X("yearmonthdate(day):T", title=t("overview.day"),
              axis=alt.Axis(format="%m-%d", labelAngle=0))
    tip = [alt.Tooltip("yearmonthdate(day):T", title=t("overview.day"), format="%Y-%m-%d"),
           alt.Tooltip("arrived:Q", title=t("overview.per_day"), format=",d"),
           alt.Tooltip("cumulative:Q", title=t("overview.cumulative"), format=",d")]
    bars = alt.Chart(data).mark_bar(color=MODE_COLOURS["coach"], opacity=0.8).encode(
        x=x, y=alt.Y("arrived:Q", title=t("overview.per_day"), axis=alt.Axis(format=",d")),
        tooltip=tip,
    )
    line = alt.Chart(data).mark_line(color=MODE_COLOURS["own"], strokeWidth=3).encode(
        x=x, y=alt.Y("cumulative:Q", title=t("overview.cumulative"),
                     axis=alt.Axis(format=",d", titleColor=MODE_COLOURS["own"])),
        tooltip=tip,
    )
    goal = alt.Chart(data).mark_line(color="#999999", strokeDash=[6, 4]).encode(
        x=x, y=alt.Y("registered:Q"),
    )
    return alt.layer(bars, line + goal).resolve_scale(y="independent").properties(height=280)


def mode_chart(frame: pd.DataFrame) -> alt.Chart:
    """People by mode as a doughnut. ``frame`` columns: ``mode``, ``people``."""
    data = frame.assign(mode=[t(f"modes.{m}") for m in frame["mode"]])
    return (
        alt.Chart(data)
        .mark_arc(innerRadius=55)
        .encode(
            theta=alt.Theta("people:Q"),
            color=alt.Color("mode:N", title=t("overview.mode"),
                            scale=_mode_scale(list(frame["mode"])),
                            legend=alt.Legend(orient="right")),
            tooltip=[alt.Tooltip("mode:N", title=t("overview.mode")),
                     alt.Tooltip("people:Q", title=t("overview.people"), format=",d")],
        )
        .properties(height=260)
    )


def money_chart(frame: pd.DataFrame) -> alt.Chart:
    """Subsidies owed, approved and paid by rule. ``frame`` columns: ``rule``, ``stage``
    (owed/approved/paid), ``yuan``."""
    data = frame.assign(rule=[t(f"rules.{r}") for r in frame["rule"]],
                        stage=[t(f"overview.stage_{s}") for s in frame["stage"]])
    stages = [t(f"overview.stage_{s}") for s in ("owed", "approved", "paid")]
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("rule:N", title=None),
            x=alt.X("yuan:Q", title=t("overview.yuan"), axis=alt.Axis(format=",.0f")),
            yOffset=alt.YOffset("stage:N", sort=stages),
            color=alt.Color("stage:N", title=None, sort=stages,
                            scale=alt.Scale(domain=stages,
                                            range=["#c7c7c7", "#9ecae1", "#2ca02c"]),
                            legend=alt.Legend(orient="top")),
            tooltip=[alt.Tooltip("rule:N", title=t("claims.rule")),
                     alt.Tooltip("stage:N", title=" "),
                     alt.Tooltip("yuan:Q", title=t("overview.yuan"), format=",.2f")],
        )
        .properties(height=260)
    )


def compare_chart(rows: list[dict[str, Any]]) -> alt.Chart:
    """Plans side by side: each plan's total cost (yuan) as one bar, its vehicles and its
    self-return subsidies stacked (the subsidies are part of the total, never beside it)."""
    parts = ("vehicle_fen", "subsidy_fen")
    data = pd.DataFrame(
        [{"plan": r["name"], "what": t(f"compare.{m}"), "part": i, "yuan": r[m] / 100}
         for r in rows for i, m in enumerate(parts)]
    )
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            # the plans in the table's order, their names whole
            x=alt.X("plan:N", title=None, sort=[r["name"] for r in rows],
                    axis=alt.Axis(labelAngle=0, labelLimit=0)),
            y=alt.Y("yuan:Q", title=t("compare.cost_fen"), axis=alt.Axis(format=",.0f"),
                    stack="zero"),
            order=alt.Order("part:Q"),
            color=alt.Color("what:N", title=None, legend=alt.Legend(orient="top")),
            tooltip=[alt.Tooltip("plan:N", title=t("planning.name")),
                     alt.Tooltip("what:N", title=" "),
                     alt.Tooltip("yuan:Q", title=t("overview.yuan"), format=",.2f")],
        )
        .properties(height=260)
    )


def timeline_chart(frame: pd.DataFrame, as_of: Any) -> alt.LayerChart:
    """Trips as bars from departure to arrival day, coloured by mode, with a rule on ``as_of``;
    a cancelled trip is a faded bar, a delayed one has a dark outline, and the tooltip says its
    status.

    ``frame`` columns: ``trip_id``, ``kind`` (coach/train/feeder), ``depart_date``,
    ``arrive_date``, ``load`` and, when known, ``status`` (``tracking.trips``).
    """
    status = frame["status"] if "status" in frame else pd.Series("planned", index=frame.index)
    data = pd.DataFrame({
        "trip_id": frame["trip_id"].astype(str),
        "mode": [t(f"modes.{k}") for k in frame["kind"]],
        "start": pd.to_datetime(frame["depart_date"]),
        "end": pd.to_datetime(frame["arrive_date"]) + pd.Timedelta(hours=23),
        "depart": [str(d) for d in frame["depart_date"]],
        "arrive": [str(d) for d in frame["arrive_date"]],
        "load": frame["load"].astype(int),
        "fade": [0.25 if s == "cancelled" else 1.0 for s in status],  # numbers: no text
        "outline": [2.0 if s == "delayed" else 0.0 for s in status],
        "status": [t(f"tracking.status_{s}") for s in status],
    })
    x_axis = alt.Axis(format="%m-%d", labelAngle=0, tickCount={"interval": "day", "step": 1})
    bars = alt.Chart(data).mark_bar(cornerRadius=3, stroke="#222222").encode(
        x=alt.X("start:T", title=t("overview.day"), axis=x_axis),
        x2="end:T",
        y=alt.Y("trip_id:N", title=None, sort=list(data["trip_id"])),
        color=alt.Color("mode:N", title=t("overview.mode"),
                        scale=_mode_scale(list(frame["kind"])),
                        legend=alt.Legend(orient="top")),
        opacity=alt.Opacity("fade:Q", scale=None, legend=None),
        strokeWidth=alt.StrokeWidth("outline:Q", scale=None, legend=None),
        tooltip=[alt.Tooltip("trip_id:N", title=t("trips.id")),
                 alt.Tooltip("status:N", title=t("tracking.status")),
                 alt.Tooltip("mode:N", title=t("overview.mode")),
                 alt.Tooltip("depart:N", title=t("trips.depart")),
                 alt.Tooltip("arrive:N", title=t("trips.arrive")),
                 alt.Tooltip("load:Q", title=t("trips.load"))],
    )
    rule = alt.Chart(pd.DataFrame({"day": [pd.Timestamp(as_of) + pd.Timedelta(hours=12)]})
                     ).mark_rule(color="#d62728", strokeDash=[4, 3], strokeWidth=2
                                 ).encode(x="day:T")
    return alt.LayerChart(layer=[bars, rule]).properties(height=alt.Step(22))
